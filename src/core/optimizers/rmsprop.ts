// RMSprop: torch 1.13 `_single_tensor_rmsprop` (torch/optim/rmsprop.py:236-268).

import { defineOptimizer, flag, num } from './common';
import { tfjsRmsprop } from './tfjs';
import { alphaTerm, commonInputs, gradOf, gradTerm, hyper, input, stepTerms, term } from './terms';

interface RmspropH extends Record<string, number | boolean> {
  lr: number; alpha: number; eps: number; weight_decay: number; momentum: number; centered: boolean; maximize: boolean;
}

export const rmsprop = defineOptimizer<RmspropH>({
  name: 'rmsprop',
  label: 'RMSprop',
  torchName: 'torch.optim.RMSprop',
  hyperparameters: [
    num('lr', 1e-2, 'learning rate η', 1e-3),
    num('alpha', 0.99, 'smoothing constant α of the squared-gradient EMA', 0.01),
    num('eps', 1e-8, 'ε added to the root (outside the square root)', 1e-8),
    num('weight_decay', 0, 'L2 penalty λ added to the gradient', 1e-4),
    num('momentum', 0, 'momentum factor μ on the normalized step', 0.1),
    flag('centered', false, 'divide by the estimated standard deviation √(v − m²) instead of √v'),
    flag('maximize', false, 'maximize the objective instead of minimizing'),
  ],
  equations: [
    'g ← ∇f(θ) (−∇f if maximize) + λθ',
    'v_t = α v_{t−1} + (1−α) g²                       (square_avg)',
    'centered: m_t = α m_{t−1} + (1−α) g;  D = √(v_t − m_t²) + ε   (grad_avg)',
    'else:     D = √v_t + ε',
    'μ > 0: b_t = μ b_{t−1} + g/D;  θ ← θ − η b_t      (momentum_buffer)',
    'else:  θ ← θ − η g/D',
  ].join('\n'),
  effectiveLrDefinition: 'α = η / D_t on d = g (no momentum); with momentum α = η on d = b_t.',
  stateNames: ['square_avg', 'grad_avg', 'momentum_buffer'],
  activeStateNames: (h) => ['square_avg', ...(h.centered ? ['grad_avg'] : []), ...(h.momentum > 0 ? ['momentum_buffer'] : [])],
  conventions: {
    tfjs: tfjsRmsprop,
    textbook: {
      equations: [
        'v_t = α v_{t−1} + (1−α) g²;   D = √(v_t + ε)      (ε INSIDE the root; centered: D = √(v_t − m_t² + ε))',
        'θ ← θ − η g / D              (momentum μ > 0: b_t = μ b_{t−1} + g/D, θ ← θ − η b_t)',
      ].join('\n'),
      defaults: {},
      epsInsideSqrt: true,
    },
  },
  lrFactors: {
    direction: 'u = g (no momentum); b_t (momentum_buffer) with momentum: the recorded direction d',
    schedule: 'η_t (lr after any schedule)',
    biasCorrection: '1 (RMSprop does not bias-correct v)',
    preconditioner: '1/D_t, D_t = √v_t + ε (centered: √(v_t − ḡ_t²) + ε); 1 with momentum, where 1/D is inside b_t',
    epsDominance: 'ε > √v_t (centered: ε > √(v_t − ḡ_t²)); ε-inside-√ convention: ε > v_t',
    evaluate(s, out) {
      const eps = s.h['eps'] as number;
      const v = s.state('square_avg');
      const m = s.h['centered'] === true ? s.state('grad_avg') : 0;
      const r = s.h['centered'] === true ? v + -1 * (m * m) : v;
      const D = s.epsInsideSqrt ? Math.sqrt(r + eps) : Math.sqrt(r) + eps;
      const mom = (s.h['momentum'] as number) > 0;
      out[0] = s.lr;
      out[1] = 1;
      out[2] = mom ? 1 : 1 / D;
      out[3] = mom ? s.state('momentum_buffer') : gradOf(s);
      out[4] = r !== r ? NaN : (s.epsInsideSqrt ? eps > r : eps > Math.sqrt(r)) ? 1 : 0;
    },
  },
  stepEquations: (h) => [
    ...commonInputs(),
    hyper('α_sq', 'alpha'),
    hyper('ε', 'eps'),
    ...(h.momentum > 0 ? [hyper('μ', 'momentum')] : []),
    ...(h.weight_decay !== 0 ? [hyper('λ', 'weight_decay')] : []),
    gradTerm(h.maximize, h.weight_decay !== 0),
    input('v_{t−1}', 'square_avg before the step', (s) => s.prev('square_avg')),
    term('v_t', '{α_sq}·{v_{t−1}} + (1 − {α_sq})·{g}²', (_s, x) => x('α_sq') * x('v_{t−1}') + (1 - x('α_sq')) * (x('g') * x('g')),
      { name: 'square_avg', recorded: (s) => s.state('square_avg') }),
    ...(h.centered
      ? [
          input('ḡ_{t−1}', 'grad_avg before the step', (s) => s.prev('grad_avg')),
          term('ḡ_t', '{α_sq}·{ḡ_{t−1}} + (1 − {α_sq})·{g}', (_s, x) => x('α_sq') * x('ḡ_{t−1}') + (1 - x('α_sq')) * x('g'),
            { name: 'grad_avg', recorded: (s) => s.state('grad_avg') }),
          term('r', '{v_t} − {ḡ_t}²', (_s, x) => x('v_t') + -1 * (x('ḡ_t') * x('ḡ_t'))),
        ]
      : [term('r', '{v_t}', (_s, x) => x('v_t'))]),
    term('denom', (s) => (s.epsInsideSqrt ? '√({r} + {ε})' : '√{r} + {ε}'), (s, x) => (s.epsInsideSqrt ? Math.sqrt(x('r') + x('ε')) : Math.sqrt(x('r')) + x('ε')), { name: 'avg' }),
    ...(h.momentum > 0
      ? [
          input('b_{t−1}', 'momentum_buffer before the step', (s) => s.prev('momentum_buffer')),
          term('b_t', '{μ}·{b_{t−1}} + {g}/{denom}', (_s, x) => x('μ') * x('b_{t−1}') + x('g') / x('denom'),
            { name: 'momentum_buffer', recorded: (s) => s.state('momentum_buffer') }),
          alphaTerm('{η}', (_s, x) => x('η')),
          ...stepTerms('{θ_{t−1}} − {η}·{b_t}', (_s, x) => x('θ_{t−1}') + -x('η') * x('b_t')),
        ]
      : [
          alphaTerm('{η}/{denom}', (_s, x) => x('η') / x('denom')),
          ...stepTerms('{θ_{t−1}} − {η}·{g}/{denom}', (_s, x) => x('θ_{t−1}') + -x('η') * (x('g') / x('denom'))),
        ]),
  ],
  validate(h, fail) {
    if (h.alpha < 0) fail('alpha', `must be >= 0, got ${h.alpha}`);
    if (h.momentum < 0) fail('momentum', `must be >= 0, got ${h.momentum}`);
  },
  kernel(grad, state, params, diag, lr, h, convention) {
    const { alpha, eps, weight_decay: wd, momentum: mu, centered, maximize } = h;
    const inside = convention.epsInsideSqrt;
    const sq = state.tensors['square_avg']!;
    const ga = state.tensors['grad_avg']!;
    const buf = state.tensors['momentum_buffer']!;
    const n = params.length;
    const o = diag ? diag.offset : 0; // row offset when diag is a window into recording columns
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      let g = maximize ? -grad[i]! : grad[i]!;
      if (wd !== 0) g = g + wd * p;
      const v = alpha * sq[i]! + (1 - alpha) * (g * g);
      sq[i] = v;
      let r = v;
      if (centered) {
        const m = alpha * ga[i]! + (1 - alpha) * g;
        ga[i] = m;
        r = v + -1 * (m * m);
      }
      const D = inside ? Math.sqrt(r + eps) : Math.sqrt(r) + eps;
      let next: number;
      if (mu > 0) {
        const b = mu * buf[i]! + g / D;
        buf[i] = b;
        next = p + -lr * b;
        if (diag) {
          diag.direction[o + i] = b;
          diag.effectiveLr[o + i] = lr;
        }
      } else {
        next = p + -lr * (g / D);
        if (diag) {
          diag.direction[o + i] = g;
          diag.effectiveLr[o + i] = lr / D;
        }
      }
      params[i] = next;
      if (diag) diag.update[o + i] = next - p;
    }
  },
});
