// The host side of the runner (Node only, no vscode import: the extension host and the CLI use it
// alike, and it is unit-testable). Like a notebook kernel, user code runs in child processes that can
// be interrupted, restarted and limited while the host loses nothing:
//
//  - Built-in losses run in-process, in the host's realm (user code never runs there), in time-boxed
//    slices (src/runner/engine.ts).
//  - A loss file runs in a loss process (src/runner/child.ts, bundled to dist/worker.js), forked with
//    process.execPath and ELECTRON_RUN_AS_NODE=1 (so it works inside VS Code's Electron/code-server
//    host), `--max-old-space-size=memoryLimitMb`, in its own process group (detached): a timeout,
//    Stop, a closed panel or dispose SIGKILLs the group, which ends everything the loss started
//    (execSync children, a blocked FIFO read). An RSS watchdog samples /proc/<pid>/statm and stops a
//    process whose resident memory (ArrayBuffers included) exceeds the limit.
//  - Fresh realm per file version, nothing carried between runs: a loss process serves one loss file
//    version; every run gets a process that has done nothing but load (and describe) the file, and is
//    ended after that run. Describe and grid requests share a service process of that version, which
//    is recycled after any failure. With `warmSpare`, a spare process loads the file in the background
//    when a run starts, so the next run does not wait for a spawn.
//  - The watchdog measures progress, not messages: heartbeats come from the runner's own loop in the
//    child (user code has no channel to the host), loading reports bytes and rows, the first
//    evaluation is a phase of its own, and `timeoutMs` means "no progress for that long".
//  - A process that dies (out of memory, SIGKILL, process.exit, process.abort, an unhandled rejection)
//    fails its request with a LossError that names the file, the step and what happened.
//
// Workspace trust is enforced by the caller (the extension checks vscode.workspace.isTrusted), and
// again here: loss files are refused (kind 'untrusted') unless `allowWorkspaceCode` is true.

import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type {
  FromWorkerMessage,
  GradientMode,
  GridRequest,
  HessianRequest,
  LossError,
  LossErrorKind,
  LossInfo,
  LossRef,
  RecordingColumns,
  RunnerProgress,
  SimulationRequest,
  ToWorkerMessage,
} from '../protocol/simulation';
import { LossErrorException, shortName } from '../loss/errors';
import { builtinInfo } from '../loss/resolve';
import type { HessianReport } from '../core/curvature';
import type { Runner, RunListener, RunResult } from './api';
import { ownGridRequest, ownHessianRequest, ownRequest, resolveBuiltin, runGrid, runHessian, runRequest, type EngineIO } from './engine';

export { LossErrorException };
export type { RunListener, RunResult };

export const DEFAULT_MEMORY_LIMIT_MB = 2048;

export interface SimulationRunnerOptions {
  /** The bundled loss process entry, e.g. `dist/worker.js`. */
  readonly workerPath: string;
  /** Watchdog: a loss process that shows no progress for this long is stopped (its request fails with kind 'timeout'). */
  readonly timeoutMs: number;
  /** Run code from loss files (default false: `kind: 'file'` is refused with kind 'untrusted'). */
  readonly allowWorkspaceCode?: boolean;
  /** Heap limit and RSS limit of a loss process, MB (default 2048). */
  readonly memoryLimitMb?: number;
  /** Keep a loss process loaded ahead for the next run of the same file (default true; the CLI: false). */
  readonly warmSpare?: boolean;
  /** What loss files print (console.log, stderr) — default: dropped (the last lines of stderr explain crashes). */
  readonly onOutput?: (text: string) => void;
  /** One line per loss process event (start, stop, crash), e.g. for an output channel. */
  readonly log?: (line: string) => void;
  /** The Python interpreter of *.loss.py files (default: `python3` on PATH). */
  readonly pythonPath?: string;
}

/** *.loss.py: one bridge process per file version, reused across runs until the file changes. */
function isPythonPath(path: string): boolean {
  return path.endsWith('.loss.py');
}

/** The start of V8's report of a fatal error (out of memory, a failed CHECK) on a process's stderr. */
const V8_FATAL_REPORT = /\n?<--- Last few GCs --->|\n?FATAL ERROR: |\n?#\n# Fatal error in /;

type Dying = Extract<FromWorkerMessage, { type: 'sim/dying' }>;

interface Pending {
  readonly id: string;
  readonly ref: LossRef;
  readonly what: 'describe' | 'grid' | 'hessian' | 'run' | 'spare';
  readonly message: ToWorkerMessage;
  /** Handles one message of this request; returns true when the request is over. */
  handle(msg: FromWorkerMessage): boolean;
  fail(error: LossError): void;
  /** Stop/abort/supersede: end the request now (kills its loss process). */
  stopped?: boolean;
  progress: RunnerProgress;
  failed?: boolean;
}

