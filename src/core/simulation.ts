// The simulation engine: runs an optimizer on a Problem and records every diagnostic of every
// step into preallocated, columnar Float64Arrays. Nothing is allocated per step.
//
// Row conventions (identical to the reference files, ../shared/reference/README.md):
//   params[t]  t = 0..stepsCompleted       params[0] = start, params[t] = after step t
//   loss[t]    t = 0..stepsCompleted       loss[t] = f(params[t])
//   grad[t]    t = 0..stepsCompleted-1     gradient at params[t], consumed by step t+1
//   state/extra/update/direction/effectiveLr/lr/scalarState[t]: after (or during) step t+1
// A run stops early when a parameter becomes non-finite after step k: stepsCompleted = k,
// diverged = true, and every row before it is kept.

import type { HyperValue, Optimizer, OptimizerName, OptimizerState, Problem, StepContext, StepDiagnostics } from './types';
import type { CurvatureSeries } from './curvature/curvature';
import type { EndpointReport } from './curvature/endpoint';
import type { CurvatureViews } from './curvature/views';
import { createScheduler, paramGroup, type ParamGroup, type Scheduler } from './schedules/schedulers';
import { checkSchedule, type ScheduleConfig } from './schedules';

/** A later part of a run: at step `fromStep` a new optimizer takes over the parameters, with fresh state. */
export interface SegmentSpec {
  readonly optimizer: Optimizer;
  /** Steps taken before it takes over (0 < fromStep < steps, increasing). */
  readonly fromStep: number;
  /** Its own learning-rate schedule, constructed when it takes over. */
  readonly schedule?: ScheduleConfig;
}

/** A run's segment as recorded: which optimizer took over at which step (the first has fromStep 0). */
export interface RecordedSegment {
  readonly optimizer: OptimizerName;
  readonly hyperparameters: Readonly<Record<string, HyperValue>>;
  readonly fromStep: number;
  readonly schedule?: ScheduleConfig;
}

export interface SimulationSpec {
  readonly problem: Problem;
  readonly optimizer: Optimizer;
  /** Start point (length problem.dim). Copied, never mutated. */
  readonly start: Float64Array;
  /** Number of optimizer steps requested. */
  readonly steps: number;
  /**
   * 'all' (default): every per-parameter series. 'trajectory': params, loss, grad and scalars only
   * (large problems, benchmarks).
   */
  readonly record?: 'all' | 'trajectory';
  /**
   * Most bytes the recording may hold (all columns); default DEFAULT_RECORD_BUDGET_BYTES. A run whose full
   * recording fits is recorded at every step, exactly as without a budget; a longer one is downsampled
   * while it runs (see `planRecording`), never refused.
   */
  readonly recordBudgetBytes?: number;
  /**
   * The optimizer's learning-rate schedule (torch.optim.lr_scheduler): constructed before the first step
   * (setting its lr), stepped after every optimizer step (ReduceLROnPlateau with the loss that step used).
   */
  readonly schedule?: ScheduleConfig;
  /** Optimizer switches (torch: constructing a new optimizer on the same parameters), in step order. */
  readonly then?: readonly SegmentSpec[];
}

/**
 * How a downsampled recording was kept (absent: every step). Rows 0..fullUntil−1 are every step; after
 * that the rows [fullUntil + j·bucket, fullUntil + (j+1)·bucket) form bucket j, of which the row with the
 * lowest loss and the row with the highest loss are kept (one row when they coincide), so loss spikes
 * and dips survive; the last step's row (and the row before it) are always kept. Every kept row is a
 * real, complete row at its true step: `recordedRows` gives the step of each.
 */
export interface RecordingSampling {
  readonly fullUntil: number;
  readonly bucket: number;
}

/**
 * A run's columns (row conventions above). Per-parameter columns are row-major: parameter i at row t is
 * [t*dim + i]. The one declaration of this layout: the core's `Recording`, the worker protocol's
 * `RecordingColumns` and the exporters all use it. A downsampled recording (`sampling`) has fewer rows than
 * steps: params/loss row r is at step `recordedRows(rec)[r]`, and the per-step columns' row r belongs to
 * the step that left row r (its `scalarState.step` is that row's step + 1).
 */
