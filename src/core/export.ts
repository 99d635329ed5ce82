// A columnar recording → the row-oriented JSON of the CLI's `--json` / `--out FILE` (the reference files'
// conventions: params[0] = start, params[t] = after step t; non-finite numbers as "NaN"/"Infinity"/"-Infinity"),
// and → a per-step CSV with PyTorch's state names as columns (the CLI's `--csv` / `--out FILE.csv`). Shared by
// the CLI and the panel's Export Run.
//
// Both come as a stream of string chunks (`…Chunks` generators, each chunk ≲ 64 KB), so that a 2 M-step or a
// 193-parameter × 100 k-step run is written without building one giant string; `toTrajectoryJson` / `toCsv`
// are the small-run conveniences (JSON.stringify of the object is byte-identical to the chunks).
//
// A downsampled recording (memory budget, RecordingData.sampling) exports its kept rows only, each at its true
// step: the CSV's `step` column is the true step, and the JSON carries `sampling.steps` (the step of each params
// row; the per-step arrays' row r − 1 belongs to the step arriving at params row r, as `scalar_state.step` says).

import { describeSampling, recordedRows, type RecordingData } from './simulation';
import type { CurvatureSeries } from './curvature/curvature';
import type { EndpointReport } from './curvature/endpoint';
import type { HyperValue } from './types';
import { formatSchedulerSpec, type ScheduleConfig } from './schedules';

/** The columns both `Recording` (core) and `RecordingColumns` (protocol) have. */
export type ColumnarRun = RecordingData;

export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/** JSON has no NaN/Infinity: write them as the strings the reference files use. */
export function jsonNumber(x: number): JsonNumber {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return 'NaN';
  return x > 0 ? 'Infinity' : '-Infinity';
}

/** jsonNumber as JSON text (what JSON.stringify writes for it). */
function jsonNumberText(x: number): string {
  if (Number.isFinite(x)) return String(x);
  return Number.isNaN(x) ? '"NaN"' : x > 0 ? '"Infinity"' : '"-Infinity"';
}

/** Rows of a recording: params-like (`rows`) and per-step (`rows − 1`); never more than stepsCompleted + 1. */
export function rowCount(run: ColumnarRun): number {
  return Math.max(0, Math.min(run.loss.length, run.stepsCompleted + 1));
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

export interface SamplingJson {
  /** e.g. `recorded every 8th step after step 10,000 (…)`. */
  description: string;
  full_until?: number;
  bucket?: number;
  /** The step of each params/loss row. */
  steps: number[];
}

export interface TrajectoryJson {
  loss: unknown;
  optimizer: { name: string; hyperparameters: Record<string, HyperValue> };
  param_names: string[];
  steps_requested: number;
  steps_completed: number;
  diverged: boolean;
  stop_reason: string | null;
  /** Only with a schedule: its schedulers in the `--schedule` text form, and SequentialLR's milestones. */
  schedule?: ScheduleJson;
  /** Only when the run switches optimizer (`--then`): each segment and the step it starts from. */
  segments?: SegmentJson[];
  /** Only when the memory budget downsampled the run. */
  sampling?: SamplingJson;
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
    /** Only when a schedule cycles momentum: SGD momentum / Adam β₁ used by step t+1. */
    momentum?: JsonNumber[];
    diagnostics: Record<string, JsonNumber[][]>;
    validation_loss?: JsonNumber[];
    /** `simulate --curvature` (README "Curvature and stability"). */
    curvature?: CurvatureSeries;
    /** `simulate --endpoint` (README "Generalisation"). */
    endpoint?: EndpointReport;
  };
}

export interface TrajectoryMeta {
  loss: unknown;
  optimizer: string;
  hyperparameters: Readonly<Record<string, HyperValue>>;
  paramNames: readonly string[];
  /** Numerical convention and dtype of the run; written only when not the defaults (pytorch, float64). */
  convention?: string;
  dtype?: string;
  /** The first optimizer's schedule. */
  schedule?: ScheduleConfig;
}

export interface ScheduleJson {
  specs: string[];
  milestones: number[] | null;
}

export interface SegmentJson {
  optimizer: string;
  hyperparameters: Record<string, HyperValue>;
  from_step: number;
  schedule?: ScheduleJson;
}

