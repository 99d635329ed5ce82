// A panel's session: what it simulates (SessionConfig), the last good recordings, and the run
// orchestration (describe → validate → run on the SimulationRunner → decimate → post). The host owns
// the data; the webview only ever receives decimated copies. No vscode import: the panel injects
// what it needs (post, runner, settings, landscape, progress, Problems), so the benchmark can drive
// a session in plain Node.

import { createOptimizer, describeSampling, HyperparameterError } from '../../core';
import type { HyperValue, OptimizerName } from '../../core/types';
import type {
  AxisLinks,
  Landscape,
  PanelSettings,
  PanelSnapshot,
  RunSeries,
  RunSpec,
  RunStatus,
  SessionConfig,
  StepInspection,
  ToWebview,
} from '../../protocol/messages';
import { buildStepInspection } from '../../protocol/inspector';
import { buildCurvaturePanel, panelCurvatureEvery, panelSecondOrderMaxDim } from '../../protocol/curvatureSeries';
import { PLANE_NX, PLANE_NY, planeLandscape, planeLayout, projectedPath, type PlaneLayout } from '../../protocol/planeLandscape';
import { conventionSchemas, defaultHyperparameters, lossHintOf, lossHintOfInfo, optimizerSchemas, suggestedForAll, suggestedSources } from '../../protocol/runDefaults';
import { buildRunSeries, finalMagnitudes, runLabels, topK } from '../../protocol/series';
import type { GridPlane, LossError, LossInfo, LossRef, RecordingColumns, SimulationRequest } from '../../protocol/simulation';
import { toLossError, type Runner, type RunResult } from '../run/runnerApi';
import { checkRunSchedule } from './validate';
import { panelRunFields } from './runFields';

/** Parameters shown without a picker; larger problems show the top-k by |θ|. */
export const ALL_PARAMS_UP_TO = 8;
export const TOP_K = 6;

export interface ProgressHandle {
  report(done: number, total: number): void;
  end(): void;
}

export interface SessionHost {
  post(msg: ToWebview): void;
  runner(): Runner;
  settings(): PanelSettings;
  trusted(): boolean;
  /** Landscape of a 2-parameter loss (built-ins: grid computed on the host; loss files: by the worker), or null. Must not reject. */
  landscape(loss: LossInfo): Landscape | null | Promise<Landscape | null>;
  /**
   * N-parameter losses: loss values over a plane through parameter space (the PCA landscape), evaluated
   * where the loss runs (loss files: the loss process); null when it cannot be computed. Must not reject.
   */
  planeGrid?(loss: LossInfo, plane: GridPlane, window: { x: readonly [number, number]; y: readonly [number, number] }, nx: number, ny: number): Promise<Float64Array | null>;
  /** A run of a loss ended: error (Problems view) or null (clear it). */
  lossResult?(ref: LossRef, error: LossError | null): void;
  /** Long runs: a cancellable progress notification; called after the run has taken a while. */
  progress?(title: string, cancel: () => void): ProgressHandle;
  /** Called after every state change that alters ranges (linked axes). */
  didUpdate?(): void;
  /** Axis ranges shared with other panels (side by side), included in every snapshot. */
  links?(): AxisLinks | null;
  /** Bytes each of this panel's `runs` runs may record (the host's memory budget, memoryBudget.ts); undefined: the core's default. */
  recordBudget?(panelId: string, runs: number): number | undefined;
  /** The panel closed: its share of the memory budget is free. */
  releaseRecordBudget?(panelId: string): void;
}

export function sameLossRef(a: LossRef, b: LossRef): boolean {
  return a.kind === b.kind && (a.kind === 'builtin' ? a.name === (b as { name: string }).name : a.path === (b as { path: string }).path);
}

/** The message for a loss file in Restricted Mode. */
export function untrustedError(path: string): LossError {
  return {
    kind: 'untrusted',
    message: 'Loss files are code from this workspace, and the workspace is not trusted: they do not run in Restricted Mode. ' +
      'Trust the workspace (Manage Workspace Trust) to simulate it; built-in losses work without trust.',
    file: path,
  };
}