export interface RecordingData {
  readonly dim: number;
  readonly stepsRequested: number;
  readonly stepsCompleted: number;
  readonly diverged: boolean;
  /** e.g. `diverged at step 9: non-finite parameter y` */
  readonly stopReason: string | null;
  readonly params: Float64Array;
  readonly loss: Float64Array;
  readonly grad: Float64Array;
  /** Present when the problem has held-out data: validation loss at params[t]. */
  readonly validationLoss: Float64Array | null;
  /** Empty arrays when only the trajectory is recorded. */
  readonly update: Float64Array;
  readonly direction: Float64Array;
  readonly effectiveLr: Float64Array;
  /** Learning rate in effect at step t+1 (after any schedule). */
  readonly lr: Float64Array;
  /**
   * Present when a schedule cycles momentum (cycle_momentum): SGD/RMSprop momentum or Adam-family β₁ used
   * by step t+1 (in segments whose schedule does not cycle it: the optimizer's own value, NaN if none).
   */
  readonly momentum?: Float64Array | null;
  /**
   * Present when the run switches optimizer: each segment's optimizer and its first step. State, scalar
   * state and diagnostic columns are the union of the segments' names; a row of a segment whose optimizer
   * does not keep a name holds NaN there. `scalarState.step` counts the run's steps (the optimizer's own
   * `state['step']` restarts at 0 in each segment: it is step − fromStep).
   */
  readonly segments?: readonly RecordedSegment[];
  readonly state: Readonly<Record<string, Float64Array>>;
  /** Always includes `step`. */
  readonly scalarState: Readonly<Record<string, Float64Array>>;
  readonly extra: Readonly<Record<string, Float64Array>>;
  /** Present when the recording was planned to be downsampled (see RecordingSampling). */
  readonly sampling?: RecordingSampling;
  /** Curvature along the run (computed on request after it: computeCurvature), one entry per params row. */
  readonly curvature?: CurvatureSeries;
  /** The panel's curvature views (eigen-directions of 2-D runs, the modes of a constant Hessian): curvatureViews. */
  readonly curvatureViews?: CurvatureViews;
  /** Generalisation at the last row (computed on request after the run: endpointReport). */
  readonly endpoint?: EndpointReport;
}

/** One run's data as the engine fills it (preallocated for every requested step). */
export interface Recording extends RecordingData {
  readonly problemName: string;
  readonly optimizerName: string;
  readonly paramNames: readonly string[];
  stepsCompleted: number;
  diverged: boolean;
  stopReason: string | null;
}

const EMPTY = new Float64Array(0);

/** The default record budget of one Simulation (all columns), in bytes: above it, runs are downsampled. */
export const DEFAULT_RECORD_BUDGET_BYTES = 1.5 * 2 ** 30;
/** @deprecated name of DEFAULT_RECORD_BUDGET_BYTES (it used to be a refusal limit). */
export const MAX_RECORDING_BYTES = DEFAULT_RECORD_BUDGET_BYTES;

/** The names a recording keeps: one optimizer's, or the union over a run's segments. */
export type RecordedNames = Pick<Optimizer, 'stateNames' | 'extraDiagnosticNames' | 'scalarStateNames'>;

/** Union of the state, diagnostic and scalar names of several optimizers (first-seen order). */
export function unionNames(optimizers: readonly RecordedNames[]): RecordedNames {
  const u = (f: (o: RecordedNames) => readonly string[]) => [...new Set(optimizers.flatMap(f))];
  return { stateNames: u((o) => o.stateNames), extraDiagnosticNames: u((o) => o.extraDiagnosticNames), scalarStateNames: u((o) => o.scalarStateNames) };
}

/** Bytes one recorded row takes (every column of one step). */
export function rowBytes(dim: number, optimizer: RecordedNames, record: 'all' | 'trajectory' = 'all', validation = false): number {
  const perParamColumns = 2 + (record === 'all' ? 3 + optimizer.stateNames.length + optimizer.extraDiagnosticNames.length : 0); // params, grad (+ update, direction, effectiveLr, state, extra)
  const scalarColumns = 3 + optimizer.scalarStateNames.length + (validation ? 1 : 0); // loss, lr, step (+ scalars, validation)
  return 8 * (dim * perParamColumns + scalarColumns);
}

/** Bytes the full-resolution recording of `steps` steps of `optimizer` on `dim` parameters preallocates. */
export function recordingBytes(dim: number, steps: number, optimizer: RecordedNames, record: 'all' | 'trajectory' = 'all', validation = false): number {
  return (steps + 1) * rowBytes(dim, optimizer, record, validation);
}

/** Working rows a downsampled recording keeps besides its kept rows (two bucket candidates, the row in flight). */
const SLOTS = 3;
/** Fewest kept rows a downsampled recording plans for; a budget below that is refused. */
export const MIN_RECORDED_ROWS = 16;

/** The plan of a downsampled recording: its sampling and how many rows it allocates. */
export interface RecordingPlan extends RecordingSampling {
  /** Rows the kept part can hold (prefix + 2 per bucket + the final rows). */
  readonly capacity: number;
}

/**
 * Null when every row of `steps` steps fits in `budgetBytes`; otherwise the downsampling plan: half the
 * rows the budget holds go to full resolution (rows 0..fullUntil−1), the rest to buckets of `bucket` steps
 * (a power of two ≥ 4) keeping two rows each, plus the final row. Throws RangeError when the budget holds
 * fewer than MIN_RECORDED_ROWS rows.
 */
