// Run files in the real VS Code (issue 13 §2): Save Run Configuration writes a *.optdiag.json from a panel
// (several runs, a schedule, a switch, the selected step and section); opening it shows the panel in that
// editor (the custom editor) with the same configuration, the same recorded numbers bit for bit and the same
// step/section. Editing the document re-runs; a toolbar run is written into the document (dirty, undoable)
// and Undo restores the previous run; malformed text shows a located message and fixing it recovers;
// in Restricted Mode a built-in runs and a loss file shows the trust message until trusted.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExtensionApi, PanelTestInfo } from '../../src/host/extension';
import type { SessionConfig } from '../../src/protocol/messages';
import { parseRunFile } from '../../src/protocol/runFile';
import type { RecordingColumns } from '../../src/protocol/simulation';
import { activateExtension, rendered, waitFor } from './helpers';

let api: ExtensionApi['testing'];
let dir: string;

/** Every Float64Array of a recording (columns and state), as bytes: equal means bit-for-bit equal. */
function bits(rec: RecordingColumns): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (k: string, a: unknown): void => {
    if (a instanceof Float64Array) out[k] = Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  };
  for (const [k, v] of Object.entries(rec)) add(k, v);
  for (const [k, v] of Object.entries(rec.state)) add(`state.${k}`, v);
  return out;
}

const editorPanel = (uri: vscode.Uri): PanelTestInfo | undefined => api.panels().find((p) => p.document === uri.toString());

async function openEditor(uri: vscode.Uri): Promise<PanelTestInfo> {
  await vscode.commands.executeCommand('vscode.open', uri);
  return waitFor(() => editorPanel(uri), 20_000, `the run-file editor of ${path.basename(uri.fsPath)}`);
}

async function done(id: string, what: string, accept: (p: PanelTestInfo) => boolean = () => true): Promise<PanelTestInfo> {
  return waitFor(() => {
    const p = api.panels().find((x) => x.id === id);
    return p && p.status.phase === 'done' && accept(p) ? p : undefined;
  }, 30_000, what);
}

