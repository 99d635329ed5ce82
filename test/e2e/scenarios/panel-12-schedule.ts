// Learning-rate schedules and optimizer switches in the panel (issue 11 §1, §2): Canyon + Adam; pick
// CosineAnnealingLR in the toolbar's schedule picker (fields from the schedule schema, T_max prefilled to the
// run's steps): the host's preview of lr over the run is drawn, the run charts the scheduled lr on the
// effective-lr chart; then "then switch to SGD" at a step: a vertical switch marker on the step charts.
import type { ScenarioContext } from '../context';
import { answerQuickPick, panelWebview, screenshot, waitInWebview, webviewScreenshot } from '../panelHelpers';

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
  await answerQuickPick(ctx, 'Canyon', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'Adam', { titleIncludes: 'choose an optimizer', typed: true });
  const { view, frame } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().status.phase === 'done'`);
  // Narrow panels fold the schedule away behind "More settings".
  const more = view.frame.locator('#toolbar-more');
  if (await more.isVisible() && (await more.getAttribute('aria-expanded')) === 'false') await more.click();

  // 1. The picker: classes from the schema; CosineAnnealingLR brings its keywords T_max and eta_min.
  await view.frame.locator('#schedule-class').click();
  const options = (await frame.evaluate(`Array.from(document.querySelectorAll('#schedule-class vscode-option')).map((o) => o.getAttribute('value'))`)) as string[];
  for (const n of ['StepLR', 'CosineAnnealingLR', 'OneCycleLR', 'CyclicLR', 'ReduceLROnPlateau']) ctx.assert.ok(options.includes(n), `picker offers ${n} (got ${options.join(', ')})`);
  await view.frame.locator('#schedule-class vscode-option[value="CosineAnnealingLR"]').click();
  await view.frame.locator('#schedule-T_max').waitFor({ state: 'visible', timeout: 20_000 });
  await view.frame.locator('#schedule-eta_min').waitFor({ state: 'visible', timeout: 5_000 });
  const steps = (await frame.evaluate(`window.__optimizerDiagnostics.form().draft.steps`)) as number;
  ctx.assert.strictEqual(await frame.evaluate(`document.querySelector('#schedule-class').value`), 'CosineAnnealingLR', 'the picker shows the chosen class');
  const tmax = (await frame.evaluate(`window.__optimizerDiagnostics.form().draft.runs[0].schedule.schedulers[0].args.T_max`)) as number;
  ctx.assert.strictEqual(tmax, steps, 'T_max prefilled to the run\'s steps');

  // 2. The preview (computed by the core on the host, drawn by the webview).
  await waitInWebview(frame, `(() => { const c = document.querySelector('#schedule-preview'); return c && !c.hidden && od.lastRender() && true; })()`, 30_000);
  await waitInWebview(frame, `document.querySelector('.schedule-preview-note').textContent.startsWith('lr over')`, 30_000);
  const note = (await frame.evaluate(`document.querySelector('.schedule-preview-note').textContent`)) as string;
  ctx.log(`preview: ${note}`);
  await view.frame.locator('.schedule').scrollIntoViewIfNeeded();
  await webviewScreenshot(ctx, view, 'schedule-picker');

  // 3. The run with the schedule: the scheduled lr is on the effective-lr chart (a cosine from lr down).
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.chart('effectiveLr').data.datasets.some((d) => d.label.includes('lr (schedule)'))`, 60_000);
  const lr = (await frame.evaluate(`(() => { const d = od.chart('effectiveLr').data.datasets.find((x) => x.label.includes('lr (schedule)')); return d.data.map((p) => p.y); })()`.replace(/od\./g, 'window.__optimizerDiagnostics.'))) as number[];
  ctx.assert.ok(lr[0]! > lr[lr.length - 1]! * 5, `cosine: lr falls from ${lr[0]} to ${lr[lr.length - 1]}`);
  await view.frame.locator('#card-effectiveLr').scrollIntoViewIfNeeded();
  await ctx.page.waitForTimeout(300);
  await webviewScreenshot(ctx, view, 'scheduled-lr');

  // 4. Then switch to SGD: the marker at the switch step on every step chart.
  await view.frame.locator('#then-optimizer').scrollIntoViewIfNeeded();
  await view.frame.locator('#then-optimizer').click();
  await view.frame.locator('#then-optimizer vscode-option[value="sgd"]').click();
  await waitInWebview(frame, `od.model().status.phase === 'done' && [...od.model().runs.values()].some((r) => (r.switches || []).length === 1)`, 60_000);
  ctx.assert.strictEqual(await frame.evaluate(`document.querySelector('#then-optimizer').value`), 'sgd', 'the switch picker shows SGD');
  const at = (await frame.evaluate(`[...window.__optimizerDiagnostics.model().runs.values()][0].switches[0].step`)) as number;
  ctx.assert.strictEqual(at, Math.round(steps / 2), 'switch at the prefilled step');
  const rendered = (await frame.evaluate(`window.__optimizerDiagnostics.lastRender()`)) as { charts: Record<string, unknown> };
  ctx.assert.ok(rendered, 'rendered');
  await view.frame.locator('#card-convergence').scrollIntoViewIfNeeded();
  await ctx.page.waitForTimeout(300);
  await screenshot(ctx, 'switch-marker');
}
