// Fair comparisons: each optimizer's learning rate tuned with the same budget (README "Tuned comparison").
//
//   1. a log grid over [1e-5, 10], three points per decade (19 runs): lr_k = 10^(−5 + k/3), k = 0..18;
//   2. golden-section search in log10 lr on the bracket [lr_{k*−1}, lr_{k*+1}] around the grid's best point
//      k* (clamped to the grid's ends), GOLDEN_RUNS runs (two to open the bracket, then one per iteration);
//   3. the tuned lr is the best of all GRID + GOLDEN_RUNS evaluated points (the earliest on a tie).
// Every optimizer gets exactly the same number of runs. Objectives compare lexicographically (primary, then a
// tie-breaker), lower is better:
//   final-loss   (final loss, 0)                              diverged/non-finite: (+∞, +∞)
//   steps        (steps to tolerance, or steps + 1 if never; final loss)
//   distance     (‖θ_final − θ*‖₂ to the nearest known minimum + mean loss over rows 0..m, 0)

import { rowCount } from './export';
import { recordedRows, type RecordingData } from './simulation';

export type Objective = 'final-loss' | 'steps' | 'distance';

/** A lexicographic objective value: [primary, tie-breaker]. */
export type ObjectiveValue = readonly [number, number];

export const GRID_MIN_LR = 1e-5;
export const GRID_MAX_LR = 10;
export const GRID_PER_DECADE = 3;
/** Golden-section runs after the grid. */
export const GOLDEN_RUNS = 12;

const INVPHI = (Math.sqrt(5) - 1) / 2;

/** The grid's learning rates, 12 significant digits (1e-5, 2.15443469003e-5, 4.64158883361e-5, 1e-4, …). */
export function lrGrid(min = GRID_MIN_LR, max = GRID_MAX_LR, perDecade = GRID_PER_DECADE): number[] {
  const a = Math.log10(min);
  const n = Math.round((Math.log10(max) - a) * perDecade);
  const out: number[] = [];
  for (let k = 0; k <= n; k++) out.push(Number((10 ** (a + k / perDecade)).toPrecision(12)));
  return out;
}

/** Lower is better: primary, then the tie-breaker; NaN counts as +∞. */
export function better(a: ObjectiveValue, b: ObjectiveValue): boolean {
  const n = (x: number) => (Number.isNaN(x) ? Infinity : x);
  if (n(a[0]) !== n(b[0])) return n(a[0]) < n(b[0]);
  return n(a[1]) < n(b[1]);
}

/** What a run gives the objectives. */
export interface RunFacts {
  readonly finalLoss: number;
  readonly stepsToTolerance: number | null;
  readonly steps: number;
  readonly diverged: boolean;
  /** ‖θ_final − θ*‖₂ to the nearest known minimum (NaN if none is known). */
  readonly distanceToMinimum: number;
  /** Mean of the loss over rows 0..stepsCompleted. */
  readonly meanLoss: number;
}

/** What the run facts need of a loss: its dimension and its known minima (the protocol's LossInfo has both). */
export interface KnownMinima {
  readonly dim: number;
  readonly minima?: readonly { readonly x: number; readonly y: number; readonly f?: number }[];
}

/** The lowest known minimum value f*, or undefined when no minimum states one. */
export function lowestKnownMinimum(info: KnownMinima): number | undefined {
  let best: number | undefined;
  for (const m of info.minima ?? []) if (typeof m.f === 'number' && (best === undefined || m.f < best)) best = m.f;
  return best;
}

/** ‖∇f‖₂ at the params of row r (the gradient the next step consumed), or NaN when that step was not kept. */
export function gradNormAt(rec: RecordingData, r: number, rows: Float64Array | null): number {
  const m = rowCount(rec);
  if (r >= m - 1) return NaN;
  if (rows && rows[r + 1] !== rows[r]! + 1) return NaN; // downsampled: the step leaving row r was dropped
  let s = 0;
  for (let i = 0; i < rec.dim; i++) s += rec.grad[r * rec.dim + i]! ** 2;
  return Math.sqrt(s);
}

/**
 * First step t with f(θ_t) − f* ≤ tol when f* is known, else ‖∇f(θ_t)‖₂ ≤ tol; null if never. A downsampled
 * recording answers with the step of the first kept row that meets it (exact within the full-resolution prefix).
 */
