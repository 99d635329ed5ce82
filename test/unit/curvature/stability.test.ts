// Stability thresholds (README "Curvature and stability"): for each optimizer family with a threshold, the
// real optimizer kernel on f(θ) = ½λθ² at a learning rate 2 % below the threshold decays and 2 % above it
// grows. Adaptive optimizers are run with ε ≫ √v (a frozen preconditioner P ≈ its ε part, the README's
// "frozen preconditioner" parameterisation). Also: α against hand arithmetic, and the canyon with GD.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_LOSSES, builtinProblem, createOptimizer, simulate, type HyperValue, type OptimizerName, type Problem } from '../../../src/core';
import { computeCurvature, preconditioner, stabilityThreshold, stepAlpha } from '../../../src/core/curvature';

function quadratic(lambda: number): Problem {
  return {
    name: 'quadratic',
    dim: 1,
    paramNames: ['θ'],
    evaluate(p, g) {
      g[0] = lambda * p[0]!;
      return 0.5 * lambda * p[0]! * p[0]!;
    },
    hessianMethod: 'analytic',
    hvp(_p, v, out) {
      out[0] = lambda * v[0]!;
    },
  };
}

interface Family {
  readonly name: string;
  readonly optimizer: OptimizerName;
  readonly hp: Record<string, HyperValue>;
  /** P when ε dominates (1 for the non-adaptive ones). */
  readonly p: number;
}

const EPS = 1;
const FAMILIES: Family[] = [
  { name: 'GD', optimizer: 'sgd', hp: {}, p: 1 },
  { name: 'heavy ball β = 0.9, dampening τ = 0.5', optimizer: 'sgd', hp: { momentum: 0.9, dampening: 0.5 }, p: 1 },
  { name: 'heavy ball β = 0.6', optimizer: 'sgd', hp: { momentum: 0.6 }, p: 1 },
  { name: 'PyTorch Nesterov β = 0.9', optimizer: 'sgd', hp: { momentum: 0.9, nesterov: true }, p: 1 },
  { name: 'Adam (β₁ = 0.9)', optimizer: 'adam', hp: { eps: EPS, betas: [0.9, 0.5] }, p: EPS },
  { name: 'AdamW (β₁ = 0.8)', optimizer: 'adamw', hp: { eps: EPS, betas: [0.8, 0.5], weight_decay: 0 }, p: EPS },
  { name: 'NAdam (β₁ = 0.9, μ_t = β₁: momentum_decay 1e3)', optimizer: 'nadam', hp: { eps: EPS, betas: [0.9, 0.5], momentum_decay: 1e3 }, p: EPS },
  { name: 'Adamax (β₁ = 0.9)', optimizer: 'adamax', hp: { eps: EPS, betas: [0.9, 0.5] }, p: EPS },
  { name: 'RMSprop', optimizer: 'rmsprop', hp: { eps: EPS, alpha: 0.5 }, p: EPS },
  { name: 'RMSprop with momentum μ = 0.7', optimizer: 'rmsprop', hp: { eps: EPS, alpha: 0.5, momentum: 0.7 }, p: EPS },
  { name: 'AdaGrad', optimizer: 'adagrad', hp: { eps: EPS }, p: EPS },
  { name: 'Adadelta', optimizer: 'adadelta', hp: { eps: EPS, rho: 0.5 }, p: 1 },
];

const LAMBDA = 3;
const THETA0 = 1e-100; // tiny: ε ≫ |g| keeps P exactly ε through the bias-correction transient
const STEPS = 3000;