export function planRecording(steps: number, bytesPerRow: number, budgetBytes: number): RecordingPlan | null {
  if ((steps + 1) * bytesPerRow <= budgetBytes) return null;
  const rows = Math.floor(budgetBytes / bytesPerRow) - SLOTS;
  if (!(rows >= MIN_RECORDED_ROWS)) {
    const mb = (b: number) => `${(b / 2 ** 20).toFixed(b < 2 ** 20 ? 3 : 1)} MB`;
    throw new RangeError(
      `a memory budget of ${mb(budgetBytes)} holds ${Math.max(0, rows)} rows of this run (${mb(bytesPerRow)} per step); ` +
        `at least ${MIN_RECORDED_ROWS + SLOTS} are needed (${mb((MIN_RECORDED_ROWS + SLOTS) * bytesPerRow)}): raise the memory budget, run fewer runs at once, or record the trajectory only`,
    );
  }
  const fullUntil = Math.floor(rows / 2);
  const rest = steps - fullUntil; // rows fullUntil..steps−1 go into buckets; row `steps` is the final row
  const pairs = Math.max(1, Math.floor((rows - fullUntil - 1) / 2));
  let bucket = 4;
  while (bucket * pairs < rest) bucket *= 2;
  return { fullUntil, bucket, capacity: fullUntil + 2 * Math.ceil(rest / bucket) + 1 };
}

/**
 * The step of each params/loss row of a recording (null when every step is recorded, rows 0..stepsCompleted).
 * Row 0 is the start; row r ≥ 1 is at step `scalarState.step[r − 1]`: in a downsampled recording the per-step
 * row r − 1 holds the step that arrived at row r (its gradient, update, state), exactly as in a full one.
 */
export function recordedRows(rec: RecordingData): Float64Array | null {
  const m = rec.loss.length;
  if (m === rec.stepsCompleted + 1 || m === 0) return null;
  const stepCol = rec.scalarState['step'];
  const out = new Float64Array(m);
  for (let r = 1; r < m; r++) out[r] = stepCol && r - 1 < stepCol.length ? stepCol[r - 1]! : r;
  out[m - 1] = rec.stepsCompleted;
  return out;
}

/**
 * `recorded every 8th step after step 10,000 (min and max loss of each 16 steps, and the last step)`, or null
 * for a full recording. Without `sampling` (a recording that lost it in transit) the figures are derived
 * from the kept rows: `recorded about every 8th step after step 10,000`.
 */
export function describeSampling(rec: RecordingData): string | null {
  const rows = recordedRows(rec);
  if (!rows) return null;
  const n = (x: number) => x.toLocaleString('en-US');
  const ordinal = (k: number) => `${n(k)}${k % 10 === 1 && k % 100 !== 11 ? 'st' : k % 10 === 2 && k % 100 !== 12 ? 'nd' : k % 10 === 3 && k % 100 !== 13 ? 'rd' : 'th'}`;
  const s = rec.sampling;
  if (s) return `recorded every ${ordinal(s.bucket / 2)} step after step ${n(s.fullUntil)} (min and max loss of each ${n(s.bucket)} steps, and the last step)`;
  let full = 0;
  while (full < rows.length && rows[full] === full) full++;
  const every = Math.max(2, Math.round((rec.stepsCompleted - full) / Math.max(1, rows.length - full)));
  return `recorded about every ${ordinal(every)} step after step ${n(full)}`;
}

/** One optimizer's part of a run, as the loop uses it (resolved when it takes over). */
interface Segment {
  readonly optimizer: Optimizer;
  readonly fromStep: number;
  readonly schedule: ScheduleConfig | undefined;
  state: OptimizerState | null;
  /** (state tensor, recording column) pairs copied after each step. */
  plan: Float64Array[];
  scalarNames: readonly string[];
  scalarCols: Float64Array[];
  /** Per-parameter columns (state, diagnostics) this optimizer does not write: NaN in its rows. */
  nanRows: Float64Array[];
  /** Scalar columns it does not write. */
  nanScalars: Float64Array[];
  /** The optimizer's own momentum / β₁ (the momentum column when its schedule does not cycle it). */
  ownMomentum: number;
}

function ownMomentumOf(o: Optimizer): number {
  if (o.momentumKind === 'momentum') return o.hyperparameters['momentum'] as number;
  if (o.momentumKind === 'beta1') return (o.hyperparameters['betas'] as readonly [number, number])[0];
  return NaN;
}

/** A dry construction of a schedule: does it cycle momentum? (Also validates it for `steps` steps.) */
function cyclesMomentum(o: Optimizer, schedule: ScheduleConfig | undefined, steps: number): boolean {
  if (!schedule) return false;
  checkSchedule(schedule, steps);
  const g = paramGroup((o.hyperparameters['lr'] as number | undefined) ?? 0, o.momentumKind, ownMomentumOf(o));
  createScheduler(schedule, g);
  return g.momentumCycled;
}

