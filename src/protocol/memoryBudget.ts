// One memory budget for every recording the host holds (setting `optimizerDiagnostics.memoryBudgetMb`),
// split across the runs of all open panels. Pure: the panels report how many runs they hold; each request
// gets `budget / (runs in all open panels)` bytes per run, which the worker's Simulation honours by
// downsampling while it records (src/core/simulation.ts, planRecording). A panel keeps the recording it
// has until it re-runs, so after new panels open the total can exceed the budget by the older panels'
// larger shares until they run again; closing a panel frees its share for the next requests.

export const DEFAULT_MEMORY_BUDGET_MB = 1024;
/** Range of the setting and of the CLI's --memory-budget-mb. */
export const MIN_MEMORY_BUDGET_MB = 16;
export const MAX_MEMORY_BUDGET_MB = 65_536;

export class MemoryBudget {
  private readonly runsByOwner = new Map<string, number>();

  /** `totalMb`: read on every request (the setting may change). */
  constructor(private readonly totalMb: () => number) {}

  /** Total bytes. */
  get totalBytes(): number {
    const mb = this.totalMb();
    const clamped = Number.isFinite(mb) ? Math.min(MAX_MEMORY_BUDGET_MB, Math.max(MIN_MEMORY_BUDGET_MB, mb)) : DEFAULT_MEMORY_BUDGET_MB;
    return clamped * 2 ** 20;
  }

  /** Records that `owner` (a panel) now holds `runs` runs, and returns each of its runs' byte budget. */
  request(owner: string, runs: number): number {
    this.runsByOwner.set(owner, Math.max(1, Math.floor(runs)));
    return this.perRun();
  }

  /** Bytes per run when every open panel's runs share the budget equally. */
  perRun(): number {
    let all = 0;
    for (const n of this.runsByOwner.values()) all += n;
    return Math.floor(this.totalBytes / Math.max(1, all));
  }

  /** `owner` closed: its share goes back to the others' next requests. */
  release(owner: string): void {
    this.runsByOwner.delete(owner);
  }

  /** Runs held per owner (tests, the output channel). */
  get holders(): ReadonlyMap<string, number> {
    return this.runsByOwner;
  }
}

/** The per-run byte budget of a CLI invocation: the whole budget split across its runs. */
export function cliRunBudgetBytes(totalMb: number, runs: number): number {
  return Math.floor((totalMb * 2 ** 20) / Math.max(1, runs));
}
