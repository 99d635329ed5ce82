// Command handlers. Every command works from the palette (quick picks) and with arguments (tests,
// CodeLens, the webview): e.g.
//   executeCommand('optimizerDiagnostics.simulate', { loss: 'canyon', optimizer: 'adam', hyperparameters: { lr: 0.05 } })
//   executeCommand('optimizerDiagnostics.compare', { loss: { kind: 'file', path }, optimizers: ['sgd', 'adam'], sideBySide: true })
//   executeCommand('optimizerDiagnostics.exportRun', { format: 'csv', path: '/tmp/run.csv' })
// Each returns a small result object ({ panelId }, { files }, ...) or undefined when the user cancelled.
import { isBuiltinLossName } from '../loss/resolve';
import * as path from 'path';
import * as vscode from 'vscode';
import type { HyperValue, OptimizerName } from '../core/types';
import { isOptimizerName, LIMITS, parseRunSpec, type ExportFormat, type RunSpec, type SessionConfig, type ViewSection } from '../protocol/messages';
import { defaultHyperparameters, lossHintOf, suggestedSteps } from '../protocol/runDefaults';
import type { LossRef } from '../protocol/simulation';
import { COMMANDS } from './commandIds';
import { exportRun } from './export';
import { runFileTextFor } from './runFileText';
import { writeFileAtomic } from './util/atomicWrite';
import { createLossFile, pickLossFileKind, suggestedFileName } from './newLossFile';
import type { DiagnosticsPanel } from './panel/diagnosticsPanel';
import type { PanelManager } from './panel/panelManager';
import { untrustedError } from './panel/session';
import { pickLoss, pickOptimizer, pickOptimizers } from './pickers';
import { DEFAULTS, readSettings } from './settings';

/** Steps of a new run: the setting, or the loss's own suggestion while the setting is at its default. */
export function defaultSteps(loss: LossRef): number {
  const s = readSettings().steps;
  return s === DEFAULTS.steps ? suggestedSteps(lossHintOf(loss)) ?? s : s;
}

export interface CommandContext {
  readonly manager: PanelManager;
  readonly trusted: () => boolean;
  /** The output channel (errors of commands are logged there too). */
  readonly logError?: (message: string) => void;
}

type Hyper = Record<string, HyperValue>;

interface RunArgs {
  readonly loss?: unknown;
  readonly optimizer?: unknown;
  readonly optimizers?: unknown;
  readonly hyperparameters?: unknown;
  readonly steps?: unknown;
  readonly seed?: unknown;
  readonly batchSize?: unknown;
  readonly newPanel?: unknown;
  /** Open (or move) the panel beside the active editor (the CodeLens). */
  readonly beside?: unknown;
  readonly sideBySide?: unknown;
  readonly panelId?: unknown;
  readonly section?: unknown;
}

/** A loss argument: a LossRef, a built-in name, a path, or a vscode.Uri. */
export function parseLossArg(v: unknown): LossRef | undefined {
  if (v instanceof vscode.Uri) return { kind: 'file', path: v.fsPath };
  if (typeof v === 'string') {
    if (isBuiltinLossName(v)) return { kind: 'builtin', name: v };
    if (/\.loss\.(ts|mts|js|mjs)$/i.test(v) || v.includes('/') || v.includes('\\')) return { kind: 'file', path: path.resolve(workspaceRoot() ?? '', v) };
    return undefined;
  }
  if (typeof v === 'object' && v !== null) {
    const o = v as { kind?: unknown; name?: unknown; path?: unknown };
    if (o.kind === 'builtin' && typeof o.name === 'string' && isBuiltinLossName(o.name)) return { kind: 'builtin', name: o.name };
    if (o.kind === 'file' && typeof o.path === 'string' && o.path.length > 0) return { kind: 'file', path: o.path };
  }
  return undefined;
}

function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

function asArgs(arg: unknown): RunArgs {
  if (arg instanceof vscode.Uri) return { loss: arg };
  return typeof arg === 'object' && arg !== null ? (arg as RunArgs) : {};
}

function intArg(v: unknown, lo: number, hi: number): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? v : undefined;
}

