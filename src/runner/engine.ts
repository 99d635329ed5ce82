// The run loop, shared by the loss process (src/runner/child.ts, loss files) and the host's in-process
// runs of built-ins (src/runner/client.ts): validates a request (own properties only), runs every
// RunConfig with the core's Simulation in time-boxed slices (many steps per message) and posts the
// protocol of src/protocol/simulation.ts:
//
//   run   → sim/didDescribe (the loss as this request sees it), per run: sim/heartbeat (first
//           evaluation), sim/didProgress… (one per slice), sim/didFinishRun (exact-length columns),
//           then sim/didFinish {cancelled} | sim/didFail (an error before the first step of a run)
//   grid  → sim/heartbeat (rows), sim/didGrid | sim/didFail
//
// The first slice of a run is one step, so the first evaluation is timed on its own and a slow loss
// (seconds per call) reports progress after every step.

import { BUILTIN_LOSSES, HyperparameterError, getConvention, Simulation, ScheduleError, createScheduledOptimizer, createSegments, type Optimizer, type Problem, type Recording, type ScheduleConfig, type SegmentSpec } from '../core';
import { computeCurvature, curvatureViews, endpointReport, hessianReport, MAX_DENSE_HESSIAN, type CurvatureSeries, type CurvatureViews, type EndpointReport } from '../core/curvature';
import { gaussianSource, hash32, mulberry32, STREAM } from '../loss/sampler';
import {
  formatLossError,
  type FromWorkerMessage,
  type GradientMode,
  type GridPlane,
  type GridRequest,
  type HessianRequest,
  MAX_GRID_SIDE,
  type LossError,
  type LossInfo,
  type LossRef,
  type RecordingColumns,
  type RunConfig,
  type RunnerProgress,
  type SimulationRequest,
} from '../protocol/simulation';
import { lossError, toLossError } from '../loss/errors';
import { lrRangeSchedule } from '../core/lrFind';
import type { LoadedLoss } from '../loss/types';
import { builtinInfo, builtinProblemWith } from '../loss/resolve';
import { isDataBuiltinName } from '../loss/dataBuiltins';

/** Slices aim at this much wall time, so progress and cancel arrive promptly. */
const SLICE_TARGET_MS = 30;
const MAX_SLICE_STEPS = 2000;
/** In-process runs with steps × parameters up to this run in one slice (no yield, one progress message). */
const ONE_SLICE_WORK = 200_000;

export interface EngineIO {
  post(msg: FromWorkerMessage, transfer?: ArrayBuffer[]): void;
  cancelled(requestId: string): boolean;
  /** Called before each evaluation of user code (loss files), e.g. to report progress; optional. */
  beat?(progress: RunnerProgress): void;
  /** Wraps a Problem to observe every evaluation (the loss process tracks the step); default: as is. */
  wrap?(problem: Problem): Problem;
  /** Await between slices (default setImmediate). */
  yield?(): Promise<void>;
  /** Steps of the first slice (default 1: time the first evaluation on its own). */
  firstSlice?: number;
  /**
   * The recordings stay in this realm (built-ins run in the host or CLI process): a run's columns are
   * exact-length views over the recording's arrays instead of copies, so a finished run is not held
   * twice. Default false: copies whose buffers are transferred to the other process.
   */
  inProcess?: boolean;
}

export interface Resolved {
  readonly info: LossInfo;
  problem(req: SimulationRequest): Problem;
}

/** A built-in as the engine sees it. */
export function resolveBuiltin(name: string): Resolved {
  return { info: builtinInfo(name), problem: (req) => builtinProblemWith(name, req) };
}

/** A loaded loss file as the engine sees it. */
export function resolveLoaded(loaded: LoadedLoss, gradientMode: GradientMode | undefined): Resolved {
  const info = loaded.info(gradientMode ? { gradientMode } : {});
  return {
    info,
    problem: (req) =>
      loaded.createProblem({
        ...(req.gradientMode ? { gradientMode: req.gradientMode } : {}),
        ...(req.batchSize !== undefined ? { batchSize: req.batchSize } : {}),
        ...(req.seed !== undefined ? { seed: req.seed } : {}),
        ...(req.gradientNoise !== undefined ? { gradientNoise: req.gradientNoise } : {}),
      }),
  };
}

// ---------------------------------------------------------------- requests as own properties

const own = Object.hasOwn;
const isArray = Array.isArray;