/** Incremental simulation: the worker advances it in slices and streams the new rows. */
export class Simulation {
  readonly recording: Recording;
  private readonly params: Float64Array;
  private readonly grad: Float64Array;
  private readonly diag: StepDiagnostics | null;
  private readonly recordAll: boolean;
  private done = false;
  /** Downsampling (null: every row at its own index, as without a budget). */
  private readonly dec: Decimator | null;
  /** The columns the loop writes (the recording's, or the decimator's physical rows). */
  private readonly cols: Columns;
  private readonly segs: Segment[];
  private seg: Segment;
  private segIndex = 0;
  /** Step count (rec.stepsCompleted) at which the next segment takes over; Infinity: none. */
  private nextSwitch: number;
  private group: ParamGroup | null = null;
  private scheduler: Scheduler | null = null;
  private readonly ctx: StepContext = { lr: 0, momentum: NaN };
  /** f(params[t]): the loss the next step uses (ReduceLROnPlateau is stepped with it). */
  private lastLoss = NaN;

  private readonly spec: SimulationSpec;

  constructor(spec: SimulationSpec) {
    if (spec.optimizer.dtype === 'float32') spec = float32Spec(spec);
    this.spec = spec;
    const { problem, optimizer, start, steps } = spec;
    const dim = problem.dim;
    if (start.length !== dim) throw new Error(`start point has ${start.length} values, problem ${problem.name} has ${dim} parameters`);
    if (!Number.isInteger(steps) || steps < 0) throw new Error(`steps must be a non-negative integer, got ${steps}`);
    const then = spec.then ?? [];
    let prev = 0;
    for (const s of then) {
      if (!Number.isInteger(s.fromStep) || s.fromStep <= prev || s.fromStep >= Math.max(steps, 1)) {
        throw new Error(`an optimizer switch must come after step ${prev} and before the last step ${steps}, got @${s.fromStep}`);
      }
      prev = s.fromStep;
    }
    const parts: { optimizer: Optimizer; fromStep: number; schedule: ScheduleConfig | undefined }[] = [
      { optimizer, fromStep: 0, schedule: spec.schedule },
      ...then.map((s) => ({ optimizer: s.optimizer, fromStep: s.fromStep, schedule: s.schedule })),
    ];
    let cycled = false;
    parts.forEach((p, k) => {
      const end = k + 1 < parts.length ? parts[k + 1]!.fromStep : steps;
      if (cyclesMomentum(p.optimizer, p.schedule, end - p.fromStep)) cycled = true;
    });
    const names = parts.length > 1 ? unionNames(parts.map((p) => p.optimizer)) : optimizer;
    this.recordAll = (spec.record ?? 'all') === 'all';
    const budget = spec.recordBudgetBytes ?? DEFAULT_RECORD_BUDGET_BYTES;
    const plan = planRecording(steps, rowBytes(dim, names, spec.record, !!problem.validationLoss) + (cycled ? 8 : 0), budget);
    // Rows of the params-like columns and of the per-step columns.
    const rowsP = plan ? plan.capacity + SLOTS : steps + 1;
    const rowsS = plan ? plan.capacity + SLOTS : steps;
    const perParam = (rows: number) => (this.recordAll ? new Float64Array(rows * dim) : EMPTY);
    const state: Record<string, Float64Array> = {};
    for (const n of names.stateNames) state[n] = perParam(rowsS);
    const extra: Record<string, Float64Array> = {};
    for (const n of names.extraDiagnosticNames) extra[n] = perParam(rowsS);
    const scalarState: Record<string, Float64Array> = { step: new Float64Array(rowsS) };
    for (const n of names.scalarStateNames) scalarState[n] = new Float64Array(rowsS);
    const columns: Columns = {
      params: new Float64Array(rowsP * dim),
      loss: new Float64Array(rowsP),
      grad: new Float64Array(rowsS * dim),
      validationLoss: problem.validationLoss ? new Float64Array(rowsP) : null,
      update: perParam(rowsS),
      direction: perParam(rowsS),
      effectiveLr: perParam(rowsS),
      lr: new Float64Array(rowsS),
      momentum: cycled ? new Float64Array(rowsS) : null,
      state,
      scalarState,
      extra,
    };
    const segments: RecordedSegment[] | undefined = parts.length > 1
      ? parts.map((p) => ({ optimizer: p.optimizer.name, hyperparameters: p.optimizer.hyperparameters, fromStep: p.fromStep, ...(p.schedule ? { schedule: p.schedule } : {}) }))
      : undefined;
    const meta = { problemName: problem.name, optimizerName: optimizer.name, dim, paramNames: problem.paramNames, stepsRequested: steps, ...(segments ? { segments } : {}) };
    if (plan) {
      this.dec = new Decimator(plan, dim, columns);
      this.recording = new DownsampledRecording(meta, this.dec, { fullUntil: plan.fullUntil, bucket: plan.bucket });
    } else {
      this.dec = null;
      this.recording = { ...meta, stepsCompleted: 0, diverged: false, stopReason: null, ...columns };
    }
    const cols = this.dec ? this.dec.cols : (this.recording as Columns);
    this.cols = cols;
    this.params = Float64Array.from(start);
    this.grad = new Float64Array(dim);
    this.segs = parts.map((p) => {
      const own = new Set(p.optimizer.stateNames);
      const ownExtra = new Set(p.optimizer.extraDiagnosticNames);
      const ownScalars = new Set(p.optimizer.scalarStateNames);
      return {
        ...p,
        state: null,
        plan: [],
        scalarNames: p.optimizer.scalarStateNames,
        scalarCols: p.optimizer.scalarStateNames.map((n) => cols.scalarState[n]!),
        nanRows: this.recordAll
          ? [...names.stateNames.filter((n) => !own.has(n)).map((n) => cols.state[n]!), ...names.extraDiagnosticNames.filter((n) => !ownExtra.has(n)).map((n) => cols.extra[n]!)]
          : [],
        nanScalars: names.scalarStateNames.filter((n) => !ownScalars.has(n)).map((n) => cols.scalarState[n]!),
        ownMomentum: ownMomentumOf(p.optimizer),
      };
    });
    this.seg = this.segs[0]!;
    this.nextSwitch = this.segs.length > 1 ? this.segs[1]!.fromStep : Infinity;
    this.activate(0);
    // Diagnostics are written by the kernels straight into the recording's columns (offset = row).
    this.diag = this.recordAll
      ? { offset: 0, update: cols.update, direction: cols.direction, effectiveLr: cols.effectiveLr, extra: cols.extra }
      : null;
    cols.params.set(this.params, 0);
    // The loss at the start, evaluated together with the gradient the first step consumes.
    cols.loss[0] = steps > 0 ? problem.evaluate(this.params, this.grad, 0) : valueOf(problem, this.params, 0, this.grad);
    this.lastLoss = cols.loss[0]!;
    if (cols.validationLoss) cols.validationLoss[0] = problem.validationLoss!(this.params);
    if (steps === 0) this.done = true;
    if (!allFinite(this.params)) this.stop(0, 'non-finite start point');
  }