let panelSeq = 0;

/** `; recorded every 8th step after step 10,000 (…)` when the memory budget downsampled a run, else ''. */
export function samplingNote(runs: readonly RecordingColumns[]): string {
  for (const r of runs) {
    const d = describeSampling(r);
    if (d) return `; ${d} to stay within the memory budget`;
  }
  return '';
}

/** A prepared run (Session.prepare): what was sent as run/didPrepare #seq and the result it came from. */
interface Prepared {
  readonly seq: number;
  readonly json: string;
  readonly loss: LossInfo;
  readonly selected: string;
  readonly result: RunResult;
  readonly runs: readonly RecordingColumns[];
  readonly series: readonly RunSeries[];
  readonly message: string;
}

export class Session {
  readonly panelId: string;
  private _config: SessionConfig;
  private _loss: LossInfo | null = null;
  private _landscape: Landscape | null = null;
  /** N-parameter losses: the PCA plane of the last finished runs (paths are projected onto it). */
  private _plane: PlaneLayout | null = null;
  private readonly recordings = new Map<string, RecordingColumns>();
  private readonly seriesCache = new Map<string, RunSeries>();
  private selected: number[] = [];
  private userSelected = false;
  private chartWidth = 800;
  private _status: RunStatus = { phase: 'idle', requestId: null, message: null };
  private _error: LossError | null = null;
  private abort: AbortController | null = null;
  private requestSeq = 0;
  private runSeq = 0;
  private current: Promise<void> = Promise.resolve();
  private disposed = false;
  /** The speculative run of the configuration being typed (prepare) in flight, and the last one finished. */
  private preparing: { seq: number; abort: AbortController } | null = null;
  private prepared: Prepared | null = null;
  /** Requests started and not yet settled (a prepared run is committed only when this is 0). */
  private inFlight = 0;

  constructor(config: SessionConfig, private readonly host: SessionHost, panelId?: string) {
    this.panelId = panelId ?? `p${++panelSeq}-${Date.now().toString(36)}`;
    this._config = config;
    for (const r of config.runs) this.bumpRunSeq(r.id);
  }

  get config(): SessionConfig {
    return this._config;
  }
  get loss(): LossInfo | null {
    return this._loss;
  }
  get status(): RunStatus {
    return this._status;
  }
  get error(): LossError | null {
    return this._error;
  }
  get running(): boolean {
    return this._status.phase === 'running';
  }
  /** The last good recordings, in config order. */
  get runs(): RecordingColumns[] {
    return this._config.runs.map((r) => this.recordings.get(r.id)).filter((r): r is RecordingColumns => !!r);
  }
  /** Decimated series currently shown, in config order. */
  get series(): RunSeries[] {
    return this.runs.map((r) => this.seriesOf(r));
  }
  labels(): Map<string, string> {
    const labels = runLabels(this._config.runs);
    return new Map(this._config.runs.map((r, i) => [r.id, labels[i]!]));
  }

  /** A fresh run id (`r1`, `r2`, ...). */
  nextRunId(): string {
    return `r${++this.runSeq}`;
  }
  private bumpRunSeq(id: string): void {
    const m = /^r(\d+)$/.exec(id);
    if (m) this.runSeq = Math.max(this.runSeq, Number(m[1]));
  }

  threshold(): number {
    const s = this.host.settings().decimationThreshold;
    if (s <= 0) return 0;
    return Math.min(s, Math.max(256, Math.round(this.chartWidth)));
  }

  snapshot(): PanelSnapshot {
    const first = this.runs[0];
    const dim = this._loss?.dim ?? 0;
    return {
      panelId: this.panelId,
      config: this._config,
      optimizers: optimizerSchemas(),
      conventions: conventionSchemas(),
      suggested: suggestedForAll(this.hint(), this._config.steps),
      suggestedSource: suggestedSources(this.hint(), this._config.steps),
      notice: this.notice,
      loss: this._loss,
      landscape: this._landscape,
      runs: this.series,
      selectedParams: this.selected,
      paramMagnitudes: dim > ALL_PARAMS_UP_TO && first ? finalMagnitudes(first) : new Float64Array(0),
      status: this._status,
      error: this._error,
      settings: this.host.settings(),
      links: this.host.links?.() ?? null,
      trusted: this.host.trusted(),
    };
  }

