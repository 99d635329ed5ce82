// Issue 8, items 2 and 3; issue 9 §5 (steps above the maximum). Canyon + Adam.
//  - Step counts typed at human speed (10000, 30000, 50000) never run while typed: the panel says
//    "Changed: press Run", nothing is posted, and Run then runs exactly the field's value.
//  - A large problem (250,000 steps) skips live re-runs of hyperparameter edits: "changed" state,
//    nothing runs until Run, which runs exactly the typed lr.
//  - Invalid values (lr −1, an empty field, text, steps above the maximum) are marked in their own
//    field with the reason and never run, not even with Run.
import type { ScenarioContext } from '../context';
import { answerQuickPick, fieldText, formState, panelWebview, ranOf, screenshot, seededRandom, typeLikeAPerson, waitInWebview, webviewScreenshot } from '../panelHelpers';

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
  await answerQuickPick(ctx, 'Canyon', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'Adam', { titleIncludes: 'choose an optimizer', typed: true });
  const { frame, view } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns().length === 1`);
  const rand = seededRandom(9);
  const delay = (): number => rand(100, 500);
  const note = view.frame.locator('.changed-note');

  // 1. Step counts: typed, nothing runs; Run runs exactly that.
  for (const steps of ['10000', '30000', '50000']) {
    const before = await formState(frame);
    const ranBefore = (await ranOf(frame, 'r1'))!;
    await typeLikeAPerson(ctx, view, '#steps', steps, delay);
    await ctx.page.waitForTimeout(600); // longer than the live debounce
    const after = await formState(frame);
    ctx.assert.strictEqual(after.posts, before.posts, `typing steps ${steps} posted no run`);
    ctx.assert.strictEqual((await ranOf(frame, 'r1'))!.stepsRequested, ranBefore.stepsRequested, 'nothing ran while typing');
    ctx.assert.ok(after.dirty, 'the form is marked changed');
    ctx.assert.match(await note.innerText(), /Changed: press Run/);
    ctx.assert.strictEqual(await fieldText(view, '#steps'), steps);
    if (steps === '10000') await webviewScreenshot(ctx, view, 'changed');
    await view.frame.locator('#run').click();
    await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().runs.get('r1').stepsRequested === ${steps} && !od.form().dirty`, 60_000);
    const ran = (await ranOf(frame, 'r1'))!;
    ctx.assert.deepStrictEqual([ran.stepsRequested, ran.stepsCompleted], [Number(steps), Number(steps)], `Run ran exactly ${steps} steps`);
    ctx.assert.ok(await note.isHidden(), 'no "changed" note once it ran');
    ctx.log(`steps ${steps}: nothing ran while typing; Run ran ${ran.stepsCompleted} steps`);
  }

  // 2. A large problem: live re-runs of hyperparameters are skipped; Run runs the typed value.
  await typeLikeAPerson(ctx, view, '#steps', '250000', () => 60);
  await ctx.page.keyboard.press('Enter');
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().runs.get('r1').stepsCompleted === 250000`, 90_000);
  {
    const before = await formState(frame);
    await typeLikeAPerson(ctx, view, '#hyper-lr', '0.03', delay);
    await ctx.page.waitForTimeout(600);
    const after = await formState(frame);
    ctx.assert.strictEqual(after.posts, before.posts, 'large problem: the lr edit did not re-run live');
    ctx.assert.match(await note.innerText(), /Changed: press Run \(live re-run skipped: large problem\)/);
    ctx.assert.notStrictEqual((await ranOf(frame, 'r1'))!.hyperparameters['lr'], 0.03);
    await view.frame.locator('#run').click();
    await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().runs.get('r1').hyperparameters.lr === 0.03 && od.model().runs.get('r1').stepsCompleted === 250000`, 90_000);
    ctx.log('250,000 steps: the lr edit waited for Run, which ran lr = 0.03');
  }
  await typeLikeAPerson(ctx, view, '#steps', '500', () => 60);
  await ctx.page.keyboard.press('Enter');
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().runs.get('r1').stepsCompleted === 500`, 60_000);

  // 3. Invalid values: marked in their own field with the reason; nothing runs, not even with Run.
  const lrError = view.frame.locator('.field[data-hyper="lr"] .field-error');
  const cases: { sel: string; text: string; reason: RegExp; errorOf: ReturnType<typeof view.frame.locator> }[] = [
    { sel: '#hyper-lr', text: '-1', reason: /learning rate|lr|>= ?0|at least|non-?negative/i, errorOf: lrError },
    { sel: '#hyper-lr', text: '', reason: /enter a number/, errorOf: lrError },
    { sel: '#hyper-lr', text: 'abc', reason: /"abc" is not a number/, errorOf: lrError },
    { sel: '#steps', text: '2000000', reason: /at most 1,000,000/, errorOf: view.frame.locator('.controls .field:has(#steps) .field-error') },
    { sel: '#steps', text: '0', reason: /at least 1/, errorOf: view.frame.locator('.controls .field:has(#steps) .field-error') },
  ];
  for (const c of cases) {
    const before = await formState(frame);
    const ranBefore = await ranOf(frame, 'r1');
    if (c.text === '') {
      await view.frame.locator(c.sel).locator('input').click();
      await ctx.page.keyboard.press('ControlOrMeta+a');
      await ctx.page.keyboard.press('Backspace');
    } else await typeLikeAPerson(ctx, view, c.sel, c.text, delay);
    await waitInWebview(frame, `od.form().problems.length > 0`, 5_000);
    await ctx.page.waitForTimeout(500);
    const reason = await c.errorOf.innerText();
    ctx.assert.match(reason, c.reason, `${c.sel} = ${JSON.stringify(c.text)}: the field says why (${reason})`);
    ctx.assert.strictEqual(await view.frame.locator(c.sel).getAttribute('aria-invalid'), 'true');
    ctx.assert.match(await note.innerText(), /Not run/);
    if (c.text === '-1') await webviewScreenshot(ctx, view, 'invalid-lr');
    await view.frame.locator('#run').click();
    await ctx.page.waitForTimeout(500);
    const after = await formState(frame);
    ctx.assert.strictEqual(after.posts, before.posts, `${c.sel} = ${JSON.stringify(c.text)}: nothing was posted, not even by Run`);
    ctx.assert.deepStrictEqual(await ranOf(frame, 'r1'), ranBefore, 'nothing ran');
    ctx.log(`${c.sel} = ${JSON.stringify(c.text)}: "${reason}"; not run`);
    // Back to a valid value (it runs again).
    await typeLikeAPerson(ctx, view, c.sel, c.sel === '#steps' ? '500' : '0.02', () => 80);
    await ctx.page.keyboard.press('Enter');
    await waitInWebview(frame, `od.form().problems.length === 0 && !od.form().dirty && od.model().status.phase === 'done'`, 30_000);
  }
  await screenshot(ctx, 'panel');
}
