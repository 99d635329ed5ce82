// The run-file editor: opening a `*.optdiag.json` shows the diagnostics panel in that editor
// (a CustomTextEditorProvider, README "Run files"). The TextDocument is the model: its text is parsed
// (src/protocol/runFile.ts) and run in the same DiagnosticsPanel/Session as any panel (hosted in the
// editor's WebviewPanel by PanelManager.hostDocument); what the panel's toolbar asks to run is written back
// to the document as a WorkspaceEdit, so Undo/Redo, the dirty state and Save are VS Code's own, and the
// document's change runs it. A text editor beside it (Open Run File as JSON) edits the same document.
//
// A document that does not parse or validate shows the parser's located one-line message: before the
// first good parse as a page of its own, afterwards as the panel's error banner over the last good runs.
// Restricted Mode is the panel's: a built-in loss runs, a loss file shows the trust message.
import * as vscode from 'vscode';
import type { SessionConfig, ViewSection } from '../../protocol/messages';
import { RunFileError, type RunFile } from '../../protocol/runFile';
import type { LossError } from '../../protocol/simulation';
import { COMMANDS } from '../commandIds';
import { runFileFromText, runFileTextFor, textChange } from '../runFileText';
import { Disposable } from '../util/dispose';
import type { DiagnosticsPanel } from './diagnosticsPanel';
import { csp, nonce } from './html';
import type { PanelManager } from './panelManager';

export const RUN_FILE_EDITOR = 'optimizerDiagnostics.runFile';
export const OPEN_AS_JSON = COMMANDS.openRunFileAsJson;

/** Typing in the text editor beside: re-parse and re-run after this pause. */
const TYPING_DEBOUNCE_MS = 250;

/** JSON with object keys sorted: equal configurations compare equal whatever order their fields were built in. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x);
}

/** What the panel does not apply yet of a run file (the CLI does): said in the panel, never dropped silently. */
function unsupportedNotice(file: RunFile): string | null {
  if (!file.start) return null;
  return `This run file sets "start" (${file.start.length} values), which the panel does not apply yet: the runs here start at the loss's own start point (optimizer-diagnostics run applies it).`;
}

type Parsed = { readonly file: RunFile } | { readonly error: LossError };

export class RunFileEditorProvider implements vscode.CustomTextEditorProvider {
  private readonly editors = new Set<RunFileEditor>();

  static register(manager: PanelManager, extensionUri: vscode.Uri, log: (message: string) => void): vscode.Disposable[] {
    const provider = new RunFileEditorProvider(manager, extensionUri, log);
    return [
      vscode.window.registerCustomEditorProvider(RUN_FILE_EDITOR, provider, { supportsMultipleEditorsPerDocument: true }),
      vscode.commands.registerCommand(OPEN_AS_JSON, (arg?: unknown) => provider.openAsJson(arg)),
    ];
  }

  private constructor(private readonly manager: PanelManager, private readonly extensionUri: vscode.Uri, private readonly log: (message: string) => void) {}

  resolveCustomTextEditor(document: vscode.TextDocument, webviewPanel: vscode.WebviewPanel): void {
    const editor = new RunFileEditor(document, webviewPanel, this.manager, this.extensionUri, this.log);
    this.editors.add(editor);
    editor.onDispose(() => this.editors.delete(editor));
  }

  /** The run file (an argument, else the active run-file editor's) in VS Code's text editor, beside. */
  private async openAsJson(arg?: unknown): Promise<void> {
    const uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.parse(arg) : [...this.editors].find((e) => e.active)?.uri ?? [...this.editors].pop()?.uri;
    if (!uri) {
      void vscode.window.showInformationMessage('Optimizer Diagnostics: open a *.optdiag.json run file first.');
      return;
    }
    await vscode.commands.executeCommand('vscode.openWith', uri, 'default', vscode.ViewColumn.Beside);
  }
}

class RunFileEditor extends Disposable {
  private panel: DiagnosticsPanel | null = null;
  /** The document's last good parse (null while it does not parse). */
  private file: RunFile | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** What the panel last wrote: when the document becomes that text, run exactly the config the webview posted. */
  private expected: { text: string; config: SessionConfig } | null = null;
  private readonly disposeListeners: (() => void)[] = [];

