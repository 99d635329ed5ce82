// The Adam family: Adam/AMSGrad, AdamW, Adamax, NAdam, RAdam.
// Operation order follows torch 1.13's single-tensor functions (NAdam: the corrected formula of the
// foreach path, which current PyTorch uses everywhere; see README "NAdam").

import type { EquationTerm, LrFactorsDefinition, StepRecord } from '../types';
import type { StepDiagnostics } from '../types';
import { defineOptimizer, flag, num, pair, powInt, rules } from './common';
import { tfjsAdam, tfjsAdamax } from './tfjs';

const adamTextbook = {
  equations: 'm̂_t = m_t/(1−β1^t), v̂_t = v*_t/(1−β2^t);  θ ← θ − η m̂_t / √(v̂_t + ε)   (ε INSIDE the root; bias_correction = false: m̂ = m, v̂ = v*)',
  defaults: {},
  epsInsideSqrt: true,
};
import { alphaTerm, commonInputs, gradOf, gradTerm, hyper, input, stepTerms, term } from './terms';

type Pair = readonly [number, number];

const commonAdamParams = (lr: number) => [
  num('lr', lr, 'learning rate η', 1e-3),
  pair('betas', [0.9, 0.999], '(β1, β2): EMA factors of the gradient and of its square'),
  num('eps', 1e-8, 'ε added to the root of the second moment (outside the square root)', 1e-8),
];

/**
 * `bias_correction` (default true = PyTorch). Not a torch.optim keyword: torch always corrects; apex's and
 * DeepSpeed's FusedAdam/FusedLAMB have the same switch. Off, the moments are used as they are.
 */
const biasCorrectionFlag = (off: string) =>
  flag('bias_correction', true, `divide by the bias corrections 1−βᵗ (PyTorch, always on); false: ${off}`);

interface AdamH extends Record<string, number | boolean | Pair> {
  lr: number; betas: Pair; eps: number; weight_decay: number; amsgrad: boolean; maximize: boolean; bias_correction: boolean;
}

/** Adam and AdamW share one kernel; `decoupled` selects AdamW's θ ← θ(1 − ηλ). */
function adamKernel(decoupled: boolean) {
  return (
    grad: Float64Array,
    state: { step: number; tensors: Record<string, Float64Array> },
    params: Float64Array,
    diag: StepDiagnostics | null,
    lr: number,
    h: AdamH,
    convention: { epsInsideSqrt: boolean },
  ): void => {
    const b1 = h.betas[0];
    const b2 = h.betas[1];
    const { eps, weight_decay: wd, amsgrad, maximize } = h;
    const inside = convention.epsInsideSqrt;
    const m = state.tensors['exp_avg']!;
    const v = state.tensors['exp_avg_sq']!;
    const vmax = state.tensors['max_exp_avg_sq']!;
    const t = state.step;
    // Without bias correction both factors are exactly 1, so every expression below reduces to
    // θ ← θ − η m/(√v + ε) with no extra rounding (x/1 and √1 are exact).
    const corrected = h.bias_correction;
    const bc1 = corrected ? 1 - powInt(b1, t) : 1;
    const bc2 = corrected ? 1 - powInt(b2, t) : 1;
    const stepSize = lr / bc1;
    const bc2Sqrt = Math.sqrt(bc2);
    const decay = decoupled ? 1 - lr * wd : 1;
    const n = params.length;
    const o = diag ? diag.offset : 0; // row offset when diag is a window into recording columns
    if (diag === null && !maximize && !amsgrad && !inside && (decoupled || wd === 0)) {
      // The common configuration without recording, unswitched (same arithmetic as the general loop
      // below with wd = 0 / decay applied): one pass over p, g, m, v like a hand-written loop.
      if (decay === 1) {
        for (let i = 0; i < n; i++) {
          const g = grad[i]!;
          const mi = b1 * m[i]! + (1 - b1) * g;
          const vi = b2 * v[i]! + (1 - b2) * (g * g);
          m[i] = mi;
          v[i] = vi;
          params[i] = params[i]! + -stepSize * (mi / (Math.sqrt(vi) / bc2Sqrt + eps));
        }
      } else {
        for (let i = 0; i < n; i++) {
          const g = grad[i]!;
          const mi = b1 * m[i]! + (1 - b1) * g;
          const vi = b2 * v[i]! + (1 - b2) * (g * g);
          m[i] = mi;
          v[i] = vi;
          params[i] = params[i]! * decay + -stepSize * (mi / (Math.sqrt(vi) / bc2Sqrt + eps));
        }
      }
      return;
    }
    const mHat = diag ? diag.extra['exp_avg_hat']! : null;
    const vHat = diag ? diag.extra['exp_avg_sq_hat']! : null;
    for (let i = 0; i < n; i++) {
      const p0 = params[i]!;
      let g = maximize ? -grad[i]! : grad[i]!;
      let p = p0;
      if (decoupled) p = p * decay;
      else if (wd !== 0) g = g + wd * p;
      const mi = b1 * m[i]! + (1 - b1) * g;
      m[i] = mi;
      const vi = b2 * v[i]! + (1 - b2) * (g * g);
      v[i] = vi;
      let vUsed = vi;
      if (amsgrad) {
        vUsed = vmax[i]! > vi ? vmax[i]! : vi; // torch.maximum (NaN propagates through vi)
        if (vi !== vi) vUsed = vi;
        vmax[i] = vUsed;
      }
      const denom = inside ? Math.sqrt(vUsed / bc2 + eps) : Math.sqrt(vUsed) / bc2Sqrt + eps;
      const next = p + -stepSize * (mi / denom);
      params[i] = next;
      if (diag) {
        diag.update[o + i] = next - p0;
        diag.direction[o + i] = mi / bc1;
        diag.effectiveLr[o + i] = lr / denom;
        mHat![o + i] = mi / bc1;
        vHat![o + i] = vUsed / bc2;
      }
    }
  };
}

