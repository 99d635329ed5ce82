// AdaGrad: torch 1.13 `_single_tensor_adagrad` (torch/optim/adagrad.py:252-279).

import { defineOptimizer, flag, num } from './common';
import { tfjsAdagrad } from './tfjs';

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