  get finished(): boolean {
    return this.done;
  }

  /** Segment k takes over: fresh optimizer state at the current parameters, its schedule constructed. */
  private activate(k: number): void {
    const seg = this.segs[k]!;
    this.segIndex = k;
    this.seg = seg;
    this.nextSwitch = k + 1 < this.segs.length ? this.segs[k + 1]!.fromStep : Infinity;
    seg.state = seg.optimizer.init(this.params);
    seg.plan = [];
    if (this.recordAll) for (const n of seg.optimizer.stateNames) seg.plan.push(seg.state.tensors[n]!, this.cols.state[n]!);
    if (seg.schedule) {
      const o = seg.optimizer;
      this.group = paramGroup((o.hyperparameters['lr'] as number | undefined) ?? 0, o.momentumKind, seg.ownMomentum);
      this.scheduler = createScheduler(seg.schedule, this.group);
    } else {
      this.group = null;
      this.scheduler = null;
    }
  }

  /** Steps the current optimizer once (step t+1), writing the per-step columns at `row` (= physical row). */
  private stepOnce(t: number, pr: number): void {
    if (t === this.nextSwitch) this.activate(this.segIndex + 1);
    const seg = this.seg;
    const state = seg.state!;
    const cols = this.cols;
    const dim = this.recording.dim;
    const row = pr * dim;
    const ctx = this.ctx;
    const g = this.group;
    if (g) {
      ctx.lr = g.lr;
      ctx.momentum = g.momentumCycled ? g.momentum : NaN;
    } else {
      ctx.lr = seg.optimizer.lrAt(state.step + 1);
      ctx.momentum = NaN;
    }
    if (this.diag) this.diag.offset = row;
    seg.optimizer.stepWith(this.grad, state, this.params, this.diag, ctx);
    cols.lr[pr] = ctx.lr;
    if (cols.momentum) cols.momentum[pr] = ctx.momentum === ctx.momentum ? ctx.momentum : seg.ownMomentum;
    cols.scalarState['step']![pr] = t + 1;
    const { scalarCols, scalarNames, plan, nanRows, nanScalars } = seg;
    for (let k = 0; k < scalarCols.length; k++) scalarCols[k]![pr] = state.scalars[scalarNames[k]!]!;
    for (let k = 0; k < nanScalars.length; k++) nanScalars[k]![pr] = NaN;
    for (let k = 0; k < plan.length; k += 2) copyRow(plan[k]!, plan[k + 1]!, row, dim);
    for (let k = 0; k < nanRows.length; k++) nanRows[k]!.fill(NaN, row, row + dim);
    // torch: scheduler.step() after optimizer.step(); ReduceLROnPlateau.step(the loss this step used).
    if (this.scheduler) this.scheduler.advance(this.lastLoss);
  }

