// bias_correction = false for the Adam family, worked by hand for two steps (θ0 = [1, −2], eps = 0).
// Definitions (README "Bias correction on/off"):
//   Adam/AdamW  θ ← θ − η m_t/(√v_t + ε)          (AdamW: after θ ← θ(1 − ηλ))
//   Adamax      θ ← θ − η m_t/u_t
//   NAdam       θ ← θ − η(1−μ_t)·g/D − η μ_{t+1}·m_t/D,  D = √v_t + ε
// β = (0.5, 0.96) keeps every square root exact: √(0.04·g²) = 0.2|g|.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptimizer, getOptimizerDefinition, type HyperValue } from '../../../src/core';

function near(got: ArrayLike<number>, want: readonly number[], what: string): void {
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-15 + 1e-12 * Math.abs(want[i]!), `${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

interface Step { grad: number[]; params: number[]; effectiveLr?: number[]; direction?: number[]; hat?: Record<string, number[]> }

function run(name: string, hp: Record<string, HyperValue>, steps: Step[]): Float64Array {
  const opt = createOptimizer(name, hp);
  let params = Float64Array.from([1, -2]);
  let state = opt.init(params);
  steps.forEach((s, k) => {
    const r = opt.update(Float64Array.from(s.grad), state, params);
    const where = `${name} step ${k + 1}`;
    near(r.params, s.params, `${where} params`);
    if (s.effectiveLr) near(r.diagnostics.effectiveLr, s.effectiveLr, `${where} effectiveLr`);
    if (s.direction) near(r.diagnostics.direction, s.direction, `${where} direction`);
    for (const [n, v] of Object.entries(s.hat ?? {})) near(r.diagnostics.extra[n]!, v, `${where} ${n}`);
    params = r.params as Float64Array<ArrayBuffer>;
    state = r.state;
  });
  return params;
}

const off = { lr: 0.1, betas: [0.5, 0.96] as const, eps: 0, bias_correction: false };

test('Adam without bias correction: θ ← θ − η m/(√v + ε), m̂ = m, v̂ = v', () => {
  run('adam', off, [
    // m₁ = 0.5·[2, −4] = [1, −2]; v₁ = 0.04·[4, 16] = [0.16, 0.64], √v₁ = [0.4, 0.8]
    // θ₁ = [1 − 0.1·1/0.4, −2 − 0.1·(−2)/0.8] = [0.75, −1.75]; α = 0.1/√v₁ = [0.25, 0.125]
    { grad: [2, -4], params: [0.75, -1.75], effectiveLr: [0.25, 0.125], direction: [1, -2], hat: { exp_avg_hat: [1, -2], exp_avg_sq_hat: [0.16, 0.64] } },
    // m₂ = 0.5·[1, −2] + 0.5·[1, −2] = [1, −2]; v₂ = 0.96·[0.16, 0.64] + 0.04·[1, 4] = [0.1936, 0.7744], √v₂ = [0.44, 0.88]
    // θ₂ = [0.75 − 0.1/0.44, −1.75 + 0.2/0.88] = [0.75 − 5/22, −1.75 + 5/22]
    { grad: [1, -2], params: [0.75 - 5 / 22, -1.75 + 5 / 22], effectiveLr: [0.1 / 0.44, 0.1 / 0.88], direction: [1, -2] },
  ]);
});

test('with bias correction (the default) the same two steps differ: step 1 is η·sign(g)', () => {
  // t = 1: m̂ = g, v̂ = g² → θ₁ = θ₀ − 0.1·sign(g) = [0.9, −1.9]
  // t = 2: m̂ = [1, −2]/0.75, √v̂ = [0.44, 0.88]/√0.0784 = [0.44, 0.88]/0.28 → step = 0.1·(4/3)·(0.28/0.44) = 0.1·28/33
  run('adam', { ...off, bias_correction: true }, [
    { grad: [2, -4], params: [0.9, -1.9] },
    { grad: [1, -2], params: [0.9 - 0.1 * 28 / 33, -1.9 + 0.1 * 28 / 33] },
  ]);
});

test('AdamW without bias correction: decay θ(1 − ηλ) first, then the uncorrected Adam step', () => {
  run('adamw', { ...off, weight_decay: 0.1 }, [
    // θ·0.99 = [0.99, −1.98]; − [0.25, −0.25] → [0.74, −1.73]
    { grad: [2, -4], params: [0.74, -1.73] },
    // θ·0.99 = [0.7326, −1.7127]; − [5/22, −5/22]
    { grad: [1, -2], params: [0.7326 - 5 / 22, -1.7127 + 5 / 22] },
  ]);
});

test('Adamax without bias correction: θ ← θ − η m/u', () => {
  run('adamax', { lr: 0.1, betas: [0.5, 0.9], eps: 0, bias_correction: false }, [
    // m₁ = [1, −2]; u₁ = max(0, |g|) = [2, 4]; θ₁ = [1 − 0.1·1/2, −2 + 0.1·2/4] = [0.95, −1.95]
    { grad: [2, -4], params: [0.95, -1.95], effectiveLr: [0.05, 0.025], direction: [1, -2], hat: { exp_avg_hat: [1, -2] } },
    // m₂ = 0.5·[1, −2] + 0.5·[1, 1] = [1, −0.5]; u₂ = max(0.9·[2, 4], [1, 1]) = [1.8, 3.6]
    // θ₂ = [0.95 − 0.1/1.8, −1.95 + 0.05/3.6]
    { grad: [1, 1], params: [0.95 - 0.1 / 1.8, -1.95 + 0.05 / 3.6] },
  ]);
});

test('NAdam without bias correction: θ ← θ − η(1−μ_t)·g/D − η μ_{t+1}·m/D, D = √v + ε', () => {
  // ψ = 0 → μ_t = 0.5·(1 − 0.5) = 0.25 for every t; η(1−μ) = 0.075, ημ = 0.025
  run('nadam', { ...off, momentum_decay: 0 }, [
    // D₁ = [0.4, 0.8]; θ₁ = [1 − 0.075·2/0.4 − 0.025·1/0.4, −2 + 0.075·4/0.8 + 0.025·2/0.8] = [0.5625, −1.5625]
    { grad: [2, -4], params: [0.5625, -1.5625], effectiveLr: [0.25, 0.125] },
    // m₂ = [1, −2], D₂ = [0.44, 0.88]; θ₂ = [0.5625 − 0.1·1/0.44, −1.5625 + 0.1·2/0.88]
    { grad: [1, -2], params: [0.5625 - 5 / 22, -1.5625 + 5 / 22] },
  ]);
});

test('bias_correction is a hyperparameter of Adam, AdamW, Adamax and NAdam only (default true); RAdam has none', () => {
  for (const name of ['adam', 'adamw', 'adamax', 'nadam']) {
    const spec = getOptimizerDefinition(name).hyperparameters.find((h) => h.name === 'bias_correction');
    assert.ok(spec, name);
    assert.equal(spec.default, true);
    assert.equal(createOptimizer(name).hyperparameters['bias_correction'], true);
  }
  for (const name of ['radam', 'sgd', 'rmsprop', 'adagrad', 'lion']) {
    assert.ok(!getOptimizerDefinition(name).hyperparameters.some((h) => h.name === 'bias_correction'), name);
  }
  assert.throws(() => createOptimizer('radam', { bias_correction: false }), /radam: invalid bias_correction: unknown hyperparameter/);
  assert.match(getOptimizerDefinition('radam').equations, /not the 1\/\(1−βᵗ\) correction/);
});