function field<T>(o: object, k: string): T | undefined {
  return own(o, k) ? ((o as Record<string, unknown>)[k] as T) : undefined;
}

/** A null-prototype copy: a field it lacks is undefined, whatever Object.prototype holds in this realm. */
function bare<T extends object>(o: T): T {
  return Object.assign(Object.create(null) as T, o);
}

/** A LossRef read through own properties only, as a fresh null-prototype object. */
export function ownLossRef(v: unknown): LossRef {
  if (typeof v !== 'object' || v === null) throw lossError('internal', 'the request has no loss');
  const kind = field<string>(v, 'kind');
  if (kind === 'builtin' && typeof field(v, 'name') === 'string') return bare({ kind, name: field<string>(v, 'name')! });
  if (kind === 'file' && typeof field(v, 'path') === 'string') return bare({ kind, path: field<string>(v, 'path')! });
  throw lossError('internal', 'the request names no loss (kind builtin with a name, or file with a path)');
}

function ownRecord(v: unknown): Record<string, never> {
  const out = Object.create(null) as Record<string, never>;
  if (typeof v !== 'object' || v === null) return out;
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    out[k] = (isArray(x) ? Array.from(x as unknown[]) : x) as never;
  }
  return out;
}

/** A ScheduleConfig from own properties (null-prototype copies), or undefined. */
function ownSchedule(v: unknown): ScheduleConfig | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const list = field<unknown>(v, 'schedulers');
  const ms = field<unknown>(v, 'milestones');
  const schedulers = (isArray(list) ? list : []).map((s: unknown) => {
    const o = (typeof s === 'object' && s !== null ? s : {}) as object;
    return bare({ name: field<ScheduleConfig['schedulers'][number]['name']>(o, 'name')!, args: ownRecord(field(o, 'args')) });
  });
  return bare({ schedulers, ...(isArray(ms) ? { milestones: Array.from(ms as number[]) } : {}) });
}

/**
 * A SimulationRequest copied field by field from own properties (a polluted Object.prototype, e.g.
 * `Object.prototype.start = [100, -100]` in a loss file, cannot answer a missing field). Hyperparameter
 * maps are null-prototype copies.
 */
export function ownRequest(v: unknown): SimulationRequest {
  if (typeof v !== 'object' || v === null) throw lossError('internal', 'malformed request');
  const runsIn = field<unknown>(v, 'runs');
  const runs: RunConfig[] = [];
  if (isArray(runsIn)) {
    for (let i = 0; i < runsIn.length; i++) {
      const r = runsIn[i] as object;
      if (typeof r !== 'object' || r === null) throw lossError('internal', `run ${i} of the request is not an object`);
      const label = field<string>(r, 'label');
      const schedule = ownSchedule(field(r, 'schedule'));
      const thenIn = field<unknown>(r, 'then');
      const then = isArray(thenIn)
        ? thenIn.map((s: unknown) => {
            const o = (typeof s === 'object' && s !== null ? s : {}) as object;
            const sc = ownSchedule(field(o, 'schedule'));
            return bare({
              optimizer: field<RunConfig['optimizer']>(o, 'optimizer')!,
              hyperparameters: ownRecord(field(o, 'hyperparameters')),
              fromStep: field<number>(o, 'fromStep') as number,
              ...(sc ? { schedule: sc } : {}),
            });
          })
        : undefined;
      runs.push(bare({
        id: String(field(r, 'id')),
        optimizer: field<RunConfig['optimizer']>(r, 'optimizer')!,
        hyperparameters: ownRecord(field(r, 'hyperparameters')),
        ...(typeof label === 'string' ? { label } : {}),
        ...(schedule ? { schedule } : {}),
        ...(then ? { then } : {}),
      }));
    }
  }
  const opt = <K extends keyof SimulationRequest>(k: K): Partial<Pick<SimulationRequest, K>> => {
    const x = field<SimulationRequest[K]>(v, k);
    return x === undefined ? {} : ({ [k]: isArray(x) ? Array.from(x as unknown[]) : x } as Partial<Pick<SimulationRequest, K>>);
  };
  return bare({
    requestId: String(field(v, 'requestId')),
    loss: ownLossRef(field(v, 'loss')),
    runs,
    steps: field<number>(v, 'steps') as number,
    ...opt('start'),
    ...opt('seed'),
    ...opt('batchSize'),
    ...opt('gradientNoise'),
    ...opt('gradientMode'),
    ...opt('trajectoryOnly'),
    ...opt('recordBudgetBytes'),
    ...ownLrRange(field(v, 'lrRange')),
    ...opt('convention'),
    ...opt('dtype'),
    ...ownCurvature(field(v, 'curvature')),
    ...(field(v, 'endpoint') === true ? { endpoint: true } : {}),
  });
}

