// The loss process: the entry of a child process (bundled to dist/worker.js) that runs the code of one
// loss file version for the host (src/runner/client.ts). Started with `child_process.fork`
// (serialization 'advanced', its own process group, --max-old-space-size), it:
//   - captures what it needs before any user code runs: the IPC send function (then removes
//     process.send / process._send, so user code has no channel to the host and cannot fake
//     progress), process.exit / kill / abort (wrapped to say what happened, at which step and where,
//     before they act), and — through esbuild's define/inject (src/runner/intrinsics.ts) — the
//     Number/Math/Object/JSON functions the runner's own checks call, so `Number.isFinite = () => true`
//     in a loss file cannot make a NaN loss "complete";
//   - loads the loss file once (reporting bytes/rows as heartbeats), answers sim/describe, sim/grid and
//     sim/run (one at a time; the run loop is src/runner/engine.ts, many steps per message);
//   - reports an unhandled rejection or exception of user code with the file, line and step, then exits.
// The host decides the process's life: one file version per process, a fresh one for every run.

import { basename, isAbsolute } from 'node:path';
import type { FromWorkerMessage, LossErrorKind, RunnerProgress, SimulationRequest } from '../protocol/simulation';
import type { Problem } from '../core/types';
import { describeThrown, toLossError, userFrame } from '../loss/errors';
import { loadLossFile } from '../loss/loader';
import { setProgressHook } from '../loss/progress';
import type { LoadedLoss } from '../loss/types';
import { ownGridRequest, ownHessianRequest, ownLossRef, ownRequest, resolveLoaded, runGrid, runHessian, runRequest, type EngineIO } from './engine';

type Send = (msg: unknown, handle: undefined, options: { swallowErrors: boolean }, cb: undefined) => boolean;
const proc = process;
const rawSend = (proc as unknown as { _send?: Send })._send;
if (typeof rawSend !== 'function' || typeof proc.send !== 'function') {
  throw new Error('the loss process must be started by the runner (child_process.fork with an IPC channel)');
}
const realExit = proc.exit.bind(proc);
const realKill = proc.kill.bind(proc);
const realAbort = proc.abort.bind(proc);
const perfNow = performance.now.bind(performance);
const hasOwn = Object.hasOwn;
const parentPid = proc.ppid;

function post(msg: FromWorkerMessage): void {
  try {
    rawSend!.call(proc, msg, undefined, { swallowErrors: true }, undefined);
  } catch {
    // the host is gone: nothing to tell
  }
}

// User code has no channel to the host.
for (const k of ['send', '_send']) {
  try {
    Object.defineProperty(proc, k, { get: () => undefined, set: () => undefined, configurable: false });
  } catch {
    // already non-configurable: leave it
  }
}

const BEAT_MS = Math.max(10, Number(proc.env['OD_BEAT_MS']) || 100);
delete proc.env['OD_BEAT_MS'];

// ---------------------------------------------------------------- what the loop is doing

const now: { requestId: string; phase: RunnerProgress['phase']; step: number | undefined } = { requestId: '', phase: undefined, step: undefined };
let lastBeat = -Infinity;

function beat(p: RunnerProgress): void {
  const changed = p.phase !== now.phase;
  now.phase = p.phase;
  now.step = p.step;
  const t = perfNow();
  if (!changed && p.graceMs === undefined && t - lastBeat < BEAT_MS) return;
  lastBeat = t;
  post({ type: 'sim/heartbeat', requestId: now.requestId, ...p });
}

setProgressHook((detail, graceMs, phase) => {
  if (phase === 'current') beat({ ...(now.phase ? { phase: now.phase } : {}), ...(now.step !== undefined ? { step: now.step } : {}), detail });
  else beat({ phase: phase ?? 'loading', detail, ...(graceMs !== undefined ? { graceMs } : {}) });
});

let loaded: LoadedLoss | null = null;
let loadedPath: string | null = null;

/** Files of the loaded loss (for locating a user frame); the loss file alone before it loaded. */
function userFiles(): string[] {
  const files = loaded ? [...loaded.dependencies.keys()] : [];
  if (loadedPath && !files.includes(loadedPath)) files.push(loadedPath);
  return files;
}

