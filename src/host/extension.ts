// Extension entry point: wires the panel manager, commands, CodeLens, Problems and the simulation
// runner into context.subscriptions. Activation is cheap: nothing runs until a command, a restored
// panel or a loss file asks for it (the worker starts on the first run).
import * as vscode from 'vscode';
import { pythonInterpreter } from './python';
import type { RenderSummary, SessionConfig, RunStatus } from '../protocol/messages';
import type { LossError, LossInfo, RecordingColumns } from '../protocol/simulation';
import { registerCodeLens } from './codeLens';
import { registerCommands } from './commands';
import { exportRun } from './export';
import { ExtensionLog, type LogEntry } from './log';
import { PanelManager } from './panel/panelManager';
import { RunFileEditorProvider } from './panel/runFileEditor';
import { LossProblems } from './problems';
import { RunnerHost } from './run/runnerHost';
import { PoolHost } from './run/poolHost';
import type { CellSummary } from '../core/sweep';
import type { MapRenderSummary } from '../protocol/sweepMessages';
import { readSettings, SECTION } from './settings';

export interface PanelTestInfo {
  readonly id: string;
  readonly title: string;
  readonly visible: boolean;
  readonly ready: boolean;
  readonly viewColumn: number | undefined;
  readonly linkGroup: string | null;
  readonly config: SessionConfig;
  readonly status: RunStatus;
  readonly error: LossError | null;
  readonly loss: LossInfo | null;
  /** Run ids with a recording. */
  readonly runs: string[];
  readonly renderCount: number;
  /** Final loss of each recording (config order), bit for bit. */
  readonly finalLosses: number[];
  /** The stability map's state (src/host/panel/sweepSession.ts), or null before the first map. */
  readonly map: MapTestInfo | null;
  /** A run file's editor: the document's URI (else null). */
  readonly document: string | null;
  /** The selected step and section as the host knows them (what Save Run Configuration writes). */
  readonly view: { step?: number; section?: string };
}

export interface MapTestInfo {
  readonly mapId: string;
  readonly runId: string;
  readonly phase: string;
  readonly message: string;
  readonly done: number;
  readonly total: number;
  readonly batches: number;
  readonly kernel: string;
  readonly values: number[][];
  readonly summaries: (CellSummary | null)[];
  readonly lastRender: MapRenderSummary | null;
}

/** Test-only API (returned from activate): lets integration tests observe panels and webview renders. */
export interface TestingApi {
  readonly activationMs: number;
  panels(): PanelTestInfo[];
  lastRender(panelId?: string): RenderSummary | undefined;
  /** Resolves with the first render of panelId (any panel when omitted) after now that satisfies `accept`. */
  waitForRender(panelId: string | undefined, accept?: (s: RenderSummary) => boolean, timeoutMs?: number): Promise<RenderSummary>;
  /** The full-resolution recordings of panelId's runs (config order). */
  recordings(panelId: string): RecordingColumns[];
  /** Diagnostics this extension put in the Problems view, `file:line:column: message`. */
  problems(): string[];
  /** Delivers `message` to panelId as if its webview had posted it (validated like any webview message); false if rejected. */
  receive(panelId: string, message: unknown): boolean;
  /** What the extension wrote to its "Optimizer Diagnostics" output channel (the last 500 lines, newest last). */
  log(): readonly LogEntry[];
  /** The file VS Code writes that output channel to (a LogOutputChannel's log file). */
  readonly logFile: string;
  /** Overrides workspace trust for the panel (undefined: back to vscode.workspace.isTrusted). */
  setTrustedForTesting(trusted: boolean | undefined): void;
  closeAll(): void;
}

export interface ExtensionApi {
  readonly testing: TestingApi;
}