describe('stability thresholds: 2 % below is stable, 2 % above diverges', () => {
  for (const f of FAMILIES) {
    test(f.name, () => {
      // the learning rate at which the preconditioned sharpness λ/P meets the threshold: threshold(η)·η is constant
      const probe = createOptimizer(f.optimizer, { ...f.hp, lr: 1 });
      const c = stabilityThreshold(probe, 1, 1).value!;
      const etaCrit = c / (LAMBDA / f.p);
      for (const [factor, stable] of [[0.98, true], [1.02, false]] as const) {
        const lr = factor * etaCrit;
        const optimizer = createOptimizer(f.optimizer, { ...f.hp, lr });
        const problem = quadratic(LAMBDA);
        const rec = simulate({ problem, optimizer, start: Float64Array.from([THETA0]), steps: STEPS });
        let peak = 0;
        for (let t = 0; t < rec.loss.length; t++) peak = Math.max(peak, Math.abs(rec.params[t]!));
        const last = Math.abs(rec.params[rec.stepsCompleted]!);
        if (stable) {
          assert.ok(!rec.diverged && last < 1e-3 * THETA0, `${f.name} at ${factor}× η*: |θ_T| = ${last} (should decay)`);
        } else {
          assert.ok(rec.diverged || peak > 1e4 * THETA0, `${f.name} at ${factor}× η*: peak |θ| = ${peak} (should grow)`);
        }
        // the curvature module says the same at step 10: sharpness vs threshold
        const curv = computeCurvature(problem, optimizer, rec, { every: 1 });
        const t = 10;
        const sharp = curv.stability_on === 'preconditioned' ? curv.preconditioned_max_eig[t]! : curv.hessian_max_eig[t]!;
        const thr = curv.stability_threshold[t]!;
        assert.equal(sharp < thr, stable, `${f.name} at ${factor}×: sharpness ${sharp} vs threshold ${thr}`);
      }
    });
  }

  test('signSGD, Rprop and Lion have no threshold (null, with the reason)', () => {
    for (const name of ['signsgd', 'rprop', 'lion'] as const) {
      const o = createOptimizer(name, {});
      const s = stabilityThreshold(o, 0.01, 1);
      assert.equal(s.value, null);
      assert.match(s.reason!, /sign/);
      const rec = simulate({ problem: quadratic(LAMBDA), optimizer: o, start: Float64Array.from([1]), steps: 5 });
      const curv = computeCurvature(quadratic(LAMBDA), o, rec);
      assert.deepEqual(curv.stability_threshold, [null, null, null, null, null, null]);
      assert.equal(curv.hessian_max_eig[3], LAMBDA);
    }
  });

  test('closed forms at hand-picked values', () => {
    const th = (name: OptimizerName, hp: Record<string, HyperValue>, lr: number) => stabilityThreshold(createOptimizer(name, hp), lr, 1).value!;
    assert.equal(th('sgd', {}, 0.09), 2 / 0.09);
    assert.equal(th('sgd', { momentum: 0.9 }, 0.01), 3.8 / 0.01);
    assert.equal(th('sgd', { momentum: 0.9, dampening: 0.5 }, 0.01), 3.8 / (0.5 * 0.01));
    assert.equal(th('sgd', { momentum: 0.9, nesterov: true }, 0.01), 3.8 / (2.8 * 0.01));
    assert.ok(Math.abs(th('adam', {}, 0.001) - 38 / 0.001) < 1e-9);
    assert.equal(th('rmsprop', { momentum: 0.5 }, 0.1), 3 / 0.1);
  });

  test('preconditioners: Adam √v̂ + ε, centered RMSprop √(v − ḡ²) + ε, AdaGrad √sum + ε', () => {
    const out = new Float64Array(1);
    const st = (o: Record<string, number>) => (name: string) => (name in o ? Float64Array.from([o[name]!]) : undefined);
    assert.ok(preconditioner(createOptimizer('adam', { eps: 1e-8 }), st({ exp_avg_sq: 0.04 }), 2, out));
    assert.ok(Math.abs(out[0]! - (Math.sqrt(0.04 / (1 - 0.999 ** 2)) + 1e-8)) < 1e-15);
    assert.ok(preconditioner(createOptimizer('rmsprop', { centered: true, eps: 0.01 }), st({ square_avg: 0.5, grad_avg: 0.3 }), 4, out));
    assert.ok(Math.abs(out[0]! - (Math.sqrt(0.5 - 0.09) + 0.01)) < 1e-15);
    assert.ok(preconditioner(createOptimizer('adagrad', { eps: 0.1 }), st({ sum: 9 }), 4, out));
    assert.equal(out[0], 3.1);
    assert.equal(preconditioner(createOptimizer('sgd', {}), st({}), 4, out), false);
  });
});

