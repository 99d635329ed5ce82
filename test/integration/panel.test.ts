// The diagnostics panel inside the real extension host: commands with arguments, the webview's
// render reports (what it drew), comparison and side by side, export, loss-file errors in the
// Problems view, workspace trust, CodeLens and rehydration of a hidden panel.
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/host/extension';
import type { RenderSummary } from '../../src/protocol/messages';
import { activateExtension, waitFor, panel, rendered } from './helpers';

let api: ExtensionApi['testing'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'od-panel-'));

function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  const dir = path.join(folder.uri.fsPath, '.od-panel-tests');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

const LOSS_OK = `export default {
  name: 'bowl',
  params: { x: -1.5, y: 2 },
  loss(p) {
    return (p.x - 1) ** 2 + 5 * (p.y + 0.5) ** 2;
  },
  domain: { x: [-2, 2], y: [-2, 3] },
};
`;
const LOSS_THROWS = `export default {
  name: 'bowl',
  params: { x: -1.5, y: 2 },
  loss(p) {
    if (p.x > -10) throw new Error('broken on purpose');
    return p.x * p.x;
  },
  domain: { x: [-2, 2], y: [-2, 3] },
};
`;

suite('Diagnostics panel', function () {
  this.timeout(120_000);

  suiteSetup(async () => {
    api = (await activateExtension<ExtensionApi>()).testing;
    assert.ok(api, 'activate() returns { testing }');
  });

  teardown(() => {
    api.closeAll();
    api.setTrustedForTesting(undefined);
  });

  suiteTeardown(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder) fs.rmSync(path.join(folder.uri.fsPath, '.od-panel-tests'), { recursive: true, force: true });
  });

  test('activation is cheap', () => {
    console.log(`    activate(): ${api.activationMs.toFixed(2)} ms`);
    assert.ok(api.activationMs < 1000);
  });

  test('memory budget: a run over its share is downsampled while recording, charted to its last step, and the status says so', async () => {
    const cfg = vscode.workspace.getConfiguration('optimizerDiagnostics');
    await cfg.update('memoryBudgetMb', 16, vscode.ConfigurationTarget.Global);
    try {
      // 100,001 rows × 168 bytes (Adam, 2 parameters) = 16.8 MB > 16 MB: downsampled.
      const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'canyon', optimizer: 'adam', hyperparameters: { lr: 0.01 }, steps: 100_000 })) as { panelId: string };
      const s = await rendered(r.panelId, (x) => x.runs === 1 && panel(r.panelId).status.phase === 'done', 'a downsampled run', 60_000);
      assert.match(panel(r.panelId).status.message ?? '', /recorded (about )?every \d+(st|nd|rd|th) step after step [\d,]+.* to stay within the memory budget/);
      assert.deepStrictEqual(s.charts['convergence']!.xRange, [0, 100_000]);
    } finally {
      await cfg.update('memoryBudgetMb', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('Simulate with arguments opens a panel whose webview draws all five charts', async () => {
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'canyon', optimizer: 'adam', hyperparameters: { lr: 0.05 }, steps: 300 })) as { panelId: string };
    assert.ok(r?.panelId);
    const s = await rendered(r.panelId, (x) => x.runs === 1 && (x.charts['effectiveLr']?.datasets ?? 0) === 2, 'Adam on canyon');
    const p = panel(r.panelId);
    assert.strictEqual(p.status.phase, 'done');
    assert.deepStrictEqual(p.config.runs[0]!.hyperparameters['lr'], 0.05);
    assert.match(p.title, /Adam · canyon/);
    const c = s.charts;
    assert.strictEqual(c['convergence']!.yScale, 'logarithmic');
    assert.deepStrictEqual(c['convergence']!.xRange, [0, 300]);
    assert.ok(c['convergence']!.labels.some((l) => /‖∇f‖/.test(l)));
    assert.ok(c['landscape']!.labels.includes('Adam') && c['landscape']!.labels.includes('start') && c['landscape']!.labels.includes('minimum'));
    assert.deepStrictEqual(c['effectiveLr']!.labels, ['x', 'y']);
    assert.strictEqual(c['effectiveLr']!.yScale, 'logarithmic');
    assert.strictEqual(c['moments']!.datasets, 2);
    assert.strictEqual(c['stepSize']!.datasets, 2);
    assert.ok(s.paintMs >= 0);
    console.log(`    webview render ${s.paintMs.toFixed(1)} ms (${Object.values(c).reduce((n, x) => n + x.points, 0)} points)`);
  });

  test('Compare shows N runs; side by side opens one linked panel per optimizer', async () => {
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.compare', { loss: 'rosenbrock', optimizers: ['sgd', 'rmsprop', 'adam', 'lion'], newPanel: true })) as { panelId: string };
    const s = await rendered(r.panelId, (x) => x.runs === 4 && x.phase === 'done', 'four runs');
    assert.deepStrictEqual(s.runIds, ['r1', 'r2', 'r3', 'r4']);
    assert.deepStrictEqual(s.charts['convergence']!.labels.filter((l) => / loss$/.test(l)).map((l) => l.split(' ')[0]), ['SGD', 'RMSprop', 'Adam', 'Lion']);
    assert.strictEqual(s.charts['effectiveLr']!.datasets, 8);
    assert.match(panel(r.panelId).title, /Compare 4 · rosenbrock/);

    const sbs = (await vscode.commands.executeCommand('optimizerDiagnostics.compareSideBySide', { panelId: r.panelId })) as { panelIds: string[] };
    assert.strictEqual(sbs.panelIds.length, 4);
    const summaries: RenderSummary[] = [];
    for (const id of sbs.panelIds) {
      summaries.push(await rendered(id, (x) => x.runs === 1 && x.linked && x.phase === 'done' && (x.charts['effectiveLr']?.yRange ?? null) !== null, `side-by-side panel ${id}`));
      assert.ok(panel(id).linkGroup);
    }
    const columns = sbs.panelIds.map((id) => panel(id).viewColumn);
    assert.strictEqual(new Set(columns).size, 4, `adjacent editor columns, got ${columns.join(',')}`);
    // Linked axes: every panel's convergence chart spans the same steps.
    const x = summaries.map((m) => JSON.stringify(m.charts['convergence']!.xRange));
    assert.ok(x.every((v) => v === x[0]), x.join(' '));
  });

  test('Inspect Effective Step Sizes reveals the effective-LR view of the current panel', async () => {
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'beale', optimizer: 'adagrad' })) as { panelId: string };
    await rendered(r.panelId, (x) => x.runs === 1, 'adagrad on beale');
    const i = (await vscode.commands.executeCommand('optimizerDiagnostics.inspectStepSizes')) as { panelId: string };
    assert.strictEqual(i.panelId, r.panelId);
    const s = await rendered(r.panelId, (x) => x.cause === 'view/didReveal', 'reveal');
    assert.ok(s.charts['effectiveLr']!.visible && s.charts['effectiveLr']!.datasets === 2);
  });

  test('Export Run writes CSV, JSON and one PNG per chart', async () => {
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.compare', { loss: 'canyon', optimizers: ['sgd', 'adam'], steps: 50 })) as { panelId: string };
    await rendered(r.panelId, (x) => x.runs === 2 && x.phase === 'done', 'two runs');
    const csv = (await vscode.commands.executeCommand('optimizerDiagnostics.exportRun', { format: 'csv', path: path.join(tmp, 'run.csv') })) as { files: string[] };
    const text = fs.readFileSync(csv.files[0]!, 'utf8').trim().split('\n');
    assert.strictEqual(text.length, 1 + 2 * 51);
    assert.match(text[0]!, /^run,optimizer,step,loss,lr,x,y,grad\[x\],grad\[y\],update\[x\],update\[y\],effective_lr\[x\],effective_lr\[y\]/);
    assert.ok(text[0]!.includes('exp_avg_sq[y]') && text[0]!.includes('exp_avg_hat[x]'), text[0]);
    const json = (await vscode.commands.executeCommand('optimizerDiagnostics.exportRun', { format: 'json', path: path.join(tmp, 'run.json') })) as { files: string[] };
    const j = JSON.parse(fs.readFileSync(json.files[0]!, 'utf8')) as { loss: string; runs: { optimizer: { name: string }; trajectory: { loss: number[] } }[] };
    assert.strictEqual(j.loss, 'canyon');
    assert.deepStrictEqual(j.runs.map((x) => x.optimizer.name), ['sgd', 'adam']);
    assert.strictEqual(j.runs[1]!.trajectory.loss.length, 51);
    const png = (await vscode.commands.executeCommand('optimizerDiagnostics.exportRun', { format: 'png', path: path.join(tmp, 'run.png') })) as { files: string[] };
    assert.deepStrictEqual(png.files.map((f) => path.basename(f)).sort(), ['run-convergence.png', 'run-effectiveLr.png', 'run-landscape.png', 'run-moments.png', 'run-stepSize.png']);
    for (const f of png.files) {
      const b = fs.readFileSync(f);
      assert.ok(b.length > 1000 && b.subarray(1, 4).toString('latin1') === 'PNG', `${f} is a PNG`);
    }
  });

  test('Export Run → PyTorch script writes one self-verifying script per run (torch checks it when installed)', async () => {
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.compare', { loss: 'rosenbrock', optimizers: ['adam', 'lion'], steps: 60 })) as { panelId: string };
    await rendered(r.panelId, (x) => x.runs === 2 && x.phase === 'done', 'adam and lion');
    const out = (await vscode.commands.executeCommand('optimizerDiagnostics.exportRun', { format: 'torch', path: path.join(tmp, 'run.py') })) as { files: string[] };
    assert.deepStrictEqual(out.files.map((f) => path.basename(f)), ['run-1-adam.py', 'run-2-lion.py']);
    const adam = fs.readFileSync(out.files[0]!, 'utf8');
    assert.match(adam, /^optimizer = torch\.optim\.Adam\(\[theta\], \*\*OPTIM_KWARGS\)$/m);
    assert.match(adam, /^STEPS = 60$/m);
    assert.match(fs.readFileSync(out.files[1]!, 'utf8'), /^# Lion has no torch\.optim class/m);
    const torch = cp.spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
    if (torch.status !== 0) {
      console.log('  (torch is not installed under /usr/bin/python3: the scripts were not run)');
      return;
    }
    for (const f of out.files) {
      const run = cp.spawnSync('/usr/bin/python3', [f], { encoding: 'utf8' });
      assert.strictEqual(run.status, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /^matches Optimizer Diagnostics: 60 steps, max rel\. deviation /m);
      console.log(`  ${path.basename(f)}: ${run.stdout.trim()}`);
    }
  });

  test('an invalid hyperparameter fails fast and keeps the last good run', async () => {
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'canyon', optimizer: 'sgd' })) as { panelId: string };
    await rendered(r.panelId, (x) => x.runs === 1 && x.phase === 'done', 'sgd');
    await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'canyon', optimizer: 'sgd', hyperparameters: { momentum: -1 } });
    const s = await rendered(r.panelId, (x) => x.phase === 'failed', 'failure render');
    assert.match(s.error ?? '', /momentum/);
    const p = panel(r.panelId);
    assert.strictEqual(p.status.phase, 'failed');
    assert.strictEqual(p.error?.kind, 'hyperparameter');
    assert.deepStrictEqual(p.runs, ['r1'], 'the last good run stays');
    assert.strictEqual(s.runs, 1);
  });

  test('a broken loss file: a Problems diagnostic at its line, the panel keeps the last good run, fixed on save', async () => {
    const file = path.join(workspaceDir(), 'bowl.loss.js');
    fs.writeFileSync(file, LOSS_OK);
    const uri = vscode.Uri.file(file);
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: { kind: 'file', path: file }, optimizer: 'adam', steps: 100 })) as { panelId: string };
    const first = await rendered(r.panelId, (x) => x.runs === 1 && x.phase === 'done' && !!x.charts['landscape']?.contour, 'loss file run with a contour');
    assert.deepStrictEqual(first.charts['landscape']!.contour!.x, [-2, 2], 'the contour covers the file\'s domain');
    const good = panel(r.panelId);
    assert.strictEqual(good.loss?.dim, 2);
    assert.deepStrictEqual(good.loss?.paramNames, ['x', 'y']);

    // Break it through an editor save: the panel re-runs on save.
    const doc = await vscode.workspace.openTextDocument(uri);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), LOSS_THROWS);
    await vscode.workspace.applyEdit(edit);
    await doc.save();
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(uri);
      return d.length ? d : undefined;
    }, 30_000, 'a diagnostic for the broken loss file');
    assert.strictEqual(diags[0]!.severity, vscode.DiagnosticSeverity.Error);
    assert.match(diags[0]!.message, /broken on purpose/);
    assert.strictEqual(diags[0]!.range.start.line, 4, 'line 5 (the throw)');
    assert.strictEqual(diags[0]!.source, 'Optimizer Diagnostics');
    await waitFor(() => panel(r.panelId).status.phase === 'failed', 10_000, 'the panel shows the failure');
    assert.deepStrictEqual(panel(r.panelId).runs, ['r1'], 'the last good run stays');
    const failed = await rendered(r.panelId, (x) => x.phase === 'failed', 'failure render');
    assert.strictEqual(failed.runs, 1);

    const fix = new vscode.WorkspaceEdit();
    fix.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), LOSS_OK);
    await vscode.workspace.applyEdit(fix);
    await doc.save();
    await waitFor(() => vscode.languages.getDiagnostics(uri).length === 0 && panel(r.panelId).status.phase === 'done', 30_000, 'diagnostic cleared after a clean run');
  });

  test('a 2-D loss file gets a filled contour from the worker; cells where loss() throws or is NaN are gaps', async () => {
    // No domain: the default window around the start (1.5, 2) and the minimum (0.5, 0.5); loss() throws for x < 0, NaN for y < 0.
    const file = path.join(workspaceDir(), 'holes.loss.js');
    fs.writeFileSync(file, `export default {
  params: { x: 1.5, y: 2 },
  loss(p) {
    if (p.x < 0) throw new Error('undefined for x < 0');
    if (p.y < 0) return NaN;
    return (p.x - 0.5) ** 2 + 2 * (p.y - 0.5) ** 2;
  },
  minimum: { x: 0.5, y: 0.5 },
};
`);
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: { kind: 'file', path: file }, optimizer: 'adam', hyperparameters: { lr: 0.05 }, steps: 200 })) as { panelId: string };
    const s = await rendered(r.panelId, (x) => x.runs === 1 && x.phase === 'done' && !!x.charts['landscape']?.contour, 'loss file with holes');
    const c = s.charts['landscape']!.contour!;
    assert.deepStrictEqual([c.x, c.y], [[-0.5, 2.5], [-0.25, 2.75]], 'default window: centred between start and minimum, half-size 1.5');
    assert.ok(c.levels > 5, `${c.levels} contour levels`);
    // x < 0: 27 of 160 columns (x_i = -0.5 + 3i/159); y < 0: 10 of 120 rows.
    assert.ok(c.gaps > 0.15 * c.nx * c.ny && c.gaps < 0.3 * c.nx * c.ny, `${c.gaps} gaps of ${c.nx * c.ny}`);
    assert.strictEqual(panel(r.panelId).error, null, 'the run did not fail');
  });

  test('untrusted workspace: loss files do not run, built-ins do', async () => {
    const file = path.join(workspaceDir(), 'trust.loss.js');
    fs.writeFileSync(file, LOSS_OK);
    api.setTrustedForTesting(false);
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: file, optimizer: 'adam', newPanel: true })) as { panelId: string };
    const s = await rendered(r.panelId, (x) => x.phase === 'failed', 'untrusted failure');
    assert.match(s.error ?? '', /not trusted|Restricted Mode/);
    assert.strictEqual(panel(r.panelId).error?.kind, 'untrusted');
    assert.strictEqual(vscode.languages.getDiagnostics(vscode.Uri.file(file)).length, 0, 'trust is not a code problem');
    const b = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'booth', optimizer: 'rmsprop', newPanel: true })) as { panelId: string };
    await rendered(b.panelId, (x) => x.runs === 1 && x.phase === 'done', 'built-in in restricted mode');
    // Granting trust re-runs the refused panel.
    api.setTrustedForTesting(true);
    await waitFor(() => panel(r.panelId).status.phase === 'done', 30_000, 'the loss file runs once trusted');
  });

  test('a hidden panel is torn down and rehydrated from the host when shown again', async () => {
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'himmelblau', optimizer: 'nadam' })) as { panelId: string };
    await rendered(r.panelId, (x) => x.runs === 1 && x.phase === 'done', 'first render');
    const col = panel(r.panelId).viewColumn;
    const doc = await vscode.workspace.openTextDocument({ content: 'cover the panel', language: 'plaintext' });
    await vscode.window.showTextDocument(doc, { viewColumn: col, preview: false });
    await waitFor(() => !panel(r.panelId).visible, 10_000, 'panel hidden');
    const before = panel(r.panelId).renderCount;
    await vscode.commands.executeCommand('optimizerDiagnostics.inspectStepSizes', { panelId: r.panelId });
    await waitFor(() => panel(r.panelId).renderCount > before && panel(r.panelId).visible && api.lastRender(r.panelId)?.runs === 1, 30_000, 'a new render after the panel is shown again');
    const s = api.lastRender(r.panelId)!;
    assert.strictEqual(s.charts['effectiveLr']!.datasets, 2);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('CodeLens "Simulate · Compare" above export default, hidden by the setting', async () => {
    const file = path.join(workspaceDir(), 'lens.loss.js');
    fs.writeFileSync(file, `// header\n\n${LOSS_OK}`);
    const uri = vscode.Uri.file(file);
    await vscode.workspace.openTextDocument(uri);
    const lenses = await waitFor(async () => {
      const l = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri)) as vscode.CodeLens[];
      const ours = l.filter((x) => x.command?.command.startsWith('optimizerDiagnostics.'));
      return ours.length ? ours : undefined;
    }, 15_000, 'code lenses');
    assert.deepStrictEqual(lenses.map((l) => l.command!.command), ['optimizerDiagnostics.simulate', 'optimizerDiagnostics.compare']);
    assert.strictEqual(lenses[0]!.range.start.line, 2);
    // `beside`: the CodeLens opens (or moves) the panel beside the editor (see panelUi.test.ts).
    assert.deepStrictEqual(lenses[0]!.command!.arguments, [{ loss: { kind: 'file', path: file }, beside: true }]);
    const cfg = vscode.workspace.getConfiguration('optimizerDiagnostics');
    await cfg.update('codeLens.enabled', false, vscode.ConfigurationTarget.Global);
    try {
      const off = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri)) as vscode.CodeLens[];
      assert.strictEqual(off.filter((x) => x.command?.command.startsWith('optimizerDiagnostics.')).length, 0);
    } finally {
      await cfg.update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('New Loss File writes a template and its types file', async () => {
    const target = path.join(workspaceDir(), 'fresh.loss.ts');
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.newLossFile', { kind: 'dataset', path: target, open: false })) as { path: string };
    assert.strictEqual(r.path, target);
    assert.match(fs.readFileSync(target, 'utf8'), /export default/);
    assert.ok(fs.existsSync(path.join(path.dirname(target), 'optimizer-diagnostics.d.ts')));
  });
});
