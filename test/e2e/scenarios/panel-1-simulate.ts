// Simulate Optimizer from the palette: Canyon + Adam. The panel opens beside, the five charts hold
// data, Adam's effective learning rate differs per parameter (that is the point of Adam on an
// ill-conditioned bowl), the loss decreases, the step slider moves the markers, zero CSP violations.
import type { ScenarioContext } from '../context';
import { answerQuickPick, lastFinite, panelWebview, readCharts, screenshot, waitInWebview, webviewScreenshot, webviewStatus } from '../panelHelpers';

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
  await answerQuickPick(ctx, 'Canyon', { titleIncludes: 'choose a loss' });
  // Typing "Adam" + Enter picks Adam, not AdamW (issue 8, item 17).
  await answerQuickPick(ctx, 'Adam', { titleIncludes: 'choose an optimizer', typed: true });

  const { view, frame } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().config.runs.length === 1`);
  ctx.assert.strictEqual(await frame.evaluate(`window.__optimizerDiagnostics.model().config.runs[0].optimizer`), 'adam', 'typing "Adam" + Enter picked Adam');
  const csp = await view.csp();
  ctx.assert.ok(csp && /script-src 'nonce-[^']+'/.test(csp) && !/unsafe-(inline|eval)/.test(csp), `strict CSP expected, got ${csp}`);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.chart('effectiveLr') && od.chart('effectiveLr').data.datasets.length >= 2`);
  const charts = await readCharts(frame);
  ctx.log(`charts: ${Object.entries(charts).map(([id, c]) => `${id}=${c.datasets.length}ds/${c.datasets.reduce((s, d) => s + d.y.length, 0)}pts/${c.yScale}`).join(' ')}`);

  // 1. Convergence: a log-scaled loss that decreases by orders of magnitude.
  const loss = charts['convergence']!.datasets.find((d) => /loss|f − f\*/.test(d.label))!;
  ctx.assert.ok(loss, 'no loss series');
  ctx.assert.strictEqual(charts['convergence']!.yScale, 'logarithmic');
  ctx.assert.ok(loss.y[0]! > 10 && lastFinite(loss.y) < loss.y[0]! / 100, `loss should fall from ${loss.y[0]} by 100×, ends at ${lastFinite(loss.y)}`);
  ctx.assert.ok(charts['convergence']!.datasets.some((d) => d.label.includes('‖∇f‖')), 'gradient norm series');

  // 2. Landscape: the trajectory starts at the canyon's start point (-4, 1).
  const path = charts['landscape']!.datasets.find((d) => d.label === 'Adam')!;
  ctx.assert.ok(path && path.x.length > 20, 'trajectory with points');
  ctx.assert.deepStrictEqual([path.x[0], path.y[0]], [-4, 1]);
  ctx.assert.ok(charts['landscape']!.datasets.some((d) => d.label === 'minimum'), 'minimum marked');
  ctx.assert.ok(await frame.evaluate(`!!window.__optimizerDiagnostics.model().landscape`), 'contour grid received');

  // 3. Effective learning rate: one series per parameter; Adam's α differs between x and y.
  const eff = charts['effectiveLr']!;
  ctx.assert.strictEqual(eff.yScale, 'logarithmic');
  const ax = eff.datasets.find((d) => d.label === 'x')!;
  const ay = eff.datasets.find((d) => d.label === 'y')!;
  ctx.assert.ok(ax && ay, `series for x and y, got ${eff.datasets.map((d) => d.label).join(', ')}`);
  // Compare α_x and α_y at the same steps (each series is decimated on its own: match by step).
  const ayAt = new Map(ay.x.map((x, i) => [x, ay.y[i]!]));
  let maxRatio = 1;
  let atStep = 0;
  ax.x.forEach((x, i) => {
    const y = ayAt.get(x);
    if (y === undefined || !(y > 0) || !(ax.y[i]! > 0)) return;
    const r = Math.max(ax.y[i]! / y, y / ax.y[i]!);
    if (r > maxRatio) {
      maxRatio = r;
      atStep = x;
    }
  });
  ctx.log(`Adam's effective LR: α_x/α_y differs by up to ${maxRatio.toFixed(2)}× (step ${atStep}); α_x(1) = ${ax.y[0]!.toExponential(3)}, α_y(1) = ${ay.y[0]!.toExponential(3)}`);
  ctx.assert.ok(maxRatio > 2, `Adam's effective learning rate should differ per parameter on the canyon, max ratio ${maxRatio}`);

  // 4. Moments: Adam's state under PyTorch's names.
  const states = (await frame.evaluate(`Array.from(document.querySelectorAll('#moment-state vscode-option')).map((o) => o.getAttribute('value'))`)) as string[];
  for (const s of ['exp_avg', 'exp_avg_sq', 'exp_avg_hat', 'exp_avg_sq_hat']) ctx.assert.ok(states.includes(s), `moment state ${s} offered (got ${states.join(', ')})`);
  ctx.assert.strictEqual(charts['moments']!.datasets.length, 2);

  // 5. Step size |Δθ| per parameter, positive.
  ctx.assert.strictEqual(charts['stepSize']!.datasets.length, 2);
  ctx.assert.ok(charts['stepSize']!.datasets.every((d) => d.y.some((v) => v > 0)));

  // Step slider: moving it moves the markers and the "at step" table.
  const slider = view.frame.locator('#step-slider');
  await slider.fill('40');
  await waitInWebview(frame, `od.ui().step === 40`, 10_000);
  const table = await view.frame.locator('.step-table caption').innerText();
  ctx.assert.match(table, /Step 40:/);
  const st = await webviewStatus(frame);
  ctx.assert.strictEqual(st.step, 40);

  await ctx.page.waitForTimeout(300);
  await screenshot(ctx, 'panel');
  for (const id of ['landscape', 'effectiveLr', 'moments', 'stepSize']) {
    await view.frame.locator(`#card-${id}`).scrollIntoViewIfNeeded();
    await ctx.page.waitForTimeout(150);
    await webviewScreenshot(ctx, view, id);
  }
}