suite('Run files: the custom editor', function () {
  this.timeout(180_000);

  suiteSetup(async () => {
    api = (await activateExtension<ExtensionApi>()).testing;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'od-runfile-'));
  });

  teardown(async () => {
    api.setTrustedForTesting(undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    api.closeAll();
  });

  suiteTeardown(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a run saved from the panel reopens through the custom editor identically (config, numbers bit for bit, step, section)', async () => {
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.compare', { loss: 'rosenbrock', optimizers: ['adam', 'sgd', 'rmsprop'], steps: 150 })) as { panelId: string };
    const first = await done(r.panelId, 'the comparison', (p) => p.runs.length === 3);
    const [a, b, c] = first.config.runs;
    const config: SessionConfig = {
      ...first.config,
      seed: 7,
      runs: [
        { ...a!, hyperparameters: { ...a!.hyperparameters, lr: 0.02 }, schedule: { schedulers: [{ name: 'CosineAnnealingLR', args: { T_max: 150, eta_min: 0.001 } }] } },
        { ...b!, hyperparameters: { ...b!.hyperparameters, lr: 5e-4 }, then: [{ optimizer: 'adam', hyperparameters: { ...a!.hyperparameters, lr: 0.01 }, fromStep: 60 }] },
        c!,
      ],
    };
    assert.ok(api.receive(r.panelId, { type: 'run/start', config, live: false }));
    const ran = await done(r.panelId, 'the scheduled comparison', (p) => p.config.seed === 7 && p.runs.length === 3);
    await vscode.commands.executeCommand('optimizerDiagnostics.inspectStepSizes', { panelId: r.panelId, section: 'moments' });
    // The slider moved to step 57: the webview asks the host for that step's inspection (what it posts on a move).
    assert.ok(api.receive(r.panelId, { type: 'view/inspectStep', seq: 1, runId: null, step: 57, param: 0 }));
    await waitFor(() => api.panels().find((p) => p.id === r.panelId)?.view.step === 57, 5_000, 'the host knows the step');
    const saved = api.recordings(r.panelId).map(bits);
    assert.strictEqual(saved.length, 3);

    const file = path.join(dir, 'saved.optdiag.json');
    const res = (await vscode.commands.executeCommand('optimizerDiagnostics.saveRunConfiguration', { panelId: r.panelId, path: file })) as { path: string } | undefined;
    assert.strictEqual(res?.path, file);
    const text = fs.readFileSync(file, 'utf8');
    const parsed = parseRunFile(text);
    assert.deepStrictEqual(parsed.view, { step: 57, section: 'moments' });
    assert.deepStrictEqual(parsed.config, ran.config, 'the file holds the configuration that ran');

    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    api.closeAll();
    const uri = vscode.Uri.file(file);
    const opened = await openEditor(uri);
    const again = await done(opened.id, 'the reopened run file', (p) => p.runs.length === 3);
    assert.strictEqual(vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputCustom, true, 'a custom editor tab');
    assert.strictEqual((vscode.window.tabGroups.activeTabGroup.activeTab!.input as vscode.TabInputCustom).viewType, 'optimizerDiagnostics.runFile');
    assert.deepStrictEqual(again.config, ran.config, 'same configuration');
    assert.deepStrictEqual(api.recordings(opened.id).map(bits), saved, 'same recorded numbers, bit for bit');
    // The step reaches the webview (it then asks the host for that step's inspection) and the section is revealed.
    await waitFor(() => editorPanel(uri)?.view.step === 57, 20_000, 'the webview at step 57');
    assert.deepStrictEqual(editorPanel(uri)!.view, { step: 57, section: 'moments' });
    const summary = await rendered(opened.id, (s) => s.runs === 3 && s.phase === 'done', 'the reopened panel drew 3 runs');
    assert.strictEqual(summary.error, null);
  });

  test('editing the document re-runs; a toolbar run writes the document (dirty); Undo restores; a malformed edit is located and fixing it recovers', async () => {
    const file = path.join(dir, 'edit.optdiag.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, loss: { builtin: 'canyon' }, steps: 80, runs: [{ id: 'r1', optimizer: 'adam', hyperparameters: { lr: 0.05 } }] }, null, 2) + '\n');
    const uri = vscode.Uri.file(file);
    const p = await openEditor(uri);
    await done(p.id, 'the first run', (x) => x.runs.length === 1);
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.strictEqual(doc.isDirty, false);

    // 1. The JSON edited (as in a text editor beside it): the panel re-runs what it says.
    const edit = new vscode.WorkspaceEdit();
    const at = doc.getText().indexOf('"steps": 80');
    edit.replace(uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + '"steps": 80'.length)), '"steps": 120');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await done(p.id, 'the re-run at 120 steps', (x) => x.config.steps === 120);
    assert.strictEqual(doc.isDirty, true, 'an edit makes the document dirty');

    // 2. The toolbar runs lr 0.01: written into the document, which runs it.
    const cur = editorPanel(uri)!.config;
    const next: SessionConfig = { ...cur, runs: [{ ...cur.runs[0]!, hyperparameters: { ...cur.runs[0]!.hyperparameters, lr: 0.01 } }] };
    assert.ok(api.receive(p.id, { type: 'run/start', config: next, live: false }));
    await done(p.id, 'the toolbar run', (x) => x.config.runs[0]!.hyperparameters['lr'] === 0.01);
    assert.strictEqual(parseRunFile(doc.getText()).config.runs[0]!.hyperparameters['lr'], 0.01, 'the document says what the toolbar ran');
    const at01 = api.recordings(p.id).map(bits);

    // 3. Undo (VS Code's own, on the document): back to lr 0.05, run again; Redo: lr 0.01, the same numbers.
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.Beside);
    await vscode.commands.executeCommand('undo');
    await done(p.id, 'the undone run', (x) => x.config.runs[0]!.hyperparameters['lr'] === 0.05 && x.config.steps === 120);
    assert.strictEqual(parseRunFile(doc.getText()).config.runs[0]!.hyperparameters['lr'], 0.05);
    await vscode.commands.executeCommand('redo');
    await done(p.id, 'the redone run', (x) => x.config.runs[0]!.hyperparameters['lr'] === 0.01);
    assert.deepStrictEqual(api.recordings(p.id).map(bits), at01, 'redo gives the same numbers');

    // 4. Malformed JSON: a located message in the panel (the last good runs stay); fixing it recovers.
    const broken = new vscode.WorkspaceEdit();
    const s = doc.getText().indexOf('"steps"');
    broken.insert(uri, doc.positionAt(s), ',');
    assert.ok(await vscode.workspace.applyEdit(broken));
    const failed = await waitFor(() => (editorPanel(uri)?.error?.kind === 'run-file' ? editorPanel(uri) : undefined), 10_000, 'the run-file error');
    const line = doc.positionAt(s).line + 1;
    assert.match(failed.error!.message, new RegExp(`^not valid JSON at line ${line} column \\d+: unexpected ","`));
    assert.strictEqual(failed.runs.length, 1, 'the last good run stays');
    await vscode.commands.executeCommand('undo');
    await done(p.id, 'recovered', (x) => x.error === null);

    // 5. A newer version: said, not half-read.
    const newer = new vscode.WorkspaceEdit();
    const v = doc.getText().indexOf('"version": 1');
    newer.replace(uri, new vscode.Range(doc.positionAt(v), doc.positionAt(v + '"version": 1'.length)), '"version": 2');
    assert.ok(await vscode.workspace.applyEdit(newer));
    const newerErr = await waitFor(() => (editorPanel(uri)?.error?.kind === 'run-file' ? editorPanel(uri)!.error : undefined), 10_000, 'the version error');
    assert.match(newerErr.message, /^version: this file is version 2, newer than this build/);
    await vscode.commands.executeCommand('undo');
    await done(p.id, 'recovered again', (x) => x.error === null);
    await doc.save();
    assert.strictEqual(doc.isDirty, false);
  });

  test('a malformed file opens with a located message, not a blank panel; fixing the text shows the panel', async () => {
    const file = path.join(dir, 'bad.optdiag.json');
    fs.writeFileSync(file, '{"version": 1,\n "loss": {"builtin": "canyon"},\n "steps": 30,,\n "runs": [{"optimizer": "sgd"}]}\n');
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.open', uri);
    await waitFor(() => vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputCustom, 10_000, 'the custom editor tab');
    await new Promise((r) => setTimeout(r, 1000));
    assert.strictEqual(editorPanel(uri), undefined, 'no session runs a file that does not parse');
    const doc = await vscode.workspace.openTextDocument(uri);
    const e = new vscode.WorkspaceEdit();
    const at = doc.getText().indexOf(',,');
    e.delete(uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + 1)));
    assert.ok(await vscode.workspace.applyEdit(e));
    const p = await waitFor(() => editorPanel(uri), 10_000, 'the panel after the fix');
    await done(p.id, 'the fixed file runs', (x) => x.runs.length === 1 && x.config.runs[0]!.optimizer === 'sgd');
    await doc.save();
  });

  test('Restricted Mode: a built-in runs; a loss file shows the trust message and runs nothing until trusted', async () => {
    api.setTrustedForTesting(false);
    const builtin = path.join(dir, 'builtin.optdiag.json');
    fs.writeFileSync(builtin, JSON.stringify({ version: 1, loss: { builtin: 'rosenbrock' }, steps: 40, runs: [{ optimizer: 'adam' }] }));
    const p1 = await openEditor(vscode.Uri.file(builtin));
    await done(p1.id, 'a built-in in Restricted Mode', (x) => x.runs.length === 1);

    const root = process.env.OD_EXTENSION_ROOT ?? path.resolve(__dirname, '..', '..', '..');
    fs.mkdirSync(path.join(dir, 'losses'), { recursive: true });
    fs.copyFileSync(path.join(root, 'examples', 'quad5.loss.ts'), path.join(dir, 'losses', 'quad5.loss.ts'));
    const withFile = path.join(dir, 'file.optdiag.json');
    fs.writeFileSync(withFile, JSON.stringify({ version: 1, loss: { file: 'losses/quad5.loss.ts' }, steps: 20, runs: [{ optimizer: 'sgd', hyperparameters: { lr: 0.01 } }] }));
    const uri = vscode.Uri.file(withFile);
    const p2 = await openEditor(uri);
    const failed = await waitFor(() => (editorPanel(uri)?.status.phase === 'failed' ? editorPanel(uri) : undefined), 20_000, 'the trust message');
    assert.strictEqual(failed.error?.kind, 'untrusted');
    assert.strictEqual(failed.error?.file, path.join(dir, 'losses', 'quad5.loss.ts'));
    assert.deepStrictEqual(failed.runs, [], 'nothing ran');
    api.setTrustedForTesting(true);
    await done(p2.id, 'the loss file runs once trusted', (x) => x.runs.length === 1 && x.loss?.dim === 5);
  });
});