  /** Runs up to `maxSteps` more steps; returns how many were taken. */
  advance(maxSteps: number = Number.POSITIVE_INFINITY): number {
    if (this.dec) return this.advanceDownsampled(maxSteps, this.dec);
    const { problem, steps } = this.spec;
    const rec = this.recording;
    const dim = rec.dim;
    const { params, grad } = this;
    let taken = 0;
    while (!this.done && taken < maxSteps) {
      const t = rec.stepsCompleted; // this is step t+1, consuming grad at params[t]
      copyRow(grad, rec.grad, t * dim, dim);
      this.stepOnce(t, t);
      const next = t + 1;
      copyRow(params, rec.params, next * dim, dim);
      rec.stepsCompleted = next;
      taken++;
      const finiteParams = allFinite(params);
      // The gradient at params[next] is only needed if another step follows.
      rec.loss[next] = next < steps && finiteParams ? problem.evaluate(params, grad, next) : valueOf(problem, params, next, grad);
      this.lastLoss = rec.loss[next]!;
      if (rec.validationLoss) rec.validationLoss[next] = problem.validationLoss!(params);
      if (!finiteParams) {
        let bad = 0;
        while (bad < dim && Number.isFinite(params[bad]!)) bad++;
        this.stop(next, `non-finite parameter ${rec.paramNames[bad] ?? bad}`);
      } else if (next >= steps) {
        this.done = true;
      }
    }
    return taken;
  }

  /**
   * The same loop over physical rows. Row t+1 (params, loss, and the gradient, update and state of step t+1
   * that arrived there) is written at `dec.assign(t+1)` in one iteration, then kept or dropped. A throw from
   * the loss (a user error) leaves that row's loss NaN and keeps it as the last row, as the worker does for
   * full recordings, then propagates.
   */
  private advanceDownsampled(maxSteps: number, dec: Decimator): number {
    const { problem, steps } = this.spec;
    const rec = this.recording;
    const cols = dec.cols;
    const dim = rec.dim;
    const { params, grad } = this;
    let taken = 0;
    let open = -1; // physical row assigned but not yet completed, and its row
    let openRow = -1;
    dec.dirty = true;
    try {
      while (!this.done && taken < maxSteps) {
        const next = rec.stepsCompleted + 1;
        const pn = dec.assign(next);
        open = pn;
        openRow = next;
        const row = pn * dim;
        copyRow(grad, cols.grad, row, dim);
        this.stepOnce(next - 1, pn);
        copyRow(params, cols.params, row, dim);
        cols.loss[pn] = NaN; // until evaluated (a throw leaves it so)
        if (cols.validationLoss) cols.validationLoss[pn] = NaN;
        rec.stepsCompleted = next;
        taken++;
        const finiteParams = allFinite(params);
        cols.loss[pn] = next < steps && finiteParams ? problem.evaluate(params, grad, next) : valueOf(problem, params, next, grad);
        this.lastLoss = cols.loss[pn]!;
        if (cols.validationLoss) cols.validationLoss[pn] = problem.validationLoss!(params);
        open = -1;
        dec.complete(next, pn);
        if (!finiteParams) {
          let bad = 0;
          while (bad < dim && Number.isFinite(params[bad]!)) bad++;
          this.stop(next, `non-finite parameter ${rec.paramNames[bad] ?? bad}`);
        } else if (next >= steps) {
          this.done = true;
        }
      }
    } catch (e) {
      // Threw in the loss: the row exists (params written, loss NaN) and ends the recording. Threw before
      // the row was counted (in the optimizer): it is dropped and its slot returned.
      if (open >= 0) {
        if (rec.stepsCompleted === openRow) dec.complete(openRow, open);
        else dec.abandon(open);
      }
      this.done = true;
      throw e;
    }
    return taken;
  }

  private stop(step: number, why: string): void {
    this.recording.diverged = true;
    this.recording.stopReason = `diverged at step ${step}: ${why}`;
    this.done = true;
  }
}

interface Columns {
  readonly params: Float64Array;
  readonly loss: Float64Array;
  readonly grad: Float64Array;
  readonly validationLoss: Float64Array | null;
  readonly update: Float64Array;
  readonly direction: Float64Array;
  readonly effectiveLr: Float64Array;
  readonly lr: Float64Array;
  readonly momentum: Float64Array | null;
  readonly state: Record<string, Float64Array>;
  readonly scalarState: Record<string, Float64Array>;
  readonly extra: Record<string, Float64Array>;
}

/**
 * The physical rows of a downsampled recording. Row t is a unit: params[t], loss[t] and the per-step values
 * of step t that arrived there (per-step physical row t; row 0 has none). Rows 0..fullUntil−1 are written at
 * their own index. Later rows are written into one of SLOTS working rows at the end of the arrays; a row
 * becomes its bucket's lowest- or highest-loss candidate or its slot is freed (after the next row is
 * assigned: until then it is the last row of a view); when a bucket's last row is complete, its candidates
 * are copied, in step order, to the next kept rows. Nothing is allocated per step.
 */
