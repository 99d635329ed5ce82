// Performance in the real VS Code: a comparison of six optimizers × 10,000 steps on the canyon.
// Measured in the webview with performance.now(): message received → the frame showing the visible
// charts has been painted (a task posted from the next animation frame, which runs after that frame's
// paint) for the batch of decimated Float64Arrays, with its phases (wait, dom, charts, table, toPaint), and the whole round trip Run → host → worker → decimation → postMessage
// → paint (an edit of `steps` + Enter). Printed in the log (no pass/fail threshold besides sanity), plus the point counts drawn.
import type { ScenarioContext } from '../context';
import { answerMultiPick, answerQuickPick, panelWebview, waitInWebview } from '../panelHelpers';

interface Perf { runPostedAt: number; renders: { cause: string; received: number; painted: number; points: number; syncMs: number; phases?: Record<string, number> }[]; messages: { type: string; at: number }[] }

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Compare Optimizers');
  await answerQuickPick(ctx, 'Canyon', { titleIncludes: 'choose a loss' });
  await answerMultiPick(ctx, ['SGD', 'RMSprop', 'Adam', 'AdamW', 'NAdam', 'Lion'], 'optimizers to compare');
  const { frame, view } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns().length === 6`);

  const samples: { paint: number; roundTrip: number; points: number }[] = [];
  for (let k = 0; k < 5; k++) {
    const steps = k % 2 ? '10000' : '10001'; // a new value each time: each is a real re-run
    await view.frame.locator('#steps').locator('input').fill(steps).catch(async () => {
      await view.frame.locator('#steps').click();
      await ctx.page.keyboard.press('ControlOrMeta+a');
      await ctx.page.keyboard.type(steps);
    });
    // Steps apply on Enter (a step count is not re-run while typed); the round trip counts from the post.
    await view.frame.locator('#steps').locator('input').press('Enter');
    await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().config.steps === ${steps} && od.model().orderedRuns().every((r) => r.stepsCompleted === ${steps}) && od.perf().renders.some((r) => r.received > od.perf().runPostedAt && r.cause === 'run/didFinish')`, 60_000);
    await ctx.page.waitForTimeout(300);
    const p = (await frame.evaluate('window.__optimizerDiagnostics.perf()')) as Perf;
    const after = p.renders.filter((r) => r.received > p.runPostedAt);
    const last = after[after.length - 1]!;
    const biggest = after.reduce((a, r) => (r.points > a.points ? r : a), after[0]!);
    if (k === samples.length && k === 1) ctx.log(`timeline after Run (ms): ${p.messages.filter((m) => m.at > p.runPostedAt).map((m) => `${m.type}@${(m.at - p.runPostedAt).toFixed(0)}`).join(' ')} | renders ${after.map((r) => `${r.cause}@${(r.received - p.runPostedAt).toFixed(0)}→${(r.painted - p.runPostedAt).toFixed(0)} (sync ${r.syncMs.toFixed(0)})`).join(' ')}`);
    samples.push({ paint: biggest.painted - biggest.received, roundTrip: last.painted - p.runPostedAt, points: biggest.points });
    if (biggest.phases) ctx.log(`  paint ${(biggest.painted - biggest.received).toFixed(1)} ms: ${Object.entries(biggest.phases).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  ctx.log(`6 runs × 10,000 steps: webview paint of the finished batch (message → frame) median ${med(samples.map((s) => s.paint)).toFixed(1)} ms ` +
    `[${samples.map((s) => s.paint.toFixed(0)).join(', ')}], ${samples[0]!.points} points drawn; ` +
    `Run click → host → worker → decimate → post → paint median ${med(samples.map((s) => s.roundTrip)).toFixed(1)} ms [${samples.map((s) => s.roundTrip.toFixed(0)).join(', ')}]`);
  ctx.assert.ok(samples.every((s) => s.points > 6 * 2 * 1000 && s.points < 6 * 30 * 1100), `decimated to about the chart width: ${samples[0]!.points} points`);
}