const adamEquations = (decoupled: boolean) => [
  decoupled ? 'θ ← θ (1 − η λ)          (decoupled weight decay, before the step)' : 'g ← ∇f(θ) (−∇f if maximize) + λθ',
  decoupled ? 'g ← ∇f(θ) (−∇f if maximize)' : null,
  'm_t = β1 m_{t−1} + (1−β1) g                          (exp_avg)',
  'v_t = β2 v_{t−1} + (1−β2) g²                         (exp_avg_sq)',
  'amsgrad: v*_t = max(v*_{t−1}, v_t)                   (max_exp_avg_sq, raw v)  else v*_t = v_t',
  'θ ← θ − (η / (1−β1^t)) · m_t / (√v*_t / √(1−β2^t) + ε)',
  'bias_correction = false:  θ ← θ − η m_t / (√v*_t + ε)       (m̂ = m, v̂ = v)',
].filter((l): l is string => l !== null).join('\n');

const adamEffLr = 'α = η / (√v̂_t + ε) with v̂_t = v*_t/(1−β2^t), on d = m̂_t = m_t/(1−β1^t) (bias_correction = false: v̂ = v*, m̂ = m).';


const betaOf = (s: StepRecord, k: 0 | 1) => (s.h['betas'] as Pair)[k];

/** m_t and v_t as the Adam family updates them, with their inputs (state before the step). */
function momentTerms(): EquationTerm[] {
  return [
    input('m_{t−1}', 'exp_avg before the step', (s) => s.prev('exp_avg')),
    term('m_t', '{β1}·{m_{t−1}} + (1 − {β1})·{g}', (_s, x) => x('β1') * x('m_{t−1}') + (1 - x('β1')) * x('g'),
      { name: 'exp_avg', recorded: (s) => s.state('exp_avg') }),
    input('v_{t−1}', 'exp_avg_sq before the step', (s) => s.prev('exp_avg_sq')),
    term('v_t', '{β2}·{v_{t−1}} + (1 − {β2})·{g}²', (_s, x) => x('β2') * x('v_{t−1}') + (1 - x('β2')) * (x('g') * x('g')),
      { name: 'exp_avg_sq', recorded: (s) => s.state('exp_avg_sq') }),
  ];
}
/** The bias corrections, or 1 with bias_correction = false (m̂ = m, v̂ = v*). */
const bc1Term = (corrected = true) => corrected
  ? term('bias_correction1', '1 − {β1}^{t}', (_s, x) => 1 - powInt(x('β1'), x('t')), { name: 'bias_correction1' })
  : term('bias_correction1', '1   (bias_correction = false)', () => 1, { name: 'bias_correction1' });
const bc2Term = (corrected = true) => corrected
  ? term('bias_correction2', '1 − {β2}^{t}', (_s, x) => 1 - powInt(x('β2'), x('t')), { name: 'bias_correction2' })
  : term('bias_correction2', '1   (bias_correction = false)', () => 1, { name: 'bias_correction2' });

/** Adam / AdamW / AMSGrad: α = lr_t · 1/(1−β1ᵗ) · 1/(√v̂ + ε) on u = m_t. */
const adamFactors: LrFactorsDefinition = {
  direction: 'u = m_t (exp_avg); the recorded direction is m̂_t = m_t/(1−β1ᵗ), so α·m_t = effectiveLr·m̂_t',
  schedule: 'η_t (lr after any schedule)',
  biasCorrection: '1/(1−β1ᵗ) (the first moment\'s; the second moment\'s is inside v̂)',
  preconditioner: '1/(√v̂_t + ε), v̂_t = v*_t/(1−β2ᵗ) (v* = max_exp_avg_sq with amsgrad, else exp_avg_sq); ε-inside-√ convention: 1/√(v̂_t + ε)',
  epsDominance: 'ε > √v̂_t (ε-inside-√ convention: ε > v̂_t)',
  evaluate(s, out) {
    const t = s.t;
    const eps = s.h['eps'] as number;
    // bias_correction = false: both factors are 1 (m̂ = m, v̂ = v*)
    const corrected = s.h['bias_correction'] !== false;
    const bc1 = corrected ? 1 - powInt(betaOf(s, 0), t) : 1;
    const bc2 = corrected ? 1 - powInt(betaOf(s, 1), t) : 1;
    const v = s.h['amsgrad'] === true ? s.state('max_exp_avg_sq') : s.state('exp_avg_sq');
    const root = Math.sqrt(v) / Math.sqrt(bc2);
    const denom = s.epsInsideSqrt ? Math.sqrt(v / bc2 + eps) : root + eps;
    out[0] = s.lr;
    out[1] = 1 / bc1;
    out[2] = 1 / denom;
    out[3] = s.state('exp_avg');
    out[4] = v !== v ? NaN : (s.epsInsideSqrt ? eps > v / bc2 : eps > root) ? 1 : 0;
  },
};

