// The panel's curvature cards get their data from the runner (README "Curvature and stability", panel):
// a real panel in the extension host, its webview's render summaries. Canyon with GD: λ_max(H) = 20,
// λ_min = 2 and the threshold 2/η span the curvature chart's y range; the eigen-decomposition view has both
// modes with the linear theory; α has a dot per step. The mlp example with Adam: Lanczos every K-th step,
// the preconditioned sharpness against (2 + 2β₁)/((1 − β₁)η).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/host/extension';
import type { RenderSummary } from '../../src/protocol/messages';
import { activateExtension, panel, waitFor } from './helpers';

let api: ExtensionApi['testing'];
const root = process.env.OD_EXTENSION_ROOT ?? path.resolve(__dirname, '..', '..', '..');

const done = (id: string, accept: (s: RenderSummary) => boolean) =>
  waitFor(() => {
    const s = api.lastRender(id);
    return s && s.phase === 'done' && panel(id).status.phase === 'done' && s.charts['curvature'] && accept(s) ? s : undefined;
  }, 60_000, `a finished render of ${id} with the curvature chart`);

suite('Diagnostics panel: curvature cards', function () {
  this.timeout(120_000);
  suiteSetup(async () => {
    api = (await activateExtension<ExtensionApi>()).testing;
  });
  teardown(() => api.closeAll());

  for (const lr of [0.09, 0.11]) {
    test(`canyon, GD lr ${lr}: λ_max = 20 against 2/η = ${(2 / lr).toFixed(3)}`, async () => {
      const steps = 120;
      const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'canyon', optimizer: 'sgd', hyperparameters: { lr }, steps, newPanel: true })) as { panelId: string };
      const s = await done(r.panelId, (x) => x.charts['curvature']!.datasets >= 3);
      const c = s.charts['curvature']!;
      assert.deepStrictEqual(c.labels, ['λ_max(H)', 'λ_min(H)', 'threshold 2/η']);
      assert.strictEqual(c.yScale, 'logarithmic');
      assert.strictEqual(c.yRange![0], 2, 'λ_min(H) = 2');
      const top = Math.max(20, 2 / lr);
      assert.ok(Math.abs(c.yRange![1] - top) < 1e-9, `top of the data: max(λ_max, 2/η) = ${top}, got ${c.yRange![1]}`);
      assert.strictEqual(c.points, 3 * (steps + 1), 'λ_max, λ_min and the threshold at every recorded point');
      const a = s.charts['stepQuality']!;
      assert.strictEqual(a.points, steps, 'one α per step (the diverging run too)');
      const e = s.charts['eigen']!;
      assert.deepStrictEqual(e.labels, ['|e·q₁|  λ₁ = 20', 'theory |c₁(0)|·0.8ᵗ'.replace('0.8', lr === 0.09 ? '0.8' : '1.2'), '|e·q₂|  λ₂ = 2', `theory |c₂(0)|·${lr === 0.09 ? '0.82' : '0.78'}ᵗ`]);
      assert.strictEqual(e.visible, true);
    });
  }

  test('quad5 loss file (5 parameters), Adam: every K-th step, λ_max(P⁻¹H) against (2 + 2β₁)/((1 − β₁)η); its constant Hessian gets the eigen view', async function () {
    const file = path.join(root, 'examples', 'quad5.loss.ts');
    if (!fs.existsSync(file)) this.skip();
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: file, optimizer: 'adam', hyperparameters: { lr: 0.01 }, steps: 100, newPanel: true })) as { panelId: string };
    const s = await done(r.panelId, (x) => x.charts['curvature']!.datasets >= 3);
    const c = s.charts['curvature']!;
    assert.ok(c.labels.includes('λ_max(H)'), c.labels.join(', '));
    assert.ok(c.labels.includes('λ_max(P⁻¹H)'), c.labels.join(', '));
    assert.ok(c.labels.includes('threshold (2 + 2β₁)/((1 − β₁)η)'), c.labels.join(', '));
    assert.ok(c.yRange && c.yRange[1] >= 3800 - 1e-6, `the threshold 38/0.01 = 3800 is on the chart (y range ${c.yRange})`);
  });

  test('mlp example (193 parameters): a loss file above 20 parameters gets no curvature and no end point by default (the run is not slowed down)', async function () {
    const file = path.join(root, 'examples', 'mlp.loss.ts');
    if (!fs.existsSync(file)) this.skip();
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: file, optimizer: 'adam', hyperparameters: { lr: 0.01 }, steps: 100, newPanel: true })) as { panelId: string };
    const s = await done(r.panelId, () => true);
    assert.strictEqual(s.charts['curvature']!.datasets, 0, 'no curvature series');
    assert.strictEqual(s.charts['eigen']!.visible, false);
  });
});
