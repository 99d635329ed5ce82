// End-to-end runner: starts code-server (real VS Code) and headless chromium once, loads the
// extension, then runs every scenario in test/e2e/scenarios/ in name order (API: context.ts).
//   node out/test/e2e/run.js --vsix optimizer-diagnostics.vsix [filter...]   installed from the package
//   node out/test/e2e/run.js --dev [DIR] [filter...]                          as extensionDevelopmentPath
// filter: run only scenarios whose name contains one of the words.
// Output: test-results/e2e/ (screenshots, console and VS Code logs). Last line: "N passed, M failed".
// env: OD_E2E_SCENARIO_TIMEOUT_MS (default 180000).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { launchBrowser, Browser } from '../vscode/browser';
import { CodeServer, startCodeServer } from '../vscode/codeServer';
import { extensionId, readManifest, repoRoot, resultsDir } from '../vscode/paths';
import { Workbench } from '../vscode/workbench';
import type { Scenario, ScenarioContext } from './context';

interface Args {
  mode: 'vsix' | 'dev';
  vsix?: string;
  root: string;
  filters: string[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { mode: 'dev', root: repoRoot, filters: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--vsix') {
      a.mode = 'vsix';
      a.vsix = path.resolve(argv[++i] ?? '');
    } else if (argv[i] === '--dev') {
      a.mode = 'dev';
      if (argv[i + 1] && !argv[i + 1].startsWith('-') && fs.existsSync(path.join(argv[i + 1], 'package.json'))) a.root = path.resolve(argv[++i]);
    } else a.filters.push(argv[i]);
  }
  if (a.mode === 'vsix' && (!a.vsix || !fs.existsSync(a.vsix))) throw new Error(`--vsix: no such file ${a.vsix}; run \`npm run package\``);
  return a;
}

function scenarioFiles(filters: string[]): { name: string; file: string }[] {
  const dir = path.join(__dirname, 'scenarios');
  const sources = path.join(repoRoot, 'test', 'e2e', 'scenarios');
  return fs.readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((f) => ({ name: f.replace(/\.js$/, ''), file: path.join(dir, f) }))
    // out/ may still hold a scenario whose source was deleted or renamed: skip it
    .filter((s) => fs.existsSync(path.join(sources, `${s.name}.ts`)))
    .filter((s) => filters.length === 0 || filters.some((w) => s.name.includes(w)));
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms))),
  ]);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const out = resultsDir('e2e');
  const t0 = Date.now();
  const secs = (): string => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const say = (s: string): void => console.log(`[e2e ${secs()}] ${s}`);
  const scenarios = scenarioFiles(args.filters);
  if (!scenarios.length) throw new Error(`no scenarios match ${args.filters.join(' ')}`);
  // Fresh output for the scenarios about to run (other scenarios' screenshots stay).
  for (const f of fs.readdirSync(out)) {
    if (f === 'vscode-logs' || f === 'harness-FAILED.png' || scenarios.some((s) => f.startsWith(`${s.name}-`))) {
      fs.rmSync(path.join(out, f), { recursive: true, force: true });
    }
  }

  // The workbench opens a throw-away copy of examples/.
  const wsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'od-e2e-ws-'));
  const workspace = path.join(wsRoot, 'examples');
  fs.mkdirSync(workspace);
  const examples = path.join(args.root, 'examples');
  if (fs.existsSync(examples)) fs.cpSync(examples, workspace, { recursive: true });

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let passed = 0;
  let failed = 0;
  try {
    server = await startCodeServer({
      workspace,
      smokeTestDriver: args.mode === 'dev',
      installVsix: args.vsix ? [args.vsix] : [],
      logFile: path.join(out, 'code-server.log'),
    });
    // The manifest of what actually runs: the installed copy in vsix mode.
    let extRoot = args.root;
    if (args.mode === 'vsix') {
      const installed = fs.readdirSync(server.extensionsDir).find((d) => fs.existsSync(path.join(server!.extensionsDir, d, 'package.json')));
      if (!installed) throw new Error(`${args.vsix} did not install into ${server.extensionsDir}`);
      extRoot = path.join(server.extensionsDir, installed);
    }
    const manifest = readManifest(extRoot);
    const id = extensionId(manifest);
    say(`code-server ${server.authority} up; extension ${id} ${args.mode === 'vsix' ? `installed from ${path.basename(args.vsix!)}` : `loaded from ${args.root}`}`);
    browser = await launchBrowser(server.scratch);
    const { page } = browser;
    const workbench = new Workbench(page, browser.console, out);
    await page.goto(server.url(args.mode === 'dev' ? [args.root] : []));
    await workbench.waitForReady();
    say('workbench ready');

    for (const s of scenarios) {
      const ctx: ScenarioContext = {
        name: s.name, page, workbench, console: browser.console, consoleMark: browser.console.mark(), server,
        extension: { id, manifest, mode: args.mode, root: extRoot },
        workspace, outDir: out, assert,
        screenshot: (label) => workbench.screenshot(`${s.name}-${label}`),
        log: (m) => say(`  ${s.name}: ${m}`),
        allow: { cspViolations: false, errorNotifications: false },
      };
      const started = Date.now();
      try {
        const mod = require(s.file) as { default?: Scenario; timeoutMs?: number };
        if (typeof mod.default !== 'function') throw new Error(`${s.file} has no default export function`);
        // a scenario that starts its own code-server may ask for more (export const timeoutMs)
        const limit = Math.max(Number(process.env.OD_E2E_SCENARIO_TIMEOUT_MS || 180_000), mod.timeoutMs ?? 0);
        await withTimeout(mod.default(ctx), limit, `scenario ${s.name}`);
        const csp = browser.console.cspViolations(ctx.consoleMark);
        if (csp.length && !ctx.allow.cspViolations) throw new Error(`CSP violations:\n  ${csp.map((e) => e.text).join('\n  ')}`);
        if (!ctx.allow.errorNotifications) {
          const errors = await workbench.errorNotifications();
          if (errors.length) throw new Error(`error notifications: ${errors.map((n) => n.message).join(' | ')}`);
        }
        passed++;
        say(`PASS ${s.name} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
      } catch (e) {
        failed++;
        say(`FAIL ${s.name}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        await workbench.screenshot(`${s.name}-FAILED`).catch(() => undefined);
        browser.console.save(path.join(out, `${s.name}-console.log`), ctx.consoleMark);
        server.saveLogs(path.join(out, 'vscode-logs'));
        say(`  saved ${s.name}-FAILED.png, ${s.name}-console.log and vscode-logs/ in ${path.relative(process.cwd(), out)}`);
      }
      // Next scenario starts from a clean workbench.
      await workbench.dismissDialogs().catch(() => undefined);
      await workbench.closeQuickInput().catch(() => undefined);
      await workbench.closeAllEditors().catch(() => undefined);
      await workbench.clearNotifications().catch(() => undefined);
    }
    browser.console.save(path.join(out, 'browser-console.log'));
  } catch (e) {
    failed++;
    say(`FAIL (harness): ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    if (browser) await browser.page.screenshot({ path: path.join(out, 'harness-FAILED.png') }).catch(() => undefined);
    if (browser) browser.console.save(path.join(out, 'browser-console.log'));
    server?.saveLogs(path.join(out, 'vscode-logs'));
  } finally {
    await browser?.close();
    await server?.stop();
    fs.rmSync(wsRoot, { recursive: true, force: true });
  }
  say(`done; screenshots and logs in ${path.relative(process.cwd(), out)}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
