// Issue 11 §6 and §5 in the panel: on a loss file with data (examples/linear-regression.loss.ts, 20 % held
// out) the controls row has seed, batch size, gradient noise σ, the gradient mode and the file's validation
// split; values typed with real keystrokes run exactly what they say (the run's config), an invalid σ is
// marked in its own field and never runs, the numeric gradient mode runs, and the values card shows each
// run's end point (train/held-out gap, λ_max with its method, ε-flatness). On a built-in only σ and seed
// apply: batch size, gradient mode and validation are not shown.
import type { ScenarioContext } from '../context';
import { answerQuickPick, fieldText, formState, panelWebview, seededRandom, typeLikeAPerson, waitInWebview, webviewScreenshot } from '../panelHelpers';

interface Ran {
  config: { seed: number; batchSize?: number; gradientNoise?: number; gradientMode?: string };
  gradient: string | null;
  endpoint: { train_loss: number; heldout_loss: number | null; gap: number | null; sharpness: number | null; sharpness_method: string | null; flatness: number; seed: number } | null;
  table: string[][];
}

async function ran(frame: import('playwright-core').Frame): Promise<Ran> {
  return JSON.parse((await frame.evaluate(`(() => {
    const m = window.__optimizerDiagnostics.model();
    const r = m.orderedRuns()[0];
    const rows = [...document.querySelectorAll('.endpoint-table tr')].map((tr) => [...tr.children].map((c) => c.textContent));
    return JSON.stringify({ config: m.config, gradient: m.loss ? m.loss.gradient : null, endpoint: r && r.endpoint ? r.endpoint : null, table: rows });
  })()`)) as string) as Ran;
}

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
  await answerQuickPick(ctx, 'linear-regression.loss.ts', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'SGD', { titleIncludes: 'choose an optimizer', typed: true });
  const { frame, view } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns().length === 1 && od.model().loss && od.model().loss.hasData`, 90_000);
  const rand = seededRandom(14);
  const delay = (): number => rand(80, 300);

  // 1. The fields a data loss has: seed, batch, σ, gradient mode, and its validation split.
  for (const sel of ['#seed', '#batch', '#noise', '#gradient-mode', '#validation-info']) ctx.assert.strictEqual(await view.frame.locator(sel).count(), 1, `${sel} shown for a data loss`);
  const split = await view.frame.locator('#validation-info').innerText();
  ctx.log(`validation: ${split}`);
  ctx.assert.match(split, /20 % held out · \d+ train \/ \d+ validation rows/);
  const first = await ran(frame);
  ctx.assert.ok(first.endpoint, 'the first run has an end point');
  ctx.assert.ok(first.table.length === 2 && first.table[0]!.includes('gap') && first.table[0]!.includes('λ_max(H)') && first.table[0]!.includes('ε-flatness'), `end-point table ${JSON.stringify(first.table)}`);

  // 2. Typed with real keystrokes: batch 8, seed 7, σ 0.3; nothing runs until Run, then exactly that.
  const before = await formState(frame);
  await typeLikeAPerson(ctx, view, '#batch', '8', delay);
  await typeLikeAPerson(ctx, view, '#seed', '7', delay);
  await typeLikeAPerson(ctx, view, '#noise', '0.3', delay);
  await ctx.page.waitForTimeout(600);
  ctx.assert.strictEqual((await formState(frame)).posts, before.posts, 'typing batch/seed/σ ran nothing');
  ctx.assert.strictEqual(await fieldText(view, '#noise'), '0.3');
  await webviewScreenshot(ctx, view, 'typed');
  await view.frame.locator('#run').click();
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().config.gradientNoise === 0.3 && od.model().config.batchSize === 8 && od.model().config.seed === 7 && !od.form().dirty`, 60_000);
  const noisy = await ran(frame);
  ctx.log(`ran: ${JSON.stringify(noisy.config).slice(0, 300)}`);
  ctx.log(`end point: ${JSON.stringify(noisy.endpoint)}`);
  ctx.log(`table: ${JSON.stringify(noisy.table)}`);
  ctx.assert.strictEqual(noisy.endpoint!.seed, 7, 'the flatness directions follow the seed field');
  ctx.assert.strictEqual(noisy.endpoint!.sharpness_method, 'autodiff');
  ctx.assert.ok(noisy.endpoint!.gap !== null && Math.abs(noisy.endpoint!.gap - (noisy.endpoint!.heldout_loss! - noisy.endpoint!.train_loss)) === 0);
  ctx.assert.notStrictEqual(noisy.endpoint!.train_loss, first.endpoint!.train_loss, 'a different run');
  ctx.assert.ok(noisy.table[1]!.some((c) => /autodiff, dense/.test(c)), 'the method is labelled');
  await view.frame.locator('#card-stepValues').scrollIntoViewIfNeeded();
  await webviewScreenshot(ctx, view, 'endpoint-table');

  // 3. An invalid σ: marked in its own field with the reason; nothing runs, not even with Run.
  const noiseError = view.frame.locator('.controls .field:has(#noise) .field-error');
  for (const [text, reason] of [['-1', /at least 0/], ['abc', /"abc" is not a number/]] as const) {
    const b = await formState(frame);
    await typeLikeAPerson(ctx, view, '#noise', text, delay);
    await waitInWebview(frame, `od.form().problems.length > 0`, 5_000);
    ctx.assert.match(await noiseError.innerText(), reason);
    await view.frame.locator('#run').click();
    await ctx.page.waitForTimeout(500);
    ctx.assert.strictEqual((await formState(frame)).posts, b.posts, `σ "${text}" never ran`);
    ctx.assert.strictEqual((await ran(frame)).config.gradientNoise, 0.3, 'the last good run stays');
    ctx.log(`σ "${text}": ${await noiseError.innerText()}`);
  }
  await webviewScreenshot(ctx, view, 'noise-invalid');
  await typeLikeAPerson(ctx, view, '#noise', '0', delay);
  await view.frame.locator('#run').click();
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().config.gradientNoise === undefined && !od.form().dirty`, 60_000);

  // 4. The gradient mode: numeric runs, and the loss header says so.
  await view.frame.locator('#gradient-mode').scrollIntoViewIfNeeded();
  await view.frame.locator('#gradient-mode').click();
  await view.frame.locator('#gradient-mode vscode-option[value="numeric"]').click();
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().config.gradientMode === 'numeric' && od.model().loss.gradient === 'numeric'`, 60_000);
  ctx.assert.match(await view.frame.locator('.loss-meta').innerText(), /gradient: numeric/);
  const numeric = await ran(frame);
  ctx.log(`numeric: end point ${JSON.stringify(numeric.endpoint)}`);
  await webviewScreenshot(ctx, view, 'numeric');

  // 5. A built-in: σ and seed apply; batch size, gradient mode and validation are not shown.
  await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
  await answerQuickPick(ctx, 'Canyon', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'Adam', { titleIncludes: 'choose an optimizer', typed: true });
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().config.loss.kind === 'builtin' && od.model().loss && !od.model().loss.hasData`, 60_000);
  for (const sel of ['#batch', '#gradient-mode', '#validation-info']) ctx.assert.strictEqual(await view.frame.locator(sel).count(), 0, `${sel} not shown for a built-in`);
  for (const sel of ['#seed', '#noise']) ctx.assert.strictEqual(await view.frame.locator(sel).count(), 1, `${sel} shown for a built-in`);
  const canyon = await ran(frame);
  ctx.assert.strictEqual(canyon.endpoint!.sharpness_method, 'analytic');
  ctx.assert.ok(!canyon.table[0]!.includes('gap'), 'no held-out column without validation data');
  await webviewScreenshot(ctx, view, 'builtin');

  // 6. The built-in data problem from the loss picker: batch and validation shown, no gradient mode; the end
  //    point has a held-out gap and an analytic λ_max.
  await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
  await answerQuickPick(ctx, 'Over-parameterised logistic regression', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'SGD', { titleIncludes: 'choose an optimizer', typed: true });
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().config.loss.kind === 'builtin' && od.model().loss && od.model().loss.dim === 101 && od.model().orderedRuns().length === 1`, 90_000);
  for (const sel of ['#batch', '#validation-info', '#noise', '#seed']) ctx.assert.strictEqual(await view.frame.locator(sel).count(), 1, `${sel} shown for the data problem`);
  ctx.assert.strictEqual(await view.frame.locator('#gradient-mode').count(), 0, 'no gradient mode for a built-in');
  ctx.assert.match(await view.frame.locator('#validation-info').innerText(), /25 % held out · 60 train \/ 20 validation rows/);
  await typeLikeAPerson(ctx, view, '#batch', '10', delay);
  await ctx.page.keyboard.press('Enter');
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().config.batchSize === 10 && od.model().orderedRuns()[0].endpoint`, 90_000);
  const data = await ran(frame);
  ctx.log(`overparam-logistic, SGD, batch 10: ${JSON.stringify(data.table)}`);
  ctx.assert.strictEqual(data.endpoint!.sharpness_method, 'analytic');
  ctx.assert.ok(data.endpoint!.gap !== null && data.table[0]!.includes('gap'));
  await webviewScreenshot(ctx, view, 'data-problem');
  await view.frame.locator('#card-stepValues').scrollIntoViewIfNeeded();
  await webviewScreenshot(ctx, view, 'data-problem-endpoint');
}