function scheduleJson(s: ScheduleConfig): ScheduleJson {
  return { specs: s.schedulers.map(formatSchedulerSpec), milestones: s.milestones ? [...s.milestones] : null };
}

function hyperCopy(h: Readonly<Record<string, HyperValue>>): Record<string, HyperValue> {
  const hp: Record<string, HyperValue> = {};
  for (const [k, v] of Object.entries(h)) hp[k] = Array.isArray(v) ? ([...(v as readonly number[])] as unknown as HyperValue) : v;
  return hp;
}

function samplingJson(run: ColumnarRun): SamplingJson | undefined {
  const steps = recordedRows(run);
  if (!steps) return undefined;
  return {
    description: describeSampling(run)!,
    ...(run.sampling ? { full_until: run.sampling.fullUntil, bucket: run.sampling.bucket } : {}),
    steps: [...steps],
  };
}

/** The fields before `sampling` and `trajectory`, in document order (shared by the whole and the streamed document). */
function trajectoryHead(run: ColumnarRun, meta: TrajectoryMeta) {
  return {
    loss: meta.loss,
    optimizer: {
      name: meta.optimizer,
      ...(meta.convention && meta.convention !== 'pytorch' ? { convention: meta.convention } : {}),
      ...(meta.dtype && meta.dtype !== 'float64' ? { dtype: meta.dtype } : {}),
      hyperparameters: hyperCopy(meta.hyperparameters),
    },
    param_names: [...meta.paramNames],
    steps_requested: run.stepsRequested,
    steps_completed: run.stepsCompleted,
    diverged: run.diverged,
    stop_reason: run.stopReason,
    ...(meta.schedule ? { schedule: scheduleJson(meta.schedule) } : {}),
    ...(run.segments
      ? {
          segments: run.segments.map((s): SegmentJson => ({
            optimizer: s.optimizer,
            hyperparameters: hyperCopy(s.hyperparameters),
            from_step: s.fromStep,
            ...(s.schedule ? { schedule: scheduleJson(s.schedule) } : {}),
          })),
        }
      : {}),
  };
}

/** The CLI `--json` document for one run (small runs; large ones: trajectoryJsonChunks). */
export function toTrajectoryJson(run: ColumnarRun, meta: TrajectoryMeta): TrajectoryJson {
  const m = rowCount(run);
  const n = Math.max(0, m - 1);
  const d = run.dim;
  const state: Record<string, JsonNumber[][]> = {};
  for (const [k, v] of Object.entries(run.state)) state[k] = rows(v, d, n);
  const scalar: Record<string, JsonNumber[]> = {};
  for (const [k, v] of Object.entries(run.scalarState)) scalar[k] = values(v, n);
  const diagnostics: Record<string, JsonNumber[][]> = {};
  for (const [k, v] of Object.entries(run.extra)) diagnostics[k] = rows(v, d, n);
  const sampling = samplingJson(run);
  return {
    ...trajectoryHead(run, meta),
    ...(sampling ? { sampling } : {}),
    trajectory: {
      params: rows(run.params, d, m),
      loss: values(run.loss, m),
      grad: rows(run.grad, d, n),
      state,
      scalar_state: scalar,
      effective_lr: rows(run.effectiveLr, d, n),
      direction: rows(run.direction, d, n),
      update: rows(run.update, d, n),
      lr: values(run.lr, n),
      ...(run.momentum ? { momentum: values(run.momentum, n) } : {}),
      diagnostics,
      ...(run.validationLoss ? { validation_loss: values(run.validationLoss, m) } : {}),
      ...(run.curvature ? { curvature: run.curvature } : {}),
      ...(run.endpoint ? { endpoint: run.endpoint } : {}),
    },
  };
}

/** Chunks are flushed once they reach about this many characters. */
const CHUNK = 1 << 16;

/** `[[a,b],[c,d]]` of the first `count` rows of a row-major column, streamed. */
function* rowsJson(col: Float64Array, dim: number, count: number): Generator<string> {
  if (col.length < count * dim || count === 0) {
    yield '[]';
    return;
  }
  let buf = '[';
  for (let t = 0; t < count; t++) {
    buf += t ? ',[' : '[';
    for (let i = 0; i < dim; i++) buf += (i ? ',' : '') + jsonNumberText(col[t * dim + i]!);
    buf += ']';
    if (buf.length >= CHUNK) {
      yield buf;
      buf = '';
    }
  }
  yield buf + ']';
}

