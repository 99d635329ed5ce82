// Issue 8, item 13: the Simulate panel has accessible names everywhere (axe-core: no serious or
// critical violation), every hyperparameter field is named after its hyperparameter (not "Text field"),
// the play button's label follows its state and the info tooltips show on keyboard focus.
import type { ScenarioContext } from '../context';
import { answerQuickPick, axeViolations, panelWebview, waitInWebview, webviewScreenshot } from '../panelHelpers';

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
  await answerQuickPick(ctx, 'Rosenbrock  (1−x)²', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'Adam', { titleIncludes: 'choose an optimizer', typed: true });
  const { frame, view } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns().length === 1`);

  // Names of the inner <input>s as a screen reader gets them (aria-label forwarded by the toolkit).
  const names = (await frame.evaluate(`JSON.stringify(Array.from(document.querySelectorAll('vscode-text-field')).map((f) => { const i = f.shadowRoot && f.shadowRoot.querySelector('input'); return i ? i.getAttribute('aria-label') : null; }))`)) as string;
  const list = JSON.parse(names) as (string | null)[];
  ctx.log(`text field names: ${list.join(' | ')}`);
  ctx.assert.ok(list.length >= 5 && list.every((n) => n && n.trim().length > 0), 'every text field has a name');
  for (const want of ['lr', 'betas[0]', 'betas[1]', 'eps', 'weight_decay', 'steps', 'seed']) ctx.assert.ok(list.some((n) => n!.startsWith(want)), `a field is named ${want}`);

  // Where the default came from (item 17).
  const source = await view.frame.locator('#lr-source').innerText();
  ctx.log(`lr source: ${source}`);
  ctx.assert.match(source, /suggested for rosenbrock/);
  ctx.assert.strictEqual(await frame.evaluate(`window.__optimizerDiagnostics.model().config.steps`), 2000, 'Rosenbrock runs 2000 steps by default');

  // Play button: its accessible label follows its state.
  const play = view.frame.locator('#play');
  ctx.assert.match((await play.getAttribute('aria-label')) ?? '', /^Play/);
  await play.click();
  ctx.assert.strictEqual(await play.getAttribute('aria-label'), 'Pause');
  await play.click();
  ctx.assert.match((await play.getAttribute('aria-label')) ?? '', /^Play/);

  // Info tooltip on keyboard focus: Tab onto the first ⓘ.
  const info = view.frame.locator('#card-convergence .card-info');
  await info.focus();
  const tip = view.frame.locator('#tip-convergence');
  ctx.assert.ok(await tip.isVisible(), 'the convergence info tooltip shows on keyboard focus');
  ctx.assert.match(await tip.innerText(), /Loss f\(θ_t\)/);
  await webviewScreenshot(ctx, view, 'tooltip-focus');
  await info.blur();

  const violations = await axeViolations(frame);
  ctx.log(`axe, simulate panel: ${violations.length} serious/critical`);
  ctx.assert.deepStrictEqual(violations, []);
}
