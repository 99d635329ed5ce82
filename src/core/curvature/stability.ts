// Each optimizer's diagonal preconditioner P_t and its stability threshold on a quadratic
// (README "Curvature and stability", where every formula is derived). Pure TypeScript.

import type { Optimizer } from '../types';

/** What a threshold bounds: λ_max(H) (plain) or λ_max(P⁻¹H) (preconditioned). */
export type SharpnessKind = 'hessian' | 'preconditioned';

export interface StabilityThreshold {
  /** Largest sharpness at which the linearised update is stable; null when the optimizer has none. */
  readonly value: number | null;
  readonly on: SharpnessKind;
  /** The formula, e.g. `(2 + 2β)/((1 − τ)η)`. */
  readonly formula: string;
  /** Why there is no threshold (value null). */
  readonly reason?: string;
}

const SIGN_REASON: Readonly<Record<string, string>> = {
  signsgd: 'signSGD moves every coordinate by ±η whatever the gradient\'s size: its update is not linear in θ on a quadratic (the derivative of sign is 0), so no eigenvalue threshold exists; it oscillates with amplitude ~η around the minimum instead of diverging',
  rprop: 'Rprop uses only the gradient\'s sign and adapts its own step sizes (shrinking them on sign changes): the update is not linear in θ, so no eigenvalue threshold exists',
  lion: 'Lion steps by η·sign(·) of a momentum mix: the step size does not depend on the gradient\'s size, so the linearised update has no eigenvalue threshold; it oscillates with amplitude ~η instead of diverging',
};

const num = (o: Optimizer, k: string): number => {
  const v = o.hyperparameters[k];
  return typeof v === 'number' ? v : 0;
};
const pair = (o: Optimizer, k: string): readonly [number, number] => {
  const v = o.hyperparameters[k];
  return Array.isArray(v) ? (v as readonly [number, number]) : [0.9, 0.999];
};

/** True for the optimizers with a diagonal preconditioner (preconditioned_max_eig is computed). */
export function isAdaptive(o: Optimizer): boolean {
  return ['adam', 'adamw', 'nadam', 'radam', 'adamax', 'rmsprop', 'adagrad', 'adadelta'].includes(o.name);
}

/**
 * The threshold at learning rate `lr` of step `step` (1-based; AdaGrad's lr_decay uses it). Heavy-ball
 * form: the 2×2 companion matrix of (θ, buffer) on f = λθ²/2 has the root z = −1 at the threshold.
 */
export function stabilityThreshold(o: Optimizer, lr: number, step: number): StabilityThreshold {
  if (o.name in SIGN_REASON) return { value: null, on: 'hessian', formula: 'none', reason: SIGN_REASON[o.name]! };
  const eta = lr;
  switch (o.name) {
    case 'sgd': {
      const beta = num(o, 'momentum');
      const tau = num(o, 'dampening');
      if (beta === 0) return { value: 2 / eta, on: 'hessian', formula: '2/η' };
      if (o.hyperparameters['nesterov'] === true) return { value: (2 + 2 * beta) / ((1 + 2 * beta) * eta), on: 'hessian', formula: '(2 + 2β)/((1 + 2β)η)' };
      return { value: (2 + 2 * beta) / ((1 - tau) * eta), on: 'hessian', formula: '(2 + 2β)/((1 − τ)η)' };
    }
    case 'nadam': {
      // step c_g·g + c_m·m_t on P⁻¹H, c_g = 1 − μ_t, c_m = μ_{t+1} (bias corrections 1/(1 − Π) → 1 dropped)
      const b1 = pair(o, 'betas')[0];
      const psi = num(o, 'momentum_decay');
      const s = Math.max(1, step);
      const mu = b1 * (1 - 0.5 * 0.96 ** (s * psi));
      const muNext = b1 * (1 - 0.5 * 0.96 ** ((s + 1) * psi));
      return { value: (2 + 2 * b1) / (((1 - mu) * (1 + b1) + muNext * (1 - b1)) * eta), on: 'preconditioned', formula: '(2 + 2β₁)/(((1 − μ_t)(1 + β₁) + μ_{t+1}(1 − β₁))η)' };
    }
    case 'adam': case 'adamw': case 'radam': case 'adamax': {
      const b1 = pair(o, 'betas')[0];
      return { value: (2 + 2 * b1) / ((1 - b1) * eta), on: 'preconditioned', formula: '(2 + 2β₁)/((1 − β₁)η)' };
    }
    case 'rmsprop': {
      const mu = num(o, 'momentum');
      if (mu > 0) return { value: (2 + 2 * mu) / eta, on: 'preconditioned', formula: '(2 + 2μ)/η' };
      return { value: 2 / eta, on: 'preconditioned', formula: '2/η' };
    }
    case 'adagrad': {
      const clr = eta / (1 + (Math.max(1, step) - 1) * num(o, 'lr_decay'));
      return { value: 2 / clr, on: 'preconditioned', formula: '2/η_t, η_t = η/(1 + (t−1)·lr_decay)' };
    }
    case 'adadelta':
      return { value: 2 / eta, on: 'preconditioned', formula: '2/η' };
    default:
      return { value: null, on: 'hessian', formula: 'none', reason: `no threshold is defined for ${o.name}` };
  }
}

