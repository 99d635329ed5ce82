// Helpers for the diagnostics-panel scenarios: answer the quick picks, find the panel's webview, wait
// for its charts and read their data out of the webview (Chart.js instances exposed on
// window.__optimizerDiagnostics by webview/main.ts).
import * as path from 'path';
import type { Frame } from 'playwright-core';
import type { ScenarioContext } from './context';
import type { Webview } from '../vscode/workbench';

const QUICK_INPUT = '.quick-input-widget';
const QUICK_INPUT_BOX = '.quick-input-widget .quick-input-box input';
const QUICK_ROW = '.quick-input-widget .quick-input-list .monaco-list-row';

/** Waits for a quick pick, filters it with `filter` and accepts the first matching row (Enter). */
export async function answerQuickPick(ctx: ScenarioContext, filter: string, opts: { titleIncludes?: string; typed?: boolean } = {}): Promise<void> {
  const input = ctx.page.locator(QUICK_INPUT_BOX);
  await input.waitFor({ state: 'visible', timeout: 20_000 });
  if (opts.titleIncludes) {
    await ctx.page.locator(`${QUICK_INPUT} .quick-input-title`, { hasText: opts.titleIncludes }).waitFor({ state: 'visible', timeout: 20_000 });
  }
  if (opts.typed) {
    // Like a person: real keystrokes into the quick pick's box.
    await input.fill('');
    for (const ch of filter) await ctx.page.keyboard.type(ch, { delay: 120 });
  } else await input.fill(filter);
  await ctx.page.locator(QUICK_ROW).first().waitFor({ state: 'visible', timeout: 10_000 });
  await ctx.page.waitForTimeout(150);
  await ctx.page.keyboard.press('Enter');
}

/** Multi-select quick pick: ticks exactly the rows whose label contains one of `labels`, then accepts. */
export async function answerMultiPick(ctx: ScenarioContext, labels: readonly string[], titleIncludes: string): Promise<void> {
  const input = ctx.page.locator(QUICK_INPUT_BOX);
  await input.waitFor({ state: 'visible', timeout: 20_000 });
  await ctx.page.locator(`${QUICK_INPUT} .quick-input-title`, { hasText: titleIncludes }).waitFor({ state: 'visible', timeout: 20_000 });
  const checked = async (row: ReturnType<ScenarioContext['page']['locator']>): Promise<boolean> => {
    const aria = await row.getAttribute('aria-checked');
    if (aria !== null) return aria === 'true';
    return row.locator('input[type=checkbox]').first().isChecked().catch(() => false);
  };
  // Untick preselected rows that are not wanted.
  const rows = ctx.page.locator(QUICK_ROW);
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    const text = (await row.innerText()).split('\n')[0] ?? '';
    if (!labels.some((l) => text.includes(l)) && (await checked(row))) await row.locator('.quick-input-list-checkbox, input[type=checkbox], .monaco-checkbox').first().click();
  }
  for (const label of labels) {
    await input.fill(label);
    const row = ctx.page.locator(QUICK_ROW).filter({ hasText: label }).first();
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    if (!(await checked(row))) await row.locator('.quick-input-list-checkbox, input[type=checkbox], .monaco-checkbox').first().click();
  }
  await input.fill('');
  await ctx.page.waitForTimeout(150);
  await ctx.page.keyboard.press('Enter');
}

export interface ChartData {
  type: string;
  datasets: { label: string; x: number[]; y: number[] }[];
  yScale: string;
  yTitle: string;
}

/** The panel's webview (the first visible diagnostics webview, or `index`). */
export async function panelWebview(ctx: ScenarioContext, index = 0): Promise<{ view: Webview; frame: Frame }> {
  const view = ctx.workbench.webview({ extensionId: ctx.extension.id, index });
  await view.waitForReady('#chart-convergence', 90_000);
  await view.watchCsp();
  const frame = await view.contentFrame();
  return { view, frame };
}

/**
 * Polls (from Node) until `predicate` — an expression over `od`, the webview's test hook — is true.
 * Not frame.waitForFunction: its string predicates go through eval, which the panel's CSP forbids.
 */