function dying(reason: string, kind: LossErrorKind, err?: unknown): void {
  const at = userFrame(err ?? new Error(reason), userFiles());
  post({
    type: 'sim/dying',
    requestId: now.requestId,
    reason,
    kind,
    ...(now.phase === 'stepping' || now.phase === 'first-evaluation' ? { step: now.step ?? 0 } : {}),
    ...(at ? { file: at.file, line: at.line, ...(at.column !== undefined ? { column: at.column } : {}) } : loadedPath ? { file: loadedPath } : {}),
  });
}

// process.exit / kill / abort called by user code: say so (with the step and the line), then act.
/** The runner's own exits (after a note, or when the host is gone). */
function exitNow(code: number): void {
  exiting = true;
  realExit(code);
}

proc.exit = ((code?: number | string | null) => {
  if (!exiting) dying(`process.exit(${code ?? ''}) was called`, 'crashed');
  exiting = true;
  realExit(code as number);
}) as typeof proc.exit;
// process.exit() ends in process.reallyExit (native), which user code could call directly.
const procRE = proc as unknown as { reallyExit: (code?: number) => void };
const realReallyExit = procRE.reallyExit.bind(proc);
let exiting = false;
procRE.reallyExit = (code?: number) => {
  if (!exiting) dying(`process.reallyExit(${code ?? ''}) was called`, 'crashed');
  realReallyExit(code);
};
proc.abort = (() => {
  dying('process.abort() was called', 'crashed');
  realAbort();
}) as typeof proc.abort;
proc.kill = ((pid: number, signal?: string | number) => {
  if (pid === proc.pid || pid === 0 || pid === -proc.pid) dying(`the loss file sent ${signal ?? 'SIGTERM'} to its own process`, 'crashed');
  return realKill(pid, signal);
}) as typeof proc.kill;

proc.on('unhandledRejection', (reason) => {
  dying(`unhandled promise rejection: ${describeThrown(reason)}`, 'threw', reason);
  exitNow(70);
});
proc.on('uncaughtException', (err) => {
  dying(`uncaught exception: ${describeThrown(err)}`, 'threw', err);
  exitNow(70);
});

// The host went away (it cannot reach a busy process; this catches an idle one).
setInterval(() => {
  if (proc.ppid !== parentPid) exitNow(0);
}, 1000).unref();
proc.on('disconnect', () => exitNow(0));

// ---------------------------------------------------------------- requests

async function load(requestId: string, path: string): Promise<LoadedLoss> {
  if (!isAbsolute(path)) throw new Error(`the loss file path must be absolute: ${path}`);
  if (loadedPath !== null && loadedPath !== path) throw new Error(`this loss process runs ${loadedPath}, not ${path}`);
  if (loaded && loaded.isStale()) throw new Error(`${path} changed since this loss process loaded it`);
  if (!loaded) {
    loadedPath = path;
    beat({ phase: 'loading', detail: basename(path) });
    loaded = await loadLossFile(path);
    const lossAt = (loaded as unknown as { at?(p: string): { line?: number; column?: number } }).at?.('loss');
    post({
      type: 'sim/didLoad',
      requestId,
      file: path,
      dependencies: [...loaded.dependencies],
      ...(lossAt?.line ? { lossAt: { line: lossAt.line, ...(lossAt.column !== undefined ? { column: lossAt.column } : {}) } } : {}),
    });
  }
  return loaded;
}

