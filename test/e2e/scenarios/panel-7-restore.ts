// Reload the window: the panel comes back through the WebviewPanelSerializer with the same
// configuration (re-run by the host, which owns the data) and its UI state (slider step, chosen
// moment series) from the webview's getState/setState.
import type { ScenarioContext } from '../context';
import { answerQuickPick, panelWebview, waitInWebview } from '../panelHelpers';

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
  await answerQuickPick(ctx, 'Himmelblau', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'Lion', { titleIncludes: 'choose an optimizer' });
  let { frame, view } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns().length === 1`);
  await view.frame.locator('#step-slider').fill('77');
  await waitInWebview(frame, `od.ui().step === 77`);
  await ctx.page.waitForTimeout(600); // setState is debounced

  // A proper window reload (editor state is flushed to storage first, as when VS Code restarts).
  await ctx.workbench.runCommand('Developer: Reload Window');
  await ctx.page.waitForTimeout(1500);
  await ctx.workbench.waitForReady();
  ({ frame, view } = await panelWebview(ctx));
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns().length === 1`, 90_000);
  const state = JSON.parse((await frame.evaluate(`JSON.stringify({ loss: window.__optimizerDiagnostics.model().config.loss, optimizer: window.__optimizerDiagnostics.model().config.runs[0].optimizer, step: window.__optimizerDiagnostics.ui().step, points: window.__optimizerDiagnostics.chart('convergence').data.datasets[0].data.length })`)) as string) as { loss: { name: string }; optimizer: string; step: number; points: number };
  ctx.log(`restored: ${JSON.stringify(state)}`);
  ctx.assert.deepStrictEqual([state.loss.name, state.optimizer, state.step], ['himmelblau', 'lion', 77]);
  ctx.assert.ok(state.points > 100, 'the host re-ran and re-sent the data');
}
