// Export formats of a panel's runs (pure): CSV with one row per step and PyTorch's state names as
// columns, and JSON in the reference-trajectory shape (schema_version 1, see
// test/fixtures/reference/README.md), one entry per run.
//
// Row t of the CSV is the state of the world after t optimizer steps:
//   params[t], loss[t], validation_loss[t]; lr, effective_lr, update (Δθ) and optimizer state of step t
//   (empty at t = 0); grad[t] = ∇f(params[t]), consumed by step t+1 (empty on the last row).

import type { HyperValue } from '../core/types';
import type { LossInfo, RecordingColumns } from './simulation';

/** Full round-trip precision; NaN/Infinity spelled out. */
export function csvNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return String(v);
}

/** RFC 4180 field quoting. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface CsvRun {
  readonly label: string;
  readonly recording: RecordingColumns;
}

interface CsvLayout {
  readonly hasVal: boolean;
  readonly state: readonly string[];
  readonly scalars: readonly string[];
  readonly columns: readonly string[];
}

function csvLayout(paramNames: readonly string[], runs: readonly CsvRun[]): CsvLayout {
  const state: string[] = [];
  const scalars: string[] = [];
  let hasVal = false;
  for (const { recording: r } of runs) {
    for (const k of [...Object.keys(r.state), ...Object.keys(r.extra)]) if (!state.includes(k)) state.push(k);
    for (const k of Object.keys(r.scalarState)) if (k !== 'step' && !scalars.includes(k)) scalars.push(k);
    if (r.validationLoss) hasVal = true;
  }
  const per = (prefix: string): string[] => paramNames.map((p) => `${prefix}[${p}]`);
  const columns = [
    'run', 'optimizer', 'step', 'loss', ...(hasVal ? ['validation_loss'] : []), 'lr', 'grad_norm',
    ...paramNames, ...per('grad'), ...per('effective_lr'), ...per('update'),
    ...state.flatMap((s) => per(s)), ...scalars,
  ];
  return { hasVal, state, scalars, columns };
}

/** Column names for a set of runs: the union of every run's state names, in first-seen order. */
export function csvColumns(paramNames: readonly string[], runs: readonly CsvRun[]): string[] {
  return [...csvLayout(paramNames, runs).columns];
}

/** The CSV text (header + one row per step per run, `\n` line ends, trailing newline). */
export function toCsv(paramNames: readonly string[], runs: readonly CsvRun[]): string {
  const { hasVal, state: stateNames, scalars: scalarNames, columns } = csvLayout(paramNames, runs);
  const lines: string[] = [columns.map(csvField).join(',')];
  const dim = paramNames.length;
  const num = (arr: Float64Array | undefined | null, i: number): string => (arr && i >= 0 && i < arr.length ? csvNumber(arr[i]!) : '');
  for (const { label, recording: r } of runs) {
    const n = r.stepsCompleted;
    const hasDiag = r.update.length >= n * dim;
    for (let t = 0; t <= n; t++) {
      const s = t - 1; // row of per-step series for step t
      let gn = '';
      if (t < n && r.grad.length >= (t + 1) * dim) {
        let q = 0;
        for (let i = 0; i < dim; i++) q += r.grad[t * dim + i]! ** 2;
        gn = csvNumber(Math.sqrt(q));
      }
      const row: string[] = [csvField(label), r.optimizer, String(t), num(r.loss, t)];
      if (hasVal) row.push(num(r.validationLoss, t));
      row.push(t > 0 ? num(r.lr, s) : '', gn);
      for (let i = 0; i < dim; i++) row.push(num(r.params, t * dim + i));
      for (let i = 0; i < dim; i++) row.push(t < n ? num(r.grad, t * dim + i) : '');
      for (let i = 0; i < dim; i++) row.push(t > 0 && hasDiag ? num(r.effectiveLr, s * dim + i) : '');
      for (let i = 0; i < dim; i++) row.push(t > 0 && hasDiag ? num(r.update, s * dim + i) : '');
      for (const name of stateNames) {
        const c = r.state[name] ?? r.extra[name];
        for (let i = 0; i < dim; i++) row.push(t > 0 && c && c.length >= n * dim ? num(c, s * dim + i) : '');
      }
      for (const name of scalarNames) row.push(t > 0 ? num(r.scalarState[name], s) : '');
      lines.push(row.join(','));
    }
  }
  return lines.join('\n') + '\n';
}

