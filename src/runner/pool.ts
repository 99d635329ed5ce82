// A pool of N runners (no vscode import: the CLI and the extension host use it alike). Each worker is a
// SimulationRunner of its own (src/runner/client.ts): loss files run in its loss processes, each with
// the runner's watchdog (no progress for timeoutMs → stopped), memory limit and process group; built-ins
// run in-process in time-boxed slices. A SimulationRunner runs one request at a time (a new one
// supersedes the last), so the pool hands each worker one job at a time and queues the rest:
//
//   - `run(request, listener, signal)`: one job; it waits for a free worker. Aborting `signal` ends it:
//     a queued job is dropped (rejects with 'cancelled before it started'), a running one is stopped by
//     its runner (a loss process is killed at once, as Stop does).
//   - `runAll(requests, …)`: fans jobs out over the pool; progress is reported per run (steps) and per job
//     (jobs done of total); one abort signal cancels them all.
//
// Single runs do not go through the pool: the host's RunnerHost keeps its one SimulationRunner.

import { availableParallelism } from 'node:os';
import type { GradientMode, LossInfo, LossRef, SimulationRequest } from '../protocol/simulation';
import { LossErrorException } from '../loss/errors';
import type { RunListener, RunResult } from './api';
import { SimulationRunner, type SimulationRunnerOptions } from './client';

export interface RunnerPoolOptions extends Omit<SimulationRunnerOptions, 'warmSpare'> {
  /** Number of workers (default: the core count, `os.availableParallelism()`). */
  readonly workers?: number;
}

/** The default pool size: the machine's core count. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** Most workers a pool may have (the setting's and --workers' maximum). */
export const MAX_WORKERS = 64;

interface Job {
  readonly request: SimulationRequest;
  readonly listener: RunListener;
  readonly signal: AbortSignal | undefined;
  resolve(r: RunResult): void;
  reject(e: unknown): void;
  started: boolean;
}

export interface RunAllProgress {
  /** A job ended (resolved, cancelled or failed). */
  onJob?(done: number, total: number): void;
}

export class RunnerPool {
  readonly size: number;
  private readonly workers: (SimulationRunner | null)[];
  private readonly busy: boolean[];
  private readonly queue: Job[] = [];
  private disposed = false;

  constructor(private readonly opts: RunnerPoolOptions) {
    const n = opts.workers ?? defaultWorkers();
    if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) throw new RangeError(`workers must be an integer from 1 to ${MAX_WORKERS}, got ${n}`);
    this.size = n;
    this.workers = new Array<SimulationRunner | null>(n).fill(null);
    this.busy = new Array<boolean>(n).fill(false);
  }

  /** Jobs waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Workers running a job now. */
  get running(): number {
    return this.busy.filter(Boolean).length;
  }

  run(request: SimulationRequest, listener: RunListener = {}, signal?: AbortSignal): Promise<RunResult> {
    if (this.disposed) return Promise.reject(new LossErrorException({ kind: 'internal', message: 'the runner pool was disposed' }));
    return new Promise<RunResult>((resolve, reject) => {
      const job: Job = { request, listener, signal, resolve, reject, started: false };
      if (signal) {
        const onAbort = () => {
          if (job.started) return; // the worker's runner stops it (it has the signal)
          const i = this.queue.indexOf(job);
          if (i >= 0) this.queue.splice(i, 1);
          reject(new LossErrorException({ kind: 'internal', message: 'cancelled before it started' }));
        };
        if (signal.aborted) {
          onAbort();
          return;
        }
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /**
   * Every request as a job; resolves with each job's result (or its error) in request order. Aborting
   * `signal` cancels the jobs not yet done.
   */
  async runAll(
    requests: readonly SimulationRequest[],
    listener: RunListener & RunAllProgress = {},
    signal?: AbortSignal,
  ): Promise<({ ok: true; result: RunResult } | { ok: false; error: unknown })[]> {
    let done = 0;
    return Promise.all(
      requests.map((r) =>
        this.run(r, listener, signal).then(
          (result) => ({ ok: true as const, result }),
          (error: unknown) => ({ ok: false as const, error }),
        ).finally(() => listener.onJob?.(++done, requests.length)),
      ),
    );
  }

  /** The loss's description (through the first worker: built-ins in-process, a loss file in a service process). */
  describe(loss: LossRef, gradientMode?: GradientMode, signal?: AbortSignal): Promise<LossInfo> {
    if (this.disposed) return Promise.reject(new LossErrorException({ kind: 'internal', message: 'the runner pool was disposed' }));
    return this.worker(0).describe(loss, gradientMode, signal);
  }

  setTimeoutMs(ms: number): void {
    for (const w of this.workers) w?.setTimeoutMs(ms);
  }

  /** Ends every worker's loss processes; queued jobs reject. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const j of this.queue.splice(0)) j.reject(new LossErrorException({ kind: 'internal', message: 'the runner pool was disposed' }));
    for (const w of this.workers) w?.dispose();
  }

  private worker(i: number): SimulationRunner {
    let w = this.workers[i];
    if (!w) {
      w = new SimulationRunner({ ...this.opts, warmSpare: false });
      this.workers[i] = w;
    }
    return w;
  }

  private pump(): void {
    while (!this.disposed && this.queue.length > 0) {
      const i = this.busy.indexOf(false);
      if (i < 0) return;
      const job = this.queue.shift()!;
      job.started = true;
      this.busy[i] = true;
      this.worker(i)
        .run(job.request, job.listener, job.signal)
        .then(job.resolve, job.reject)
        .finally(() => {
          this.busy[i] = false;
          this.pump();
        });
    }
  }
}