/**
 * The diagonal preconditioner P_t after step t (the denominator of the optimizer's step on its direction),
 * into `out`. `state(name)` returns the dim-sized state tensor after step t. Returns false when the
 * optimizer has none or its state is not available.
 */
export function preconditioner(o: Optimizer, state: (name: string) => Float64Array | undefined, step: number, out: Float64Array): boolean {
  if (!isAdaptive(o) || step < 1) return false;
  const inside = o.convention.epsInsideSqrt;
  const eps = num(o, 'eps');
  const root = (v: number): number => (inside ? Math.sqrt(v + eps) : Math.sqrt(v) + eps);
  const n = out.length;
  switch (o.name) {
    case 'adam': case 'adamw': case 'nadam': case 'radam': {
      const b2 = pair(o, 'betas')[1];
      const amsgrad = o.hyperparameters['amsgrad'] === true;
      const v = state(amsgrad ? 'max_exp_avg_sq' : 'exp_avg_sq');
      if (!v) return false;
      const bc2 = 1 - b2 ** step;
      if (o.name === 'radam') {
        const rhoInf = 2 / (1 - b2) - 1;
        const rhoT = rhoInf - (2 * step * b2 ** step) / bc2;
        if (!(rhoT > 5)) { out.fill(1); return true; } // un-adapted phase: momentum SGD
        const r = Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
        // RAdam: θ ← θ − η m̂ r √(1−β2^t)/(√v + ε) = θ − η m̂ r/((√v + ε)/√(1−β2^t))
        for (let i = 0; i < n; i++) out[i] = (inside ? Math.sqrt(v[i]! + eps) : Math.sqrt(v[i]!) + eps) / (Math.sqrt(bc2) * r);
        return true;
      }
      for (let i = 0; i < n; i++) out[i] = root(v[i]! / bc2);
      return true;
    }
    case 'adamax': {
      const u = state('exp_inf');
      if (!u) return false;
      for (let i = 0; i < n; i++) out[i] = u[i]!;
      return true;
    }
    case 'rmsprop': {
      const v = state('square_avg');
      if (!v) return false;
      const g = o.hyperparameters['centered'] === true ? state('grad_avg') : undefined;
      for (let i = 0; i < n; i++) out[i] = root(g ? v[i]! - g[i]! * g[i]! : v[i]!);
      return true;
    }
    case 'adagrad': {
      const s = state('sum');
      if (!s) return false;
      for (let i = 0; i < n; i++) out[i] = root(s[i]!);
      return true;
    }
    case 'adadelta': {
      const v = state('square_avg');
      const u = state('acc_delta');
      if (!v || !u) return false;
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(v[i]! + eps) / Math.sqrt(u[i]! + eps);
      return true;
    }
    default:
      return false;
  }
}
