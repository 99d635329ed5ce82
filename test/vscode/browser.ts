// Headless Debian chromium driven by playwright-core (no browser download: executablePath).
import * as fs from 'fs';
import * as path from 'path';
import { BrowserContext, chromium, ConsoleMessage, Page } from 'playwright-core';
import { xdgEnv } from './codeServer';
import { findHarness } from './paths';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  console: ConsoleLog;
  close(): Promise<void>;
}

/** Launches chromium with a fresh profile inside `scratch` (deleted with it). */
export async function launchBrowser(scratch: string, opts: { viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(scratch, 'chromium-'));
  const executablePath = findHarness()?.chromiumBin ?? process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    env: { ...process.env, ...xdgEnv(scratch) } as Record<string, string>,
    args: CHROMIUM_ARGS,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const log = new ConsoleLog(page);
  await log.hookCsp(page);
  let closed = false;
  return {
    context, page, console: log,
    async close() {
      if (closed) return;
      closed = true;
      await context.close().catch(() => undefined);
    },
  };
}

export interface ConsoleEntry {
  time: number;
  type: string;
  text: string;
  /** URL of the script/frame that logged it (webview frames contain /webview/). */
  url: string;
}

/** Matches a CSP violation as chromium reports it in the console, or one reported by the page hook. */
export const CSP_PATTERN = /Content Security Policy|securitypolicyviolation/i;

/**
 * Everything the page and all its frames (webview iframes included) write to the console,
 * plus page errors and `securitypolicyviolation` events (hooked in every frame).
 */
export class ConsoleLog {
  readonly entries: ConsoleEntry[] = [];

  constructor(page: Page) {
    page.on('console', (m: ConsoleMessage) =>
      this.entries.push({ time: Date.now(), type: m.type(), text: m.text(), url: m.location().url ?? '' }));
    page.on('pageerror', (e: Error) =>
      this.entries.push({ time: Date.now(), type: 'pageerror', text: e.message, url: '' }));
  }

  /** Call once, before the first navigation. */
  async hookCsp(page: Page): Promise<void> {
    // A CSP violation event in any frame -> console entry. Installed in every frame, before
    // the frame's scripts run (a webview's content frame rewrites its document, so
    // Webview.watchCsp() re-installs it in the live document as well).
    await page.exposeBinding('__odReportCsp', (source, v: string) =>
      this.entries.push({ time: Date.now(), type: 'error', text: `securitypolicyviolation: ${v}`, url: source.frame.url() }));
    await page.addInitScript(CSP_HOOK);
  }

  /** A marker for since(). */
  mark(): number {
    return this.entries.length;
  }

  since(mark = 0): ConsoleEntry[] {
    return this.entries.slice(mark);
  }

  errors(mark = 0): ConsoleEntry[] {
    return this.since(mark).filter((e) => e.type === 'error' || e.type === 'pageerror');
  }

  cspViolations(mark = 0): ConsoleEntry[] {
    return this.since(mark).filter((e) => CSP_PATTERN.test(e.text));
  }

  format(mark = 0): string {
    return this.since(mark)
      .map((e) => `${new Date(e.time).toISOString()} [${e.type}] ${e.text}${e.url ? `  (${e.url})` : ''}`)
      .join('\n');
  }

  save(file: string, mark = 0): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, this.format(mark) + '\n');
  }
}

/** Runs in a frame: forwards securitypolicyviolation events to the __odReportCsp binding (once per document). */
export const CSP_HOOK = `(() => {
  const d = document;
  if (d.__odCspHooked) return;
  d.__odCspHooked = true;
  d.addEventListener('securitypolicyviolation', (e) => {
    const msg = e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
      (e.sourceFile ? ' at ' + e.sourceFile + ':' + e.lineNumber : '') + ' (policy: ' + e.originalPolicy + ')';
    if (typeof window.__odReportCsp === 'function') window.__odReportCsp(msg);
  });
})();`;
