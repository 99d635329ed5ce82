// All diagnostics panels: creation and reuse, the WebviewPanelSerializer (panels come back after a
// reload and re-run their configuration: the host owns the data, runs are deterministic), side-by-side
// groups with linked axes, re-run on save of a loss file, settings and trust changes.
import * as vscode from 'vscode';
import { linkedRanges } from '../../protocol/axes';
import { restoreSessionConfig, type AxisLinks, type ExportFormat, type RenderSummary, type SessionConfig } from '../../protocol/messages';
import { defaultHyperparameters, lossHintOf, suggestedSteps } from '../../protocol/runDefaults';
import type { LossRef } from '../../protocol/simulation';
import { fileLandscape, landscapeFor } from '../landscape';
import type { ExtensionLog } from '../log';
import type { LossProblems } from '../problems';
import type { RunnerHost } from '../run/runnerHost';
import type { PoolHost } from '../run/poolHost';
import { MemoryBudget } from '../../protocol/memoryBudget';
import { DEFAULTS, panelSettings, readSettings } from '../settings';
import { Disposable } from '../util/dispose';
import { DiagnosticsPanel, type PanelDeps, type PanelDocument } from './diagnosticsPanel';
import type { ProgressHandle } from './session';

export interface PanelManagerOptions {
  readonly extensionUri: vscode.Uri;
  readonly runners: RunnerHost;
  /** The runner pool of the panels' stability maps (src/host/run/poolHost.ts). */
  readonly pool?: PoolHost;
  readonly problems: LossProblems;
  /** The output channel. */
  readonly log: ExtensionLog;
  readonly trusted: () => boolean;
  readonly exportRun: (panel: DiagnosticsPanel, format: ExportFormat) => void;
}

export interface OpenOptions {
  /** Always open a new panel (default: reuse the last active panel that is not part of a side-by-side group). */
  readonly newPanel?: boolean;
  readonly column?: vscode.ViewColumn;
  readonly preserveFocus?: boolean;
}

let groupSeq = 0;

export class PanelManager extends Disposable {
  private readonly panels = new Map<string, DiagnosticsPanel>();
  private active: DiagnosticsPanel | undefined;
  private readonly _onDidChangePanels = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangePanels = this._onDidChangePanels.event;
  private readonly _onDidRender = this._register(new vscode.EventEmitter<{ panel: DiagnosticsPanel; summary: RenderSummary }>());
  readonly onDidRender = this._onDidRender.event;
  private readonly deps: PanelDeps;
  /** One memory budget across the runs of all open panels (optimizerDiagnostics.memoryBudgetMb). */
  readonly memory = new MemoryBudget(() => readSettings().memoryBudgetMb);

