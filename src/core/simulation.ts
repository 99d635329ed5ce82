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

import type { Optimizer, OptimizerState, Problem, StepDiagnostics } from './types';

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
  /** Refuse (RangeError) to preallocate more than this; default MAX_RECORDING_BYTES. */
  readonly maxRecordingBytes?: number;
}

/**
 * A run's columns (row conventions above). Per-parameter columns are row-major: parameter i at row t is
 * [t*dim + i]. The one declaration of this layout: the core's `Recording`, the worker protocol's
 * `RecordingColumns` and the exporters all use it.
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
  readonly state: Readonly<Record<string, Float64Array>>;
  /** Always includes `step`. */
  readonly scalarState: Readonly<Record<string, Float64Array>>;
  readonly extra: Readonly<Record<string, Float64Array>>;
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

/** The largest recording one Simulation preallocates (all columns), in bytes. */
export const MAX_RECORDING_BYTES = 1.5 * 2 ** 30;

/** Bytes the recording of `steps` steps of `optimizer` on `dim` parameters preallocates. */
export function recordingBytes(dim: number, steps: number, optimizer: Optimizer, record: 'all' | 'trajectory' = 'all'): number {
  const perParamColumns = 2 + (record === 'all' ? 3 + optimizer.stateNames.length + optimizer.extraDiagnosticNames.length : 0); // params, grad (+ update, direction, effectiveLr, state, extra)
  const scalarColumns = 3 + optimizer.scalarStateNames.length; // loss, lr, step (+ scalars)
  return 8 * ((steps + 1) * (dim * perParamColumns + scalarColumns));
}

/** Incremental simulation: the worker advances it in slices and streams the new rows. */
export class Simulation {
  readonly recording: Recording;
  private readonly params: Float64Array;
  private readonly grad: Float64Array;
  private readonly state: OptimizerState;
  private readonly diag: StepDiagnostics | null;
  private readonly recordAll: boolean;
  private done = false;

  constructor(private readonly spec: SimulationSpec) {
    const { problem, optimizer, start, steps } = spec;
    const dim = problem.dim;
    if (start.length !== dim) throw new Error(`start point has ${start.length} values, problem ${problem.name} has ${dim} parameters`);
    if (!Number.isInteger(steps) || steps < 0) throw new Error(`steps must be a non-negative integer, got ${steps}`);
    this.recordAll = (spec.record ?? 'all') === 'all';
    const bytes = recordingBytes(dim, steps, optimizer, spec.record);
    const limit = spec.maxRecordingBytes ?? MAX_RECORDING_BYTES;
    if (bytes > limit) {
      const gib = (b: number) => `${(b / 2 ** 30).toFixed(b < 2 ** 30 ? 2 : 1)} GiB`;
      throw new RangeError(
        `recording ${steps} steps of ${dim} parameters needs ${gib(bytes)} (limit ${gib(limit)}): ` +
          `use at most ${Math.floor((steps * limit) / bytes)} steps${this.recordAll ? ', or record the trajectory only' : ''}`,
      );
    }
    const perParam = (rows: number) => (this.recordAll ? new Float64Array(rows * dim) : EMPTY);
    const state: Record<string, Float64Array> = {};
    for (const n of optimizer.stateNames) state[n] = perParam(steps);
    const extra: Record<string, Float64Array> = {};
    for (const n of optimizer.extraDiagnosticNames) extra[n] = perParam(steps);
    const scalarState: Record<string, Float64Array> = { step: new Float64Array(steps) };
    for (const n of optimizer.scalarStateNames) scalarState[n] = new Float64Array(steps);
    this.recording = {
      problemName: problem.name,
      optimizerName: optimizer.name,
      dim,
      paramNames: problem.paramNames,
      stepsRequested: steps,
      stepsCompleted: 0,
      diverged: false,
      stopReason: null,
      params: new Float64Array((steps + 1) * dim),
      loss: new Float64Array(steps + 1),
      grad: new Float64Array(steps * dim),
      validationLoss: problem.validationLoss ? new Float64Array(steps + 1) : null,
      update: perParam(steps),
      direction: perParam(steps),
      effectiveLr: perParam(steps),
      lr: new Float64Array(steps),
      state,
      scalarState,
      extra,
    };
    this.params = Float64Array.from(start);
    this.grad = new Float64Array(dim);
    this.state = optimizer.init(this.params);
    // Diagnostics are written by the kernels straight into the recording's columns (offset = row).
    this.diag = this.recordAll
      ? { offset: 0, update: this.recording.update, direction: this.recording.direction, effectiveLr: this.recording.effectiveLr, extra: this.recording.extra }
      : null;
    this.recording.params.set(this.params, 0);
    // The loss at the start, evaluated together with the gradient the first step consumes.
    this.recording.loss[0] = steps > 0 ? problem.evaluate(this.params, this.grad, 0) : valueOf(problem, this.params, 0, this.grad);
    if (this.recording.validationLoss) this.recording.validationLoss[0] = problem.validationLoss!(this.params);
    if (steps === 0) this.done = true;
    if (!allFinite(this.params)) this.stop(0, 'non-finite start point');
  }

  get finished(): boolean {
    return this.done;
  }

  /** Runs up to `maxSteps` more steps; returns how many were taken. */
  advance(maxSteps: number = Number.POSITIVE_INFINITY): number {
    const { problem, optimizer, steps } = this.spec;
    const rec = this.recording;
    const dim = rec.dim;
    const { params, grad, state, diag } = this;
    // What is copied after each step: the state tensors (source, destination column) pairs, resolved once.
    // Element loops instead of TypedArray.set: for the small dims of 2-D losses the call overhead of
    // `set` dominates.
    const plan: Float64Array[] = [];
    if (this.recordAll) for (const n of optimizer.stateNames) plan.push(state.tensors[n]!, rec.state[n]!);
    const scalarNames = optimizer.scalarStateNames;
    const scalarCols = scalarNames.map((n) => rec.scalarState[n]!);
    const stepCol = rec.scalarState['step']!;
    let taken = 0;
    while (!this.done && taken < maxSteps) {
      const t = rec.stepsCompleted; // this is step t+1, consuming grad at params[t]
      const row = t * dim;
      copyRow(grad, rec.grad, row, dim);
      if (diag) diag.offset = row;
      optimizer.step(grad, state, params, diag);
      rec.lr[t] = optimizer.lrAt(state.step);
      stepCol[t] = state.step;
      for (let k = 0; k < scalarCols.length; k++) scalarCols[k]![t] = state.scalars[scalarNames[k]!]!;
      for (let k = 0; k < plan.length; k += 2) copyRow(plan[k]!, plan[k + 1]!, row, dim);
      const next = t + 1;
      copyRow(params, rec.params, next * dim, dim);
      rec.stepsCompleted = next;
      taken++;
      const finiteParams = allFinite(params);
      // The gradient at params[next] is only needed if another step follows.
      rec.loss[next] = next < steps && finiteParams ? problem.evaluate(params, grad, next) : valueOf(problem, params, next, grad);
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

  private stop(step: number, why: string): void {
    this.recording.diverged = true;
    this.recording.stopReason = `diverged at step ${step}: ${why}`;
    this.done = true;
  }
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

/** Runs a whole simulation and returns its recording. */
export function simulate(spec: SimulationSpec): Recording {
  const sim = new Simulation(spec);
  sim.advance();
  return sim.recording;
}