describe('step quality α', () => {
  test('GD on ½λθ²: α = ηλ − 1 (hand arithmetic), −1 for no move and for a concave slice', () => {
    for (const [eta, lam] of [[0.1, 3], [0.45, 2], [0.9, 2], [0.2, 1]] as const) {
      const rec = simulate({ problem: quadratic(lam), optimizer: createOptimizer('sgd', { lr: eta }), start: Float64Array.from([2]), steps: 3 });
      const c = computeCurvature(quadratic(lam), createOptimizer('sgd', { lr: eta }), rec);
      assert.equal(c.alpha[0], null);
      for (let t = 1; t <= 3; t++) assert.ok(Math.abs(c.alpha[t]! - (eta * lam - 1)) < 1e-12, `η = ${eta}, λ = ${lam}: α = ${c.alpha[t]}`);
    }
    // by hand: f(0) = 2, f(1) = 0.5, f′(0) = −2, f′(1) = −1 on ℓ = 1 is the exact quadratic 2 − 2s + ½s²·... (μ = 2, −2, 0.5)
    assert.ok(Math.abs(stepAlpha(2, 0.5, -2, -1, 1)! - (2 * 1 / (2 / 0.5) - 1)) < 1e-12);
    assert.equal(stepAlpha(1, 0.5, -0.1, -1, 1), -1); // concave: μ₂ ≤ 0
    assert.equal(stepAlpha(1, 1, 0, 0, 0), -1); // no move
  });

  test('canyon, GD lr 0.09, first step: α = η gᵀHg/gᵀg − 1 at (−4, 1)', () => {
    const p = builtinProblem(BUILTIN_LOSSES['canyon']!);
    const o = createOptimizer('sgd', { lr: 0.09 });
    const rec = simulate({ problem: p, optimizer: o, start: Float64Array.from([-4, 1]), steps: 2 });
    const c = computeCurvature(p, o, rec);
    const g = [-8, 20];
    const want = (0.09 * (2 * g[0]! ** 2 + 20 * g[1]! ** 2)) / (g[0]! ** 2 + g[1]! ** 2) - 1;
    assert.ok(Math.abs(c.alpha[1]! - want) < 1e-12, `α = ${c.alpha[1]}, want ${want}`);
  });
});

describe('canyon with GD: λ_max = 20 against 2/η', () => {
  for (const [lr, below] of [[0.09, true], [0.11, false]] as const) {
    test(`lr ${lr}: threshold ${2 / lr} is ${below ? 'above' : 'below'} λ_max = 20`, () => {
      const p = builtinProblem(BUILTIN_LOSSES['canyon']!);
      const o = createOptimizer('sgd', { lr });
      const rec = simulate({ problem: p, optimizer: o, start: Float64Array.from([-4, 1]), steps: 40 });
      const c = computeCurvature(p, o, rec, { every: 5 });
      assert.equal(c.method, 'analytic');
      for (let t = 0; t <= 40; t++) {
        if (t % 5 === 0) {
          assert.equal(c.hessian_max_eig[t], 20);
          assert.equal(c.hessian_min_eig[t], 2);
        } else assert.equal(c.hessian_max_eig[t], null);
        assert.equal(c.stability_threshold[t], 2 / lr);
        assert.equal(c.preconditioned_max_eig[t], null);
      }
      assert.equal(20 < 2 / lr, below);
      // and the run agrees: |y| shrinks below the threshold, grows above it
      const y40 = Math.abs(rec.params[40 * 2 + 1]!);
      assert.equal(y40 < 1, below);
    });
  }
});
