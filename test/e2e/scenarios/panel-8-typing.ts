// Issue 8, item 1: typing is never corrupted by live re-runs. Canyon + Adam (live re-runs on), 50
// trials in one panel: a value is typed into lr, betas[0] or steps with real key presses at a random
// 100–500 ms per key (steps then Enter: a step count applies on Enter), and after the run settles the
// field text, the hyperparameters the host ran (the series the webview received) and the run chip
// must all say the same value. The old toolbar re-rendered while a field had focus: "0.02" became
// "02" (lr = 2), "300" became "00".
import type { ScenarioContext } from '../context';
import { answerQuickPick, fieldText, formState, panelWebview, ranOf, screenshot, seededRandom, typeLikeAPerson, waitInWebview } from '../panelHelpers';

const LR = ['0.02', '0.5', '0.1', '.05', '0.3', '2e-2', '0.2'];
const BETA1 = ['0.8', '0.95', '.9', '0.7'];
const STEPS = ['300', '80', '120', '450'];

/** The panel's number format for these values (src/protocol/format.ts formatNumber: plain decimals ≥ 0.01, 3 significant digits). */
function formatHyperValue(v: number | readonly number[]): string {
  const f = (x: number): string => String(Number(x.toPrecision(3)));
  return Array.isArray(v) ? `(${v.map(f).join(', ')})` : f(v as number);
}

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
  await answerQuickPick(ctx, 'Canyon', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'Adam', { titleIncludes: 'choose an optimizer', typed: true });
  const { frame, view } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns().length === 1`);
  ctx.assert.ok(await frame.evaluate(`window.__optimizerDiagnostics.model().settings.liveUpdate`), 'live re-runs are on');
  const rand = seededRandom(8);
  const delays: number[] = [];
  const delay = (): number => {
    const d = rand(100, 500);
    delays.push(d);
    return d;
  };
  const t0 = Date.now();
  const failures: string[] = [];
  for (let trial = 0; trial < 50; trial++) {
    const kind = trial % 3 === 0 ? 'lr' : trial % 3 === 1 ? 'beta1' : 'steps';
    const list = kind === 'lr' ? LR : kind === 'beta1' ? BETA1 : STEPS;
    // A value different from the current one (so each trial really re-runs).
    const ran0 = await ranOf(frame, 'r1');
    let text = list[rand(0, list.length - 1)]!;
    const cur = kind === 'lr' ? ran0?.hyperparameters['lr'] : kind === 'beta1' ? (ran0?.hyperparameters['betas'] as number[] | undefined)?.[0] : ran0?.stepsRequested;
    if (Number(text) === cur) text = list[(list.indexOf(text) + 1) % list.length]!;
    const want = Number(text);
    const sel = kind === 'lr' ? '#hyper-lr' : kind === 'beta1' ? '#hyper-betas-0' : '#steps';
    await typeLikeAPerson(ctx, view, sel, text, delay);
    if (kind === 'steps') await ctx.page.keyboard.press('Enter');
    // Settled: the host ran exactly the draft, and nothing is pending.
    const ranCond = kind === 'lr' ? `r.hyperparameters.lr === ${want}` : kind === 'beta1' ? `r.hyperparameters.betas[0] === ${want}` : `r.stepsRequested === ${want} && r.stepsCompleted === ${want}`;
    try {
      await waitInWebview(frame, `(() => { const r = od.model().runs.get('r1'); const f = od.form(); return od.model().status.phase === 'done' && r && ${ranCond} && !f.dirty && f.problems.length === 0; })()`, 6_000);
    } catch {
      const f = await formState(frame);
      failures.push(`trial ${trial}: typed ${JSON.stringify(text)} into ${sel}; field shows ${JSON.stringify(await fieldText(view, sel))}; ran ${JSON.stringify(await ranOf(frame, 'r1'))}; draft ${JSON.stringify(f.draft?.runs[0]?.hyperparameters)} steps ${f.draft?.steps}`);
      continue;
    }
    await ctx.page.waitForTimeout(100);
    const shown = await fieldText(view, sel);
    const ran = (await ranOf(frame, 'r1'))!;
    const form = await formState(frame);
    const chip = view.frame.locator('.run-chip[data-run-id="r1"]');
    const chipText = (await chip.innerText()).replace(/\s+/g, ' ');
    const chipTitle = (await chip.getAttribute('title')) ?? '';
    const ranValue = kind === 'lr' ? ran.hyperparameters['lr'] : kind === 'beta1' ? (ran.hyperparameters['betas'] as number[])[0] : ran.stepsRequested;
    const draftValue = kind === 'lr' ? form.draft!.runs[0]!.hyperparameters['lr'] : kind === 'beta1' ? (form.draft!.runs[0]!.hyperparameters['betas'] as number[])[0] : form.draft!.steps;
    // The chip shows what ran, formatted as the panel formats numbers.
    const chipOk = kind === 'lr' ? chipText.includes(`lr=${formatHyperValue(want)}`)
      : kind === 'beta1' ? chipTitle.includes(`betas=${formatHyperValue([want, 0.999])}`)
      : chipText.includes(`${want} steps`);
    if (shown !== text || ranValue !== want || draftValue !== want || !chipOk) {
      failures.push(`trial ${trial}: typed ${JSON.stringify(text)} into ${sel}; field shows ${JSON.stringify(shown)}; ran ${ranValue}; draft ${draftValue}; chip "${chipText}" title "${chipTitle.replace(/\n/g, ' / ')}"`);
    }
  }
  const secs = (Date.now() - t0) / 1000;
  ctx.log(`50 trials in ${secs.toFixed(0)} s, ${delays.length} keys at ${Math.min(...delays)}–${Math.max(...delays)} ms per key (mean ${(delays.reduce((a, b) => a + b, 0) / delays.length).toFixed(0)} ms); ${failures.length} disagreements`);
  await screenshot(ctx, 'after-50-trials');
  ctx.assert.deepStrictEqual(failures, [], `field, run and chip disagree:\n${failures.join('\n')}`);
}

