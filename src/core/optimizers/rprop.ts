// Rprop: torch 1.13 `_single_tensor_rprop` (torch/optim/rprop.py:196-219).

import { defineOptimizer, flag, num, pair, sign } from './common';

interface RpropH extends Record<string, number | boolean | readonly [number, number]> {
  lr: number; etas: readonly [number, number]; step_sizes: readonly [number, number]; maximize: boolean;
}

export const rprop = defineOptimizer<RpropH>({
  name: 'rprop',
  label: 'Rprop',
  torchName: 'torch.optim.Rprop',
  hyperparameters: [
    num('lr', 1e-2, 'initial per-parameter step size s₀', 1e-3),
    pair('etas', [0.5, 1.2], '(η−, η+): step-size factors after a sign flip / a repeated sign'),
    pair('step_sizes', [1e-6, 50], '(min, max) clamp of the per-parameter step size'),
    flag('maximize', false, 'maximize the objective instead of minimizing'),
  ],
  equations: [
    'σ = sign(g_t · prev_{t−1})',
    's_t = clamp(s_{t−1} · (η+ if σ > 0, η− if σ < 0, 1 if σ = 0), min, max)   (step_size)',
    'g̃ = 0 where σ < 0, else g',
    'θ ← θ − sign(g̃) · s_t;   prev_t = g̃                                       (prev)',
  ].join('\n'),
  effectiveLrDefinition: 'α = s_t (the per-parameter step size) on d = sign(g̃_t); equivalently s_t/|g| on g.',
  stateNames: ['prev', 'step_size'],
  validate(h, fail) {
    const em = h.etas[0];
    const ep = h.etas[1];
    if (!(0 < em && em < 1 && 1 < ep)) fail('etas', `need 0 < etaminus < 1 < etaplus, got (${em}, ${ep})`);
    const lo = h.step_sizes[0];
    const hi = h.step_sizes[1];
    if (!(lo >= 0 && lo <= hi)) fail('step_sizes', `need 0 <= min <= max, got (${lo}, ${hi})`);
  },
  initTensors: (params, h) => ({ prev: new Float64Array(params.length), step_size: new Float64Array(params.length).fill(h.lr) }),
  kernel(grad, state, params, diag, _lr, h) {
    const etaminus = h.etas[0];
    const etaplus = h.etas[1];
    const smin = h.step_sizes[0];
    const smax = h.step_sizes[1];
    const maximize = h.maximize;
    const prev = state.tensors['prev']!;
    const ss = state.tensors['step_size']!;
    const n = params.length;
    const o = diag ? diag.offset : 0; // row offset when diag is a window into recording columns
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      let g = maximize ? -grad[i]! : grad[i]!;
      const sg = sign(g * prev[i]!);
      const factor = sg > 0 ? etaplus : sg < 0 ? etaminus : 1;
      let s = ss[i]! * factor;
      s = s < smin ? smin : s > smax ? smax : s; // torch.clamp_ (NaN stays NaN)
      ss[i] = s;
      if (factor === etaminus) g = 0;
      const d = sign(g);
      const next = p + -1 * (d * s);
      params[i] = next;
      prev[i] = g;
      if (diag) {
        diag.update[o + i] = next - p;
        diag.direction[o + i] = d;
        diag.effectiveLr[o + i] = s;
      }
    }
  },
});
