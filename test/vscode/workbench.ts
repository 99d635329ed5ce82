// Helpers that drive the real VS Code web workbench through playwright-core: wait for it,
// run palette commands (with the retries pitfall 8 needs), read notifications, reach into
// webviews' nested iframes, take screenshots.
import * as fs from 'fs';
import * as path from 'path';
import { Frame, FrameLocator, Locator, Page } from 'playwright-core';
import { CSP_HOOK, ConsoleLog } from './browser';

export interface Notification {
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** The notification's source (extension name), or 'dialog' for a modal dialog. */
  source: string;
}

export interface RunCommandOptions {
  /** Give up after this long (the palette lists an extension's commands only once the extension host has scanned it). */
  timeoutMs?: number;
  /** Only open the palette and check the row; do not press Enter. */
  dryRun?: boolean;
}

const PALETTE_INPUT = '.quick-input-widget .quick-input-box input';
const PALETTE_ROW = '.quick-input-widget .quick-input-list .monaco-list-row';

export class Workbench {
  constructor(
    readonly page: Page,
    readonly console: ConsoleLog,
    /** Where screenshot() writes. */
    public screenshotDir: string,
  ) {}

  /** Waits until the workbench has painted (status bar present). */
  async waitForReady(timeoutMs = 90_000): Promise<void> {
    await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** Saves a PNG of the whole window; returns its path. `name` without extension. */
  async screenshot(name: string): Promise<string> {
    const file = path.join(this.screenshotDir, `${name}.png`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // caret 'initial': Playwright's default ('hide') injects a <style> into every frame, which a webview's
    // strict CSP reports as a violation.
    await this.page.screenshot({ path: file, caret: 'initial' });
    return file;
  }

  /** Closes any open quick input (palette, pickers). */
  async closeQuickInput(): Promise<void> {
    const input = this.page.locator(PALETTE_INPUT);
    for (let i = 0; i < 3 && (await input.isVisible().catch(() => false)); i++) {
      await this.page.keyboard.press('Escape');
      await this.page.waitForTimeout(150);
    }
  }

  /** The palette row whose label is exactly `title` (after the palette was filtered for it). */
  private paletteRow(title: string): Locator {
    return this.page.locator(PALETTE_ROW).filter({
      has: this.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`) }),
    }).first();
  }

  /**
   * Opens the command palette (F1), filters for `title` ("Category: Title" as the palette shows
   * it) and runs it with Enter. Retries until the row appears: contributed commands show up
   * only after the remote extension host has scanned the extensions (1–5 s after paint).
   * Returns the attempt number that found the row.
   */
  async runCommand(title: string, opts: RunCommandOptions = {}): Promise<number> {
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    const input = this.page.locator(PALETTE_INPUT);
    for (let attempt = 1; ; attempt++) {
      const dialogs = await this.dialogs();
      if (dialogs.length) throw new Error(`cannot run "${title}": a modal dialog is open: ${dialogs.map((d) => d.message).join(' | ')}`);
      await this.closeQuickInput();
      await this.page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 20_000 });
      await input.fill('>' + title);
      const row = this.paletteRow(title);
      try {
        await row.waitFor({ state: 'visible', timeout: 2_000 });
      } catch {
        if (Date.now() > deadline) {
          await this.closeQuickInput();
          throw new Error(`command "${title}" not found in the command palette after ${attempt} attempts`);
        }
        await this.page.waitForTimeout(1_000);
        continue;
      }
      if (opts.dryRun) {
        await this.closeQuickInput();
        return attempt;
      }
      await row.click();
      // The palette closes, or the command reuses the quick input for its own picker/input box.
      const typed = '>' + title;
      for (let i = 0; i < 50; i++) {
        const visible = await input.isVisible().catch(() => false);
        if (!visible || (await input.inputValue().catch(() => '')) !== typed) break;
        await this.page.waitForTimeout(100);
      }
      return attempt;
    }
  }

  /** Opens the command palette filtered by `filter` and leaves it open (e.g. for a screenshot); closeQuickInput() closes it. */
  async showPalette(filter: string): Promise<void> {
    await this.closeQuickInput();
    await this.page.keyboard.press('F1');
    const input = this.page.locator(PALETTE_INPUT);
    await input.waitFor({ state: 'visible', timeout: 20_000 });
    await input.fill('>' + filter);
    await this.page.locator(PALETTE_ROW).first().waitFor({ state: 'visible', timeout: 10_000 }).catch(() => undefined);
  }

  /** True if the palette lists `title` (waits up to timeoutMs for the extension host). */
  async hasCommand(title: string, timeoutMs = 30_000): Promise<boolean> {
    try {
      await this.runCommand(title, { dryRun: true, timeoutMs });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * All notifications: visible toasts, and everything in the notification center (with the
   * smoke-test driver on, toasts are never shown, only the center has them: pitfall 7).
   * Leaves the center closed.
   */
  async notifications(): Promise<Notification[]> {
    const read = async (scope: string): Promise<Notification[]> => {
      const items = this.page.locator(`${scope} .notification-list-item`);
      const out: Notification[] = [];
      for (const item of await items.all()) {
        const icon = (await item.locator('.notification-list-item-icon').getAttribute('class').catch(() => '')) ?? '';
        const severity = /codicon-error/.test(icon) ? 'error' : /codicon-warning/.test(icon) ? 'warning' : 'info';
        const message = ((await item.locator('.notification-list-item-message').textContent().catch(() => '')) ?? '').trim();
        const source = ((await item.locator('.notification-list-item-source').textContent().catch(() => '')) ?? '').trim();
        out.push({ severity, message, source });
      }
      return out;
    };
    const toasts = await read('.notifications-toasts');
    await this.runCommand('Notifications: Show Notifications');
    await this.page.locator('.notifications-center').waitFor({ state: 'visible', timeout: 10_000 }).catch(() => undefined);
    const center = await read('.notifications-center');
    await this.runCommand('Notifications: Hide Notifications').catch(() => undefined);
    const seen = new Set<string>();
    return [...toasts, ...center].filter((n) => {
      const key = `${n.severity}|${n.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
  }

  /**
   * Open modal dialogs. VS Code shows one, e.g., when a command run from the palette throws
   * ("Command '…' resulted in an error"), or for showErrorMessage(…, { modal: true }).
   */
  async dialogs(): Promise<Notification[]> {
    const out: Notification[] = [];
    for (const box of await this.page.locator('.monaco-dialog-box').filter({ visible: true }).all()) {
      const icon = box.locator('#monaco-dialog-icon');
      const iconText = `${(await icon.getAttribute('class').catch(() => '')) ?? ''} ${(await icon.getAttribute('aria-label').catch(() => '')) ?? ''}`;
      const severity = /error/i.test(iconText) ? 'error' : /warn/i.test(iconText) ? 'warning' : 'info';
      const text = ((await box.locator('.dialog-message-text').textContent().catch(() => '')) ?? '').trim();
      const detail = ((await box.locator('.dialog-message-detail').textContent().catch(() => '')) ?? '').trim();
      out.push({ severity, message: detail ? `${text}: ${detail}` : text, source: 'dialog' });
    }
    return out;
  }

  /** Closes open modal dialogs (Escape = cancel). */
  async dismissDialogs(): Promise<void> {
    for (let i = 0; i < 5 && (await this.dialogs()).length; i++) {
      await this.page.keyboard.press('Escape');
      await this.page.waitForTimeout(200);
    }
  }

  /**
   * Errors shown to the user: error dialogs and error notifications (toasts and the
   * notification center), minus the harmless offline noise.
   */
  async errorNotifications(): Promise<Notification[]> {
    const dialogs = (await this.dialogs()).filter((d) => d.severity === 'error');
    if (dialogs.length) return dialogs; // a modal dialog blocks the palette that notifications() uses
    return (await this.notifications()).filter((n) => n.severity === 'error' && !OFFLINE_NOISE.test(n.message));
  }

  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
  }

  async closeAllEditors(): Promise<void> {
    await this.runCommand('View: Close All Editors');
  }

  /**
   * The webview (panel or view) of `extensionId`, or of any extension when omitted. With
   * several, the visible one; `index` picks among visible ones in DOM order.
   */
  webview(opts: { extensionId?: string; index?: number } = {}): Webview {
    const sel = opts.extensionId
      ? `iframe.webview.ready[src*="extensionId=${encodeURIComponent(opts.extensionId)}"]`
      : 'iframe.webview.ready';
    const outer = this.page.locator(sel).filter({ visible: true }).nth(opts.index ?? 0);
    return new Webview(outer, this.console);
  }
}

/** A webview: an outer iframe (pre/index.html) that holds the content iframe #active-frame. */
export class Webview {
  /** The extension's HTML: use it like a page (frame.locator('#id'), getByRole, ...). */
  readonly frame: FrameLocator;

  constructor(
    readonly outer: Locator,
    private readonly console: ConsoleLog,
  ) {
    this.frame = outer.contentFrame().frameLocator('iframe#active-frame');
  }

  /** Waits until the content frame has `selector` (default: any body content). */
  async waitForReady(selector = 'body > *', timeoutMs = 60_000): Promise<void> {
    await this.outer.waitFor({ state: 'attached', timeout: timeoutMs });
    await this.frame.locator(selector).first().waitFor({ state: 'attached', timeout: timeoutMs });
  }

  /** The playwright Frame of the content: `(await view.contentFrame()).evaluate(() => ...)` runs in the webview's document. */
  async contentFrame(): Promise<Frame> {
    const handle = await this.outer.contentFrame().locator('iframe#active-frame').elementHandle();
    const frame = await handle?.contentFrame();
    if (!frame) throw new Error('webview content frame not found');
    return frame;
  }

  /** The Content-Security-Policy meta tag of the webview's HTML, if any. */
  async csp(): Promise<string | null> {
    return this.frame.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content', { timeout: 5_000 }).catch(() => null);
  }

  /** Makes sure securitypolicyviolation events of the live document are reported (see ConsoleLog.cspViolations). */
  async watchCsp(): Promise<void> {
    await (await this.contentFrame()).evaluate(CSP_HOOK);
  }

  /** Screenshot of just the webview. */
  async screenshot(file: string): Promise<string> {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await this.outer.screenshot({ path: file, caret: 'initial' });
    return file;
  }

  /** Console lines logged from webview frames since `mark`. */
  consoleSince(mark = 0): string[] {
    return this.console.since(mark).filter((e) => /webview/.test(e.url)).map((e) => `[${e.type}] ${e.text}`);
  }
}

/** Error notifications/log lines that an offline code-server produces by itself (README pitfall 10). */
export const OFFLINE_NOISE = /open-vsx|ENOTFOUND|getaddrinfo|vsda|authentication provider 'github'|marketplace|gallery/i;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
