// RMSprop: torch 1.13 `_single_tensor_rmsprop` (torch/optim/rmsprop.py:236-268).

import { defineOptimizer, flag, num } from './common';
import { tfjsRmsprop } from './tfjs';

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
