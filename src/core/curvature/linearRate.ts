// The linear theory of an optimizer on a quadratic (README "Curvature and stability", eigen-decomposition
// view): on f(θ) = ½ λ θ² (one eigen-direction of a constant Hessian) plain GD and SGD with momentum are
// linear maps of their state, so the error along the eigenvector shrinks (or grows) by a fixed factor per
// step: |1 − ηλ| for GD, the spectral radius of the 2×2 companion matrix of (θ, buffer) with momentum.
// Pure TypeScript.

import type { Optimizer } from '../types';

/** The spectral radius max |z| of the real 2×2 matrix [[a, b], [c, d]] (z² − (a + d) z + (ad − bc) = 0). */
export function spectralRadius2(a: number, b: number, c: number, d: number): number {
  const tr = a + d;
  const det = a * d - b * c;
  const disc = tr * tr - 4 * det;
  if (disc < 0) return Math.sqrt(det); // complex pair: |z|² = det
  const s = Math.sqrt(disc);
  // the larger root in magnitude without cancellation: z₁ = (tr ± s)/2 with the sign of tr, z₂ = det/z₁
  const z1 = tr >= 0 ? (tr + s) / 2 : (tr - s) / 2;
  const z2 = z1 !== 0 ? det / z1 : 0;
  return Math.max(Math.abs(z1), Math.abs(z2));
}

export interface LinearRate {
  /** Per-step contraction factor of the error along an eigenvector with eigenvalue λ; null: no linear rate. */
  readonly value: number | null;
  /** `|1 − ηλ|` or `ρ(M)` with M written out. */
  readonly formula: string;
  /** Why there is none (value null). */
  readonly reason?: string;
}

const num = (o: Optimizer, k: string): number => {
  const v = o.hyperparameters[k];
  return typeof v === 'number' ? v : 0;
};

/**
 * The rate of `o` at learning rate `lr` along an eigenvector of eigenvalue `lambda` of a constant Hessian.
 * SGD (PyTorch form, weight decay wd added to the gradient, `maximize` negating it first): λ' = ±λ + wd;
 *  - GD: |1 − ηλ'|;
 *  - heavy ball b ← βb + (1 − τ)g, θ ← θ − ηb: ρ([[1 − η(1 − τ)λ', −ηβ], [(1 − τ)λ', β]]);
 *  - Nesterov b ← βb + g, θ ← θ − η(g + βb): ρ([[1 − η(1 + β)λ', −ηβ²], [λ', β]]).
 * Other optimizers: null (a preconditioner that changes every step, or a sign-based update).
 */
export function linearRate(o: Optimizer, lr: number, lambda: number): LinearRate {
  if (o.name !== 'sgd') {
    const sign = o.name === 'signsgd' || o.name === 'rprop' || o.name === 'lion';
    return {
      value: null,
      formula: 'none',
      reason: sign
        ? `${o.name} steps by the gradient's sign: its update is not linear in θ, so no constant rate exists`
        : `${o.name} divides by a preconditioner that changes every step (its running gradient statistics), so its update on a quadratic is not one fixed linear map and has no constant rate`,
    };
  }
  const eta = lr;
  const l = (o.hyperparameters['maximize'] === true ? -lambda : lambda) + num(o, 'weight_decay');
  const beta = num(o, 'momentum');
  if (beta === 0) return { value: Math.abs(1 - eta * l), formula: '|1 − ηλ|' };
  if (o.hyperparameters['nesterov'] === true) {
    return { value: spectralRadius2(1 - eta * (1 + beta) * l, -eta * beta * beta, l, beta), formula: 'ρ([[1 − η(1+β)λ, −ηβ²], [λ, β]])' };
  }
  const tau = num(o, 'dampening');
  return { value: spectralRadius2(1 - eta * (1 - tau) * l, -eta * beta, (1 - tau) * l, beta), formula: 'ρ([[1 − η(1−τ)λ, −ηβ], [(1−τ)λ, β]])' };
}
