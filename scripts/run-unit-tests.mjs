// Runs every bundled unit test (out/test/unit/**/*.test.js) with node's built-in test runner.
// Node 20's `node --test` takes explicit files, so list them here. The runner's closing
// summary (# tests / # pass / # fail) is kept as the last lines of the output.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const root = process.argv[2] ?? 'out/test/unit';
const files = find(root).sort();
if (files.length === 0) {
  console.error(`no unit tests found under ${root}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
