// Loss landscape of a 2-parameter loss: a value grid over the plot window, contour levels and
// marching-squares segments (pure; the host or worker computes, the webview only draws).

import type { Landscape } from './messages';

export interface Grid {
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  readonly nx: number;
  readonly ny: number;
  /** Row-major: values[j*nx + i] = f(x_i, y_j), x_i = x0 + i·(x1−x0)/(nx−1), row 0 at y0 (bottom). */
  readonly values: Float64Array;
}

export function gridX(g: Pick<Grid, 'x' | 'nx'>, i: number): number {
  return g.x[0] + (i * (g.x[1] - g.x[0])) / (g.nx - 1);
}
export function gridY(g: Pick<Grid, 'y' | 'ny'>, j: number): number {
  return g.y[0] + (j * (g.y[1] - g.y[0])) / (g.ny - 1);
}

/** Evaluates f on an nx × ny grid over the window. Throwing or non-finite values become NaN. */
export function computeGrid(
  f: (x: number, y: number) => number,
  window: { readonly x: readonly [number, number]; readonly y: readonly [number, number] },
  nx: number,
  ny: number,
): Grid {
  if (nx < 2 || ny < 2) throw new Error(`grid must be at least 2×2, got ${nx}×${ny}`);
  const values = new Float64Array(nx * ny);
  const g = { x: [window.x[0], window.x[1]] as const, y: [window.y[0], window.y[1]] as const, nx, ny, values };
  for (let j = 0; j < ny; j++) {
    const y = gridY(g, j);
    for (let i = 0; i < nx; i++) {
      let v: number;
      try {
        v = f(gridX(g, i), y);
      } catch {
        v = NaN;
      }
      values[j * nx + i] = Number.isFinite(v) ? v : NaN;
    }
  }
  return g;
}

/** Finite min and max of the values (NaN when none are finite). */
export function finiteRange(values: ArrayLike<number>): [number, number] {
  let mn = Infinity;
  let mx = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  return mn <= mx ? [mn, mx] : [NaN, NaN];
}

/**
 * Contour levels: `count` levels spaced in log(f − floor) when the minimum value f* is known (`floor`:
 * the contours then tighten around the minimum, where trajectories end) or when the values span more
 * than two decades between their 5th percentile and their maximum; else linearly. `floor` defaults to
 * the grid minimum.
 */
export function contourLevels(values: ArrayLike<number>, count: number, floor?: number): { levels: Float64Array; log: boolean; floor: number } {
  const [mn, mx] = finiteRange(values);
  if (!Number.isFinite(mn) || mn === mx || count <= 0) return { levels: new Float64Array(0), log: false, floor: mn };
  const base = floor !== undefined && floor <= mn ? floor : mn;
  const span = mx - base;
  // Offset so log(v − base + eps) stays finite at the minimum.
  const eps = span * 1e-4;
  const above: number[] = [];
  const stride = Math.max(1, Math.floor(values.length / 4096));
  for (let i = 0; i < values.length; i += stride) {
    const v = values[i]!;
    if (Number.isFinite(v)) above.push(v - base);
  }
  above.sort((a, b) => a - b);
  const p5 = above[Math.floor(above.length * 0.05)] ?? 0;
  const log = (floor !== undefined && floor <= mn) || Math.log10(span + eps) - Math.log10(Math.max(p5, eps)) > 2;
  const lo = Math.log10(Math.max(eps, p5 / 4));
  const hi = Math.log10(span + eps);
  const levels = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const u = (k + 1) / (count + 1);
    levels[k] = log ? base + 10 ** (lo + u * (hi - lo)) - eps : mn + u * (mx - mn);
  }
  return { levels, log, floor: base };
}

/**
 * Marching squares for one level: line segments `x1 y1 x2 y2 ...` in data coordinates. Cells with a
 * non-finite corner are skipped. Saddle cells are disambiguated by the cell-centre average.
 */
