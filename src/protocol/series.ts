// RecordingColumns (full resolution, from the simulation worker) → RunSeries (what the charts need,
// decimated to about the chart width, exact-length Float64Arrays ready to post). Pure.

import type { HyperValue, OptimizerName } from '../core/types';
import { decimateSeries, gather, pathIndices, type YTransform } from './decimate';
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

const abs = (v: number): number => Math.abs(v);

/** Series of one run for the webview. */
export function buildRunSeries(rec: RecordingColumns, opts: SeriesOptions): RunSeries {
  const { dim, stepsCompleted: n } = rec;
  const th = opts.threshold;
  let pointsSent = 0;
  const col = (c: { x: Float64Array; y: Float64Array }): SeriesColumn => {
    pointsSent += c.x.length;
    return c;
  };
  const rowsLoss = Math.min(rec.loss.length, n + 1);
  const loss = col(decimateSeries(rec.loss, rowsLoss, th, 0, { transform: 'log' }));
  const validationLoss = rec.validationLoss ? col(decimateSeries(rec.validationLoss, Math.min(rec.validationLoss.length, n + 1), th, 0, { transform: 'log' })) : null;

  const gradRows = Math.min(n, Math.floor(rec.grad.length / Math.max(1, dim)));
  const gradNormRaw = new Float64Array(gradRows);
  for (let t = 0; t < gradRows; t++) {
    let s = 0;
    for (let i = 0; i < dim; i++) {
      const g = rec.grad[t * dim + i]!;
      s += g * g;
    }
    gradNormRaw[t] = Math.sqrt(s);
  }
  const gradNorm = col(decimateSeries(gradNormRaw, gradRows, th, 0, { transform: 'log' }));

  const hasDiag = rec.update.length >= n * dim && n > 0 && dim > 0;
  const updRows = hasDiag ? n : 0;
  const updNormRaw = new Float64Array(updRows);
  for (let t = 0; t < updRows; t++) {
    let s = 0;
    for (let i = 0; i < dim; i++) {
      const u = rec.update[t * dim + i]!;
      s += u * u;
    }
    updNormRaw[t] = Math.sqrt(s);
  }
  const updateNorm = col(decimateSeries(updNormRaw, updRows, th, 1, { transform: 'log' }));

  let path: PathSeries | null = null;
  if (dim === 2) {
    const rows = Math.min(n + 1, Math.floor(rec.params.length / 2));
    const w = opts.window;
    const scale: [number, number] = w ? [w.x[1] - w.x[0], w.y[1] - w.y[0]] : [1, 1];
    const idx = pathIndices(rec.params, 2, rows, th > 0 ? Math.max(th, 64) : 0, 0, 1, scale);
    const px = gather(rec.params, idx, 0, 0, 2);
    const py = gather(rec.params, idx, 0, 1, 2);
    path = { x: px.y, y: py.y, step: px.x };
    pointsSent += idx.length * 2;
  }

  const stateCols: [string, Float64Array][] = [
    ...Object.entries(rec.state),
    ...Object.entries(rec.extra),
  ].filter(([, c]) => c.length >= n * dim && n > 0);
  const stateNames = stateCols.map(([k]) => k);

  const params: ParamSeries[] = [];
  for (const i of opts.selected) {
    if (i < 0 || i >= dim) continue;
    const s = (y: Float64Array, rows: number, x0: number, transform: YTransform, map?: (v: number, t: number) => number): SeriesColumn =>
      col(decimateSeries(y, rows, th, x0, { transform, offset: i, stride: dim, ...(map ? { map } : {}) }));
    const state: Record<string, SeriesColumn> = {};
    for (const [k, c] of stateCols) state[k] = s(c, n, 1, k.includes('sq') || k === 'sum' || k === 'square_avg' || k === 'step_size' || k === 'exp_inf' ? 'log' : 'linear');
    params.push({
      index: i,
      name: opts.paramNames[i] ?? `θ[${i}]`,
      value: s(rec.params, Math.min(n + 1, Math.floor(rec.params.length / dim)), 0, 'linear'),
      grad: s(rec.grad, gradRows, 0, 'linear'),
      effectiveLr: hasDiag ? s(rec.effectiveLr, n, 1, 'log') : empty(),
      stepSize: hasDiag ? s(rec.update, n, 1, 'log', abs) : empty(),
      updateRatio: hasDiag
        ? s(rec.update, n, 1, 'log', (u, t) => {
            const p = Math.abs(rec.params[t * dim + i]!);
            return p > 0 ? Math.abs(u) / p : NaN;
          })
        : empty(),
      state,
    });
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
    stepsCompleted: n,
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
    path,
    params,
    stateNames,
    rows: n + 1,
    pointsSent,
  };
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
