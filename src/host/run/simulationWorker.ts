// The simulation worker (Node worker_threads entry, bundled to dist/worker.js). Loads losses (built-ins
// through the core, loss files through src/loss), runs every RunConfig of a request with the core's
// Simulation in time-boxed slices, and streams the protocol of src/protocol/simulation.ts:
//
//   sim/describe → sim/heartbeat, sim/didDescribe | sim/didFail
//   sim/run      → sim/heartbeat, sim/didDescribe (the loss as this request sees it),
//                  per run: sim/heartbeat, sim/didProgress…, sim/didFinishRun (exact-length columns, buffers transferred),
//                  then sim/didFinish {cancelled} | sim/didFail (an error before the first step of a run)
//   sim/cancel   → the running request stops at its next slice boundary (the partial run is still sent).
//   sim/grid     → sim/heartbeat (one per grid row), sim/didGrid (values transferred) | sim/didFail
//
// User code runs synchronously here; the host's watchdog terminates the worker when it goes silent
// (an infinite loop in loss()). Runs are processed one at a time; describes answer between slices.

import { parentPort } from 'node:worker_threads';
import { BUILTIN_LOSSES, HyperparameterError, createOptimizer, Simulation, type Optimizer, type Problem, type Recording } from '../../core';
import {
  formatLossError,
  type FromWorkerMessage,
  type GradientMode,
  type GridRequest,
  MAX_GRID_SIDE,
  type LossError,
  type LossInfo,
  type LossRef,
  type RecordingColumns,
  type SimulationRequest,
  type ToWorkerMessage,
} from '../../protocol/simulation';
import { lossError, toLossError } from '../../loss/errors';
import { loadLossFileSync } from '../../loss/loader';
import { builtinInfo, builtinProblemWith } from '../../loss/resolve';
import type { LoadedLoss } from '../../loss/types';

const port = parentPort;
if (!port) throw new Error('simulationWorker must run in a worker thread');

/** Slices aim at this much wall time, so progress, heartbeats and cancel arrive promptly. */
const SLICE_TARGET_MS = 30;
const MAX_SLICE_STEPS = 2000;

