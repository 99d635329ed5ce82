// The step inspector's content (src/protocol/inspector.ts): for every optimizer the printed equations carry
// the recording's numbers (g, state, bias corrections, denominator, step size, Δθ), checked against the
// recording; Adam on the canyon is also checked by hand.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_LOSSES, builtinProblem, createOptimizer, OPTIMIZER_NAMES, simulate, type HyperValue } from '../../../src/core';
import { formatNumber } from '../../../src/protocol/format';
import { buildStepInspection, INSPECTOR_DIGITS } from '../../../src/protocol/inspector';
import type { StepInspection } from '../../../src/protocol/messages';
import type { RecordingColumns } from '../../../src/protocol/simulation';

function columns(name: string, hp: Record<string, HyperValue>, steps: number, budget?: number): RecordingColumns {
  const b = BUILTIN_LOSSES['canyon']!;
  const opt = createOptimizer(name, hp);
  const r = simulate({ problem: builtinProblem(b), optimizer: opt, start: Float64Array.from(b.start), steps, ...(budget ? { recordBudgetBytes: budget } : {}) });
  const map = (o: Readonly<Record<string, Float64Array>>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.slice()]));
  return {
    runId: 'r1', optimizer: opt.name, hyperparameters: opt.hyperparameters, dim: 2, stepsRequested: steps, stepsCompleted: r.stepsCompleted,
    diverged: r.diverged, stopReason: r.stopReason, params: r.params.slice(), loss: r.loss.slice(), grad: r.grad.slice(), validationLoss: null,
    update: r.update.slice(), direction: r.direction.slice(), effectiveLr: r.effectiveLr.slice(), lr: r.lr.slice(),
    state: map(r.state), scalarState: map(r.scalarState), extra: map(r.extra), elapsedMs: 1,
    ...(r.sampling ? { sampling: r.sampling } : {}),
  };
}

const line = (ins: StepInspection, symbol: string) => {
  const l = ins.lines.find((x) => x.symbol === symbol);
  assert.ok(l, `no line ${symbol} in ${ins.lines.map((x) => x.symbol).join(', ')}`);
  return l;
};
const printed = (v: number) => (v < 0 ? `(${formatNumber(v, INSPECTOR_DIGITS)})` : formatNumber(v, INSPECTOR_DIGITS));

test('Adam on the canyon, step 1, by hand: g = (−8, 20), m = 0.1 g, v = 0.001 g², step size 1, Δθ ≈ −lr·sign(g)', () => {
  const rec = columns('adam', { lr: 0.1 }, 10);
  const x = buildStepInspection(rec, 'Adam lr=0.1', ['x', 'y'], 1, 0);
  assert.equal(x.step, 1);
  assert.equal(x.note, null);
  assert.equal(line(x, 'g').value, -8);
  assert.equal(line(x, 'm_t').value, (1 - 0.9) * -8);
  assert.equal(line(x, 'v_t').value, (1 - 0.999) * 64);
  assert.equal(line(x, 'bias_correction1').value, 1 - 0.9);
  assert.equal(line(x, 'bias_correction2').value, 1 - 0.999);
  assert.equal(line(x, 'step_size').value, 0.1 / (1 - 0.9));
  // √v / √bc2 = √0.064 / √0.001 = 8 (to rounding), + ε.
  assert.ok(Math.abs(line(x, 'denom').value! - (8 + 1e-8)) < 1e-12);
  assert.ok(Math.abs(line(x, 'Δθ').value! - 0.1) < 1e-9);
  assert.equal(line(x, 'Δθ').recorded, rec.update[0]);
  // The printed equation: m_t = β1·m_{t−1} + (1 − β1)·g with the numbers.
  assert.equal(line(x, 'm_t').formula, 'β1·m_{t−1} + (1 − β1)·g');
  assert.equal(line(x, 'm_t').filled, '0.9·0 + (1 − 0.9)·(-8)');
  assert.equal(line(x, 'step_size').filled, '0.1 / 0.1');
  // Factors: lr × 1/(1 − β1) × 1/(√v̂ + ε) on m; no coordinate ε-dominated.
  assert.equal(x.factors!.schedule, 0.1);
  assert.ok(Math.abs(x.factors!.biasCorrection - 10) < 1e-12);
  assert.ok(Math.abs(x.factors!.preconditioner - 1 / (8 + 1e-8)) < 1e-15);
  assert.equal(x.factors!.epsDominance, 0);
  // Step 10 (y): the numbers are the recording's row 9.
  const y10 = buildStepInspection(rec, 'Adam lr=0.1', ['x', 'y'], 10, 1);
  assert.equal(y10.step, 10);
  assert.equal(line(y10, 'm_t').value, rec.state['exp_avg']![9 * 2 + 1]);
  assert.equal(line(y10, 'v_t').value, rec.state['exp_avg_sq']![9 * 2 + 1]);
  assert.equal(line(y10, 'bias_correction1').value, 1 - 0.9 ** 10);
  assert.equal(line(y10, 'Δθ').value, rec.update[9 * 2 + 1]);
  assert.equal(line(y10, 'θ_t').value, rec.params[10 * 2 + 1]);
});

