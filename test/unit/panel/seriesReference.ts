// Test oracle: buildRunSeries as it was before the fast path (closures, `map` materialisation,
// minMaxIndices + gather per series via decimateSeries). The production version must match it exactly.
import { decimateSeries, gather, pathIndices, type YTransform } from './decimateReference';
import type { ParamSeries, PathSeries, RunSeries, SeriesColumn } from '../../../src/protocol/messages';
import type { SeriesOptions } from '../../../src/protocol/series';
import type { RecordingColumns } from '../../../src/protocol/simulation';

const abs = (v: number): number => Math.abs(v);

/** Series of one run for the webview. */
export function referenceBuildRunSeries(rec: RecordingColumns, opts: SeriesOptions): RunSeries {
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

  // lr of each step, sent only when it changes during the run (schedules, switches)
  const lrRows = Math.min(n, rec.lr.length);
  const lrVaries = Array.from(rec.lr.subarray(1, Math.max(1, lrRows))).some((v) => v !== rec.lr[0]);
  const lr = lrVaries ? col(decimateSeries(rec.lr, lrRows, th, 1, { transform: 'linear' })) : null;

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
    ...(lr ? { lr } : {}),
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