function post(msg: FromWorkerMessage, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

// ---------------------------------------------------------------- loss cache (path + mtimes)

const cache = new Map<string, LoadedLoss>();

function loadFile(path: string): LoadedLoss {
  const hit = cache.get(path);
  if (hit && !hit.isStale()) return hit;
  cache.delete(path);
  const loaded = loadLossFileSync(path);
  cache.set(path, loaded);
  return loaded;
}

interface Resolved {
  readonly info: LossInfo;
  problem(req: SimulationRequest): Problem;
}

function resolve(ref: LossRef, gradientMode: GradientMode | undefined): Resolved {
  if (ref.kind === 'builtin') {
    return { info: builtinInfo(ref.name), problem: (req) => builtinProblemWith(ref.name, req) };
  }
  const loaded = loadFile(ref.path);
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

// ---------------------------------------------------------------- requests

function describe(requestId: string, ref: LossRef, gradientMode: GradientMode | undefined): void {
  post({ type: 'sim/heartbeat', requestId });
  try {
    post({ type: 'sim/didDescribe', requestId, loss: resolve(ref, gradientMode).info });
  } catch (e) {
    post({ type: 'sim/didFail', requestId, error: toLossError(e, ref.kind === 'file' ? ref.path : undefined) });
  }
}

/**
 * Plain loss values on a grid (no gradient; loss files with data: all training rows). Evaluations that
 * throw or are not finite become NaN cells; a heartbeat per row keeps the watchdog on each row (an
 * infinite loop in loss() is still stopped), and `budgetMs` ends a slow grid with 'timeout' first.
 */
function grid(req: GridRequest): void {
  const { requestId } = req;
  post({ type: 'sim/heartbeat', requestId });
  try {
    const { nx, ny, window: w } = req;
    const side = (n: number, what: string) => {
      if (!Number.isInteger(n) || n < 2 || n > MAX_GRID_SIDE) throw lossError('internal', `grid ${what} must be an integer in [2, ${MAX_GRID_SIDE}], got ${n}`);
    };
    side(nx, 'nx');
    side(ny, 'ny');
    for (const r of [w?.x, w?.y]) {
      if (!Array.isArray(r) || !(Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] < r[1])) throw lossError('internal', `grid window must be finite [min, max] ranges, got ${JSON.stringify(w)}`);
    }
    let f: (x: number, y: number) => number;
    if (req.loss.kind === 'builtin') {
      const b = BUILTIN_LOSSES[req.loss.name];
      if (!b) throw lossError('internal', `unknown built-in loss ${req.loss.name}`);
      const scratch = new Float64Array(2);
      f = (x, y) => b.evaluate(x, y, scratch);
    } else {
      const loaded = loadFile(req.loss.path);
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
    for (let j = 0; j < ny; j++) {
      if (j > 0) post({ type: 'sim/heartbeat', requestId });
      const y = w.y[0] + (j * (w.y[1] - w.y[0])) / (ny - 1);
      for (let i = 0; i < nx; i++) {
        let v: number;
        try {
          v = f(w.x[0] + (i * (w.x[1] - w.x[0])) / (nx - 1), y);
        } catch {
          v = NaN;
        }
        values[j * nx + i] = Number.isFinite(v) ? v : NaN;
      }
      if (req.budgetMs !== undefined && performance.now() - t0 > req.budgetMs) {
        throw lossError('timeout', `the contour grid took longer than ${req.budgetMs} ms (${j + 1} of ${ny} rows); the panel shows the trajectories without it`, req.loss.kind === 'file' ? { file: req.loss.path } : {});
      }
    }
    post({ type: 'sim/didGrid', requestId, values }, [values.buffer as ArrayBuffer]);
  } catch (e) {
    post({ type: 'sim/didFail', requestId, error: toLossError(e, fileOf(req.loss)) });
  }
}

const cancelled = new Set<string>();
let queue: Promise<void> = Promise.resolve();

const yieldToMessages = () => new Promise<void>((r) => setImmediate(r));

function createOptimizers(req: SimulationRequest): Optimizer[] {
  return req.runs.map((rc) => {
    try {
      return createOptimizer(rc.optimizer, rc.hyperparameters);
    } catch (e) {
      if (e instanceof HyperparameterError || e instanceof Error) {
        throw lossError('hyperparameter', `${rc.label ?? rc.id}: ${e.message}`);
      }
      throw e;
    }
  });
}

function startPoint(req: SimulationRequest, info: LossInfo): Float64Array {
  const start = req.start ?? info.start;
  const file = req.loss.kind === 'file' ? { file: req.loss.path } : {};
  if (start.length !== info.dim) {
    throw lossError('shape', `the start point has ${start.length} values, ${info.name} has ${info.dim} parameters (${info.paramNames.join(', ')})`, file);
  }
  start.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw lossError('shape', `start value of ${info.paramNames[i]} must be a finite number, got ${v}`, file);
  });
  return Float64Array.from(start);
}

