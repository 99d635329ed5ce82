// Checks `npm start` as a person sees it: runs scripts/start.mjs (code-server mode), opens the URL it
// prints in headless chromium, runs "Show Comparison Side by Side" with no panel open and expects the
// extension's message as a notification TOAST (not only in the notification center: the tests'
// smoke-test-driver mode hides toasts, and `npm start` must not run in it). Then Ctrl+C (SIGINT).
//   node esbuild.mjs --vscode && node out/test/vscode/startCheck.js
// Output: test-results/start/notification.png, test-results/start/code-server.log. Exit 0 on success.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { launchBrowser, type Browser } from './browser';
import { freePort } from './codeServer';
import { repoRoot, resultsDir } from './paths';
import { Workbench } from './workbench';

async function main(): Promise<number> {
  const out = resultsDir('start');
  const port = await freePort();
  const t0 = Date.now();
  const say = (s: string): void => console.log(`[start-check ${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);
  const child = spawn(process.execPath, [path.join(repoRoot, 'scripts', 'start.mjs')], {
    cwd: repoRoot,
    env: { ...process.env, OD_START_CODE_SERVER: '1', OD_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL from npm start within 180 s; output:\n${stdout}`)), 180_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before printing a URL:\n${stdout}`)));
  });
  say(`npm start printed ${url}`);
  if (/payload=/.test(url)) throw new Error('npm start still loads the extension through the URL payload (smoke-test-driver mode)');
  let browser: Browser | undefined;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'od-start-check-'));
  let code = 1;
  try {
    browser = await launchBrowser(scratch, { viewport: { width: 1400, height: 900 } });
    const wb = new Workbench(browser.page, browser.console, out);
    await browser.page.goto(url);
    await wb.waitForReady();
    await wb.runCommand('Optimizer Diagnostics: Show Comparison Side by Side');
    const toast = browser.page.locator('.notifications-toasts .notification-list-item', { hasText: 'Optimizer Diagnostics' });
    await toast.first().waitFor({ state: 'visible', timeout: 15_000 });
    const text = (await toast.first().innerText()).replace(/\s+/g, ' ');
    say(`toast: ${text}`);
    await wb.screenshot('notification');
    say(`screenshot: ${path.relative(process.cwd(), path.join(out, 'notification.png'))}`);
    code = /open a comparison first/i.test(text) ? 0 : 1;
  } finally {
    await browser?.close();
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGINT'); // start.mjs → codeServer.ts kills code-server's process group
    await exited;
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return code;
}

main().then(
  (code) => {
    console.log(code === 0 ? 'npm start shows notification toasts: OK' : 'npm start: FAILED');
    process.exit(code);
  },
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
