// The `grad` export: an exact gradient written by hand. When present (gradient mode "auto") it is
// used instead of automatic differentiation, after one check against the automatic gradient at the
// start point and a nearby point; a mismatch shows up as a warning with the largest relative error
// (like torch.autograd.gradcheck). Change a coefficient below to see it.
import type { LossDefinition } from './optimizer-diagnostics';

export default {
  name: 'Rosenbrock with a hand-written gradient',
  params: { x: -1.5, y: 2 },
  loss(p) {
    return (1 - p.x) ** 2 + 100 * (p.y - p.x ** 2) ** 2;
  },
  // Same shape as params: one number per scalar parameter (arrays for array parameters).
  grad(p) {
    return {
      x: -2 * (1 - p.x) - 400 * p.x * (p.y - p.x ** 2),
      y: 200 * (p.y - p.x ** 2),
    };
  },
  domain: { x: [-2, 2], y: [-1, 3] },
  minimum: { x: 1, y: 1 },
} satisfies LossDefinition;