export function contourSegments(g: Grid, level: number): Float64Array {
  const { nx, ny, values } = g;
  const out: number[] = [];
  const dx = (g.x[1] - g.x[0]) / (nx - 1);
  const dy = (g.y[1] - g.y[0]) / (ny - 1);
  const lerp = (a: number, b: number): number => {
    const d = b - a;
    return d === 0 ? 0.5 : (level - a) / d;
  };
  for (let j = 0; j < ny - 1; j++) {
    const y0 = g.y[0] + j * dy;
    for (let i = 0; i < nx - 1; i++) {
      const a = values[j * nx + i]!; // bottom-left
      const b = values[j * nx + i + 1]!; // bottom-right
      const c = values[(j + 1) * nx + i + 1]!; // top-right
      const d = values[(j + 1) * nx + i]!; // top-left
      if (!(Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(c) && Number.isFinite(d))) continue;
      const code = (a > level ? 1 : 0) | (b > level ? 2 : 0) | (c > level ? 4 : 0) | (d > level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      const x0 = g.x[0] + i * dx;
      // Edge points: bottom (a-b), right (b-c), top (d-c), left (a-d).
      const B = (): [number, number] => [x0 + lerp(a, b) * dx, y0];
      const R = (): [number, number] => [x0 + dx, y0 + lerp(b, c) * dy];
      const T = (): [number, number] => [x0 + lerp(d, c) * dx, y0 + dy];
      const L = (): [number, number] => [x0, y0 + lerp(a, d) * dy];
      const seg = (p: [number, number], q: [number, number]): void => {
        out.push(p[0], p[1], q[0], q[1]);
      };
      switch (code) {
        case 1: case 14: seg(L(), B()); break;
        case 2: case 13: seg(B(), R()); break;
        case 3: case 12: seg(L(), R()); break;
        case 4: case 11: seg(R(), T()); break;
        case 6: case 9: seg(B(), T()); break;
        case 7: case 8: seg(L(), T()); break;
        case 5: case 10: {
          const centre = (a + b + c + d) / 4 > level;
          // code 5: a and c high. If the centre is high, they connect: cut off b and d corners.
          if ((code === 5) === centre) {
            seg(B(), R());
            seg(L(), T());
          } else {
            seg(L(), B());
            seg(R(), T());
          }
          break;
        }
      }
    }
  }
  return Float64Array.from(out);
}

/** Landscape options shared by `buildLandscape` and `landscapeFromGrid`. */
export interface LandscapeOptions {
  readonly minima: readonly { readonly x: number; readonly y: number; readonly f?: number; readonly label?: string }[];
  readonly start: readonly [number, number];
  readonly levels?: number;
}

/** Default grid size of a landscape (cells are drawn as an nx × ny image). */
export const LANDSCAPE_NX = 160;
export const LANDSCAPE_NY = 120;

/** The panel's landscape message part: grid, contour levels (log-spaced above f_min when useful) and segments. */
export function buildLandscape(
  f: (x: number, y: number) => number,
  opts: LandscapeOptions & {
    readonly window: { readonly x: readonly [number, number]; readonly y: readonly [number, number] };
    readonly nx?: number;
    readonly ny?: number;
  },
): Landscape {
  return landscapeFromGrid(computeGrid(f, opts.window, opts.nx ?? LANDSCAPE_NX, opts.ny ?? LANDSCAPE_NY), opts);
}

/** The landscape of an already evaluated grid (e.g. values computed by the simulation worker); NaN cells are gaps. */
export function landscapeFromGrid(g: Grid, opts: LandscapeOptions): Landscape {
  const fmins = opts.minima.map((m) => m.f).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const floor = fmins.length ? Math.min(...fmins) : undefined;
  const { levels, log } = contourLevels(g.values, opts.levels ?? 14, floor);
  const contours = Array.from(levels, (lv) => contourSegments(g, lv));
  return {
    x: g.x, y: g.y, nx: g.nx, ny: g.ny, values: g.values, levels, contours,
    minima: opts.minima.map((m) => ({ x: m.x, y: m.y, ...(m.label !== undefined ? { label: m.label } : {}) })),
    start: [opts.start[0], opts.start[1]],
    logScale: log,
  };
}

/**
 * The plot window of a 2-parameter loss without a `domain`: a square box (same half-size h on both
 * axes, so the landscape is not distorted) that
 *  - with a known minimum: is centred on the midpoint of the start point and the minimum, with h =
 *    the larger of |Δx|, |Δy| between them, so both sit halfway between the centre and the edge;
 *  - without one (or when the minimum is the start point): is centred on the start point, with
 *    h = max(1, the start point's largest |coordinate|), so it reaches the origin.
 */
export function defaultWindow(start: readonly [number, number], minimum?: { readonly x: number; readonly y: number }): { x: [number, number]; y: [number, number] } {
  let cx = start[0];
  let cy = start[1];
  let h = 0;
  if (minimum && Number.isFinite(minimum.x) && Number.isFinite(minimum.y)) {
    cx = (start[0] + minimum.x) / 2;
    cy = (start[1] + minimum.y) / 2;
    h = Math.max(Math.abs(start[0] - minimum.x), Math.abs(start[1] - minimum.y));
  }
  if (!(h > 0)) h = Math.max(1, Math.abs(start[0]), Math.abs(start[1]));
  return { x: [cx - h, cx + h], y: [cy - h, cy + h] };
}
