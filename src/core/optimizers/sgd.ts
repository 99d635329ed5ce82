// SGD (plain gradient descent, heavy-ball momentum, Nesterov) and signSGD/Signum.
// Kernel order follows torch 1.13 `_single_tensor_sgd` (torch/optim/sgd.py:224-245).

import { defineOptimizer, flag, num, sign } from './common';
import { tfjsSgd } from './tfjs';
import { alphaTerm, commonInputs, gradOf, gradTerm, hyper, input, stepTerms, term } from './terms';

interface SgdH extends Record<string, number | boolean> {
  lr: number; momentum: number; dampening: number; weight_decay: number; nesterov: boolean; maximize: boolean;
}

export const sgd = defineOptimizer<SgdH>({
  name: 'sgd',
  label: 'SGD / Momentum / Nesterov',
  torchName: 'torch.optim.SGD',
  hyperparameters: [
    num('lr', 1e-3, 'learning rate η (torch ≥ 2.2 default 1e-3; torch 1.13 required it)', 1e-3),
    num('momentum', 0, 'momentum factor μ (0 = plain gradient descent)', 0.1),
    num('dampening', 0, 'dampening δ for momentum (not applied on the first step)', 0.1),
    num('weight_decay', 0, 'L2 penalty λ, added to the gradient: g ← g + λθ', 1e-4),
    flag('nesterov', false, 'Nesterov momentum (needs momentum > 0 and dampening = 0)'),
    flag('maximize', false, 'maximize the objective instead of minimizing'),
  ],
  equations: [
    'g ← ∇f(θ) (−∇f if maximize) + λθ',
    'b₁ = g;  b_t = μ b_{t−1} + (1−δ) g        (only when μ ≠ 0)',
    'u = g + μ b_t (nesterov)  |  b_t (momentum)  |  g (plain)',
    'θ ← θ − η u',
  ].join('\n'),
  effectiveLrDefinition: 'α = η on d = g (plain), d = b_t (heavy ball), d = g + μ b_t (Nesterov).',
  stateNames: ['momentum_buffer'],
  activeStateNames: (h) => (h.momentum !== 0 ? ['momentum_buffer'] : []),
  conventions: {
    tfjs: tfjsSgd,
    textbook: { equations: 'as PyTorch: θ ← θ − η g;  momentum: b_t = μ b_{t−1} + g, θ ← θ − η b_t  (b_1 = g)', defaults: {}, epsInsideSqrt: false },
  },
  lrFactors: {
    direction: 'u = g (plain), b_t (heavy ball), g + μ b_t (Nesterov): the recorded direction d',
    schedule: 'η_t (lr after any schedule)',
    biasCorrection: '1 (no moment estimate is bias-corrected)',
    preconditioner: '1 (no preconditioner)',
    epsDominance: null,
    evaluate(s, out) {
      const mu = s.h['momentum'] as number;
      const g = gradOf(s);
      const b = s.state('momentum_buffer');
      out[0] = s.lr;
      out[1] = 1;
      out[2] = 1;
      out[3] = mu === 0 ? g : s.h['nesterov'] === true ? g + mu * b : b;
      out[4] = NaN;
    },
  },
  stepEquations: (h) => [
    ...commonInputs(),
    ...(h.momentum !== 0 ? [hyper('μ', 'momentum'), hyper('δ', 'dampening')] : []),
    ...(h.weight_decay !== 0 ? [hyper('λ', 'weight_decay')] : []),
    gradTerm(h.maximize, h.weight_decay !== 0),
    ...(h.momentum !== 0
      ? [
          input('b_{t−1}', 'momentum_buffer before the step', (s) => s.prev('momentum_buffer')),
          term('b_t', (s) => (s.t === 1 ? '{g}   (first step: b_1 = g)' : '{μ}·{b_{t−1}} + (1 − {δ})·{g}'),
            (s, x) => (s.t === 1 ? x('g') : x('μ') * x('b_{t−1}') + (1 - x('δ')) * x('g')),
            { name: 'momentum_buffer', recorded: (s) => s.state('momentum_buffer') }),
          h.nesterov
            ? term('u', '{g} + {μ}·{b_t}', (_s, x) => x('g') + x('μ') * x('b_t'), { recorded: (s) => s.direction })
            : term('u', '{b_t}', (_s, x) => x('b_t'), { recorded: (s) => s.direction }),
        ]
      : [term('u', '{g}', (_s, x) => x('g'), { recorded: (s) => s.direction })]),
    alphaTerm('{η}', (_s, x) => x('η')),
    ...stepTerms('{θ_{t−1}} − {η}·{u}', (_s, x) => x('θ_{t−1}') + -x('η') * x('u')),
  ],
  validate(h, fail) {
    if (h.momentum < 0) fail('momentum', `must be >= 0, got ${h.momentum}`);
    if (h.dampening < 0) fail('dampening', `must be >= 0, got ${h.dampening}`);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      fail('nesterov', 'Nesterov momentum requires a momentum > 0 and zero dampening');
    }
  },
  kernel(grad, state, params, diag, lr, h) {
    const { momentum: mu, dampening, weight_decay: wd, nesterov, maximize } = h;
    const buf = state.tensors['momentum_buffer']!;
    const first = state.step === 1;
    const n = params.length;
    const o = diag ? diag.offset : 0; // row offset when diag is a window into recording columns
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      let d = maximize ? -grad[i]! : grad[i]!;
      if (wd !== 0) d = d + wd * p;
      if (mu !== 0) {
        const b = first ? d : mu * buf[i]! + (1 - dampening) * d;
        buf[i] = b;
        d = nesterov ? d + mu * b : b;
      }
      const next = p + -lr * d;
      params[i] = next;
      if (diag) {
        diag.update[o + i] = next - p;
        diag.direction[o + i] = d;
        diag.effectiveLr[o + i] = lr;
      }
    }
  },
});