  /**
   * The step inspector for run `runId` (null or unknown: the first run with data) at the slider's `step` and
   * parameter `param`, from the full-resolution recording (null: no run with data).
   */
  inspect(runId: string | null, step: number, param: number): StepInspection | null {
    const runs = this.runs;
    const rec = runs.find((r) => r.runId === runId) ?? runs[0];
    if (!rec) return null;
    return buildStepInspection(rec, this.labels().get(rec.runId) ?? rec.optimizer, this._loss?.paramNames ?? [], step, param);
  }

  /** A notice the panel shows with the next snapshot (e.g. what a restored configuration dropped). */
  notice: string | null = null;

  private hint(): ReturnType<typeof lossHintOf> {
    return this._loss ? lossHintOfInfo(this._loss) : lossHintOf(this._config.loss);
  }

  private seriesOf(rec: RecordingColumns): RunSeries {
    const cached = this.seriesCache.get(rec.runId);
    if (cached) return cached;
    const out = this.buildSeries(rec, this.labels());
    this.seriesCache.set(rec.runId, out);
    return out;
  }

  /** What the webview draws of one recording, labelled as in `labels` (not cached). */
  private buildSeries(rec: RecordingColumns, labels: ReadonlyMap<string, string>): RunSeries {
    const s: RunSeries = buildRunSeries(rec, {
      threshold: this.threshold(),
      paramNames: this._loss?.paramNames ?? [],
      selected: this.selected,
      label: labels.get(rec.runId) ?? rec.optimizer,
      ...(this._loss?.window ? { window: this._loss.window } : {}),
    });
    const plane = this._plane;
    const curvature = buildCurvaturePanel(rec, this.threshold());
    const withCurvature = curvature ? { ...s, curvature } : s;
    return plane && rec.dim === plane.plane.dim ? { ...withCurvature, path: projectedPath(rec, plane, this.threshold()) } : withCurvature;
  }

  private invalidateSeries(): void {
    this.seriesCache.clear();
  }

  private defaultSelection(dim: number): number[] {
    if (dim <= ALL_PARAMS_UP_TO) return Array.from({ length: dim }, (_, i) => i);
    const first = this.runs[0];
    return first ? topK(finalMagnitudes(first), TOP_K) : Array.from({ length: TOP_K }, (_, i) => i);
  }

  /** Parameters to show (validated against the loss); an empty list goes back to the default. */
  selectParams(indices: readonly number[]): void {
    const dim = this._loss?.dim ?? 0;
    const ok = indices.filter((i) => i >= 0 && i < dim).slice(0, 64);
    this.userSelected = ok.length > 0;
    this.selected = ok.length ? [...ok].sort((a, b) => a - b) : this.defaultSelection(dim);
    this.invalidateSeries();
    this.host.post({ type: 'run/snapshot', snapshot: this.snapshot() });
  }

  /** The webview's chart width changed: re-decimate if the point budget changes. */
  setChartWidth(px: number): void {
    const before = this.threshold();
    this.chartWidth = Math.max(1, px);
    if (this.threshold() !== before && this.recordings.size) {
      this.invalidateSeries();
      this.host.post({ type: 'run/snapshot', snapshot: this.snapshot() });
    }
  }

  settingsChanged(): void {
    this.invalidateSeries();
    this.host.post({ type: 'run/snapshot', snapshot: this.snapshot() });
  }

  /** A new run of `optimizer` with this loss's suggested hyperparameters; returns the new config. */
  withAddedRun(optimizer: OptimizerName, overrides?: Readonly<Record<string, HyperValue>>): SessionConfig {
    const spec: RunSpec = { id: this.nextRunId(), optimizer, hyperparameters: { ...defaultHyperparameters(optimizer, this.hint(), this._config.steps), ...(overrides ?? {}) } };
    return { ...this._config, runs: [...this._config.runs, spec] };
  }