async function run(req: SimulationRequest): Promise<void> {
  const { requestId } = req;
  post({ type: 'sim/heartbeat', requestId });
  let resolved: Resolved;
  let problem: Problem;
  let optimizers: Optimizer[];
  let start: Float64Array;
  try {
    if (!Number.isInteger(req.steps) || req.steps < 0) throw lossError('hyperparameter', `steps must be a non-negative integer, got ${req.steps}`);
    resolved = resolve(req.loss, req.gradientMode);
    post({ type: 'sim/didDescribe', requestId, loss: resolved.info });
    optimizers = createOptimizers(req);
    start = startPoint(req, resolved.info);
    problem = resolved.problem(req);
  } catch (e) {
    post({ type: 'sim/didFail', requestId, error: toLossError(e, fileOf(req.loss)) });
    return;
  }
  for (let k = 0; k < req.runs.length; k++) {
    if (cancelled.has(requestId)) break;
    const rc = req.runs[k]!;
    const optimizer = optimizers[k]!;
    post({ type: 'sim/heartbeat', requestId });
    const t0 = performance.now();
    let sim: Simulation;
    try {
      sim = new Simulation({ problem, optimizer, start, steps: req.steps, record: req.trajectoryOnly ? 'trajectory' : 'all', ...(req.recordBudgetBytes !== undefined ? { recordBudgetBytes: req.recordBudgetBytes } : {}) });
    } catch (e) {
      // A user error at the start point: the request fails, nothing is sent as a result.
      post({ type: 'sim/didFail', requestId, error: toLossError(e, fileOf(req.loss)) });
      return;
    }
    let busy = performance.now() - t0;
    let sliceSteps = 16;
    let error: LossError | undefined;
    while (!sim.finished) {
      const s0 = performance.now();
      try {
        sim.advance(sliceSteps);
      } catch (e) {
        error = toLossError(e, fileOf(req.loss));
        stopOnError(sim.recording, error);
        break;
      }
      const dt = performance.now() - s0;
      busy += dt;
      sliceSteps = Math.max(1, Math.min(MAX_SLICE_STEPS, Math.round((sliceSteps * SLICE_TARGET_MS) / Math.max(dt, 0.5))));
      post({ type: 'sim/didProgress', requestId, runId: rc.id, stepsCompleted: sim.recording.stepsCompleted, stepsRequested: req.steps });
      await yieldToMessages();
      if (cancelled.has(requestId)) {
        if (!sim.finished) sim.recording.stopReason = `cancelled at step ${sim.recording.stepsCompleted}`;
        break;
      }
    }
    const { columns, transfer } = toColumns(sim.recording, rc.id, optimizer, busy, error);
    post({ type: 'sim/didFinishRun', requestId, recording: columns }, transfer);
  }
  post({ type: 'sim/didFinish', requestId, cancelled: cancelled.has(requestId) });
}

function fileOf(ref: LossRef): string | undefined {
  return ref.kind === 'file' ? ref.path : undefined;
}

/** A user error after ≥ 1 step ends the run: the rows so far are kept, the failed row's loss is NaN. */
function stopOnError(rec: Recording, error: LossError): void {
  const k = rec.stepsCompleted;
  rec.loss[k] = NaN;
  if (rec.validationLoss) rec.validationLoss[k] = NaN;
  rec.diverged = error.kind === 'not-a-number' || error.kind === 'non-finite';
  rec.stopReason = `stopped at step ${k}: ${formatLossError(error)}`;
}

/** The recording as exact-length copies (never views over the preallocated buffers) and their buffers. */
function toColumns(rec: Recording, runId: string, optimizer: Optimizer, elapsedMs: number, error: LossError | undefined) {
  const n = rec.stepsCompleted;
  const dim = rec.dim;
  const transfer: ArrayBuffer[] = [];
  const cut = (a: Float64Array, len: number): Float64Array => {
    const c = a.slice(0, Math.min(len, a.length));
    transfer.push(c.buffer as ArrayBuffer);
    return c;
  };
  const perParam = (a: Float64Array) => cut(a, n * dim);
  const perStep = (a: Float64Array) => cut(a, n);
  const map = (o: Readonly<Record<string, Float64Array>>, f: (a: Float64Array) => Float64Array) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
  const columns: RecordingColumns = {
    runId,
    optimizer: optimizer.name,
    hyperparameters: optimizer.hyperparameters,
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
    state: map(rec.state, perParam),
    scalarState: map(rec.scalarState, perStep),
    extra: map(rec.extra, perParam),
    elapsedMs,
    ...(error ? { error } : {}),
  };
  return { columns, transfer };
}

// ---------------------------------------------------------------- message loop

port.on('message', (msg: ToWorkerMessage) => {
  if (typeof msg !== 'object' || msg === null) return;
  switch (msg.type) {
    case 'sim/describe':
      describe(msg.requestId, msg.loss, msg.gradientMode);
      break;
    case 'sim/run': {
      const req = msg.request;
      queue = queue.then(() => run(req)).catch((e: unknown) => {
        post({ type: 'sim/didFail', requestId: req.requestId, error: { kind: 'internal', message: e instanceof Error ? e.message : String(e) } });
      }).finally(() => cancelled.delete(req.requestId));
      break;
    }
    case 'sim/cancel':
      cancelled.add(msg.requestId);
      break;
    case 'sim/grid':
      grid(msg);
      break;
    default: {
      const unknown: never = msg;
      void unknown;
    }
  }
});

