// The interpreter order of *.loss.py files (src/host/pythonChoice.ts) with a fake of the Python
// extension's public API (ms-python.python exports.environments): its active environment wins, for the
// file's resource; inactive extensions are activated and awaited (ready); an extension without an
// environment, without the API, or that throws falls through to the setting, then to python3 on PATH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseInterpreter, type PythonEnvironmentsApi, type PythonExtensionLike } from '../../../src/host/pythonChoice';

interface Uri { readonly fsPath: string }
const file: Uri = { fsPath: '/ws/a/bowl.loss.py' };

function fakeExtension(opts: { active?: boolean; env?: string | null; executable?: string | null; throws?: boolean; noApi?: boolean }) {
  const calls: string[] = [];
  const environments: PythonEnvironmentsApi<Uri> = {
    getActiveEnvironmentPath(resource) {
      calls.push(`active(${resource?.fsPath ?? 'none'})`);
      if (opts.throws) throw new Error('the Python extension failed');
      return opts.env === null ? undefined : { path: opts.env ?? '/ws/.venv' };
    },
    async resolveEnvironment(env) {
      calls.push(`resolve(${typeof env === 'string' ? env : env.path})`);
      return opts.executable === null ? { executable: {} } : { executable: { uri: { fsPath: opts.executable ?? '/ws/.venv/bin/python' } } };
    },
  };
  let ready = false;
  const exportsObj = opts.noApi ? {} : { ready: new Promise<void>((r) => setTimeout(() => { ready = true; calls.push('ready'); r(); }, 5)), environments };
  const ext: PythonExtensionLike<Uri> = {
    isActive: opts.active ?? true,
    exports: opts.active === false ? undefined : exportsObj,
    async activate() {
      calls.push('activate');
      return exportsObj;
    },
  };
  return { ext, calls, isReady: () => ready };
}

test('1. the Python extension\'s active environment for the file, after its ready promise', async () => {
  const f = fakeExtension({});
  const r = await chooseInterpreter({ pythonExtension: f.ext, setting: '/usr/bin/python3' }, file);
  assert.deepEqual(r, { path: '/ws/.venv/bin/python', source: 'python extension' });
  assert.deepEqual(f.calls, ['ready', 'active(/ws/a/bowl.loss.py)', 'resolve(/ws/.venv)']);
});

test('an installed but inactive Python extension is activated first', async () => {
  const f = fakeExtension({ active: false });
  const r = await chooseInterpreter({ pythonExtension: f.ext, setting: undefined }, file);
  assert.equal(r.source, 'python extension');
  assert.equal(f.calls[0], 'activate');
  assert.ok(f.isReady());
});

test('2. the setting when the extension has no environment, no resolved executable, no API, or throws', async () => {
  for (const opts of [{ env: null }, { executable: null }, { noApi: true }, { throws: true }]) {
    const f = fakeExtension(opts);
    const r = await chooseInterpreter({ pythonExtension: f.ext, setting: '  /opt/py/bin/python3 ' }, file);
    assert.deepEqual(r, { path: '/opt/py/bin/python3', source: 'setting' }, JSON.stringify(opts));
  }
  assert.deepEqual(await chooseInterpreter({ pythonExtension: undefined, setting: '/opt/py/bin/python3' }, file), { path: '/opt/py/bin/python3', source: 'setting' });
});

test('3. python3 on PATH: no extension and an empty or blank setting', async () => {
  for (const setting of [undefined, '', '   ']) {
    assert.deepEqual(await chooseInterpreter({ pythonExtension: undefined, setting }, file), { path: 'python3', source: 'PATH' });
  }
  assert.deepEqual(await chooseInterpreter({ pythonExtension: fakeExtension({ env: null }).ext, setting: '' }, file), { path: 'python3', source: 'PATH' });
});
