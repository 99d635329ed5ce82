// Two (or three) steps per optimizer, worked by hand (tfjs adam_optimizer_test 'basic' style).
// Each case feeds fixed gradients to the pure `update`, from θ0 = [1, −2]; the arithmetic is in the comments.
// eps = 0 where it keeps the arithmetic exact; the defaults are covered by the reference trajectories.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptimizer, type HyperValue, type StepDiagnostics } from '../../../src/core';

function near(got: ArrayLike<number>, want: readonly number[], what: string, rtol = 1e-12): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const ok = Math.abs(got[i]! - want[i]!) <= 1e-15 + rtol * Math.abs(want[i]!);
    assert.ok(ok, `${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

interface Step {
  grad: number[];
  params: number[];
  effectiveLr?: number[];
  direction?: number[];
  extra?: Record<string, number[]>;
  state?: Record<string, number[]>;
}

function run(name: string, hp: Record<string, HyperValue>, steps: Step[]): void {
  const opt = createOptimizer(name, hp);
  let params = Float64Array.from([1, -2]);
  let state = opt.init(params);
  steps.forEach((s, k) => {
    const before = params;
    const r = opt.update(Float64Array.from(s.grad), state, params);
    const where = `${name} step ${k + 1}`;
    near(r.params, s.params, `${where} params`);
    near(r.diagnostics.update, s.params.map((p, i) => p - before[i]!), `${where} update`, 1e-9);
    if (s.effectiveLr) near(r.diagnostics.effectiveLr, s.effectiveLr, `${where} effectiveLr`);
    if (s.direction) near(r.diagnostics.direction, s.direction, `${where} direction`);
    for (const [k2, v] of Object.entries(s.extra ?? {})) near((r.diagnostics as StepDiagnostics).extra[k2]!, v, `${where} ${k2}`);
    for (const [k2, v] of Object.entries(s.state ?? {})) near(r.state.tensors[k2]!, v, `${where} state ${k2}`);
    assert.equal(r.state.step, k + 1);
    params = r.params as Float64Array<ArrayBuffer>;
    state = r.state;
  });
}

test('sgd plain: θ ← θ − η g', () =>
  run('sgd', { lr: 0.1 }, [
    { grad: [2, -4], params: [0.8, -1.6], effectiveLr: [0.1, 0.1], direction: [2, -4] }, // 1 − 0.1·2, −2 + 0.1·4
    { grad: [1, 1], params: [0.7, -1.7] }, // 0.8 − 0.1, −1.6 − 0.1
  ]));

test('sgd momentum 0.9: b₁ = g₁, b₂ = 0.9 b₁ + g₂', () =>
  run('sgd', { lr: 0.1, momentum: 0.9 }, [
    { grad: [2, -4], params: [0.8, -1.6], state: { momentum_buffer: [2, -4] } },
    // b₂ = 0.9·[2, −4] + [1, 1] = [2.8, −2.6]; θ₂ = [0.8 − 0.28, −1.6 + 0.26]
    { grad: [1, 1], params: [0.52, -1.34], state: { momentum_buffer: [2.8, -2.6] }, direction: [2.8, -2.6] },
  ]));

test('sgd dampening 0.5 is not applied on the first step', () =>
  run('sgd', { lr: 0.1, momentum: 0.9, dampening: 0.5 }, [
    { grad: [2, -4], params: [0.8, -1.6], state: { momentum_buffer: [2, -4] } }, // b₁ = g₁ (not 0.5 g₁)
    // b₂ = 0.9·[2, −4] + 0.5·[1, 1] = [2.3, −3.1]; θ₂ = [0.8 − 0.23, −1.6 + 0.31]
    { grad: [1, 1], params: [0.57, -1.29], state: { momentum_buffer: [2.3, -3.1] } },
  ]));

test('sgd nesterov: u = g + μ b', () =>
  run('sgd', { lr: 0.1, momentum: 0.9, nesterov: true }, [
    // b₁ = [2, −4]; u₁ = [2, −4] + 0.9·[2, −4] = [3.8, −7.6]; θ₁ = [1 − 0.38, −2 + 0.76]
    { grad: [2, -4], params: [0.62, -1.24], direction: [3.8, -7.6] },
    // b₂ = [2.8, −2.6]; u₂ = [1, 1] + 0.9·[2.8, −2.6] = [3.52, −1.34]; θ₂ = [0.62 − 0.352, −1.24 + 0.134]
    { grad: [1, 1], params: [0.268, -1.106], direction: [3.52, -1.34] },
  ]));

test('sgd weight decay 0.1 and maximize', () => {
  run('sgd', { lr: 0.1, weight_decay: 0.1 }, [
    { grad: [2, -4], params: [0.79, -1.58] }, // g′ = [2 + 0.1, −4 − 0.2] = [2.1, −4.2]
    { grad: [1, 1], params: [0.6821, -1.6642] }, // g′ = [1 + 0.079, 1 − 0.158] = [1.079, 0.842]
  ]);
  run('sgd', { lr: 0.1, maximize: true }, [{ grad: [2, -4], params: [1.2, -2.4] }]);
});

test('signsgd: every coordinate moves by η; sign(0) = 0', () =>
  run('signsgd', { lr: 0.1 }, [
    { grad: [2, -4], params: [0.9, -1.9], direction: [1, -1], effectiveLr: [0.1, 0.1] },
    { grad: [1, 0], params: [0.8, -1.9], direction: [1, 0] },
  ]));

test('signum β = 0.5: sign of the EMA', () =>
  run('signsgd', { lr: 0.1, momentum: 0.5 }, [
    { grad: [2, -4], params: [0.9, -1.9], state: { momentum_buffer: [1, -2] } }, // m₁ = 0.5·[2, −4]
    // m₂ = 0.5·[1, −2] + 0.5·[−1, 1] = [0, −0.5]; sign = [0, −1]
    { grad: [-1, 1], params: [0.9, -1.8], state: { momentum_buffer: [0, -0.5] }, direction: [0, -1] },
  ]));

test('adagrad: s accumulates g², α = η/√s only shrinks', () => {
  run('adagrad', { lr: 0.1, eps: 0 }, [
    // s₁ = [9, 16]; θ₁ = [1 − 0.1·3/3, −2 + 0.1·4/4]
    { grad: [3, -4], params: [0.9, -1.9], effectiveLr: [0.1 / 3, 0.1 / 4], state: { sum: [9, 16] } },
    // s₂ = [9 + 16, 16 + 9] = [25, 25]; θ₂ = [0.9 − 0.1·4/5, −1.9 − 0.1·3/5]
    { grad: [4, 3], params: [0.82, -1.96], effectiveLr: [0.02, 0.02], state: { sum: [25, 25] } },
  ]);
  run('adagrad', { lr: 0.1, eps: 0, lr_decay: 0.5 }, [
    { grad: [3, -4], params: [0.9, -1.9] },
    // η₂ = 0.1/(1 + 1·0.5); θ₂ = [0.9 − η₂·4/5, −1.9 − η₂·3/5]
    { grad: [4, 3], params: [0.9 - (0.1 / 1.5) * 0.8, -1.9 - (0.1 / 1.5) * 0.6], effectiveLr: [0.1 / 1.5 / 5, 0.1 / 1.5 / 5] },
  ]);
  // s₀ = 16: s₁ = [25, 32]; θ₁ = [1 − 0.1·3/5, −2 + 0.1·4/√32]
  run('adagrad', { lr: 0.1, eps: 0, initial_accumulator_value: 16 }, [
    { grad: [3, -4], params: [1 - 0.06, -2 + 0.4 / Math.sqrt(32)], state: { sum: [25, 32] } },
  ]);
});

test('rmsprop α = 0.9: the first step is η/√(1−α) in every coordinate', () => {
  const D1 = [Math.sqrt(0.9), Math.sqrt(1.6)]; // v₁ = 0.1·[9, 16]
  run('rmsprop', { lr: 0.01, alpha: 0.9, eps: 0 }, [
    { grad: [3, -4], params: [1 - 0.01 * (3 / D1[0]!), -2 + 0.01 * (4 / D1[1]!)], effectiveLr: [0.01 / D1[0]!, 0.01 / D1[1]!], state: { square_avg: [0.9, 1.6] } },
    // v₂ = 0.9·[0.9, 1.6] + 0.1·[0, 16] = [0.81, 3.04]: x does not move (g = 0)
    { grad: [0, 4], params: [1 - 0.01 * (3 / D1[0]!), -2 + 0.01 * (4 / D1[1]!) - 0.01 * (4 / Math.sqrt(3.04))], state: { square_avg: [0.81, 3.04] } },
  ]);
  // centered: m₁ = 0.1·[3, −4]; v₁ − m₁² = [0.9 − 0.09, 1.6 − 0.16] = [0.81, 1.44]; D = [0.9, 1.2]
  run('rmsprop', { lr: 0.01, alpha: 0.9, eps: 0, centered: true }, [
    { grad: [3, -4], params: [1 - 0.01 * (3 / 0.9), -2 + 0.01 * (4 / 1.2)], effectiveLr: [0.01 / 0.9, 0.01 / 1.2], state: { grad_avg: [0.3, -0.4] } },
  ]);
  // momentum 0.5: b₁ = g/D₁, b₂ = 0.5 b₁ + g₂/D₂ with the same g: D₂ = √(0.9·v₁ + 0.1 g²) = √(0.19 g²)
  const b1 = [3 / D1[0]!, -4 / D1[1]!];
  const b2 = [0.5 * b1[0]! + 3 / Math.sqrt(0.19 * 9), 0.5 * b1[1]! - 4 / Math.sqrt(0.19 * 16)];
  run('rmsprop', { lr: 0.01, alpha: 0.9, eps: 0, momentum: 0.5 }, [
    { grad: [3, -4], params: [1 - 0.01 * b1[0]!, -2 - 0.01 * b1[1]!], state: { momentum_buffer: b1 } },
    { grad: [3, -4], params: [1 - 0.01 * (b1[0]! + b2[0]!), -2 - 0.01 * (b1[1]! + b2[1]!)], state: { momentum_buffer: b2 }, effectiveLr: [0.01, 0.01] },
  ]);
});

test('adam with a constant gradient and ε = 0 steps exactly η·sign(g) (bias correction)', () =>
  run('adam', { lr: 0.1, eps: 0 }, [
    // m₁ = 0.1 g, v₁ = 0.001 g²; m̂ = g, v̂ = g²; θ₁ = θ₀ − 0.1·g/|g|
    { grad: [3, -4], params: [0.9, -1.9], effectiveLr: [0.1 / 3, 0.1 / 4], direction: [3, -4], extra: { exp_avg_hat: [3, -4], exp_avg_sq_hat: [9, 16] }, state: { exp_avg: [0.3, -0.4], exp_avg_sq: [0.009, 0.016] } },
    // m₂ = 0.09 g + 0.1 g = 0.19 g; 1 − 0.9² = 0.19 → m̂ = g; v₂ = 0.001999 g², 1 − 0.999² = 0.001999 → v̂ = g²
    { grad: [3, -4], params: [0.8, -1.8], extra: { exp_avg_hat: [3, -4], exp_avg_sq_hat: [9, 16] }, state: { exp_avg: [0.57, -0.76] } },
  ]));

test('amsgrad divides by the running max of the raw v', () => {
  // betas (0.9, 0.5): v₁ = 0.5·9 = 4.5; v₂ = 0.5·4.5 + 0.5·1 = 2.75 < 4.5 → v*₂ = 4.5
  // m₂ = 0.9·0.3 + 0.1·1 = 0.37; θ₂ = θ₁ − (0.1/0.19)·0.37/(√4.5/√0.75)
  const x1 = 1 - 0.1 * (0.3 / 0.1) / (Math.sqrt(4.5) / Math.sqrt(0.5));
  run('adam', { lr: 0.1, eps: 0, betas: [0.9, 0.5], amsgrad: true }, [
    { grad: [3, -4], params: [x1, -1.9] },
    // y has a constant gradient: v₂ = 0.5·8 + 0.5·16 = 12 > v₁ = 8, v̂ = 12/0.75 = 16 = g², so it steps exactly η
    { grad: [1, -4], params: [x1 - (0.1 / 0.19) * (0.37 / (Math.sqrt(4.5) / Math.sqrt(0.75))), -1.8], state: { max_exp_avg_sq: [4.5, 12] }, extra: { exp_avg_sq_hat: [4.5 / 0.75, 16] } },
  ]);
});

test('adamw decays θ by (1 − ηλ) before the Adam step', () =>
  run('adamw', { lr: 0.1, eps: 0, weight_decay: 0.1 }, [
    // θ ← [1, −2]·(1 − 0.01) = [0.99, −1.98], then −0.1·sign(g)
    { grad: [3, -4], params: [0.89, -1.88], effectiveLr: [0.1 / 3, 0.1 / 4] },
  ]));

test('adamax: u = max(β₂u, |g| + ε)', () =>
  run('adamax', { lr: 0.1, eps: 0 }, [
    // u₁ = [3, 4], m₁ = [0.3, −0.4]; θ₁ = θ₀ − (0.1/0.1)·[0.3/3, −0.4/4]
    { grad: [3, -4], params: [0.9, -1.9], state: { exp_inf: [3, 4] }, effectiveLr: [0.1 / 3, 0.1 / 4] },
    // u₂ = max(0.999·3, 3) = 3; m₂ = 0.57; θ₂ = 0.9 − (0.1/0.19)·0.57/3 = 0.8
    { grad: [3, -4], params: [0.8, -1.8], state: { exp_inf: [3, 4], exp_avg: [0.57, -0.76] } },
  ]));

test('nadam: the μ schedule and the corrected Π′ = Π_t μ_{t+1}', () => {
  const mu = (t: number) => 0.9 * (1 - 0.5 * 0.96 ** (t * 0.004));
  const step = (t: number, g: number, m: number, v: number, prod: number) => {
    const D = Math.sqrt(v) / Math.sqrt(1 - 0.999 ** t); // ε = 0
    return (0.1 * (1 - mu(t))) / (1 - prod) * (g / D) + ((0.1 * mu(t + 1)) / (1 - prod * mu(t + 1))) * (m / D);
  };
  // t = 1: Π₁ = μ₁; m₁ = 0.1 g; v₁ = 0.001 g²
  const x1 = 1 - step(1, 3, 0.3, 0.009, mu(1));
  // t = 2: Π₂ = μ₁μ₂; m₂ = 0.57; v₂ = 0.001999·9
  const x2 = x1 - step(2, 3, 0.57, 0.001999 * 9, mu(1) * mu(2));
  const opt = createOptimizer('nadam', { lr: 0.1, eps: 0 });
  let p = Float64Array.from([1, -2]);
  let s = opt.init(p);
  let r = opt.update(Float64Array.from([3, -4]), s, p);
  near([r.params[0]!], [x1], 'nadam step 1');
  assert.ok(Math.abs(r.state.scalars['mu_product']! - mu(1)) < 1e-15);
  p = r.params as Float64Array<ArrayBuffer>;
  s = r.state;
  r = opt.update(Float64Array.from([3, -4]), s, p);
  near([r.params[0]!], [x2], 'nadam step 2');
  near([r.state.scalars['mu_product']!], [mu(1) * mu(2)], 'mu_product');
});

test('radam: un-adapted steps while ρ_t ≤ 5', () =>
  run('radam', { lr: 0.1, eps: 0 }, [
    // ρ∞ = 2/0.001 − 1 = 1999; ρ₁ = 1999 − 2·1·0.999/0.001 = 1 → θ₁ = θ₀ − 0.1·m̂ = θ₀ − 0.1 g
    { grad: [3, -4], params: [0.7, -1.6], effectiveLr: [0.1, 0.1], direction: [3, -4] },
    // ρ₂ = 1999 − 4·0.998001/0.001999 ≈ 1.9995 → θ₂ = θ₁ − 0.1 g
    { grad: [3, -4], params: [0.4, -1.2] },
  ]));

test('adadelta: Δ = √(u + ε)/√(v + ε)·g', () => {
  const e = 1e-6;
  // v₁ = 0.1·9 = 0.9; Δ₁ = √ε/√(0.9 + ε)·3; u₁ = 0.1·Δ₁²
  const d1 = (Math.sqrt(e) / Math.sqrt(0.9 + e)) * 3;
  // v₂ = 0.9·0.9 + 0.1·9 = 1.71; Δ₂ = √(u₁ + ε)/√(1.71 + ε)·3
  const d2 = (Math.sqrt(0.1 * d1 * d1 + e) / Math.sqrt(1.71 + e)) * 3;
  run('adadelta', { lr: 1, rho: 0.9, eps: e }, [
    { grad: [3, 0], params: [1 - d1, -2], effectiveLr: [d1 / 3, 1] },
    { grad: [3, 0], params: [1 - d1 - d2, -2], state: { square_avg: [1.71, 0], acc_delta: [0.9 * 0.1 * d1 * d1 + 0.1 * d2 * d2, 0] } },
  ]);
});

test('rprop: grow on the same sign, shrink and hold on a flip', () =>
  run('rprop', { lr: 0.1 }, [
    { grad: [3, -4], params: [0.9, -1.9], state: { step_size: [0.1, 0.1], prev: [3, -4] } }, // σ = 0 → s = 0.1
    // σ = [+, −] → s = [0.12, 0.05]; g̃ = [2, 0] so y holds
    { grad: [2, 4], params: [0.78, -1.9], state: { step_size: [0.12, 0.05], prev: [2, 0] }, effectiveLr: [0.12, 0.05], direction: [1, 0] },
    // σ = [+, 0] → s = [0.144, 0.05]
    { grad: [1, 4], params: [0.636, -1.95], state: { step_size: [0.144, 0.05] } },
  ]));

test('lion: sign of the β₁ interpolation, EMA with β₂, decoupled decay', () => {
  run('lion', { lr: 0.1, weight_decay: 0 }, [
    { grad: [3, -4], params: [0.9, -1.9], state: { exp_avg: [0.03, -0.04] } }, // c₁ = 0.1 g; m₁ = 0.01 g
    // c₂ = 0.9·[0.03, −0.04] + 0.1·[−1, −1] = [−0.073, −0.136] → sign = [−1, −1]
    { grad: [-1, -1], params: [1.0, -1.8], direction: [-1, -1] },
  ]);
  run('lion', { lr: 0.1, weight_decay: 0.5 }, [{ grad: [3, -4], params: [0.95 - 0.1, -1.9 + 0.1] }]); // θ(1 − 0.05) − 0.1 sign(g)
});

test('radam: from t = 6 (ρ_t > 5 for β₂ = 0.999) the rectified adaptive step; constant g, ε = 0 → η·r_t·sign(g)', () => {
  const opt = createOptimizer('radam', { lr: 0.1, eps: 0 });
  let p = Float64Array.of(1, -2);
  let s = opt.init(p);
  const g = Float64Array.of(3, -4);
  const rhoInf = 2 / (1 - 0.999) - 1; // 1999
  const rho = (t: number) => rhoInf - (2 * t * 0.999 ** t) / (1 - 0.999 ** t);
  for (let t = 1; t <= 5; t++) {
    assert.ok(rho(t) <= 5, `ρ_${t} = ${rho(t)}`);
    const r = opt.update(g, s, p);
    near(r.params, [p[0]! - 0.1 * 3, p[1]! + 0.1 * 4], `radam step ${t}: θ − η m̂ with m̂ = g`);
    p = r.params as Float64Array<ArrayBuffer>;
    s = r.state;
  }
  // t = 6: ρ₆ ≈ 5.99 > 5; m̂ = g, √v₆ = √(1−β₂⁶)|g| so √(1−β₂⁶)/√v₆ = 1/|g|: the step is η·r₆ in every coordinate
  const r6 = rho(6);
  assert.ok(r6 > 5);
  const rect = Math.sqrt(((r6 - 4) * (r6 - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * r6));
  const r = opt.update(g, s, p);
  near(r.params, [p[0]! - 0.1 * rect, p[1]! + 0.1 * rect], 'radam step 6', 1e-11);
  near(r.diagnostics.effectiveLr, [(0.1 * rect) / 3, (0.1 * rect) / 4], 'radam α₆ = η r₆ √(1−β₂⁶)/√v₆', 1e-11);
});
