// RecordingColumns (full resolution, from the simulation worker) → RunSeries (what the charts need,
// decimated to about the chart width, exact-length Float64Arrays ready to post). Pure.

import { recordedRows } from '../core/simulation';
import type { HyperValue, OptimizerName } from '../core/types';
import { decimateMinMax, decimatePath2, valueScratch } from './decimate';
import type { ParamSeries, PathSeries, RunSeries, SeriesColumn } from './messages';
import type { RecordingColumns } from './simulation';
import { formatHyperValue } from './format';

export { formatHyperValue, formatNumber } from './format';

export interface SeriesOptions {
  /** Max points per series (0 = everything). */
  readonly threshold: number;
  readonly paramNames: readonly string[];
  /** Parameters whose per-parameter series are built. */
  readonly selected: readonly number[];
  readonly label: string;
  /** Plot window (2-D losses) to normalise arc length for path decimation. */
  readonly window?: { readonly x: readonly [number, number]; readonly y: readonly [number, number] };
}

/**
 * Series of one run for the webview. Hot path (6 runs × 10,000 steps on every finished batch): typed
 * loops with scratch buffers, no closures; the points are exactly those of decimateSeries/pathIndices
 * (min-max per bucket; test/unit/panel/seriesFast.test.ts checks against the straightforward version).
 */
