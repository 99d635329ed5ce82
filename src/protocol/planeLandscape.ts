// Landscapes of N-parameter losses (issue 10 §4): the plane of the first two principal components of the
// union of every run's θ_t − θ_final(run 1) (src/core/pca.ts), the loss evaluated over it by the runner
// (loss files run only in the loss process: GridRequest.plane), and each run's path projected onto it.
// Pure (host and tests).

import { recordedRows } from '../core/simulation';
import { projectOntoPlane, trajectoryPlane, type PathRows, type TrajectoryPlane } from '../core/pca';
import { landscapeFromGrid } from './contour';
import { decimatePath2 } from './decimate';
import type { Landscape, PathSeries } from './messages';
import type { GridPlane, RecordingColumns } from './simulation';

/** Grid of a plane landscape (each cell is one loss evaluation in the loss process). */
export const PLANE_NX = 48;
export const PLANE_NY = 40;
/** Most path points the plane is fitted to (every run subsampled evenly, first and last point kept). */
export const PLANE_MAX_ROWS = 2000;
/** Margin around the projected paths, as a share of their extent. */
const MARGIN = 0.15;

export interface PlaneLayout {
  readonly plane: TrajectoryPlane;
  readonly window: { readonly x: readonly [number, number]; readonly y: readonly [number, number] };
  readonly rows: number;
  readonly runs: number;
  /** What the runner needs to evaluate the grid. */
  readonly grid: GridPlane;
}

function rowsOf(rec: RecordingColumns): number {
  return rec.dim > 0 ? Math.min(rec.stepsCompleted + 1, Math.floor(rec.params.length / rec.dim)) : 0;
}

/** Rows of a path, at most `max`, evenly spaced, first and last kept (a copy only when subsampled). */
function subsample(rec: RecordingColumns, max: number): PathRows {
  const n = rowsOf(rec);
  if (n <= max) return { params: rec.params, rows: n };
  const out = new Float64Array(max * rec.dim);
  for (let k = 0; k < max; k++) {
    const t = Math.round((k * (n - 1)) / (max - 1));
    out.set(rec.params.subarray(t * rec.dim, (t + 1) * rec.dim), k * rec.dim);
  }
  return { params: out, rows: max };
}

/**
 * The plane of `runs` (N > 2 parameters) and its window: the projected paths' extent plus a margin. Null when
 * there is no usable path (no run with a finite final point).
 */
export function planeLayout(runs: readonly RecordingColumns[]): PlaneLayout | null {
  const usable = runs.filter((r) => r.dim > 2 && rowsOf(r) >= 2 && finiteRow(r, rowsOf(r) - 1));
  if (!usable.length) return null;
  const dim = usable[0]!.dim;
  const first = usable[0]!;
  const last = rowsOf(first) - 1;
  const origin = first.params.slice(last * dim, (last + 1) * dim);
  const per = Math.max(2, Math.floor(PLANE_MAX_ROWS / usable.length));
  const paths = usable.filter((r) => r.dim === dim).map((r) => finitePrefix(subsample(r, per), dim));
  const plane = trajectoryPlane(paths, dim, origin);
  let x0 = 0, x1 = 0, y0 = 0, y1 = 0; // the origin (θ_final of run 1) is always inside
  for (const p of paths) {
    const xy = projectOntoPlane(plane, p.params, p.rows);
    for (let k = 0; k < p.rows; k++) {
      const a = xy[2 * k]!;
      const b = xy[2 * k + 1]!;
      if (a < x0) x0 = a;
      if (a > x1) x1 = a;
      if (b < y0) y0 = b;
      if (b > y1) y1 = b;
    }
  }
  const pad = (lo: number, hi: number, other: number): [number, number] => {
    const w = hi - lo || other || 1;
    return [lo - MARGIN * w, hi + MARGIN * w];
  };
  const rows = paths.reduce((s, p) => s + p.rows, 0);
  return {
    plane,
    window: { x: pad(x0, x1, y1 - y0), y: pad(y0, y1, x1 - x0) },
    rows,
    runs: paths.length,
    grid: { origin: Array.from(plane.origin), u: Array.from(plane.u), v: Array.from(plane.v) },
  };
}

function finiteRow(r: RecordingColumns, t: number): boolean {
  for (let i = 0; i < r.dim; i++) if (!Number.isFinite(r.params[t * r.dim + i]!)) return false;
  return true;
}
/** A diverged path's rows up to its last finite point. */
function finitePrefix(p: PathRows, dim: number): PathRows {
  let n = p.rows;
  outer: while (n > 0) {
    for (let i = 0; i < dim; i++) if (!Number.isFinite(p.params[(n - 1) * dim + i]!)) { n--; continue outer; }
    break;
  }
  return n === p.rows ? p : { params: p.params, rows: n };
}

/** A run's path in plane coordinates, decimated like a 2-D path (`threshold` points; 0: all). */
export function projectedPath(rec: RecordingColumns, layout: PlaneLayout, threshold: number): PathSeries {
  const n = rowsOf(rec);
  const xy = projectOntoPlane(layout.plane, rec.params, n);
  const w = layout.window;
  const path = decimatePath2(xy, n, threshold > 0 ? Math.max(threshold, 64) : 0, [w.x[1] - w.x[0], w.y[1] - w.y[0]]);
  const stepOf = recordedRows(rec);
  if (stepOf) for (let k = 0; k < path.step.length; k++) path.step[k] = stepOf[path.step[k]!]!;
  return path;
}

/** The landscape message part of an evaluated plane grid (values[j·nx + i] = f at (x_i, y_j)). */
export function planeLandscape(layout: PlaneLayout, values: Float64Array, nx: number, ny: number, first: RecordingColumns): Landscape {
  const start = projectOntoPlane(layout.plane, first.params, 1);
  const l = landscapeFromGrid({ x: [layout.window.x[0], layout.window.x[1]], y: [layout.window.y[0], layout.window.y[1]], nx, ny, values }, {
    minima: [{ x: 0, y: 0, label: 'θ_final of the first run' }],
    start: [start[0]!, start[1]!],
  });
  return { ...l, plane: { explained: layout.plane.explained, rows: layout.rows, runs: layout.runs, gram: layout.plane.gram } };
}
