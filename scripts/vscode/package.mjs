// `npm run package`: clean production build of dist/, then vsce (under Node >= 22) packs
// optimizer-diagnostics.vsix. .vscodeignore keeps it to dist/, media/, examples/ and the manifest files.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = process.argv[2] || 'optimizer-diagnostics.vsix';
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(process.execPath, ['esbuild.mjs', '--production']);
// A production build writes no source maps, but a previous dev build's maps would still be packed.
// (dist/ is not deleted as a whole: a dev session may be running from it.)
for (const f of readdirSync(join(root, 'dist'), { recursive: true })) {
  if (String(f).endsWith('.map')) rmSync(join(root, 'dist', String(f)), { force: true });
}
run(process.execPath, [join(root, 'scripts', 'vscode', 'vsce.mjs'), 'package', '--no-dependencies', '--out', out]);
console.log(`[package] ${out}: ${(statSync(join(root, out)).size / 1024).toFixed(1)} KiB`);
