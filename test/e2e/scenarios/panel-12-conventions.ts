// Issue 11 §3–§4 in the panel: Adam's bias_correction checkbox (a schema field like every hyperparameter)
// re-runs the uncorrected update; the convention and dtype pickers in the controls row run RMSprop as
// TensorFlow.js does in float32, with tfjs' defaults (switching moves values still at PyTorch's default to
// tfjs') and state names; the Update rule shows that form.
import type { ScenarioContext } from '../context';
import { answerQuickPick, panelWebview, ranOf, waitInWebview, webviewScreenshot } from '../panelHelpers';

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
  await answerQuickPick(ctx, 'Canyon', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'Adam', { titleIncludes: 'choose an optimizer', typed: true });
  const { frame, view } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns().length === 1`);
  const on = (await ranOf(frame, 'r1'))!;
  ctx.assert.strictEqual(on.hyperparameters['bias_correction'], true, 'PyTorch default: corrected');

  // 1. The bias_correction checkbox: a person clicks it; the run is redone without correction.
  const box = view.frame.locator('[data-hyper="bias_correction"] vscode-checkbox');
  await box.scrollIntoViewIfNeeded();
  await box.click();
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().runs.get('r1').hyperparameters.bias_correction === false`, 30_000);
  const lossOf = async () => (await frame.evaluate(`(() => { const r = window.__optimizerDiagnostics.model().orderedRuns()[0]; return [r.finalLoss, r.stepsCompleted]; })()`)) as [number, number];
  const [offLoss, steps] = await lossOf();
  ctx.log(`Adam on the canyon, ${steps} steps: final loss without bias correction ${offLoss}`);
  await webviewScreenshot(ctx, view, 'bias-off');
  await box.click();
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().runs.get('r1').hyperparameters.bias_correction === true`, 30_000);
  const [onLoss] = await lossOf();
  ctx.log(`with bias correction ${onLoss}`);
  ctx.assert.notStrictEqual(onLoss, offLoss, 'the two runs differ');

  // 2. The convention picker: tfjs, then float32; RMSprop runs with tfjs' state names.
  await view.frame.locator('#optimizer').click();
  await view.frame.locator('#optimizer vscode-option[value="rmsprop"]').click();
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns()[0].optimizer === 'rmsprop'`, 30_000);
  await view.frame.locator('#convention').scrollIntoViewIfNeeded();
  await view.frame.locator('#convention').click();
  await view.frame.locator('#convention vscode-option[value="tfjs"]').click();
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().config.convention === 'tfjs' && od.model().orderedRuns()[0].stateNames.includes('rms')`, 30_000);
  await view.frame.locator('#dtype').click();
  await view.frame.locator('#dtype vscode-option[value="float32"]').click();
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().config.dtype === 'float32'`, 30_000);
  const ran = (await ranOf(frame, 'r1'))!;
  ctx.log(`RMSprop under tfjs float32: ${JSON.stringify(ran.hyperparameters)}`);
  ctx.assert.strictEqual(ran.hyperparameters['alpha'], 0.9, "tfjs' default decay");
  ctx.assert.strictEqual(ran.hyperparameters['eps'], 1e-7, "tfjs' default epsilon");
  await webviewScreenshot(ctx, view, 'tfjs-float32');
  await view.frame.locator('details.equations summary').click();
  const rule = await view.frame.locator('details.equations pre').innerText();
  ctx.assert.match(rule, /tfjs convention/);
  ctx.assert.match(rule, /rms_momentum/);
  await webviewScreenshot(ctx, view, 'tfjs-update-rule');
}