let nextId = 0;
const liveProcesses = new Set<LossProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A host that exits takes its loss processes (own process groups) with it.
  process.once('exit', () => {
    for (const p of liveProcesses) p.kill('exit');
  });
}

const PAGE = 4096;
function rssMbOf(pid: number): number | null {
  try {
    const statm = readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ');
    return (Number(statm[1]) * PAGE) / 2 ** 20;
  } catch {
    return null;
  }
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

/**
 * Columns received over the IPC channel are views into the deserializer's pooled buffers: exact-length
 * copies (each column owns its buffer, as the in-process results do).
 */
function own64(a: Float64Array): Float64Array {
  return a.byteOffset === 0 && a.buffer.byteLength === a.byteLength ? a : a.slice();
}

function ownColumns(rec: RecordingColumns): RecordingColumns {
  const map = (o: Readonly<Record<string, Float64Array>>) => {
    const out: Record<string, Float64Array> = {};
    for (const k of Object.keys(o)) out[k] = own64(o[k]!);
    return out;
  };
  return {
    ...rec,
    params: own64(rec.params),
    loss: own64(rec.loss),
    grad: own64(rec.grad),
    validationLoss: rec.validationLoss ? own64(rec.validationLoss) : null,
    update: own64(rec.update),
    direction: own64(rec.direction),
    effectiveLr: own64(rec.effectiveLr),
    lr: own64(rec.lr),
    state: map(rec.state),
    scalarState: map(rec.scalarState),
    extra: map(rec.extra),
  };
}

/** One loss process: one loss file version. */
class LossProcess {
  readonly proc: ChildProcess;
  readonly spawnMtime: number;
  /** The Python interpreter it was started with (*.loss.py). */
  readonly python: string | undefined;
  /** Has done nothing but load and describe the file (a run may use it). */
  pristine = true;
  dependencies: readonly (readonly [string, number])[] | null = null;
  lossAt: { line: number; column?: number } | undefined;
  ready = false;
  dead = false;
  readonly queue: Pending[] = [];
  current: Pending | null = null;
  stderrTail = '';
  /** V8 began its fatal-error report on stderr (what follows is not forwarded as the loss's output). */
  private fatalReport = false;
  note: Dying | null = null;
  killedFor: 'memory' | 'timeout' | 'stop' | 'dispose' | 'exit' | 'recycle' | null = null;
  peakRssMb = 0;
  lastUsed = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private spawnTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly owner: SimulationRunner,
    readonly path: string,
    workerPath: string,
    readonly memoryLimitMb: number,
    beatMs: number,
  ) {
    this.spawnMtime = mtimeOf(path);
    this.python = owner.pythonPath;
    this.proc = fork(workerPath, [], {
      execPath: process.execPath,
      execArgv: [`--max-old-space-size=${memoryLimitMb}`],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', OD_BEAT_MS: String(beatMs), ...(owner.pythonPath ? { OD_PYTHON: owner.pythonPath } : {}) },
      serialization: 'advanced',
      detached: process.platform !== 'win32',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    liveProcesses.add(this);
    installExitHook();
    this.proc.stdout?.on('data', (d: Buffer) => owner.output(String(d)));
    this.proc.stderr?.on('data', (d: Buffer) => {
      const s = String(d);
      this.stderrTail = (this.stderrTail + s).slice(-8192);
      if (this.fatalReport) return;
      // V8's fatal report (out of memory: "<--- Last few GCs --->", a native stack trace) is not the
      // user's output: it is kept in the tail, which the one-line error explains, and not forwarded.
      const at = s.search(V8_FATAL_REPORT);
      if (at >= 0) this.fatalReport = true;
      const own = at >= 0 ? s.slice(0, at).replace(/\n+$/, '\n') : s;
      if (own.trim()) owner.output(own);
    });
    this.proc.on('message', (msg: FromWorkerMessage) => this.onMessage(msg));
    this.proc.on('error', () => {
      if (!this.dead && this.proc.pid === undefined) this.onExit(null, null); // the spawn itself failed
    });
    this.proc.on('exit', (code, signal) => this.onExit(code, signal));
    // Starting is not the loss's time (the watchdog starts when the process is ready), but it is bounded.
    this.spawnTimer = setTimeout(() => {
      if (!this.ready) this.kill('timeout');
    }, 30_000);
    this.spawnTimer.unref();
    this.refIfBusy();
  }

  get busy(): boolean {
    return this.current !== null || this.queue.length > 0;
  }

  isFresh(): boolean {
    if (this.dead) return false;
    if (this.dependencies) return this.dependencies.every(([f, m]) => mtimeOf(f) === m);
    return mtimeOf(this.path) === this.spawnMtime;
  }

  enqueue(p: Pending): void {
    this.lastUsed = Date.now();
    this.queue.push(p);
    this.refIfBusy();
    this.next();
  }

  private next(): void {
    if (this.current || !this.ready || this.dead) return;
    const p = this.queue.shift();
    if (!p) {
      this.refIfBusy();
      this.owner.idle(this);
      return;
    }
    this.current = p;
    this.note = null;
    try {
      this.proc.send(p.message);
    } catch (e) {
      this.current = null;
      p.fail({ kind: 'internal', message: `cannot reach the loss process: ${(e as Error).message}` });
      this.kill('recycle');
      return;
    }
    this.arm();
  }

  private onMessage(raw: FromWorkerMessage): void {
    if (typeof raw !== 'object' || raw === null) return;
    let msg = raw;
    if (msg.type === 'sim/didFinishRun') msg = { ...msg, recording: ownColumns(msg.recording) };
    else if (msg.type === 'sim/didGrid') msg = { ...msg, values: own64(msg.values) };
    if (!this.ready) {
      if (msg.type === 'sim/heartbeat' && msg.requestId === '') {
        this.ready = true;
        if (this.spawnTimer) clearTimeout(this.spawnTimer);
        this.next();
      }
      return;
    }
    const p = this.current;
    if (!p || msg.requestId !== p.id) return;
    this.arm(msg.type === 'sim/heartbeat' ? msg.graceMs : undefined);
    switch (msg.type) {
      case 'sim/heartbeat': {
        const prev = p.progress;
        p.progress = { ...(msg.phase ? { phase: msg.phase } : prev.phase ? { phase: prev.phase } : {}), ...(msg.step !== undefined ? { step: msg.step } : {}), ...(msg.detail !== undefined ? { detail: msg.detail } : msg.phase === prev.phase && prev.detail ? { detail: prev.detail } : {}) };
        return;
      }
      case 'sim/didLoad':
        this.dependencies = msg.dependencies;
        this.lossAt = msg.lossAt;
        return;
      case 'sim/dying':
        this.note = msg;
        return;
      case 'sim/didProgress':
        p.progress = { phase: 'stepping', step: msg.stepsCompleted };
        break;
      default:
        break;
    }
    if (p.handle(msg)) {
      this.current = null;
      this.disarm();
      if (msg.type === 'sim/didFail') p.failed = true;
      this.owner.done(this, p);
      this.next();
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.dead) return;
    this.dead = true;
    if (this.spawnTimer) clearTimeout(this.spawnTimer);
    this.disarm();
    liveProcesses.delete(this);
    const all = [...(this.current ? [this.current] : []), ...this.queue.splice(0)];
    this.current = null;
    const first = all[0];
    if (first && !first.stopped) first.fail(this.exitError(first, code, signal));
    for (const p of all.slice(1)) if (!p.stopped) p.fail({ kind: 'crashed', message: 'the loss process ended before this request started', ...fileOf(p.ref) });
    this.owner.exited(this, code, signal);
  }

  /** SIGKILLs the process group (everything the loss started). */
  kill(why: NonNullable<LossProcess['killedFor']>): void {
    if (this.dead) return;
    this.killedFor ??= why;
    this.disarm();
    try {
      if (process.platform !== 'win32' && this.proc.pid) process.kill(-this.proc.pid, 'SIGKILL');
      else this.proc.kill('SIGKILL');
    } catch {
      try {
        this.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  sampleRss(limitMb: number): void {
    if (this.dead || !this.proc.pid) return;
    const rss = rssMbOf(this.proc.pid);
    if (rss === null) return;
    this.peakRssMb = Math.max(this.peakRssMb, rss);
    if (rss > limitMb) this.kill('memory');
  }

  /** Idle processes never keep the host (the CLI) alive. */
  private refIfBusy(): void {
    const busy = this.busy || !this.ready;
    const handles = [this.proc, this.proc.stdout, this.proc.stderr, (this.proc as unknown as { channel?: { ref(): void; unref(): void } }).channel];
    for (const h of handles) {
      if (!h) continue;
      const r = h as unknown as { ref?(): void; unref?(): void };
      if (busy) r.ref?.();
      else r.unref?.();
    }
  }

  private arm(graceMs?: number): void {
    this.disarm();
    const p = this.current;
    if (!p) return;
    const ms = this.owner.timeoutMs + Math.max(0, Math.min(graceMs ?? 0, 600_000));
    this.timer = setTimeout(() => {
      this.timer = null;
      const cur = this.current;
      if (!cur) return;
      this.current = null;
      cur.fail(this.owner.timeoutError(this, cur, this.owner.timeoutMs));
      this.kill('timeout');
    }, ms);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private exitError(p: Pending, code: number | null, signal: NodeJS.Signals | null): LossError {
    const limit = this.memoryLimitMb;
    const note = this.note && this.note.requestId === p.id ? this.note : this.note;
    const where = whereText(p, note);
    const file = note?.file ?? (p.ref.kind === 'file' ? p.ref.path : undefined);
    const at = {
      ...(file ? { file } : {}),
      ...(note?.line !== undefined ? { line: note.line, ...(note.column !== undefined ? { column: note.column } : {}) } : {}),
      ...(note?.step !== undefined ? { step: note.step } : p.progress.step !== undefined ? { step: p.progress.step } : {}),
    };
    const err = (kind: LossErrorKind, message: string): LossError => ({ kind, message, ...at });
    if (this.killedFor === 'stop') return err('internal', `stopped: the loss process was terminated ${where}`);
    if (this.killedFor === 'memory') {
      return err('crashed', `out of memory (${limit} MB limit) ${where}: the loss process used ${Math.round(this.peakRssMb)} MB and was stopped`);
    }
    if (/heap out of memory|Reached heap limit|Allocation failed|Invalid array length|JavaScript heap/i.test(this.stderrTail)) {
      return err('crashed', `out of memory (${limit} MB limit) ${where}: the loss process ran out of heap and was stopped`);
    }
    const how = signal ? `the loss process was killed by ${signal}` : `the loss process exited (code ${code})`;
    if (note) {
      if (note.kind === 'threw') return err('threw', `${note.reason} ${where}; ${how}`);
      return err('crashed', `${how} ${where}: ${note.reason}`);
    }
    return err('crashed', `${how} ${where}`);
  }
}

/** "while loading data.csv", "at step 12", "at the first evaluation of loss()" … */
function whereText(p: Pending, note: Dying | null): string {
  const step = note?.step ?? p.progress.step;
  switch (p.progress.phase) {
    case 'first-evaluation':
      return 'at the first evaluation (step 0)';
    case 'stepping':
      return note?.step !== undefined ? `at step ${step}` : `during the run (after step ${step ?? 0})`;
    case 'grid':
      return `while computing the contour grid${p.progress.detail ? ` (${p.progress.detail})` : ''}`;
    case 'curvature':
      return `while computing second derivatives${step !== undefined ? ` at step ${step}` : ''}`;
    case 'describing':
      return 'while checking the loss at its start point';
    case 'loading':
      return `while loading ${p.progress.detail ?? 'the loss file'}`;
    default:
      return p.ref.kind === 'file' ? `while loading ${shortName(p.ref.path)}` : '';
  }
}

export class SimulationRunner implements Runner {
  private readonly procs = new Set<LossProcess>();
  private currentRun: { id: string; supersede(): void } | null = null;
  private rssTimer: NodeJS.Timeout | null = null;
  private allowWorkspaceCode: boolean;
  private memoryLimitMb: number;
  private python: string | undefined;
  private disposed = false;
  private readonly inProcess = new Map<string, { fail(error: LossError): void }>();
  private readonly cancelledInProcess = new Set<string>();
  /** @internal */
  timeoutMs: number;

  constructor(private readonly opts: SimulationRunnerOptions) {
    this.timeoutMs = opts.timeoutMs;
    this.allowWorkspaceCode = opts.allowWorkspaceCode ?? false;
    this.memoryLimitMb = opts.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
    this.python = opts.pythonPath;
  }

  setTimeoutMs(ms: number): void {
    if (ms === this.timeoutMs) return;
    this.timeoutMs = ms;
    this.recycleIdle(); // new processes get the heartbeat interval of the new timeout
  }

  setAllowWorkspaceCode(allow: boolean): void {
    this.allowWorkspaceCode = allow;
  }

  /** @internal */
  get pythonPath(): string | undefined {
    return this.python;
  }

  /** The interpreter of *.loss.py files; a change recycles idle loss processes. */
  setPythonPath(path: string | undefined): void {
    if (path === this.python) return;
    this.python = path;
    this.recycleIdle();
  }

  setMemoryLimitMb(mb: number): void {
    if (mb === this.memoryLimitMb) return;
    this.memoryLimitMb = mb;
    this.recycleIdle();
  }

  /** Live loss processes (tests, the output channel). */
  get processCount(): number {
    return this.procs.size;
  }

  /** LossInfo of a loss (built-ins answer in-process). */
  describe(loss: LossRef, gradientMode?: GradientMode, signal?: AbortSignal): Promise<LossInfo> {
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
      const p: Pending = {
        id: requestId,
        ref: loss,
        what: 'describe',
        message: { type: 'sim/describe', requestId, loss, ...(gradientMode ? { gradientMode } : {}) },
        progress: {},
        handle: (msg) => {
          if (msg.type === 'sim/didDescribe') resolve(msg.loss);
          else if (msg.type === 'sim/didFail') reject(new LossErrorException(msg.error));
          else return false;
          return true;
        },
        fail: (error) => reject(new LossErrorException(error)),
      };
      const child = this.serviceProcess(loss.path, 'describe');
      this.onAbort(signal, p, child);
      child.enqueue(p);
    });
  }

  /**
   * Plain loss values of a 2-parameter loss on an nx × ny grid over `window` (row-major, row 0 at
   * y min), computed in the loss process (loss files never run on the host; built-ins run in-process).
   * Cells where loss() throws or is not finite are NaN. `budgetMs` (default: half the watchdog
   * timeout) ends a slow grid with kind 'timeout' without stopping the process. Rejects with a
   * LossErrorException (load error, not 2-D, timeout, untrusted).
   */
  grid(req: Omit<GridRequest, 'requestId'>, signal?: AbortSignal): Promise<Float64Array> {
    const refused = this.refuse(req.loss);
    if (refused) return Promise.reject(refused);
    const requestId = `g${++nextId}`;
    const full: GridRequest = { ...ownGridRequest({ ...req, requestId }), budgetMs: req.budgetMs ?? Math.max(1, Math.floor(this.timeoutMs / 2)) };
    return this.service(full.loss, 'grid', { type: 'sim/grid', ...full }, (msg) => (msg.type === 'sim/didGrid' ? msg.values : undefined),
      (io) => runGrid(full, null, io), signal);
  }

  /**
   * The Hessian report of a loss at a point (`optimizer-diagnostics hessian`): built-ins in-process, loss
   * files in a loss process (user code never runs here). Rejects with a LossErrorException.
   */
  hessian(req: Omit<HessianRequest, 'requestId'>, signal?: AbortSignal): Promise<HessianReport> {
    const refused = this.refuse(req.loss);
    if (refused) return Promise.reject(refused);
    const requestId = `h${++nextId}`;
    const full = ownHessianRequest({ ...req, requestId });
    return this.service(full.loss, 'hessian', { type: 'sim/hessian', ...full }, (msg) => (msg.type === 'sim/didHessian' ? msg.report : undefined),
      (io) => void runHessian(full, () => resolveBuiltin((full.loss as Extract<LossRef, { kind: 'builtin' }>).name), io), signal);
  }

  /**
   * One answer to a service request (grid, hessian): a built-in is answered here by `inProcess`, a loss
   * file by a loss process (user code never runs here). `answer` picks the result out of a message
   * (undefined: not the answer); sim/didFail rejects with a LossErrorException.
   */
  private service<T>(
    ref: LossRef,
    what: 'grid' | 'hessian',
    message: Extract<ToWorkerMessage, { type: 'sim/grid' | 'sim/hessian' }>,
    answer: (msg: FromWorkerMessage) => T | undefined,
    inProcess: (io: EngineIO) => void,
    signal?: AbortSignal,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = (msg: FromWorkerMessage): boolean => {
        if (msg.type === 'sim/didFail') {
          reject(new LossErrorException(msg.error));
          return true;
        }
        const value = answer(msg);
        if (value === undefined) return false;
        resolve(value);
        return true;
      };
      if (ref.kind === 'builtin') {
        inProcess({ post: (msg) => void settle(msg), cancelled: () => false });
        return;
      }
      const p: Pending = {
        id: message.requestId,
        ref,
        what,
        message,
        progress: {},
        handle: settle,
        fail: (error) => reject(new LossErrorException(error)),
      };
      const child = this.serviceProcess(ref.path, 'grid');
      this.onAbort(signal, p, child);
      child.enqueue(p);
    });
  }

  /**
   * Runs every RunConfig of the request. Resolves with the loss info and the recordings (also
   * streamed to `listener.onRun`); `cancelled` when `signal` aborted it or a newer run superseded it
   * (a loss file's process is killed at once: `note` says so). Rejects with a LossErrorException
   * (user error before the first step, timeout, crash, untrusted).
   */
  run(request: SimulationRequest, listener: RunListener = {}, signal?: AbortSignal): Promise<RunResult> {
    const refused = this.refuse(request.loss);
    if (refused) return Promise.reject(refused);
    let req: SimulationRequest;
    try {
      req = ownRequest(request);
    } catch (e) {
      return Promise.reject(e);
    }
    this.currentRun?.supersede();
    const requestId = `r${++nextId}`;
    req = { ...req, requestId };
    return new Promise<RunResult>((resolve, reject) => {
      let info: LossInfo | null = null;
      const runs: RecordingColumns[] = [];
      let settled = false;
      let superseded = false;
      let child: LossProcess | null = null;
      let pending: Pending | null = null;
      let lastStep = 0;
      const stopNow = (): void => {
        if (settled) return;
        if (!child || !pending) {
          this.cancelledInProcess.add(requestId);
          return;
        }
        // A loss process may be anywhere (a busy loop, a blocking read): end it; the next run gets a fresh one.
        pending.stopped = true;
        child.kill('stop');
        const step = pending.progress.step ?? lastStep;
        finish(info
          ? { loss: info, runs, cancelled: true, note: `stopped: the loss process was terminated at step ${step}` }
          : new LossErrorException({ kind: 'internal', message: 'stopped: the loss process was terminated before the run started', ...fileOf(req.loss) }));
      };
      const onAbort = () => stopNow();
      const finish = (result: RunResult | LossErrorException) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (this.currentRun?.id === requestId) this.currentRun = null;
        this.inProcess.delete(requestId);
        if (result instanceof LossErrorException) reject(result);
        else resolve(result);
      };
      const handle = (msg: FromWorkerMessage): boolean => {
        switch (msg.type) {
          case 'sim/didDescribe':
            info = msg.loss;
            return false;
          case 'sim/didProgress':
            lastStep = msg.stepsCompleted;
            if (!superseded) listener.onProgress?.(msg.runId, msg.stepsCompleted, msg.stepsRequested);
            return false;
          case 'sim/didFinishRun':
            runs.push(msg.recording);
            if (!superseded) listener.onRun?.(msg.recording);
            return false;
          case 'sim/didFinish':
            finish(info ? { loss: info, runs, cancelled: msg.cancelled || superseded } : new LossErrorException({ kind: 'internal', message: 'the runner finished without describing the loss' }));
            return true;
          case 'sim/didFail':
            finish(new LossErrorException(msg.error));
            return true;
          default:
            return false;
        }
      };
      this.currentRun = {
        id: requestId,
        supersede: () => {
          superseded = true;
          this.currentRun = null;
          stopNow();
        },
      };
      if (signal) {
        if (signal.aborted) queueMicrotask(onAbort);
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      if (req.loss.kind === 'builtin') {
        this.runInProcess(req, handle, (e) => finish(new LossErrorException(e)));
        return;
      }
      pending = {
        id: requestId,
        ref: req.loss,
        what: 'run',
        message: { type: 'sim/run', request: req },
        progress: {},
        handle,
        fail: (error) => finish(new LossErrorException(error)),
      };
      child = this.runProcess(req.loss.path);
      child.enqueue(pending);
      if (this.opts.warmSpare ?? true) this.ensureSpare(req.loss.path, req.gradientMode);
    });
  }

  /** Ends every busy loss process of this loss file now (Stop); built-ins stop through their signal. */
  interrupt(loss: LossRef): void {
    if (loss.kind !== 'file') return;
    for (const c of this.procs) if (c.path === loss.path && c.busy) c.kill('stop');
  }

  /** Ends every loss process; pending requests reject (kind 'internal'). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const error = (): LossError => ({ kind: 'internal', message: 'the simulation runner was disposed' });
    for (const [id, p] of this.inProcess) {
      this.cancelledInProcess.add(id);
      p.fail(error());
    }
    this.inProcess.clear();
    for (const c of this.procs) {
      const all = [...(c.current ? [c.current] : []), ...c.queue.splice(0)];
      c.current = null;
      for (const p of all) {
        p.stopped = true;
        p.fail(error());
      }
      c.kill('dispose');
    }
    this.procs.clear();
    if (this.rssTimer) clearInterval(this.rssTimer);
    this.rssTimer = null;
  }

  // ------------------------------------------------------------ internals (LossProcess calls back)

  /** @internal */
  output(text: string): void {
    this.opts.onOutput?.(text);
  }

  /** @internal A request ended normally. */
  done(child: LossProcess, p: Pending): void {
    // A Python loss file keeps its bridge (and its interpreter, torch imported) for the next run of
    // the same version, like a kernel; a failure still recycles it.
    if (p.what === 'run' && !p.failed && isPythonPath(child.path)) return;
    if (p.what === 'run' || p.failed) {
      child.kill(p.what === 'run' ? 'recycle' : 'recycle'); // nothing is carried to the next request
    }
  }

  /** @internal The process has nothing queued. */
  idle(_child: LossProcess): void {
    this.trimIdle();
  }

  /** @internal */
  exited(child: LossProcess, code: number | null, signal: NodeJS.Signals | null): void {
    this.procs.delete(child);
    if (child.killedFor !== 'recycle' && child.killedFor !== 'dispose' && child.killedFor !== 'exit') {
      this.opts.log?.(`loss process ${child.proc.pid ?? '?'} (${basename(child.path)}) ended: ${child.killedFor ?? (signal ? `killed by ${signal}` : `exit code ${code}`)}`);
    }
    if (this.procs.size === 0 && this.rssTimer) {
      clearInterval(this.rssTimer);
      this.rssTimer = null;
    }
  }

  /** @internal */
  timeoutError(child: LossProcess, p: Pending, ms: number): LossError {
    const prog = p.progress;
    const lossAt = child.lossAt ? { line: child.lossAt.line, ...(child.lossAt.column !== undefined ? { column: child.lossAt.column } : {}) } : {};
    const file = p.ref.kind === 'file' ? p.ref.path : undefined;
    const base = { kind: 'timeout' as const, ...(file ? { file } : {}) };
    const stopped = 'the loss process was stopped (the next run starts a fresh one)';
    switch (prog.phase) {
      case 'first-evaluation':
        return { ...base, ...lossAt, step: 0, message: `the first evaluation of loss() did not return within ${ms} ms: an infinite loop, or a loss slower than the timeout? ${stopped}` };
      case 'stepping':
        // The step is the last one the loop reported (it reports by time, not every step).
        return { ...base, ...lossAt, ...(prog.step !== undefined ? { step: prog.step } : {}), message: `no progress for ${ms} ms after step ${prog.step ?? 0}: does loss() loop forever? ${stopped}` };
      case 'curvature':
        return { ...base, ...lossAt, message: `no progress for ${ms} ms while computing second derivatives${prog.step !== undefined ? ` at step ${prog.step}` : ''}: does loss() loop forever? ${stopped}` };
      case 'grid':
        return { ...base, ...lossAt, message: `no progress for ${ms} ms while computing the contour grid${prog.detail ? ` (${prog.detail})` : ''}: does loss() loop forever for some parameters? ${stopped}` };
      case 'describing':
        return { ...base, ...lossAt, message: `no progress for ${ms} ms while checking the loss at its start point: does loss() loop forever? ${stopped}` };
      case 'loading':
        return { ...base, message: `no progress for ${ms} ms while loading ${prog.detail ?? 'the loss file'}: top-level code that never ends, or a read that blocks (a named pipe)? ${stopped}` };
      default:
        return { ...base, message: `no progress for ${ms} ms while loading the loss file: top-level code that never ends, or a read that blocks (a named pipe)? ${stopped}` };
    }
  }

  private refuse(ref: LossRef): LossErrorException | null {
    if (this.disposed) return new LossErrorException({ kind: 'internal', message: 'the simulation runner was disposed' });
    if (typeof ref !== 'object' || ref === null || (ref.kind !== 'builtin' && ref.kind !== 'file')) {
      return new LossErrorException({ kind: 'internal', message: 'the request names no loss' });
    }
    if (ref.kind === 'file' && !this.allowWorkspaceCode) {
      return new LossErrorException({
        kind: 'untrusted',
        message: `${shortName(ref.path)} was not run: loss files are code, and this workspace is not trusted (trust it to run them)`,
        file: ref.path,
      });
    }
    return null;
  }

  private onAbort(signal: AbortSignal | undefined, p: Pending, child: LossProcess): void {
    if (!signal) return;
    const abort = (): void => {
      if (p.stopped) return;
      p.stopped = true;
      const i = child.queue.indexOf(p);
      if (i >= 0) child.queue.splice(i, 1);
      else if (child.current === p) child.kill('stop');
      p.fail({ kind: 'internal', message: 'stopped', ...fileOf(p.ref) });
    };
    if (signal.aborted) queueMicrotask(abort);
    else signal.addEventListener('abort', abort, { once: true });
  }

  private spawn(path: string): LossProcess {
    const beatMs = Math.max(10, Math.min(250, Math.floor(this.timeoutMs / 5)));
    const child = new LossProcess(this, path, this.opts.workerPath, this.memoryLimitMb, beatMs);
    this.procs.add(child);
    this.opts.log?.(`loss process ${child.proc.pid ?? '?'} started for ${basename(path)} (memory limit ${this.memoryLimitMb} MB)`);
    if (!this.rssTimer) {
      this.rssTimer = setInterval(() => {
        const limit = this.memoryLimitMb + 256; // heap limit + code, stacks and young generation
        for (const c of this.procs) c.sampleRss(limit);
      }, 200);
      this.rssTimer.unref();
    }
    return child;
  }

  private candidates(path: string): LossProcess[] {
    const out: LossProcess[] = [];
    for (const c of this.procs) {
      if (c.path !== path || c.dead || c.killedFor) continue;
      if (c.memoryLimitMb !== this.memoryLimitMb || c.python !== this.python || !c.isFresh()) {
        if (!c.busy) c.kill('recycle');
        continue;
      }
      out.push(c);
    }
    return out;
  }

  /** A process for describe/grid: an idle service process of this version, else a new one. */
  private serviceProcess(path: string, what: 'describe' | 'grid'): LossProcess {
    const cands = this.candidates(path);
    // Prefer processes that are not pristine (keep spares for runs); a describe may use a spare (it stays pristine).
    const service = cands.find((c) => !c.pristine && !c.busy) ?? (what === 'describe' ? cands.find((c) => c.pristine && c.queue.length === 0) : undefined);
    const child = service ?? this.spawn(path);
    if (what === 'grid') child.pristine = false;
    return child;
  }

  /** A pristine process (loaded at most) for a run; it is consumed by the run. */
  private runProcess(path: string): LossProcess {
    if (isPythonPath(path)) {
      const live = this.candidates(path).find((c) => !c.busy) ?? this.spawn(path);
      live.pristine = false;
      return live;
    }
    const spare = this.candidates(path).find((c) => c.pristine && c.queue.length === 0);
    const child = spare ?? this.spawn(path);
    child.pristine = false;
    return child;
  }

  private ensureSpare(path: string, gradientMode: GradientMode | undefined): void {
    if (isPythonPath(path)) return; // one bridge per Python loss file, reused
    if (this.disposed || this.candidates(path).some((c) => c.pristine)) return;
    const child = this.spawn(path);
    const requestId = `s${++nextId}`;
    child.enqueue({
      id: requestId,
      ref: { kind: 'file', path },
      what: 'spare',
      message: { type: 'sim/describe', requestId, loss: { kind: 'file', path }, ...(gradientMode ? { gradientMode } : {}) },
      progress: {},
      handle: (msg) => msg.type === 'sim/didDescribe' || msg.type === 'sim/didFail',
      fail: () => undefined,
    });
  }

  /** At most a few idle processes stay loaded: the least recently used go first. */
  private trimIdle(): void {
    const idle = [...this.procs].filter((c) => !c.busy && !c.dead).sort((a, b) => b.lastUsed - a.lastUsed);
    for (const c of idle.slice(4)) c.kill('recycle');
  }

  private recycleIdle(): void {
    for (const c of this.procs) if (!c.busy) c.kill('recycle');
  }

  private runInProcess(req: SimulationRequest, handle: (msg: FromWorkerMessage) => boolean, fail: (e: LossError) => void): void {
    const id = req.requestId;
    let over = false;
    this.inProcess.set(id, { fail: (e) => { over = true; fail(e); } });
    const io: EngineIO = {
      post: (msg) => {
        if (over) return;
        if (handle(msg)) over = true;
      },
      cancelled: (rid) => this.cancelledInProcess.has(rid) || over,
      firstSlice: 64,
      inProcess: true,
    };
    const ref = req.loss as Extract<LossRef, { kind: 'builtin' }>;
    runRequest(req, () => resolveBuiltin(ref.name), io)
      .catch((e: unknown) => {
        if (!over) fail({ kind: 'internal', message: e instanceof Error ? e.message : String(e) });
      })
      .finally(() => {
        this.cancelledInProcess.delete(id);
        this.inProcess.delete(id);
      });
  }
}

function fileOf(ref: LossRef): { file?: string } {
  return ref.kind === 'file' ? { file: ref.path } : {};
}

/** Pids of the live loss processes of every runner (tests check that none is left behind). */
export function liveLossProcessPids(): number[] {
  return [...liveProcesses].map((p) => p.proc.pid ?? -1);
}
