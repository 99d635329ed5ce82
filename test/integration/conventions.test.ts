// Bias correction and numerical conventions in the real extension host (issue 11 §3–§4): the panel's
// bias_correction switch (a hyperparameter field from the schema) gives a different run; the convention
// picker's config (convention, dtype) reaches the runs; a convention that does not define the optimizer
// fails with the core's one-line reason and keeps the last good run.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/host/extension';
import type { SessionConfig } from '../../src/protocol/messages';
import { activateExtension, waitFor, panel, rendered } from './helpers';

let api: ExtensionApi['testing'];

suite('Bias correction and conventions in the panel', function () {
  this.timeout(120_000);

  suiteSetup(async () => {
    api = (await activateExtension<ExtensionApi>()).testing;
  });

  teardown(() => {
    api.closeAll();
  });

  test('toggling bias_correction off re-runs Adam with the uncorrected update: a different run', async () => {
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'canyon', optimizer: 'adam', steps: 30, hyperparameters: { lr: 0.1 } })) as { panelId: string };
    const on = await rendered(r.panelId, (x) => x.runs === 1 && x.phase === 'done', 'Adam with bias correction');
    const cfg = panel(r.panelId).config;
    assert.strictEqual(cfg.runs[0]!.hyperparameters['bias_correction'] ?? true, true, 'default on (PyTorch)');
    const count = panel(r.panelId).renderCount;
    const off: SessionConfig = { ...cfg, runs: cfg.runs.map((x) => ({ ...x, hyperparameters: { ...x.hyperparameters, bias_correction: false } })) };
    assert.strictEqual(api.receive(r.panelId, { type: 'run/start', config: off, live: true }), true, 'the validator accepts the switch');
    // The host has the new config at once; the webview draws the new run when it finishes. Its loss range
    // must move: the lowest loss of the 30 steps is 1.639 with correction, 0.0326 without (the CLI's numbers).
    await waitFor(() => panel(r.panelId).status.phase === 'done' && panel(r.panelId).config.runs[0]!.hyperparameters['bias_correction'] === false, 30_000, 'the run without bias correction');
    const a = on.charts['convergence']!.yRange;
    assert.ok(a, 'the first run drew the convergence chart');
    const s = await rendered(r.panelId, (x) => x.phase === 'done' && panel(r.panelId).renderCount > count && JSON.stringify(x.charts['convergence']?.yRange) !== JSON.stringify(a), 'a different loss curve');
    const b = s.charts['convergence']!.yRange!;
    console.log(`    loss range with correction ${JSON.stringify(a)}, without ${JSON.stringify(b)}`);
    assert.ok(Math.abs(a[0] - 1.6390526) < 1e-6, `with correction the lowest loss is 1.639 (${a[0]})`);
    assert.ok(Math.abs(b[0] - 0.0325641029) < 1e-9, `without, 0.0326 (${b[0]})`);
  });

  test('the convention picker: tfjs float32 runs; a convention that does not define the optimizer is refused with the reason', async () => {
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'canyon', optimizer: 'rmsprop', steps: 40 })) as { panelId: string };
    await rendered(r.panelId, (x) => x.runs === 1 && x.phase === 'done', 'RMSprop (pytorch)');
    const cfg = panel(r.panelId).config;
    assert.strictEqual(cfg.convention, undefined, 'pytorch by default');
    const tfjs: SessionConfig = { ...cfg, convention: 'tfjs', dtype: 'float32' };
    assert.strictEqual(api.receive(r.panelId, { type: 'run/start', config: tfjs, live: false }), true);
    await rendered(r.panelId, (x) => x.phase === 'done' && panel(r.panelId).config.convention === 'tfjs', 'RMSprop (tfjs float32)');
    assert.strictEqual(panel(r.panelId).config.dtype, 'float32');
    assert.strictEqual(panel(r.panelId).error, null);
    // NAdam has no tfjs form: the run fails with the core's message and the last good run stays.
    const nadam: SessionConfig = { ...tfjs, dtype: undefined, runs: [{ id: 'r1', optimizer: 'nadam', hyperparameters: {} }] } as SessionConfig;
    api.receive(r.panelId, { type: 'run/start', config: JSON.parse(JSON.stringify(nadam)), live: false });
    const f = await rendered(r.panelId, (x) => x.phase === 'failed', 'refused NAdam under tfjs');
    assert.match(f.error ?? '', /the tfjs convention does not define NAdam/);
    assert.deepStrictEqual(panel(r.panelId).runs, ['r1'], 'the last good run stays');
    // An unknown convention is refused by the validator, with the field named.
    assert.strictEqual(api.receive(r.panelId, { type: 'run/start', config: { ...cfg, convention: 'jax' }, live: false }), false);
    const n = await rendered(r.panelId, (x) => /convention must be one of pytorch, tfjs, textbook/.test(x.notice ?? ''), 'refusal notice');
    console.log(`    notice: ${n.notice}`);
  });
});
