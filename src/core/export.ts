// Turning a columnar recording into the row-oriented JSON of the CLI's `--json` (the reference files'
// conventions: params[0] = start, params[t] = after step t; non-finite numbers as "NaN"/"Infinity"/"-Infinity"),
// and into a per-step CSV with PyTorch's state names as columns. Shared by the CLI and the panel's Export Run.

import type { RecordingData } from './simulation';
import type { HyperValue } from './types';

/** The columns both `Recording` (core) and `RecordingColumns` (protocol) have. */
export type ColumnarRun = RecordingData;

export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/** JSON has no NaN/Infinity: write them as the strings the reference files use. */
export function jsonNumber(x: number): JsonNumber {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return 'NaN';
  return x > 0 ? 'Infinity' : '-Infinity';
}

function rows(col: Float64Array, dim: number, count: number): JsonNumber[][] {
  const out: JsonNumber[][] = [];
  if (col.length < count * dim) return out; // not recorded (trajectory-only runs)
  for (let t = 0; t < count; t++) {
    const r: JsonNumber[] = new Array<JsonNumber>(dim);
    for (let i = 0; i < dim; i++) r[i] = jsonNumber(col[t * dim + i]!);
    out.push(r);
  }
  return out;
}

function values(col: Float64Array, count: number): JsonNumber[] {
  const out: JsonNumber[] = [];
  for (let t = 0; t < Math.min(count, col.length); t++) out.push(jsonNumber(col[t]!));
  return out;
}

export interface TrajectoryJson {
  loss: unknown;
  optimizer: { name: string; hyperparameters: Record<string, HyperValue> };
  param_names: string[];
  steps_requested: number;
  steps_completed: number;
  diverged: boolean;
  stop_reason: string | null;
  trajectory: {
    params: JsonNumber[][];
    loss: JsonNumber[];
    grad: JsonNumber[][];
    state: Record<string, JsonNumber[][]>;
    scalar_state: Record<string, JsonNumber[]>;
    effective_lr: JsonNumber[][];
    direction: JsonNumber[][];
    update: JsonNumber[][];
    lr: JsonNumber[];
    diagnostics: Record<string, JsonNumber[][]>;
    validation_loss?: JsonNumber[];
  };
}

/** The CLI `--json` document for one run. */
export function toTrajectoryJson(
  run: ColumnarRun,
  meta: { loss: unknown; optimizer: string; hyperparameters: Readonly<Record<string, HyperValue>>; paramNames: readonly string[] },
): TrajectoryJson {
  const n = run.stepsCompleted;
  const d = run.dim;
  const state: Record<string, JsonNumber[][]> = {};
  for (const [k, v] of Object.entries(run.state)) state[k] = rows(v, d, n);
  const scalar: Record<string, JsonNumber[]> = {};
  for (const [k, v] of Object.entries(run.scalarState)) scalar[k] = values(v, n);
  const diagnostics: Record<string, JsonNumber[][]> = {};
  for (const [k, v] of Object.entries(run.extra)) diagnostics[k] = rows(v, d, n);
  const hp: Record<string, HyperValue> = {};
  for (const [k, v] of Object.entries(meta.hyperparameters)) hp[k] = Array.isArray(v) ? [...(v as readonly number[])] as unknown as HyperValue : v;
  return {
    loss: meta.loss,
    optimizer: { name: meta.optimizer, hyperparameters: hp },
    param_names: [...meta.paramNames],
    steps_requested: run.stepsRequested,
    steps_completed: n,
    diverged: run.diverged,
    stop_reason: run.stopReason,
    trajectory: {
      params: rows(run.params, d, n + 1),
      loss: values(run.loss, n + 1),
      grad: rows(run.grad, d, n),
      state,
      scalar_state: scalar,
      effective_lr: rows(run.effectiveLr, d, n),
      direction: rows(run.direction, d, n),
      update: rows(run.update, d, n),
      lr: values(run.lr, n),
      diagnostics,
      ...(run.validationLoss ? { validation_loss: values(run.validationLoss, n + 1) } : {}),
    },
  };
}

function csvCell(x: number | undefined): string {
  if (x === undefined) return '';
  return Number.isFinite(x) ? String(x) : Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

/**
 * One CSV row per step t = 0..stepsCompleted: `step, loss, [validation_loss], lr, <param>…,
 * grad[<param>]…, update[<param>]…, effective_lr[<param>]…, <state>[<param>]…, <diagnostic>[<param>]…, <scalar state>…`.
 * Row t holds params/loss after step t and the gradient/update/state of step t (empty on row 0 / the last row
 * where a value does not exist).
 */
export function toCsv(run: ColumnarRun, paramNames: readonly string[]): string {
  const d = run.dim;
  const n = run.stepsCompleted;
  type Col = { header: string; at: (t: number) => number | undefined };
  const perParam = (label: string, col: Float64Array, rowOf: (t: number) => number, rowsAvail: number): Col[] =>
    col.length >= rowsAvail * d && rowsAvail > 0
      ? paramNames.map((p, i) => ({
          header: label ? `${label}[${p}]` : p,
          at: (t: number) => {
            const r = rowOf(t);
            return r >= 0 && r < rowsAvail ? col[r * d + i] : undefined;
          },
        }))
      : [];
  // step t's gradient is grad row t−1 (consumed by step t); its update/state are row t−1 too.
  const stepRow = (t: number) => t - 1;
  const cols: Col[] = [
    { header: 'step', at: (t) => t },
    { header: 'loss', at: (t) => run.loss[t] },
    ...(run.validationLoss ? [{ header: 'validation_loss', at: (t: number) => run.validationLoss![t] }] : []),
    { header: 'lr', at: (t) => (t >= 1 ? run.lr[t - 1] : undefined) },
    ...perParam('', run.params, (t) => t, n + 1),
    ...perParam('grad', run.grad, stepRow, n),
    ...perParam('update', run.update, stepRow, n),
    ...perParam('effective_lr', run.effectiveLr, stepRow, n),
    ...perParam('direction', run.direction, stepRow, n),
    ...Object.entries(run.state).flatMap(([k, v]) => perParam(k, v, stepRow, n)),
    ...Object.entries(run.extra).flatMap(([k, v]) => perParam(k, v, stepRow, n)),
    ...Object.entries(run.scalarState)
      .filter(([k]) => k !== 'step')
      .map(([k, v]) => ({ header: k, at: (t: number) => (t >= 1 ? v[t - 1] : undefined) })),
  ];
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [cols.map((c) => quote(c.header)).join(',')];
  for (let t = 0; t <= n; t++) lines.push(cols.map((c) => csvCell(c.at(t))).join(','));
  return lines.join('\n') + '\n';
}
