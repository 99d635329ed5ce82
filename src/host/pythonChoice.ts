// The interpreter choice of *.loss.py files, without `vscode` (src/host/python.ts passes the real
// Python extension and setting; the unit test passes fakes). In this order:
//   1. the Python extension's active environment for the file (its public API,
//      exports.environments.getActiveEnvironmentPath + resolveEnvironment), when it is installed and answers;
//   2. else the setting optimizerDiagnostics.python.interpreterPath (trimmed, when not empty);
//   3. else `python3` on PATH.

export interface Interpreter {
  readonly path: string;
  readonly source: 'python extension' | 'setting' | 'PATH';
}

/** The part of the Python extension's public API (ms-python.python `exports.environments`) used here. */
export interface PythonEnvironmentsApi<R = unknown> {
  getActiveEnvironmentPath(resource?: R): { readonly path: string } | undefined;
  resolveEnvironment(env: { readonly path: string } | string): PromiseLike<{ readonly executable?: { readonly uri?: { readonly fsPath: string } } } | undefined>;
}

/** The Python extension as `vscode.extensions.getExtension` returns it. */
export interface PythonExtensionLike<R = unknown> {
  readonly isActive: boolean;
  readonly exports: { ready?: PromiseLike<void>; environments?: PythonEnvironmentsApi<R> } | undefined;
  activate(): PromiseLike<{ ready?: PromiseLike<void>; environments?: PythonEnvironmentsApi<R> } | undefined>;
}

export interface InterpreterSources<R> {
  /** The installed Python extension, or undefined. */
  readonly pythonExtension: PythonExtensionLike<R> | undefined;
  /** The setting's value for the resource. */
  readonly setting: string | undefined;
}

/** The Python extension's active environment for `resource`, or undefined (no environment, or the extension failed). */
export async function fromPythonExtension<R>(ext: PythonExtensionLike<R> | undefined, resource: R | undefined): Promise<string | undefined> {
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    await api?.ready;
    const envs = api?.environments;
    if (!envs) return undefined;
    const active = envs.getActiveEnvironmentPath(resource);
    if (!active) return undefined;
    const resolved = await envs.resolveEnvironment(active);
    return resolved?.executable?.uri?.fsPath || undefined;
  } catch {
    return undefined; // an extension that fails to answer does not stop the run: the setting or PATH
  }
}

export async function chooseInterpreter<R>(sources: InterpreterSources<R>, resource?: R): Promise<Interpreter> {
  const fromExt = await fromPythonExtension(sources.pythonExtension, resource);
  if (fromExt) return { path: fromExt, source: 'python extension' };
  const setting = sources.setting;
  if (setting && setting.trim()) return { path: setting.trim(), source: 'setting' };
  return { path: 'python3', source: 'PATH' };
}
