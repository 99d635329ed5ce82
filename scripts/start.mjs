// `npm start`: builds the extension and opens it in a real VS Code on the bundled examples/ folder.
//  * a desktop `code` on PATH: `code --extensionDevelopmentPath=<repo> examples` (then this script ends);
//  * otherwise: the project's code-server (installed by scripts/vscode/install.sh when missing) on
//    127.0.0.1 with this folder linked into its extensions folder (an installed extension that runs
//    the repo's dist/); prints the URL to open and stays up until Ctrl+C, then kills code-server's
//    process group and deletes its temp folders.
//    It is a normal workbench: notification toasts show (the tests' smoke-test-driver mode, which
//    loads extensionDevelopmentPath from the URL, hides every toast, so it is not used here).
// env: OD_START_CODE_SERVER=1 use code-server even when `code` exists; OD_PORT=<port> (default 8765, or a free one);
//      OD_START_TRUST=1 with Workspace Trust on (examples/ then opens in Restricted Mode; default: trust off, as in the tests).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const examples = join(root, 'examples');
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`[start] ${cmd} ${args.join(' ')} failed`);
    process.exit(r.status ?? 1);
  }
};
const onPath = (name) => (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, name)));
const portFree = (port) => new Promise((resolve) => {
  const srv = net.createServer().once('error', () => resolve(false));
  srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
});

mkdirSync(examples, { recursive: true });

if (onPath('code') && process.env.OD_START_CODE_SERVER !== '1') {
  run(process.execPath, ['esbuild.mjs']);
  run('code', [`--extensionDevelopmentPath=${root}`, examples]);
  console.log('[start] opened in VS Code (Extension Development Host). Rebuild with `npm run build`, then "Developer: Reload Window".');
  process.exit(0);
}

// code-server: the extension + the harness library (out/test/vscode) that starts code-server.
run(process.execPath, ['esbuild.mjs', '--vscode']);
const require = createRequire(import.meta.url);
const { findHarness } = require(join(root, 'out/test/vscode/paths.js'));
if (!findHarness()) run('bash', [join(root, 'scripts/vscode/install.sh')]);
const { startCodeServer } = require(join(root, 'out/test/vscode/codeServer.js'));

const wanted = Number(process.env.OD_PORT || 8765);
const server = await startCodeServer({
  workspace: examples,
  port: (await portFree(wanted)) ? wanted : undefined,
  // Not the smoke-test driver (it hides notification toasts): the repo is linked in as an installed extension.
  linkExtensions: [root],
  workspaceTrust: process.env.OD_START_TRUST === '1',
  logFile: join(root, 'test-results', 'start', 'code-server.log'),
});
console.log(`
[start] Optimizer Diagnostics (this folder, linked into code-server's extensions) is running in code-server (VS Code in the browser).
        Open this URL in a browser on this machine:

  ${server.url()}

        The workspace is examples/. After \`npm run build\`, run "Developer: Reload Window" to pick up changes
        (after a package.json change, restart npm start). code-server log: test-results/start/code-server.log.
        Press Ctrl+C to stop.
`);
const code = await server.exited; // until Ctrl+C (codeServer.js then kills the group and deletes temp dirs) or a crash
console.error(`[start] code-server exited unexpectedly (${code}); see test-results/start/code-server.log`);
await server.stop();
process.exit(1);