const io: EngineIO = {
  post: (msg) => post(msg),
  cancelled: (id) => cancelled.has(id),
  beat,
  wrap: (p: Problem): Problem => ({
    name: p.name,
    dim: p.dim,
    paramNames: p.paramNames,
    evaluate(params, gradOut, step) {
      beat({ phase: now.phase === 'first-evaluation' && step === 0 ? 'first-evaluation' : 'stepping', step });
      return p.evaluate(params, gradOut, step);
    },
    ...(p.value ? { value: (params: Float64Array, step: number) => (beat({ phase: 'stepping', step }), p.value!(params, step)) } : {}),
    ...(p.validationLoss ? { validationLoss: (params: Float64Array) => p.validationLoss!(params) } : {}),
    // second derivatives (curvature, hessian): the problem's own, with a heartbeat per product
    ...(p.hvp ? { hvp: (params: Float64Array, v: Float64Array, out: Float64Array) => (beat({ phase: 'curvature', ...(now.step !== undefined ? { step: now.step } : {}) }), p.hvp!(params, v, out)) } : {}),
    ...(p.hessian ? { hessian: (params: Float64Array, out: Float64Array) => p.hessian!(params, out) } : {}),
    ...(p.evaluateFull ? { evaluateFull: (params: Float64Array, out: Float64Array) => (beat({ phase: 'curvature' }), p.evaluateFull!(params, out)) } : {}),
    get hessianMethod() { return p.hessianMethod; },
  }),
};

const cancelled = new Set<string>();
let queue: Promise<void> = Promise.resolve();

function fail(requestId: string, e: unknown, file?: string): void {
  post({ type: 'sim/didFail', requestId, error: toLossError(e, file) });
}

async function handle(msg: Record<string, unknown>): Promise<void> {
  const type = hasOwn(msg, 'type') ? msg['type'] : undefined;
  const requestId = hasOwn(msg, 'requestId') ? String(msg['requestId']) : '';
  now.requestId = requestId;
  now.phase = undefined;
  now.step = undefined;
  lastBeat = -Infinity;
  switch (type) {
    case 'sim/describe': {
      const ref = ownLossRef(hasOwn(msg, 'loss') ? msg['loss'] : undefined);
      const mode = hasOwn(msg, 'gradientMode') ? (msg['gradientMode'] as SimulationRequest['gradientMode']) : undefined;
      const file = ref.kind === 'file' ? ref.path : undefined;
      try {
        if (ref.kind !== 'file') throw new Error('the loss process runs loss files only');
        const l = await load(requestId, ref.path);
        beat({ phase: 'describing' });
        post({ type: 'sim/didDescribe', requestId, loss: resolveLoaded(l, mode).info });
      } catch (e) {
        fail(requestId, e, file);
      }
      return;
    }
    case 'sim/grid': {
      let file: string | undefined;
      try {
        const req = ownGridRequest(msg);
        if (req.loss.kind !== 'file') throw new Error('the loss process runs loss files only');
        file = req.loss.path;
        const l = await load(requestId, req.loss.path);
        runGrid(req, l, io);
      } catch (e) {
        fail(requestId, e, file);
      }
      return;
    }
    case 'sim/hessian': {
      let file: string | undefined;
      try {
        const req = ownHessianRequest(msg);
        if (req.loss.kind !== 'file') throw new Error('the loss process runs loss files only');
        const path = req.loss.path;
        file = path;
        await runHessian(req, async () => {
          const l = await load(requestId, path);
          beat({ phase: 'describing' });
          return resolveLoaded(l, req.gradientMode);
        }, io);
      } catch (e) {
        fail(requestId, e, file);
      }
      return;
    }
    case 'sim/run': {
      let req: SimulationRequest;
      try {
        req = ownRequest(hasOwn(msg, 'request') ? msg['request'] : undefined);
        if (req.loss.kind !== 'file') throw new Error('the loss process runs loss files only');
      } catch (e) {
        fail(requestId, e);
        return;
      }
      const path = req.loss.path;
      now.requestId = req.requestId;
      await runRequest(req, async () => {
        const l = await load(req.requestId, path);
        beat({ phase: 'describing' });
        return resolveLoaded(l, req.gradientMode);
      }, io);
      return;
    }
    default:
      return;
  }
}

proc.on('message', (msg: unknown) => {
  if (typeof msg !== 'object' || msg === null) return;
  const m = msg as Record<string, unknown>;
  if (hasOwn(m, 'type') && m['type'] === 'sim/cancel') {
    if (hasOwn(m, 'requestId')) cancelled.add(String(m['requestId']));
    return;
  }
  queue = queue.then(() => handle(m)).catch((e: unknown) => {
    fail(hasOwn(m, 'requestId') ? String(m['requestId']) : '', e);
  });
});

post({ type: 'sim/heartbeat', requestId: '' });
