// Curvature & stability (issue 10 §4): Canyon f = x² + 10y² (H = diag(2, 20)) with plain GD (SGD, no
// momentum). At lr 0.09 the chart shows λ_max = 20 under the threshold 2/η = 22.2 (nothing shaded), at
// lr 0.11 above 2/η = 18.2 (every step shaded). Read out of the webview's charts: the curvature series,
// the α dots and histograms (GD at ηλ = 1.8 overshoots along y), the eigen-decomposition (GD's error along
// each eigenvector is exactly |c_i(0)|·|1 − ηλ_i|ᵗ) and the eigen-directions drawn on the landscape.
import path from 'node:path';
import type { ScenarioContext } from '../context';
import { typeInto } from '../chartHelpers';
import { answerQuickPick, panelWebview, waitInWebview, webviewScreenshot } from '../panelHelpers';

interface Ds { label: string; kind: string | null; mode: number | null; x: number[]; y: number[]; above: number[] | null; negative: number[] | null }

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
  await answerQuickPick(ctx, 'Canyon', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'SGD', { titleIncludes: 'choose an optimizer' });
  const { view, frame } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns().length === 1`);

  const read = async (id: string): Promise<Ds[]> => JSON.parse((await frame.evaluate(`JSON.stringify((() => {
    const c = window.__optimizerDiagnostics.chart(${JSON.stringify(id)});
    if (!c) return [];
    return c.data.datasets.map((d) => ({ label: String(d.label), kind: d.odKind ?? null, mode: d.odMode ?? null, x: d.data.map((p) => p.x), y: d.data.map((p) => p.y),
      above: d.odAbove ? Array.from(d.odAbove) : null, negative: d.odNegative ? Array.from(d.odNegative) : null }));
  })())`)) as string) as Ds[];
  const near = (got: number, want: number, what: string, tol = 1e-9) => ctx.assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: got ${got}, want ${want}`);
  const kind = (ds: Ds[], k: string): Ds => {
    const d = ds.find((x) => x.kind === k);
    ctx.assert.ok(d, `no ${k} dataset (have ${ds.map((x) => x.label).join(', ')})`);
    return d!;
  };
  const cardShot = async (label: string): Promise<string> => {
    await frame.evaluate(`document.getElementById('card-curvature').scrollIntoView({ block: 'start' })`);
    await ctx.page.waitForTimeout(400);
    const file = path.join(ctx.outDir, `${ctx.name}-${label}.png`);
    await view.frame.locator('#card-curvature').screenshot({ path: file, caret: 'initial' });
    return file;
  };

  for (const lr of [0.09, 0.11]) {
    await typeInto(ctx, view, '[data-hyper="lr"] vscode-text-field', String(lr));
    await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns()[0].hyperparameters.lr === ${lr} && od.model().orderedRuns()[0].curvature
      && od.chart('curvature') && od.chart('curvature').data.datasets.some((d) => d.odKind === 'threshold' && d.data.length && Math.abs(d.data[0].y - 2 / ${lr}) < 1e-9)`, 60_000);
    const steps = (await frame.evaluate(`window.__optimizerDiagnostics.model().orderedRuns()[0].stepsCompleted`)) as number;
    const ds = await read('curvature');
    const hmax = kind(ds, 'hessianMax');
    const thr = kind(ds, 'threshold');
    ctx.assert.strictEqual(hmax.x.length, steps + 1, 'λ_max at every recorded point (2 parameters: dense, every point)');
    ctx.assert.ok(hmax.y.every((v) => v === 20), `λ_max(H) = 20 at every step (got ${[...new Set(hmax.y)].join(', ')})`);
    ctx.assert.ok(thr.y.every((v) => Math.abs(v - 2 / lr) < 1e-9), 'threshold 2/η at every step');
    ctx.assert.strictEqual(ds.some((d) => d.kind === 'preconditionedMax'), false, 'GD has no preconditioned sharpness');
    ctx.assert.deepStrictEqual(hmax.negative, [], 'λ_min = 2 > 0: no ▼');
    const yScale = (await frame.evaluate(`window.__optimizerDiagnostics.chart('curvature').scales.y.type`)) as string;
    ctx.assert.strictEqual(yScale, 'logarithmic');
    const note = (await frame.evaluate(`document.getElementById('curvature-note').textContent`)) as string;
    ctx.log(`lr ${lr}: λ_max ${hmax.y[0]} vs threshold ${thr.y[0]!.toFixed(4)}; shaded ${JSON.stringify(hmax.above)}; note: ${note}`);
    ctx.assert.match(note, /analytic/);
    if (lr === 0.09) {
      ctx.assert.ok(20 < thr.y[0]!, 'λ_max under 2/η ≈ 22.2');
      ctx.assert.deepStrictEqual(hmax.above, [], 'nothing shaded at lr 0.09');
      ctx.assert.match(note, /below: stable/);
      // α: GD with ηλ_y = 1.8 overshoots the minimum along each step's direction
      const alpha = (await read('stepQuality'))[0]!;
      ctx.assert.strictEqual(alpha.x.length, steps, 'one α per step');
      const hAll = await frame.evaluate(`JSON.stringify(window.__optimizerDiagnostics.chart('alphaHistAll').data.datasets.map((d) => ({ n: d.odCount, counts: Array.from(d.odCounts) })))`);
      const hLast = await frame.evaluate(`JSON.stringify(window.__optimizerDiagnostics.chart('alphaHistLast').data.datasets.map((d) => ({ n: d.odCount, counts: Array.from(d.odCounts) })))`);
      const all = JSON.parse(hAll as string) as { n: number; counts: number[] }[];
      const last = JSON.parse(hLast as string) as { n: number; counts: number[] }[];
      ctx.assert.strictEqual(all[0]!.n, alpha.y.filter((v) => Number.isFinite(v)).length, 'the "all steps" histogram counts every α');
      ctx.assert.strictEqual(last[0]!.n, Math.ceil(0.1 * all[0]!.n), 'the last 10 %');
      ctx.assert.strictEqual(all[0]!.counts.reduce((a, b) => a + b, 0), all[0]!.n);
      ctx.log(`α: first ${alpha.y.slice(0, 3).map((v) => v.toFixed(4)).join(', ')}…, last ${alpha.y[alpha.y.length - 1]!.toFixed(4)}; histogram all n=${all[0]!.n}, last n=${last[0]!.n}`);
      // Eigen-decomposition: |e·q_i| equals the theory |c_i(0)|·|1 − ηλ_i|ᵗ (GD on a quadratic is exact)
      const eig = await read('eigen');
      for (const mode of [0, 1]) {
        const c = eig.find((d) => d.kind === 'component' && d.mode === mode)!;
        const p = eig.find((d) => d.kind === 'predicted' && d.mode === mode)!;
        ctx.assert.ok(c && p, `mode ${mode}: measured and predicted`);
        const rate = mode === 0 ? 0.8 : 0.82; // |1 − 0.09·20|, |1 − 0.09·2|
        const c0 = mode === 0 ? 1 : 4; // start (−4, 1): error 1 along e_y, 4 along e_x
        for (const t of [0, 10, 50]) {
          const i = c.x.indexOf(t);
          near(c.y[i]!, c0 * rate ** t, `|e·q${mode + 1}| at step ${t}`, 1e-8);
          near(p.y[p.x.indexOf(t)]!, c0 * rate ** t, `theory ρ${mode + 1}ᵗ at step ${t}`, 1e-8);
        }
      }
      // Eigen-directions on the landscape at the slider's step
      await frame.evaluate(`(() => { const s = document.getElementById('step-slider'); s.value = '5'; s.dispatchEvent(new Event('input', { bubbles: true })); })()`);
      await waitInWebview(frame, `od.curvature().directions && od.curvature().directions.step === 5`, 20_000);
      const dir = JSON.parse((await frame.evaluate(`JSON.stringify(window.__optimizerDiagnostics.curvature().directions)`)) as string) as { step: number; l1: number; l2: number; q1: number[]; at: number[] };
      ctx.log(`landscape directions at step ${dir.step}: λ₁ ${dir.l1} along (${dir.q1.join(', ')}), λ₂ ${dir.l2}, at (${dir.at.map((v) => v.toFixed(4)).join(', ')})`);
      ctx.assert.strictEqual(dir.l1, 20);
      ctx.assert.strictEqual(dir.l2, 2);
      ctx.assert.ok(Math.abs(Math.abs(dir.q1[1]!) - 1) < 1e-12, 'q₁ = e_y');
      await frame.evaluate(`document.getElementById('card-landscape').scrollIntoView({ block: 'start' })`);
      await ctx.page.waitForTimeout(300);
      await view.frame.locator('#card-landscape').screenshot({ path: path.join(ctx.outDir, `${ctx.name}-landscape-directions.png`), caret: 'initial' });
      await frame.evaluate(`document.getElementById('card-stepQuality').scrollIntoView({ block: 'start' })`);
      await ctx.page.waitForTimeout(300);
      await view.frame.locator('#card-stepQuality').screenshot({ path: path.join(ctx.outDir, `${ctx.name}-alpha.png`), caret: 'initial' });
      await view.frame.locator('#card-eigen').screenshot({ path: path.join(ctx.outDir, `${ctx.name}-eigen.png`), caret: 'initial' });
    } else {
      ctx.assert.ok(20 > thr.y[0]!, 'λ_max above 2/η ≈ 18.2');
      ctx.assert.deepStrictEqual(hmax.above, [0, steps], 'every step shaded at lr 0.11');
      ctx.assert.match(note, /above: unstable/);
    }
    await cardShot(`lr-${lr}`);
  }

  // The curvature chart is on the linked step axis: a drag across it zooms every step chart, the hover moves the
  // crosshair, a double-click resets them all (the same options as the step charts: webview/charts/stepOptions.ts).
  {
    await frame.evaluate(`document.getElementById('card-curvature').scrollIntoView({ block: 'start' })`);
    await ctx.page.waitForTimeout(300);
    const steps = (await frame.evaluate(`window.__optimizerDiagnostics.model().orderedRuns()[0].stepsCompleted`)) as number;
    const bb = (await view.frame.locator('#card-curvature canvas').first().boundingBox())!;
    const area = (await frame.evaluate(`(() => { const a = window.__optimizerDiagnostics.chart('curvature').chartArea; return { left: a.left, right: a.right, top: a.top, bottom: a.bottom }; })()`)) as { left: number; right: number; top: number; bottom: number };
    const px = (f: number): number => bb.x + area.left + f * (area.right - area.left);
    const midY = bb.y + (area.top + area.bottom) / 2;
    await ctx.page.mouse.move(px(0.5), midY, { steps: 4 });
    await waitInWebview(frame, `(() => { const h = window.__optimizerDiagnostics.hover(); return h !== null && Math.abs(h - ${steps / 2}) <= ${Math.ceil(steps / 50)}; })()`, 10_000);
    await ctx.page.mouse.move(px(0.1), midY);
    await ctx.page.mouse.down();
    for (let k = 1; k <= 8; k++) await ctx.page.mouse.move(px(0.1 + (k / 8) * 0.2), midY, { steps: 2 });
    await ctx.page.mouse.up();
    await waitInWebview(frame, `['convergence','curvature','eigen'].every((id) => od.chart(id).scales.x.max < ${steps * 0.4} && od.chart(id).scales.x.min > ${steps * 0.05})`, 10_000);
    const win = JSON.parse((await frame.evaluate(`JSON.stringify(['convergence','curvature','eigen'].map((id) => [od.chart(id).scales.x.min, od.chart(id).scales.x.max]))`.replace(/od\./g, 'window.__optimizerDiagnostics.'))) as string) as [number, number][];
    ctx.log(`drag on the curvature chart: convergence ${win[0]!.map((v) => v.toFixed(1)).join('–')}, curvature ${win[1]!.map((v) => v.toFixed(1)).join('–')}, eigen ${win[2]!.map((v) => v.toFixed(1)).join('–')}`);
    ctx.assert.ok(win.every((w) => Math.abs(w[0] - win[0]![0]) < 1e-9 && Math.abs(w[1] - win[0]![1]) < 1e-9), 'one step window on the step and curvature charts');
    await cardShot('zoomed');
    await ctx.page.mouse.dblclick(px(0.5), midY);
    await waitInWebview(frame, `['convergence','curvature','eigen'].every((id) => od.chart(id).scales.x.min === 0 && od.chart(id).scales.x.max === ${steps})`, 10_000);
  }

  // Readable in a narrow column: the cards fit, no inline styles (CSP).
  const original = ctx.page.viewportSize();
  await ctx.page.setViewportSize({ width: 860, height: 900 });
  try {
    await waitInWebview(frame, `document.body.classList.contains('narrow')`, 20_000);
    await ctx.page.waitForTimeout(600); // Chart.js resizes its canvases on the next frames
    const m = JSON.parse((await frame.evaluate(`JSON.stringify(['card-curvature', 'card-stepQuality', 'card-eigen'].map((id) => { const e = document.getElementById(id); return { id, scroll: e.scrollWidth, client: e.clientWidth, styled: e.querySelectorAll('[style]').length - e.querySelectorAll('canvas[style]').length }; }))`)) as string) as { id: string; scroll: number; client: number; styled: number }[];
    for (const c of m) {
      ctx.log(`${c.id} narrow: scrollWidth ${c.scroll} / clientWidth ${c.client}`);
      ctx.assert.ok(c.scroll <= c.client + 1, `${c.id} fits the narrow column`);
    }
    await cardShot('narrow');
    await webviewScreenshot(ctx, view, 'narrow-panel');
  } finally {
    if (original) await ctx.page.setViewportSize(original);
  }
}
