// The panel's curvature views (README "Curvature and stability", panel): the linear rates against hand
// arithmetic, the rate is 1 exactly at each family's stability threshold, the canyon's eigen-decomposition
// under GD equals the linear theory, non-quadratics are refused, and the panel series carry the CLI's numbers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_LOSSES, builtinProblem, createOptimizer, simulate, type HyperValue } from '../../../src/core';
import { computeCurvature, curvatureViews, linearRate, spectralRadius2, stabilityThreshold } from '../../../src/core/curvature';
import { alphaHistogram, buildCurvaturePanel, panelCurvatureEvery, ALPHA_HIST_BIN, ALPHA_HIST_MIN } from '../../../src/protocol/curvatureSeries';
import type { RecordingColumns } from '../../../src/protocol/simulation';

const close = (a: number, b: number, rtol = 1e-12, msg = '') => assert.ok(Math.abs(a - b) <= rtol * Math.max(1, Math.abs(b)), `${msg} ${a} vs ${b}`);

describe('linear rates (hand arithmetic)', () => {
  test('spectral radius of 2×2 matrices', () => {
    // [[2, 0], [0, −3]]: real roots 2 and −3
    close(spectralRadius2(2, 0, 0, -3), 3);
    // rotation by 90° scaled by ½: complex pair ±i/2
    close(spectralRadius2(0, -0.5, 0.5, 0), 0.5);
  });
  test('GD: |1 − ηλ|', () => {
    const gd = createOptimizer('sgd', { lr: 0.09 });
    close(linearRate(gd, 0.09, 20).value!, 0.8); // |1 − 1.8|
    close(linearRate(gd, 0.09, 2).value!, 0.82); // |1 − 0.18|
    close(linearRate(gd, 0.11, 20).value!, 1.2); // |1 − 2.2|: grows
    const wd = createOptimizer('sgd', { lr: 0.1, weight_decay: 0.5 });
    close(linearRate(wd, 0.1, 2).value!, 0.75); // λ' = 2.5
  });
  test('heavy ball β = 0.9, η = 0.01', () => {
    const hb = createOptimizer('sgd', { lr: 0.01, momentum: 0.9 });
    // λ = 20: tr = 1 − 0.2 + 0.9 = 1.7, det = 0.9, tr² < 3.6: complex, ρ = √0.9
    close(linearRate(hb, 0.01, 20).value!, Math.sqrt(0.9));
    // λ = 0.1: tr = 1.899, tr² − 3.6 = 0.006201, ρ = (1.899 + √0.006201)/2
    close(linearRate(hb, 0.01, 0.1).value!, (1.899 + Math.sqrt(0.006201)) / 2);
  });
  test('Nesterov β = 0.5, η = 0.1, λ = 2', () => {
    const n = createOptimizer('sgd', { lr: 0.1, momentum: 0.5, nesterov: true });
    // M = [[1 − 0.1·1.5·2, −0.1·0.25], [2, 0.5]] = [[0.7, −0.025], [2, 0.5]]: tr 1.2, det 0.35 + 0.05 = 0.4; tr² = 1.44 < 1.6 → √0.4
    close(linearRate(n, 0.1, 2).value!, Math.sqrt(0.4));
  });
  test('ρ = 1 exactly at the stability threshold (GD, heavy ball with dampening, Nesterov)', () => {
    const cases: Record<string, HyperValue>[] = [{}, { momentum: 0.9 }, { momentum: 0.6, dampening: 0.3 }, { momentum: 0.9, nesterov: true }];
    for (const hp of cases) {
      const o = createOptimizer('sgd', { lr: 0.05, ...hp });
      const thr = stabilityThreshold(o, 0.05, 1).value!;
      close(linearRate(o, 0.05, thr).value!, 1, 1e-9, JSON.stringify(hp));
      assert.ok(linearRate(o, 0.05, thr * 0.98).value! < 1);
      assert.ok(linearRate(o, 0.05, thr * 1.02).value! > 1);
    }
  });
  test('adaptive and sign optimizers have none, with a reason', () => {
    for (const name of ['adam', 'rmsprop', 'signsgd'] as const) {
      const r = linearRate(createOptimizer(name, {}), 0.01, 1);
      assert.equal(r.value, null);
      assert.ok(r.reason && r.reason.length > 20);
    }
  });
});

