// A *.loss.py run from its CodeLens in the real extension host (issue 14): the lens sits above
// `def loss`, the run goes through the Python bridge (interpreter from the setting
// optimizerDiagnostics.python.interpreterPath: OD_TEST_PYTHON or /usr/bin/python3, with torch), and the
// panel's loss info names the interpreter and the torch version. Skipped when that interpreter has no torch.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/host/extension';
import { activateExtension, waitFor } from './helpers';

const PYTHON = process.env.OD_TEST_PYTHON ?? '/usr/bin/python3';
const TORCH = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

const LOSS_PY = `import torch

params = {"x": -1.5, "y": 2.0}
domain = {"x": [-2.0, 2.0], "y": [-2.0, 3.0]}


def loss(p):
    return (p["x"] - 1) ** 2 + 5 * (p["y"] + 0.5) ** 2
`;

suite('Python loss files in VS Code', function () {
  this.timeout(120_000);
  let api: ExtensionApi['testing'];

  suiteSetup(async function () {
    if (!TORCH) {
      console.log(`  (skipped: ${PYTHON} cannot import torch; scripts/python/install.sh)`);
      this.skip();
    }
    api = (await activateExtension<ExtensionApi>()).testing;
    await vscode.workspace.getConfiguration('optimizerDiagnostics').update('python.interpreterPath', PYTHON, vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async () => {
    if (!TORCH) return;
    api.closeAll();
    await vscode.workspace.getConfiguration('optimizerDiagnostics').update('python.interpreterPath', undefined, vscode.ConfigurationTarget.Global);
  });

  test('the CodeLens above def loss runs a *.loss.py through the bridge (torch.autograd)', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    const dir = path.join(folder.uri.fsPath, '.od-python-tests');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'bowl.loss.py');
    fs.writeFileSync(file, LOSS_PY);
    const uri = vscode.Uri.file(file);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const lenses = await waitFor(async () => {
      const l = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri)) as vscode.CodeLens[];
      const ours = l.filter((x) => x.command?.command.startsWith('optimizerDiagnostics.'));
      return ours.length ? ours : undefined;
    }, 15_000, 'code lenses');
    assert.strictEqual(lenses[0]!.range.start.line, 6, 'above def loss');
    const cmd = lenses[0]!.command!;
    const r = (await vscode.commands.executeCommand(cmd.command, ...(cmd.arguments ?? []))) as { panelId: string };
    await waitFor(() => {
      const p = api.panels().find((x) => x.id === r.panelId);
      return p && p.status.phase === 'done' && p.runs.length === 1 ? p : undefined;
    }, 90_000, 'the Python run finished');
    const p = api.panels().find((x) => x.id === r.panelId)!;
    assert.strictEqual(p.error, null);
    assert.strictEqual(p.loss?.gradient, 'autodiff');
    assert.match(p.loss?.runtime ?? '', new RegExp(`^Python 3\\.\\d+\\.\\d+ \\(${PYTHON}\\) · torch `));
    assert.deepStrictEqual(p.loss?.paramNames, ['x', 'y']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('changing python.interpreterPath runs an open *.loss.py panel again with the new interpreter', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!;
    const dir = path.join(folder.uri.fsPath, '.od-python-tests');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'bowl.loss.py');
    fs.writeFileSync(file, LOSS_PY);
    const config = vscode.workspace.getConfiguration('optimizerDiagnostics');
    const missing = path.join(dir, 'no-such-python3');
    await config.update('python.interpreterPath', missing, vscode.ConfigurationTarget.Global);
    try {
      const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: { kind: 'file', path: file }, optimizer: 'adam', steps: 100, newPanel: true })) as { panelId: string };
      const failed = await waitFor(() => {
        const p = api.panels().find((x) => x.id === r.panelId);
        return p && p.error ? p : undefined;
      }, 60_000, 'the run with a missing interpreter fails');
      assert.ok(failed.error!.message.includes(missing), `the error names the interpreter: ${failed.error!.message}`);
      await config.update('python.interpreterPath', PYTHON, vscode.ConfigurationTarget.Global);
      const p = await waitFor(() => {
        const x = api.panels().find((q) => q.id === r.panelId);
        return x && x.error === null && x.status.phase === 'done' && x.runs.length === 1 ? x : undefined;
      }, 90_000, 'the panel ran again with the new interpreter');
      assert.match(p.loss?.runtime ?? '', new RegExp(`\\(${PYTHON}\\) · torch `));
    } finally {
      await config.update('python.interpreterPath', PYTHON, vscode.ConfigurationTarget.Global);
      api.closeAll();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