for (const name of OPTIMIZER_NAMES) {
  test(`step inspector, ${name}: every printed number is the recording's, at the first, a middle and the last step`, () => {
    const hp: Record<string, HyperValue> = name === 'sgd' ? { lr: 0.05, momentum: 0.9 } : name === 'adadelta' ? { lr: 1 } : { lr: 0.01 };
    const rec = columns(name, hp, 20);
    assert.equal(rec.stepsCompleted, 20);
    for (const step of [1, 7, 20]) {
      for (const p of [0, 1]) {
        const ins = buildStepInspection(rec, name, ['x', 'y'], step, p);
        assert.equal(ins.step, step);
        assert.equal(ins.paramName, p ? 'y' : 'x');
        assert.ok(ins.lines.length >= 7);
        const k = (step - 1) * 2 + p;
        assert.equal(line(ins, '∇f').value, rec.grad[k]);
        assert.equal(line(ins, 'θ_{t−1}').value, rec.params[k]);
        assert.equal(line(ins, 'θ_t').value, rec.params[k + 2]);
        assert.equal(line(ins, 'Δθ').value, rec.update[k]);
        assert.equal(line(ins, 'α').value, rec.effectiveLr[k]);
        for (const l of ins.lines) {
          if (l.recorded !== null) assert.equal(l.value, l.recorded, `${name} step ${step}: ${l.symbol} = ${l.formula}`);
          // Each state the optimizer keeps is printed with the recorded value after the step.
          if (l.name && rec.state[l.name] && !l.input) assert.equal(l.value, rec.state[l.name]![k], `${name}: ${l.name}`);
          if (!l.input) assert.ok(!l.filled.includes('{') && l.filled.length > 0, `${name}: unrendered reference in ${l.symbol} = ${l.filled}`);
        }
        // The Δθ line prints θ_t and θ_{t−1} as the recording has them.
        assert.equal(line(ins, 'Δθ').filled, `${printed(rec.params[k + 2]!)} − ${printed(rec.params[k]!)}`);
        // The factors multiply to α on the raw direction: α·u = effectiveLr·d.
        const f = ins.factors!;
        assert.ok(Math.abs(f.alpha * f.rawDirection - rec.effectiveLr[k]! * rec.direction[k]!) <= 1e-12 * Math.abs(rec.effectiveLr[k]! * rec.direction[k]!) + 1e-300);
      }
    }
  });
}

test('step inspector: step 0 shows step 1, a step past the end the last step, and a downsampled run the nearest recorded step', () => {
  const rec = columns('adam', { lr: 0.05 }, 30);
  assert.match(buildStepInspection(rec, 'a', ['x', 'y'], 0, 0).note ?? '', /start point: showing step 1/);
  assert.equal(buildStepInspection(rec, 'a', ['x', 'y'], 0, 0).step, 1);
  assert.equal(buildStepInspection(rec, 'a', ['x', 'y'], 99, 0).step, 30);
  assert.match(buildStepInspection(rec, 'a', ['x', 'y'], 1, 5).note ?? '', /out of range/);
  // 2,000 steps in a budget of ~200 rows: step 1,500 is not kept; the nearest earlier kept row is shown,
  // and where the row before it is not the step before, the inputs that need it are NaN (printed —).
  const row = 8 * (2 * 2 + 3 + 2 + 2 + 2) + 8 * 3;
  const ds = columns('adam', { lr: 0.05 }, 2000, row * 200);
  assert.ok(ds.sampling, 'downsampled');
  const ins = buildStepInspection(ds, 'a', ['x', 'y'], 1500, 0);
  assert.ok(ins.step <= 1500 && ins.step > 1000, `shown ${ins.step}`);
  if (ins.step !== 1500) assert.match(ins.note ?? '', /not recorded/);
  for (const l of ins.lines) if (l.recorded !== null && l.value !== null) assert.equal(l.value, l.recorded, l.symbol);
});
