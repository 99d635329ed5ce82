// Extension entry point (placeholder until the panel lands): registers the contributed commands.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('optimizerDiagnostics.simulate', () => {
      void vscode.window.showInformationMessage('Optimizer Diagnostics: the panel is not built yet.');
    }),
  );
}

export function deactivate(): void {}