function* valuesJson(col: Float64Array, count: number): Generator<string> {
  const k = Math.min(count, col.length);
  let buf = '[';
  for (let t = 0; t < k; t++) {
    buf += (t ? ',' : '') + jsonNumberText(col[t]!);
    if (buf.length >= CHUNK) {
      yield buf;
      buf = '';
    }
  }
  yield buf + ']';
}

function* mapJson(o: Readonly<Record<string, Float64Array>>, f: (c: Float64Array) => Generator<string>): Generator<string> {
  yield '{';
  let first = true;
  for (const [k, v] of Object.entries(o)) {
    yield `${first ? '' : ','}${JSON.stringify(k)}:`;
    first = false;
    yield* f(v);
  }
  yield '}';
}

/** The `--json` document of one run as chunks; their concatenation equals JSON.stringify(toTrajectoryJson(run, meta)). */
export function* trajectoryJsonChunks(run: ColumnarRun, meta: TrajectoryMeta): Generator<string> {
  const m = rowCount(run);
  const n = Math.max(0, m - 1);
  const d = run.dim;
  const sampling = samplingJson(run);
  const h = JSON.stringify(trajectoryHead(run, meta));
  yield h.slice(0, -1);
  if (sampling) {
    const { steps, ...rest } = sampling;
    const s = JSON.stringify(rest);
    yield `,"sampling":${s.slice(0, -1)},"steps":`;
    yield* valuesJson(Float64Array.from(steps), steps.length);
    yield '}';
  }
  yield ',"trajectory":{"params":';
  yield* rowsJson(run.params, d, m);
  yield ',"loss":';
  yield* valuesJson(run.loss, m);
  yield ',"grad":';
  yield* rowsJson(run.grad, d, n);
  yield ',"state":';
  yield* mapJson(run.state, (c) => rowsJson(c, d, n));
  yield ',"scalar_state":';
  yield* mapJson(run.scalarState, (c) => valuesJson(c, n));
  yield ',"effective_lr":';
  yield* rowsJson(run.effectiveLr, d, n);
  yield ',"direction":';
  yield* rowsJson(run.direction, d, n);
  yield ',"update":';
  yield* rowsJson(run.update, d, n);
  yield ',"lr":';
  yield* valuesJson(run.lr, n);
  if (run.momentum) {
    yield ',"momentum":';
    yield* valuesJson(run.momentum, n);
  }
  yield ',"diagnostics":';
  yield* mapJson(run.extra, (c) => rowsJson(c, d, n));
  if (run.validationLoss) {
    yield ',"validation_loss":';
    yield* valuesJson(run.validationLoss, m);
  }
  if (run.curvature) yield `,"curvature":${JSON.stringify(run.curvature)}`;
  if (run.endpoint) yield `,"endpoint":${JSON.stringify(run.endpoint)}`;
  yield '}}';
}

// ---------------------------------------------------------------- CSV

/**
 * A text cell as a spreadsheet should see it: cells starting with `=`, `+`, `-`, `@`, a tab or a CR are
 * prefixed with `'` (so `=HYPERLINK(…)` is text, not a formula; the OWASP "CSV injection" advice), then
 * quoted per RFC 4180 when they contain `"`, `,`, CR or LF. Only for text: numeric cells (`-1.5`, `-Infinity`)
 * are data and are written as they are.
 */
