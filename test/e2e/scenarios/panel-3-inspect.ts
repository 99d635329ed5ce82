// Inspect Effective Step Sizes with no panel open: asks for a loss and an optimizer — a workspace
// loss file (examples/rosenbrock-with-grad.loss.ts, run by the simulation worker) and RMSprop — opens
// the panel and reveals the effective-learning-rate view (focused, first, scrolled into view) with the
// per-parameter table at the slider's step. The loss file is 2-D: its landscape card shows the filled
// contour the worker evaluated over the file's domain (render summary + the pixels behind the trajectory).
import type { ScenarioContext } from '../context';
import { answerQuickPick, panelWebview, readCharts, screenshot, waitInWebview } from '../panelHelpers';

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Inspect Effective Step Sizes');
  await answerQuickPick(ctx, 'rosenbrock-with-grad.loss.ts', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'RMSprop', { titleIncludes: 'choose an optimizer' });
  const { frame, view } = await panelWebview(ctx);
  // The webview starts from its default session (the canyon) until the host's hydrate message lands,
  // so wait for the chosen loss rather than reading the first model the frame has.
  await waitInWebview(frame, `JSON.stringify(od.model().config.loss).includes('rosenbrock-with-grad.loss.ts')`, 30_000)
    .catch(async (e) => { throw new Error(`${(e as Error).message}; config.loss = ${await frame.evaluate(`JSON.stringify(window.__optimizerDiagnostics.model().config.loss)`)}`); });
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.ui().focus === 'effectiveLr' && od.chart('effectiveLr').data.datasets.length === 2`);
  const card = view.frame.locator('#card-effectiveLr');
  ctx.assert.match((await card.getAttribute('class')) ?? '', /focused/);
  const box = (await frame.evaluate(`JSON.stringify(document.getElementById('card-effectiveLr').getBoundingClientRect())`)) as string;
  const { top } = JSON.parse(box) as { top: number };
  ctx.assert.ok(top < 250, `the effective-LR card is scrolled into view (top ${top})`);
  const charts = await readCharts(frame);
  const [x, y] = ['x', 'y'].map((p) => charts['effectiveLr']!.datasets.find((d) => d.label === p)!);
  ctx.assert.ok(x && y);
  const differs = x!.y.some((v, i) => Number.isFinite(v) && Number.isFinite(y!.y[i]!) && Math.abs(Math.log10(v / y!.y[i]!)) > 0.3);
  ctx.assert.ok(differs, 'RMSprop gives x and y different effective learning rates on Rosenbrock');
  // The contour of a loss file: grid from the worker over `domain: { x: [-2, 2], y: [-1, 3] }`.
  const contour = (await frame.evaluate(`window.__optimizerDiagnostics.lastRender().charts.landscape.contour`)) as { nx: number; ny: number; levels: number; gaps: number; x: number[]; y: number[] } | undefined;
  ctx.assert.ok(contour, 'the landscape of a 2-D loss file has a contour');
  ctx.assert.deepStrictEqual([contour!.x, contour!.y], [[-2, 2], [-1, 3]]);
  ctx.assert.ok(contour!.levels > 5 && contour!.gaps === 0, JSON.stringify(contour));
  // Pixels: the filled bands differ across the chart area (a plain background would be uniform).
  const distinct = (await frame.evaluate(`(() => {
    const c = window.__optimizerDiagnostics.chart('landscape'); const a = c.chartArea; const ctx = c.ctx; const seen = new Set();
    for (let k = 1; k < 20; k++) { const d = ctx.getImageData(Math.round(a.left + (k * (a.right - a.left)) / 20), Math.round(a.top + (k * (a.bottom - a.top)) / 20), 1, 1).data; seen.add(d.join(',')); }
    return seen.size; })()`)) as number;
  ctx.assert.ok(distinct >= 4, `contour bands drawn: ${distinct} distinct colours along the diagonal`);
  const rows = await view.frame.locator('.step-table tbody tr').count();
  ctx.assert.strictEqual(rows, 2);
  const header = await view.frame.locator('.step-table thead').innerText();
  ctx.assert.match(header, /square_avg/);
  await ctx.page.waitForTimeout(300);
  await screenshot(ctx, 'panel');
  await view.frame.locator('#card-landscape').scrollIntoViewIfNeeded();
  await ctx.page.waitForTimeout(300);
  await screenshot(ctx, 'landscape');
}
