// Compare Optimizers from the palette: Canyon with the preselected SGD, RMSprop and Adam overlaid in
// one panel (three runs on every chart), then "Side by side": one panel per optimizer in adjacent
// editor columns with linked axes (identical axis ranges).
import type { ScenarioContext } from '../context';
import { answerQuickPick, panelWebview, readCharts, screenshot, waitInWebview } from '../panelHelpers';

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Compare Optimizers');
  await answerQuickPick(ctx, 'Canyon', { titleIncludes: 'choose a loss' });
  // The multi-select picker preselects SGD, RMSprop and Adam: accept.
  await ctx.page.locator('.quick-input-widget .quick-input-title', { hasText: 'optimizers to compare' }).waitFor({ state: 'visible', timeout: 20_000 });
  await ctx.page.waitForTimeout(200);
  await ctx.page.keyboard.press('Enter');

  const { frame, view } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns().length === 3 && od.chart('effectiveLr').data.datasets.length === 6`);
  const charts = await readCharts(frame);
  const losses = charts['convergence']!.datasets.filter((d) => / loss$/.test(d.label));
  ctx.assert.deepStrictEqual(losses.map((d) => d.label.replace(/\s+loss$/, '')), ['SGD', 'RMSprop', 'Adam']);
  ctx.assert.deepStrictEqual(charts['landscape']!.datasets.filter((d) => ['SGD', 'RMSprop', 'Adam'].includes(d.label)).length, 3, 'three trajectories');
  const eff = charts['effectiveLr']!.datasets.map((d) => d.label);
  for (const l of ['SGD · x', 'SGD · y', 'RMSprop · x', 'Adam · y']) ctx.assert.ok(eff.includes(l), `effective LR series ${l} (got ${eff.join(', ')})`);
  // SGD's effective learning rate is its lr, the same for both parameters; the adaptive ones are not.
  const sgdX = charts['effectiveLr']!.datasets.find((d) => d.label === 'SGD · x')!;
  ctx.assert.ok(sgdX.y.every((v) => Math.abs(v - 0.09) < 1e-12), 'SGD: α = lr = 0.09 at every step');
  ctx.log(`final losses: ${losses.map((d) => `${d.label.split(' ')[0]} ${d.y[d.y.length - 1]!.toExponential(2)}`).join(', ')}`);
  await screenshot(ctx, 'overlay');

  // Side by side: three more panels, axes linked.
  await view.frame.locator('#side-by-side').click();
  const frames = ctx.page.locator(`iframe.webview.ready[src*="extensionId=${encodeURIComponent(ctx.extension.id)}"]`);
  for (let t = 0; (await frames.count()) < 4; t++) {
    if (t > 600) throw new Error('the three side-by-side panels did not open');
    await ctx.page.waitForTimeout(100);
  }
  // Four webviews: the overlay (no links) and three linked single-optimizer panels.
  const ranges: string[] = [];
  const titles: string[] = [];
  for (let i = 0; i < 4; i++) {
    const v = ctx.workbench.webview({ extensionId: ctx.extension.id, index: i });
    await v.waitForReady('#chart-effectiveLr', 60_000);
    const f = await v.contentFrame();
    await waitInWebview(f, `od.model().status.phase === 'done' && od.chart('effectiveLr') && od.chart('effectiveLr').scales.y.max > 0`);
    if ((await f.evaluate(`window.__optimizerDiagnostics.model().orderedRuns().length`)) !== 1) continue;
    await waitInWebview(f, `od.model().links && od.chart('effectiveLr').scales.y.max > 0`);
    ranges.push(await f.evaluate(`(() => { const c = window.__optimizerDiagnostics.chart('effectiveLr'); const l = window.__optimizerDiagnostics.chart('convergence'); return JSON.stringify([c.scales.y.min, c.scales.y.max, l.scales.x.max]); })()`) as string);
    titles.push(await f.evaluate(`window.__optimizerDiagnostics.model().orderedRuns().map((r) => r.label).join(',')`) as string);
  }
  ctx.assert.deepStrictEqual([...titles].sort(), ['Adam', 'RMSprop', 'SGD']);
  ctx.log(`side-by-side panels: ${titles.join(' | ')}; effective-LR y ranges ${ranges.join(' ')}`);
  ctx.assert.ok(ranges.every((r) => r === ranges[0]), `linked axes: ${ranges.join(' vs ')}`);
  await ctx.page.waitForTimeout(300);
  await screenshot(ctx, 'side-by-side');
}