  constructor(private readonly opts: PanelManagerOptions) {
    super();
    this.deps = {
      recordBudget: (panelId, runs) => this.memory.request(panelId, runs),
      releaseRecordBudget: (panelId) => this.memory.release(panelId),
      extensionUri: opts.extensionUri,
      runner: () => opts.runners.get(),
      settings: () => panelSettings(readSettings()),
      trusted: opts.trusted,
      landscape: (info) => (info.ref.kind === 'file' ? fileLandscape(info, opts.runners, (m) => opts.log.warn(m)) : landscapeFor(info)),
      planeGrid: async (info, plane, window, nx, ny) => {
        const runner = opts.runners;
        if (!runner.grid) return null;
        try {
          return await runner.grid({ loss: info.ref, window, nx, ny, plane });
        } catch (e) {
          opts.log.warn(`No PCA-plane landscape for ${info.name}: ${(e as { error?: { message?: string } }).error?.message ?? (e instanceof Error ? e.message : String(e))}`);
          return null;
        }
      },
      lossResult: (ref, error) => opts.problems.set(ref, error),
      progress: (title, cancel) => progressNotification(title, cancel),
      log: (m) => opts.log.info(m),
      observe: (id, m) => opts.log.observe(id, m),
      openSideBySide: (p) => void this.openSideBySide(p),
      linkStep: (p, step, hover, zoom) => {
        if (!p.linkGroup) return;
        for (const m of this.all()) {
          if (m !== p && m.linkGroup === p.linkGroup) m.post({ type: 'view/didLinkStep', ...(step !== undefined ? { step } : {}), ...(hover !== undefined ? { hover } : {}), ...(zoom !== undefined ? { zoom } : {}) });
        }
      },
      exportRun: (p, format) => opts.exportRun(p, format),
      ...(opts.pool ? { pool: () => opts.pool!.get() } : {}),
      didUpdate: (p) => this.updateLinks(p),
      didFocus: (p) => {
        this.active = p;
      },
    };
    this._register(
      vscode.window.registerWebviewPanelSerializer(DiagnosticsPanel.viewType, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const saved = (state as { config?: unknown } | undefined)?.config;
          const restored = restoreSessionConfig(saved, { steps: readSettings().steps });
          const cfg = restored?.config ?? this.defaultConfig({ kind: 'builtin', name: 'canyon' });
          const p = this.track(DiagnosticsPanel.revive(panel, this.deps, cfg));
          const dropped = restored ? restored.dropped : saved !== undefined ? ['the saved configuration (no valid loss or run): showing the default'] : [];
          if (dropped.length) {
            p.session.notice = `Restored after reload, except: ${dropped.join('; ')}.`;
            this.opts.log.info(`restore: ${p.session.notice}`);
          }
        },
      }),
    );
    this._register(
      vscode.workspace.onDidSaveTextDocument((doc) => {
        for (const p of this.panels.values()) {
          const loss = p.session.config.loss;
          if (loss.kind === 'file' && samePath(loss.path, doc.uri.fsPath)) void p.run(p.session.config);
        }
      }),
    );
  }

  override dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
    super.dispose();
  }

  all(): DiagnosticsPanel[] {
    return [...this.panels.values()];
  }

  get(id: string): DiagnosticsPanel | undefined {
    return this.panels.get(id);
  }

  /** The panel commands act on: the active one, else the last focused, else any visible. */
  current(): DiagnosticsPanel | undefined {
    const all = this.all();
    return all.find((p) => p.panel.active) ?? (this.active && !this.active.isDisposed ? this.active : undefined) ?? all.find((p) => p.visible) ?? all[all.length - 1];
  }

  /** A one-run config: PyTorch's defaults, with the learning rate tuned per built-in loss. */
  defaultConfig(loss: LossRef, optimizer = readSettings().defaultOptimizer): SessionConfig {
    const set = readSettings().steps;
    const steps = set === DEFAULTS.steps ? suggestedSteps(lossHintOf(loss)) ?? set : set;
    return { loss, runs: [{ id: 'r1', optimizer, hyperparameters: defaultHyperparameters(optimizer, lossHintOf(loss), steps) }], steps, seed: 0 };
  }

  /** Shows `config` in a panel (reused or new) and runs it. */
  open(config: SessionConfig, o: OpenOptions = {}): DiagnosticsPanel {
    // A comparison, a side-by-side member or a run file's editor is never replaced: the new run gets a panel of its own.
    const reuse = !o.newPanel ? this.current() : undefined;
    if (reuse && !reuse.linkGroup && !reuse.document && reuse.session.config.runs.length < 2) {
      reuse.reveal(undefined, o.column ?? reuse.panel.viewColumn);
      void reuse.run(config);
      this.active = reuse;
      return reuse;
    }
    const p = this.track(DiagnosticsPanel.create(this.deps, config, o.column ?? vscode.ViewColumn.Beside, o.preserveFocus ?? false));
    this.active = p;
    return p;
  }

  /** The panel of a run file's editor (runFileEditor.ts), in the editor's own WebviewPanel; runs `config`. */
  hostDocument(webviewPanel: vscode.WebviewPanel, config: SessionConfig, document: PanelDocument): DiagnosticsPanel {
    const p = this.track(DiagnosticsPanel.revive(webviewPanel, this.deps, config, document));
    if (webviewPanel.active) this.active = p;
    return p;
  }

  /** One panel per run of `panel`, in adjacent editor columns, with linked axes. Returns the new panels. */
  async openSideBySide(panel: DiagnosticsPanel): Promise<DiagnosticsPanel[]> {
    const cfg = panel.session.config;
    if (cfg.runs.length < 2) {
      void vscode.window.showInformationMessage('Side by side needs a comparison: add a second optimizer first.');
      return [];
    }
    const groupId = `g${++groupSeq}`;
    const base = panel.panel.viewColumn ?? vscode.ViewColumn.One;
    const created: DiagnosticsPanel[] = [];
    cfg.runs.forEach((run, k) => {
      const column = Math.min(vscode.ViewColumn.Nine, base + 1 + k) as vscode.ViewColumn;
      const p = DiagnosticsPanel.create(this.deps, { ...cfg, runs: [run] }, column, true);
      p.linkGroup = groupId;
      created.push(this.track(p));
    });
    return created;
  }

  private track(p: DiagnosticsPanel): DiagnosticsPanel {
    this.panels.set(p.id, p);
    p.onDidRender((summary) => this._onDidRender.fire({ panel: p, summary }));
    p.onDidDispose(() => {
      this.panels.delete(p.id);
      this.opts.log.forget(p.id);
      if (this.active === p) this.active = undefined;
      if (p.linkGroup) this.updateLinks(p);
      this._onDidChangePanels.fire();
    });
    this._onDidChangePanels.fire();
    return p;
  }

  /** Recomputes the shared axis ranges of p's side-by-side group and sends them to every member. */
  private updateLinks(p: DiagnosticsPanel): void {
    if (!p.linkGroup) return;
    const members = this.all().filter((m) => m.linkGroup === p.linkGroup);
    if (members.length < 2) {
      for (const m of members) {
        m.linkGroup = null;
        m.setLinks(null);
      }
      return;
    }
    const series = members.flatMap((m) => m.session.series);
    const minima = members[0]!.session.loss?.minima ?? [];
    const fmins = minima.map((m) => m.f).filter((f): f is number => typeof f === 'number');
    const links: AxisLinks = {
      groupId: p.linkGroup,
      steps: Math.max(1, ...members.map((m) => m.session.config.steps)),
      y: linkedRanges(series, fmins.length ? Math.min(...fmins) : 0),
    };
    for (const m of members) m.setLinks(links);
  }

  /** Settings changed: push them to every panel. */
  settingsChanged(): void {
    for (const p of this.panels.values()) {
      p.post({ type: 'config/didChange', settings: panelSettings(readSettings()), trusted: this.opts.trusted() });
      p.session.settingsChanged();
    }
  }

  /**
   * The interpreter of *.loss.py files changed (the setting; the run resolves it per file): panels on a
   * Python loss run again with it, so an error such as "torch is not installed (interpreter …)" is
   * answered by the interpreter the user just chose.
   */
  interpreterChanged(): void {
    for (const p of this.panels.values()) {
      const loss = p.session.config.loss;
      if (loss.kind === 'file' && /\.py$/i.test(loss.path)) void p.run(p.session.config);
    }
  }

  trustChanged(): void {
    for (const p of this.panels.values()) {
      p.post({ type: 'config/didChange', settings: panelSettings(readSettings()), trusted: this.opts.trusted() });
      if (p.session.error?.kind === 'untrusted' && this.opts.trusted()) void p.run(p.session.config);
    }
  }
}

function samePath(a: string, b: string): boolean {
  return vscode.Uri.file(a).fsPath === vscode.Uri.file(b).fsPath;
}

/** A cancellable notification that follows a long run's progress. */
function progressNotification(title: string, cancel: () => void): ProgressHandle {
  let report: ((done: number, total: number) => void) | undefined;
  let end!: () => void;
  const finished = new Promise<void>((resolve) => (end = resolve));
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Optimizer Diagnostics', cancellable: true },
    (progress, token) => {
      token.onCancellationRequested(cancel);
      let last = 0;
      report = (done, total) => {
        const pct = total > 0 ? (100 * done) / total : 0;
        progress.report({ increment: pct - last, message: `${title}: ${Math.round(pct)}%` });
        last = pct;
      };
      progress.report({ message: title });
      return finished;
    },
  );
  return { report: (d, t) => report?.(d, t), end: () => end() };
}
