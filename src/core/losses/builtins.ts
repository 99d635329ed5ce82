// Built-in 2-D test functions with exact gradients, default start points, plot windows and known minima.
// Formulas for canyon, rosenbrock and beale are the reference files' (../shared/reference).

import type { PlotWindow, Problem } from '../types';

export interface Minimum {
  readonly x: number;
  readonly y: number;
  readonly f: number;
  readonly label?: string;
}

export interface BuiltinLoss {
  readonly name: string;
  readonly label: string;
  readonly formula: string;
  /** Why this function is in the library: what it shows about optimizers. */
  readonly lesson: string;
  readonly paramNames: readonly ['x', 'y'];
  readonly start: readonly [number, number];
  readonly window: PlotWindow;
  readonly minima: readonly Minimum[];
  /** A learning rate at which plain GD makes visible progress without diverging (UI default). */
  readonly suggestedLr: number;
  /** f(x, y); `out` (if given) receives ∇f. */
  evaluate(x: number, y: number, out?: Float64Array): number;
  /**
   * The same formula in float32 arithmetic, every operation rounded (Math.fround) in the reference files'
   * `formula`/`gradient_formula` order, as tfjs float32 tensor ops evaluate it (used by --dtype float32).
   */
  evaluateFloat32?(x: number, y: number, out: Float64Array): number;
  /** The exact Hessian ∇²f(x, y), row-major into `out` (length 4): [f_xx, f_xy, f_yx, f_yy]. */
  hessian(x: number, y: number, out: Float64Array): void;
}

const R = Math.fround;

function define(b: BuiltinLoss): BuiltinLoss {
  return Object.freeze(b);
}

const canyon = define({
  name: 'canyon',
  label: 'Canyon  x² + 10y²',
  formula: 'f(x, y) = x² + 10y²',
  lesson: 'Ill-conditioned bowl (condition number 10): plain GD zig-zags across the steep y direction while crawling along x; momentum and per-parameter scaling fix it.',
  paramNames: ['x', 'y'],
  start: [-4, 1],
  window: { x: [-5, 5], y: [-2, 2] },
  minima: [{ x: 0, y: 0, f: 0 }],
  suggestedLr: 0.09,
  evaluate(x, y, out) {
    if (out) {
      out[0] = 2 * x;
      out[1] = 20 * y;
    }
    return x * x + 10 * (y * y);
  },
  evaluateFloat32(x, y, out) {
    out[0] = R(2 * x);
    out[1] = R(20 * y);
    return R(R(x * x) + R(10 * R(y * y)));
  },
  hessian(_x, _y, out) {
    out[0] = 2; out[1] = 0; out[2] = 0; out[3] = 20;
  },
});

const rosenbrock = define({
  name: 'rosenbrock',
  label: 'Rosenbrock  (1−x)² + 100(y−x²)²',
  formula: 'f(x, y) = (1 − x)² + 100 (y − x²)²',
  lesson: 'A curved, flat-bottomed valley: easy to reach, slow to follow to the minimum at (1, 1).',
  paramNames: ['x', 'y'],
  start: [-1.5, 2],
  window: { x: [-2, 2], y: [-1, 3] },
  minima: [{ x: 1, y: 1, f: 0 }],
  suggestedLr: 5e-4,
  evaluate(x, y, out) {
    const a = 1 - x;
    const b = y - x * x;
    if (out) {
      out[0] = -2 * a - 400 * x * b;
      out[1] = 200 * b;
    }
    return a * a + 100 * (b * b);
  },
  evaluateFloat32(x, y, out) {
    // grad = [-2*(1 - x) - 400*x*(y - x^2), 200*(y - x^2)], left to right
    const a = R(1 - x);
    const b = R(y - R(x * x));
    out[0] = R(R(-2 * a) - R(R(400 * x) * b));
    out[1] = R(200 * b);
    return R(R(a * a) + R(100 * R(b * b)));
  },
  hessian(x, y, out) {
    out[0] = 2 - 400 * y + 1200 * x * x;
    out[1] = out[2] = -400 * x;
    out[3] = 200;
  },
});