function canyonRun(lr: number, hp: Record<string, HyperValue> = {}, steps = 60, loss = 'canyon') {
  const b = BUILTIN_LOSSES[loss]!;
  const problem = builtinProblem(b);
  const optimizer = createOptimizer('sgd', { lr, ...hp });
  const rec = simulate({ problem, optimizer, start: Float64Array.from(b.start), steps });
  return { problem, optimizer, rec };
}

describe('curvature views', () => {
  test('canyon under GD: θ* = 0, λ = 20, 2; |c_i(t)| = |c_i(0)| |1 − ηλ_i|ᵗ exactly', () => {
    const { problem, optimizer, rec } = canyonRun(0.09);
    const v = curvatureViews(problem, optimizer, rec);
    const m = v.modes!;
    assert.deepEqual(Array.from(m.lambdas), [20, 2]);
    assert.deepEqual(Array.from(m.thetaStar).map((x) => Math.abs(x) < 1e-15 ? 0 : x), [0, 0]);
    assert.equal(m.rateFormula, '|1 − ηλ|');
    close(m.rates[0]!, 0.8);
    close(m.rates[1]!, 0.82);
    // start (−4, 1): along q = e_y the error is 1, along e_x it is 4
    close(m.components[0]!, 1);
    close(m.components[1]!, 4);
    for (const t of [1, 10, 60]) {
      close(m.components[t * 2]!, 0.8 ** t, 1e-10);
      close(m.components[t * 2 + 1]!, 4 * 0.82 ** t, 1e-10);
      close(m.predicted[t * 2]!, 0.8 ** t, 1e-10);
    }
    // 2-D eigen-directions: λ₁ = 20 along e_y
    const d = v.directions!.values;
    assert.deepEqual([d[0], d[1], Math.abs(d[2]!), Math.abs(d[3]!)], [20, 2, 0, 1]);
  });
  test('Booth (off-diagonal constant Hessian): eigenvalues 18, 2; θ* = (1, 3)', () => {
    const { problem, optimizer, rec } = canyonRun(0.05, {}, 30, 'booth');
    const m = curvatureViews(problem, optimizer, rec).modes!;
    close(m.lambdas[0]!, 18);
    close(m.lambdas[1]!, 2);
    close(m.thetaStar[0]!, 1, 1e-12);
    close(m.thetaStar[1]!, 3, 1e-12);
    const v = curvatureViews(problem, optimizer, rec).directions!.values;
    close(Math.abs(v[2]!), Math.SQRT1_2, 1e-12); // q₁ = (1, 1)/√2
  });
  test('saddle x² − y²: constant Hessian with λ₂ = −2 < 0; θ* = 0 is a saddle; GD grows along q₂ by |1 + 2η|', () => {
    const { problem, optimizer, rec } = canyonRun(0.1, {}, 10, 'saddle');
    const m = curvatureViews(problem, optimizer, rec).modes!;
    assert.deepEqual(Array.from(m.lambdas), [2, -2]);
    close(m.rates[1]!, 1.2);
    close(m.components[10 * 2 + 1]!, m.components[1]! * 1.2 ** 10, 1e-10);
  });
  test('Rosenbrock is not a quadratic: no modes, a note', () => {
    const { problem, optimizer, rec } = canyonRun(0.001, {}, 20, 'rosenbrock');
    const v = curvatureViews(problem, optimizer, rec);
    assert.equal(v.modes, undefined);
    assert.match(v.modesNote!, /not constant/);
  });
});