function adamEquationTerms(h: AdamH, decoupled: boolean): EquationTerm[] {
  const coupled = !decoupled && h.weight_decay !== 0;
  return [
    ...commonInputs(),
    hyper('β1', 'betas', 0),
    hyper('β2', 'betas', 1),
    hyper('ε', 'eps'),
    ...(decoupled || coupled ? [hyper('λ', 'weight_decay')] : []),
    ...(decoupled ? [term('θ′', '{θ_{t−1}}·(1 − {η}·{λ})   (decoupled weight decay)', (_s, x) => x('θ_{t−1}') * (1 - x('η') * x('λ')))] : []),
    gradTerm(h.maximize, coupled),
    ...momentTerms(),
    ...(h.amsgrad
      ? [
          input('v*_{t−1}', 'max_exp_avg_sq before the step', (s) => s.prev('max_exp_avg_sq')),
          term('v*_t', 'max({v*_{t−1}}, {v_t})', (_s, x) => {
            const a = x('v*_{t−1}');
            const b = x('v_t');
            return b !== b ? b : a > b ? a : b;
          }, { name: 'max_exp_avg_sq', recorded: (s) => s.state('max_exp_avg_sq') }),
        ]
      : [term('v*_t', '{v_t}', (_s, x) => x('v_t'))]),
    bc1Term(h.bias_correction !== false),
    bc2Term(h.bias_correction !== false),
    term('step_size', '{η} / {bias_correction1}', (_s, x) => x('η') / x('bias_correction1'), { name: 'step_size' }),
    term('denom', (s) => (s.epsInsideSqrt ? '√({v*_t}/{bias_correction2} + {ε})' : '√{v*_t} / √{bias_correction2} + {ε}'),
      (s, x) => (s.epsInsideSqrt ? Math.sqrt(x('v*_t') / x('bias_correction2') + x('ε')) : Math.sqrt(x('v*_t')) / Math.sqrt(x('bias_correction2')) + x('ε')),
      { name: 'denom' }),
    term('m̂_t', '{m_t} / {bias_correction1}', (_s, x) => x('m_t') / x('bias_correction1'), { name: 'exp_avg_hat', recorded: (s) => s.extra('exp_avg_hat') }),
    term('v̂_t', '{v*_t} / {bias_correction2}', (_s, x) => x('v*_t') / x('bias_correction2'), { name: 'exp_avg_sq_hat', recorded: (s) => s.extra('exp_avg_sq_hat') }),
    alphaTerm('{η} / {denom}', (_s, x) => x('η') / x('denom')),
    ...stepTerms(decoupled ? '{θ′} − {step_size}·{m_t}/{denom}' : '{θ_{t−1}} − {step_size}·{m_t}/{denom}',
      (_s, x) => (decoupled ? x('θ′') : x('θ_{t−1}')) + -x('step_size') * (x('m_t') / x('denom'))),
  ];
}

export const adam = defineOptimizer<AdamH>({
  name: 'adam',
  label: 'Adam / AMSGrad',
  torchName: 'torch.optim.Adam',
  hyperparameters: [
    ...commonAdamParams(1e-3),
    num('weight_decay', 0, 'L2 penalty λ added to the gradient (coupled; see AdamW)', 1e-4),
    flag('amsgrad', false, 'AMSGrad: divide by the running maximum of v'),
    flag('maximize', false, 'maximize the objective instead of minimizing'),
    biasCorrectionFlag('θ ← θ − η m/(√v + ε)'),
  ],
  equations: adamEquations(false),
  effectiveLrDefinition: adamEffLr,
  stateNames: ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'],
  activeStateNames: (h) => ['exp_avg', 'exp_avg_sq', ...(h.amsgrad ? ['max_exp_avg_sq'] : [])],
  extraDiagnosticNames: ['exp_avg_hat', 'exp_avg_sq_hat'],
  validate: (h, fail) => rules.betas(h, fail),
  conventions: { tfjs: tfjsAdam, textbook: adamTextbook },
  lrFactors: adamFactors,
  stepEquations: (h) => adamEquationTerms(h, false),
  kernel: adamKernel(false),
});

