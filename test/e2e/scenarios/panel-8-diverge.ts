// Reading the charts (issue 8, items 6, 8, 10), as a person would: Simulate SGD on the canyon and type
// learning rates into the toolbar:
//  - lr 0.11 (grows by 80 decades): the loss axis covers the first step's value, every step is plotted;
//  - lr 0.3 (diverges): what cannot be drawn (> 1e300, non-finite) is marked ▲ at the top edge, the run
//    chip says `diverged @N`, the banner does not say "diverged diverged";
//  - lr 0.05: a constant series (SGD's α = lr) sits inside a labelled range, log ticks never pile up;
//    legend swatches show the dash that is drawn (pixels read from the legend).
import type { ScenarioContext } from '../context';
import { axes, checkTicks, legendSwatches, STEP_CHARTS, typeInto } from '../chartHelpers';
import { answerQuickPick, panelWebview, readCharts, screenshot, waitInWebview } from '../panelHelpers';

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
  await answerQuickPick(ctx, 'Canyon', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'SGD', { titleIncludes: 'choose an optimizer' });
  const { view, frame } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns().length === 1`);
  const steps = (await frame.evaluate(`window.__optimizerDiagnostics.model().config.steps`)) as number;

  // --- Item 6: a diverging run shows its whole history. lr 0.11: |1 − 0.11·20| = 1.2, f grows to ~1e80 in 500 steps.
  await typeInto(ctx, view, '[data-hyper="lr"] vscode-text-field', '0.11');
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns()[0].hyperparameters.lr === 0.11`, 60_000);
  await ctx.page.waitForTimeout(400);
  {
    const first = (await frame.evaluate(`window.__optimizerDiagnostics.model().orderedRuns()[0].loss.y[0]`)) as number;
    const loss = (await readCharts(frame))['convergence']!.datasets.find((d) => / loss$/.test(d.label))!;
    const finite = loss.y.filter(Number.isFinite);
    const plotted = loss.x.filter((_, i) => Number.isFinite(loss.y[i]!));
    const conv = await axes(frame, 'convergence');
    ctx.log(`SGD lr 0.11: f from ${first} to ${Math.max(...finite).toExponential(2)}; y axis ${conv.y.min.toExponential(2)} … ${conv.y.max.toExponential(2)}, ticks ${conv.y.ticks.map((t) => t.label).join(' ')}; ${plotted.length} of ${loss.x.length} points plotted`);
    ctx.assert.ok(Math.max(...finite) > 1e60, 'it grows by 60+ decades');
    ctx.assert.strictEqual(plotted.length, loss.x.length, 'every step is plotted');
    ctx.assert.ok(conv.y.min <= first && conv.y.max >= Math.max(...finite), 'the axis covers the first step and the largest value');
    checkTicks(ctx, 'convergence', conv.y);
    await screenshot(ctx, 'growing');
  }
  // lr 0.3: |1 − 0.3·20| = 5, f overflows (> 1e300, then Infinity) from step ~215 and y itself at step ~441.
  await typeInto(ctx, view, '[data-hyper="lr"] vscode-text-field', '0.3');
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns()[0].hyperparameters.lr === 0.3 && od.model().orderedRuns()[0].diverged`, 60_000);
  await ctx.page.waitForTimeout(400);
  const run = (await frame.evaluate(`(() => { const r = window.__optimizerDiagnostics.model().orderedRuns()[0]; return { n: r.stepsCompleted, reason: r.stopReason, first: r.loss.y[0] }; })()`)) as { n: number; reason: string; first: number };
  ctx.log(`SGD lr 0.3 on the canyon: ${run.reason}; f(0) = ${run.first}`);
  ctx.assert.ok(run.n > 100 && run.n < steps, `diverges before the end (${run.n} of ${steps})`);
  const charts = await readCharts(frame);
  const loss = charts['convergence']!.datasets.find((d) => / loss$/.test(d.label))!;
  const plotted = loss.x.filter((_, i) => Number.isFinite(loss.y[i]!));
  ctx.assert.strictEqual(plotted[0], 0, 'the loss is plotted from step 0');
  const conv = await axes(frame, 'convergence');
  ctx.log(`convergence y axis ${conv.y.min.toExponential(2)} … ${conv.y.max.toExponential(2)}, ticks ${conv.y.ticks.map((t) => t.label).join(' ')}; ${plotted.length} of ${loss.x.length} points plotted, last at step ${plotted[plotted.length - 1]}`);
  ctx.assert.ok(conv.y.min <= run.first && conv.y.max >= Math.max(...loss.y.filter(Number.isFinite)), 'the axis covers the first step and the largest value');
  checkTicks(ctx, 'convergence', conv.y);
  const marks = (await frame.evaluate(`window.__optimizerDiagnostics.chart('convergence').$odMarks`)) as { step: number; label: string }[];
  const lossMarks = marks.filter((m) => / loss$/.test(m.label));
  ctx.log(`top-edge marks: ${lossMarks.length} on the loss from step ${lossMarks[0]?.step} to ${lossMarks[lossMarks.length - 1]?.step}, ${marks.length - lossMarks.length} on ‖∇f‖`);
  ctx.assert.ok(lossMarks.some((m) => m.step === run.n), `the non-finite loss at step ${run.n} is marked at the top edge`);
  const unplottable = loss.x.filter((_, i) => !Number.isFinite(loss.y[i]!));
  ctx.assert.ok(unplottable.length > 0 && unplottable.every((x) => lossMarks.some((m) => Math.abs(m.step - x) <= run.n / 100)), 'every unplottable loss value has a mark nearby');
  const chip = (await view.frame.locator('.run-chip .run-final').first().innerText()).trim();
  ctx.assert.strictEqual(chip, `diverged @${run.n}`);
  const banner = await view.frame.locator('.banners').innerText();
  ctx.log(`chip "${chip}", banner "${banner.replace(/\s+/g, ' ')}"`);
  ctx.assert.match(banner, /diverged at step \d+/);
  ctx.assert.doesNotMatch(banner, /diverged\s+diverged/);
  await screenshot(ctx, 'diverged');

  // --- Item 10: a constant series (SGD's α = lr) has its value labelled inside the range.
  await typeInto(ctx, view, '[data-hyper="lr"] vscode-text-field', '0.05');
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns()[0].hyperparameters.lr === 0.05 && !od.model().orderedRuns()[0].diverged`, 60_000);
  await ctx.page.waitForTimeout(400);
  const eff = await axes(frame, 'effectiveLr');
  ctx.log(`SGD α = 0.05 (constant): y axis ${eff.y.min} … ${eff.y.max}, ticks ${eff.y.ticks.map((t) => t.label).join(' ')}`);
  ctx.assert.ok(eff.y.min < 0.05 && eff.y.max > 0.05, 'the constant lies inside the range, not on its edge');
  ctx.assert.ok(eff.y.ticks.some((t) => t.value === 0.05 && t.label === '0.05'), 'and is labelled');
  for (const id of STEP_CHARTS) {
    const a = await axes(frame, id);
    if (a.y.type === 'logarithmic') checkTicks(ctx, id, a.y);
  }

  // --- Item 8: legend swatches show the dash that is drawn (x solid, y dashed), in the series' colour.
  const sw = await legendSwatches(frame, 'effectiveLr');
  ctx.log(`effectiveLr legend: ${sw.map((s) => `${s.text} dash[${s.dash.join(',')}] w${s.width} ${s.segments} segment(s) rgb(${s.color})`).join('; ')}`);
  const sx = sw.find((s) => s.text === 'x')!;
  const sy = sw.find((s) => s.text === 'y')!;
  ctx.assert.ok(sx && sy, 'legend entries x and y');
  ctx.assert.strictEqual(sx.segments, 1, 'x: solid swatch');
  ctx.assert.ok(sy.segments >= 2 && sy.dash.length > 0, 'y: dashed swatch, as its line');
  ctx.assert.notStrictEqual(sx.color, sy.color);
  const dsDash = (await frame.evaluate(`window.__optimizerDiagnostics.chart('effectiveLr').data.datasets.map((d) => (d.borderDash || []).join(','))`)) as string[];
  ctx.assert.deepStrictEqual(sw.map((s) => s.dash.join(',')), dsDash, 'legend dashes = dataset dashes');

}