describe('panel series (src/protocol/curvatureSeries.ts)', () => {
  const columns = (lr: number): RecordingColumns => {
    const { problem, optimizer, rec } = canyonRun(lr, {}, 40);
    const curvature = computeCurvature(problem, optimizer, rec);
    const curvatureViewsOf = curvatureViews(problem, optimizer, rec);
    return { ...rec, runId: 'r1', optimizer: 'sgd', hyperparameters: optimizer.hyperparameters, elapsedMs: 0, curvature, curvatureViews: curvatureViewsOf } as RecordingColumns;
  };
  test('canyon GD lr 0.09: λ_max = 20 under 2/η; lr 0.11: above it, every step shaded', () => {
    const a = buildCurvaturePanel(columns(0.09), 0)!;
    assert.equal(a.method, 'analytic');
    assert.equal(a.computed, 41);
    assert.ok(Array.from(a.hessianMax).every((v) => v === 20));
    close(a.threshold[0]!, 2 / 0.09);
    assert.equal(a.above.length, 0);
    const b = buildCurvaturePanel(columns(0.11), 0)!;
    close(b.threshold[0]!, 2 / 0.11);
    assert.deepEqual(Array.from(b.above), [0, 40]);
    assert.equal(b.stabilityFormula, '2/η');
  });
  test('the panel numbers are computeCurvature\'s (the CLI\'s)', () => {
    const rec = columns(0.09);
    const p = buildCurvaturePanel(rec, 0)!;
    for (let t = 1; t <= 40; t++) assert.equal(p.alpha.y[t - 1], rec.curvature!.alpha[t]);
  });
  test('α stays exact on a diverging run (‖d‖ up to ~1e10: the least squares are solved by QR, not normal equations)', () => {
    // GD on a quadratic: α = η gᵀHg/gᵀg − 1 exactly (README); canyon at lr 0.11 grows by 1.2 a step
    const { problem, optimizer, rec } = canyonRun(0.11, {}, 150);
    const c = computeCurvature(problem, optimizer, rec);
    for (let t = 1; t <= 150; t++) {
      const gx = rec.grad[(t - 1) * 2]!, gy = rec.grad[(t - 1) * 2 + 1]!;
      const want = (0.11 * (2 * gx * gx + 20 * gy * gy)) / (gx * gx + gy * gy) - 1;
      close(c.alpha[t]!, want, 1e-12, `α at step ${t}`);
    }
  });
  test('α histograms: bins, the last 10 %, overshoot share', () => {
    // 20 steps: α = −0.9 for the first 18, then 0.6 and 2.9 (bins of ALPHA_HIST_BIN from ALPHA_HIST_MIN)
    const steps = Array.from({ length: 21 }, (_, i) => i);
    const alpha = [NaN, ...Array(18).fill(-0.9), 0.6, 2.9];
    const h = alphaHistogram(steps, alpha);
    assert.equal(h.countAll, 20);
    assert.equal(h.countLast, 2); // ⌈0.1 · 20⌉
    assert.equal(h.lastFrom, 19);
    const bin = (v: number) => Math.floor((v - ALPHA_HIST_MIN) / ALPHA_HIST_BIN);
    assert.equal(h.all[bin(-0.9)], 18);
    assert.equal(h.last[bin(0.6)], 1);
    assert.equal(h.last[bin(2.9)], 1);
    close(h.overshootAll, 0.1);
    close(h.overshootLast, 1);
  });
  test('bounded cost: every point for 2 parameters, ~25 points for more', () => {
    assert.equal(panelCurvatureEvery(2, 500), 1);
    assert.equal(panelCurvatureEvery(2, 2000), 1);
    assert.equal(panelCurvatureEvery(2, 10_000), 5);
    assert.equal(panelCurvatureEvery(193, 500), 63); // ⌈500/8⌉: points 0, 63, …, 441 (8)
    assert.equal(panelCurvatureEvery(193, 5), 1);
    assert.equal(panelCurvatureEvery(2001, 500), 0); // off above 2,000 parameters
    assert.equal(panelCurvatureEvery(20, 500, 'file'), 63); // loss files: up to 20 parameters
    assert.equal(panelCurvatureEvery(21, 500, 'file'), 0);
    assert.equal(panelCurvatureEvery(193, 500, 'file'), 0); // the mlp example: not by default (HVPs cost several gradients)
  });
});
