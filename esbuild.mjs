// One build script, several targets (extension host, loss process, CLI, webview, tests, bench).
//   node esbuild.mjs                 host + loss process (dist/worker.js) + CLI + webview into dist/
//   node esbuild.mjs --production    same, minified, no source maps (used for the .vsix)
//   node esbuild.mjs --watch         rebuild dist/ on change
//   node esbuild.mjs --tests         also bundle test/unit/**/*.test.ts into out/test/unit/
//   node esbuild.mjs --integration   also bundle test/integration/** into out/test/integration/
//   node esbuild.mjs --bench         also bundle bench/*.ts into out/bench/
//   node esbuild.mjs --vscode        also compile the real-VS-Code harness test/vscode/** + test/e2e/** into out/test/ (file by file)
// esbuild does not type-check: `npm test` runs `tsc --noEmit` first.
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, readFileSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');

/** Every file under dir whose name ends with one of the suffixes. */
function findFiles(dir, suffixes) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findFiles(p, suffixes));
    else if (suffixes.some((s) => name.endsWith(s))) out.push(p);
  }
  return out.sort();
}
const present = (entries) => entries.filter((e) => existsSync(e.in ?? e));

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20' };

/** @type {import('esbuild').BuildOptions[]} */
const targets = [];

const hostEntries = present([{ in: 'src/host/extension.ts', out: 'extension' }]);
if (hostEntries.length) targets.push({ ...node, entryPoints: hostEntries, outdir: 'dist', external: ['vscode'] });

// The loss process (src/runner/child.ts, forked by src/runner/client.ts). Its own code reads the
// intrinsics it captured before user code ran (src/runner/intrinsics.ts): each `Math.sqrt`,
// `Number.isFinite`, … of the runner, core and loader is replaced by the captured binding.
if (existsSync('src/runner/child.ts')) {
  const intrinsics = 'src/runner/intrinsics.ts';
  const define = {};
  for (const m of readFileSync(intrinsics, 'utf8').matchAll(/^  '([^']+)': '(__od_[A-Za-z_]+)',$/gm)) define[m[1]] = m[2];
  targets.push({ ...node, entryPoints: { worker: 'src/runner/child.ts' }, outdir: 'dist', inject: [intrinsics], define });
}

if (existsSync('src/cli/main.ts')) {
  const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
  targets.push({ ...node, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' },
    define: { PACKAGE_VERSION: JSON.stringify(version) } });
}

if (existsSync('webview/main.ts')) {
  targets.push({
    ...common, platform: 'browser', format: 'iife', target: 'es2020',
    entryPoints: { 'webview/main': 'webview/main.ts' }, outdir: 'dist',
    // chartjs-plugin-zoom imports hammerjs for touch gestures only (not enabled): left out of the bundle.
    alias: { hammerjs: './webview/charts/noHammer.ts' },
  });
}

if (args.has('--tests')) {
  const tests = findFiles('test/unit', ['.test.ts']);
  if (tests.length) targets.push({ ...node, sourcemap: 'inline', entryPoints: tests, outdir: 'out/test/unit', outbase: 'test/unit' });
}
if (args.has('--integration')) {
  const files = findFiles('test/integration', ['.ts']).filter((f) => !f.includes(`${join('test', 'integration', 'workspace')}`));
  if (files.length) {
    targets.push({ ...node, sourcemap: 'inline', entryPoints: files, outdir: 'out/test/integration', outbase: 'test/integration',
      external: ['vscode', 'mocha'] });
  }
}
if (args.has('--vscode')) {
  // Plain Node scripts run by the system node (not loaded by VS Code): one output per file, imports kept.
  const files = [...findFiles('test/vscode', ['.ts']), ...findFiles('test/e2e', ['.ts'])].filter((f) => !f.endsWith('.d.ts'));
  if (files.length) targets.push({ ...node, bundle: false, minify: false, sourcemap: 'inline', entryPoints: files, outdir: 'out/test', outbase: 'test' });
}
if (args.has('--bench')) {
  const files = findFiles('bench', ['.ts']).filter((f) => !f.endsWith('.d.ts'));
  // tfjs stays external: it is required from node_modules at run time (its CJS build wires its backends).
  if (files.length) targets.push({ ...node, entryPoints: files, outdir: 'out/bench', outbase: 'bench', external: ['@tensorflow/*'] });
}

if (watch) {
  for (const t of targets) await (await esbuild.context(t)).watch();
  console.log('[esbuild] watching…');
} else {
  const t0 = Date.now();
  await Promise.all(targets.map((t) => esbuild.build(t)));
  if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
  if (production) writeVsixReadme();
  console.log(`[esbuild] ${targets.length} target(s) built in ${Date.now() - t0} ms${production ? ' (production)' : ''}`);
}

/**
 * The README packed into the .vsix (package.json `vsce.readmePath`). vsce accepts only https images in it
 * and this repository has no public URL to point at, so images become captions naming the file; the rest is
 * the repository README verbatim.
 */
function writeVsixReadme() {
  const text = readFileSync('README.md', 'utf8').replace(/!\[([^\]]*)\]\(([^)]+)\)/g, (_, alt, src) => `*Screenshot (${src} in the repository): ${alt}*`);
  writeFileSync('dist/README.md', text);
}
