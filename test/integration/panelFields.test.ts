// The panel reaches what the CLI reaches (issue 11 §6, §5): the toolbar's gradient noise σ, seed and batch
// size, and the gradient mode, are sent in the run request and applied by the runner as `simulate` applies
// its flags: the panel's run, exported as JSON (the simulate --json document), equals the CLI's run with the
// same flags bit for bit, end point included (the values table's gap, sharpness and ε-flatness).
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/host/extension';
import type { SessionConfig } from '../../src/protocol/messages';
import { panelCurvatureEvery } from '../../src/protocol/curvatureSeries';
import { activateExtension, panel, waitFor } from './helpers';

let api: ExtensionApi['testing'];
const root = process.env.OD_EXTENSION_ROOT ?? path.resolve(__dirname, '..', '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
let tmp = '';

/**
 * `node dist/cli.js simulate … --endpoint --curvature --json` (this host's runtime as Node: Electron needs
 * ELECTRON_RUN_AS_NODE), with the curvature points the panel computes for this loss and step count
 * (panelCurvatureEvery: the panel's export carries them as trajectory.curvature).
 */
function simulate(args: string[], dim: number): { trajectory: Record<string, unknown>; loss: { gradient?: string } } {
  const steps = Number(args[args.indexOf('--steps') + 1]);
  const every = panelCurvatureEvery(dim, steps);
  const curvature = every > 0 ? ['--curvature', '--curvature-every', String(every)] : [];
  const r = cp.spawnSync(process.execPath, [cli, 'simulate', ...args, ...curvature, '--endpoint', '--json'], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, maxBuffer: 64 << 20 });
  assert.strictEqual(r.status, 0, `simulate ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as { trajectory: Record<string, unknown>; loss: { gradient?: string } };
}

/** The panel's only run as the JSON export writes it (the simulate --json document). */
async function exported(name: string): Promise<{ trajectory: Record<string, unknown>; loss: { gradient?: string } }> {
  const out = (await vscode.commands.executeCommand('optimizerDiagnostics.exportRun', { format: 'json', path: path.join(tmp, name) })) as { files: string[] };
  return JSON.parse(fs.readFileSync(out.files[0]!, 'utf8')) as { trajectory: Record<string, unknown>; loss: { gradient?: string } };
}

async function runConfig(panelId: string, config: SessionConfig, done: (c: SessionConfig) => boolean, what: string): Promise<void> {
  const before = panel(panelId).renderCount;
  assert.strictEqual(api.receive(panelId, { type: 'run/start', config, live: false }), true, `the validator accepts ${what}`);
  await waitFor(() => panel(panelId).status.phase === 'done' && done(panel(panelId).config) && panel(panelId).renderCount > before, 60_000, what);
}

suite('Panel fields: gradient noise, seed, batch size, gradient mode; end point', function () {
  this.timeout(180_000);

  suiteSetup(async () => {
    api = (await activateExtension<ExtensionApi>()).testing;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'od-fields-'));
  });
  teardown(() => api.closeAll());
  suiteTeardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('σ, seed and batch size from the panel give the CLI\'s run with --noise --seed --batch-size, bit for bit', async function () {
    const file = path.join(root, 'examples', 'linear-regression.loss.ts');
    if (!fs.existsSync(cli)) this.skip();
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: file, optimizer: 'sgd', hyperparameters: { lr: 0.1 }, steps: 60, newPanel: true })) as { panelId: string };
    await waitFor(() => panel(r.panelId).status.phase === 'done' && panel(r.panelId).runs.length === 1, 60_000, 'the first run');
    const cfg = panel(r.panelId).config;
    const noisy: SessionConfig = { ...cfg, seed: 7, batchSize: 8, gradientNoise: 0.3 };
    await runConfig(r.panelId, noisy, (c) => c.gradientNoise === 0.3 && c.batchSize === 8 && c.seed === 7, 'the run with σ 0.3, seed 7, batch 8');
    const fromPanel = await exported('noisy.json');
    const fromCli = simulate(['--loss', file, '--optimizer', 'sgd', '--lr', '0.1', '--steps', '60', '--seed', '7', '--batch-size', '8', '--noise', '0.3'], panel(r.panelId).loss!.dim);
    assert.ok(fromCli.trajectory['endpoint'], 'the CLI reports the end point');
    assert.strictEqual(JSON.stringify(fromPanel.trajectory), JSON.stringify(fromCli.trajectory), 'the whole trajectory (params, loss, grads, state, validation loss, end point) is identical');
    // …and differs from the run without noise (the fields did reach the runner).
    const plain = simulate(['--loss', file, '--optimizer', 'sgd', '--lr', '0.1', '--steps', '60'], panel(r.panelId).loss!.dim);
    assert.notStrictEqual(JSON.stringify(plain.trajectory['params']), JSON.stringify(fromPanel.trajectory['params']));
    const e = fromPanel.trajectory['endpoint'] as { gap: number; train_loss: number; heldout_loss: number; sharpness: number; sharpness_method: string; seed: number };
    assert.strictEqual(e.gap, e.heldout_loss - e.train_loss);
    assert.strictEqual(e.sharpness_method, 'autodiff');
    assert.strictEqual(e.seed, 7, 'the flatness directions come from the panel\'s seed');
    console.log(`    end point: train ${e.train_loss}, held-out ${e.heldout_loss}, gap ${e.gap}, λ_max ${e.sharpness}`);
    // σ 0 (an emptied field) is no noise: the config drops it and the run is the CLI's without --noise.
    const { gradientNoise: _n, ...quiet } = noisy;
    void _n;
    await runConfig(r.panelId, quiet, (c) => c.gradientNoise === undefined, 'the run without noise');
    const q = await exported('quiet.json');
    assert.strictEqual(JSON.stringify(q.trajectory), JSON.stringify(simulate(['--loss', file, '--optimizer', 'sgd', '--lr', '0.1', '--steps', '60', '--seed', '7', '--batch-size', '8'], panel(r.panelId).loss!.dim).trajectory));
    // A negative σ is refused by the validator with the field named (the panel says why).
    assert.strictEqual(api.receive(r.panelId, { type: 'run/start', config: { ...noisy, gradientNoise: -1 }, live: false }), false);
  });

  test('the built-in data problem overparam-logistic in the panel: batch, seed, σ and the end point as simulate gives them', async function () {
    if (!fs.existsSync(cli)) this.skip();
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'overparam-logistic', optimizer: 'adam', hyperparameters: { lr: 0.01 }, steps: 40, newPanel: true })) as { panelId: string };
    await waitFor(() => panel(r.panelId).status.phase === 'done' && panel(r.panelId).runs.length === 1, 60_000, 'the first run');
    const info = panel(r.panelId).loss!;
    assert.strictEqual(info.dim, 101);
    assert.ok(info.hasData && info.hasValidation);
    const cfg = panel(r.panelId).config;
    await runConfig(r.panelId, { ...cfg, seed: 5, batchSize: 10, gradientNoise: 0.01 }, (c) => c.batchSize === 10 && c.seed === 5, 'batch 10, seed 5, σ 0.01');
    const fromPanel = await exported('data.json');
    const fromCli = simulate(['--loss', 'overparam-logistic', '--optimizer', 'adam', '--lr', '0.01', '--steps', '40', '--seed', '5', '--batch-size', '10', '--noise', '0.01'], panel(r.panelId).loss!.dim);
    assert.strictEqual(JSON.stringify(fromPanel.trajectory), JSON.stringify(fromCli.trajectory));
    const e = fromPanel.trajectory['endpoint'] as { sharpness_method: string; gap: number };
    assert.strictEqual(e.sharpness_method, 'analytic');
    console.log(`    overparam-logistic, Adam, batch 10: gap ${e.gap}`);
  });

  test('the gradient mode: a file the automatic gradient refuses runs numeric, as --gradient numeric', async function () {
    const file = path.join(root, 'test', 'fixtures', 'losses', 'bitwise.loss.js');
    if (!fs.existsSync(cli) || !fs.existsSync(file)) this.skip();
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: file, optimizer: 'sgd', hyperparameters: { lr: 0.05 }, steps: 20, newPanel: true })) as { panelId: string };
    await waitFor(() => panel(r.panelId).status.phase === 'failed', 60_000, 'the refused automatic gradient');
    assert.match(panel(r.panelId).error?.message ?? '', /cannot differentiate the bitwise operator/);
    const cfg = panel(r.panelId).config;
    await runConfig(r.panelId, { ...cfg, gradientMode: 'numeric' }, (c) => c.gradientMode === 'numeric', 'the numeric run');
    assert.strictEqual(panel(r.panelId).loss?.gradient, 'numeric', 'the loss header says numeric');
    assert.strictEqual(panel(r.panelId).error, null);
    const fromPanel = await exported('numeric.json');
    const fromCli = simulate(['--loss', file, '--optimizer', 'sgd', '--lr', '0.05', '--steps', '20', '--gradient', 'numeric'], panel(r.panelId).loss!.dim);
    assert.strictEqual(fromPanel.loss.gradient, 'numeric');
    assert.strictEqual(JSON.stringify(fromPanel.trajectory), JSON.stringify(fromCli.trajectory));
    // An unknown mode is refused by the validator.
    assert.strictEqual(api.receive(r.panelId, { type: 'run/start', config: { ...cfg, gradientMode: 'finite-differences' }, live: false }), false);
  });
});