export const adamw = defineOptimizer<AdamH>({
  name: 'adamw',
  label: 'AdamW',
  torchName: 'torch.optim.AdamW',
  hyperparameters: [
    ...commonAdamParams(1e-3),
    num('weight_decay', 1e-2, 'decoupled weight decay λ: θ ← θ(1 − ηλ) before each step', 1e-3),
    flag('amsgrad', false, 'AMSGrad: divide by the running maximum of v'),
    flag('maximize', false, 'maximize the objective instead of minimizing'),
    biasCorrectionFlag('θ ← θ − η m/(√v + ε)'),
  ],
  equations: adamEquations(true),
  effectiveLrDefinition: `${adamEffLr} The decay θ(1 − ηλ) is applied before, outside α.`,
  stateNames: ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'],
  activeStateNames: (h) => ['exp_avg', 'exp_avg_sq', ...(h.amsgrad ? ['max_exp_avg_sq'] : [])],
  extraDiagnosticNames: ['exp_avg_hat', 'exp_avg_sq_hat'],
  validate: (h, fail) => rules.betas(h, fail),
  conventions: { textbook: { ...adamTextbook, equations: `θ ← θ (1 − η λ) first, then ${adamTextbook.equations}` } },
  lrFactors: { ...adamFactors, direction: `${adamFactors.direction}; the decay θ(1 − ηλ) is outside α` },
  stepEquations: (h) => adamEquationTerms(h, true),
  kernel: adamKernel(true),
});

interface AdamaxH extends Record<string, number | boolean | Pair> {
  lr: number; betas: Pair; eps: number; weight_decay: number; maximize: boolean; bias_correction: boolean;
}

export const adamax = defineOptimizer<AdamaxH>({
  name: 'adamax',
  label: 'Adamax',
  torchName: 'torch.optim.Adamax',
  hyperparameters: [
    num('lr', 2e-3, 'learning rate η', 1e-3),
    pair('betas', [0.9, 0.999], '(β1, β2): EMA factor of the gradient, decay of the infinity norm'),
    num('eps', 1e-8, 'ε added to |g| inside the max', 1e-8),
    num('weight_decay', 0, 'L2 penalty λ added to the gradient', 1e-4),
    flag('maximize', false, 'maximize the objective instead of minimizing'),
    biasCorrectionFlag('θ ← θ − η m/u (the infinity norm u needs no correction)'),
  ],
  equations: [
    'g ← ∇f(θ) (−∇f if maximize) + λθ',
    'm_t = β1 m_{t−1} + (1−β1) g                 (exp_avg)',
    'u_t = max(β2 u_{t−1}, |g| + ε)              (exp_inf)',
    'θ ← θ − (η / (1−β1^t)) · m_t / u_t',
    'bias_correction = false:  θ ← θ − η m_t / u_t      (m̂ = m)',
  ].join('\n'),
  effectiveLrDefinition: 'α = η / u_t on d = m̂_t = m_t/(1−β1^t) (bias_correction = false: m̂ = m).',
  stateNames: ['exp_avg', 'exp_inf'],
  extraDiagnosticNames: ['exp_avg_hat'],
  conventions: { tfjs: tfjsAdamax },
  validate: (h, fail) => rules.betas(h, fail),
  lrFactors: {
    direction: 'u = m_t (exp_avg); the recorded direction is m̂_t = m_t/(1−β1ᵗ)',
    schedule: 'η_t (lr after any schedule)',
    biasCorrection: '1/(1−β1ᵗ) (the infinity norm u_t needs none)',
    preconditioner: '1/u_t, u_t = max(β2 u_{t−1}, |g| + ε) (exp_inf)',
    epsDominance: 'u_t < 2ε, i.e. ε is more than half of the denominator u_t (as ε > √v̂ is for Adam)',
    evaluate(s, out) {
      const eps = s.h['eps'] as number;
      const u = s.state('exp_inf');
      out[0] = s.lr;
      out[1] = s.h['bias_correction'] === false ? 1 : 1 / (1 - powInt(betaOf(s, 0), s.t));
      out[2] = 1 / u;
      out[3] = s.state('exp_avg');
      out[4] = u !== u ? NaN : u < 2 * eps ? 1 : 0;
    },
  },
  stepEquations: (h) => [
    ...commonInputs(),
    hyper('β1', 'betas', 0),
    hyper('β2', 'betas', 1),
    hyper('ε', 'eps'),
    ...(h.weight_decay !== 0 ? [hyper('λ', 'weight_decay')] : []),
    gradTerm(h.maximize, h.weight_decay !== 0),
    input('m_{t−1}', 'exp_avg before the step', (s) => s.prev('exp_avg')),
    term('m_t', '{β1}·{m_{t−1}} + (1 − {β1})·{g}', (_s, x) => x('β1') * x('m_{t−1}') + (1 - x('β1')) * x('g'),
      { name: 'exp_avg', recorded: (s) => s.state('exp_avg') }),
    input('u_{t−1}', 'exp_inf before the step', (s) => s.prev('exp_inf')),
    term('u_t', 'max({β2}·{u_{t−1}}, |{g}| + {ε})', (_s, x) => {
      const a = x('β2') * x('u_{t−1}');
      const b = Math.abs(x('g')) + x('ε');
      return a > b ? a : b !== b ? b : a !== a ? a : b;
    }, { name: 'exp_inf', recorded: (s) => s.state('exp_inf') }),
    bc1Term(h.bias_correction !== false),
    term('clr', '{η} / {bias_correction1}', (_s, x) => x('η') / x('bias_correction1'), { name: 'clr' }),
    term('m̂_t', '{m_t} / {bias_correction1}', (_s, x) => x('m_t') / x('bias_correction1'), { name: 'exp_avg_hat', recorded: (s) => s.extra('exp_avg_hat') }),
    alphaTerm('{η} / {u_t}', (_s, x) => x('η') / x('u_t')),
    ...stepTerms('{θ_{t−1}} − {clr}·{m_t}/{u_t}', (_s, x) => x('θ_{t−1}') + -x('clr') * (x('m_t') / x('u_t'))),
  ],
  kernel(grad, state, params, diag, lr, h) {
    const b1 = h.betas[0];
    const b2 = h.betas[1];
    const { eps, weight_decay: wd, maximize } = h;
    const m = state.tensors['exp_avg']!;
    const u = state.tensors['exp_inf']!;
    const bc1 = h.bias_correction ? 1 - powInt(b1, state.step) : 1;
    const clr = lr / bc1;
    const mHat = diag ? diag.extra['exp_avg_hat']! : null;
    const n = params.length;
    const o = diag ? diag.offset : 0; // row offset when diag is a window into recording columns
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      let g = maximize ? -grad[i]! : grad[i]!;
      if (wd !== 0) g = g + wd * p;
      const mi = b1 * m[i]! + (1 - b1) * g;
      m[i] = mi;
      const a = b2 * u[i]!;
      const b = Math.abs(g) + eps;
      const ui = a > b ? a : b !== b ? b : a !== a ? a : b; // torch.amax propagates NaN
      u[i] = ui;
      const next = p + -clr * (mi / ui);
      params[i] = next;
      if (diag) {
        diag.update[o + i] = next - p;
        diag.direction[o + i] = mi / bc1;
        diag.effectiveLr[o + i] = lr / ui;
        mHat![o + i] = mi / bc1;
      }
    }
  },
});