  /** Removes a run (no re-run: the others are unchanged). */
  removeRun(runId: string): void {
    if (this._config.runs.length <= 1 || !this._config.runs.some((r) => r.id === runId)) return;
    this._config = { ...this._config, runs: this._config.runs.filter((r) => r.id !== runId) };
    this.recordings.delete(runId);
    this.invalidateSeries();
    this.host.post({ type: 'run/snapshot', snapshot: this.snapshot() });
    this.host.didUpdate?.();
  }

  /** Stop: ends the run now, whatever its loss process is doing (describe, contour grid or steps), and says so. */
  stop(): void {
    const abort = this.abort;
    abort?.abort();
    this.host.runner().interrupt?.(this._config.loss);
    if (abort && this._status.phase === 'running' && this._status.requestId) this.stoppedByUser(this._status.requestId, abort);
  }

  dispose(): void {
    this.disposed = true;
    this.abort?.abort();
    this.host.releaseRecordBudget?.(this.panelId);
  }

  /**
   * Runs `config` (cancelling any run in flight). Resolves when this request ends (done, cancelled,
   * superseded or failed; never rejects). Errors keep the last good recordings on the charts.
   */
  start(config: SessionConfig, prepared?: number): Promise<void> {
    this.abort?.abort();
    if (this.preparing && this.preparing.seq !== prepared) this.preparing.abort.abort();
    // The run prepared for exactly this configuration while its edit was typed: committed now, in this call (a
    // message after this one, e.g. view/inspectStep, already sees it); only when no request is in flight.
    if (prepared !== undefined && this.inFlight === 0 && !this.disposed) {
      this.abort = null;
      if (this.commitPrepared(prepared, `q${this.requestSeq + 1}`, config)) {
        this.requestSeq++;
        this.current = Promise.resolve();
        return this.current;
      }
    }
    const abort = new AbortController();
    this.abort = abort;
    const requestId = `q${++this.requestSeq}`;
    for (const r of config.runs) this.bumpRunSeq(r.id);
    // A new gradient mode describes the loss file again (its LossInfo says how gradients are computed).
    const lossChanged = !sameLossRef(config.loss, this._config.loss) || this._loss === null || (config.loss.kind === 'file' && config.gradientMode !== this._config.gradientMode);
    this._config = config;
    this.inFlight++;
    const p = this.current.catch(() => undefined).then(() => (abort.signal.aborted ? undefined : this.execute(requestId, config, lossChanged, abort)));
    this.current = p;
    void p.finally(() => this.inFlight--).catch(() => undefined);
    return p;
  }

  /**
   * An error from outside the runs (a run-file editor's malformed document): cancels any run in flight and shows
   * it like a loss error (the charts keep the last good runs); not a Problems entry of the loss.
   */
  showError(error: LossError): void {
    this.abort?.abort();
    this.abort = null;
    this._error = error;
    const requestId = `q${++this.requestSeq}`;
    const status = this.setStatus('failed', requestId, error.message);
    this.host.post({ type: 'run/didFail', requestId, error, status });
  }

  private setStatus(phase: RunStatus['phase'], requestId: string | null, message: string | null): RunStatus {
    this._status = { phase, requestId, message };
    return this._status;
  }

  private fail(requestId: string, error: LossError): void {
    this._error = error;
    const status = this.setStatus('failed', requestId, error.message);
    this.host.post({ type: 'run/didFail', requestId, error, status });
    this.host.lossResult?.(this._config.loss, error);
  }

