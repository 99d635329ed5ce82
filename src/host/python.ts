// The interpreter of *.loss.py files, in this order: the Python extension's active environment (its
// public API: exports.environments.getActiveEnvironmentPath + resolveEnvironment) when ms-python.python
// is installed; else the setting optimizerDiagnostics.python.interpreterPath; else `python3` on PATH.
import * as vscode from 'vscode';
import { SECTION } from './settings';

export interface Interpreter {
  readonly path: string;
  readonly source: 'python extension' | 'setting' | 'PATH';
}

interface PythonEnvironmentsApi {
  getActiveEnvironmentPath(resource?: vscode.Uri): { readonly path: string } | undefined;
  resolveEnvironment(env: { readonly path: string } | string): Promise<{ readonly executable?: { readonly uri?: vscode.Uri } } | undefined>;
}

/** The Python extension's active environment for `resource`, or undefined (not installed, no environment). */
async function fromPythonExtension(resource: vscode.Uri | undefined): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<{ ready?: Promise<void>; environments?: PythonEnvironmentsApi }>('ms-python.python');
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    await api?.ready;
    const envs = api?.environments;
    if (!envs) return undefined;
    const active = envs.getActiveEnvironmentPath(resource);
    if (!active) return undefined;
    const resolved = await envs.resolveEnvironment(active);
    return resolved?.executable?.uri?.fsPath ?? undefined;
  } catch {
    return undefined; // an extension that fails to answer does not stop the run: the setting or PATH
  }
}

export async function pythonInterpreter(resource?: vscode.Uri): Promise<Interpreter> {
  const fromExt = await fromPythonExtension(resource);
  if (fromExt) return { path: fromExt, source: 'python extension' };
  const setting = vscode.workspace.getConfiguration(SECTION, resource).get<string>('python.interpreterPath');
  if (setting && setting.trim()) return { path: setting.trim(), source: 'setting' };
  return { path: 'python3', source: 'PATH' };
}