/** The lr range of a request, from own properties (a null-prototype copy), or nothing. */
function ownLrRange(v: unknown): Partial<Pick<SimulationRequest, 'lrRange'>> {
  if (typeof v !== 'object' || v === null) return {};
  return { lrRange: bare({ min: Number(field(v, 'min')), max: Number(field(v, 'max')), steps: Number(field(v, 'steps')) }) };
}

function ownCurvature(c: unknown): Partial<Pick<SimulationRequest, 'curvature'>> {
  if (typeof c !== 'object' || c === null) return {};
  return { curvature: bare({ every: Number(field(c, 'every')), ...(field(c, 'views') === true ? { views: true } : {}) }) };
}

/** A HessianRequest from own properties. */
export function ownHessianRequest(v: unknown): HessianRequest {
  if (typeof v !== 'object' || v === null) throw lossError('internal', 'malformed hessian request');
  const at = field<unknown>(v, 'at');
  const topK = field<number>(v, 'topK');
  const mode = field<GradientMode>(v, 'gradientMode');
  return bare({
    requestId: String(field(v, 'requestId')),
    loss: ownLossRef(field(v, 'loss')),
    ...(isArray(at) ? { at: Array.from(at as unknown[]) as number[] } : {}),
    ...(topK !== undefined ? { topK } : {}),
    ...(mode !== undefined ? { gradientMode: mode } : {}),
  });
}

// ---------------------------------------------------------------- hessian

/** The Hessian report of `req` (sim/didHessian | sim/didFail); `resolve` loads the loss. */
export async function runHessian(req: HessianRequest, resolve: () => Resolved | Promise<Resolved>, io: EngineIO): Promise<void> {
  const file = req.loss.kind === 'file' ? req.loss.path : undefined;
  try {
    const resolved = await resolve();
    const info = resolved.info;
    const x = startPoint({ requestId: req.requestId, loss: req.loss, runs: [], steps: 0, ...(req.at ? { start: req.at } : {}) }, info);
    if (req.topK !== undefined && !(Number.isInteger(req.topK) && req.topK >= 1)) throw lossError('hyperparameter', `--top-k must be a positive integer, got ${req.topK}`);
    if (req.topK === undefined && info.dim > MAX_DENSE_HESSIAN) {
      throw lossError('shape', `the Hessian of ${info.name} has ${info.dim} parameters (more than ${MAX_DENSE_HESSIAN}): use --top-k K for the K largest and smallest eigenvalues (Lanczos)`, file ? { file } : {});
    }
    // full batch (the Hessian is the full-batch loss's): a batch size no data set reaches
    let problem = resolved.problem({ requestId: req.requestId, loss: req.loss, runs: [], steps: 0, batchSize: Number.MAX_SAFE_INTEGER, ...(req.gradientMode ? { gradientMode: req.gradientMode } : {}) });
    if (io.wrap) problem = io.wrap(problem);
    io.beat?.({ phase: 'curvature', detail: 'Hessian' });
    const report = hessianReport(problem, x, req.topK);
    io.post({ type: 'sim/didHessian', requestId: req.requestId, report });
  } catch (e) {
    io.post({ type: 'sim/didFail', requestId: req.requestId, error: toLossError(e, file) });
  }
}

