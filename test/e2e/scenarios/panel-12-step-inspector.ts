// Step inspector (issue 10 §4): Canyon + Adam. At step 1 and step 10 the inspector prints Adam's update
// with the numbers filled in; step 1 is checked by hand (g = ∇f(−4, 1) = (−8, 20), m = 0.1 g, v = 0.001 g²,
// bias corrections 0.1 and 0.001, denominator √v/√bc2 + ε = |g| + ε, Δθ ≈ −lr·sign(g)), step 10 against
// Adam's recurrences from the printed inputs. The card reads in the panel's column (no sideways scroll).
import type { ScenarioContext } from '../context';
import { answerQuickPick, panelWebview, waitInWebview, webviewScreenshot } from '../panelHelpers';

interface Line { symbol: string; formula: string; filled: string; value: number; recorded: number; input: boolean }
interface Inspection { step: number; paramName: string; label: string; lines: Line[]; factors: { schedule: number; biasCorrection: number; preconditioner: number; alpha: number; epsDominance: number } | null }

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
  await answerQuickPick(ctx, 'Canyon', { titleIncludes: 'choose a loss' });
  await answerQuickPick(ctx, 'Adam', { titleIncludes: 'choose an optimizer', typed: true });
  const { view, frame } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().config.runs[0].optimizer === 'adam'`);

  const at = async (step: number, param: number): Promise<Inspection> => {
    await frame.evaluate(`(() => {
      window.__optimizerDiagnostics.inspect(null, ${param});
      const s = document.getElementById('step-slider'); s.value = '${step}'; s.dispatchEvent(new Event('input', { bubbles: true }));
    })()`);
    await waitInWebview(frame, `(() => { const i = od.inspector().inspection; return i && i.step === ${step} && i.param === ${param} && document.querySelector('#step-inspector .inspector-line'); })()`, 20_000);
    return JSON.parse((await frame.evaluate(`JSON.stringify(window.__optimizerDiagnostics.inspector().inspection)`)) as string) as Inspection;
  };
  const get = (ins: Inspection, symbol: string): Line => {
    const l = ins.lines.find((x) => x.symbol === symbol);
    ctx.assert.ok(l, `step ${ins.step}: no ${symbol} line (have ${ins.lines.map((x) => x.symbol).join(', ')})`);
    return l!;
  };
  const near = (got: number, want: number, what: string, tol = 1e-12) => ctx.assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: got ${got}, want ${want}`);

  // Step 1, parameter x and y.
  for (const [param, g] of [[0, -8], [1, 20]] as const) {
    const s1 = await at(1, param);
    const lr = get(s1, 'η').value;
    ctx.log(`step 1 ${s1.paramName}: lr ${lr}, ${s1.lines.filter((l) => !l.input).map((l) => `${l.symbol}=${l.value}`).join(' ')}`);
    ctx.assert.strictEqual(get(s1, 'g').value, g);
    near(get(s1, 'm_t').value, 0.1 * g, 'm_1 = (1 − β1) g');
    near(get(s1, 'v_t').value, 0.001 * g * g, 'v_1 = (1 − β2) g²', 1e-9);
    near(get(s1, 'bias_correction1').value, 0.1, 'bias_correction1');
    near(get(s1, 'bias_correction2').value, 0.001, 'bias_correction2', 1e-12);
    near(get(s1, 'step_size').value, lr / 0.1, 'step_size = lr / bc1');
    near(get(s1, 'denom').value, Math.abs(g) + 1e-8, 'denom = √v̂ + ε', 1e-9);
    near(get(s1, 'Δθ').value, -lr * Math.sign(g), 'Δθ ≈ −lr·sign(g)', 1e-7);
    for (const l of s1.lines) if (l.recorded === l.recorded && l.recorded !== null) ctx.assert.strictEqual(l.value, l.recorded, `${l.symbol} is the recording's value`);
    near(s1.factors!.schedule * s1.factors!.biasCorrection * s1.factors!.preconditioner, s1.factors!.alpha, 'α = schedule × bias × preconditioner');
    near(s1.factors!.biasCorrection, 10, 'bias correction factor 1/(1 − β1)');
    // The printed equation, as drawn.
    const filled = (await view.frame.locator('#step-inspector li[data-symbol="m_t"] .inspector-filled').innerText()).trim();
    ctx.assert.strictEqual(filled, `0.9·0 + (1 − 0.9)·${g < 0 ? `(${g})` : g}`);
  }

  // Step 10, parameter y: Adam's recurrences hold between the printed inputs and terms.
  const s10 = await at(10, 1);
  const v = (s: string) => get(s10, s).value;
  near(v('m_t'), 0.9 * v('m_{t−1}') + 0.1 * v('g'), 'm_10 = β1 m_9 + (1 − β1) g');
  near(v('v_t'), 0.999 * v('v_{t−1}') + 0.001 * v('g') * v('g'), 'v_10 = β2 v_9 + (1 − β2) g²');
  near(v('bias_correction1'), 1 - 0.9 ** 10, 'bias_correction1 at t = 10');
  near(v('bias_correction2'), 1 - 0.999 ** 10, 'bias_correction2 at t = 10');
  near(v('denom'), Math.sqrt(v('v_t')) / Math.sqrt(v('bias_correction2')) + 1e-8, 'denom at t = 10');
  near(v('θ_t'), v('θ_{t−1}') - v('step_size') * v('m_t') / v('denom'), 'θ_10 = θ_9 − step_size·m/denom');
  near(v('g'), 20 * v('θ_{t−1}'), 'g = ∂(x² + 10y²)/∂y = 20 y at θ_9');
  ctx.assert.strictEqual(get(s10, 'Δθ').value, get(s10, 'Δθ').recorded, 'Δθ is the recording\'s');
  ctx.log(`step 10 y: ${s10.lines.filter((l) => !l.input).map((l) => `${l.symbol} = ${l.filled} = ${l.value}`).join('; ')}`);

  // Readable in the panel's column: no sideways scroll inside the card; theme colours, no inline styles.
  await measure('wide');
  // And in a narrow column (< 600 px: the panel's narrow layout).
  const original = ctx.page.viewportSize();
  await ctx.page.setViewportSize({ width: 860, height: 900 });
  try {
    await waitInWebview(frame, `document.body.classList.contains('narrow')`, 20_000);
    await measure('narrow');
  } finally {
    if (original) await ctx.page.setViewportSize(original);
  }

  async function measure(label: string): Promise<void> {
  const m = JSON.parse((await frame.evaluate(`JSON.stringify((() => {
    const b = document.getElementById('step-inspector'); b.scrollIntoView({ block: 'start' });
    return { width: innerWidth, scroll: b.scrollWidth, client: b.clientWidth, narrow: document.body.classList.contains('narrow'), styled: b.querySelectorAll('[style]').length };
  })())`)) as string) as { width: number; scroll: number; client: number; narrow: boolean; styled: number };
  ctx.log(`inspector: panel ${m.width} px wide (narrow ${m.narrow}), card scrollWidth ${m.scroll} / clientWidth ${m.client}`);
  ctx.assert.ok(m.scroll <= m.client + 1, `the inspector fits its column (scrollWidth ${m.scroll} > ${m.client})`);
  ctx.assert.strictEqual(m.styled, 0);
  await ctx.page.waitForTimeout(400);
  await webviewScreenshot(ctx, view, `inspector-${label}`);
  }
}
