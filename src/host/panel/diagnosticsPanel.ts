// One diagnostics panel: a WebviewPanel plus its Session. Owns the ready handshake (nothing is posted
// before `webview/ready`; a hidden webview is destroyed — retainContextWhenHidden is off — and is
// hydrated again with `run/snapshot` when it comes back), validates every inbound message, and
// forwards the session's stream.
import * as vscode from 'vscode';
import { packFloat64Arrays } from '../../protocol/packBuffers';
import {
  LIMITS,
  parseFromWebview,
  sessionConfigProblems,
  type AxisLinks,
  type ChartImage,
  type ExportFormat,
  type FromWebview,
  type RenderSummary,
  type SessionConfig,
  type StepZoom,
  type ToWebview,
  type ViewSection,
} from '../../protocol/messages';
import { Disposable } from '../util/dispose';
import { panelHtml, webviewOptions } from './html';
import { Session, type SessionHost } from './session';
import { configProblems, schedulePreviews } from './validate';
import { parseMapFromWebview, type MapFromWebview, type MapToWebview } from '../../protocol/sweepMessages';
import type { RunnerPool } from '../../runner/pool';
import { StabilityMap } from './sweepSession';
import { parseLrFindFromWebview, type LrFindToWebview } from '../../protocol/lrFindMessages';
import { LrFinder } from './lrFindSession';
import { parseTuneFromWebview, type TuneToWebview } from '../../protocol/tuneMessages';
import { LrTuner } from './tuneSession';

export interface PanelDeps extends Omit<SessionHost, 'post' | 'didUpdate' | 'links'> {
  readonly extensionUri: vscode.Uri;
  readonly log: (message: string) => void;
  /** Every message the session posts (the output channel logs runs from it). */
  observe?(panelId: string, msg: ToWebview): void;
  openSideBySide(panel: DiagnosticsPanel): void;
  /** Side by side: relay a step/hover move to the other panels of the group. */
  linkStep?(panel: DiagnosticsPanel, step: number | undefined, hover: number | null | undefined, zoom?: StepZoom | null): void;
  exportRun(panel: DiagnosticsPanel, format: ExportFormat): void;
  didUpdate(panel: DiagnosticsPanel): void;
  didFocus(panel: DiagnosticsPanel): void;
  /** The runner pool of the stability map (optimizerDiagnostics.workers workers). */
  pool?(): RunnerPool;
}

/**
 * A panel hosted in a run-file editor (runFileEditor.ts): its configuration lives in a document, so what the
 * webview asks to run (run/start, add, remove) is written there (`write`); the document's change then runs it.
 */
export interface PanelDocument {
  readonly uri: vscode.Uri;
  write(config: SessionConfig): void;
  /** Save Run Configuration onto the document itself: the panel's configuration and view written into it, then saved. */
  saveWithView(view: { step?: number; section?: ViewSection }): Promise<void>;
  /** The document's start point and noise (the panel has no fields for them), kept when it is saved elsewhere. */
  extras(): { start?: readonly number[]; gradientNoise?: number };
}

/** Quiet time after the last validated edit before its run is prepared (well inside the webview's 150 ms debounce). */
const PREPARE_QUIET_MS = 40;

export class DiagnosticsPanel extends Disposable {
  static readonly viewType = 'optimizerDiagnostics.panel';

