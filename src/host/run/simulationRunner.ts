// The host side of the simulation worker (Node only, no vscode import, so it is unit-testable).
// Owns one worker thread (spawned lazily), sends it ToWorkerMessages and turns its answers into
// promises. One run at a time: a new run supersedes the previous one (which resolves as cancelled).
//
// Watchdog: while a request is pending, every message from the worker (progress, heartbeat, results)
// re-arms a timer of `timeoutMs`; when it fires (an infinite loop in user code) the worker is
// terminated, pending requests reject with a LossError of kind 'timeout', and the next call spawns
// a fresh worker. A worker crash rejects with kind 'internal'. Rejections are LossErrorExceptions.
//
// Workspace trust is enforced by the caller (the extension checks vscode.workspace.isTrusted), and
// again here: loss files are refused (kind 'untrusted') unless `allowWorkspaceCode` is true.

import { Worker } from 'node:worker_threads';
import type {
  FromWorkerMessage,
  GradientMode,
  GridRequest,
  LossError,
  LossInfo,
  LossRef,
  RecordingColumns,
  SimulationRequest,
  ToWorkerMessage,
} from '../../protocol/simulation';
import { LossErrorException, shortName } from '../../loss/errors';
import { builtinInfo } from '../../loss/resolve';

export { LossErrorException };

export interface SimulationRunnerOptions {
  /** The bundled worker, e.g. `dist/worker.js`. */
  readonly workerPath: string;
  /** Watchdog: the worker is restarted after this long without any message while a request is pending. */
  readonly timeoutMs: number;
  /** Run code from loss files (default false: `kind: 'file'` is refused with kind 'untrusted'). */
  readonly allowWorkspaceCode?: boolean;
}

export interface RunListener {
  onProgress?(runId: string, done: number, total: number): void;
  onRun?(rec: RecordingColumns): void;
}

export interface RunResult {
  readonly loss: LossInfo;
  readonly runs: RecordingColumns[];
  readonly cancelled: boolean;
}

interface Pending {
  readonly ref: LossRef;
  /** Handles one message of this request; returns true when the request is over. */
  handle(msg: FromWorkerMessage): boolean;
  fail(error: LossError): void;
}

let nextId = 0;

export class SimulationRunner {
  private worker: Worker | null = null;
  private readonly pending = new Map<string, Pending>();
  private watchdog: NodeJS.Timeout | null = null;
  private currentRun: { id: string; supersede(): void } | null = null;
  private timeoutMs: number;
  private allowWorkspaceCode: boolean;
  private disposed = false;

  constructor(private readonly opts: SimulationRunnerOptions) {
    this.timeoutMs = opts.timeoutMs;
    this.allowWorkspaceCode = opts.allowWorkspaceCode ?? false;
  }

  setTimeoutMs(ms: number): void {
    this.timeoutMs = ms;
    if (this.pending.size > 0) this.arm();
  }

  setAllowWorkspaceCode(allow: boolean): void {
    this.allowWorkspaceCode = allow;
  }

