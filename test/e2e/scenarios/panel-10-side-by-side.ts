// Issue 8, items 7, 11 and 13 at 1600 × 1000: a comparison (canyon: SGD, RMSprop, Adam) and its three
// side-by-side panels, four editor columns. Every column shows its convergence chart above the fold and
// has no horizontal scrollbar (one-line toolbar: optimizer, lr, ⋯); moving the step slider in one
// linked panel moves the others, and so do the hover crosshair and the step-axis zoom (drag, double-click). axe-core finds no serious or critical
// violation in the simulate (single run), comparison and side-by-side panels. The Export… dropdown
// opens above the sticky step bar and its CSV entry is clickable (the save dialog appears).
import * as fs from 'fs';
import * as path from 'path';
import type { Frame } from 'playwright-core';
import type { ScenarioContext } from '../context';
import { answerQuickPick, axeViolations, panelWebview, screenshot, waitInWebview } from '../panelHelpers';

export default async function (ctx: ScenarioContext): Promise<void> {
  const original = ctx.page.viewportSize();
  await ctx.page.setViewportSize({ width: 1600, height: 1000 });
  try {
    await run(ctx);
  } finally {
    if (original) await ctx.page.setViewportSize(original);
  }
}

async function run(ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Compare Optimizers');
  await answerQuickPick(ctx, 'Canyon', { titleIncludes: 'choose a loss' });
  await ctx.page.locator('.quick-input-widget .quick-input-title', { hasText: 'optimizers to compare' }).waitFor({ state: 'visible', timeout: 20_000 });
  await ctx.page.waitForTimeout(200);
  await ctx.page.keyboard.press('Enter');
  const { frame: overlay, view } = await panelWebview(ctx);
  await waitInWebview(overlay, `od.model().status.phase === 'done' && od.model().orderedRuns().length === 3`);

  // Accessibility of the comparison panel (wide layout).
  const a11yCompare = await axeViolations(overlay);
  ctx.log(`axe, comparison panel: ${a11yCompare.length} serious/critical`);

  // Export… → CSV: the list opens over the sticky step bar and the entry takes the click.
  await view.frame.locator('#export').click();
  const csv = view.frame.locator('#export vscode-option', { hasText: 'CSV' });
  await csv.waitFor({ state: 'visible', timeout: 5_000 });
  const box = await csv.boundingBox();
  ctx.assert.ok(box, 'the CSV entry is on screen');
  const hit = (await overlay.evaluate(`(() => { const o = Array.from(document.querySelectorAll('#export vscode-option')).find((e) => /CSV/.test(e.textContent)); const r = o.getBoundingClientRect(); const e = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); return e ? (e === o || o.contains(e) || e.closest('vscode-option') === o ? 'option' : e.className || e.nodeName) : 'none'; })()`)) as string;
  ctx.assert.strictEqual(hit, 'option', `the CSV entry is the topmost element under its centre (got ${hit})`);
  await screenshot(ctx, 'export-open');
  await csv.click();
  const dialog = ctx.page.locator('.quick-input-widget .quick-input-box input');
  await dialog.waitFor({ state: 'visible', timeout: 15_000 });
  // VS Code's simple save dialog fills its box in two steps (the folder, then the default file name):
  // wait for the file name before typing over it, or the late update merges into what was typed.
  for (let t = 0; !/\.csv$/.test(await dialog.inputValue()) && t < 50; t++) await ctx.page.waitForTimeout(100);
  await ctx.page.waitForTimeout(300);
  ctx.log(`Export CSV opened the save dialog (${await dialog.inputValue()})`);
  const file = path.join(ctx.workspace, 'side-by-side-export.csv');
  await dialog.fill(file);
  await ctx.page.waitForTimeout(200);
  await ctx.page.keyboard.press('Enter');
  for (let t = 0; !fs.existsSync(file); t++) {
    if (t > 100) throw new Error(`the CSV export did not write ${file}`);
    await ctx.page.waitForTimeout(100);
  }
  ctx.assert.match(fs.readFileSync(file, 'utf8').split('\n')[0]!, /step/);
  await ctx.workbench.clearNotifications().catch(() => undefined);

  // Side by side: three linked panels + the overlay = four columns at 1600 px.
  await view.frame.locator('#side-by-side').click();
  const frames = ctx.page.locator(`iframe.webview.ready[src*="extensionId=${encodeURIComponent(ctx.extension.id)}"]`);
  for (let t = 0; (await frames.count()) < 4; t++) {
    if (t > 600) throw new Error('the three side-by-side panels did not open');
    await ctx.page.waitForTimeout(100);
  }
  const all: { frame: Frame; linked: boolean }[] = [];
  for (let i = 0; i < 4; i++) {
    const v = ctx.workbench.webview({ extensionId: ctx.extension.id, index: i });
    await v.waitForReady('#chart-convergence', 60_000);
    const f = await v.contentFrame();
    await waitInWebview(f, `od.model().status.phase === 'done' && od.model().orderedRuns().length >= 1`);
    const linked = (await f.evaluate(`window.__optimizerDiagnostics.model().orderedRuns().length === 1`)) as boolean;
    if (linked) await waitInWebview(f, `od.model().links !== null`);
    all.push({ frame: f, linked });
  }
  await ctx.page.waitForTimeout(800);
  await screenshot(ctx, 'four-columns');
  for (const [i, { frame }] of all.entries()) {
    const m = JSON.parse((await frame.evaluate(`JSON.stringify((() => {
      const c = document.getElementById('chart-convergence').getBoundingClientRect();
      const d = document.documentElement;
      // what sticks out past the column and is not inside a scrolling or clipping box (those scroll on their own)
      const clipped = (e) => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return true; return false; };
      const wide = Array.from(document.querySelectorAll('#app *')).filter((e) => e.getBoundingClientRect().right > d.clientWidth + 1 && e.getClientRects().length && !clipped(e)).map((e) => e.nodeName + (e.id ? '#' + e.id : '') + '.' + String(e.className).split(' ')[0] + ' ' + Math.round(e.getBoundingClientRect().right) + 'px').slice(0, 6);
      return { width: innerWidth, height: innerHeight, top: c.top, bottom: c.bottom, scrollWidth: d.scrollWidth, clientWidth: d.clientWidth, narrow: document.body.classList.contains('narrow'), wide };
    })())`)) as string) as { width: number; height: number; top: number; bottom: number; scrollWidth: number; clientWidth: number; narrow: boolean; wide: string[] };
    ctx.log(`column ${i}: ${m.width}×${m.height}, convergence chart ${m.top.toFixed(0)}–${m.bottom.toFixed(0)} px, scrollWidth ${m.scrollWidth} / clientWidth ${m.clientWidth}, narrow ${m.narrow}`);
    ctx.assert.ok(m.narrow, `column ${i} uses the narrow layout`);
    ctx.assert.ok(m.top >= 0 && m.bottom <= m.height, `column ${i}: the convergence chart is above the fold (${m.top}–${m.bottom} of ${m.height})`);
    ctx.assert.ok(m.scrollWidth <= m.clientWidth, `column ${i}: no horizontal scrollbar (scrollWidth ${m.scrollWidth} > ${m.clientWidth}; wider: ${m.wide.join(', ')})`);
  }

  // Linked step slider and crosshair.
  const linked = all.filter((x) => x.linked).map((x) => x.frame);
  ctx.assert.strictEqual(linked.length, 3);
  const slider = linked[0]!.locator('#step-slider');
  await slider.focus();
  await slider.fill('123');
  for (const f of linked) await waitInWebview(f, `od.ui().step === 123`, 10_000);
  await linked[1]!.locator('#step-slider').fill('321');
  for (const f of linked) await waitInWebview(f, `od.ui().step === 321`, 10_000);
  ctx.log('step slider linked: 123 and 321 reached all three panels');
  const canvas = linked[2]!.locator('#chart-convergence');
  const cb = (await canvas.boundingBox())!;
  await ctx.page.mouse.move(cb.x + cb.width * 0.6, cb.y + cb.height / 2, { steps: 4 });
  await waitInWebview(linked[2]!, `od.hover() !== null`, 5_000);
  const hover = (await linked[2]!.evaluate(`window.__optimizerDiagnostics.hover()`)) as number;
  for (const f of linked.slice(0, 2)) await waitInWebview(f, `od.hover() === ${hover}`, 5_000);
  ctx.log(`hover crosshair linked at step ${hover}`);
  // Zoom on the step axis (drag across the convergence chart of one panel) shows the same steps in the others;
  // a double-click resets them all.
  const area = (await linked[2]!.evaluate(`(() => { const a = window.__optimizerDiagnostics.chart('convergence').chartArea; return { left: a.left, right: a.right, top: a.top, bottom: a.bottom }; })()`)) as { left: number; right: number; top: number; bottom: number };
  const zx = (f: number): number => cb.x + area.left + f * (area.right - area.left);
  const zy = cb.y + (area.top + area.bottom) / 2;
  await ctx.page.mouse.move(zx(0.05), zy);
  await ctx.page.mouse.down();
  for (let k = 1; k <= 8; k++) await ctx.page.mouse.move(zx(0.05 + (k / 8) * 0.2), zy, { steps: 2 });
  await ctx.page.mouse.up();
  const zoomX = `(() => { const x = window.__optimizerDiagnostics.chart('convergence').scales.x; return [x.min, x.max]; })()`;
  await waitInWebview(linked[2]!, `(${zoomX})[1] < od.model().config.steps / 2`, 10_000);
  const z = (await linked[2]!.evaluate(zoomX)) as [number, number];
  for (const f of linked.slice(0, 2)) await waitInWebview(f, `(${zoomX})[0] === ${z[0]} && (${zoomX})[1] === ${z[1]}`, 10_000);
  ctx.log(`step-axis zoom linked: steps ${z[0].toFixed(1)}–${z[1].toFixed(1)} in all three panels`);
  await screenshot(ctx, 'zoom-linked');
  await linked[2]!.locator('#chart-convergence').dblclick({ position: { x: area.left + (area.right - area.left) / 2, y: (area.top + area.bottom) / 2 } });
  for (const f of linked) await waitInWebview(f, `(${zoomX})[0] === 0 && (${zoomX})[1] >= od.model().config.steps`, 10_000);
  ctx.log('double-click reset the zoom in all three panels');
  await ctx.page.waitForTimeout(300);
  await screenshot(ctx, 'linked');

  // Accessibility: a side-by-side panel (narrow layout), and the comparison panel from above.
  const a11ySide = await axeViolations(linked[0]!);
  ctx.log(`axe, side-by-side panel: ${a11ySide.length} serious/critical`);
  ctx.assert.deepStrictEqual([...a11yCompare.map((v) => `compare: ${v}`), ...a11ySide.map((v) => `side by side: ${v}`)], []);
}
