// Zoom and views of the step charts (issue 8, item 9), as a person would: Simulate SGD on the canyon,
// drag across the convergence chart (chartjs-plugin-zoom): every step chart shows the same window and
// the y axes follow its data; double-click resets; "log steps" gives every step chart a log step axis.
// Then Adam: the moment view "m and m̂" overlays raw and bias-corrected moments (m̂/m = 10 at step 1),
// the legend draws them with their widths, and the values table shows 1/(1−β1ᵗ) and 1/(1−β2ᵗ).
import type { ScenarioContext } from '../context';
import { axes, legendSwatches, STEP_CHARTS } from '../chartHelpers';
import { answerQuickPick, panelWebview, readCharts, screenshot, waitInWebview, webviewScreenshot } from '../panelHelpers';

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
  await answerQuickPick(ctx, 'Canyon', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'SGD', { titleIncludes: 'choose an optimizer' });
  const { view, frame } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns().length === 1`);
  const steps = (await frame.evaluate(`window.__optimizerDiagnostics.model().config.steps`)) as number;
  const conv = await axes(frame, 'convergence');

  // --- Item 9: drag to zoom the step axis (all step charts), double-click to reset.
  await view.frame.locator('#card-convergence').scrollIntoViewIfNeeded();
  const canvas = view.frame.locator('#chart-convergence');
  const bb = (await canvas.boundingBox())!;
  const area = (await frame.evaluate(`(() => { const a = window.__optimizerDiagnostics.chart('convergence').chartArea; return { left: a.left, right: a.right, top: a.top, bottom: a.bottom }; })()`)) as { left: number; right: number; top: number; bottom: number };
  const px = (f: number): number => bb.x + area.left + f * (area.right - area.left);
  const midY = bb.y + (area.top + area.bottom) / 2;
  await ctx.page.mouse.move(px(0.005), midY);
  await ctx.page.mouse.down();
  for (let k = 1; k <= 8; k++) await ctx.page.mouse.move(px(0.005 + (k / 8) * 0.06), midY, { steps: 2 });
  await ctx.page.mouse.up();
  await waitInWebview(frame, `['convergence','effectiveLr','moments','stepSize'].every((id) => od.chart(id).scales.x.max < ${steps / 5})`, 10_000);
  const zoomed = await Promise.all(STEP_CHARTS.map((id) => axes(frame, id)));
  ctx.log(`zoomed: ${STEP_CHARTS.map((id, i) => `${id} ${zoomed[i]!.x.min.toFixed(1)}–${zoomed[i]!.x.max.toFixed(1)}`).join(', ')}`);
  ctx.assert.ok(zoomed.every((a) => a.x.min === zoomed[0]!.x.min && a.x.max === zoomed[0]!.x.max), 'one step window on every chart');
  ctx.assert.ok(zoomed[0]!.x.max - zoomed[0]!.x.min < steps / 10);
  // The y axis follows the data in the window: the loss of the first steps fills the chart.
  ctx.assert.ok(zoomed[0]!.y.max < conv.y.max || zoomed[0]!.y.min > conv.y.min, 'y range of the zoomed window');
  await screenshot(ctx, 'zoomed');
  await canvas.dblclick({ position: { x: area.left + (area.right - area.left) / 2, y: (area.top + area.bottom) / 2 } });
  await waitInWebview(frame, `['convergence','effectiveLr','moments','stepSize'].every((id) => od.chart(id).scales.x.max === ${steps} && od.chart(id).scales.x.min === 0)`, 10_000);

  // Log step axis on every step chart.
  await view.frame.locator('#log-steps').click();
  await waitInWebview(frame, `['convergence','effectiveLr','moments','stepSize'].every((id) => od.chart(id).scales.x.type === 'logarithmic' && od.chart(id).scales.x.min === 1)`, 10_000);
  const logX = await axes(frame, 'convergence');
  ctx.log(`log step axis ticks: ${logX.x.ticks.map((t) => t.label).join(' ')}`);
  ctx.assert.ok(logX.x.ticks.length >= 2 && logX.x.ticks.length <= 10);
  await screenshot(ctx, 'log-steps');
  await view.frame.locator('#log-steps').click();
  await waitInWebview(frame, `od.chart('convergence').scales.x.type === 'linear'`, 10_000);

  // --- Item 9: Adam's raw + bias-corrected moments, and 1/(1−β1ᵗ) in the table.
  await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
  await answerQuickPick(ctx, 'Canyon', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'Adam', { titleIncludes: 'choose an optimizer' });
  const adam = await panelWebview(ctx);
  await waitInWebview(adam.frame, `od.model().status.phase === 'done' && od.model().orderedRuns().length === 1 && od.model().orderedRuns()[0].optimizer === 'adam'`);
  await adam.view.frame.locator('#card-moments').scrollIntoViewIfNeeded();
  await adam.view.frame.locator('#moment-state').click();
  await adam.view.frame.locator('#moment-state vscode-option[value="exp_avg+exp_avg_hat"]').click();
  await waitInWebview(adam.frame, `od.ui().momentState === 'exp_avg+exp_avg_hat' && od.chart('moments').data.datasets.length === 4`, 10_000);
  const mom = (await readCharts(adam.frame))['moments']!;
  ctx.log(`moments overlay: ${mom.datasets.map((d) => d.label).join(', ')}`);
  const m = mom.datasets.find((d) => d.label === 'x m')!;
  const mh = mom.datasets.find((d) => d.label === 'x m̂')!;
  ctx.assert.ok(m && mh, 'x m and x m̂ overlaid');
  ctx.assert.strictEqual(m.x[0], 1);
  ctx.assert.ok(Math.abs(mh.y[0]! / m.y[0]! - 10) < 1e-9, `m̂/m at step 1 = 1/(1−0.9) = 10, got ${mh.y[0]! / m.y[0]!}`);
  const msw = await legendSwatches(adam.frame, 'moments');
  ctx.log(`moments legend: ${msw.map((s) => `${s.text} w${s.width} dash[${s.dash.join(',')}] ${s.segments} seg`).join('; ')}`);
  ctx.assert.ok(msw.find((s) => s.text === 'x m')!.width < msw.find((s) => s.text === 'x m̂')!.width, 'raw thinner than corrected, in the legend as drawn');
  await adam.view.frame.locator('#step-slider').fill('1');
  await waitInWebview(adam.frame, `od.ui().step === 1`, 10_000);
  const head = (await adam.frame.evaluate(`Array.from(document.querySelectorAll('.step-table thead th')).map((t) => t.textContent)`)) as string[];
  const row = (await adam.frame.evaluate(`Array.from(document.querySelector('.step-table tbody tr').children).map((t) => t.textContent)`)) as string[];
  const col = head.indexOf('1/(1−β1ᵗ)');
  ctx.assert.ok(col > 0, `factor column in ${head.join(' | ')}`);
  ctx.assert.strictEqual(row[col], '10');
  ctx.assert.strictEqual(row[head.indexOf('1/(1−β2ᵗ)')], '1000');
  ctx.log(`values at step 1: ${head.map((h, i) => `${h}=${row[i]}`).join(', ')}`);
  await adam.view.frame.locator('#step-slider').fill('10');
  await waitInWebview(adam.frame, `od.ui().step === 10`, 10_000);
  const row10 = (await adam.frame.evaluate(`Array.from(document.querySelector('.step-table tbody tr').children).map((t) => t.textContent)`)) as string[];
  ctx.assert.strictEqual(row10[col], String(Number((1 / (1 - 0.9 ** 10)).toPrecision(5))));
  await ctx.page.waitForTimeout(300);
  await webviewScreenshot(ctx, adam.view, 'moments-overlay');
}
