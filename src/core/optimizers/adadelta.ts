// Adadelta: torch 1.13 `_single_tensor_adadelta` (torch/optim/adadelta.py:196-206).

import { defineOptimizer, flag, num } from './common';
import { tfjsAdadelta } from './tfjs';

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
