// Adadelta: torch 1.13 `_single_tensor_adadelta` (torch/optim/adadelta.py:196-206).

import { defineOptimizer, flag, num } from './common';
import { tfjsAdadelta } from './tfjs';
import { alphaTerm, commonInputs, gradOf, gradTerm, hyper, input, stepTerms, term } from './terms';

interface AdadeltaH extends Record<string, number | boolean> {
  lr: number; rho: number; eps: number; weight_decay: number; maximize: boolean;
}

export const adadelta = defineOptimizer<AdadeltaH>({
  name: 'adadelta',
  label: 'Adadelta',
  torchName: 'torch.optim.Adadelta',
  hyperparameters: [
    num('lr', 1.0, 'learning rate η scaling the delta (Zeiler: 1)', 0.1),
    num('rho', 0.9, 'decay ρ of both running averages', 0.01),
    num('eps', 1e-6, 'ε inside both square roots', 1e-6),
    num('weight_decay', 0, 'L2 penalty λ added to the gradient', 1e-4),
    flag('maximize', false, 'maximize the objective instead of minimizing'),
  ],
  equations: [
    'g ← ∇f(θ) (−∇f if maximize) + λθ',
    'v_t = ρ v_{t−1} + (1−ρ) g²                      (square_avg)',
    'Δ_t = √(u_{t−1} + ε) / √(v_t + ε) · g',
    'u_t = ρ u_{t−1} + (1−ρ) Δ_t²                    (acc_delta)',
    'θ ← θ − η Δ_t',
  ].join('\n'),
  effectiveLrDefinition: 'α = η √(u_{t−1} + ε) / √(v_t + ε) on d = g.',
  stateNames: ['square_avg', 'acc_delta'],
  conventions: {
    tfjs: tfjsAdadelta,
    textbook: { equations: 'Zeiler (2012), as PyTorch: Δ_t = √(u_{t−1} + ε)/√(v_t + ε) · g (the NEW v_t);  θ ← θ − η Δ_t', defaults: {}, epsInsideSqrt: false },
  },
  lrFactors: {
    direction: 'u = g: the recorded direction d',
    schedule: 'η_t (lr after any schedule)',
    biasCorrection: '1 (Adadelta does not bias-correct its averages)',
    preconditioner: '√(u_{t−1} + ε) / √(v_t + ε): the RMS of past updates over the RMS of gradients',
    epsDominance: 'ε > v_t (ε, inside the square root, outweighs the squared-gradient average)',
    evaluate(s, out) {
      const eps = s.h['eps'] as number;
      const v = s.state('square_avg');
      out[0] = s.lr;
      out[1] = 1;
      out[2] = Math.sqrt(s.prev('acc_delta') + eps) / Math.sqrt(v + eps);
      out[3] = gradOf(s);
      out[4] = v !== v ? NaN : eps > v ? 1 : 0;
    },
  },
  stepEquations: (h) => [
    ...commonInputs(),
    hyper('ρ', 'rho'),
    hyper('ε', 'eps'),
    ...(h.weight_decay !== 0 ? [hyper('λ', 'weight_decay')] : []),
    gradTerm(h.maximize, h.weight_decay !== 0),
    input('v_{t−1}', 'square_avg before the step', (s) => s.prev('square_avg')),
    term('v_t', '{ρ}·{v_{t−1}} + (1 − {ρ})·{g}²', (_s, x) => x('ρ') * x('v_{t−1}') + (1 - x('ρ')) * (x('g') * x('g')),
      { name: 'square_avg', recorded: (s) => s.state('square_avg') }),
    input('u_{t−1}', 'acc_delta before the step', (s) => s.prev('acc_delta')),
    term('denom', '√({v_t} + {ε})', (_s, x) => Math.sqrt(x('v_t') + x('ε')), { name: 'std' }),
    term('ratio', '√({u_{t−1}} + {ε}) / {denom}', (_s, x) => Math.sqrt(x('u_{t−1}') + x('ε')) / x('denom')),
    term('Δ_t', '{ratio}·{g}', (_s, x) => x('ratio') * x('g'), { name: 'delta' }),
    term('u_t', '{ρ}·{u_{t−1}} + (1 − {ρ})·{Δ_t}²', (_s, x) => x('ρ') * x('u_{t−1}') + (1 - x('ρ')) * (x('Δ_t') * x('Δ_t')),
      { name: 'acc_delta', recorded: (s) => s.state('acc_delta') }),
    alphaTerm('{η}·{ratio}', (_s, x) => x('η') * x('ratio')),
    ...stepTerms('{θ_{t−1}} − {η}·{Δ_t}', (_s, x) => x('θ_{t−1}') + -x('η') * x('Δ_t')),
  ],
  validate(h, fail) {
    if (h.rho < 0 || h.rho > 1) fail('rho', `must be in [0, 1], got ${h.rho}`);
  },
  kernel(grad, state, params, diag, lr, h) {
    const { rho, eps, weight_decay: wd, maximize } = h;
    const sq = state.tensors['square_avg']!;
    const acc = state.tensors['acc_delta']!;
    const n = params.length;
    const o = diag ? diag.offset : 0; // row offset when diag is a window into recording columns
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      let g = maximize ? -grad[i]! : grad[i]!;
      if (wd !== 0) g = g + wd * p;
      const v = rho * sq[i]! + (1 - rho) * (g * g);
      sq[i] = v;
      const std = Math.sqrt(v + eps);
      const ratio = Math.sqrt(acc[i]! + eps) / std;
      const delta = ratio * g;
      acc[i] = rho * acc[i]! + (1 - rho) * (delta * delta);
      const next = p + -lr * delta;
      params[i] = next;
      if (diag) {
        diag.update[o + i] = next - p;
        diag.direction[o + i] = g;
        diag.effectiveLr[o + i] = lr * ratio;
      }
    }
  },
});
