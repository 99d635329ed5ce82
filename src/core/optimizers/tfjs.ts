// The tfjs convention: TensorFlow.js 4.22's `tf.train.*` optimizers (tfjs-core
// `dist/optimizers/<name>_optimizer.js`, `applyGradients`), with their operation order, state names
// and defaults (SEMANTICS.md in test/fixtures/reference). tfjs' CPU backend stores every tensor, and so
// every intermediate of an expression built from tensor ops, in a Float32Array: each op below is
// `R(op(a, b))` with R = Math.fround in float32 (R = identity in float64). JS numbers passed to an op
// (`mul(x, 1 - this.beta1)`) become float32 scalars first: they are R(...) of the double expression.
// Per-step constants are computed once per step, never per element. tfjs has no weight decay, no
// maximize, no AMSGrad, no dampening, no lr_decay: such settings are refused, not approximated.

import type { HyperValue, OptimizerState, StepDiagnostics } from '../types';
import type { ConventionForm, Kernel, Round } from './common';

type H = Record<string, HyperValue>;
type Pair = readonly [number, number];

const only = (names: readonly [string, HyperValue, string][]) => (h: H, fail: (p: string, m: string) => never) => {
  for (const [name, neutral, why] of names) {
    if (name in h && h[name] !== neutral) fail(name, `${why} (the tfjs convention reproduces tf.train.* and cannot express ${name}=${String(h[name])})`);
  }
};

const noWeightDecay: [string, HyperValue, string] = ['weight_decay', 0, 'tfjs optimizers have no weight decay'];
const noMaximize: [string, HyperValue, string] = ['maximize', false, 'tfjs optimizers only minimize'];

/** Writes the diagnostics of element i (offset applied by the caller). */
function diagAt(diag: StepDiagnostics, j: number, update: number, direction: number, alpha: number): void {
  diag.update[j] = update;
  diag.direction[j] = direction;
  diag.effectiveLr[j] = alpha;
}

/**
 * `tf.train.sgd(lr)` when momentum = 0: θ ← R(R(c·g) + θ), c = R(−η) (sgd_optimizer.js:50).
 * `tf.train.momentum(lr, μ, useNesterov)` otherwise (momentum_optimizer.js:64-72):
 *   a ← R(R(μ·a) + g);  nesterov: θ ← R(R(c·R(g + R(a·μ))) + θ)  else θ ← R(R(c·a) + θ).
 */
export const tfjsSgd: ConventionForm<H> = {
  equations: [
    'momentum = 0 (tf.train.sgd):      θ ← (−η)·g + θ',
    'momentum μ > 0 (tf.train.momentum): a_t = μ a_{t−1} + g  (momentum, a_0 = 0)',
    '  useNesterov: θ ← (−η)·(g + μ a_t) + θ      else: θ ← (−η)·a_t + θ',
  ].join('\n'),
  defaults: {},
  stateNames: ['momentum'],
  activeStateNames: (h) => ((h['momentum'] as number) !== 0 ? ['momentum'] : []),
  validate: only([noWeightDecay, noMaximize, ['dampening', 0, 'tf.train.momentum has no dampening']]),
  kernel: (R: Round): Kernel<H> => (grad, state, params, diag, lr, h) => {
    const mu = h['momentum'] as number;
    const nesterov = h['nesterov'] as boolean;
    const c = R(-lr);
    const m = R(mu);
    const acc = state.tensors['momentum']!;
    const n = params.length;
    const o = diag ? diag.offset : 0;
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      const g = R(grad[i]!);
      let d = g;
      if (mu !== 0) {
        const a = R(R(m * acc[i]!) + g);
        acc[i] = a;
        d = nesterov ? R(g + R(a * m)) : a;
      }
      const next = R(R(c * d) + p);
      params[i] = next;
      if (diag) diagAt(diag, o + i, next - p, d, lr);
    }
  },
};

/**
 * `tf.train.adagrad(lr, initialAccumulatorValue = 0.1)` (adagrad_optimizer.js:51,63-65):
 *   s ← R(s + R(g²));  θ ← R(R(R(g / R(√R(s + ε))) · R(−η)) + θ), ε = backend epsilon 1e-7.
 */