interface SignH extends Record<string, number | boolean> {
  lr: number; momentum: number; weight_decay: number; maximize: boolean;
}

export const signsgd = defineOptimizer<SignH>({
  name: 'signsgd',
  label: 'signSGD / Signum',
  torchName: 'none (torch.optim.SGD stepping on sign(g) when momentum = 0)',
  hyperparameters: [
    num('lr', 1e-2, 'learning rate η: every coordinate moves by exactly η', 1e-3),
    num('momentum', 0, 'Signum momentum β: the sign is taken of the EMA m = βm + (1−β)g', 0.1),
    num('weight_decay', 0, 'L2 penalty λ added to the gradient before the sign', 1e-4),
    flag('maximize', false, 'maximize the objective instead of minimizing'),
  ],
  equations: [
    'g ← ∇f(θ) (−∇f if maximize) + λθ',
    'm_t = β m_{t−1} + (1−β) g,  m_0 = 0        (only when β ≠ 0: Signum)',
    'θ ← θ − η sign(m_t)   (β = 0: θ ← θ − η sign(g)),  sign(0) = 0',
  ].join('\n'),
  effectiveLrDefinition: 'α = η on d = sign(g) (or sign(m_t) with momentum).',
  stateNames: ['momentum_buffer'],
  activeStateNames: (h) => (h.momentum !== 0 ? ['momentum_buffer'] : []),
  lrFactors: {
    direction: 'u = sign(g) (sign(m_t) with momentum): the recorded direction d',
    schedule: 'η_t (lr after any schedule)',
    biasCorrection: '1',
    preconditioner: '1 (every coordinate moves by exactly η_t)',
    epsDominance: null,
    evaluate(s, out) {
      out[0] = s.lr;
      out[1] = 1;
      out[2] = 1;
      out[3] = sign((s.h['momentum'] as number) !== 0 ? s.state('momentum_buffer') : gradOf(s));
      out[4] = NaN;
    },
  },
  stepEquations: (h) => [
    ...commonInputs(),
    ...(h.momentum !== 0 ? [hyper('β', 'momentum')] : []),
    ...(h.weight_decay !== 0 ? [hyper('λ', 'weight_decay')] : []),
    gradTerm(h.maximize, h.weight_decay !== 0),
    ...(h.momentum !== 0
      ? [
          input('m_{t−1}', 'momentum_buffer before the step', (s) => s.prev('momentum_buffer')),
          term('m_t', '{β}·{m_{t−1}} + (1 − {β})·{g}', (_s, x) => x('β') * x('m_{t−1}') + (1 - x('β')) * x('g'),
            { name: 'momentum_buffer', recorded: (s) => s.state('momentum_buffer') }),
          term('d', 'sign({m_t})', (_s, x) => sign(x('m_t')), { recorded: (s) => s.direction }),
        ]
      : [term('d', 'sign({g})', (_s, x) => sign(x('g')), { recorded: (s) => s.direction })]),
    alphaTerm('{η}', (_s, x) => x('η')),
    ...stepTerms('{θ_{t−1}} − {η}·{d}', (_s, x) => x('θ_{t−1}') + -x('η') * x('d')),
  ],
  validate(h, fail) {
    if (h.momentum < 0 || h.momentum >= 1) fail('momentum', `must be in [0, 1), got ${h.momentum}`);
  },
  kernel(grad, state, params, diag, lr, h) {
    const { momentum: beta, weight_decay: wd, maximize } = h;
    const buf = state.tensors['momentum_buffer']!;
    const n = params.length;
    const o = diag ? diag.offset : 0; // row offset when diag is a window into recording columns
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      let g = maximize ? -grad[i]! : grad[i]!;
      if (wd !== 0) g = g + wd * p;
      if (beta !== 0) {
        g = beta * buf[i]! + (1 - beta) * g;
        buf[i] = g;
      }
      const d = sign(g);
      const next = p + -lr * d;
      params[i] = next;
      if (diag) {
        diag.update[o + i] = next - p;
        diag.direction[o + i] = d;
        diag.effectiveLr[o + i] = lr;
      }
    }
  },
});
