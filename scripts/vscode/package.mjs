// `npm run package`: clean production build of dist/, then vsce (under Node >= 22) packs
// optimizer-diagnostics.vsix. .vscodeignore keeps it to dist/, media/, examples/ and the manifest files.
import { spawnSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = process.argv[2] || 'optimizer-diagnostics.vsix';
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
rmSync(join(root, 'dist'), { recursive: true, force: true }); // no stale files (source maps) in the package
run(process.execPath, ['esbuild.mjs', '--production']);
run(process.execPath, [join(root, 'scripts', 'vscode', 'vsce.mjs'), 'package', '--no-dependencies', '--out', out]);
console.log(`[package] ${out}: ${(statSync(join(root, out)).size / 1024).toFixed(1)} KiB`);