class Decimator {
  /** Kept rows so far (physical rows [0, kept) are final). */
  kept = 1;
  /** Row index of the last kept row. */
  lastKept = 0;
  /** The last completed row and its physical row (intact until the next `assign`). */
  lastRow = 0;
  private lastPhys = 0;
  private readonly free: Int32Array;
  private nFree = 0;
  private minSlot = -1;
  private maxSlot = -1;
  private minRow = -1;
  private maxRow = -1;
  private minLoss = 0;
  private maxLoss = 0;
  /** (column, width) pairs moved by `move`. */
  private readonly moves: { col: Float64Array; w: number }[];
  dirty = true;
  /** Materialised rows (params-like columns) at the last `materialize`. */
  private viewRows = 1;

  constructor(readonly plan: RecordingPlan, readonly dim: number, readonly cols: Columns) {
    this.free = new Int32Array(SLOTS);
    for (let k = SLOTS - 1; k >= 0; k--) this.free[this.nFree++] = plan.capacity + k;
    const m: { col: Float64Array; w: number }[] = [];
    const add = (col: Float64Array | null, w: number) => {
      if (col && col.length > 0) m.push({ col, w });
    };
    add(cols.params, dim);
    add(cols.loss, 1);
    add(cols.validationLoss, 1);
    add(cols.grad, dim);
    add(cols.update, dim);
    add(cols.direction, dim);
    add(cols.effectiveLr, dim);
    add(cols.lr, 1);
    add(cols.momentum, 1);
    for (const c of Object.values(cols.state)) add(c, dim);
    for (const c of Object.values(cols.extra)) add(c, dim);
    for (const c of Object.values(cols.scalarState)) add(c, 1);
    this.moves = m;
  }

  /** The physical row for row `t` (about to be written). */
  assign(t: number): number {
    if (t < this.plan.fullUntil) return t;
    // The last complete row was kept intact for a view; a new row is in flight now.
    const s = this.lastPhys;
    this.lastPhys = -1;
    this.release(s);
    return this.free[--this.nFree]!;
  }

  private release(slot: number): void {
    if (slot < this.plan.capacity || slot === this.minSlot || slot === this.maxSlot || slot === this.lastPhys) return;
    for (let k = 0; k < this.nFree; k++) if (this.free[k] === slot) return;
    this.free[this.nFree++] = slot;
  }

  /** A row was assigned but never written (the optimizer threw): return its slot. */
  abandon(p: number): void {
    this.release(p);
  }

  /** Row t (physical p) is complete. */
  complete(t: number, p: number): void {
    const F = this.plan.fullUntil;
    this.lastRow = t;
    this.lastPhys = p;
    if (t < F) {
      this.kept = t + 1;
      this.lastKept = t;
      return;
    }
    const loss = this.cols.loss[p]!;
    const oldMin = this.minSlot;
    const oldMax = this.maxSlot;
    if (this.minSlot < 0 || loss < this.minLoss) {
      this.minSlot = p;
      this.minRow = t;
      this.minLoss = loss;
    }
    if (this.maxSlot < 0 || loss > this.maxLoss) {
      this.maxSlot = p;
      this.maxRow = t;
      this.maxLoss = loss;
    }
    if (oldMin >= 0) this.release(oldMin);
    if (oldMax >= 0) this.release(oldMax);
    if ((t - F + 1) % this.plan.bucket === 0) {
      // Bucket complete: its candidates become kept rows, in step order.
      const first = this.minRow <= this.maxRow ? this.minSlot : this.maxSlot;
      const second = first === this.minSlot ? this.maxSlot : this.minSlot;
      this.move(first, this.kept++);
      if (second !== first) this.move(second, this.kept++);
      this.lastKept = Math.max(this.minRow, this.maxRow);
      this.minSlot = this.maxSlot = this.minRow = this.maxRow = -1;
      this.release(first);
      this.release(second);
    }
  }

  /** Copies physical row `from` to `to` in every column. */
  private move(from: number, to: number): void {
    if (from === to) return;
    for (const { col, w } of this.moves) {
      if (w === 1) col[to] = col[from]!;
      else col.copyWithin(to * w, from * w, from * w + w);
    }
  }

  /**
   * Materialises the kept rows, then the open bucket's candidates and the last row (= stepsCompleted, `n`),
   * after the kept rows, without disturbing the run (it may continue). Returns the number of rows.
   */
  materialize(n: number): number {
    if (!this.dirty) return this.viewRows;
    this.dirty = false;
    if (n < this.plan.fullUntil) return (this.viewRows = n + 1);
    let at = this.kept;
    const a = this.minSlot >= 0 ? this.minRow : -1;
    const b = this.maxSlot >= 0 && this.maxRow !== this.minRow ? this.maxRow : -1;
    const tail: number[] = []; // [row, physical] pairs, in step order
    if (a >= 0) tail.push(a, this.minSlot);
    if (b >= 0) tail.push(b, this.maxSlot);
    if (tail.length === 4 && tail[0]! > tail[2]!) tail.push(...tail.splice(0, 2));
    if (n > this.lastKept && n !== a && n !== b && this.lastRow === n && this.lastPhys >= 0) tail.push(n, this.lastPhys);
    for (let k = 0; k < tail.length; k += 2) this.move(tail[k + 1]!, at++);
    return (this.viewRows = at);
  }
}