/** A GridRequest from own properties. */
export function ownGridRequest(v: unknown): GridRequest {
  if (typeof v !== 'object' || v === null) throw lossError('internal', 'malformed grid request');
  const w = field<object>(v, 'window');
  const range = (k: string): [number, number] => {
    const r = w && typeof w === 'object' ? field<unknown>(w, k) : undefined;
    return isArray(r) ? [Number(r[0]), Number(r[1])] : [NaN, NaN];
  };
  const budget = field<number>(v, 'budgetMs');
  const mode = field<GradientMode>(v, 'gradientMode');
  const pl = field<object>(v, 'plane');
  let plane: GridPlane | undefined;
  if (pl !== undefined) {
    const vec = (k: string): number[] => {
      const r = pl && typeof pl === 'object' ? field<unknown>(pl, k) : undefined;
      if (!isArray(r)) throw lossError('internal', `grid plane ${k} must be an array`);
      const out: number[] = [];
      for (let i = 0; i < r.length; i++) out.push(Number(r[i]));
      if (!out.every((x) => Number.isFinite(x))) throw lossError('internal', `grid plane ${k} must be finite numbers`);
      return out;
    };
    plane = bare({ origin: vec('origin'), u: vec('u'), v: vec('v') });
  }
  return bare({
    requestId: String(field(v, 'requestId')),
    loss: ownLossRef(field(v, 'loss')),
    window: bare({ x: range('x'), y: range('y') }),
    nx: field<number>(v, 'nx') as number,
    ny: field<number>(v, 'ny') as number,
    ...(budget !== undefined ? { budgetMs: budget } : {}),
    ...(mode !== undefined ? { gradientMode: mode } : {}),
    ...(plane !== undefined ? { plane } : {}),
  });
}

// ---------------------------------------------------------------- grid

/**
 * Plain loss values on a grid (no gradient; loss files with data: all training rows). Evaluations that
 * throw or are not finite become NaN cells; `budgetMs` ends a slow grid with 'timeout'.
 */
export function runGrid(req: GridRequest, loaded: LoadedLoss | null, io: EngineIO): void {
  const { requestId } = req;
  const file = req.loss.kind === 'file' ? req.loss.path : undefined;
  try {
    const { nx, ny, window: w } = req;
    const side = (n: number, what: string) => {
      if (!Number.isInteger(n) || n < 2 || n > MAX_GRID_SIDE) throw lossError('internal', `grid ${what} must be an integer in [2, ${MAX_GRID_SIDE}], got ${n}`);
    };
    side(nx, 'nx');
    side(ny, 'ny');
    for (const r of [w.x, w.y]) {
      if (!(Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] < r[1])) throw lossError('internal', `grid window must be finite [min, max] ranges, got ${JSON.stringify(w)}`);
    }
    let f: (x: number, y: number) => number;
    const plane = req.plane;
    if (plane) {
      // The loss on a plane through parameter space: θ = origin + x·u + y·v.
      const n = plane.origin.length;
      if (plane.u.length !== n || plane.v.length !== n || n === 0) throw lossError('internal', `grid plane vectors must have one length, got ${n}, ${plane.u.length}, ${plane.v.length}`);
      let value: (p: Float64Array) => number;
      if (req.loss.kind === 'builtin' && isDataBuiltinName(req.loss.name)) {
        // a built-in data problem: its full-batch training loss
        const dp = builtinProblemWith(req.loss.name);
        if (dp.dim !== n) throw lossError('shape', `a plane of ${n} parameters for ${dp.name}, which has ${dp.dim}`);
        value = (p) => dp.value!(p, 0);
      } else if (req.loss.kind === 'builtin') {
        const b = Object.hasOwn(BUILTIN_LOSSES, req.loss.name) ? BUILTIN_LOSSES[req.loss.name] : undefined;
        if (!b) throw lossError('internal', `unknown built-in loss ${req.loss.name}`);
        const scratch = new Float64Array(2);
        value = (p) => b.evaluate(p[0]!, p[1]!, scratch);
        if (n !== 2) throw lossError('shape', `a plane of ${n} parameters for the 2-parameter loss ${b.name}`);
      } else {
        if (!loaded) throw lossError('internal', 'no loss file loaded for the grid');
        if (loaded.dim !== n) throw lossError('shape', `a plane of ${n} parameters for ${loaded.name}, which has ${loaded.dim}`, { file: req.loss.path });
        value = (p) => loaded.value(p);
      }
      const p = new Float64Array(n);
      const { origin: o, u, v } = plane;
      f = (x, y) => {
        for (let i = 0; i < n; i++) p[i] = o[i]! + x * u[i]! + y * v[i]!;
        return value(p);
      };
    } else if (req.loss.kind === 'builtin') {
      const b = Object.hasOwn(BUILTIN_LOSSES, req.loss.name) ? BUILTIN_LOSSES[req.loss.name] : undefined;
      if (!b) throw lossError('internal', `unknown built-in loss ${req.loss.name}`);
      const scratch = new Float64Array(2);
      f = (x, y) => b.evaluate(x, y, scratch);
    } else {
      if (!loaded) throw lossError('internal', 'no loss file loaded for the grid');
      if (loaded.dim !== 2) throw lossError('shape', `a contour grid needs 2 parameters, ${loaded.name} has ${loaded.dim}`, { file: req.loss.path });
      const p = new Float64Array(2);
      f = (x, y) => {
        p[0] = x;
        p[1] = y;
        return loaded.value(p);
      };
    }
    const values = new Float64Array(nx * ny);
    const t0 = performance.now();
    // A loss that evaluates many points per request (a *.loss.py: one bridge round trip per row).
    const many = loaded && typeof (loaded as { values2d?: unknown }).values2d === 'function' ? (loaded as unknown as { values2d(pts: Float64Array): Float64Array }) : null;
    const pts = many ? new Float64Array(2 * nx) : null;
    for (let j = 0; j < ny; j++) {
      io.beat?.({ phase: 'grid', detail: `row ${j + 1} of ${ny}` });
      const y = w.y[0] + (j * (w.y[1] - w.y[0])) / (ny - 1);
      if (many && pts) {
        for (let i = 0; i < nx; i++) {
          pts[2 * i] = w.x[0] + (i * (w.x[1] - w.x[0])) / (nx - 1);
          pts[2 * i + 1] = y;
        }
        const row = many.values2d(pts);
        for (let i = 0; i < nx; i++) values[j * nx + i] = Number.isFinite(row[i]!) ? row[i]! : NaN;
      }
      for (let i = 0; !many && i < nx; i++) {
        let v: number;
        try {
          v = f(w.x[0] + (i * (w.x[1] - w.x[0])) / (nx - 1), y);
        } catch {
          v = NaN;
        }
        values[j * nx + i] = Number.isFinite(v) ? v : NaN;
      }
      if (req.budgetMs !== undefined && performance.now() - t0 > req.budgetMs) {
        throw lossError('timeout', `the contour grid took longer than ${req.budgetMs} ms (${j + 1} of ${ny} rows); the panel shows the trajectories without it`, file ? { file } : {});
      }
    }
    io.post({ type: 'sim/didGrid', requestId, values }, [values.buffer as ArrayBuffer]);
  } catch (e) {
    io.post({ type: 'sim/didFail', requestId, error: toLossError(e, file) });
  }
}