const beale = define({
  name: 'beale',
  label: 'Beale',
  formula: 'f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²',
  lesson: 'Flat plateaus and sharp ridges; from (1, 1) the x-gradient is exactly 0.',
  paramNames: ['x', 'y'],
  start: [1, 1],
  window: { x: [-4.5, 4.5], y: [-4.5, 4.5] },
  minima: [{ x: 3, y: 0.5, f: 0 }],
  suggestedLr: 0.01,
  evaluate(x, y, out) {
    const y2 = y * y;
    const y3 = y2 * y;
    const a = 1.5 - x + x * y;
    const b = 2.25 - x + x * y2;
    const c = 2.625 - x + x * y3;
    if (out) {
      out[0] = 2 * a * (y - 1) + 2 * b * (y2 - 1) + 2 * c * (y3 - 1);
      out[1] = 2 * a * x + 2 * b * (2 * x * y) + 2 * c * (3 * x * y2);
    }
    return a * a + b * b + c * c;
  },
  evaluateFloat32(x, y, out) {
    // df/dx = 2a(y - 1) + 2b(y^2 - 1) + 2c(y^3 - 1), df/dy = 2a*x + 2b*(2*x*y) + 2c*(3*x*y^2), left to right
    const y2 = R(y * y);
    const y3 = R(y2 * y);
    const a = R(R(1.5 - x) + R(x * y));
    const b = R(R(2.25 - x) + R(x * y2));
    const c = R(R(2.625 - x) + R(x * y3));
    const a2 = R(2 * a);
    const b2 = R(2 * b);
    const c2 = R(2 * c);
    out[0] = R(R(R(a2 * R(y - 1)) + R(b2 * R(y2 - 1))) + R(c2 * R(y3 - 1)));
    out[1] = R(R(R(a2 * x) + R(b2 * R(R(2 * x) * y))) + R(c2 * R(R(3 * x) * y2)));
    return R(R(R(a * a) + R(b * b)) + R(c * c));
  },
  hessian(x, y, out) {
    const y2 = y * y;
    const y3 = y2 * y;
    const a = 1.5 - x + x * y, b = 2.25 - x + x * y2, c = 2.625 - x + x * y3;
    const ax = y - 1, bx = y2 - 1, cx = y3 - 1; // ∂/∂x of a, b, c
    const ay = x, by = 2 * x * y, cy = 3 * x * y2; // ∂/∂y
    out[0] = 2 * (ax * ax + bx * bx + cx * cx);
    out[1] = out[2] = 2 * (ax * ay + a + bx * by + b * (2 * y) + cx * cy + c * (3 * y2));
    out[3] = 2 * (ay * ay + by * by + b * (2 * x) + cy * cy + c * (6 * x * y));
  },
});

const himmelblau = define({
  name: 'himmelblau',
  label: 'Himmelblau',
  formula: 'f(x, y) = (x² + y − 11)² + (x + y² − 7)²',
  lesson: 'Four equal minima: which one a run ends in depends on the start point and the optimizer.',
  paramNames: ['x', 'y'],
  start: [0, 0],
  window: { x: [-5, 5], y: [-5, 5] },
  minima: [
    { x: 3, y: 2, f: 0 },
    { x: -2.805118086952745, y: 3.131312518250573, f: 0 },
    { x: -3.779310253377747, y: -3.283185991286170, f: 0 },
    { x: 3.584428340330492, y: -1.848126526964404, f: 0 },
  ],
  suggestedLr: 0.01,
  evaluate(x, y, out) {
    const a = x * x + y - 11;
    const b = x + y * y - 7;
    if (out) {
      out[0] = 4 * x * a + 2 * b;
      out[1] = 2 * a + 4 * y * b;
    }
    return a * a + b * b;
  },
  hessian(x, y, out) {
    const a = x * x + y - 11;
    const b = x + y * y - 7;
    out[0] = 4 * a + 8 * x * x + 2;
    out[1] = out[2] = 4 * x + 4 * y;
    out[3] = 2 + 4 * b + 8 * y * y;
  },
});