export const tfjsAdagrad: ConventionForm<H> = {
  equations: [
    's_0 = initial_accumulator_value (tfjs default 0.1)',
    's_t = s_{t−1} + g²                                  (accumulator)',
    'θ ← (g / √(s_t + ε)) · (−η) + θ      ε = the backend epsilon 1e-7 (tfjs: not configurable)',
  ].join('\n'),
  defaults: { initial_accumulator_value: 0.1, eps: 1e-7 },
  stateNames: ['accumulator'],
  validate: only([noWeightDecay, noMaximize, ['lr_decay', 0, 'tf.train.adagrad has no lr_decay']]),
  initTensors: (params, h, R) => ({ accumulator: new Float64Array(params.length).fill(R(h['initial_accumulator_value'] as number)) }),
  kernel: (R: Round): Kernel<H> => (grad, state, params, diag, lr, h) => {
    const c = R(-lr);
    const eps = R(h['eps'] as number);
    const s = state.tensors['accumulator']!;
    const n = params.length;
    const o = diag ? diag.offset : 0;
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      const g = R(grad[i]!);
      const si = R(s[i]! + R(g * g));
      s[i] = si;
      const root = R(Math.sqrt(R(si + eps)));
      const next = R(R(R(g / root) * c) + p);
      params[i] = next;
      if (diag) diagAt(diag, o + i, next - p, g, lr / root);
    }
  },
};

/**
 * `tf.train.rmsprop(lr, decay = 0.9, momentum = 0, epsilon = 1e-7, centered = false)` (rmsprop_optimizer.js:87-107):
 *   v ← R(R(v·ρ) + R(R(g²)·R(1−ρ)))
 *   centered: mg ← R(R(mg·ρ) + R(g·R(1−ρ)));  c = R(R(g·η) / R(√R(v − R(R(mg²) + ε))))   (ε subtracted)
 *   else:     c = R(R(g·η) / R(√R(v + ε)))
 *   M ← R(R(M·μ) + c);  θ ← R(θ − M)           (M holds η: rms_momentum)
 */
export const tfjsRmsprop: ConventionForm<H> = {
  equations: [
    'v_t = ρ v_{t−1} + (1−ρ) g²                       (rms; ρ = alpha, tfjs default decay 0.9)',
    'centered: mg_t = ρ mg_{t−1} + (1−ρ) g;  c_t = (g η) / √(v_t − (mg_t² + ε))   (mg; ε SUBTRACTED: NaN when v − mg² < ε)',
    'else:     c_t = (g η) / √(v_t + ε)',
    'M_t = μ M_{t−1} + c_t;   θ ← θ − M_t              (rms_momentum, includes η; kept also for μ = 0)',
  ].join('\n'),
  defaults: { alpha: 0.9, eps: 1e-7 },
  stateNames: ['rms', 'rms_momentum', 'mg'],
  activeStateNames: (h) => ['rms', 'rms_momentum', ...(h['centered'] ? ['mg'] : [])],
  validate: only([noWeightDecay, noMaximize]),
  kernel: (R: Round): Kernel<H> => (grad, state, params, diag, lr, h) => {
    const rho = R(h['alpha'] as number);
    const omr = R(1 - (h['alpha'] as number));
    const eps = R(h['eps'] as number);
    const mom = R(h['momentum'] as number);
    const lrF = R(lr);
    const centered = h['centered'] as boolean;
    const hasMomentum = (h['momentum'] as number) !== 0;
    const v = state.tensors['rms']!;
    const M = state.tensors['rms_momentum']!;
    const mg = state.tensors['mg']!;
    const n = params.length;
    const o = diag ? diag.offset : 0;
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      const g = R(grad[i]!);
      const vi = R(R(v[i]! * rho) + R(R(g * g) * omr));
      v[i] = vi;
      let root: number;
      if (centered) {
        const mi = R(R(mg[i]! * rho) + R(g * omr));
        mg[i] = mi;
        root = R(Math.sqrt(R(vi - R(R(mi * mi) + eps))));
      } else {
        root = R(Math.sqrt(R(vi + eps)));
      }
      const contribution = R(R(g * lrF) / root);
      const Mi = R(R(M[i]! * mom) + contribution);
      M[i] = Mi;
      const next = R(p - Mi);
      params[i] = next;
      // Without momentum α = η/√(…) on d = g; with momentum the buffer already holds η: α = 1 on d = M_t.
      if (diag) diagAt(diag, o + i, next - p, hasMomentum ? Mi : g, hasMomentum ? 1 : lr / root);
    }
  },
};