// ---------------------------------------------------------------- run

const yieldToMessages = () => new Promise<void>((r) => setImmediate(r));

function createOptimizers(req: SimulationRequest): { optimizer: Optimizer; then: SegmentSpec[] }[] {
  const range = req.lrRange;
  if (range && !(range.min > 0 && range.max > range.min && Number.isInteger(range.steps) && range.steps >= 1)) {
    throw lossError('hyperparameter', `the lr range needs 0 < min < max and steps ≥ 1, got ${JSON.stringify(range)}`);
  }
  let options: { convention: ReturnType<typeof getConvention>; dtype: 'float64' | 'float32'; schedule?: ReturnType<typeof lrRangeSchedule> };
  try {
    if (req.dtype !== undefined && req.dtype !== 'float64' && req.dtype !== 'float32') throw new Error(`unknown dtype "${String(req.dtype)}" (known: float64, float32)`);
    options = { convention: getConvention(req.convention ?? 'pytorch'), dtype: req.dtype ?? 'float64', ...(range ? { schedule: lrRangeSchedule(range.min, range.max, range.steps) } : {}) };
  } catch (e) {
    throw lossError('hyperparameter', (e as Error).message);
  }
  return req.runs.map((rc) => {
    try {
      return { optimizer: createScheduledOptimizer(rc.optimizer, rc.hyperparameters, rc.schedule, options), then: createSegments(rc.then ?? [], req.steps, options) };
    } catch (e) {
      if (e instanceof HyperparameterError || e instanceof ScheduleError || e instanceof Error) {
        throw lossError('hyperparameter', `${rc.label ?? rc.id}: ${e.message}`);
      }
      throw e;
    }
  });
}

