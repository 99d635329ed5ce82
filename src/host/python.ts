// The interpreter of *.loss.py files (the order is src/host/pythonChoice.ts's): the Python extension's
// active environment (ms-python.python's public API) when that extension is installed; else the setting
// optimizerDiagnostics.python.interpreterPath; else `python3` on PATH.
import * as vscode from 'vscode';
import { chooseInterpreter, type Interpreter, type PythonExtensionLike } from './pythonChoice';
import { SECTION } from './settings';

export type { Interpreter } from './pythonChoice';

export async function pythonInterpreter(resource?: vscode.Uri): Promise<Interpreter> {
  const ext = vscode.extensions.getExtension('ms-python.python') as PythonExtensionLike<vscode.Uri> | undefined;
  return chooseInterpreter({ pythonExtension: ext, setting: vscode.workspace.getConfiguration(SECTION, resource).get<string>('python.interpreterPath') }, resource);
}
