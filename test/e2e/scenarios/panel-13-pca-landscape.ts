// PCA landscape of an N-parameter loss (issue 10 §4): examples/mlp.loss.ts (193 parameters) compared with
// SGD, RMSprop and Adam from its CodeLens. The landscape card shows the loss on the plane of the first two
// principal components of every run's θ_t − θ_final(run 1), evaluated in the loss process, with the
// explained variance on the axes and below the chart, and every run's projected path; run 1 ends at the origin.
import type { ScenarioContext } from '../context';
import { readCharts, panelWebview, screenshot, waitInWebview, webviewScreenshot } from '../panelHelpers';

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.page.keyboard.press('ControlOrMeta+p');
  const input = ctx.page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 20_000 });
  await input.fill('mlp.loss.ts');
  // A fresh workbench may still be indexing the folder (run first, this scenario waits for it).
  await ctx.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'mlp.loss.ts' }).first().waitFor({ state: 'visible', timeout: 90_000 });
  await ctx.page.keyboard.press('Enter');
  const lens = ctx.page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Compare' }).first();
  await lens.waitFor({ state: 'visible', timeout: 90_000 });
  await lens.click();
  await ctx.page.locator('.quick-input-widget .quick-input-title', { hasText: 'optimizers to compare' }).waitFor({ state: 'visible', timeout: 20_000 });
  await ctx.page.waitForTimeout(200);
  await ctx.page.keyboard.press('Enter');

  const { frame, view } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns().length === 3 && od.model().landscape && od.model().landscape.plane && od.chart('landscape') && od.chart('landscape').config.type === 'scatter'`, 120_000);
  const info = JSON.parse((await frame.evaluate(`JSON.stringify((() => { const m = window.__optimizerDiagnostics.model(); const l = m.landscape;
    return { dim: m.loss.dim, plane: l.plane, x: l.x, y: l.y, nx: l.nx, ny: l.ny, minima: l.minima, start: l.start,
      finite: Array.from(l.values).filter((v) => Number.isFinite(v)).length,
      final: m.orderedRuns().map((r) => r.label + ' ' + r.finalLoss + (r.diverged ? ' (diverged)' : '')),
      paths: m.orderedRuns().map((r) => ({ label: r.label, n: r.path ? r.path.x.length : 0, end: r.path ? [r.path.x[r.path.x.length - 1], r.path.y[r.path.y.length - 1]] : null })),
      footer: document.getElementById('landscape-plane').textContent, title: document.querySelector('#card-landscape .card-title').textContent }; })())`)) as string) as {
    dim: number; plane: { explained: [number, number]; rows: number; runs: number; gram: string }; x: [number, number]; y: [number, number]; nx: number; ny: number;
    minima: { x: number; y: number }[]; start: [number, number]; finite: number; paths: { label: string; n: number; end: [number, number] | null }[]; footer: string; title: string; final: string[];
  };
  ctx.log(`PCA plane: ${JSON.stringify(info.plane)}; window x ${info.x.map((v) => v.toFixed(3)).join('…')} y ${info.y.map((v) => v.toFixed(3)).join('…')}; ${info.finite}/${info.nx * info.ny} finite cells; paths ${info.paths.map((p) => `${p.label}: ${p.n} pts → (${p.end?.map((v) => (v === null ? 'non-finite' : v.toFixed(3))).join(', ')})`).join('; ')}; final losses ${info.final.join(', ')}`);
  ctx.assert.strictEqual(info.dim, 193);
  ctx.assert.strictEqual(info.plane.runs, 3, 'the plane is fitted to all three runs');
  const [e1, e2] = info.plane.explained;
  ctx.assert.ok(e1 > 0 && e2 >= 0 && e1 >= e2 && e1 + e2 <= 1 + 1e-9, `explained variance ${e1}, ${e2}`);
  ctx.assert.strictEqual(info.finite, info.nx * info.ny, 'the loss is finite on the whole plane');
  ctx.assert.deepStrictEqual([info.minima[0]!.x, info.minima[0]!.y], [0, 0], 'θ_final of run 1 is the origin');
  for (const p of info.paths) ctx.assert.ok(p.n > 10, `${p.label}: a projected path`);
  ctx.assert.ok(Math.hypot(...info.paths[0]!.end!) < 1e-9, 'run 1 ends at the origin of its plane');
  ctx.assert.match(info.title, /PCA plane/);
  ctx.assert.match(info.footer, /PC1 \d+\.\d %, PC2 \d+\.\d %/);
  const charts = await readCharts(frame);
  const land = charts['landscape']!;
  for (const p of info.paths) ctx.assert.ok(land.datasets.some((d) => d.label === p.label && d.x.length === p.n), `${p.label} drawn`);
  const axes = JSON.parse((await frame.evaluate(`JSON.stringify((() => { const c = window.__optimizerDiagnostics.chart('landscape'); return [c.options.scales.x.title.text, c.options.scales.y.title.text]; })())`)) as string) as string[];
  ctx.assert.match(axes[0]!, /^PC1 \(\d+(\.\d+)? % of variance\)$/);
  ctx.assert.match(axes[1]!, /^PC2 \(/);
  const contour = (await frame.evaluate(`window.__optimizerDiagnostics.lastRender().charts.landscape.contour`)) as { levels: number; gaps: number } | undefined;
  ctx.assert.ok(contour && contour.levels > 3 && contour.gaps === 0, `contour drawn: ${JSON.stringify(contour)}`);
  await view.frame.locator('#card-landscape').scrollIntoViewIfNeeded();
  await ctx.page.waitForTimeout(400);
  await webviewScreenshot(ctx, view, 'landscape');
  // θ over steps is one choice away (the view N-parameter losses had before).
  await frame.evaluate(`(() => { const d = document.getElementById('nd-view'); d.value = 'params'; d.dispatchEvent(new Event('change')); })()`);
  await waitInWebview(frame, `od.chart('landscape').config.type === 'line'`, 20_000);
  await screenshot(ctx, 'params');
}