export function buildRunSeries(rec: RecordingColumns, opts: SeriesOptions): RunSeries {
  const { dim } = rec;
  // Rows, not steps: a downsampled recording (memory budget) has fewer rows; its x are mapped to true steps below.
  const n = Math.min(rec.stepsCompleted, rec.loss.length - 1);
  const stepOf = recordedRows(rec);
  const th = opts.threshold;
  let pointsSent = 0;
  const rowsLoss = Math.min(rec.loss.length, n + 1);
  const loss = decimateMinMax(rec.loss, rowsLoss, th, 0);
  pointsSent += loss.x.length;
  let validationLoss: SeriesColumn | null = null;
  if (rec.validationLoss) {
    validationLoss = decimateMinMax(rec.validationLoss, Math.min(rec.validationLoss.length, n + 1), th, 0);
    pointsSent += validationLoss.x.length;
  }

  const gradRows = Math.min(n, Math.floor(rec.grad.length / Math.max(1, dim)));
  const gradNorm = decimateMinMax(rowNorms(rec.grad, gradRows, dim), gradRows, th, 0);
  pointsSent += gradNorm.x.length;

  const hasDiag = rec.update.length >= n * dim && n > 0 && dim > 0;
  const updRows = hasDiag ? n : 0;
  const updateNorm = decimateMinMax(rowNorms(rec.update, updRows, dim), updRows, th, 1);
  pointsSent += updateNorm.x.length;
  // The lr of each step, only when it changes (a schedule, a switch): constant runs send nothing.
  const lrRows = Math.min(n, rec.lr.length);
  let lrVaries = false;
  for (let t = 1; t < lrRows && !lrVaries; t++) if (rec.lr[t] !== rec.lr[0]) lrVaries = true;
  const lr = lrVaries ? decimateMinMax(rec.lr, lrRows, th, 1) : null;
  if (lr) pointsSent += lr.x.length;

  let path: PathSeries | null = null;
  if (dim === 2) {
    const rows = Math.min(n + 1, Math.floor(rec.params.length / 2));
    const w = opts.window;
    const scale: [number, number] = w ? [w.x[1] - w.x[0], w.y[1] - w.y[0]] : [1, 1];
    path = decimatePath2(rec.params, rows, th > 0 ? Math.max(th, 64) : 0, scale);
    pointsSent += path.x.length * 2;
  }

  const stateCols: [string, Float64Array][] = [
    ...Object.entries(rec.state),
    ...Object.entries(rec.extra),
  ].filter(([, c]) => c.length >= n * dim && n > 0);
  const stateNames = stateCols.map(([k]) => k);

  const params: ParamSeries[] = [];
  const paramRows = Math.min(n + 1, Math.floor(rec.params.length / dim));
  for (const i of opts.selected) {
    if (i < 0 || i >= dim) continue;
    const state: Record<string, SeriesColumn> = {};
    for (const [k, c] of stateCols) {
      const sc = decimateMinMax(c, n, th, 1, i, dim);
      pointsSent += sc.x.length;
      state[k] = sc;
    }
    const value = decimateMinMax(rec.params, paramRows, th, 0, i, dim);
    const grad = decimateMinMax(rec.grad, gradRows, th, 0, i, dim);
    let effectiveLr = empty();
    let stepSize = empty();
    let updateRatio = empty();
    if (hasDiag) {
      effectiveLr = decimateMinMax(rec.effectiveLr, n, th, 1, i, dim);
      // |Δθ| and |Δθ|/|θ|, materialised into scratch (same values the mapped decimateSeries computed).
      const u = rec.update;
      const p = rec.params;
      const tmp = valueScratch(n);
      for (let t = 0, j = i; t < n; t++, j += dim) tmp[t] = Math.abs(u[j]!);
      stepSize = decimateMinMax(tmp, n, th, 1);
      for (let t = 0, j = i; t < n; t++, j += dim) {
        const a = Math.abs(p[j]!);
        tmp[t] = a > 0 ? Math.abs(u[j]!) / a : NaN;
      }
      updateRatio = decimateMinMax(tmp, n, th, 1);
    }
    pointsSent += value.x.length + grad.x.length + effectiveLr.x.length + stepSize.x.length + updateRatio.x.length;
    params.push({ index: i, name: opts.paramNames[i] ?? `θ[${i}]`, value, grad, effectiveLr, stepSize, updateRatio, state });
  }

  if (stepOf) {
    // Params-like x = row r → its step; per-step x = r' + 1 (off 1: the step arriving at row r' + 1) → that
    // step; the gradient x = r' (off 0: at the params before that step) → that step − 1.
    const rows = (c: { x: Float64Array } | null) => {
      if (c) for (let k = 0; k < c.x.length; k++) c.x[k] = stepOf[c.x[k]!]!;
    };
    const perStep = (c: { x: Float64Array } | null, off: number) => {
      if (c) for (let k = 0; k < c.x.length; k++) c.x[k] = stepOf[c.x[k]! - off + 1]! - 1 + off;
    };
    rows(loss);
    rows(validationLoss);
    perStep(gradNorm, 0);
    perStep(updateNorm, 1);
    perStep(lr, 1);
    if (path) for (let k = 0; k < path.step.length; k++) path.step[k] = stepOf[path.step[k]!]!;
    for (const p of params) {
      rows(p.value);
      perStep(p.grad, 0);
      perStep(p.effectiveLr, 1);
      perStep(p.stepSize, 1);
      perStep(p.updateRatio, 1);
      for (const c of Object.values(p.state)) perStep(c, 1);
    }
  }
  let best = Infinity;
  for (let t = 0; t < rowsLoss; t++) if (rec.loss[t]! < best) best = rec.loss[t]!;
  return {
    runId: rec.runId,
    optimizer: rec.optimizer,
    label: opts.label,
    hyperparameters: rec.hyperparameters,
    dim,
    stepsRequested: rec.stepsRequested,
    stepsCompleted: rec.stepsCompleted,
    diverged: rec.diverged,
    stopReason: rec.stopReason,
    elapsedMs: rec.elapsedMs,
    fromStep: 0,
    finalLoss: rowsLoss > 0 ? rec.loss[rowsLoss - 1]! : NaN,
    bestLoss: Number.isFinite(best) ? best : NaN,
    loss,
    validationLoss,
    gradNorm,
    updateNorm,
    ...(lr ? { lr } : {}),
    ...(rec.segments && rec.segments.length > 1 ? { switches: rec.segments.slice(1).map((s) => ({ step: s.fromStep, optimizer: s.optimizer })) } : {}),
    ...(rec.endpoint ? { endpoint: rec.endpoint } : {}),
    path,
    params,
    stateNames,
    rows: n + 1,
    pointsSent,
  };
}

/** Euclidean norm of each of the first `rows` rows of a row-major column (into scratch). */
function rowNorms(c: Float64Array, rows: number, dim: number): Float64Array {
  const out = valueScratch(rows);
  for (let t = 0, j = 0; t < rows; t++) {
    let s = 0;
    for (let e = j + dim; j < e; j++) {
      const g = c[j]!;
      s += g * g;
    }
    out[t] = Math.sqrt(s);
  }
  return out;
}