  readonly session: Session;
  /** The stability map (sweepSession.ts), when the host has a runner pool. */
  readonly map: StabilityMap | null;
  /** "Find a learning rate" (lrFindSession.ts), when the host has a runner pool. */
  readonly lrFinder: LrFinder | null;
  /** "Tune learning rates first" (tuneSession.ts), when the host has a runner pool. */
  readonly tuner: LrTuner | null;
  private ready = false;
  private pendingReveal: ViewSection | null = null;
  /** The view a run file asked for: its step is posted once the runs are there. */
  private pendingStep: number | null = null;
  private postedStep: number | null = null;
  /** What the panel shows (Save Run Configuration writes it): the step the webview last inspected, the section last revealed. */
  private shown: { step?: number; section?: ViewSection } = {};
  /** Set when this panel is a run file's editor (its config is the document's). */
  document: PanelDocument | null = null;
  private links: AxisLinks | null = null;
  linkGroup: string | null = null;
  private readonly captures = new Map<string, { resolve(images: ChartImage[]): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  private captureSeq = 0;
  /** A run/validate waiting for the typing to pause before it is prepared (Session.prepare). */
  private prepareTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly renders: RenderSummary[] = [];
  private readonly _onDidRender = this._register(new vscode.EventEmitter<RenderSummary>());
  readonly onDidRender = this._onDidRender.event;
  private readonly _onDidDispose = this._register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this._onDidDispose.event;

  /** Creates a new panel (and its webview) and starts running `config`. */
  static create(deps: PanelDeps, config: SessionConfig, column: vscode.ViewColumn, preserveFocus = false): DiagnosticsPanel {
    const panel = vscode.window.createWebviewPanel(
      DiagnosticsPanel.viewType,
      'Optimizer Diagnostics',
      { viewColumn: column, preserveFocus },
      webviewOptions(deps.extensionUri),
    );
    const p = new DiagnosticsPanel(panel, deps, config);
    void p.session.start(config);
    return p;
  }

  /** Restores a panel after a reload (WebviewPanelSerializer). */
  static revive(panel: vscode.WebviewPanel, deps: PanelDeps, config: SessionConfig, document?: PanelDocument): DiagnosticsPanel {
    panel.webview.options = webviewOptions(deps.extensionUri);
    const p = new DiagnosticsPanel(panel, deps, config, document ?? null);
    void p.session.start(config);
    return p;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: PanelDeps,
    config: SessionConfig,
    document: PanelDocument | null = null,
  ) {
    super();
    this.document = document;
    this.session = new Session(config, {
      ...deps,
      post: (m) => {
        deps.observe?.(this.id, m);
        this.post(m);
        if (m.type === 'run/didFinish') this.postPendingStep();
      },
      links: () => this.links,
      didUpdate: () => {
        this.updateTitle();
        deps.didUpdate(this);
      },
    });
    const pool = deps.pool;
    this.map = pool
      ? new StabilityMap({
          post: (m) => this.post(m),
          config: () => this.session.config,
          loss: () => this.session.loss,
          labels: () => this.session.labels(),
          trusted: () => deps.trusted(),
          pool: () => pool(),
          run: (config) => this.runRequested(config),
          ...(deps.progress ? { progress: deps.progress } : {}),
          log: deps.log,
        })
      : null;
    this.lrFinder = pool
      ? new LrFinder({ post: (m) => this.post(m), config: () => this.session.config, labels: () => this.session.labels(), trusted: () => deps.trusted(), pool: () => pool() })
      : null;
    this.tuner = pool
      ? new LrTuner({
          post: (m) => this.post(m), config: () => this.session.config, loss: () => this.session.loss, labels: () => this.session.labels(),
          trusted: () => deps.trusted(), pool: () => pool(),
          run: (config) => this.runRequested(config),
        })
      : null;
    if (!document) {
      panel.iconPath = {
        light: vscode.Uri.joinPath(deps.extensionUri, 'media', 'icon-light.svg'),
        dark: vscode.Uri.joinPath(deps.extensionUri, 'media', 'icon-dark.svg'),
      };
    }
    this.updateTitle();
    panel.webview.html = panelHtml(panel.webview, deps.extensionUri, panel.title);
    this._register(panel.webview.onDidReceiveMessage((raw: unknown) => this.onMessage(raw)));
    this._register(
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false; // the webview is torn down; it re-sends webview/ready
        if (panel.active) deps.didFocus(this);
      }),
    );
    this._register(panel.onDidDispose(() => this.dispose()));
  }

  override dispose(): void {
    if (this.isDisposed) return;
    if (this.prepareTimer) clearTimeout(this.prepareTimer);
    this.session.dispose();
    this.map?.dispose();
    this.lrFinder?.dispose();
    this.tuner?.dispose();
    for (const c of this.captures.values()) {
      clearTimeout(c.timer);
      c.reject(new Error('panel closed'));
    }
    this.captures.clear();
    this._onDidDispose.fire();
    super.dispose();
    this.panel.dispose();
  }

  get id(): string {
    return this.session.panelId;
  }
  get visible(): boolean {
    return !this.isDisposed && this.panel.visible;
  }
  get isReady(): boolean {
    return this.ready;
  }
  get lastRender(): RenderSummary | undefined {
    return this.renders[this.renders.length - 1];
  }
  get renderCount(): number {
    return this.renders.length;
  }

  /** Posts when the webview is ready; otherwise drops it (the next snapshot covers it). */
  post(msg: ToWebview | MapToWebview | LrFindToWebview | TuneToWebview): void {
    if (this.isDisposed || !this.ready) return;
    // every Float64Array of the message in one buffer (the transport loses buffers past a few hundred)
    void this.panel.webview.postMessage(packFloat64Arrays(msg)).then(undefined, (e: unknown) => this.deps.log(`postMessage failed: ${String(e)}`));
  }

  setLinks(links: AxisLinks | null): void {
    this.links = links;
    this.post({ type: 'view/didLinkAxes', links });
  }

  /** The selected step and the section shown, as far as the host knows them (a run file's `view`). */
  get view(): { step?: number; section?: ViewSection } {
    const step = this.pendingStep ?? this.shown.step ?? this.postedStep;
    return { ...this.shown, ...(step !== null && step !== undefined ? { step } : {}) };
  }

  /** Shows `view` without taking focus: the section now (or when ready), the step once the runs are there. */
  showView(view: { step?: number; section?: ViewSection }): void {
    if (view.section) {
      this.shown = { ...this.shown, section: view.section };
      this.pendingReveal = view.section;
      if (this.ready) {
        this.post({ type: 'view/didReveal', section: view.section });
        this.pendingReveal = null;
      }
    }
    if (view.step !== undefined) {
      this.pendingStep = view.step;
      if (this.session.status.phase === 'done') this.postPendingStep();
    }
  }

  private postPendingStep(): void {
    if (this.pendingStep === null || !this.ready || this.session.runs.length === 0) return;
    const step = this.pendingStep;
    this.pendingStep = null;
    this.postedStep = step; // `shown.step` follows when the webview asks for that step's inspection
    // view/didLinkStep sets the step slider without relaying it (the message side-by-side panels use).
    this.post({ type: 'view/didLinkStep', step });
  }

  reveal(section?: ViewSection, column?: vscode.ViewColumn): void {
    if (section) {
      this.shown = { ...this.shown, section };
      this.pendingReveal = section;
      if (this.ready) {
        this.post({ type: 'view/didReveal', section });
        this.pendingReveal = null;
      }
    }
    this.panel.reveal(column, false);
  }

  /** Runs a new configuration in this panel. */
  run(config: SessionConfig, prepared?: number): Promise<void> {
    const p = this.session.start(config, prepared);
    this.updateTitle();
    return p;
  }

  /** Asks the webview for PNGs of its charts (canvas.toDataURL). */
  captureCharts(timeoutMs = 15_000): Promise<ChartImage[]> {
    if (!this.ready) return Promise.reject(new Error('the panel is not visible; show it and try again'));
    const requestId = `c${++this.captureSeq}`;
    return new Promise<ChartImage[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.captures.delete(requestId);
        reject(new Error('the panel did not return its charts in time'));
      }, timeoutMs);
      this.captures.set(requestId, { resolve, reject, timer });
      this.post({ type: 'export/captureCharts', requestId });
    });
  }

  private updateTitle(): void {
    if (this.document) return; // a run file's editor is titled by its file
    const cfg = this.session.config;
    const loss = this.session.loss?.name ?? (cfg.loss.kind === 'builtin' ? cfg.loss.name : cfg.loss.path.split(/[\\/]/).pop() ?? 'loss');
    const labels = this.session.labels();
    const what = cfg.runs.length === 1 ? labels.get(cfg.runs[0]!.id) ?? cfg.runs[0]!.optimizer : `Compare ${cfg.runs.length}`;
    const title = `${what} · ${loss}`;
    if (this.panel.title !== title) this.panel.title = title;
  }

  /** Tests: feed a message as if the webview had posted it (same validation). Returns whether it was accepted. */
  receiveForTesting(raw: unknown): boolean {
    const ok = parseFromWebview(raw) !== undefined || parseMapFromWebview(raw) !== undefined || parseLrFindFromWebview(raw) !== undefined || parseTuneFromWebview(raw) !== undefined;
    this.onMessage(raw);
    return ok;
  }

  private onMessage(raw: unknown): void {
    const map = parseMapFromWebview(raw);
    if (map) return this.handleMap(map);
    const tune = parseTuneFromWebview(raw);
    if (tune) {
      if (!this.tuner) return this.deps.log('ignored a tune request: this host has no runner pool');
      if (tune.type === 'tune/stop') return this.tuner.stop();
      void this.tuner.start(tune.seq, tune.objective);
      return;
    }
    const lrFind = parseLrFindFromWebview(raw);
    if (lrFind) {
      if (!this.lrFinder) return this.deps.log('ignored an lr-find request: this host has no runner pool');
      if (lrFind.type === 'lrFind/stop') return this.lrFinder.stop();
      void this.lrFinder.start(lrFind.seq, lrFind.runId, lrFind.min, lrFind.max, lrFind.steps);
      return;
    }
    const msg = parseFromWebview(raw);
    if (!msg) {
      this.deps.log(`ignored an invalid message from the webview: ${safeType(raw)}`);
      // A refused run (e.g. steps above the maximum) is said in the panel, not dropped silently.
      const r = raw as { type?: unknown; config?: unknown } | null;
      if (r && typeof r === 'object' && (r.type === 'run/start' || r.type === 'run/validate')) {
        const problems = sessionConfigProblems(r.config);
        this.post({ type: 'run/didReject', message: `Not run: ${problems.map((p) => p.message).join('; ')}`, problems });
      }
      return;
    }
    this.handle(msg);
  }

  /** The stability map's requests (src/protocol/sweepMessages.ts). */
  private handleMap(msg: MapFromWebview): void {
    if (!this.map) {
      this.deps.log('ignored a stability map request: this host has no runner pool');
      return;
    }
    switch (msg.type) {
      case 'map/start':
        void this.map.start(msg.runId, msg.axes);
        return;
      case 'map/stop':
        this.map.stop();
        return;
      case 'map/openCell':
        if (!this.map.openCell(msg.mapId, msg.index)) this.deps.log(`ignored map/openCell: no cell ${msg.index} of map ${msg.mapId}`);
        return;
      case 'map/didRender':
        this.map.rendered(msg.summary);
        return;
    }
  }

  /**
   * A run the user asked for (Run, a map cell, a tuned comparison): in a run file's editor it is written into the
   * document (whose change runs it, undoably); elsewhere it runs. A restore notice lasts until the user runs something.
   */
  private runRequested(config: SessionConfig, prepared?: number): void {
    this.session.notice = null;
    if (this.document) this.document.write(config);
    else void this.run(config, prepared);
  }

  private handle(msg: FromWebview): void {
    switch (msg.type) {
      case 'webview/ready':
        this.ready = true;
        this.session.setChartWidth(msg.chartWidth || 800);
        this.post({ type: 'run/snapshot', snapshot: this.session.snapshot() });
        if (this.pendingReveal) {
          this.post({ type: 'view/didReveal', section: this.pendingReveal });
          this.pendingReveal = null;
        }
        if (this.session.status.phase === 'done') this.postPendingStep();
        return;
      case 'webview/didRender':
        if (msg.summary.panelId !== this.id) return;
        this.renders.push(msg.summary);
        if (this.renders.length > 50) this.renders.splice(0, this.renders.length - 50);
        this._onDidRender.fire(msg.summary);
        return;
      case 'webview/didError':
        this.deps.log(`webview: ${msg.message}`);
        return;
      case 'run/validate': {
        const problems = configProblems(msg.config);
        this.post({ type: 'run/didValidate', seq: msg.seq, problems, previews: schedulePreviews(msg.config, this.deps.settings().decimationThreshold || 2000) });
        // A valid edit of a small built-in run: prepare it while the debounce runs (Session.prepare; not for a
        // run file, whose runs go through its document), once the typing pauses for PREPARE_QUIET_MS: every
        // prepared run is a ~130 KB message, and a burst of them would queue ahead of the run itself.
        if (this.prepareTimer) clearTimeout(this.prepareTimer);
        this.prepareTimer = undefined;
        if (!problems.length && !this.document) {
          const { seq, config } = msg;
          this.prepareTimer = setTimeout(() => {
            this.prepareTimer = undefined;
            if (!this.isDisposed) void this.session.prepare(seq, config);
          }, PREPARE_QUIET_MS);
        }
        return;
      }
      case 'view/linkStep':
        if (this.linkGroup) this.deps.linkStep?.(this, msg.step, msg.hover, msg.zoom);
        return;
      case 'run/start': {
        if (this.prepareTimer) clearTimeout(this.prepareTimer);
        this.prepareTimer = undefined;
        const settings = this.deps.settings();
        const work = msg.config.steps * msg.config.runs.length * (this.session.loss?.dim ?? 2);
        if (msg.live && (!settings.liveUpdate || work > settings.liveUpdateMaxWork)) return;
        this.runRequested(msg.config, msg.prepared);
        return;
      }
      case 'run/stop':
        this.session.stop();
        return;
      case 'run/addToComparison': {
        if (this.session.config.runs.length >= LIMITS.maxRuns) {
          this.post({
            type: 'run/didReject',
            message: `A comparison holds at most ${LIMITS.maxRuns} runs: remove one (×) before adding another.`,
            problems: [{ field: 'runs', message: `at most ${LIMITS.maxRuns} runs` }],
          });
          return;
        }
        const added = this.session.withAddedRun(msg.optimizer, msg.hyperparameters);
        if (this.document) this.document.write(added);
        else void this.run(added);
        return;
      }
      case 'run/remove':
        if (this.document) {
          const cfg = this.session.config;
          if (cfg.runs.length > 1 && cfg.runs.some((r) => r.id === msg.runId)) this.document.write({ ...cfg, runs: cfg.runs.filter((r) => r.id !== msg.runId) });
          return;
        }
        this.session.removeRun(msg.runId);
        this.updateTitle();
        return;
      case 'view/selectParams':
        this.session.selectParams(msg.indices);
        return;
      case 'view/resize':
        this.session.setChartWidth(msg.chartWidth);
        return;
      case 'view/openSideBySide':
        this.deps.openSideBySide(this);
        return;
      case 'export/run':
        this.deps.exportRun(this, msg.format);
        return;
      case 'view/inspectStep':
        this.shown = { ...this.shown, step: msg.step };
        this.post({ type: 'view/didInspectStep', seq: msg.seq, inspection: this.session.inspect(msg.runId, msg.step, msg.param) });
        return;
      case 'export/didCaptureCharts': {
        const c = this.captures.get(msg.requestId);
        if (!c) return;
        clearTimeout(c.timer);
        this.captures.delete(msg.requestId);
        c.resolve([...msg.images]);
        return;
      }
      default: {
        const never: never = msg;
        void never;
      }
    }
  }
}

function safeType(raw: unknown): string {
  const t = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  return typeof t === 'string' ? JSON.stringify(t.slice(0, 64)) : typeof raw;
}