  constructor(
    private readonly document: vscode.TextDocument,
    private readonly webviewPanel: vscode.WebviewPanel,
    private readonly manager: PanelManager,
    private readonly extensionUri: vscode.Uri,
    private readonly log: (message: string) => void,
  ) {
    super();
    this._register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document !== this.document || e.contentChanges.length === 0) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      if (this.expected && this.document.getText() === this.expected.text) this.apply();
      else this.timer = setTimeout(() => this.apply(), TYPING_DEBOUNCE_MS);
    }));
    this._register(webviewPanel.onDidDispose(() => this.dispose()));
    this.apply();
  }

  get uri(): vscode.Uri {
    return this.document.uri;
  }
  get active(): boolean {
    return !this.isDisposed && this.webviewPanel.active;
  }

  onDispose(f: () => void): void {
    this.disposeListeners.push(f);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    if (this.timer) clearTimeout(this.timer);
    super.dispose();
    for (const f of this.disposeListeners) f();
  }

  private parse(): Parsed {
    const uri = this.document.uri;
    const where = uri.scheme === 'file' ? uri.fsPath : uri.path;
    try {
      const file = runFileFromText(this.document.getText(), where);
      if (file.config.loss.kind === 'file' && uri.scheme !== 'file') {
        return { error: { kind: 'run-file', message: 'loss.file: a loss file is found relative to the run file: save the run file in the workspace first', file: where } };
      }
      return { file };
    } catch (e) {
      if (!(e instanceof RunFileError)) throw e;
      return { error: { kind: 'run-file', message: e.message, file: where } };
    }
  }

  /** The document's text → the panel: an error, or a (re-)run when the configuration changed, and the view. */
  private apply(): void {
    this.timer = undefined;
    if (this.isDisposed) return;
    const expected = this.expected;
    this.expected = null;
    const parsed = this.parse();
    if ('error' in parsed) {
      this.file = null;
      if (this.panel) this.panel.session.showError(parsed.error);
      else this.showErrorPage(parsed.error);
      return;
    }
    const file = parsed.file;
    const before = this.file;
    this.file = file;
    // The config the webview posted when the document is exactly what the panel wrote (same object: the
    // webview's "in flight" state matches it), else the document's.
    const config = expected && canonical(expected.config) === canonical(file.config) ? expected.config : file.config;
    if (!this.panel) {
      this.panel = this.manager.hostDocument(this.webviewPanel, config, {
        uri: this.document.uri,
        write: (c) => this.write(c),
        saveWithView: (v) => this.saveWithView(v),
        extras: () => this.extras(),
      });
      this.panel.session.notice = unsupportedNotice(file);
      if (file.view) this.panel.showView(file.view);
      this.log(`run file ${vscode.workspace.asRelativePath(this.document.uri)}: ${file.config.runs.length} run(s) × ${file.config.steps} steps`);
      return;
    }
    const session = this.panel.session;
    if (session.error?.kind === 'run-file' || canonical(config) !== canonical(session.config)) {
      session.notice = unsupportedNotice(file);
      void this.panel.run(config);
    }
    if (file.view && canonical(file.view) !== canonical(before?.view ?? null)) this.panel.showView(file.view);
  }

  private extras(): { start?: readonly number[]; gradientNoise?: number } {
    const f = this.file;
    return { ...(f?.start ? { start: f.start } : {}), ...(f?.gradientNoise !== undefined ? { gradientNoise: f.gradientNoise } : {}) };
  }

  /** The run file's text for `config` with `view`, keeping the document's start point, noise and $schema. */
  private textFor(config: SessionConfig, view: RunFile['view']): string {
    const text = runFileTextFor(config, this.document.uri.fsPath, view, this.extras());
    const schema = /^\s*\{\s*"\$schema"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(this.document.getText())?.[1];
    return schema ? text.replace(/^\{\n/, `{\n  "$schema": ${schema},\n`) : text;
  }

  private async replaceText(text: string): Promise<boolean> {
    const change = textChange(this.document.getText(), text);
    if (!change) return true;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(this.document.uri, new vscode.Range(this.document.positionAt(change.start), this.document.positionAt(change.end)), change.text);
    return vscode.workspace.applyEdit(edit);
  }

  private async saveWithView(view: { step?: number; section?: ViewSection }): Promise<void> {
    const panel = this.panel;
    if (!panel || !this.file) throw new Error(`${vscode.workspace.asRelativePath(this.document.uri)} has an error: fix it before saving the run configuration into it`);
    const v = { ...(view.step !== undefined ? { step: view.step } : {}), ...(view.section ? { section: view.section } : {}) };
    const text = this.textFor(panel.session.config, Object.keys(v).length ? v : undefined);
    this.expected = { text, config: panel.session.config };
    if (!(await this.replaceText(text))) throw new Error('VS Code refused to edit the run file (is it read-only?)');
    if (!(await this.document.save())) throw new Error(`could not save ${vscode.workspace.asRelativePath(this.document.uri)}`);
  }

  /** The panel asks to run `config`: written into the document (one undoable edit); its change runs it. */
  private write(config: SessionConfig): void {
    const panel = this.panel;
    if (!panel || this.isDisposed) return;
    if (!this.file) {
      panel.post({
        type: 'run/didReject',
        message: 'Not run: the run file has an error (see the banner). Fix it in the JSON (Open Run File as JSON) or undo; the panel does not overwrite it.',
        problems: [],
      });
      return;
    }
    const text = this.textFor(config, this.file.view);
    if (text === this.document.getText()) {
      void panel.run(config); // nothing to write (Run pressed on what the file says): run it again
      return;
    }
    this.expected = { text, config };
    this.replaceText(text).then(
      (ok) => {
        if (!ok) panel.post({ type: 'run/didReject', message: 'Not run: VS Code refused to edit the run file (is it read-only?)', problems: [] });
      },
      (e: unknown) => this.log(`run file edit failed: ${String(e)}`),
    );
  }

  /** Before the first good parse: a page with the parser's message (no script; a link opens the JSON). */
  private showErrorPage(error: LossError): void {
    const webview = this.webviewPanel.webview;
    webview.options = {
      enableScripts: false,
      enableCommandUris: [OPEN_AS_JSON],
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
    const n = nonce();
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'main.css'));
    const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const name = this.document.uri.path.split('/').pop() ?? 'run file';
    const open = `command:${OPEN_AS_JSON}?${encodeURIComponent(JSON.stringify([this.document.uri.toString()]))}`;
    webview.html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp(webview.cspSource, n)}">
<link rel="stylesheet" href="${style}" nonce="${n}">
<title>${esc(name)}</title>
</head>
<body>
<main class="run-file-error" id="run-file-error">
<div class="banner banner-error" role="alert"><strong>This run file cannot be shown</strong> <span class="banner-text">${esc(name)}: ${esc(error.message)}</span></div>
<p><a href="${esc(open)}">Open Run File as JSON</a> to fix it: the panel appears as soon as the file is valid. README "Run files" describes the format.</p>
</main>
</body>
</html>`;
  }
}