interface NadamH extends Record<string, number | boolean | Pair> {
  lr: number; betas: Pair; eps: number; weight_decay: number; momentum_decay: number; maximize: boolean; bias_correction: boolean;
}

export const nadam = defineOptimizer<NadamH>({
  name: 'nadam',
  label: 'NAdam',
  torchName: 'torch.optim.NAdam',
  hyperparameters: [
    ...commonAdamParams(2e-3),
    num('weight_decay', 0, 'L2 penalty λ added to the gradient', 1e-4),
    num('momentum_decay', 4e-3, 'ψ in the momentum schedule μ_t = β1(1 − ½·0.96^(tψ))', 1e-3),
    flag('maximize', false, 'maximize the objective instead of minimizing'),
    biasCorrectionFlag('θ ← θ − η(1−μ_t)·g/D − η μ_{t+1}·m/D with D = √v + ε'),
  ],
  equations: [
    'g ← ∇f(θ) (−∇f if maximize) + λθ',
    'μ_t = β1 (1 − ½·0.96^(tψ)),  μ_{t+1} = β1 (1 − ½·0.96^((t+1)ψ))',
    'Π_t = Π_{t−1} μ_t  (mu_product, Π_0 = 1),   Π′ = Π_t μ_{t+1}',
    'm_t = β1 m_{t−1} + (1−β1) g;  v_t = β2 v_{t−1} + (1−β2) g²   (exp_avg, exp_avg_sq)',
    'D = √v_t / √(1−β2^t) + ε',
    'θ ← θ − η(1−μ_t)/(1−Π_t) · g/D − η μ_{t+1}/(1−Π′) · m_t/D',
    'bias_correction = false:  D = √v_t + ε;  θ ← θ − η(1−μ_t) · g/D − η μ_{t+1} · m_t/D   (1−Π_t, 1−Π′, 1−β2^t replaced by 1)',
  ].join('\n'),
  effectiveLrDefinition: 'α = η / D_t on d = (1−μ_t)/(1−Π_t)·g + μ_{t+1}/(1−Π′)·m_t (bias_correction = false: without the 1/(1−Π) factors).',
  stateNames: ['exp_avg', 'exp_avg_sq'],
  scalarStateNames: ['mu_product'],
  extraDiagnosticNames: ['exp_avg_hat', 'exp_avg_sq_hat'],
  validate(h, fail) {
    rules.betas(h, fail);
    if (h.momentum_decay < 0) fail('momentum_decay', `must be >= 0, got ${h.momentum_decay}`);
  },
  initScalars: () => ({ mu_product: 1 }),
  lrFactors: {
    direction: 'u = (1−μ_t)/(1−Π_t)·g + μ_{t+1}/(1−Π_t μ_{t+1})·m_t: the recorded direction d (NAdam\'s two momentum corrections are in it)',
    schedule: 'η_t (lr after any schedule)',
    biasCorrection: '1 (the first-moment corrections (1−Π) are in the direction; the second moment\'s is inside v̂)',
    preconditioner: '1/(√v̂_t + ε), v̂_t = v_t/(1−β2ᵗ); ε-inside-√ convention: 1/√(v̂_t + ε)',
    epsDominance: 'ε > √v̂_t (ε-inside-√ convention: ε > v̂_t)',
    evaluate(s, out) {
      const t = s.t;
      const eps = s.h['eps'] as number;
      const b1 = betaOf(s, 0);
      const psi = s.h['momentum_decay'] as number;
      const bc2 = 1 - powInt(betaOf(s, 1), t);
      const v = s.state('exp_avg_sq');
      const root = Math.sqrt(v) / Math.sqrt(bc2);
      const D = s.epsInsideSqrt ? Math.sqrt(v / bc2 + eps) : root + eps;
      const mu = b1 * (1 - 0.5 * 0.96 ** (t * psi));
      const muNext = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi));
      const prod = s.scalar('mu_product');
      out[0] = s.lr;
      out[1] = 1;
      out[2] = 1 / D;
      out[3] = ((1 - mu) / (1 - prod)) * gradOf(s) + (muNext / (1 - prod * muNext)) * s.state('exp_avg');
      out[4] = v !== v ? NaN : (s.epsInsideSqrt ? eps > v / bc2 : eps > root) ? 1 : 0;
    },
  },
  stepEquations: (h) => [
    ...commonInputs(),
    hyper('β1', 'betas', 0),
    hyper('β2', 'betas', 1),
    hyper('ε', 'eps'),
    hyper('ψ', 'momentum_decay'),
    ...(h.weight_decay !== 0 ? [hyper('λ', 'weight_decay')] : []),
    gradTerm(h.maximize, h.weight_decay !== 0),
    term('μ_t', '{β1}·(1 − ½·0.96^({t}·{ψ}))', (_s, x) => x('β1') * (1 - 0.5 * 0.96 ** (x('t') * x('ψ')))),
    term('μ_{t+1}', '{β1}·(1 − ½·0.96^(({t}+1)·{ψ}))', (_s, x) => x('β1') * (1 - 0.5 * 0.96 ** ((x('t') + 1) * x('ψ')))),
    input('Π_{t−1}', 'mu_product before the step (1 at t = 1)', (s) => s.prevScalar('mu_product')),
    term('Π_t', '{Π_{t−1}}·{μ_t}', (_s, x) => x('Π_{t−1}') * x('μ_t'), { name: 'mu_product', recorded: (s) => s.scalar('mu_product') }),
    ...momentTerms(),
    bc2Term(),
    term('denom', (s) => (s.epsInsideSqrt ? '√({v_t}/{bias_correction2} + {ε})' : '√{v_t} / √{bias_correction2} + {ε}'),
      (s, x) => (s.epsInsideSqrt ? Math.sqrt(x('v_t') / x('bias_correction2') + x('ε')) : Math.sqrt(x('v_t')) / Math.sqrt(x('bias_correction2')) + x('ε')),
      { name: 'denom' }),
    term('c_g', '{η}·(1 − {μ_t}) / (1 − {Π_t})', (_s, x) => (x('η') * (1 - x('μ_t'))) / (1 - x('Π_t'))),
    term('c_m', '{η}·{μ_{t+1}} / (1 − {Π_t}·{μ_{t+1}})', (_s, x) => (x('η') * x('μ_{t+1}')) / (1 - x('Π_t') * x('μ_{t+1}'))),
    alphaTerm('{η} / {denom}', (_s, x) => x('η') / x('denom')),
    ...stepTerms('{θ_{t−1}} − {c_g}·{g}/{denom} − {c_m}·{m_t}/{denom}',
      (_s, x) => x('θ_{t−1}') + -x('c_g') * (x('g') / x('denom')) + -x('c_m') * (x('m_t') / x('denom'))),
  ],
  kernel(grad, state, params, diag, lr, h, convention) {
    const b1 = h.betas[0];
    const b2 = h.betas[1];
    const { eps, weight_decay: wd, momentum_decay: psi, maximize } = h;
    const inside = convention.epsInsideSqrt;
    const m = state.tensors['exp_avg']!;
    const v = state.tensors['exp_avg_sq']!;
    const t = state.step;
    const corrected = h.bias_correction;
    const bc2 = corrected ? 1 - powInt(b2, t) : 1;
    const bc2Sqrt = Math.sqrt(bc2);
    const mu = b1 * (1 - 0.5 * 0.96 ** (t * psi));
    const muNext = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi));
    const muProduct = state.scalars['mu_product']! * mu;
    state.scalars['mu_product'] = muProduct;
    const c1 = corrected ? 1 - muProduct : 1; // 1 − Π_t
    const c2 = corrected ? 1 - muProduct * muNext : 1; // 1 − Π′
    const cg = (lr * (1 - mu)) / c1;
    const cm = (lr * muNext) / c2;
    const wg = (1 - mu) / c1;
    const wm = muNext / c2;
    const mHat = diag ? diag.extra['exp_avg_hat']! : null;
    const vHat = diag ? diag.extra['exp_avg_sq_hat']! : null;
    const bc1 = corrected ? 1 - powInt(b1, t) : 1;
    const n = params.length;
    const o = diag ? diag.offset : 0; // row offset when diag is a window into recording columns
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      let g = maximize ? -grad[i]! : grad[i]!;
      if (wd !== 0) g = g + wd * p;
      const mi = b1 * m[i]! + (1 - b1) * g;
      m[i] = mi;
      const vi = b2 * v[i]! + (1 - b2) * (g * g);
      v[i] = vi;
      const D = inside ? Math.sqrt(vi / bc2 + eps) : Math.sqrt(vi) / bc2Sqrt + eps;
      const mid = p + -cg * (g / D);
      const next = mid + -cm * (mi / D);
      params[i] = next;
      if (diag) {
        diag.update[o + i] = next - p;
        diag.direction[o + i] = wg * g + wm * mi;
        diag.effectiveLr[o + i] = lr / D;
        mHat![o + i] = mi / bc1;
        vHat![o + i] = vi / bc2;
      }
    }
  },
});

