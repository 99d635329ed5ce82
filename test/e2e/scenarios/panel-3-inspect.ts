// Inspect Effective Step Sizes with no panel open: asks for a loss and an optimizer — a workspace
// loss file (examples/rosenbrock-with-grad.loss.ts, run by the simulation worker) and RMSprop — opens
// the panel and reveals the effective-learning-rate view (focused, first, scrolled into view) with the
// per-parameter table at the slider's step.
import type { ScenarioContext } from '../context';
import { answerQuickPick, panelWebview, readCharts, screenshot, waitInWebview } from '../panelHelpers';

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Inspect Effective Step Sizes');
  await answerQuickPick(ctx, 'rosenbrock-with-grad.loss.ts', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'RMSprop', { titleIncludes: 'choose an optimizer' });
  const { frame, view } = await panelWebview(ctx);
  ctx.assert.match(await frame.evaluate(`JSON.stringify(window.__optimizerDiagnostics.model().config.loss)`) as string, /rosenbrock-with-grad\.loss\.ts/);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.ui().focus === 'effectiveLr' && od.chart('effectiveLr').data.datasets.length === 2`);
  const card = view.frame.locator('#card-effectiveLr');
  ctx.assert.match((await card.getAttribute('class')) ?? '', /focused/);
  const box = (await frame.evaluate(`JSON.stringify(document.getElementById('card-effectiveLr').getBoundingClientRect())`)) as string;
  const { top } = JSON.parse(box) as { top: number };
  ctx.assert.ok(top < 250, `the effective-LR card is scrolled into view (top ${top})`);
  const charts = await readCharts(frame);
  const [x, y] = ['x', 'y'].map((p) => charts['effectiveLr']!.datasets.find((d) => d.label === p)!);
  ctx.assert.ok(x && y);
  const differs = x!.y.some((v, i) => Number.isFinite(v) && Number.isFinite(y!.y[i]!) && Math.abs(Math.log10(v / y!.y[i]!)) > 0.3);
  ctx.assert.ok(differs, 'RMSprop gives x and y different effective learning rates on Rosenbrock');
  const rows = await view.frame.locator('.step-table tbody tr').count();
  ctx.assert.strictEqual(rows, 2);
  const header = await view.frame.locator('.step-table thead').innerText();
  ctx.assert.match(header, /square_avg/);
  await ctx.page.waitForTimeout(300);
  await screenshot(ctx, 'panel');
}