export function stepsToTolerance(rec: RecordingData, tol: number, fMin: number | undefined): number | null {
  const stepOf = recordedRows(rec);
  const m = rowCount(rec);
  for (let r = 0; r < m; r++) {
    const ok = fMin !== undefined ? rec.loss[r]! - fMin <= tol : gradNormAt(rec, r, stepOf) <= tol;
    if (ok) return stepOf ? stepOf[r]! : r;
  }
  return null;
}

/** The facts the objectives read, from one recording (every step recorded); `error`: a user error ended the run. */
export function runFacts(rec: RecordingData & { readonly error?: unknown }, info: KnownMinima, tolerance: number): RunFacts {
  const m = rowCount(rec) - 1;
  let sum = 0;
  for (let t = 0; t <= m; t++) sum += rec.loss[t]!;
  let dist = NaN;
  if (info.dim === 2 && info.minima && info.minima.length) {
    const x = rec.params[2 * m]!;
    const y = rec.params[2 * m + 1]!;
    for (const mn of info.minima) {
      const d = Math.hypot(x - mn.x, y - mn.y);
      if (!(d >= dist)) dist = d;
    }
  }
  return {
    finalLoss: rec.loss[m]!,
    stepsToTolerance: stepsToTolerance(rec, tolerance, lowestKnownMinimum(info)),
    steps: rec.stepsRequested,
    diverged: rec.diverged || !!rec.error,
    distanceToMinimum: dist,
    meanLoss: sum / (m + 1),
  };
}

export function objectiveValue(objective: Objective, r: RunFacts): ObjectiveValue {
  const fin = !r.diverged && Number.isFinite(r.finalLoss);
  switch (objective) {
    case 'final-loss':
      return fin ? [r.finalLoss, 0] : [Infinity, Infinity];
    case 'steps':
      return [r.stepsToTolerance ?? r.steps + 1, fin ? r.finalLoss : Infinity];
    case 'distance': {
      const v = r.distanceToMinimum + r.meanLoss;
      return fin && Number.isFinite(v) ? [v, 0] : [Infinity, Infinity];
    }
  }
}

export interface TunePoint {
  readonly lr: number;
  readonly value: ObjectiveValue;
  readonly stage: 'grid' | 'golden';
}

export interface TuneResult {
  readonly lr: number;
  readonly value: ObjectiveValue;
  /** Every evaluated point, sorted by lr: the sensitivity curve. */
  readonly curve: readonly TunePoint[];
  readonly runs: number;
}

/**
 * Tunes lr with the grid then golden-section search. `evaluate` runs a batch of learning rates (the grid
 * at once, golden-section points one or two at a time) and returns their objective values in order.
 */
export async function tuneLr(evaluate: (lrs: readonly number[]) => Promise<ObjectiveValue[]>, grid: readonly number[] = lrGrid(), goldenRuns = GOLDEN_RUNS): Promise<TuneResult> {
  const points: TunePoint[] = [];
  const gv = await evaluate(grid);
  grid.forEach((lr, k) => points.push({ lr, value: gv[k]!, stage: 'grid' }));
  let kBest = 0;
  for (let k = 1; k < grid.length; k++) if (better(gv[k]!, gv[kBest]!)) kBest = k;
  let a = Math.log10(grid[Math.max(0, kBest - 1)]!);
  let b = Math.log10(grid[Math.min(grid.length - 1, kBest + 1)]!);
  if (goldenRuns >= 2 && b > a) {
    let c = b - INVPHI * (b - a);
    let d = a + INVPHI * (b - a);
    const [fc0, fd0] = await evaluate([10 ** c, 10 ** d]);
    let fc = fc0!;
    let fd = fd0!;
    points.push({ lr: 10 ** c, value: fc, stage: 'golden' }, { lr: 10 ** d, value: fd, stage: 'golden' });
    for (let run = 2; run < goldenRuns; run++) {
      if (better(fc, fd)) {
        b = d;
        d = c;
        fd = fc;
        c = b - INVPHI * (b - a);
        fc = (await evaluate([10 ** c]))[0]!;
        points.push({ lr: 10 ** c, value: fc, stage: 'golden' });
      } else {
        a = c;
        c = d;
        fc = fd;
        d = a + INVPHI * (b - a);
        fd = (await evaluate([10 ** d]))[0]!;
        points.push({ lr: 10 ** d, value: fd, stage: 'golden' });
      }
    }
  }
  let best = points[0]!;
  for (const p of points) if (better(p.value, best.value)) best = p;
  return { lr: best.lr, value: best.value, curve: [...points].sort((x, y) => x.lr - y.lr), runs: points.length };
}