export function csvText(s: string): string {
  const t = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** A number cell: `String(x)`, or NaN / Infinity / -Infinity. */
export function csvNumber(x: number | undefined): string {
  if (x === undefined) return '';
  return Number.isFinite(x) ? String(x) : Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

/**
 * Column names made unique: a later duplicate becomes `name (2)`, `name (3)`… (a parameter named `loss`, `step`
 * or `lr` is first renamed `param[loss]` by csvColumns, so the fixed columns keep their names).
 */
export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((n) => {
    let u = n;
    for (let k = 2; seen.has(u); k++) u = `${n} (${k})`;
    seen.add(u);
    return u;
  });
}

/** The per-step CSV of one run as columns: unique (unquoted) headers and a cell writer per row. */
export interface CsvColumns {
  readonly headers: readonly string[];
  /** Data rows (0..stepsCompleted for a full recording; the kept rows of a downsampled one). */
  readonly rows: number;
  /** Writes the cells of row r (numbers as text, '' where none) into `out` (length headers.length). */
  cells(r: number, out: string[]): void;
}

/**
 * One CSV row per step t = 0..stepsCompleted (a downsampled recording: per kept row, `step` = its true step):
 * `step, loss, [validation_loss], lr, <param>…, grad[<param>]…, update[<param>]…, effective_lr[<param>]…,
 * direction[<param>]…, <state>[<param>]…, <diagnostic>[<param>]…, <scalar state>…`. Row t holds params/loss
 * after step t and the gradient/update/state of step t (empty on row 0 where none exists).
 */
export function csvColumns(run: ColumnarRun, paramNames: readonly string[]): CsvColumns {
  const d = run.dim;
  const m = rowCount(run);
  const n = Math.max(0, m - 1); // per-step rows: per-step row r − 1 belongs to data row r
  const stepOf = recordedRows(run);
  type Col = { header: string; at: (t: number) => number | undefined };
  const fixed = new Set(['step', 'loss', 'validation_loss', 'lr', ...Object.keys(run.scalarState)]);
  const perParam = (label: string, col: Float64Array, perStep: boolean): Col[] => {
    const avail = perStep ? n : m;
    if (!(col.length >= avail * d && avail > 0)) return [];
    return paramNames.map((p, i) => ({
      header: label ? `${label}[${p}]` : fixed.has(p) ? `param[${p}]` : p,
      at: (t: number) => {
        const r = perStep ? t - 1 : t;
        return r >= 0 && r < avail ? col[r * d + i] : undefined;
      },
    }));
  };
  const cols: Col[] = [
    { header: 'step', at: (t) => (stepOf ? stepOf[t] : t) },
    { header: 'loss', at: (t) => run.loss[t] },
    ...(run.validationLoss ? [{ header: 'validation_loss', at: (t: number) => run.validationLoss![t] }] : []),
    { header: 'lr', at: (t) => (t >= 1 && t - 1 < run.lr.length ? run.lr[t - 1] : undefined) },
    ...perParam('', run.params, false),
    ...perParam('grad', run.grad, true),
    ...perParam('update', run.update, true),
    ...perParam('effective_lr', run.effectiveLr, true),
    ...perParam('direction', run.direction, true),
    ...Object.entries(run.state).flatMap(([k, v]) => perParam(k, v, true)),
    ...Object.entries(run.extra).flatMap(([k, v]) => perParam(k, v, true)),
    ...Object.entries(run.scalarState)
      .filter(([k]) => k !== 'step')
      .map(([k, v]) => ({ header: k, at: (t: number) => (t >= 1 && t - 1 < v.length ? v[t - 1] : undefined) })),
  ];
  const headers = uniqueNames(cols.map((c) => c.header));
  return {
    headers,
    rows: m,
    cells(r, out) {
      for (let c = 0; c < cols.length; c++) out[c] = csvNumber(cols[c]!.at(r));
    },
  };
}

/** The header line (text cells neutralised and quoted) of a CSV. */
export function csvHeaderLine(headers: readonly string[]): string {
  return headers.map(csvText).join(',');
}

/** The per-step CSV of one run as chunks (header line, then one line per row; `\n` line ends). */
export function* csvChunks(run: ColumnarRun, paramNames: readonly string[]): Generator<string> {
  const t = csvColumns(run, paramNames);
  let buf = csvHeaderLine(t.headers) + '\n';
  const cells = new Array<string>(t.headers.length);
  for (let r = 0; r < t.rows; r++) {
    t.cells(r, cells);
    buf += cells.join(',') + '\n';
    if (buf.length >= CHUNK) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

/** The per-step CSV of one run as one string (small runs). */
export function toCsv(run: ColumnarRun, paramNames: readonly string[]): string {
  return [...csvChunks(run, paramNames)].join('');
}
