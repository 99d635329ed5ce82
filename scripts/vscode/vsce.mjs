// Runs @vscode/vsce (a devDependency) with a Node >= 22, which vsce 3.x requires:
// this node if it is new enough, else the harness's Node 24 (npm run vscode:install).
//   node scripts/vscode/vsce.mjs package --no-dependencies --out optimizer-diagnostics.vsix
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const harnessDir = process.env.OD_HARNESS_DIR || join(root, '.vscode-test', 'harness');

function node22() {
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  if (process.env.NODE24_BIN && existsSync(process.env.NODE24_BIN)) return process.env.NODE24_BIN;
  try {
    const { nodeBin } = JSON.parse(readFileSync(join(harnessDir, 'env.json'), 'utf8'));
    if (existsSync(nodeBin)) return nodeBin;
  } catch { /* not installed */ }
  console.error(`vsce 3.x needs Node >= 22 (this is ${process.version}); run \`npm run vscode:install\` to get Node 24 in ${harnessDir}`);
  process.exit(1);
}

const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const r = spawnSync(node22(), [vsce, ...process.argv.slice(2)], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
process.exit(r.status ?? 1);
