// A panel's stability map (README "Stability map"): one run of the panel swept over one or two hyperparameter
// axes, each cell the run's configuration with the axis values set, stepped exactly as `simulate` and
// `optimizer-diagnostics sweep` step it, summarised by the core (src/core/sweep.ts: final/best loss, steps to
// tolerance, diverged step, outcome). Built-ins (PyTorch convention, float64, no schedule or switches) step
// MAP_BATCH_CELLS cells at a time in the core's batched kernel, time-sliced on the extension host; anything
// else (loss files, schedules, other conventions) fans out over the runner pool (src/runner/pool.ts), one
// job per chunk of cells, each in its own loss process with the watchdog. Finished cells stream to the
// webview in columnar batches (one message per chunk, or per ~100 ms from the pool). No vscode import.

import { BUILTIN_LOSSES, createOptimizer, getConvention, getOptimizerDefinition } from '../../core';
import { BatchedSweep, axisProblem, axisValues, summarizeRun, withHyper, type CellSummary, type SummaryCriteria } from '../../core/sweep';
import type { HyperValue } from '../../core/types';
import type { RunSpec, SessionConfig } from '../../protocol/messages';
import type { LossInfo, RunConfig, SimulationRequest } from '../../protocol/simulation';
import { formatLossError } from '../../protocol/simulation';
import { MAP_BATCH_CELLS, OUTCOME_CODE, type MapAxis, type MapCells, type MapRenderSummary, type MapToWebview } from '../../protocol/sweepMessages';
import type { RunnerPool } from '../../runner/pool';
import { toLossError } from '../../runner/api';
import { untrustedError, sameLossRef, type ProgressHandle } from './session';

/** Tolerance of "steps to tolerance" and of the outcome (the CLI's --tolerance default). */
export const MAP_TOLERANCE = 1e-6;

/** What a panel's tool card (stability map, lr finder, tuner) needs of its panel; M: the messages it posts. */
export interface PanelToolHost<M> {
  post(msg: M): void;
  config(): SessionConfig;
  labels(): Map<string, string>;
  trusted(): boolean;
  pool(): RunnerPool;
}

/** A tool that also reads the loss and runs a configuration in the panel (a clicked cell, the tuned comparison). */
export interface PanelRunHost<M> extends PanelToolHost<M> {
  /** The panel's loss description, if it is of config().loss. */
  loss(): LossInfo | null;
  /** Runs a configuration in the panel (written into the document in a run file's editor). */
  run(config: SessionConfig): void;
}

export interface MapHost extends PanelRunHost<MapToWebview> {
  progress?(title: string, cancel: () => void): ProgressHandle;
  log?(line: string): void;
}

/** What a finished or running map holds (the host keeps it for openCell and the tests). */
export interface MapState {
  readonly mapId: string;
  readonly runId: string;
  readonly axes: readonly MapAxis[];
  readonly values: readonly Float64Array[];
  readonly config: SessionConfig;
  /** Each cell's full hyperparameters (axis 0 outer). */
  readonly hyperparameters: readonly Readonly<Record<string, HyperValue>>[];
  readonly summaries: (CellSummary | null)[];
  phase: 'running' | 'done' | 'cancelled' | 'failed';
  message: string;
  done: number;
  /** Cell batches posted. */
  batches: number;
  kernel: string;
  elapsedMs: number;
  lastRender: MapRenderSummary | null;
}

let mapSeq = 0;

/** The cells' hyperparameters of a run over axes (axis 0 outer: index = i0·count1 + i1), as `sweep` builds them. */
export function mapCellHyperparameters(run: RunSpec, axes: readonly MapAxis[], values: readonly Float64Array[]): Record<string, HyperValue>[] {
  const specs = getOptimizerDefinition(run.optimizer).hyperparameters;
  const out: Record<string, HyperValue>[] = [];
  const rec = (d: number, hp: Record<string, HyperValue>): void => {
    if (d === axes.length) {
      out.push(hp);
      return;
    }
    for (let i = 0; i < values[d]!.length; i++) rec(d + 1, withHyper(hp, axes[d]!.name, values[d]![i]!, specs));
  };
  rec(0, { ...run.hyperparameters });
  return out;
}

/** The panel configuration that runs cell `index` of a map: the swept run gets the cell's hyperparameters. */
export function cellConfig(state: Pick<MapState, 'config' | 'runId' | 'hyperparameters'>, index: number): SessionConfig {
  const hp = state.hyperparameters[index]!;
  return { ...state.config, runs: state.config.runs.map((r) => (r.id === state.runId ? { ...r, hyperparameters: { ...hp } } : r)) };
}

function fMinOf(info: LossInfo): number | undefined {
  const f = (info.minima ?? []).map((m) => m.f).filter((x): x is number => typeof x === 'number');
  return f.length ? Math.min(...f) : undefined;
}

const nullable = (v: number | null): number => (v === null ? NaN : v);

