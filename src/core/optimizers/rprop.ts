// Rprop: torch 1.13 `_single_tensor_rprop` (torch/optim/rprop.py:196-219).

import { defineOptimizer, flag, num, pair, sign } from './common';
import { alphaTerm, commonInputs, gradTerm, hyper, input, stepTerms, term } from './terms';

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
  lrFactors: {
    direction: 'u = sign(g̃_t): the recorded direction d',
    schedule: '1 (lr only sets the initial step size s₀; a schedule does not reach Rprop\'s per-parameter sizes)',
    biasCorrection: '1',
    preconditioner: 's_t, the per-parameter step size (step_size)',
    epsDominance: null,
    evaluate(s, out) {
      const etaminus = (s.h['etas'] as readonly [number, number])[0];
      const g = s.h['maximize'] === true ? -s.grad : s.grad;
      const sg = sign(g * s.prev('prev'));
      const factor = sg > 0 ? (s.h['etas'] as readonly [number, number])[1] : sg < 0 ? etaminus : 1;
      out[0] = 1;
      out[1] = 1;
      out[2] = s.state('step_size');
      out[3] = sign(factor === etaminus ? 0 : g);
      out[4] = NaN;
    },
  },
  stepEquations: (h) => [
    ...commonInputs(false),
    hyper('η−', 'etas', 0),
    hyper('η+', 'etas', 1),
    hyper('s_min', 'step_sizes', 0),
    hyper('s_max', 'step_sizes', 1),
    gradTerm(h.maximize, false),
    input('prev_{t−1}', 'prev before the step', (s) => s.prev('prev')),
    term('σ', 'sign({g}·{prev_{t−1}})', (_s, x) => sign(x('g') * x('prev_{t−1}'))),
    term('factor', '{η+} if σ > 0, {η−} if σ < 0, 1 if σ = 0', (_s, x) => (x('σ') > 0 ? x('η+') : x('σ') < 0 ? x('η−') : 1)),
    input('s_{t−1}', 'step_size before the step (lr at t = 1)', (s) => s.prev('step_size')),
    term('s_t', 'clamp({s_{t−1}}·{factor}, {s_min}, {s_max})', (_s, x) => {
      const v = x('s_{t−1}') * x('factor');
      return v < x('s_min') ? x('s_min') : v > x('s_max') ? x('s_max') : v;
    }, { name: 'step_size', recorded: (s) => s.state('step_size') }),
    term('g̃', '0 if σ < 0, else {g}', (_s, x) => (x('factor') === x('η−') ? 0 : x('g')), { name: 'prev', recorded: (s) => s.state('prev') }),
    term('d', 'sign({g̃})', (_s, x) => sign(x('g̃')), { recorded: (s) => s.direction }),
    alphaTerm('{s_t}', (_s, x) => x('s_t')),
    ...stepTerms('{θ_{t−1}} − {d}·{s_t}', (_s, x) => x('θ_{t−1}') + -1 * (x('d') * x('s_t'))),
  ],
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
