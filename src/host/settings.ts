// `optimizerDiagnostics.*` settings: one typed reader; package.json `contributes.configuration`
// declares the same keys, defaults and ranges.
import * as vscode from 'vscode';
import type { OptimizerName } from '../core/types';
import { DEFAULT_MEMORY_BUDGET_MB, MAX_MEMORY_BUDGET_MB, MIN_MEMORY_BUDGET_MB } from '../protocol/memoryBudget';
import { isOptimizerName, type PanelSettings } from '../protocol/messages';
import { MAX_WORKERS } from '../runner/pool';

export const SECTION = 'optimizerDiagnostics';

export interface Settings {
  readonly defaultOptimizer: OptimizerName;
  readonly steps: number;
  readonly workerTimeoutMs: number;
  /** Heap and resident-memory limit of a loss process, MB. */
  readonly memoryLimitMb: number;
  readonly codeLensEnabled: boolean;
  readonly decimationThreshold: number;
  readonly liveUpdate: boolean;
  /** One memory budget (MB) for the recordings of all open panels; longer runs are downsampled. */
  readonly memoryBudgetMb: number;
  /** Workers of the runner pool that stability maps fan out over (0: the core count). */
  readonly workers: number;
}

export const DEFAULTS: Settings = Object.freeze({
  defaultOptimizer: 'adam',
  steps: 500,
  workerTimeoutMs: 10_000,
  memoryLimitMb: 2048,
  codeLensEnabled: true,
  decimationThreshold: 1000,
  liveUpdate: true,
  memoryBudgetMb: DEFAULT_MEMORY_BUDGET_MB,
  workers: 0,
});

/** Live re-runs only below this much work (steps × runs × parameters): "small problems". */
export const LIVE_UPDATE_MAX_WORK = 400_000;

const clampInt = (v: unknown, lo: number, hi: number, dflt: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, Math.round(v))) : dflt;

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const opt = c.get<string>('defaultOptimizer');
  return {
    defaultOptimizer: opt && isOptimizerName(opt) ? opt : DEFAULTS.defaultOptimizer,
    steps: clampInt(c.get('steps'), 1, 100_000, DEFAULTS.steps),
    workerTimeoutMs: clampInt(c.get('workerTimeoutMs'), 100, 600_000, DEFAULTS.workerTimeoutMs),
    memoryLimitMb: clampInt(c.get('memoryLimitMb'), 64, 65_536, DEFAULTS.memoryLimitMb),
    codeLensEnabled: c.get<boolean>('codeLens.enabled') ?? DEFAULTS.codeLensEnabled,
    decimationThreshold: clampInt(c.get('chart.decimationThreshold'), 0, 100_000, DEFAULTS.decimationThreshold),
    liveUpdate: c.get<boolean>('liveUpdate') ?? DEFAULTS.liveUpdate,
    memoryBudgetMb: clampInt(c.get('memoryBudgetMb'), MIN_MEMORY_BUDGET_MB, MAX_MEMORY_BUDGET_MB, DEFAULTS.memoryBudgetMb),
    workers: clampInt(c.get('workers'), 0, MAX_WORKERS, DEFAULTS.workers),
  };
}

export function panelSettings(s: Settings): PanelSettings {
  return { liveUpdate: s.liveUpdate, decimationThreshold: s.decimationThreshold, liveUpdateMaxWork: LIVE_UPDATE_MAX_WORK };
}