/** JSON-safe number (non-finite values as strings, as the reference files do). */
function jnum(v: number): number | string {
  return Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

function rows(col: Float64Array, dim: number, count: number): (number | string)[][] {
  const out: (number | string)[][] = [];
  for (let t = 0; t < count && (t + 1) * dim <= col.length; t++) {
    const row: (number | string)[] = [];
    for (let i = 0; i < dim; i++) row.push(jnum(col[t * dim + i]!));
    out.push(row);
  }
  return out;
}
const flat = (col: Float64Array, count: number): (number | string)[] => Array.from(col.subarray(0, count), jnum);

function jsonHyper(h: Readonly<Record<string, HyperValue>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) out[k] = Array.isArray(v) ? [...v] : v;
  return out;
}

export interface JsonExportMeta {
  readonly tool: string;
  readonly version: string;
  readonly exportedAt: string;
  readonly seed: number;
  readonly batchSize?: number;
}

/**
 * The runs as JSON: `{ schema_version, generator, function, start, runs: [ {case_id, optimizer,
 * steps_requested, steps_completed, diverged, stop_reason, trajectory, diagnostics} ] }`; each run's
 * fields follow the reference-trajectory schema.
 */
export function toJsonExport(loss: LossInfo, runs: readonly CsvRun[], meta: JsonExportMeta): unknown {
  const dim = loss.dim;
  return {
    schema_version: 1,
    generator: { tool: meta.tool, version: meta.version, exported_at: meta.exportedAt, dtype: 'float64', seed: meta.seed, ...(meta.batchSize !== undefined ? { batch_size: meta.batchSize } : {}) },
    function: {
      name: loss.name,
      description: loss.label,
      formula: loss.formula ?? null,
      dim,
      param_names: [...loss.paramNames],
      minimizer: loss.minima && loss.minima.length ? [loss.minima[0]!.x, loss.minima[0]!.y] : null,
      f_min: loss.minima && loss.minima.length && loss.minima[0]!.f !== undefined ? loss.minima[0]!.f : null,
      source: loss.ref.kind === 'file' ? loss.ref.path : `builtin:${loss.ref.name}`,
      gradient: loss.gradient,
    },
    start: [...loss.start],
    runs: runs.map(({ label, recording: r }) => {
      const n = r.stepsCompleted;
      const state: Record<string, unknown> = {};
      for (const [k, c] of Object.entries(r.state)) state[k] = rows(c, dim, n);
      const scalar: Record<string, unknown> = {};
      for (const [k, c] of Object.entries(r.scalarState)) scalar[k] = flat(c, n);
      const extra: Record<string, unknown> = {};
      for (const [k, c] of Object.entries(r.extra)) extra[k] = rows(c, dim, n);
      return {
        case_id: `${loss.name}__${r.runId}`,
        label,
        optimizer: { name: r.optimizer, hyperparameters: jsonHyper(r.hyperparameters) },
        steps_requested: r.stepsRequested,
        steps_completed: n,
        diverged: r.diverged,
        stop_reason: r.stopReason,
        trajectory: {
          params: rows(r.params, dim, n + 1),
          loss: flat(r.loss, n + 1),
          ...(r.validationLoss ? { validation_loss: flat(r.validationLoss, n + 1) } : {}),
          grad: rows(r.grad, dim, n),
          state,
          scalar_state: scalar,
        },
        diagnostics: {
          lr: flat(r.lr, n),
          effective_lr: rows(r.effectiveLr, dim, n),
          update: rows(r.update, dim, n),
          direction: rows(r.direction, dim, n),
          ...extra,
        },
      };
    }),
  };
}