const saddle = define({
  name: 'saddle',
  label: 'Saddle  x² − y²',
  formula: 'f(x, y) = x² − y²',
  lesson: 'A saddle point at the origin: unbounded below along y. Started almost on the ridge, GD lingers near the saddle before escaping; adaptive methods escape faster.',
  paramNames: ['x', 'y'],
  start: [-2, 1e-3],
  window: { x: [-2.5, 2.5], y: [-2.5, 2.5] },
  minima: [],
  suggestedLr: 0.05,
  evaluate(x, y, out) {
    if (out) {
      out[0] = 2 * x;
      out[1] = -2 * y;
    }
    return x * x - y * y;
  },
  hessian(_x, _y, out) {
    out[0] = 2; out[1] = 0; out[2] = 0; out[3] = -2;
  },
});

const booth = define({
  name: 'booth',
  label: 'Booth',
  formula: 'f(x, y) = (x + 2y − 7)² + (2x + y − 5)²',
  lesson: 'A well-conditioned quadratic: every optimizer should converge; a baseline.',
  paramNames: ['x', 'y'],
  start: [-5, 5],
  window: { x: [-10, 10], y: [-10, 10] },
  minima: [{ x: 1, y: 3, f: 0 }],
  suggestedLr: 0.05,
  evaluate(x, y, out) {
    const a = x + 2 * y - 7;
    const b = 2 * x + y - 5;
    if (out) {
      out[0] = 2 * a + 4 * b;
      out[1] = 4 * a + 2 * b;
    }
    return a * a + b * b;
  },
  hessian(_x, _y, out) {
    out[0] = 10; out[1] = 8; out[2] = 8; out[3] = 10;
  },
});

const TWO_PI = 2 * Math.PI;
const rastrigin = define({
  name: 'rastrigin',
  label: 'Rastrigin (2-D)',
  formula: 'f(x, y) = 20 + x² − 10 cos(2πx) + y² − 10 cos(2πy)',
  lesson: 'Hundreds of local minima on a bowl: gradient methods stop in the nearest one; a large learning rate or noise can hop between them.',
  paramNames: ['x', 'y'],
  start: [2.3, -1.7],
  window: { x: [-5.12, 5.12], y: [-5.12, 5.12] },
  minima: [{ x: 0, y: 0, f: 0, label: 'global' }],
  suggestedLr: 2e-3,
  evaluate(x, y, out) {
    if (out) {
      out[0] = 2 * x + 10 * TWO_PI * Math.sin(TWO_PI * x);
      out[1] = 2 * y + 10 * TWO_PI * Math.sin(TWO_PI * y);
    }
    return 20 + x * x - 10 * Math.cos(TWO_PI * x) + y * y - 10 * Math.cos(TWO_PI * y);
  },
  hessian(x, y, out) {
    out[0] = 2 + 10 * TWO_PI * TWO_PI * Math.cos(TWO_PI * x);
    out[1] = out[2] = 0;
    out[3] = 2 + 10 * TWO_PI * TWO_PI * Math.cos(TWO_PI * y);
  },
});