function startPoint(req: SimulationRequest, info: LossInfo): Float64Array {
  const start = req.start ?? info.start;
  const file = req.loss.kind === 'file' ? { file: req.loss.path } : {};
  if (!isArray(start)) throw lossError('shape', 'the start point must be an array of numbers', file);
  if (start.length !== info.dim) {
    throw lossError('shape', `the start point has ${start.length} values, ${info.name} has ${info.dim} parameters (${info.paramNames.join(', ')})`, file);
  }
  for (let i = 0; i < start.length; i++) {
    const v = start[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw lossError('shape', `start value of ${info.paramNames[i]} must be a finite number, got ${v}`, file);
  }
  return Float64Array.from(start);
}

/** Runs every RunConfig of `req` on `resolved` (a LossErrorException from `resolve` fails the request). */
export async function runRequest(req: SimulationRequest, resolve: () => Resolved | Promise<Resolved>, io: EngineIO): Promise<void> {
  const { requestId } = req;
  const file = req.loss.kind === 'file' ? req.loss.path : undefined;
  const pause = io.yield ?? yieldToMessages;
  let resolved: Resolved;
  let problem: Problem;
  let optimizers: { optimizer: Optimizer; then: SegmentSpec[] }[];
  let start: Float64Array;
  try {
    if (!Number.isInteger(req.steps) || req.steps < 0) throw lossError('hyperparameter', `steps must be a non-negative integer, got ${req.steps}`);
    resolved = await resolve();
    io.post({ type: 'sim/didDescribe', requestId, loss: resolved.info });
    optimizers = createOptimizers(req);
    start = startPoint(req, resolved.info);
    problem = resolved.problem(req);
    if (io.wrap) problem = io.wrap(problem);
  } catch (e) {
    io.post({ type: 'sim/didFail', requestId, error: toLossError(e, file) });
    return;
  }
  for (let k = 0; k < req.runs.length; k++) {
    if (io.cancelled(requestId)) break;
    const rc = req.runs[k]!;
    const { optimizer, then } = optimizers[k]!;
    io.beat?.({ phase: 'first-evaluation', step: 0 });
    const t0 = performance.now();
    let sim: Simulation;
    try {
      sim = new Simulation({ problem, optimizer, start, steps: req.steps, ...(rc.schedule ? { schedule: rc.schedule } : {}), ...(then.length ? { then } : {}), record: req.trajectoryOnly ? 'trajectory' : 'all', ...(req.recordBudgetBytes !== undefined ? { recordBudgetBytes: req.recordBudgetBytes } : {}) });
    } catch (e) {
      // A user error at the start point: the request fails, nothing is sent as a result.
      io.post({ type: 'sim/didFail', requestId, error: toLossError(e, file) });
      return;
    }
    let busy = performance.now() - t0;
    // A small in-process run (a live edit of a built-in: about a millisecond) is one slice with no yield:
    // each yield costs a turn of the extension host's event loop, many times the run itself.
    let sliceSteps = Math.max(1, io.inProcess && req.steps * problem.dim <= ONE_SLICE_WORK ? req.steps : io.firstSlice ?? 1);
    let error: LossError | undefined;
    while (!sim.finished) {
      const s0 = performance.now();
      try {
        sim.advance(sliceSteps);
      } catch (e) {
        error = toLossError(e, file);
        stopOnError(sim.recording, error);
        break;
      }
      const dt = performance.now() - s0;
      busy += dt;
      sliceSteps = Math.max(1, Math.min(MAX_SLICE_STEPS, Math.round((sliceSteps * SLICE_TARGET_MS) / Math.max(dt, 0.5))));
      io.post({ type: 'sim/didProgress', requestId, runId: rc.id, stepsCompleted: sim.recording.stepsCompleted, stepsRequested: req.steps });
      if (sim.finished) break; // nothing to wait for: the run's result follows at once
      await pause();
      if (io.cancelled(requestId)) {
        if (!sim.finished) sim.recording.stopReason = `cancelled at step ${sim.recording.stepsCompleted}`;
        break;
      }
    }
    let curvature: CurvatureSeries | undefined;
    let views: CurvatureViews | undefined;
    if (req.curvature && !error) {
      try {
        curvature = computeCurvature(problem, optimizer, sim.recording, {
          every: req.curvature.every,
          onPoint: (t) => io.beat?.({ phase: 'curvature', step: t }),
        });
        if (req.curvature.views) views = curvatureViews(problem, optimizer, sim.recording, req.curvature.every);
      } catch (e) {
        // The panel's curvature is an extra: its failure is reported on its card, the run stands.
        if (req.curvature.views) views = { error: formatLossError(toLossError(e, file)) };
        else error = toLossError(e, file);
      }
    }
    let endpoint: EndpointReport | undefined;
    if (req.endpoint && !error && sim.recording.stepsCompleted >= 0) {
      try {
        io.beat?.({ phase: 'curvature', detail: 'end point' });
        const rec = sim.recording;
        const x = rec.params.slice(rec.stepsCompleted * rec.dim, (rec.stepsCompleted + 1) * rec.dim);
        if (x.every((v) => Number.isFinite(v))) endpoint = endpointAt(problem, x, req.seed);
      } catch (e) {
        error = toLossError(e, file);
      }
    }
    const { columns, transfer } = toColumns(sim.recording, rc.id, optimizer, busy, error, io.inProcess === true, curvature, endpoint, views);
    io.post({ type: 'sim/didFinishRun', requestId, recording: columns }, transfer);
  }
  io.post({ type: 'sim/didFinish', requestId, cancelled: io.cancelled(requestId) });
}

/** A user error after ≥ 1 step ends the run: the rows so far are kept, the failed row's loss is NaN. */
function stopOnError(rec: Recording, error: LossError): void {
  const k = rec.stepsCompleted;
  rec.loss[k] = NaN;
  if (rec.validationLoss) rec.validationLoss[k] = NaN;
  rec.diverged = error.kind === 'not-a-number' || error.kind === 'non-finite';
  rec.stopReason = `stopped at step ${k}: ${formatLossError(error)}`;
}

/** The recording as exact-length columns: copies whose buffers are transferred, or (in process) views over the recording. */
/**
 * The end-point report (README "Generalisation"): perturbation directions from the request's seed
 * (default 0) on their own stream, gaussianSource(mulberry32(hash32(seed, STREAM.flatness))).
 */
export function endpointAt(problem: Problem, x: Float64Array, seed: number | undefined): EndpointReport {
  const s = Math.trunc(seed ?? 0);
  return endpointReport(problem, x, { seed: s, gaussian: gaussianSource(mulberry32(hash32(s, STREAM.flatness))) });
}

function toColumns(rec: Recording, runId: string, optimizer: Optimizer, elapsedMs: number, error: LossError | undefined, inProcess: boolean, curvature?: CurvatureSeries, endpoint?: EndpointReport, views?: CurvatureViews) {
  const n = rec.stepsCompleted;
  const dim = rec.dim;
  const transfer: ArrayBuffer[] = [];
  const cut = (a: Float64Array, len: number): Float64Array => {
    const m = Math.min(len, a.length);
    if (inProcess) return m === a.length ? a : a.subarray(0, m);
    const c = a.slice(0, m);
    transfer.push(c.buffer as ArrayBuffer);
    return c;
  };
  const perParam = (a: Float64Array) => cut(a, n * dim);
  const perStep = (a: Float64Array) => cut(a, n);
  const map = (o: Readonly<Record<string, Float64Array>>, f: (a: Float64Array) => Float64Array) => {
    const out: Record<string, Float64Array> = {};
    for (const k of Object.keys(o)) out[k] = f(o[k]!);
    return out;
  };
  const columns: RecordingColumns = {
    runId,
    optimizer: optimizer.name,
    hyperparameters: optimizer.hyperparameters,
    ...(optimizer.convention.name !== 'pytorch' && optimizer.convention.name !== 'textbook-eps-inside' ? { convention: optimizer.convention.name } : {}),
    ...(optimizer.dtype !== 'float64' ? { dtype: optimizer.dtype } : {}),
    dim,
    stepsRequested: rec.stepsRequested,
    stepsCompleted: n,
    diverged: rec.diverged,
    stopReason: rec.stopReason,
    params: cut(rec.params, (n + 1) * dim),
    loss: cut(rec.loss, n + 1),
    grad: perParam(rec.grad),
    validationLoss: rec.validationLoss ? cut(rec.validationLoss, n + 1) : null,
    update: perParam(rec.update),
    direction: perParam(rec.direction),
    effectiveLr: perParam(rec.effectiveLr),
    lr: perStep(rec.lr),
    ...(rec.momentum ? { momentum: perStep(rec.momentum) } : {}),
    ...(rec.segments ? { segments: rec.segments } : {}),
    state: map(rec.state, perParam),
    scalarState: map(rec.scalarState, perStep),
    extra: map(rec.extra, perParam),
    elapsedMs,
    ...(rec.sampling ? { sampling: rec.sampling } : {}),
    ...(error ? { error } : {}),
    ...(curvature ? { curvature } : {}),
    ...(views ? { curvatureViews: views } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
  return { columns, transfer };
}