/** Builds a run for `optimizer`: loss-tuned defaults overridden by `hyper` (validated as a RunSpec). */
function runSpec(id: string, optimizer: OptimizerName, loss: LossRef, steps: number, hyper: unknown): RunSpec {
  const h: Hyper = { ...defaultHyperparameters(optimizer, lossHintOf(loss), steps) };
  const given = parseRunSpec({ id, optimizer, hyperparameters: hyper ?? {} });
  if (hyper !== undefined && !given) throw new Error(`invalid hyperparameters for ${optimizer}: ${JSON.stringify(hyper)}`);
  if (given) Object.assign(h, given.hyperparameters);
  return { id, optimizer, hyperparameters: h };
}

function baseConfig(loss: LossRef, a: RunArgs, runs: RunSpec[], steps: number): SessionConfig {
  const seed = intArg(a.seed, 0, 2 ** 31 - 1) ?? 0;
  const batch = intArg(a.batchSize, 1, 1e9);
  return { loss, runs, steps, seed, ...(batch !== undefined ? { batchSize: batch } : {}) };
}

async function manageTrust(message: string): Promise<void> {
  const pick = await vscode.window.showWarningMessage(message, 'Manage Workspace Trust');
  if (pick) await vscode.commands.executeCommand('workbench.trust.manage');
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const { manager } = ctx;

  /** Opens the loss in a panel; warns instead of running workspace code in Restricted Mode (palette flow). */
  const guardTrust = (loss: LossRef, interactive: boolean): boolean => {
    if (loss.kind !== 'file' || ctx.trusted()) return true;
    if (interactive) void manageTrust(untrustedError(loss.path).message);
    return !interactive; // with arguments the panel opens and shows the same message as its error
  };

  const simulate = async (arg?: unknown): Promise<{ panelId: string } | undefined> => {
    const a = asArgs(arg);
    const interactive = a.loss === undefined;
    const loss = a.loss !== undefined ? parseLossArg(a.loss) : await pickLoss(ctx.trusted());
    if (!loss) {
      if (a.loss !== undefined) void vscode.window.showErrorMessage(`Optimizer Diagnostics: unknown loss ${JSON.stringify(a.loss)}`);
      return undefined;
    }
    if (!guardTrust(loss, interactive)) return undefined;
    const settings = readSettings();
    let optimizer: OptimizerName | undefined;
    let thenSgd = false;
    if (isOptimizerName(a.optimizer)) optimizer = a.optimizer;
    else if (a.optimizer !== undefined) throw new Error(`unknown optimizer ${JSON.stringify(a.optimizer)}`);
    else if (interactive) {
      const pick = await pickOptimizer(settings.defaultOptimizer);
      optimizer = pick?.optimizer;
      thenSgd = pick?.thenSgd === true;
    } else optimizer = settings.defaultOptimizer;
    if (!optimizer) return undefined;
    const steps = intArg(a.steps, 1, LIMITS.maxSteps) ?? defaultSteps(loss);
    let run = runSpec('r1', optimizer, loss, steps, a.hyperparameters);
    if (thenSgd && steps >= 2) {
      const sgd = { ...defaultHyperparameters('sgd', lossHintOf(loss), steps), momentum: 0.9 };
      run = { ...run, then: [{ optimizer: 'sgd', hyperparameters: sgd, fromStep: Math.max(1, Math.round(steps / 2)) }] };
    }
    const config = baseConfig(loss, a, [run], steps);
    const panel = manager.open(config, { newPanel: a.newPanel === true, ...(a.beside === true ? { column: vscode.ViewColumn.Beside } : {}) });
    return { panelId: panel.id };
  };

  const compare = async (arg?: unknown): Promise<{ panelId: string; sideBySide?: string[] } | undefined> => {
    const a = asArgs(arg);
    const interactive = a.loss === undefined;
    const loss = a.loss !== undefined ? parseLossArg(a.loss) : await pickLoss(ctx.trusted());
    if (!loss) return undefined;
    if (!guardTrust(loss, interactive)) return undefined;
    let picks: { name: OptimizerName; hyperparameters?: Readonly<Record<string, HyperValue>> }[] | undefined;
    if (Array.isArray(a.optimizers)) {
      const bad = a.optimizers.filter((o) => !isOptimizerName(o));
      if (bad.length) throw new Error(`unknown optimizer(s) ${JSON.stringify(bad)}`);
      picks = (a.optimizers as OptimizerName[]).map((name) => ({ name }));
    } else picks = await pickOptimizers();
    if (!picks || picks.length === 0) return undefined;
    picks = picks.slice(0, LIMITS.maxRuns);
    const steps = intArg(a.steps, 1, LIMITS.maxSteps) ?? defaultSteps(loss);
    const perOpt = (typeof a.hyperparameters === 'object' && a.hyperparameters !== null ? a.hyperparameters : {}) as Record<string, unknown>;
    const runs = picks.map((p, i) => runSpec(`r${i + 1}`, p.name, loss, steps, perOpt[p.name] ?? p.hyperparameters));
    const panel = manager.open(baseConfig(loss, a, runs, steps), { newPanel: a.newPanel === true, ...(a.beside === true ? { column: vscode.ViewColumn.Beside } : {}) });
    if (a.sideBySide === true && runs.length > 1) {
      const created = await manager.openSideBySide(panel);
      return { panelId: panel.id, sideBySide: created.map((p) => p.id) };
    }
    return { panelId: panel.id };
  };

  const panelFor = (a: RunArgs): DiagnosticsPanel | undefined =>
    (typeof a.panelId === 'string' ? manager.get(a.panelId) : undefined) ?? manager.current();

  const inspectStepSizes = async (arg?: unknown): Promise<{ panelId: string } | undefined> => {
    const a = asArgs(arg);
    let panel = a.loss === undefined ? panelFor(a) : undefined;
    if (!panel) {
      const r = await simulate(a.loss !== undefined ? a : undefined);
      if (!r) return undefined;
      panel = manager.get(r.panelId);
      if (!panel) return undefined;
    }
    const section: ViewSection = typeof a.section === 'string' && ['effectiveLr', 'convergence', 'landscape', 'moments', 'stepSize'].includes(a.section)
      ? (a.section as ViewSection) : 'effectiveLr';
    panel.reveal(section, panel.panel.viewColumn);
    return { panelId: panel.id };
  };

  const sideBySide = async (arg?: unknown): Promise<{ panelIds: string[] } | undefined> => {
    const panel = panelFor(asArgs(arg));
    if (!panel || panel.session.config.runs.length < 2) {
      void vscode.window.showInformationMessage('Optimizer Diagnostics: open a comparison first (Compare Optimizers), then show it side by side.');
      return undefined;
    }
    const created = await manager.openSideBySide(panel);
    return { panelIds: created.map((p) => p.id) };
  };

  const doExport = async (arg?: unknown): Promise<{ files: string[] } | undefined> => {
    const a = asArgs(arg) as RunArgs & { format?: unknown; path?: unknown };
    const panel = panelFor(a);
    if (!panel || panel.session.runs.length === 0) {
      void vscode.window.showInformationMessage('Optimizer Diagnostics: nothing to export yet — run Simulate Optimizer or Compare Optimizers first.');
      return undefined;
    }
    let format: ExportFormat | undefined = a.format === 'csv' || a.format === 'json' || a.format === 'png' || a.format === 'torch' ? a.format : undefined;
    if (!format) {
      const pick = await vscode.window.showQuickPick(
        [
          { label: 'CSV', description: 'one row per step; PyTorch state names as columns', format: 'csv' as const },
          { label: 'JSON', description: 'every series, as the CLI\'s --json', format: 'json' as const },
          { label: 'PNG', description: 'an image of each chart', format: 'png' as const },
          { label: 'PyTorch script', description: 're-runs the run in torch.optim and checks it against this trajectory', format: 'torch' as const },
        ],
        { title: 'Optimizer Diagnostics: export format' },
      );
      format = pick?.format;
    }
    if (!format) return undefined;
    const target = typeof a.path === 'string' ? vscode.Uri.file(a.path) : undefined;
    const files = await exportRun(panel, format, target ? { target } : {});
    if (files.length && !target) {
      const open = files.length === 1 && format !== 'png' ? 'Open' : undefined;
      void vscode.window.showInformationMessage(`Exported ${files.map((f) => path.basename(f.fsPath)).join(', ')}`, ...(open ? [open] : [])).then((p) => {
        if (p) void vscode.window.showTextDocument(files[0]!);
      });
    }
    return { files: files.map((f) => f.fsPath) };
  };

  /** Save Run Configuration: the panel's configuration as a *.optdiag.json run file (README "Run files"). */
  const saveRunConfiguration = async (arg?: unknown): Promise<{ path: string } | undefined> => {
    const a = asArgs(arg) as RunArgs & { path?: unknown };
    const panel = panelFor(a);
    if (!panel) {
      void vscode.window.showInformationMessage('Optimizer Diagnostics: open a panel first (Simulate Optimizer or Compare Optimizers), then save its run configuration.');
      return undefined;
    }
    let target: vscode.Uri | undefined = typeof a.path === 'string' ? vscode.Uri.file(a.path) : undefined;
    if (!target) {
      const config = panel.session.config;
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const stem = `${(config.loss.kind === 'builtin' ? config.loss.name : path.basename(config.loss.path).replace(/\.loss\.\w+$/, '')).replace(/[^\w.-]+/g, '_')}-${config.runs.map((r) => r.optimizer).join('-')}`;
      // A run file's editor offers its own file (the view is written into the document, which is then saved).
      const defaultUri = panel.document?.uri ?? (folder ? vscode.Uri.joinPath(folder, `${stem}.optdiag.json`) : undefined);
      target = await vscode.window.showSaveDialog({
        title: 'Save Run Configuration',
        filters: { 'Run file': ['optdiag.json'] },
        ...(defaultUri ? { defaultUri } : {}),
      });
      if (!target) return undefined;
    }
    if (panel.document && target.toString() === panel.document.uri.toString()) {
      await panel.document.saveWithView(panel.view);
      return { path: target.fsPath };
    }
    const text = runFileTextFor(panel.session.config, target.fsPath, panel.view, panel.document?.extras() ?? {});
    if (target.scheme === 'file') await writeFileAtomic(target.fsPath, [text]);
    else await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    if (typeof a.path !== 'string') {
      void vscode.window.showInformationMessage(`Saved ${path.basename(target.fsPath)}`, 'Open').then((p) => {
        if (p) void vscode.window.showTextDocument(target!);
      });
    }
    return { path: target.fsPath };
  };

  const newLossFile = async (arg?: unknown): Promise<{ path: string } | undefined> => {
    const a = (typeof arg === 'object' && arg !== null ? arg : {}) as { kind?: unknown; path?: unknown; open?: unknown };
    const kind = typeof a.kind === 'string' ? a.kind : await pickLossFileKind();
    if (!kind) return undefined;
    let target: vscode.Uri | undefined = typeof a.path === 'string' ? vscode.Uri.file(a.path) : undefined;
    if (!target) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      target = await vscode.window.showSaveDialog({
        title: 'New loss file',
        filters: { 'Loss file': ['ts'] },
        ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, suggestedFileName(kind)) } : {}),
      });
      if (!target) return undefined;
    }
    const uri = await createLossFile(kind, target);
    if (a.open !== false) await vscode.window.showTextDocument(uri);
    return { path: uri.fsPath };
  };

  const wrap = <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R | undefined> => {
    try {
      return await fn(...args);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      ctx.logError?.(`${name} failed: ${msg}`);
      void vscode.window.showErrorMessage(`Optimizer Diagnostics (${name}): ${msg}`);
      return undefined;
    }
  };

  return [
    vscode.commands.registerCommand(COMMANDS.simulate, wrap('Simulate', simulate)),
    vscode.commands.registerCommand(COMMANDS.compare, wrap('Compare', compare)),
    vscode.commands.registerCommand(COMMANDS.inspectStepSizes, wrap('Inspect', inspectStepSizes)),
    vscode.commands.registerCommand(COMMANDS.sideBySide, wrap('Side by side', sideBySide)),
    vscode.commands.registerCommand(COMMANDS.exportRun, wrap('Export', doExport)),
    vscode.commands.registerCommand(COMMANDS.saveRunConfiguration, wrap('Save Run Configuration', saveRunConfiguration)),
    vscode.commands.registerCommand(COMMANDS.newLossFile, wrap('New Loss File', newLossFile)),
  ];
}
