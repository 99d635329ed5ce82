// Runs extension tests (a module exporting run(): the extensionTestsPath contract) inside the
// real VS Code extension host of code-server, with the web workbench open in headless chromium.
// The workbench reports the extension host's exit code via window.codeAutomationExit and
// forwards the extension host's console via window.codeAutomationLog (as VS Code's own
// browser integration tests do).
//
// CLI, the same flags VS Code takes (what @vscode/test-electron passes through code-shim):
//   node out/test/vscode/runExtensionTests.js --extensionDevelopmentPath=DIR --extensionTestsPath=FILE [FOLDER]
// Other flags (--no-sandbox, --user-data-dir=..., ...) are ignored. Everything in this process's
// environment reaches the extension host's process.env.
// env: OD_TEST_TIMEOUT_MS (default 600000), OD_RESULTS_DIR (default test-results/integration).
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import { launchBrowser } from './browser';
import { startCodeServer } from './codeServer';
import { resultsDir } from './paths';

// Lines the offline workbench/extension host logs by itself; not shown in the test output.
const NOISE = /^\[|Creating a socket|Resolv|grace time|AccountPolicyGate|open-vsx|builtin extensions cache|authentication provider 'github'|ENOTFOUND/;

function parseArgs(argv: string[]): { devPaths: string[]; testsPath?: string; folder?: string } {
  const devPaths: string[] = [];
  let testsPath: string | undefined;
  let folder: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) {
      folder = argv[i];
      continue;
    }
    const [, name, inline] = m;
    if (name === 'extensionDevelopmentPath' || name === 'extensionTestsPath') {
      const value = inline ?? argv[++i];
      if (name === 'extensionDevelopmentPath') devPaths.push(value);
      else testsPath = value;
    }
  }
  return { devPaths, testsPath, folder };
}

async function main(): Promise<number> {
  const { devPaths, testsPath, folder } = parseArgs(process.argv.slice(2));
  if (!devPaths.length || !testsPath) throw new Error('usage: runExtensionTests --extensionDevelopmentPath=DIR --extensionTestsPath=FILE [FOLDER]');
  const out = process.env.OD_RESULTS_DIR ? path.resolve(process.env.OD_RESULTS_DIR) : resultsDir('integration');
  fs.mkdirSync(out, { recursive: true });
  const t0 = Date.now();
  const secs = (): string => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const say = (s: string): void => void process.stderr.write(`[vscode-harness ${secs()}] ${s}\n`);

  // Without a folder, VS Code would open an empty window: give it an empty scratch workspace.
  const workspace = folder ? path.resolve(folder) : fs.mkdtempSync(path.join(out, 'ws-'));
  const server = await startCodeServer({ workspace, smokeTestDriver: true, logFile: path.join(out, 'code-server.log') });
  say(`code-server ${server.authority} up (VS Code server + workbench); workspace ${workspace}`);
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let code = 1;
  try {
    browser = await launchBrowser(server.scratch);
    const { page } = browser;
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((r) => (resolveExit = r));
    await page.exposeFunction('codeAutomationExit', (c: number) => resolveExit(Number(c)));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown) => {
      const line = util.format(...(Array.isArray(args) ? args : [args]));
      if (NOISE.test(line)) return;
      (type === 'error' ? console.error : console.log)(line);
    });
    await page.goto(server.url(devPaths, testsPath));
    const timeoutMs = Number(process.env.OD_TEST_TIMEOUT_MS || 600_000);
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const result = await Promise.race([exited, timedOut]);
    if (result === 'timeout') say(`no result from the extension host after ${timeoutMs} ms`);
    else code = result;
    await page.screenshot({ path: path.join(out, 'final.png') }).catch(() => undefined);
    browser.console.save(path.join(out, 'browser-console.log'));
    if (code !== 0) server.saveLogs(path.join(out, 'vscode-logs'));
  } finally {
    clearTimeout(timer);
    await browser?.close();
    await server.stop();
    if (!folder) fs.rmSync(workspace, { recursive: true, force: true });
  }
  say(`extension host exited with code ${code}; logs and screenshot in ${path.relative(process.cwd(), out) || '.'}`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