/** The output channel's name (also its log file's name, `<context.logUri>/<name>.log`). */
export const OUTPUT_CHANNEL = 'Optimizer Diagnostics';

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const t0 = performance.now();
  let trustOverride: boolean | undefined;
  const trusted = (): boolean => trustOverride ?? vscode.workspace.isTrusted;
  const settings = readSettings();
  const output = vscode.window.createOutputChannel(OUTPUT_CHANNEL, { log: true });
  const log = new ExtensionLog(output, (p) => vscode.workspace.asRelativePath(p));
  log.info(`${context.extension.id} ${String((context.extension.packageJSON as { version?: unknown }).version)} activated (VS Code ${vscode.version}, workspace ${trusted() ? 'trusted' : 'in Restricted Mode'})`);
  const runners = new RunnerHost({
    workerPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath,
    timeoutMs: settings.workerTimeoutMs,
    memoryLimitMb: settings.memoryLimitMb,
    trusted: trusted(),
    log: (line) => log.info(line),
    onRestart: (reason) => log.restart(reason),
    pythonFor: async (file) => (await pythonInterpreter(vscode.Uri.file(file))).path,
  });
  const problems = new LossProblems();
  const pool = new PoolHost({
    workerPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath,
    settings: () => {
      const s = readSettings();
      return { workers: s.workers, timeoutMs: s.workerTimeoutMs, memoryLimitMb: s.memoryLimitMb, trusted: trusted() };
    },
    log: (line) => log.info(line),
  });
  const manager = new PanelManager({
    extensionUri: context.extensionUri,
    runners,
    pool,
    problems,
    log,
    trusted,
    exportRun: (panel, format) => {
      exportRun(panel, format).then(
        (files) => {
          if (files.length) {
            log.info(`exported ${files.join(', ')}`);
            void vscode.window.showInformationMessage(`Exported ${files.map((f) => vscode.workspace.asRelativePath(f)).join(', ')}`);
          }
        },
        (e: unknown) => {
          const msg = e instanceof Error ? e.message : String(e);
          log.error(`export failed: ${msg}`);
          void vscode.window.showErrorMessage(`Optimizer Diagnostics (Export): ${msg}`);
        },
      );
    },
  });
  const trustChanged = (): void => {
    log.info(`workspace trust: ${trusted() ? 'trusted' : 'Restricted Mode'}`);
    runners.setTrusted(trusted());
    manager.trustChanged();
  };
  context.subscriptions.push(
    output,
    runners,
    pool,
    problems,
    manager,
    ...registerCommands({ manager, trusted, logError: (m) => log.error(m) }),
    ...registerCodeLens(),
    ...RunFileEditorProvider.register(manager, context.extensionUri, (m) => log.info(m)),
    vscode.workspace.onDidGrantWorkspaceTrust(trustChanged),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      runners.setTimeoutMs(readSettings().workerTimeoutMs);
      runners.setMemoryLimitMb(readSettings().memoryLimitMb);
      if (e.affectsConfiguration(`${SECTION}.chart.decimationThreshold`) || e.affectsConfiguration(`${SECTION}.liveUpdate`)) manager.settingsChanged();
      if (e.affectsConfiguration(`${SECTION}.python.interpreterPath`)) {
        log.info('python.interpreterPath changed: panels on a *.loss.py run again');
        manager.interpreterChanged();
      }
    }),
  );
  const activationMs = performance.now() - t0;

  const testing: TestingApi = {
    activationMs,
    panels: () =>
      manager.all().map((p) => ({
        id: p.id,
        title: p.panel.title,
        visible: p.visible,
        ready: p.isReady,
        viewColumn: p.panel.viewColumn,
        linkGroup: p.linkGroup,
        config: p.session.config,
        status: p.session.status,
        error: p.session.error,
        loss: p.session.loss,
        runs: p.session.runs.map((r) => r.runId),
        renderCount: p.renderCount,
        finalLosses: p.session.runs.map((r) => r.loss[Math.min(r.stepsCompleted, r.loss.length - 1)]!),
        map: ((s) => (s ? { mapId: s.mapId, runId: s.runId, phase: s.phase, message: s.message, done: s.done, total: s.hyperparameters.length, batches: s.batches, kernel: s.kernel, values: s.values.map((v) => [...v]), summaries: s.summaries, lastRender: s.lastRender } : null))(p.map?.state),
        document: p.document?.uri.toString() ?? null,
        view: p.view,
      })),
    recordings: (panelId) => manager.get(panelId)?.session.runs ?? [],
    lastRender: (panelId) => (panelId ? manager.get(panelId) : manager.current())?.lastRender,
    waitForRender: (panelId, accept = () => true, timeoutMs = 30_000) =>
      new Promise<RenderSummary>((resolve, reject) => {
        const sub = manager.onDidRender(({ panel, summary }) => {
          if (panelId && panel.id !== panelId) return;
          if (!accept(summary)) return;
          clearTimeout(timer);
          sub.dispose();
          resolve(summary);
        });
        const timer = setTimeout(() => {
          sub.dispose();
          const last = panelId ? manager.get(panelId)?.lastRender : undefined;
          reject(new Error(`no matching render of panel ${panelId ?? '(any)'} within ${timeoutMs} ms; last: ${JSON.stringify(last)?.slice(0, 600)}`));
        }, timeoutMs);
      }),
    problems: () => problems.all(),
    log: () => log.lines(),
    logFile: vscode.Uri.joinPath(context.logUri, `${OUTPUT_CHANNEL}.log`).fsPath,
    receive: (panelId, message) => {
      const p = manager.get(panelId);
      if (!p) throw new Error(`no panel ${panelId}`);
      return p.receiveForTesting(message);
    },
    setTrustedForTesting: (v) => {
      trustOverride = v;
      trustChanged();
    },
    closeAll: () => {
      for (const p of manager.all()) p.dispose();
    },
  };
  return { testing };
}

export function deactivate(): void {}