function empty(): SeriesColumn {
  return { x: new Float64Array(0), y: new Float64Array(0) };
}

/** |θ_i| at the last row, per parameter (the parameter picker's "top-k by magnitude"). */
export function finalMagnitudes(rec: RecordingColumns): Float64Array {
  const { dim, stepsCompleted: n } = rec;
  const out = new Float64Array(dim);
  const row = Math.min(n, Math.floor(rec.params.length / Math.max(1, dim)) - 1);
  if (row < 0) return out;
  for (let i = 0; i < dim; i++) out[i] = Math.abs(rec.params[row * dim + i]!);
  return out;
}

/** Indices of the k largest values (ties: lower index first), sorted ascending by index. */
export function topK(values: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  idx.sort((a, b) => {
    const va = Number.isFinite(values[a]!) ? values[a]! : -Infinity;
    const vb = Number.isFinite(values[b]!) ? values[b]! : -Infinity;
    return vb - va || a - b;
  });
  return idx.slice(0, Math.max(0, k)).sort((a, b) => a - b);
}

const SHORT: Partial<Record<OptimizerName, string>> = {
  sgd: 'SGD', adagrad: 'AdaGrad', rmsprop: 'RMSprop', adam: 'Adam', adamw: 'AdamW', adamax: 'Adamax', nadam: 'NAdam',
  radam: 'RAdam', adadelta: 'Adadelta', rprop: 'Rprop', signsgd: 'signSGD', lion: 'Lion',
};

/** Short display name of a configuration: `Momentum`, `Nesterov`, `AMSGrad`, `Signum` where the flags say so. */
export function optimizerShortName(name: OptimizerName, h: Readonly<Record<string, HyperValue>>): string {
  if (name === 'sgd' && typeof h['momentum'] === 'number' && h['momentum'] > 0) return h['nesterov'] === true ? 'Nesterov' : 'Momentum';
  if (name === 'signsgd' && typeof h['momentum'] === 'number' && h['momentum'] > 0) return 'Signum';
  if ((name === 'adam' || name === 'adamw') && h['amsgrad'] === true) return name === 'adam' ? 'AMSGrad' : 'AdamW-AMSGrad';
  if (name === 'rmsprop' && h['centered'] === true) return 'RMSprop (centered)';
  return SHORT[name] ?? name;
}

/**
 * Unique legend labels: the short optimizer name, plus `lr=…` (and any other hyperparameter that
 * differs) when two runs would otherwise share a label.
 */
export function runLabels(runs: readonly { optimizer: OptimizerName; hyperparameters: Readonly<Record<string, HyperValue>> }[]): string[] {
  const base = runs.map((r) => optimizerShortName(r.optimizer, r.hyperparameters));
  return runs.map((r, k) => {
    const same = runs.map((_, j) => j).filter((j) => base[j] === base[k]);
    if (same.length < 2) return base[k]!;
    const keys = Object.keys(r.hyperparameters).filter((key) =>
      same.some((j) => formatHyperValue(runs[j]!.hyperparameters[key] ?? false) !== formatHyperValue(r.hyperparameters[key]!)));
    const parts = keys.map((key) => `${key}=${formatHyperValue(r.hyperparameters[key]!)}`);
    const label = parts.length ? `${base[k]} ${parts.join(' ')}` : `${base[k]} #${same.indexOf(k) + 1}`;
    return label;
  });
}

/**
 * Adam-family bias correction at step t (≥ 1): m̂ = m · 1/(1−β1ᵗ) and v̂ = v · 1/(1−β2ᵗ), from the run's
 * `betas`. `v` is null when the run records no v̂ (Adamax corrects only m); null for t < 1 or without betas.
 * A run with `bias_correction: false` uses the raw moments: both factors are 1.
 */
export function biasCorrection(h: Readonly<Record<string, HyperValue>>, t: number, hasVHat: boolean): { m: number; v: number | null } | null {
  const b = h['betas'];
  if (!Array.isArray(b) || !(t >= 1)) return null;
  if (h['bias_correction'] === false) return { m: 1, v: hasVHat ? 1 : null };
  const [b1, b2] = b as readonly [number, number];
  return { m: 1 / (1 - b1 ** t), v: hasVHat ? 1 / (1 - b2 ** t) : null };
}
