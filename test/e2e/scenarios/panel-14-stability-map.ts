// Stability map (issue 12 §2), then Find a learning rate (§4) and the tuned comparison (§3): Canyon + SGD, the map card's defaults (lr 1e-4…1 log × momentum 0…0.99 lin,
// 48 × 48) started with its Map button. The cells stream in (several batches), and the picture is Distill's
// "Why Momentum Really Works" region for a quadratic: heavy-ball momentum on f = x² + 10y² (λ_max = 20)
// is stable exactly for lr < 2(1 + β)/λ_max = 0.1(1 + β), so the diverged/diverging edge moves right as β
// grows, and more momentum lets smaller learning rates converge. A real mouse hovers a cell (its numbers
// appear) and clicks it: the panel runs that configuration and the ✕ marker moves onto it.
import type { ScenarioContext } from '../context';
import { answerQuickPick, panelWebview, screenshot, waitInWebview, webviewScreenshot } from '../panelHelpers';

interface MapSnap {
  mapId: string; total: number; done: number; phase: string; message: string; batches: number;
  axes: { name: string; scale: string; count: number; min: number; max: number }[];
  values: number[][]; outcome: (string | null)[]; finalLoss: number[];
  rendered: { cells: number; total: number; marker: number[] | null; logX: boolean; logY: boolean; counts: Record<string, number> } | null;
  readout: string;
}

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
  await answerQuickPick(ctx, 'Canyon', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'SGD', { titleIncludes: 'choose an optimizer' });
  const { view, frame } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().config.runs[0].optimizer === 'sgd' && document.getElementById('map-start')`);
  const snap = async (): Promise<MapSnap> => JSON.parse((await frame.evaluate(`JSON.stringify(window.__optimizerDiagnostics.stabilityMap())`)) as string) as MapSnap;

  // The form's defaults for SGD, then the Map button.
  const form = JSON.parse((await frame.evaluate(`JSON.stringify([0, 1].map((k) => ['name', 'min', 'max', 'scale', 'count'].map((f) => document.getElementById('map-axis' + k + '-' + f).value)))`)) as string) as string[][];
  ctx.log(`map form: ${JSON.stringify(form)}`);
  ctx.assert.deepStrictEqual(form, [['lr', '1e-4', '1', 'log', '48'], ['momentum', '0', '0.99', 'lin', '48']]);
  await view.frame.locator('#card-stabilityMap').scrollIntoViewIfNeeded();
  await view.frame.locator('#map-start').click();
  // Streaming: a picture with some but not all cells is drawn before the end (polled every animation frame).
  const partial = (await frame.evaluate(`new Promise((resolve) => {
    const seen = [];
    const tick = () => {
      const s = window.__optimizerDiagnostics.stabilityMap();
      if (s && s.rendered) seen.push(s.rendered.cells);
      if (s && s.phase !== 'running' && s.rendered && s.rendered.cells === s.total) resolve(seen);
      else requestAnimationFrame(tick);
    };
    tick();
  })`)) as number[];
  const m = await snap();
  ctx.log(`map: ${m.message}; ${m.batches} batches; drawn cell counts while streaming: ${[...new Set(partial)].join(', ')}; counts ${JSON.stringify(m.rendered?.counts)}`);
  ctx.assert.strictEqual(m.phase, 'done', m.message);
  ctx.assert.strictEqual(m.total, 2304);
  ctx.assert.ok(m.batches > 1, 'cells arrived in several batches');
  ctx.assert.ok(m.rendered && m.rendered.logX && !m.rendered.logY, 'log lr axis, linear momentum axis');
  const chartAxes = JSON.parse((await frame.evaluate(`JSON.stringify((() => { const c = window.__optimizerDiagnostics.chart('stabilityMap'); return [c.options.scales.x.type, c.options.scales.y.type, c.options.scales.x.title.text, c.options.scales.y.title.text]; })())`)) as string) as string[];
  ctx.assert.deepStrictEqual(chartAxes, ['logarithmic', 'linear', 'lr (log)', 'momentum (lin)']);
  const legend = (await view.frame.locator('#map-legend').innerText()).replace(/\s+/g, ' ');
  for (const o of ['converged', 'oscillating', 'slow', 'diverging', 'diverged']) ctx.assert.ok(legend.includes(o), `legend names ${o}: ${legend}`);

  // Distill's region: stable iff lr < 0.1 (1 + β) (2 % margin either side of the edge).
  const [lrs, betas] = m.values as [number[], number[]];
  let checked = 0;
  for (let j = 0; j < betas.length; j++) {
    const edge = 0.1 * (1 + betas[j]!);
    for (let i = 0; i < lrs.length; i++) {
      const o = m.outcome[i * 48 + j]!;
      const blown = o === 'diverged' || o === 'diverging';
      if (lrs[i]! > edge * 1.02) ctx.assert.ok(blown, `lr ${lrs[i]} β ${betas[j]}: ${o}, want diverged/diverging (edge ${edge})`);
      if (lrs[i]! < edge / 1.02) ctx.assert.ok(!blown, `lr ${lrs[i]} β ${betas[j]}: ${o}, want stable (edge ${edge})`);
      checked++;
    }
  }
  const firstConverged = (j: number) => lrs.findIndex((_, i) => m.outcome[i * 48 + j] === 'converged');
  ctx.log(`smallest converged lr: β=0 → ${lrs[firstConverged(0)]}, β=${betas[45]} → ${lrs[firstConverged(45)]}`);
  ctx.assert.ok(firstConverged(45) < firstConverged(0) - 10, 'momentum lets much smaller learning rates converge');
  ctx.assert.ok(checked === 2304);
  await webviewScreenshot(ctx, view, 'map');

  // A real mouse: hover the cell lr ≈ 0.02, β ≈ 0.9, read its numbers; click it.
  const i = lrs.findIndex((v) => v >= 0.02);
  const j = betas.findIndex((v) => v >= 0.9);
  const k = i * 48 + j;
  const pos = JSON.parse((await frame.evaluate(`JSON.stringify((() => { const c = window.__optimizerDiagnostics.chart('stabilityMap'); return { x: c.scales.x.getPixelForValue(${lrs[i]}), y: c.scales.y.getPixelForValue(${betas[j]}) }; })())`)) as string) as { x: number; y: number };
  await view.frame.locator('#chart-stabilityMap').hover({ position: pos });
  await waitInWebview(frame, `document.getElementById('map-readout').textContent.includes('final loss')`, 10_000);
  const readout = (await view.frame.locator('#map-readout').innerText()).trim();
  ctx.log(`hover (${pos.x.toFixed(0)}, ${pos.y.toFixed(0)}): ${readout}`);
  ctx.assert.match(readout, /^lr = [-+\d.e]+, momentum = [-+\d.e]+: /, readout);
  ctx.assert.match(readout, new RegExp(`momentum = .*: ${m.outcome[k]} · final loss .* · best loss .* · steps to tolerance .* · diverged at step`));
  await webviewScreenshot(ctx, view, 'hover');
  const requestBefore = (await frame.evaluate(`window.__optimizerDiagnostics.model().status.requestId`)) as string;
  await view.frame.locator('#chart-stabilityMap').click({ position: pos });
  await waitInWebview(frame, `(() => { const m = window.__optimizerDiagnostics.model(); const h = m.config.runs[0].hyperparameters;
    return m.status.phase === 'done' && m.status.requestId !== ${JSON.stringify(requestBefore)} && h.lr === ${lrs[i]} && h.momentum === ${betas[j]}; })()`, 30_000);
  const ran = JSON.parse((await frame.evaluate(`JSON.stringify((() => { const m = window.__optimizerDiagnostics.model(); const r = m.orderedRuns()[0]; return { final: r.finalLoss, steps: r.stepsCompleted }; })())`)) as string) as { final: number; steps: number };
  ctx.log(`clicked cell ${k}: the panel ran lr ${lrs[i]}, momentum ${betas[j]}: final loss ${ran.final} (map: ${m.finalLoss[k]})`);
  ctx.assert.strictEqual(ran.final, m.finalLoss[k], 'the panel run ends at the map cell\'s final loss, bit for bit');
  await waitInWebview(frame, `(() => { const r = window.__optimizerDiagnostics.stabilityMap().rendered; return r && r.marker && r.marker[0] === ${lrs[i]} && r.marker[1] === ${betas[j]}; })()`, 10_000);
  await view.frame.locator('#card-stabilityMap').scrollIntoViewIfNeeded();
  await webviewScreenshot(ctx, view, 'opened');

  // Find a learning rate: the button runs the range test; the curve against lr (log x) with three
  // suggestions; "Use valley" sets the run's lr and re-runs.
  await view.frame.locator('#card-lrFind').scrollIntoViewIfNeeded();
  await view.frame.locator('#lrfind-start').click();
  await waitInWebview(frame, `(() => { const f = window.__optimizerDiagnostics.lrFind(); return f && f.phase === 'done' && f.buttons.length >= 2; })()`, 60_000);
  const lf = JSON.parse((await frame.evaluate(`JSON.stringify(window.__optimizerDiagnostics.lrFind())`)) as string) as { lr: number[]; stop: string; steepest: { lr: number } | null; valley: { lr: number } | null; minOver10: { lr: number } | null; buttons: string[]; message: string };
  ctx.log(`lr-find: ${lf.message}; buttons ${JSON.stringify(lf.buttons)}`);
  ctx.assert.strictEqual(lf.stop, 'diverged');
  ctx.assert.ok(lf.lr[lf.lr.length - 1]! > 0.1, 'GD on the canyon stops past 2/λ = 0.1');
  const lfAxes = JSON.parse((await frame.evaluate(`JSON.stringify((() => { const c = window.__optimizerDiagnostics.chart('lrFind'); return [c.options.scales.x.type, c.data.datasets.map((d) => d.label + ':' + d.data.length)]; })())`)) as string) as [string, string[]];
  ctx.assert.strictEqual(lfAxes[0], 'logarithmic');
  ctx.assert.ok(lfAxes[1].filter((l) => /^(steepest|valley|minimum)/.test(l) && l.endsWith(':1')).length >= 2, `suggestions marked: ${lfAxes[1].join(', ')}`);
  await view.frame.locator('#card-lrFind').scrollIntoViewIfNeeded();
  await webviewScreenshot(ctx, view, 'lr-find');
  const before2 = (await frame.evaluate(`window.__optimizerDiagnostics.model().status.requestId`)) as string;
  await view.frame.locator('#lrfind-use-valley').click();
  await waitInWebview(frame, `(() => { const m = window.__optimizerDiagnostics.model(); return m.status.phase === 'done' && m.status.requestId !== ${JSON.stringify(before2)} && m.config.runs[0].hyperparameters.lr === ${lf.valley!.lr}; })()`, 30_000);
  ctx.log(`used valley: the run's lr is ${lf.valley!.lr}`);

  // Compare: Adam added (the toolbar's "+ Add to comparison"), then tune learning rates first (fair comparison).
  await frame.evaluate(`(() => { const d = document.getElementById('add-optimizer'); d.value = 'adam'; d.dispatchEvent(new Event('change')); })()`);
  await waitInWebview(frame, `(() => { const m = window.__optimizerDiagnostics.model(); return m.status.phase === 'done' && m.orderedRuns().length === 2; })()`, 30_000);
  await view.frame.locator('#card-tune').scrollIntoViewIfNeeded();
  await view.frame.locator('#tune-start').click();
  await waitInWebview(frame, `(() => { const t = window.__optimizerDiagnostics.tune(); return t && t.phase === 'done'; })()`, 120_000);
  const tn = JSON.parse((await frame.evaluate(`JSON.stringify(window.__optimizerDiagnostics.tune())`)) as string) as { runs: { label: string; tunedLr: number; lr: number[]; objective: (number | null)[] }[]; table: string; budget: { runsPerOptimizer: number } };
  ctx.log(`tuned: ${tn.runs.map((r) => `${r.label} lr ${r.tunedLr} (${r.lr.length} runs)`).join('; ')}; table: ${tn.table}`);
  ctx.assert.strictEqual(tn.runs.length, 2);
  ctx.assert.ok(tn.runs.every((r) => r.lr.length === 31), 'the same budget for both');
  // (the run is heavy-ball momentum now, from the clicked cell: no closed form; GD's 1/11 is the unit test's)
  for (const r of tn.runs) {
    const finite = r.objective.map((v, k) => [v, r.lr[k]!] as const).filter(([v]) => v !== null) as (readonly [number, number])[];
    const best = finite.reduce((a, b) => (b[0] < a[0] ? b : a));
    ctx.assert.strictEqual(r.tunedLr, best[1], `${r.label}: the tuned lr is the best point of its sensitivity curve`);
  }
  ctx.assert.match(tn.table, /Budget per optimizer: 19 grid runs \(1e-5…10, three per decade\) \+ 12 golden-section runs = 31 runs of 500 steps/);
  await waitInWebview(frame, `(() => { const m = window.__optimizerDiagnostics.model(); return m.status.phase === 'done' && m.config.runs[0].hyperparameters.lr === ${tn.runs[0]!.tunedLr} && m.config.runs[1].hyperparameters.lr === ${tn.runs[1]!.tunedLr}; })()`, 30_000);
  const sens = JSON.parse((await frame.evaluate(`JSON.stringify((() => { const c = window.__optimizerDiagnostics.chart('sensitivity'); return [c.options.scales.x.type, c.data.datasets.map((d) => d.label + ':' + d.data.length)]; })())`)) as string) as [string, string[]];
  ctx.assert.strictEqual(sens[0], 'logarithmic');
  ctx.assert.ok(sens[1].some((l) => /tuned lr .*:1$/.test(l)), `tuned point marked: ${sens[1].join(', ')}`);
  await view.frame.locator('#card-tune').scrollIntoViewIfNeeded();
  await webviewScreenshot(ctx, view, 'tuned');

  // A narrow column: the card wraps its form, the map keeps its axes.
  const size = ctx.page.viewportSize();
  if (size) {
    await ctx.page.setViewportSize({ width: 640, height: size.height });
    await ctx.page.waitForTimeout(600);
    await view.frame.locator('#card-stabilityMap').scrollIntoViewIfNeeded();
    const overflow = (await frame.evaluate(`(() => { const c = document.getElementById('card-stabilityMap'); return c.scrollWidth - c.clientWidth; })()`)) as number;
    await screenshot(ctx, 'narrow');
    await ctx.page.setViewportSize(size);
    ctx.assert.ok(overflow <= 1, `the map card fits a narrow column (overflow ${overflow}px)`);
  }
}
