// "Simulate · Compare" above a loss file's `export default` (a *.loss.py: above `def loss`) (hidden with
// optimizerDiagnostics.codeLens.enabled = false).
import * as vscode from 'vscode';
import type { LossRef } from '../protocol/simulation';
import { COMMANDS } from './commandIds';
import { readSettings, SECTION } from './settings';
import { Disposable } from './util/dispose';

export const LOSS_FILE_GLOB = '**/*.loss.{ts,mts,js,mjs,py}';
export const LOSS_FILE_RE = /\.loss\.(ts|mts|js|mjs|py)$/i;

export function isLossFile(uri: vscode.Uri): boolean {
  return LOSS_FILE_RE.test(uri.path);
}

/** 0-based line of the first `export default` (or `export { x as default }`), else 0; in a *.loss.py, of `def loss`. */
export function exportDefaultLine(text: string, python = false): number {
  const lines = text.split(/\r?\n/);
  if (python) {
    const d = lines.findIndex((l) => /^(async\s+)?def\s+loss\s*\(/.test(l));
    return d >= 0 ? d : 0;
  }
  const i = lines.findIndex((l) => /^\s*export\s+default\b/.test(l) || /^\s*export\s*\{[^}]*\bas\s+default\b/.test(l));
  return i >= 0 ? i : 0;
}

export class LossCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this._onDidChange.event;

  constructor() {
    super();
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.codeLens.enabled`)) this._onDidChange.fire();
      }),
    );
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!readSettings().codeLensEnabled || !isLossFile(doc.uri) || doc.uri.scheme !== 'file') return [];
    const line = exportDefaultLine(doc.getText(), doc.uri.path.endsWith('.loss.py'));
    const range = new vscode.Range(line, 0, line, 0);
    const loss: LossRef = { kind: 'file', path: doc.uri.fsPath };
    return [
      new vscode.CodeLens(range, { title: '$(graph-line) Simulate', tooltip: 'Run the default optimizer on this loss and show the diagnostics panel', command: COMMANDS.simulate, arguments: [{ loss, beside: true }] }),
      new vscode.CodeLens(range, { title: 'Compare', tooltip: 'Compare several optimizers on this loss', command: COMMANDS.compare, arguments: [{ loss, beside: true }] }),
    ];
  }
}

export function registerCodeLens(): vscode.Disposable[] {
  const provider = new LossCodeLensProvider();
  const selector: vscode.DocumentSelector = [
    { scheme: 'file', pattern: LOSS_FILE_GLOB },
  ];
  return [provider, vscode.languages.registerCodeLensProvider(selector, provider)];
}
