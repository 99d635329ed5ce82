// Loss-file errors in the Problems view: one Diagnostic per LossError at its file:line:column,
// cleared when the same loss runs cleanly again.
import * as vscode from 'vscode';
import { formatLossError, type LossError, type LossRef } from '../protocol/simulation';
import { Disposable } from './util/dispose';

export class LossProblems extends Disposable {
  private readonly collection = this._register(vscode.languages.createDiagnosticCollection('optimizerDiagnostics'));
  /** Loss file → URIs that hold diagnostics for it (errors can point into an imported module). */
  private readonly owned = new Map<string, vscode.Uri[]>();

  set(ref: LossRef, error: LossError | null): void {
    if (ref.kind !== 'file') return;
    // Not about the file's code: leave what the Problems view says about it unchanged.
    if (error && (error.kind === 'untrusted' || error.kind === 'hyperparameter' || error.kind === 'run-file')) return;
    for (const uri of this.owned.get(ref.path) ?? []) this.collection.delete(uri);
    this.owned.delete(ref.path);
    if (!error) return;
    const uri = vscode.Uri.file(error.file ?? ref.path);
    const line = Math.max(0, (error.line ?? 1) - 1);
    const col = Math.max(0, (error.column ?? 1) - 1);
    const range = new vscode.Range(line, col, line, error.column !== undefined ? col + 1 : Number.MAX_SAFE_INTEGER);
    const d = new vscode.Diagnostic(range, error.step !== undefined ? `${error.message} (at step ${error.step})` : error.message, vscode.DiagnosticSeverity.Error);
    d.source = 'Optimizer Diagnostics';
    d.code = error.kind;
    this.collection.set(uri, [d]);
    this.owned.set(ref.path, [uri]);
  }

  get(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.collection.get(uri) ?? [];
  }

  /** `file:line:column: message` of every diagnostic (tests). */
  all(): string[] {
    const out: string[] = [];
    this.collection.forEach((uri, ds) => {
      for (const d of ds) out.push(formatLossError({ kind: 'internal', message: d.message, file: uri.fsPath, line: d.range.start.line + 1, column: d.range.start.character + 1 }));
    });
    return out;
  }
}