interface RadamH extends Record<string, number | boolean | Pair> {
  lr: number; betas: Pair; eps: number; weight_decay: number; maximize: boolean;
}

/** RAdam's branch at step t: the variance estimate is used once ρ_t > 5. */
function radamAdaptive(s: StepRecord): boolean {
  const b2 = betaOf(s, 1);
  const rhoInf = 2 / (1 - b2) - 1;
  return rhoInf - (2 * s.t * powInt(b2, s.t)) / (1 - powInt(b2, s.t)) > 5;
}

export const radam = defineOptimizer<RadamH>({
  name: 'radam',
  label: 'RAdam',
  torchName: 'torch.optim.RAdam',
  hyperparameters: [
    ...commonAdamParams(1e-3),
    num('weight_decay', 0, 'L2 penalty λ added to the gradient', 1e-4),
    flag('maximize', false, 'maximize the objective instead of minimizing'),
  ],
  equations: [
    'g ← ∇f(θ) (−∇f if maximize) + λθ',
    'm_t, v_t as Adam;  m̂_t = m_t/(1−β1^t)',
    'ρ∞ = 2/(1−β2) − 1;   ρ_t = ρ∞ − 2 t β2^t / (1−β2^t)',
    'ρ_t > 5: r_t = √((ρ_t−4)(ρ_t−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρ_t));  θ ← θ − η m̂_t r_t √(1−β2^t) / (√v_t + ε)',
    'else:    θ ← θ − η m̂_t      (un-adapted momentum SGD while the variance estimate is unreliable)',
    'No bias_correction switch: r_t rectifies the variance of the adaptive lr; it is not the 1/(1−βᵗ) correction, which RAdam always applies to m (and to v via √(1−β2^t)).',
  ].join('\n'),
  effectiveLrDefinition: 'α = η r_t √(1−β2^t) / (√v_t + ε) on d = m̂_t when ρ_t > 5, else α = η.',
  stateNames: ['exp_avg', 'exp_avg_sq'],
  extraDiagnosticNames: ['exp_avg_hat', 'exp_avg_sq_hat'],
  validate: (h, fail) => rules.betas(h, fail),
  lrFactors: {
    direction: 'u = m_t (exp_avg); the recorded direction is m̂_t = m_t/(1−β1ᵗ)',
    schedule: 'η_t (lr after any schedule)',
    biasCorrection: '1/(1−β1ᵗ)',
    preconditioner: 'ρ_t > 5: r_t·√(1−β2ᵗ)/(√v_t + ε) (the rectification r_t and the second moment\'s correction, ε outside as PyTorch adds it to √v_t); ρ_t ≤ 5: 1',
    epsDominance: 'ρ_t > 5: ε > √v_t (ε-inside-√: ε > v_t); not applicable (NaN) while ρ_t ≤ 5, when ε is not used',
    evaluate(s, out) {
      const t = s.t;
      const eps = s.h['eps'] as number;
      const b2 = betaOf(s, 1);
      const bc2 = 1 - powInt(b2, t);
      const rhoInf = 2 / (1 - b2) - 1;
      const rhoT = rhoInf - (2 * t * powInt(b2, t)) / bc2;
      const v = s.state('exp_avg_sq');
      out[0] = s.lr;
      out[1] = 1 / (1 - powInt(betaOf(s, 0), t));
      out[3] = s.state('exp_avg');
      if (rhoT > 5) {
        const rect = Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
        out[2] = (rect * Math.sqrt(bc2)) / (s.epsInsideSqrt ? Math.sqrt(v + eps) : Math.sqrt(v) + eps);
        out[4] = v !== v ? NaN : (s.epsInsideSqrt ? eps > v : eps > Math.sqrt(v)) ? 1 : 0;
      } else {
        out[2] = 1;
        out[4] = NaN;
      }
    },
  },
  stepEquations: (h) => [
    ...commonInputs(),
    hyper('β1', 'betas', 0),
    hyper('β2', 'betas', 1),
    hyper('ε', 'eps'),
    ...(h.weight_decay !== 0 ? [hyper('λ', 'weight_decay')] : []),
    gradTerm(h.maximize, h.weight_decay !== 0),
    ...momentTerms(),
    bc1Term(),
    bc2Term(),
    term('m̂_t', '{m_t} / {bias_correction1}', (_s, x) => x('m_t') / x('bias_correction1'), { name: 'exp_avg_hat', recorded: (s) => s.extra('exp_avg_hat') }),
    term('ρ∞', '2/(1 − {β2}) − 1', (_s, x) => 2 / (1 - x('β2')) - 1, { name: 'rho_inf' }),
    term('ρ_t', '{ρ∞} − 2·{t}·{β2}^{t} / {bias_correction2}', (_s, x) => x('ρ∞') - (2 * x('t') * powInt(x('β2'), x('t'))) / x('bias_correction2'), { name: 'rho_t' }),
    term('r_t', (s) => `√(({ρ_t}−4)({ρ_t}−2){ρ∞} / (({ρ∞}−4)({ρ∞}−2){ρ_t}))${radamAdaptive(s) ? '' : '   (ρ_t ≤ 5: not used)'}`,
      (s, x) => (radamAdaptive(s) ? Math.sqrt(((x('ρ_t') - 4) * (x('ρ_t') - 2) * x('ρ∞')) / ((x('ρ∞') - 4) * (x('ρ∞') - 2) * x('ρ_t'))) : NaN), { name: 'rect' }),
    term('denom', (s) => `${s.epsInsideSqrt ? '√({v_t} + {ε})' : '√{v_t} + {ε}'}${radamAdaptive(s) ? '' : '   (ρ_t ≤ 5: not used)'}`,
      (s, x) => (radamAdaptive(s) ? (s.epsInsideSqrt ? Math.sqrt(x('v_t') + x('ε')) : Math.sqrt(x('v_t')) + x('ε')) : NaN)),
    term('adaptive_lr', (s) => `√{bias_correction2} / {denom}${radamAdaptive(s) ? '' : '   (ρ_t ≤ 5: not used)'}`,
      (s, x) => (radamAdaptive(s) ? Math.sqrt(x('bias_correction2')) / x('denom') : NaN), { name: 'adaptive_lr' }),
    alphaTerm((s) => (radamAdaptive(s) ? '{η}·{adaptive_lr}·{r_t}' : '{η}   (ρ_t ≤ 5: un-adapted)'),
      (s, x) => (radamAdaptive(s) ? x('η') * x('adaptive_lr') * x('r_t') : x('η'))),
    ...stepTerms('{θ_{t−1}} − {m̂_t}·{α}', (s, x) => (radamAdaptive(s)
      ? x('θ_{t−1}') + -1 * (x('m̂_t') * x('η') * x('adaptive_lr') * x('r_t'))
      : x('θ_{t−1}') + -1 * (x('m̂_t') * x('η')))),
  ],
  kernel(grad, state, params, diag, lr, h, convention) {
    const b1 = h.betas[0];
    const b2 = h.betas[1];
    const { eps, weight_decay: wd, maximize } = h;
    const inside = convention.epsInsideSqrt;
    const m = state.tensors['exp_avg']!;
    const v = state.tensors['exp_avg_sq']!;
    const t = state.step;
    const bc1 = 1 - powInt(b1, t);
    const bc2 = 1 - powInt(b2, t);
    const rhoInf = 2 / (1 - b2) - 1;
    const rhoT = rhoInf - (2 * t * powInt(b2, t)) / bc2;
    const adaptive = rhoT > 5;
    const rect = adaptive ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 1;
    const bc2Sqrt = Math.sqrt(bc2);
    const mHat = diag ? diag.extra['exp_avg_hat']! : null;
    const vHat = diag ? diag.extra['exp_avg_sq_hat']! : null;
    const n = params.length;
    const o = diag ? diag.offset : 0; // row offset when diag is a window into recording columns
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      let g = maximize ? -grad[i]! : grad[i]!;
      if (wd !== 0) g = g + wd * p;
      const mi = b1 * m[i]! + (1 - b1) * g;
      m[i] = mi;
      const vi = b2 * v[i]! + (1 - b2) * (g * g);
      v[i] = vi;
      const mh = mi / bc1;
      let alpha = lr;
      if (adaptive) {
        const root = inside ? Math.sqrt(vi + eps) : Math.sqrt(vi) + eps;
        const adaptiveLr = bc2Sqrt / root;
        alpha = lr * adaptiveLr * rect;
        params[i] = p + -1 * (mh * lr * adaptiveLr * rect);
      } else {
        params[i] = p + -1 * (mh * lr);
      }
      if (diag) {
        diag.update[o + i] = params[i]! - p;
        diag.direction[o + i] = mh;
        diag.effectiveLr[o + i] = alpha;
        mHat![o + i] = mh;
        vHat![o + i] = vi / bc2;
      }
    }
  },
});
