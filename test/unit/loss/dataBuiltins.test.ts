// The built-in data problem overparam-logistic (README "Generalisation") and its model
// (src/core/losses/logistic.ts): loss, gradient and Hessian against hand arithmetic and finite
// differences; the problem's split, mini-batches and noise as loss files have them; the CLI runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { logisticHessian, logisticHvp, logisticLoss, type LogisticData } from '../../../src/core/losses/logistic';
import { dataBuiltin, dataBuiltinProblem, OVERPARAM_LOGISTIC } from '../../../src/loss/dataBuiltins';
import { builtinInfo, builtinProblemWith, isBuiltinLossName } from '../../../src/loss/resolve';
import { addGradientNoise, BatchSampler } from '../../../src/loss/sampler';
import { ROOT } from './fixtures';

// x = [[1, 2], [−1, 0]], s = [+1, −1]
const tiny: LogisticData = { x: Float64Array.from([1, 2, -1, 0]), s: Float64Array.from([1, -1]), rows: 2, features: 2 };
const all = Uint32Array.from([0, 1]);

test('logistic loss at θ = 0 by hand: f = log 2, ∇f = [−0.5, −0.5, 0], H = ⅛ Σ x̃x̃ᵀ', () => {
  const g = new Float64Array(3);
  const f = logisticLoss(tiny, new Float64Array(3), all, 2, g);
  assert.equal(f, Math.log(2));
  // c_r = −s_r σ(0) = ∓½: row 0 gives −½(1, 2, 1), row 1 gives +½(−1, 0, 1); mean of the sum (−1, −1, 0)
  assert.deepEqual(Array.from(g), [-0.5, -0.5, 0]);
  const h = new Float64Array(9);
  logisticHessian(tiny, new Float64Array(3), all, 2, h);
  // σ(0)(1 − σ(0)) = ¼; x̃₀x̃₀ᵀ + x̃₁x̃₁ᵀ = [[2,2,0],[2,4,2],[0,2,2]]; × ¼ / 2
  assert.deepEqual(Array.from(h), [0.25, 0.25, 0, 0.25, 0.5, 0.25, 0, 0.25, 0.25]);
});

test('away from 0: the gradient matches central differences and H·v matches the dense Hessian', () => {
  const th = Float64Array.from([0.3, -0.7, 0.2]);
  const g = new Float64Array(3);
  logisticLoss(tiny, th, all, 2, g);
  for (let i = 0; i < 3; i++) {
    const a = Float64Array.from(th);
    const b = Float64Array.from(th);
    a[i] += 1e-6;
    b[i] -= 1e-6;
    const fd = (logisticLoss(tiny, a, all, 2) - logisticLoss(tiny, b, all, 2)) / 2e-6;
    assert.ok(Math.abs(fd - g[i]!) < 1e-9, `∂f/∂θ${i}: ${g[i]} vs ${fd}`);
  }
  const h = new Float64Array(9);
  logisticHessian(tiny, th, all, 2, h);
  const v = Float64Array.from([1, -2, 0.5]);
  const hv = new Float64Array(3);
  logisticHvp(tiny, th, all, 2, v, hv);
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(hv[i]! - (h[i * 3]! * v[0]! + h[i * 3 + 1]! * v[1]! + h[i * 3 + 2]! * v[2]!)) < 1e-15);
  // the stable form for large margins: log(1 + e^(−40)) ≈ e^(−40), no overflow at −800
  assert.ok(Math.abs(logisticLoss(tiny, Float64Array.from([20, 10, 0]), Uint32Array.from([0]), 1) - Math.log1p(Math.exp(-40))) < 1e-30);
  assert.equal(logisticLoss(tiny, Float64Array.from([-400, -200, 0]), Uint32Array.from([0]), 1), 800);
});

test('overparam-logistic: 101 parameters, 60 training and 20 held-out rows, both labels; a built-in for the CLI and the panel', () => {
  assert.ok(isBuiltinLossName('overparam-logistic'));
  const info = builtinInfo('overparam-logistic');
  assert.equal(info.dim, OVERPARAM_LOGISTIC.features + 1);
  assert.equal(info.paramNames[100], 'b');
  assert.deepEqual(info.dataLayout, { rows: 80, validation: 0.25 });
  assert.ok(info.hasData && info.hasValidation && info.gradient === 'analytic');
  const b = dataBuiltin('overparam-logistic');
  assert.equal(b.train.length, 60);
  assert.equal(b.heldOut.length, 20);
  const pos = Array.from(b.data.s).filter((s) => s > 0).length;
  assert.ok(pos > 20 && pos < 60, `labels are mixed (${pos} of 80 positive)`);
  // the same data every time (seeded)
  assert.deepEqual(Array.from(dataBuiltin('overparam-logistic').data.x.subarray(0, 5)), Array.from(b.data.x.subarray(0, 5)));
});

test('overparam-logistic mini-batches and noise are the loss files\' (BatchSampler, addGradientNoise); evaluateFull and the Hessian are full-batch', () => {
  const b = dataBuiltin('overparam-logistic');
  const p = dataBuiltinProblem('overparam-logistic', { batchSize: 10, seed: 3, gradientNoise: 0.1 });
  const th = new Float64Array(101).map((_, i) => Math.sin(i) * 0.1);
  const g = new Float64Array(101);
  const f = p.evaluate(th, g, 7);
  const rows = Uint32Array.from(new BatchSampler(60, 10, 3).indices(7), (i) => b.train[i]!);
  const g2 = new Float64Array(101);
  assert.equal(f, logisticLoss(b.data, th, rows, rows.length, g2));
  addGradientNoise(g2, 0.1, 3, 7);
  assert.deepEqual(Array.from(g), Array.from(g2));
  const gf = new Float64Array(101);
  assert.equal(p.evaluateFull!(th, gf), logisticLoss(b.data, th, b.train, 60));
  assert.equal(p.validationLoss!(th), logisticLoss(b.data, th, b.heldOut, 20));
  assert.equal(p.hessianMethod, 'analytic');
  // full batch without noise: deterministic, no evaluateFull needed
  const q = builtinProblemWith('overparam-logistic');
  assert.equal(q.evaluateFull, undefined);
  assert.equal(q.evaluate(th, g, 0), logisticLoss(b.data, th, b.train, 60));
});

test('the CLI runs it with --batch-size and --endpoint (analytic, dense λ_max)', () => {
  const out = execFileSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'simulate', '--loss', 'overparam-logistic', '--optimizer', 'sgd', '--lr', '0.1', '--steps', '20', '--batch-size', '10', '--endpoint', '--json'], { encoding: 'utf8' });
  const j = JSON.parse(out) as { param_names: string[]; trajectory: { validation_loss: number[]; endpoint: { sharpness_method: string; sharpness_solver: string; gap: number } } };
  assert.equal(j.param_names.length, 101);
  assert.equal(j.trajectory.validation_loss.length, 21);
  assert.equal(j.trajectory.endpoint.sharpness_method, 'analytic');
  assert.equal(j.trajectory.endpoint.sharpness_solver, 'dense');
});
