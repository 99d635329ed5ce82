// Owns the SimulationRunner (src/runner/client.ts: built-ins in-process, loss files in loss
// processes): created lazily on the first run, with allowWorkspaceCode = workspace trust (updated when
// trust is granted); its timeout and memory limit follow the settings. The runner runs one request
// at a time and a new run supersedes the previous one, so panels share it through a queue: each panel
// cancels only its own run (via its AbortSignal), and a side-by-side group's runs execute one after
// another instead of cancelling each other.
import { SimulationRunner } from '../../runner/client';
import type { GradientMode, GridRequest, LossInfo, LossRef, SimulationRequest } from '../../protocol/simulation';
import { toLossError, type Runner, type RunListener, type RunResult } from '../../runner/api';
import type { IDisposable } from '../util/dispose';

/** Rejection of a queued run that was cancelled before it started (sessions ignore it: no longer current). */
class CancelledBeforeStart extends Error {
  readonly error = { kind: 'internal' as const, message: 'cancelled before it started' };
}

export interface RunnerHostOptions {
  readonly workerPath: string;
  readonly timeoutMs: number;
  readonly memoryLimitMb: number;
  readonly trusted: boolean;
  /** Loss process events (start, crash, stop) and what loss files print. */
  readonly log?: (line: string) => void;
  /** Told when a loss process was stopped by the watchdog or crashed (the output channel). */
  readonly onRestart?: (reason: string) => void;
  /** The interpreter of a *.loss.py file (src/host/python.ts), asked before each of its requests. */
  readonly pythonFor?: (file: string) => Promise<string>;
}

const isPython = (loss: LossRef): loss is Extract<LossRef, { kind: 'file' }> => loss.kind === 'file' && loss.path.endsWith('.loss.py');

export class RunnerHost implements IDisposable, Runner {
  private runner: SimulationRunner | undefined;
  private trusted: boolean;
  private timeoutMs: number;
  private memoryLimitMb: number;
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly opts: RunnerHostOptions) {
    this.trusted = opts.trusted;
    this.timeoutMs = opts.timeoutMs;
    this.memoryLimitMb = opts.memoryLimitMb;
  }

  private inner(): SimulationRunner {
    this.runner ??= new SimulationRunner({
      workerPath: this.opts.workerPath,
      timeoutMs: this.timeoutMs,
      memoryLimitMb: this.memoryLimitMb,
      allowWorkspaceCode: this.trusted,
      warmSpare: true,
      ...(this.opts.log ? { log: this.opts.log, onOutput: (text: string) => this.opts.log!(text.replace(/\n$/, '')) } : {}),
    });
    return this.runner;
  }

  /** The shared, queued runner the panels use. */
  get(): Runner {
    return this;
  }

  get isTrusted(): boolean {
    return this.trusted;
  }

  setTrusted(trusted: boolean): void {
    this.trusted = trusted;
    this.runner?.setAllowWorkspaceCode(trusted);
  }

  setTimeoutMs(ms: number): void {
    this.timeoutMs = ms;
    this.runner?.setTimeoutMs(ms);
  }

  setMemoryLimitMb(mb: number): void {
    this.memoryLimitMb = mb;
    this.runner?.setMemoryLimitMb(mb);
  }

  /** Sets the runner's Python interpreter for a *.loss.py request (a change recycles idle bridges). */
  private async python(loss: LossRef): Promise<void> {
    if (!isPython(loss) || !this.opts.pythonFor) return;
    const path = await this.opts.pythonFor(loss.path);
    this.inner().setPythonPath(path);
  }

  describe(loss: LossRef, gradientMode?: GradientMode, signal?: AbortSignal): Promise<LossInfo> {
    return this.python(loss).then(() => this.watch(this.inner().describe(loss, gradientMode, signal)));
  }

  /** Not queued behind runs (like describe): it runs in a loss process of its own. */
  grid(req: Omit<GridRequest, 'requestId'>, signal?: AbortSignal): Promise<Float64Array> {
    return this.python(req.loss).then(() => this.inner().grid(req, signal));
  }

  run(request: SimulationRequest, listener?: RunListener, signal?: AbortSignal): Promise<RunResult> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    return prev.then(async () => {
      try {
        if (signal?.aborted) throw new CancelledBeforeStart('cancelled before it started');
        await this.python(request.loss);
        return await this.watch(this.inner().run(request, listener, signal));
      } finally {
        release();
      }
    });
  }

  /** The one place a restart is reported (once: one watchdog stop rejects every pending request in the same turn). */
  noteRestart(reason: string): void {
    if (this.restartNoted) return;
    this.restartNoted = true;
    setTimeout(() => (this.restartNoted = false), 0);
    this.opts.onRestart?.(reason);
  }
  private restartNoted = false;

  /** A rejection that stopped a loss process (watchdog timeout, crash, unexpected exit) means a restart. */
  private watch<T>(p: Promise<T>): Promise<T> {
    return p.catch((e: unknown) => {
      const err = toLossError(e);
      if (err.kind === 'timeout' || err.kind === 'crashed' || (err.kind === 'internal' && /worker (crashed|exited)/.test(err.message))) {
        this.noteRestart(`${err.file ? `${err.file}: ` : ''}${err.message}`);
      }
      throw e;
    });
  }

  interrupt(loss: LossRef): void {
    this.runner?.interrupt(loss);
  }

  dispose(): void {
    this.runner?.dispose();
    this.runner = undefined;
  }
}