/**
 * `tf.train.adadelta(lr = 0.001, rho = 0.95, epsilon = 1e-7)` (adadelta_optimizer.js:74-79):
 *   Δ = R(R(R(√R(u + ε)) / R(√R(v_old + ε))) · g)   (the accumulator from BEFORE this step's update)
 *   v ← R(R(v·ρ) + R(R(g²)·R(1−ρ)));  u ← R(R(u·ρ) + R(R(Δ²)·R(1−ρ)));  θ ← R(R(Δ·R(−η)) + θ)
 * With v_0 = u_0 = 0 this is plain SGD: Δ_1 = g_1, so u_t = v_t and Δ_t = g_t for every t, exactly.
 */
export const tfjsAdadelta: ConventionForm<H> = {
  equations: [
    'v_t = ρ v_{t−1} + (1−ρ) g²                            (accum_grad)',
    'Δ_t = √(u_{t−1} + ε) / √(v_{t−1} + ε) · g             (OLD v_{t−1}: tfjs 4.22 Adadelta is exactly SGD with lr η)',
    'u_t = ρ u_{t−1} + (1−ρ) Δ_t²                          (accum_var)',
    'θ ← Δ_t · (−η) + θ',
  ].join('\n'),
  defaults: { lr: 1e-3, rho: 0.95, eps: 1e-7 },
  stateNames: ['accum_grad', 'accum_var'],
  validate: only([noWeightDecay, noMaximize]),
  kernel: (R: Round): Kernel<H> => (grad, state, params, diag, lr, h) => {
    const rho = R(h['rho'] as number);
    const omr = R(1 - (h['rho'] as number));
    const eps = R(h['eps'] as number);
    const c = R(-lr);
    const v = state.tensors['accum_grad']!;
    const u = state.tensors['accum_var']!;
    const n = params.length;
    const o = diag ? diag.offset : 0;
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      const g = R(grad[i]!);
      const vOld = v[i]!;
      const uOld = u[i]!;
      const vi = R(R(vOld * rho) + R(R(g * g) * omr));
      const ratio = R(R(Math.sqrt(R(uOld + eps))) / R(Math.sqrt(R(vOld + eps))));
      const delta = R(ratio * g);
      u[i] = R(R(uOld * rho) + R(R(delta * delta) * omr));
      v[i] = vi;
      const next = R(R(delta * c) + p);
      params[i] = next;
      if (diag) diagAt(diag, o + i, next - p, g, lr * ratio);
    }
  },
};

const betas = (h: H) => h['betas'] as Pair;

/**
 * `tf.train.adam(lr = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7)` (adam_optimizer.js:59-94):
 *   m ← R(R(m·β1) + R(g·R(1−β1)));  v ← R(R(v·β2) + R(R(g²)·R(1−β2)))
 *   m̂ = R(m / R(1 − B1)), v̂ = R(v / R(1 − B2));  θ ← R(R(R(m̂ / R(R(√v̂) + ε)) · R(−η)) + θ)
 *   B1 ← R(B1·β1), B2 ← R(B2·β2) after the step, B_1 = R(β) (accBeta1, accBeta2: float32 running products).
 * bias_correction = false (not in tfjs): m̂ = m, v̂ = v.
 */
export const tfjsAdam: ConventionForm<H> = {
  equations: [
    'm_t = β1 m_{t−1} + (1−β1) g;   v_t = β2 v_{t−1} + (1−β2) g²     (m, v)',
    'B1_t, B2_t: running products, B_1 = β, B_{t+1} = B_t·β           (accBeta1, accBeta2; float32 in tfjs)',
    'm̂_t = m_t/(1 − B1_t),  v̂_t = v_t/(1 − B2_t)',
    'θ ← (m̂_t / (√v̂_t + ε)) · (−η) + θ      (ε outside the root of the corrected v̂; tfjs default ε = 1e-7)',
    'bias_correction = false:  m̂ = m, v̂ = v',
  ].join('\n'),
  defaults: { eps: 1e-7 },
  stateNames: ['m', 'v'],
  scalarStateNames: ['accBeta1', 'accBeta2'],
  extraDiagnosticNames: ['m_hat', 'v_hat'],
  validate: only([noWeightDecay, noMaximize, ['amsgrad', false, 'tf.train.adam has no AMSGrad']]),
  initScalars: (h, R) => ({ accBeta1: R(betas(h)[0]), accBeta2: R(betas(h)[1]) }),
  kernel: (R: Round): Kernel<H> => (grad, state: OptimizerState, params, diag, lr, h) => {
    const [beta1, beta2] = betas(h);
    const b1 = R(beta1);
    const b2 = R(beta2);
    const omb1 = R(1 - beta1);
    const omb2 = R(1 - beta2);
    const eps = R(h['eps'] as number);
    const c = R(-lr);
    const corrected = h['bias_correction'] !== false;
    const A1 = state.scalars['accBeta1']!;
    const A2 = state.scalars['accBeta2']!;
    const omA1 = corrected ? R(1 - A1) : 1;
    const omA2 = corrected ? R(1 - A2) : 1;
    const m = state.tensors['m']!;
    const v = state.tensors['v']!;
    const mHat = diag ? diag.extra['m_hat']! : null;
    const vHat = diag ? diag.extra['v_hat']! : null;
    const n = params.length;
    const o = diag ? diag.offset : 0;
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      const g = R(grad[i]!);
      const mi = R(R(m[i]! * b1) + R(g * omb1));
      const vi = R(R(v[i]! * b2) + R(R(g * g) * omb2));
      const mh = R(mi / omA1);
      const vh = R(vi / omA2);
      m[i] = mi;
      v[i] = vi;
      const denom = R(R(Math.sqrt(vh)) + eps);
      const next = R(R(R(mh / denom) * c) + p);
      params[i] = next;
      if (diag) {
        diagAt(diag, o + i, next - p, mh, lr / denom);
        mHat![o + i] = mh;
        vHat![o + i] = vh;
      }
    }
    state.scalars['accBeta1'] = R(A1 * b1);
    state.scalars['accBeta2'] = R(A2 * b2);
  },
};