  /** LossInfo of a loss (built-ins answer without the worker). */
  describe(loss: LossRef, gradientMode?: GradientMode): Promise<LossInfo> {
    const refused = this.refuse(loss);
    if (refused) return Promise.reject(refused);
    if (loss.kind === 'builtin') {
      try {
        return Promise.resolve(builtinInfo(loss.name));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const requestId = `d${++nextId}`;
    return new Promise<LossInfo>((resolve, reject) => {
      this.pending.set(requestId, {
        ref: loss,
        handle: (msg) => {
          if (msg.type === 'sim/didDescribe') resolve(msg.loss);
          else if (msg.type === 'sim/didFail') reject(new LossErrorException(msg.error));
          else return false;
          return true;
        },
        fail: (error) => reject(new LossErrorException(error)),
      });
      this.send({ type: 'sim/describe', requestId, loss, ...(gradientMode ? { gradientMode } : {}) });
    });
  }

  /**
   * Plain loss values of a 2-parameter loss on an nx × ny grid over `window` (row-major, row 0 at
   * y min), computed in the worker (loss files never run on the host). Cells where loss() throws or
   * is not finite are NaN. Timed by the watchdog like any request (a heartbeat per row); `budgetMs`
   * (default: half the watchdog timeout) ends a slow grid with kind 'timeout' without restarting the
   * worker. Rejects with a LossErrorException (load error, not 2-D, timeout, untrusted).
   */
  grid(req: Omit<GridRequest, 'requestId'>): Promise<Float64Array> {
    const refused = this.refuse(req.loss);
    if (refused) return Promise.reject(refused);
    const requestId = `g${++nextId}`;
    return new Promise<Float64Array>((resolve, reject) => {
      this.pending.set(requestId, {
        ref: req.loss,
        handle: (msg) => {
          if (msg.type === 'sim/didGrid') resolve(msg.values);
          else if (msg.type === 'sim/didFail') reject(new LossErrorException(msg.error));
          else return false;
          return true;
        },
        fail: (error) => reject(new LossErrorException(error)),
      });
      this.send({ type: 'sim/grid', ...req, requestId, budgetMs: req.budgetMs ?? Math.max(1, Math.floor(this.timeoutMs / 2)) });
    });
  }

  /**
   * Runs every RunConfig of the request. Resolves with the loss info and the recordings (also
   * streamed to `listener.onRun`); `cancelled` when `signal` aborted it or a newer run superseded it
   * (a superseded run stops calling the listener at once and settles when the worker confirms).
   * Rejects with a LossErrorException (user error before the first step, timeout, crash, untrusted).
   */
  run(request: SimulationRequest, listener: RunListener = {}, signal?: AbortSignal): Promise<RunResult> {
    const refused = this.refuse(request.loss);
    if (refused) return Promise.reject(refused);
    this.currentRun?.supersede();
    const requestId = `r${++nextId}`;
    return new Promise<RunResult>((resolve, reject) => {
      let info: LossInfo | null = null;
      const runs: RecordingColumns[] = [];
      let settled = false;
      let superseded = false;
      const onAbort = () => this.cancel(requestId);
      const finish = (result: RunResult | LossErrorException) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (this.currentRun?.id === requestId) this.currentRun = null;
        if (result instanceof LossErrorException) reject(result);
        else resolve(result);
      };
      this.pending.set(requestId, {
        ref: request.loss,
        handle: (msg) => {
          switch (msg.type) {
            case 'sim/didDescribe':
              info = msg.loss;
              return false;
            case 'sim/didProgress':
              if (!superseded) listener.onProgress?.(msg.runId, msg.stepsCompleted, msg.stepsRequested);
              return false;
            case 'sim/didFinishRun':
              runs.push(msg.recording);
              if (!superseded) listener.onRun?.(msg.recording);
              return false;
            case 'sim/didFinish':
              finish(info ? { loss: info, runs, cancelled: msg.cancelled } : new LossErrorException({ kind: 'internal', message: 'the worker finished without describing the loss' }));
              return true;
            case 'sim/didFail':
              finish(new LossErrorException(msg.error));
              return true;
            default:
              return false;
          }
        },
        fail: (error) => finish(new LossErrorException(error)),
      });
      this.currentRun = {
        id: requestId,
        supersede: () => {
          // Stop forwarding to the listener and tell the worker; the promise settles when the worker
          // confirms (it stops at its next slice boundary and answers sim/didFinish {cancelled}).
          superseded = true;
          this.currentRun = null;
          this.cancel(requestId);
        },
      };
      if (signal) {
        if (signal.aborted) queueMicrotask(onAbort);
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      this.send({ type: 'sim/run', request: { ...request, requestId } });
    });
  }

  /** Terminates the worker; pending requests reject (kind 'internal'). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.failAll(() => ({ kind: 'internal', message: 'the simulation runner was disposed' }));
    this.stopWorker();
  }

  // ------------------------------------------------------------ internals

  private refuse(ref: LossRef): LossErrorException | null {
    if (this.disposed) return new LossErrorException({ kind: 'internal', message: 'the simulation runner was disposed' });
    if (ref.kind === 'file' && !this.allowWorkspaceCode) {
      return new LossErrorException({
        kind: 'untrusted',
        message: `${shortName(ref.path)} was not run: loss files are code, and this workspace is not trusted (trust it to run them)`,
        file: ref.path,
      });
    }
    return null;
  }

  private cancel(requestId: string): void {
    if (this.worker && this.pending.has(requestId)) this.post({ type: 'sim/cancel', requestId });
  }

  private send(msg: ToWorkerMessage): void {
    this.ensureWorker();
    this.post(msg);
    this.arm();
  }

  private post(msg: ToWorkerMessage): void {
    this.worker?.postMessage(msg);
  }

  private ensureWorker(): void {
    if (this.worker) return;
    const w = new Worker(this.opts.workerPath);
    this.worker = w;
    w.on('message', (msg: FromWorkerMessage) => {
      if (this.worker !== w) return;
      this.arm();
      const p = this.pending.get(msg.requestId);
      if (p && p.handle(msg)) {
        this.pending.delete(msg.requestId);
        this.disarmIfIdle();
      }
    });
    w.on('error', (err: Error) => {
      if (this.worker !== w) return;
      this.worker = null;
      this.failAll(() => ({ kind: 'internal', message: `the simulation worker crashed: ${err.message}` }));
      void w.terminate();
    });
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = null;
      this.failAll(() => ({ kind: 'internal', message: `the simulation worker exited unexpectedly (code ${code})` }));
    });
  }

  private stopWorker(): void {
    const w = this.worker;
    this.worker = null;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    if (w) void w.terminate();
  }

  /** (Re)starts the watchdog while requests are pending; keeps the worker referenced only then. */
  private arm(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    if (this.pending.size === 0) {
      this.worker?.unref();
      return;
    }
    this.worker?.ref();
    this.watchdog = setTimeout(() => this.onTimeout(), this.timeoutMs);
  }

  private disarmIfIdle(): void {
    if (this.pending.size === 0) this.arm();
  }

  private onTimeout(): void {
    const ms = this.timeoutMs;
    this.stopWorker();
    this.failAll((ref) => ({
      kind: 'timeout',
      // `file` carries the loss file (formatLossError prefixes it); built-ins are named in the message.
      message: `${ref.kind === 'file' ? '' : `${ref.name}: `}no result after ${ms} ms — does loss() loop forever? The run was stopped; the worker was restarted`,
      ...fileOf(ref),
    }));
  }

  private failAll(error: (ref: LossRef) => LossError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    for (const p of all) p.fail(error(p.ref));
  }
}

function fileOf(ref: LossRef): { file?: string } {
  return ref.kind === 'file' ? { file: ref.path } : {};
}
