// AdaGrad: torch 1.13 `_single_tensor_adagrad` (torch/optim/adagrad.py:252-279).

import { defineOptimizer, flag, num } from './common';
import { tfjsAdagrad } from './tfjs';
import { alphaTerm, commonInputs, gradOf, gradTerm, hyper, input, stepTerms, term } from './terms';

interface AdagradH extends Record<string, number | boolean> {
  lr: number; lr_decay: number; weight_decay: number; initial_accumulator_value: number; eps: number; maximize: boolean;
}

export const adagrad = defineOptimizer<AdagradH>({
  name: 'adagrad',
  label: 'AdaGrad',
  torchName: 'torch.optim.Adagrad',
  hyperparameters: [
    num('lr', 1e-2, 'learning rate η', 1e-3),
    num('lr_decay', 0, 'learning-rate decay: η_t = η / (1 + (t−1)·lr_decay)', 1e-3),
    num('weight_decay', 0, 'L2 penalty λ added to the gradient', 1e-4),
    num('initial_accumulator_value', 0, 'starting value s₀ of the sum of squared gradients', 0.1),
    num('eps', 1e-10, 'ε added to √s (outside the square root)', 1e-10),
    flag('maximize', false, 'maximize the objective instead of minimizing'),
  ],
  equations: [
    'g ← ∇f(θ) (−∇f if maximize) + λθ',
    'η_t = η / (1 + (t−1)·lr_decay)',
    's_t = s_{t−1} + g²,   s₀ = initial_accumulator_value',
    'θ ← θ − η_t · g / (√s_t + ε)',
  ].join('\n'),
  effectiveLrDefinition: 'α = η_t / (√s_t + ε) on d = g: it can only shrink, since s_t never decreases.',
  stateNames: ['sum'],
  conventions: {
    tfjs: tfjsAdagrad,
    textbook: { equations: 's_t = s_{t−1} + g²;  θ ← θ − η g / (√s_t + ε)   (as PyTorch: ε outside the root, s_0 = 0)', defaults: {}, epsInsideSqrt: false },
  },
  lrFactors: {
    direction: 'u = g: the recorded direction d',
    schedule: 'η_t / (1 + (t−1)·lr_decay) (lr after any schedule, then AdaGrad\'s own decay)',
    biasCorrection: '1 (the sum is not an average: nothing to correct)',
    preconditioner: '1/(√s_t + ε) (ε-inside-√ convention: 1/√(s_t + ε))',
    epsDominance: 'ε > √s_t (ε-inside-√ convention: ε > s_t)',
    evaluate(s, out) {
      const eps = s.h['eps'] as number;
      const sum = s.state('sum');
      out[0] = s.lr / (1 + (s.t - 1) * (s.h['lr_decay'] as number));
      out[1] = 1;
      out[2] = 1 / (s.epsInsideSqrt ? Math.sqrt(sum + eps) : Math.sqrt(sum) + eps);
      out[3] = gradOf(s);
      out[4] = sum !== sum ? NaN : (s.epsInsideSqrt ? eps > sum : eps > Math.sqrt(sum)) ? 1 : 0;
    },
  },
  stepEquations: (h) => [
    ...commonInputs(),
    hyper('lr_decay', 'lr_decay'),
    hyper('ε', 'eps'),
    ...(h.weight_decay !== 0 ? [hyper('λ', 'weight_decay')] : []),
    gradTerm(h.maximize, h.weight_decay !== 0),
    term('clr', '{η} / (1 + ({t} − 1)·{lr_decay})', (_s, x) => x('η') / (1 + (x('t') - 1) * x('lr_decay')), { name: 'clr' }),
    input('s_{t−1}', 'sum before the step (initial_accumulator_value at t = 1)', (s) => s.prev('sum')),
    term('s_t', '{s_{t−1}} + {g}²', (_s, x) => x('s_{t−1}') + x('g') * x('g'), { name: 'sum', recorded: (s) => s.state('sum') }),
    term('denom', (s) => (s.epsInsideSqrt ? '√({s_t} + {ε})' : '√{s_t} + {ε}'), (s, x) => (s.epsInsideSqrt ? Math.sqrt(x('s_t') + x('ε')) : Math.sqrt(x('s_t')) + x('ε')), { name: 'std' }),
    alphaTerm('{clr}/{denom}', (_s, x) => x('clr') / x('denom')),
    ...stepTerms('{θ_{t−1}} − {clr}·{g}/{denom}', (_s, x) => x('θ_{t−1}') + -x('clr') * (x('g') / x('denom'))),
  ],
  validate(h, fail) {
    if (h.lr_decay < 0) fail('lr_decay', `must be >= 0, got ${h.lr_decay}`);
    if (h.initial_accumulator_value < 0) fail('initial_accumulator_value', `must be >= 0, got ${h.initial_accumulator_value}`);
  },
  initTensors: (params, h) => ({ sum: new Float64Array(params.length).fill(h.initial_accumulator_value) }),
  kernel(grad, state, params, diag, lr, h, convention) {
    const { lr_decay, weight_decay: wd, eps, maximize } = h;
    const inside = convention.epsInsideSqrt;
    const sum = state.tensors['sum']!;
    const clr = lr / (1 + (state.step - 1) * lr_decay);
    const n = params.length;
    const o = diag ? diag.offset : 0; // row offset when diag is a window into recording columns
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      let g = maximize ? -grad[i]! : grad[i]!;
      if (wd !== 0) g = g + wd * p;
      const s = sum[i]! + g * g;
      sum[i] = s;
      const std = inside ? Math.sqrt(s + eps) : Math.sqrt(s) + eps;
      const next = p + -clr * (g / std);
      params[i] = next;
      if (diag) {
        diag.update[o + i] = next - p;
        diag.direction[o + i] = g;
        diag.effectiveLr[o + i] = clr / std;
      }
    }
  },
});
