// The extension host's runner pool (src/runner/pool.ts), for the panel's sweeps (stability map): created
// on first use with `optimizerDiagnostics.workers` workers (0 or unset: the core count), the watchdog
// timeout, memory limit and workspace trust of the moment. When one of those changes, the next map gets
// a fresh pool (a map in flight keeps the one it started on; the old pool is disposed when it is idle).
// Single runs keep going through RunnerHost's one runner.
import { RunnerPool, defaultWorkers, MAX_WORKERS } from '../../runner/pool';
import type { IDisposable } from '../util/dispose';

export interface PoolHostSettings {
  readonly workers: number;
  readonly timeoutMs: number;
  readonly memoryLimitMb: number;
  readonly trusted: boolean;
}

export interface PoolHostOptions {
  readonly workerPath: string;
  readonly settings: () => PoolHostSettings;
  readonly log?: (line: string) => void;
}

/** The pool size a `workers` setting means: 0 → the core count; clamped to 1…MAX_WORKERS. */
export function poolSize(workers: number): number {
  if (!Number.isFinite(workers) || workers <= 0) return defaultWorkers();
  return Math.max(1, Math.min(MAX_WORKERS, Math.round(workers)));
}

export class PoolHost implements IDisposable {
  private pool: RunnerPool | undefined;
  private key = '';
  private readonly retired = new Set<RunnerPool>();

  constructor(private readonly opts: PoolHostOptions) {}

  /** The pool for a new job (a new pool when the settings or trust changed since the last one). */
  get(): RunnerPool {
    const s = this.opts.settings();
    const size = poolSize(s.workers);
    const key = `${size}|${s.timeoutMs}|${s.memoryLimitMb}|${s.trusted}`;
    if (!this.pool || key !== this.key) {
      if (this.pool) this.retire(this.pool);
      this.pool = new RunnerPool({
        workerPath: this.opts.workerPath,
        timeoutMs: s.timeoutMs,
        memoryLimitMb: s.memoryLimitMb,
        allowWorkspaceCode: s.trusted,
        workers: size,
        ...(this.opts.log ? { log: this.opts.log, onOutput: (t: string) => this.opts.log!(t.replace(/\n$/, '')) } : {}),
      });
      this.key = key;
    }
    return this.pool;
  }

  /** Workers the next pool has. */
  get size(): number {
    return poolSize(this.opts.settings().workers);
  }

  private retire(p: RunnerPool): void {
    if (p.running === 0 && p.queued === 0) {
      p.dispose();
      return;
    }
    this.retired.add(p);
    const timer = setInterval(() => {
      if (p.running === 0 && p.queued === 0) {
        clearInterval(timer);
        this.retired.delete(p);
        p.dispose();
      }
    }, 1000);
    timer.unref?.();
  }

  dispose(): void {
    this.pool?.dispose();
    this.pool = undefined;
    for (const p of this.retired) p.dispose();
    this.retired.clear();
  }
}
