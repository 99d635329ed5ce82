// The panel's form and panel placement inside the real extension host (issue 8 items 12 and 17,
// issue 9 §5): a new Simulate never replaces a comparison; the CodeLens opens the panel beside the
// editor; the 13th "Add to comparison" and steps above the maximum are refused with a message the
// panel shows (render summary `notice`); `run/validate` answers with the core's reasons, per field.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/host/extension';
import { LIMITS } from '../../src/protocol/messages';
import { activateExtension, waitFor, panel, rendered } from './helpers';

let api: ExtensionApi['testing'];

suite('Panel form and placement', function () {
  this.timeout(120_000);

  suiteSetup(async () => {
    api = (await activateExtension<ExtensionApi>()).testing;
  });

  teardown(() => {
    api.closeAll();
  });

  test('a new Simulate does not replace a comparison: it opens its own panel', async () => {
    const c = (await vscode.commands.executeCommand('optimizerDiagnostics.compare', { loss: 'canyon', optimizers: ['sgd', 'adam'], steps: 50 })) as { panelId: string };
    await rendered(c.panelId, (x) => x.runs === 2 && x.phase === 'done', 'comparison');
    const s = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'beale', optimizer: 'adam', steps: 50 })) as { panelId: string };
    assert.notStrictEqual(s.panelId, c.panelId, 'a new panel');
    await rendered(s.panelId, (x) => x.runs === 1 && x.phase === 'done', 'simulate');
    assert.strictEqual(panel(c.panelId).config.runs.length, 2, 'the comparison is intact');
    assert.strictEqual(panel(c.panelId).config.loss.kind === 'builtin' && (panel(c.panelId).config.loss as { name: string }).name, 'canyon');
    // A single-run panel is still reused by the next Simulate.
    const t = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'booth', optimizer: 'sgd', steps: 50 })) as { panelId: string };
    assert.strictEqual(t.panelId, s.panelId, 'a single-run panel is reused');
  });

  test('the CodeLens opens the panel beside the loss file editor', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const dir = path.join(folder, '.od-panelui-tests');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'beside.loss.js');
    fs.writeFileSync(file, 'export default { params: { x: 1, y: 2 }, loss(p) { return p.x * p.x + p.y * p.y; } };\n');
    try {
      const doc = await vscode.workspace.openTextDocument(file);
      const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
      const lenses = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', doc.uri)) as vscode.CodeLens[];
      const sim = lenses.find((l) => l.command?.command === 'optimizerDiagnostics.simulate');
      assert.ok(sim?.command, 'a Simulate CodeLens');
      const r = (await vscode.commands.executeCommand(sim.command.command, ...(sim.command.arguments ?? []))) as { panelId: string };
      await rendered(r.panelId, (x) => x.runs === 1, 'CodeLens run');
      const col = panel(r.panelId).viewColumn;
      assert.ok(col !== undefined && col !== editor.viewColumn, `the panel is beside the editor (editor ${editor.viewColumn}, panel ${col})`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`"Add to comparison" refuses run ${LIMITS.maxRuns + 1} with a message`, async () => {
    const names = ['sgd', 'adagrad', 'rmsprop', 'adam', 'adamw', 'adamax', 'nadam', 'radam', 'adadelta', 'rprop', 'signsgd', 'lion'];
    assert.strictEqual(names.length, LIMITS.maxRuns);
    const c = (await vscode.commands.executeCommand('optimizerDiagnostics.compare', { loss: 'canyon', optimizers: names, steps: 20 })) as { panelId: string };
    await rendered(c.panelId, (x) => x.runs === LIMITS.maxRuns && x.phase === 'done', '12 runs');
    assert.ok(api.receive(c.panelId, { type: 'run/addToComparison', optimizer: 'adam' }));
    const s = await rendered(c.panelId, (x) => /at most 12 runs/.test(x.notice ?? ''), 'refusal notice');
    console.log(`    notice: ${s.notice}`);
    await new Promise((r) => setTimeout(r, 300));
    assert.strictEqual(panel(c.panelId).config.runs.length, LIMITS.maxRuns, 'still 12 runs');
  });

  test('steps above the maximum sent from the panel are refused with the reason, not ignored', async () => {
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'canyon', optimizer: 'adam', steps: 40 })) as { panelId: string };
    await rendered(r.panelId, (x) => x.runs === 1 && x.phase === 'done', 'first run');
    const cfg = { ...panel(r.panelId).config, steps: LIMITS.maxSteps + 1 };
    assert.strictEqual(api.receive(r.panelId, { type: 'run/start', config: cfg, live: false }), false, 'the validator refuses it');
    const s = await rendered(r.panelId, (x) => /steps must be a whole number from 1 to 1,000,000/.test(x.notice ?? ''), 'refusal notice');
    console.log(`    notice: ${s.notice}`);
    assert.strictEqual(panel(r.panelId).config.steps, 40, 'nothing ran');
  });

  test('SGD presets: Momentum 0.9 and Nesterov 0.9 can be added next to plain SGD', async () => {
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.compare', { loss: 'rosenbrock', optimizers: ['sgd'] })) as { panelId: string };
    await rendered(r.panelId, (x) => x.runs === 1 && x.phase === 'done', 'SGD');
    assert.strictEqual(panel(r.panelId).config.steps, 2000, 'Rosenbrock: 2000 steps by default');
    api.receive(r.panelId, { type: 'run/addToComparison', optimizer: 'sgd', hyperparameters: { momentum: 0.9 } });
    await waitFor(() => panel(r.panelId).config.runs.length === 2 && panel(r.panelId).status.phase === 'done', 30_000, 'momentum run');
    api.receive(r.panelId, { type: 'run/addToComparison', optimizer: 'sgd', hyperparameters: { momentum: 0.9, nesterov: true } });
    const s = await rendered(r.panelId, (x) => x.runs === 3 && x.phase === 'done', 'three SGD runs');
    const runs = panel(r.panelId).config.runs;
    assert.deepStrictEqual(runs.map((x) => [x.hyperparameters['momentum'], x.hyperparameters['nesterov']]), [[0, false], [0.9, false], [0.9, true]]);
    console.log(`    labels: ${s.charts['convergence']!.labels.filter((l) => / loss$/.test(l)).join(', ')}`);
  });
});