  private async execute(requestId: string, config: SessionConfig, lossChanged: boolean, abort: AbortController): Promise<void> {
    const isCurrent = (): boolean => !this.disposed && this.abort === abort && !abort.signal.aborted;
    const runner = this.host.runner();
    this.setStatus('running', requestId, null);
    this.host.post({ type: 'run/didStart', requestId, config });

    // 1. Hyperparameters: validated here, instantly (the core's own checks, PyTorch's messages).
    for (const r of config.runs) {
      try {
        createOptimizer(r.optimizer, r.hyperparameters);
        checkRunSchedule(r, config.steps);
      } catch (e) {
        if (!isCurrent()) return;
        const message = e instanceof HyperparameterError ? e.message : e instanceof Error ? e.message : String(e);
        this._error = { kind: 'hyperparameter', message };
        const status = this.setStatus('failed', requestId, message);
        this.host.post({ type: 'run/didFail', requestId, error: this._error, status });
        return;
      }
    }

    // 2. Workspace trust: loss files are workspace code; built-ins always run.
    if (config.loss.kind === 'file' && !this.host.trusted()) {
      this.fail(requestId, untrustedError(config.loss.path));
      return;
    }

    // 3. The loss (label, dimension, window, landscape) when it changed.
    if (lossChanged) {
      try {
        const info = await runner.describe(config.loss, config.loss.kind === 'file' ? config.gradientMode : undefined, abort.signal);
        if (!isCurrent()) return;
        await this.setLoss(info);
        if (!isCurrent()) return;
        this.host.post({ type: 'run/snapshot', snapshot: this.snapshot() });
        this.host.post({ type: 'run/didStart', requestId, config });
      } catch (e) {
        if (this.stoppedByUser(requestId, abort)) return;
        if (!isCurrent()) return;
        this.fail(requestId, toLossError(e));
        return;
      }
    } else if (config.loss.kind === 'file' && this._loss?.dim === 2) {
      // The same loss file again (e.g. re-run on save): its landscape follows the file (cached until it
      // changes). No grid at all (the file is broken everywhere): the last good one stays, like the runs.
      const l = await this.host.landscape(this._loss);
      if (!isCurrent()) return;
      if (l && l !== this._landscape) {
        this._landscape = l;
        this.host.post({ type: 'run/snapshot', snapshot: this.snapshot() });
        this.host.post({ type: 'run/didStart', requestId, config });
      }
    }

    // 4. Run.
    const request = this.requestFor(requestId, config);
    let lastProgress = 0;
    let progress: ProgressHandle | undefined;
    const totalSteps = config.steps * config.runs.length;
    const doneByRun = new Map<string, number>();
    const progressTimer = this.host.progress
      ? setTimeout(() => {
          if (isCurrent()) progress = this.host.progress!(`Simulating ${config.runs.length} run(s) × ${config.steps} steps`, () => abort.abort());
        }, 600)
      : undefined;
    const pending: RecordingColumns[] = [];
    const sentLabels = new Map<string, string>();
    // Streamed runs are batched: one message per ~100 ms (a comparison of fast runs is one message).
    let outbox: RunSeries[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    const flush = (): void => {
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = undefined;
      if (!outbox.length || !isCurrent()) return;
      this.host.post({ type: 'run/didAppendSteps', requestId, runs: outbox });
      outbox = [];
    };
    const accept = (rec: RecordingColumns): void => {
      this.recordings.set(rec.runId, rec);
      this.seriesCache.delete(rec.runId);
      if (!this.userSelected && this.selected.length === 0) this.selected = this.defaultSelection(rec.dim);
      const s = this.seriesOf(rec);
      sentLabels.set(rec.runId, s.label);
      outbox.push(s);
      flushTimer ??= setTimeout(flush, 100);
    };
    try {
      const result = await runner.run(
        request,
        {
          onProgress: (runId, done, total) => {
            if (!isCurrent()) return;
            doneByRun.set(runId, done);
            const now = Date.now();
            if (now - lastProgress < 50 && done < total) return;
            lastProgress = now;
            this.host.post({ type: 'run/didProgress', requestId, runId, done, total });
            let sum = 0;
            for (const v of doneByRun.values()) sum += v;
            progress?.report(sum, totalSteps);
          },
          onRun: (rec) => {
            if (!isCurrent()) return;
            // Labels and parameter names come from the loss; hold runs whose shape changed until the end.
            if (this._loss && rec.dim === this._loss.dim) accept(rec);
            else pending.push(rec);
          },
        },
        abort.signal,
      );
      if (this.disposed || this.abort !== abort) return;
      const lossMoved = !this._loss || result.loss.dim !== this._loss.dim || result.loss.paramNames.join('\u0000') !== this._loss.paramNames.join('\u0000')
        || JSON.stringify(result.loss.window) !== JSON.stringify(this._loss.window);
      if (lossMoved) {
        await this.setLoss(result.loss);
        for (const [id, rec] of this.recordings) if (rec.dim !== result.loss.dim) this.recordings.delete(id);
      } else {
        this._loss = result.loss;
      }
      for (const rec of [...pending, ...result.runs]) {
        if (this.recordings.get(rec.runId) !== rec && rec.dim === result.loss.dim) this.recordings.set(rec.runId, rec);
      }
      for (const id of [...this.recordings.keys()]) if (!config.runs.some((r) => r.id === id)) this.recordings.delete(id);
      const selection = this.userSelected ? this.selected : this.defaultSelection(result.loss.dim);
      if (lossMoved || pending.length || selection.join(',') !== this.selected.join(',')) {
        this.selected = selection;
        this.invalidateSeries();
      } else {
        const labels = this.labels();
        for (const [id, s] of this.seriesCache) if (labels.get(id) !== s.label || !this.recordings.has(id)) this.seriesCache.delete(id);
      }
      // A run that a user error ended after some steps keeps its partial recording, and reports the error.
      const runError = result.runs.find((r) => r.error)?.error ?? null;
      this._error = null;
      const ms = result.runs.reduce((s, r) => s + r.elapsedMs, 0);
      const status = result.cancelled
        ? this.setStatus('cancelled', requestId, result.note ?? 'Stopped')
        : this.setStatus('done', requestId, `${config.runs.length} run(s) × ${config.steps} steps in ${ms.toFixed(ms < 10 ? 1 : 0)} ms${samplingNote(result.runs)}`);
      // N-parameter losses: the PCA plane of these runs and the loss over it (from the loss process).
      const planeMoved = await this.updatePlane(isCurrent);
      if (this.disposed || this.abort !== abort) return;
      if (lossMoved || pending.length || result.cancelled || planeMoved) {
        outbox = [];
        this.host.post({ type: 'run/snapshot', snapshot: this.snapshot() });
      } else {
        // Plus runs whose label changed since they were streamed (a second Adam gets "lr=…").
        const queued = new Set(outbox.map((r) => r.runId));
        for (const rec of this.runs) {
          const s = this.seriesOf(rec);
          if (queued.has(rec.runId)) outbox = outbox.map((r) => (r.runId === rec.runId ? s : r));
          else if (sentLabels.get(rec.runId) !== s.label) outbox.push(s);
        }
        flush();
      }
      const first = this.runs[0];
      this.host.post({
        type: 'run/didFinish', requestId, status,
        paramMagnitudes: result.loss.dim > ALL_PARAMS_UP_TO && first ? finalMagnitudes(first) : new Float64Array(0),
        selectedParams: this.selected,
      });
      if (runError) this.fail(requestId, runError);
      else this.host.lossResult?.(config.loss, null);
      this.host.didUpdate?.();
    } catch (e) {
      if (this.stoppedByUser(requestId, abort)) return;
      if (!isCurrent()) return;
      this.fail(requestId, toLossError(e));
    } finally {
      if (flushTimer) clearTimeout(flushTimer);
      if (progressTimer) clearTimeout(progressTimer);
      progress?.end();
      if (this.abort === abort) this.abort = null;
    }
  }

  /**
   * Speculative run (issue 8 item 18, "speed a person feels"): while an edit's debounce is still running, run the
   * configuration just validated and send its series as run/didPrepare, so that the webview can draw it the moment
   * the debounce ends, without the round trip through the host and the ~0.1 ms per KB the web transport costs.
   * Only where it is cheap and exact: a built-in loss (no workspace code runs speculatively) of ≤ 2 parameters that
   * is already shown, nothing running, live re-run on and within its work limit, no run-file document. Runs are
   * deterministic (seeded), so a committed prepared run equals the run itself bit for bit; the host keeps what it
   * sent and commits exactly that (commitPrepared). Nothing changes in the session until then.
   */
  async prepare(seq: number, config: SessionConfig): Promise<void> {
    this.preparing?.abort.abort();
    this.preparing = null;
    const loss = this._loss;
    const settings = this.host.settings();
    const work = config.steps * config.runs.length * (loss?.dim ?? 2);
    if (this.disposed || this.abort !== null || config.loss.kind !== 'builtin' || !loss || loss.dim > 2 || !sameLossRef(config.loss, this._config.loss)
      || !settings.liveUpdate || work > settings.liveUpdateMaxWork || this.selected.length !== loss.dim) return;
    for (const r of config.runs) {
      try {
        createOptimizer(r.optimizer, r.hyperparameters);
        checkRunSchedule(r, config.steps);
      } catch {
        return; // not runnable: run/validate says why
      }
    }
    const abort = new AbortController();
    const mine = { seq, abort };
    this.preparing = mine;
    try {
      const result = await this.host.runner().run(this.requestFor(`prepare${seq}`, config), { onProgress: () => undefined, onRun: () => undefined }, abort.signal);
      if (this.preparing !== mine || abort.signal.aborted || this.disposed || this._loss !== loss || result.cancelled || result.runs.some((r) => r.error)) return;
      if (result.loss.dim !== loss.dim || result.loss.paramNames.join('\u0000') !== loss.paramNames.join('\u0000') || JSON.stringify(result.loss.window) !== JSON.stringify(loss.window)) return;
      const labelList = runLabels(config.runs);
      const labels = new Map(config.runs.map((r, i) => [r.id, labelList[i]!]));
      const byId = new Map(result.runs.map((r) => [r.runId, r]));
      const runs = config.runs.map((r) => byId.get(r.id)).filter((r): r is RecordingColumns => !!r);
      if (runs.length !== config.runs.length) return;
      const series = runs.map((rec) => this.buildSeries(rec, labels));
      const ms = result.runs.reduce((a, r) => a + r.elapsedMs, 0);
      const message = `${config.runs.length} run(s) × ${config.steps} steps in ${ms.toFixed(ms < 10 ? 1 : 0)} ms${samplingNote(result.runs)}`;
      this.prepared = { seq, json: JSON.stringify(config), loss, selected: this.selected.join(','), result, runs, series, message };
      this.host.post({ type: 'run/didPrepare', seq, runs: series, message });
    } catch {
      // a failed speculation changes nothing: the run itself reports
    } finally {
      if (this.preparing === mine) this.preparing = null;
    }
  }

  /**
   * run/start for the configuration prepared as #seq, which the webview has drawn already: the session takes that
   * result as the run's (same recordings, same series, nothing sent again) and says it started and finished. False
   * when the prepared run does not match (the loss, selection or configuration moved): then it runs as usual.
   */
  private commitPrepared(seq: number, requestId: string, config: SessionConfig): boolean {
    const p = this.prepared;
    this.prepared = null;
    if (!p || p.seq !== seq || p.json !== JSON.stringify(config) || p.loss !== this._loss || p.selected !== this.selected.join(',') || !sameLossRef(config.loss, this._config.loss)) return false;
    this._config = config;
    for (const r of config.runs) this.bumpRunSeq(r.id);
    this.host.post({ type: 'run/didStart', requestId, config });
    for (const rec of p.runs) this.recordings.set(rec.runId, rec);
    for (const id of [...this.recordings.keys()]) if (!config.runs.some((r) => r.id === id)) this.recordings.delete(id);
    this.seriesCache.clear();
    p.runs.forEach((rec, i) => this.seriesCache.set(rec.runId, p.series[i]!));
    this._loss = p.result.loss;
    this._error = null;
    const status = this.setStatus('done', requestId, p.message);
    this.host.post({ type: 'run/didFinish', requestId, status, paramMagnitudes: new Float64Array(0), selectedParams: this.selected });
    this.host.lossResult?.(config.loss, null);
    this.host.didUpdate?.();
    return true;
  }

  /** The run request for `config` (the panel's fields, curvature and memory budget). */
  private requestFor(requestId: string, config: SessionConfig): SimulationRequest {
    return {
      requestId,
      loss: config.loss,
      runs: config.runs.map((r) => ({ id: r.id, optimizer: r.optimizer, hyperparameters: r.hyperparameters, ...(r.schedule ? { schedule: r.schedule } : {}), ...(r.then ? { then: r.then } : {}) })),
      steps: config.steps,
      seed: config.seed,
      ...(config.batchSize !== undefined ? { batchSize: config.batchSize } : {}),
      ...(config.convention !== undefined ? { convention: config.convention } : {}),
      ...(config.dtype !== undefined ? { dtype: config.dtype } : {}),
      ...panelRunFields(config, (this._loss?.dim ?? 2) <= panelSecondOrderMaxDim(config.loss.kind)),
      // Curvature & stability (README "Curvature and stability", panel): bounded cost, see panelCurvatureEvery.
      ...((every) => (every > 0 ? { curvature: { every, views: true } } : {}))(panelCurvatureEvery(this._loss?.dim ?? 2, config.steps, config.loss.kind)),
      ...((budget) => (budget !== undefined ? { recordBudgetBytes: budget } : {}))(this.host.recordBudget?.(this.panelId, config.runs.length)),
    };
  }

  /** Stop pressed before the run produced anything (its loss process was killed): say so, keep the charts. */
  private stoppedByUser(requestId: string, abort: AbortController): boolean {
    if (this.disposed || this.abort !== abort || !abort.signal.aborted) return false;
    if (this._status.phase === 'cancelled' && this._status.requestId === requestId) return true; // already said
    const status = this.setStatus('cancelled', requestId, 'stopped: the loss process was terminated');
    const first = this.runs[0];
    const dim = this._loss?.dim ?? 0;
    this.host.post({
      type: 'run/didFinish', requestId, status,
      paramMagnitudes: dim > ALL_PARAMS_UP_TO && first ? finalMagnitudes(first) : new Float64Array(0),
      selectedParams: this.selected,
    });
    return true;
  }

  /**
   * Refits the PCA plane of an N-parameter loss to the current runs and evaluates the loss over it; returns
   * whether the landscape changed (a snapshot is due). Without a grid (it failed) the paths are still projected.
   */
  private async updatePlane(isCurrent: () => boolean): Promise<boolean> {
    const loss = this._loss;
    const layout = loss && loss.dim > 2 && this.host.planeGrid ? planeLayout(this.runs) : null;
    if (!loss || !layout) {
      const had = this._plane !== null;
      this._plane = null;
      if (had) {
        this._landscape = null;
        this.invalidateSeries();
      }
      return had;
    }
    const values = await this.host.planeGrid!(loss, layout.grid, layout.window, PLANE_NX, PLANE_NY);
    if (!isCurrent()) return false;
    this._plane = layout;
    this._landscape = values && values.length === PLANE_NX * PLANE_NY && values.some((v) => Number.isFinite(v))
      ? planeLandscape(layout, values, PLANE_NX, PLANE_NY, this.runs[0]!)
      : null;
    this.invalidateSeries();
    return true;
  }

  private async setLoss(info: LossInfo): Promise<void> {
    const changed = !this._loss || this._loss.dim !== info.dim;
    if (changed) this._plane = null;
    this._loss = info;
    this._landscape = info.dim === 2 ? await this.host.landscape(info) : this._plane ? this._landscape : null;
    if (changed) {
      this.userSelected = false;
      this.selected = this.defaultSelection(info.dim);
    }
    this.invalidateSeries();
  }
}