// Flat vs sharp minima: two Gaussian wells of equal depth 1, one wide (σ = 1 at (−2, 0)) and one
// narrow (σ = 0.2 at (2, 0)), on a shallow bowl 0.01(x² + y²) that keeps runs bounded.
const WIDE = { cx: -2, cy: 0, s2: 1.0 };
const NARROW = { cx: 2, cy: 0, s2: 0.04 };
function well(w: { cx: number; cy: number; s2: number }, x: number, y: number): number {
  const dx = x - w.cx;
  const dy = y - w.cy;
  return Math.exp(-(dx * dx + dy * dy) / (2 * w.s2));
}
const flatSharp = define({
  name: 'flat-sharp',
  label: 'Flat vs sharp minima',
  formula: 'f(x, y) = 0.01(x² + y²) − exp(−((x+2)² + y²)/2) − exp(−((x−2)² + y²)/0.08)',
  lesson: 'Two wells of the same depth, one wide (flat) and one narrow (sharp). Large steps or gradient noise bounce out of the sharp one and settle in the flat one.',
  paramNames: ['x', 'y'],
  start: [0.5, 1.2],
  window: { x: [-4.5, 4.5], y: [-3, 3] },
  minima: [flatSharpMinimum(-2, 'flat'), flatSharpMinimum(2, 'sharp')],
  suggestedLr: 0.05,
  evaluate(x, y, out) {
    const a = well(WIDE, x, y);
    const b = well(NARROW, x, y);
    if (out) {
      out[0] = 0.02 * x + a * ((x - WIDE.cx) / WIDE.s2) + b * ((x - NARROW.cx) / NARROW.s2);
      out[1] = 0.02 * y + a * ((y - WIDE.cy) / WIDE.s2) + b * ((y - NARROW.cy) / NARROW.s2);
    }
    return 0.01 * (x * x + y * y) - a - b;
  },
  hessian(x, y, out) {
    let xx = 0.02, xy = 0, yy = 0.02;
    for (const w of [WIDE, NARROW]) {
      const a = well(w, x, y);
      const dx = x - w.cx, dy = y - w.cy;
      xx += a * (1 / w.s2 - (dx * dx) / (w.s2 * w.s2));
      xy -= a * ((dx * dy) / (w.s2 * w.s2));
      yy += a * (1 / w.s2 - (dy * dy) / (w.s2 * w.s2));
    }
    out[0] = xx; out[1] = out[2] = xy; out[3] = yy;
  },
});
function flatSharpValue(x: number, y: number): number {
  return 0.01 * (x * x + y * y) - well(WIDE, x, y) - well(NARROW, x, y);
}
/** The minima lie on y = 0 (by symmetry); Newton's method on ∂f/∂x from the well's centre. */
function flatSharpMinimum(x0: number, label: string): Minimum {
  const dfdx = (x: number) =>
    0.02 * x + well(WIDE, x, 0) * ((x - WIDE.cx) / WIDE.s2) + well(NARROW, x, 0) * ((x - NARROW.cx) / NARROW.s2);
  let x = x0;
  for (let k = 0; k < 50; k++) {
    const h = 1e-7;
    const step = dfdx(x) / ((dfdx(x + h) - dfdx(x - h)) / (2 * h));
    x -= step;
    if (Math.abs(step) < 1e-15) break;
  }
  return { x, y: 0, f: flatSharpValue(x, 0), label };
}

export const BUILTIN_LOSSES: Readonly<Record<string, BuiltinLoss>> = Object.freeze(
  Object.fromEntries([canyon, rosenbrock, beale, himmelblau, saddle, booth, rastrigin, flatSharp].map((b) => [b.name, b])),
);

export const BUILTIN_LOSS_NAMES = Object.freeze(Object.keys(BUILTIN_LOSSES));

export function getBuiltinLoss(name: string): BuiltinLoss {
  const b = BUILTIN_LOSSES[name];
  if (!b) throw new Error(`unknown built-in loss "${name}" (known: ${BUILTIN_LOSS_NAMES.join(', ')})`);
  return b;
}

/** A 2-D built-in as a simulation Problem. */
export function builtinProblem(b: BuiltinLoss): Problem {
  const scratch = new Float64Array(2);
  const h4 = new Float64Array(4);
  return {
    name: b.name,
    dim: 2,
    paramNames: b.paramNames,
    evaluate(params, gradOut) {
      return b.evaluate(params[0]!, params[1]!, gradOut);
    },
    value(params) {
      return b.evaluate(params[0]!, params[1]!, scratch);
    },
    ...(b.evaluateFloat32 ? { evaluateFloat32: (params: Float64Array, gradOut: Float64Array) => b.evaluateFloat32!(params[0]!, params[1]!, gradOut) } : {}),
    hessianMethod: 'analytic',
    hessian(params, out) {
      b.hessian(params[0]!, params[1]!, out);
    },
    hvp(params, v, out) {
      b.hessian(params[0]!, params[1]!, h4);
      out[0] = h4[0]! * v[0]! + h4[1]! * v[1]!;
      out[1] = h4[2]! * v[0]! + h4[3]! * v[1]!;
    },
  };
}
