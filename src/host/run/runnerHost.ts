// Owns the SimulationRunner (and so the worker thread): created lazily on the first run, with
// allowWorkspaceCode = workspace trust (updated when trust is granted); its timeout follows the
// setting. The runner runs one request at a time and a new run supersedes the previous one, so
// panels share it through a queue: each panel cancels only its own run (via its AbortSignal), and a
// side-by-side group's runs execute one after another instead of cancelling each other.
import { SimulationRunner } from './simulationRunner';
import { toLossError, type Runner, type RunListener, type RunResult } from './runnerApi';
import type { GradientMode, GridRequest, LossInfo, LossRef, SimulationRequest } from '../../protocol/simulation';
import type { IDisposable } from '../util/dispose';

/** Rejection of a queued run that was cancelled before it started (sessions ignore it: no longer current). */
class CancelledBeforeStart extends Error {
  readonly error = { kind: 'internal' as const, message: 'cancelled before it started' };
}

export class RunnerHost implements IDisposable, Runner {
  private runner: SimulationRunner | undefined;
  private trusted: boolean;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly workerPath: string,
    private timeoutMs: number,
    trusted: boolean,
    /** Told when the worker was stopped (watchdog, crash, exit) and restarts on the next request (the output channel). */
    private readonly onRestart?: (reason: string) => void,
  ) {
    this.trusted = trusted;
  }

  private inner(): SimulationRunner {
    this.runner ??= new SimulationRunner({ workerPath: this.workerPath, timeoutMs: this.timeoutMs, allowWorkspaceCode: this.trusted });
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

  describe(loss: LossRef, gradientMode?: GradientMode): Promise<LossInfo> {
    return this.watch(this.inner().describe(loss, gradientMode));
  }

  /** Not queued behind runs (like describe): the worker answers between the slices of a running request. */
  grid(req: Omit<GridRequest, 'requestId'>): Promise<Float64Array> {
    return this.inner().grid(req);
  }

  run(request: SimulationRequest, listener?: RunListener, signal?: AbortSignal): Promise<RunResult> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    return prev.then(async () => {
      try {
        if (signal?.aborted) throw new CancelledBeforeStart('cancelled before it started');
        return await this.watch(this.inner().run(request, listener, signal));
      } finally {
        release();
      }
    });
  }

  /** The one place a worker restart is reported (once: one restart rejects every pending request in the same turn). */
  noteRestart(reason: string): void {
    if (this.restartNoted) return;
    this.restartNoted = true;
    setTimeout(() => (this.restartNoted = false), 0);
    this.onRestart?.(reason);
  }
  private restartNoted = false;

  /** A rejection that stopped the worker (watchdog timeout, crash, unexpected exit) means a restart. */
  private watch<T>(p: Promise<T>): Promise<T> {
    return p.catch((e: unknown) => {
      const err = toLossError(e);
      if (err.kind === 'timeout' || (err.kind === 'internal' && /worker (crashed|exited)/.test(err.message))) {
        this.noteRestart(`${err.file ? `${err.file}: ` : ''}${err.message}`);
      }
      throw e;
    });
  }

  dispose(): void {
    this.runner?.dispose();
    this.runner = undefined;
  }
}
