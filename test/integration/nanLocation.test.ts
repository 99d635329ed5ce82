// Issue 8 item 5 in the real extension host: a loss file whose loss leaves its domain after some
// good steps (1e-9 * Math.sqrt(3 - w), SGD lr 0.01 from w = 0: w passes 3 at step 46) puts ONE
// Problems diagnostic at the operation (line 9, column 25: `Math.sqrt`), naming the operand and the
// step, while the panel keeps the 45 good steps; a clean run clears it.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/host/extension';
import { activateExtension, waitFor } from './helpers';

const LOSS_NAN = `// w is pulled towards 5; the tiny sqrt term has no real value once w > 3
export default {
  name: 'sqrt domain',
  params: { w: 0 },
  loss(p) {
    const fit = (p.w - 5) ** 2;
    // the next line's Math.sqrt is at column 25
    const eps = 1e-9;
    return fit + 1e-9 * Math.sqrt(3 - p.w) + 0 * eps;
  },
};
`;
const LOSS_OK = LOSS_NAN.replace('Math.sqrt(3 - p.w)', 'Math.sqrt(9 + p.w)');

suite('NaN location', function () {
  this.timeout(120_000);
  let api: ExtensionApi['testing'];
  let dir: string;

  suiteSetup(async () => {
    api = (await activateExtension<ExtensionApi>()).testing;
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    dir = path.join(folder.uri.fsPath, '.od-nan-tests');
    fs.mkdirSync(dir, { recursive: true });
  });

  teardown(() => api.closeAll());
  suiteTeardown(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the Problems entry sits at the operation that produced NaN, with its operand and step', async () => {
    const file = path.join(dir, 'nan-sqrt.loss.js');
    fs.writeFileSync(file, LOSS_NAN);
    const uri = vscode.Uri.file(file);
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', {
      loss: { kind: 'file', path: file }, optimizer: 'sgd', hyperparameters: { lr: 0.01 }, steps: 100,
    })) as { panelId: string };
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(uri);
      return d.length ? d : undefined;
    }, 60_000, 'a Problems diagnostic for the NaN');
    assert.strictEqual(diags.length, 1);
    const d = diags[0]!;
    assert.strictEqual(d.source, 'Optimizer Diagnostics');
    assert.strictEqual(d.code, 'domain');
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
    assert.strictEqual(d.range.start.line, 8, 'line 9');
    assert.strictEqual(d.range.start.character, 24, 'column 25: Math.sqrt');
    assert.match(d.message, /^the loss left its domain at step 46: Math\.sqrt\(-0\.02589846\d*\) is NaN \(finite operands, finite parameters\); loss\(\) returned NaN \(at step 46\)$/);
    // The run ended by the error: the panel reports it (phase 'failed', the error in the banner) and keeps the partial run.
    const p = await waitFor(() => api.panels().find((x) => x.id === r.panelId && x.status.phase === 'failed'), 30_000, 'the run ends with the error');
    assert.match(p.status.message ?? '', /the loss left its domain at step 46/);
    assert.deepStrictEqual(p.runs.length, 1, 'the partial run is kept');

    // a clean run of the same file clears it
    fs.writeFileSync(file, LOSS_OK);
    await vscode.commands.executeCommand('optimizerDiagnostics.simulate', {
      loss: { kind: 'file', path: file }, optimizer: 'sgd', hyperparameters: { lr: 0.01 }, steps: 100,
    });
    await waitFor(() => vscode.languages.getDiagnostics(uri).length === 0, 60_000, 'the diagnostic cleared by a clean run');
  });
});