export async function waitInWebview(frame: Frame, predicate: string, timeoutMs = 60_000): Promise<void> {
  const expr = `(() => { const od = window.__optimizerDiagnostics; if (!od) return false; try { return !!(${predicate}); } catch { return false; } })()`;
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await frame.evaluate(expr).catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting in the webview for: ${predicate}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every chart's datasets (x/y arrays) read from the Chart.js instances in the webview. */
export async function readCharts(frame: Frame): Promise<Record<string, ChartData>> {
  return (await frame.evaluate(`(() => {
    const od = window.__optimizerDiagnostics;
    const out = {};
    for (const id of ['convergence', 'landscape', 'effectiveLr', 'moments', 'stepSize']) {
      const c = od.chart(id);
      if (!c) continue;
      const canvas = document.getElementById('chart-' + id);
      const same = od.Chart.getChart(canvas) === c;
      out[id] = {
        type: c.config.type + (same ? '' : ' (stale)'),
        yScale: c.scales.y ? c.scales.y.type : '',
        yTitle: c.options.scales && c.options.scales.y && c.options.scales.y.title ? String(c.options.scales.y.title.text) : '',
        datasets: c.data.datasets.map((d) => ({ label: String(d.label), x: d.data.map((p) => p.x), y: d.data.map((p) => p.y) })),
      };
    }
    return out;
  })()`)) as Record<string, ChartData>;
}

/** The last finite y of a dataset. */
export function lastFinite(ys: readonly number[]): number {
  for (let i = ys.length - 1; i >= 0; i--) if (Number.isFinite(ys[i])) return ys[i]!;
  return NaN;
}

/** Paint time measured in the webview (message received → frame), from the test hook's last render. */
export async function webviewStatus(frame: Frame): Promise<{ status: string; runs: number; step: number }> {
  return (await frame.evaluate(`(() => {
    const od = window.__optimizerDiagnostics; const m = od.model();
    return { status: m.status.phase, runs: m.orderedRuns().length, step: od.ui().step };
  })()`)) as { status: string; runs: number; step: number };
}

/**
 * Screenshots that leave the webview's DOM alone: playwright's default `caret: 'hide'` injects a
 * <style> element into every frame, which the panel's strict CSP (rightly) reports as a violation.
 */
export async function screenshot(ctx: ScenarioContext, label: string): Promise<string> {
  const file = path.join(ctx.outDir, `${ctx.name}-${label}.png`);
  await ctx.page.screenshot({ path: file, caret: 'initial' });
  return file;
}

export async function webviewScreenshot(ctx: ScenarioContext, view: Webview, label: string): Promise<string> {
  const file = path.join(ctx.outDir, `${ctx.name}-${label}.png`);
  await view.outer.screenshot({ path: file, caret: 'initial' });
  return file;
}

/** A random integer in [lo, hi] from a seeded generator (reproducible trials). */
export function seededRandom(seed: number): (lo: number, hi: number) => number {
  let s = seed >>> 0 || 1;
  return (lo, hi) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return lo + (s % (hi - lo + 1));
  };
}

/**
 * Types into a toolbar text field like a person: clicks it, selects its text (Ctrl/Cmd+A) and types
 * `text` one key at a time, waiting `delay()` ms after each key (real key events, not fill()).
 */
export async function typeLikeAPerson(ctx: ScenarioContext, view: Webview, selector: string, text: string, delay: () => number): Promise<void> {
  const input = view.frame.locator(selector).locator('input');
  await input.click();
  await ctx.page.keyboard.press('ControlOrMeta+a');
  await ctx.page.waitForTimeout(delay());
  for (const ch of text) {
    await ctx.page.keyboard.type(ch);
    await ctx.page.waitForTimeout(delay());
  }
}

/** The text a toolbar field shows (its inner <input>'s value). */
export async function fieldText(view: Webview, selector: string): Promise<string> {
  return view.frame.locator(selector).locator('input').inputValue();
}

export interface FormState {
  draft: { steps: number; runs: { id: string; optimizer: string; hyperparameters: Record<string, unknown> }[] } | null;
  host: { steps: number; runs: { id: string; hyperparameters: Record<string, unknown> }[] } | null;
  dirty: boolean;
  problems: string[];
  notice: string | null;
  posts: number;
}

export async function formState(frame: Frame): Promise<FormState> {
  return JSON.parse((await frame.evaluate(`JSON.stringify(window.__optimizerDiagnostics.form())`)) as string) as FormState;
}

/** What run `runId` ran, per the host's series in the webview: steps requested/completed and hyperparameters. */
export async function ranOf(frame: Frame, runId: string): Promise<{ stepsRequested: number; stepsCompleted: number; hyperparameters: Record<string, unknown> } | null> {
  return JSON.parse((await frame.evaluate(`(() => { const r = window.__optimizerDiagnostics.model().runs.get(${JSON.stringify(runId)}); return JSON.stringify(r ? { stepsRequested: r.stepsRequested, stepsCompleted: r.stepsCompleted, hyperparameters: r.hyperparameters } : null); })()`)) as string) as never;
}

/**
 * Runs axe-core (node_modules/axe-core/axe.min.js, evaluated inside the webview frame) and returns the
 * serious and critical violations, each as "rule: help (n nodes: selector…)".
 */
export async function axeViolations(frame: Frame): Promise<string[]> {
  const src = await import('fs').then((fs) => fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  await frame.evaluate(src);
  const json = (await frame.evaluate(`window.axe.run(document, { resultTypes: ['violations'] }).then((r) => JSON.stringify(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 200)) }))))`)) as string;
  const all = JSON.parse(json) as { id: string; impact: string; help: string; nodes: string[] }[];
  return all.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length} nodes: ${v.nodes.slice(0, 4).join(' | ')})`);
}
