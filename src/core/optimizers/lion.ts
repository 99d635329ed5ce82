// Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"), optax `lion` defaults.
// Order as lion-pytorch: decoupled decay, then the sign step, then the EMA update.

import { defineOptimizer, flag, num, pair, rules, sign } from './common';
import { alphaTerm, commonInputs, gradTerm, hyper, input, stepTerms, term } from './terms';

interface LionH extends Record<string, number | boolean | readonly [number, number]> {
  lr: number; betas: readonly [number, number]; weight_decay: number; maximize: boolean;
}

export const lion = defineOptimizer<LionH>({
  name: 'lion',
  label: 'Lion',
  torchName: 'none (optax.lion / lion-pytorch; not in torch.optim)',
  hyperparameters: [
    num('lr', 1e-4, 'learning rate η (paper: 3–10× smaller than AdamW\'s)', 1e-4),
    pair('betas', [0.9, 0.99], '(β1, β2): interpolation for the update, EMA factor of the momentum'),
    num('weight_decay', 1e-3, 'decoupled weight decay λ: θ ← θ(1 − ηλ) (optax default 1e-3)', 1e-3),
    flag('maximize', false, 'maximize the objective instead of minimizing'),
  ],
  equations: [
    'g ← ∇f(θ) (−∇f if maximize)',
    'c_t = β1 m_{t−1} + (1−β1) g',
    'θ ← θ (1 − ηλ) − η sign(c_t)',
    'm_t = β2 m_{t−1} + (1−β2) g          (exp_avg)',
  ].join('\n'),
  effectiveLrDefinition: 'α = η on d = sign(c_t); the decay θ(1 − ηλ) is applied outside α.',
  stateNames: ['exp_avg'],
  lrFactors: {
    direction: 'u = sign(c_t): the recorded direction d',
    schedule: 'η_t (lr after any schedule)',
    biasCorrection: '1',
    preconditioner: '1 (every coordinate moves by exactly η_t, plus the decoupled decay)',
    epsDominance: null,
    evaluate(s, out) {
      const b1 = (s.h['betas'] as readonly [number, number])[0];
      const g = s.h['maximize'] === true ? -s.grad : s.grad;
      out[0] = s.lr;
      out[1] = 1;
      out[2] = 1;
      out[3] = sign(b1 * s.prev('exp_avg') + (1 - b1) * g);
      out[4] = NaN;
    },
  },
  stepEquations: (h) => [
    ...commonInputs(),
    hyper('β1', 'betas', 0),
    hyper('β2', 'betas', 1),
    hyper('λ', 'weight_decay'),
    gradTerm(h.maximize, false),
    input('m_{t−1}', 'exp_avg before the step', (s) => s.prev('exp_avg')),
    term('c_t', '{β1}·{m_{t−1}} + (1 − {β1})·{g}', (_s, x) => x('β1') * x('m_{t−1}') + (1 - x('β1')) * x('g')),
    term('d', 'sign({c_t})', (_s, x) => sign(x('c_t')), { recorded: (s) => s.direction }),
    term('m_t', '{β2}·{m_{t−1}} + (1 − {β2})·{g}', (_s, x) => x('β2') * x('m_{t−1}') + (1 - x('β2')) * x('g'),
      { name: 'exp_avg', recorded: (s) => s.state('exp_avg') }),
    alphaTerm('{η}', (_s, x) => x('η')),
    ...stepTerms('{θ_{t−1}}·(1 − {η}·{λ}) − {η}·{d}', (_s, x) => x('θ_{t−1}') * (1 - x('η') * x('λ')) + -x('η') * x('d')),
  ],
  validate: (h, fail) => rules.betas(h, fail, 'betas', true),
  kernel(grad, state, params, diag, lr, h) {
    const b1 = h.betas[0];
    const b2 = h.betas[1];
    const { weight_decay: wd, maximize } = h;
    const m = state.tensors['exp_avg']!;
    const decay = 1 - lr * wd;
    const n = params.length;
    const o = diag ? diag.offset : 0; // row offset when diag is a window into recording columns
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      const g = maximize ? -grad[i]! : grad[i]!;
      const c = b1 * m[i]! + (1 - b1) * g;
      const d = sign(c);
      const next = p * decay + -lr * d;
      params[i] = next;
      m[i] = b2 * m[i]! + (1 - b2) * g;
      if (diag) {
        diag.update[o + i] = next - p;
        diag.direction[o + i] = d;
        diag.effectiveLr[o + i] = lr;
      }
    }
  },
});