/** A downsampled run's Recording: the columns are exact-length views of the kept rows (materialised on read). */
class DownsampledRecording implements Recording {
  readonly problemName: string;
  readonly optimizerName: string;
  readonly dim: number;
  readonly paramNames: readonly string[];
  readonly stepsRequested: number;
  readonly segments?: readonly RecordedSegment[];
  stepsCompleted = 0;
  diverged = false;
  stopReason: string | null = null;

  constructor(
    meta: { problemName: string; optimizerName: string; dim: number; paramNames: readonly string[]; stepsRequested: number; segments?: readonly RecordedSegment[] },
    private readonly dec: Decimator,
    readonly sampling: RecordingSampling,
  ) {
    this.problemName = meta.problemName;
    this.optimizerName = meta.optimizerName;
    this.dim = meta.dim;
    this.paramNames = meta.paramNames;
    this.stepsRequested = meta.stepsRequested;
    if (meta.segments) this.segments = meta.segments;
  }

  private rows(): number {
    return this.dec.materialize(this.stepsCompleted);
  }
  private p(c: Float64Array): Float64Array {
    return c.length ? c.subarray(0, this.rows() * this.dim) : c;
  }
  /** Per-step columns: physical rows 1..m−1 (row 0, the start, has no step). */
  private s(c: Float64Array, w: number): Float64Array {
    return c.length ? c.subarray(w, this.rows() * w) : c;
  }
  private map(o: Record<string, Float64Array>, w: number): Record<string, Float64Array> {
    const out: Record<string, Float64Array> = {};
    for (const [k, v] of Object.entries(o)) out[k] = this.s(v, w);
    return out;
  }
  get params() { return this.p(this.dec.cols.params); }
  get loss() { return this.dec.cols.loss.subarray(0, this.rows()); }
  get validationLoss() { const v = this.dec.cols.validationLoss; return v ? v.subarray(0, this.rows()) : null; }
  get grad() { return this.s(this.dec.cols.grad, this.dim); }
  get update() { return this.s(this.dec.cols.update, this.dim); }
  get direction() { return this.s(this.dec.cols.direction, this.dim); }
  get effectiveLr() { return this.s(this.dec.cols.effectiveLr, this.dim); }
  get lr() { return this.s(this.dec.cols.lr, 1); }
  get momentum() { const m = this.dec.cols.momentum; return m ? this.s(m, 1) : null; }
  get state() { return this.map(this.dec.cols.state, this.dim); }
  get extra() { return this.map(this.dec.cols.extra, this.dim); }
  get scalarState() { return this.map(this.dec.cols.scalarState, 1); }
}

function valueOf(problem: Problem, params: Float64Array, step: number, scratch: Float64Array): number {
  return problem.value ? problem.value(params, step) : problem.evaluate(params, scratch, step);
}

/** dst[offset .. offset+dim) = src[0 .. dim). */
function copyRow(src: Float64Array, dst: Float64Array, offset: number, dim: number): void {
  if (dim > 32) {
    dst.set(src, offset);
    return;
  }
  for (let i = 0; i < dim; i++) dst[offset + i] = src[i]!;
}

function allFinite(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
}

/**
 * A float32 run (`optimizer.dtype`): the start point, every gradient and every loss value are stored as
 * float32 (Math.fround), as a tfjs variable and the tensors its loss returns are; the optimizer's kernel
 * rounds its own state and intermediates. The loss itself is evaluated as written (in doubles).
 */
function float32Spec(spec: SimulationSpec): SimulationSpec {
  // A float32 evaluation (built-ins) replaces `evaluate` + rounding; the loss itself is otherwise evaluated as written.
  const p = spec.problem;
  const roundAll = (v: Float64Array) => {
    for (let i = 0; i < v.length; i++) v[i] = Math.fround(v[i]!);
  };
  const start = Float64Array.from(spec.start);
  roundAll(start);
  const scratch = new Float64Array(p.dim);
  const problem: Problem = {
    name: p.name,
    dim: p.dim,
    paramNames: p.paramNames,
    evaluate(params, gradOut, step) {
      const loss = p.evaluateFloat32 ? p.evaluateFloat32(params, gradOut, step) : p.evaluate(params, gradOut, step);
      roundAll(gradOut);
      return Math.fround(loss);
    },
    ...(p.evaluateFloat32 ? { value: (params: Float64Array, step: number) => Math.fround(p.evaluateFloat32!(params, scratch, step)) } : p.value ? { value: (params: Float64Array, step: number) => Math.fround(p.value!(params, step)) } : {}),
    ...(p.validationLoss ? { validationLoss: (params: Float64Array) => Math.fround(p.validationLoss!(params)) } : {}),
  };
  return { ...spec, problem, start };
}

/** Runs a whole simulation and returns its recording. */
export function simulate(spec: SimulationSpec): Recording {
  const sim = new Simulation(spec);
  sim.advance();
  return sim.recording;
}