export class StabilityMap {
  private abort: AbortController | null = null;
  private _state: MapState | null = null;
  private disposed = false;

  constructor(private readonly host: MapHost) {}

  get state(): MapState | null {
    return this._state;
  }

  stop(): void {
    this.abort?.abort();
  }

  dispose(): void {
    this.disposed = true;
    this.abort?.abort();
  }

  rendered(summary: MapRenderSummary): void {
    if (this._state && summary.mapId === this._state.mapId) this._state.lastRender = summary;
  }

  /** Runs cell `index` of the last map in the panel; false when there is no such map or cell. */
  openCell(mapId: string, index: number): boolean {
    const s = this._state;
    if (!s || s.mapId !== mapId || index < 0 || index >= s.hyperparameters.length) return false;
    this.host.run(cellConfig(s, index));
    return true;
  }

  /** Starts a map (stopping one in flight). Resolves when it ends; never rejects. */
  async start(runId: string, axes: readonly MapAxis[]): Promise<void> {
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    const mapId = `m${++mapSeq}`;
    const config = this.host.config();
    const t0 = performance.now();
    const finish = (phase: 'done' | 'cancelled' | 'failed', message: string, done: number, total: number): void => {
      if (this._state?.mapId === mapId) {
        this._state.phase = phase;
        this._state.message = message;
        this._state.elapsedMs = performance.now() - t0;
      }
      if (!this.disposed) this.host.post({ type: 'map/didFinish', mapId, phase, message, done, total, elapsedMs: performance.now() - t0 });
    };
    const run = config.runs.find((r) => r.id === runId);
    if (!run) return finish('failed', `the panel has no run ${runId}`, 0, 0);
    if (run.then?.length) return finish('failed', 'a run that switches optimizer cannot be mapped: remove its switches first', 0, 0);
    const specs = getOptimizerDefinition(run.optimizer).hyperparameters;
    for (const a of axes) {
      const p = axisProblem(a, specs, getOptimizerDefinition(run.optimizer).label);
      if (p) return finish('failed', `${a.name}: ${p}`, 0, 0);
    }
    if (config.loss.kind === 'file' && !this.host.trusted()) return finish('failed', untrustedError(config.loss.path).message, 0, 0);
    const values = axes.map((a) => axisValues(a));
    const hps = mapCellHyperparameters(run, axes, values);
    const total = hps.length;
    const options = { convention: getConvention(config.convention ?? 'pytorch'), dtype: config.dtype ?? 'float64' } as const;
    const optimizers = [];
    for (let k = 0; k < total; k++) {
      try {
        optimizers.push(createOptimizer(run.optimizer, hps[k]!, options));
      } catch (e) {
        const idx = axes.length === 2 ? [Math.floor(k / axes[1]!.count), k % axes[1]!.count] : [k];
        const at = axes.map((a, d) => `${a.name}=${values[d]![idx[d]!]}`).join(', ');
        return finish('failed', `cell ${at}: ${e instanceof Error ? e.message : String(e)}`, 0, total);
      }
    }
    let info = this.host.loss();
    if (!info || !sameLossRef(info.ref, config.loss)) {
      try {
        info = await this.host.pool().describe(config.loss, undefined, abort.signal);
      } catch (e) {
        return finish(abort.signal.aborted ? 'cancelled' : 'failed', abort.signal.aborted ? 'stopped' : formatLossError(toLossError(e)), 0, total);
      }
    }
    if (abort.signal.aborted || this.abort !== abort) return finish('cancelled', 'stopped', 0, total);
    const fMin = fMinOf(info);
    const criteria: SummaryCriteria = { tolerance: MAP_TOLERANCE, fMin };
    const batched = config.loss.kind === 'builtin' && !run.schedule && (config.convention ?? 'pytorch') === 'pytorch' && (config.dtype ?? 'float64') === 'float64' && !!BUILTIN_LOSSES[config.loss.name];
    const pool = batched ? null : this.host.pool();
    const kernel = batched ? 'batched kernel (all cells of a chunk in one pass per step)' : `runner pool (${pool!.size} worker${pool!.size === 1 ? '' : 's'})`;
    const state: MapState = {
      mapId, runId, axes, values, config, hyperparameters: hps, summaries: new Array<CellSummary | null>(total).fill(null),
      phase: 'running', message: '', done: 0, batches: 0, kernel, elapsedMs: 0, lastRender: null,
    };
    this._state = state;
    this.host.post({
      type: 'map/didStart', mapId, runId, optimizer: run.optimizer, label: this.host.labels().get(runId) ?? run.optimizer,
      axes, values, steps: config.steps, total, fMin: fMin ?? null, tolerance: MAP_TOLERANCE, kernel,
    });
    const isCurrent = (): boolean => !this.disposed && this.abort === abort && !abort.signal.aborted;
    let progress: ProgressHandle | undefined;
    const progressTimer = this.host.progress
      ? setTimeout(() => {
          if (isCurrent()) progress = this.host.progress!(`Stability map: ${total} runs × ${config.steps} steps`, () => abort.abort());
        }, 2000) // the card shows progress; the notification is for maps that take a while
      : undefined;
    // The outbox: finished cells not yet posted.
    let out: { k: number; s: CellSummary; error: boolean }[] = [];
    const flush = (): void => {
      if (!out.length || !isCurrent()) return;
      const n = out.length;
      const msg: MapCells = {
        type: 'map/didAppendCells', mapId,
        index: new Float64Array(n), outcome: new Float64Array(n), finalLoss: new Float64Array(n), bestLoss: new Float64Array(n),
        stepsToTolerance: new Float64Array(n), divergedStep: new Float64Array(n), done: state.done, total,
      };
      out.forEach((c, j) => {
        msg.index[j] = c.k;
        msg.outcome[j] = c.error ? -1 : OUTCOME_CODE[c.s.outcome];
        msg.finalLoss[j] = c.s.finalLoss;
        msg.bestLoss[j] = c.s.bestLoss;
        msg.stepsToTolerance[j] = nullable(c.s.stepsToTolerance);
        msg.divergedStep[j] = nullable(c.s.divergedStep);
      });
      out = [];
      state.batches++;
      this.host.post(msg);
      progress?.report(state.done, total);
    };
    const accept = (k: number, s: CellSummary, error = false): void => {
      if (state.summaries[k]) return;
      state.summaries[k] = s;
      state.done++;
      out.push({ k, s, error });
    };
    try {
      if (batched) {
        const b = BUILTIN_LOSSES[(config.loss as { name: string }).name]!;
        const start = Float64Array.from(b.start);
        // ~200k cell-steps per slice, then the event loop gets a turn (messages, Stop).
        for (let c0 = 0; c0 < total; c0 += MAP_BATCH_CELLS) {
          const chunk = optimizers.slice(c0, Math.min(total, c0 + MAP_BATCH_CELLS));
          const sweep = new BatchedSweep({ loss: b, optimizers: chunk, start, steps: config.steps, criteria, constantLr: true });
          while (!sweep.finished) {
            sweep.advance(Math.max(1, Math.floor(2e5 / chunk.length)));
            await new Promise<void>((r) => setImmediate(r));
            if (!isCurrent()) return finish('cancelled', `stopped after ${state.done} of ${total} cells`, state.done, total);
          }
          sweep.summaries().forEach((s, j) => accept(c0 + j, s));
          flush();
        }
      } else {
        const perJob = Math.max(1, Math.min(MAP_BATCH_CELLS, Math.ceil(total / (pool!.size * 4))));
        const requests: SimulationRequest[] = [];
        for (let c0 = 0; c0 < total; c0 += perJob) {
          const runs: RunConfig[] = [];
          for (let k = c0; k < Math.min(total, c0 + perJob); k++) {
            runs.push({ id: `c${k}`, optimizer: run.optimizer, hyperparameters: hps[k]!, ...(run.schedule ? { schedule: run.schedule } : {}) });
          }
          requests.push({
            requestId: `${mapId}-${c0}`,
            loss: config.loss,
            runs,
            steps: config.steps,
            seed: config.seed,
            trajectoryOnly: true,
            ...(config.batchSize !== undefined ? { batchSize: config.batchSize } : {}),
            ...(config.convention !== undefined ? { convention: config.convention } : {}),
            ...(config.dtype !== undefined ? { dtype: config.dtype } : {}),
          });
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        const results = await pool!.runAll(requests, {
          onRun: (rec) => {
            if (!isCurrent()) return;
            const k = Number(rec.runId.slice(1));
            accept(k, summarizeRun(rec, criteria), !!rec.error);
            if (out.length >= MAP_BATCH_CELLS) flush();
            else timer ??= setTimeout(() => {
              timer = undefined;
              flush();
            }, 100);
          },
        }, abort.signal);
        if (timer) clearTimeout(timer);
        if (!isCurrent()) return finish('cancelled', `stopped after ${state.done} of ${total} cells`, state.done, total);
        flush();
        const failed = results.find((r) => !r.ok);
        if (failed && !failed.ok) return finish('failed', formatLossError(toLossError(failed.error)), state.done, total);
      }
      const counts = new Map<string, number>();
      for (const s of state.summaries) if (s) counts.set(s.outcome, (counts.get(s.outcome) ?? 0) + 1);
      const ms = performance.now() - t0;
      finish('done', `${total} runs × ${config.steps} steps in ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms (${kernel}): ${[...counts].map(([o, n]) => `${o} ${n}`).join(', ')}`, state.done, total);
    } catch (e) {
      if (!isCurrent()) return finish('cancelled', `stopped after ${state.done} of ${total} cells`, state.done, total);
      this.host.log?.(`stability map failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      finish('failed', formatLossError(toLossError(e)), state.done, total);
    } finally {
      if (progressTimer) clearTimeout(progressTimer);
      progress?.end();
      if (this.abort === abort) this.abort = null;
    }
  }
}