/**
 * `tf.train.adamax(lr = 0.002, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, decay = 0)` (adamax_optimizer.js:58-93):
 *   η_t = R(R(−η) / R(R(it·decay) + 1)) with decay = 0 here (no such hyperparameter: η_t = R(−η))
 *   m ← R(R(m·β1) + R(g·R(1−β1)));  u ← max(R(u·β2), |g|)
 *   θ ← R(R(R(η_t / R(1 − B1)) · R(m / R(u + ε))) + θ);  then iteration ← it + 1, B1 ← R(B1·β1)
 * bias_correction = false (not in tfjs): 1 − B1 replaced by 1.
 */
export const tfjsAdamax: ConventionForm<H> = {
  equations: [
    'm_t = β1 m_{t−1} + (1−β1) g                           (m)',
    'u_t = max(β2 u_{t−1}, |g|)                            (v: the weighted infinity norm; ε NOT inside the max)',
    'θ ← (−η/(1 − B1_t)) · m_t/(u_t + ε) + θ               (B1: running product accBeta1, B1_1 = β1; iteration counts steps)',
    'bias_correction = false:  θ ← (−η) · m_t/(u_t + ε) + θ',
  ].join('\n'),
  defaults: { eps: 1e-7 },
  stateNames: ['m', 'v'],
  scalarStateNames: ['accBeta1', 'iteration'],
  extraDiagnosticNames: ['m_hat'],
  validate: only([noWeightDecay, noMaximize]),
  initScalars: (h, R) => ({ accBeta1: R(betas(h)[0]), iteration: 0 }),
  kernel: (R: Round): Kernel<H> => (grad, state, params, diag, lr, h) => {
    const [beta1, beta2] = betas(h);
    const b1 = R(beta1);
    const b2 = R(beta2);
    const omb1 = R(1 - beta1);
    const eps = R(h['eps'] as number);
    const corrected = h['bias_correction'] !== false;
    const A1 = state.scalars['accBeta1']!;
    const omA1 = corrected ? R(1 - A1) : 1;
    const lrT = R(R(-lr) / R(R(state.scalars['iteration']! * 0) + 1));
    const scale = R(lrT / omA1);
    const m = state.tensors['m']!;
    const u = state.tensors['v']!;
    const mHat = diag ? diag.extra['m_hat']! : null;
    const n = params.length;
    const o = diag ? diag.offset : 0;
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      const g = R(grad[i]!);
      const mi = R(R(m[i]! * b1) + R(g * omb1));
      const ui = Math.max(R(u[i]! * b2), Math.abs(g)); // tf.maximum (NaN propagates, as Math.max)
      m[i] = mi;
      u[i] = ui;
      const denom = R(ui + eps);
      const next = R(R(scale * R(mi / denom)) + p);
      params[i] = next;
      if (diag) {
        const mh = R(mi / omA1);
        diagAt(diag, o + i, next - p, mh, lr / denom);
        mHat![o + i] = mh;
      }
    }
    state.scalars['iteration'] = R(state.scalars['iteration']! + 1);
    state.scalars['accBeta1'] = R(A1 * b1);
  },
};
