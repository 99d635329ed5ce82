// The stability map in the real extension host: a 48 × 48 lr × momentum map of SGD on the canyon streams
// into the panel in batches and the webview draws all of its cells; clicking a cell runs that configuration in
// the panel, and its numbers equal `simulate` of the same configuration bit for bit.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/host/extension';
import { BUILTIN_LOSSES, builtinProblem, createOptimizer, simulate } from '../../src/core';
import { summarizeRun } from '../../src/core/sweep';
import { activateExtension, panel, waitFor } from './helpers';

let api: ExtensionApi['testing'];

suite('Stability map (panel)', function () {
  this.timeout(180_000);

  suiteSetup(async () => {
    api = (await activateExtension<ExtensionApi>()).testing;
  });
  teardown(() => api.closeAll());

  test('48 × 48 lr × momentum on canyon streams in; a clicked cell is the simulate run, bit for bit', async () => {
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'canyon', optimizer: 'sgd', hyperparameters: { lr: 0.01, momentum: 0.5 }, steps: 300, newPanel: true })) as { panelId: string };
    await waitFor(() => panel(r.panelId).status.phase === 'done' && panel(r.panelId).ready, 60_000, 'the first run');
    const runId = panel(r.panelId).config.runs[0]!.id;
    const axes = [
      { name: 'lr', min: 1e-4, max: 1, scale: 'log', count: 48 },
      { name: 'momentum', min: 0, max: 0.99, scale: 'lin', count: 48 },
    ];
    const t0 = Date.now();
    assert.ok(api.receive(r.panelId, { type: 'map/start', runId, axes }), 'map/start accepted');
    const m = await waitFor(() => {
      const s = panel(r.panelId).map;
      return s && s.phase !== 'running' && s.lastRender && s.lastRender.cells === s.total ? s : undefined;
    }, 120_000, 'the map finished and drawn');
    console.log(`    48×48 map: ${m.message}; ${m.batches} batches; webview drew ${m.lastRender!.cells} cells in ${Date.now() - t0} ms; counts ${JSON.stringify(m.lastRender!.counts)}`);
    assert.strictEqual(m.phase, 'done', m.message);
    assert.strictEqual(m.total, 2304);
    assert.ok(m.batches > 1, `cells streamed in batches (${m.batches})`);
    assert.ok(m.batches < 100, 'batched, not one message per cell');
    assert.strictEqual(m.lastRender!.total, 2304);
    assert.ok(m.lastRender!.logX && !m.lastRender!.logY, 'log lr axis, linear momentum axis');
    assert.deepStrictEqual(m.lastRender!.marker, [0.01, 0.5], 'the current run is marked');
    const counts = m.lastRender!.counts;
    assert.ok((counts['converged'] ?? 0) > 200 && (counts['diverged'] ?? 0) + (counts['diverging'] ?? 0) > 200, JSON.stringify(counts));

    // Click a converged cell with momentum (and a diverged one): the panel runs that configuration.
    const b = BUILTIN_LOSSES['canyon']!;
    const pick = (want: string) => m.summaries.findIndex((s, k) => s?.outcome === want && k % 48 > 30);
    for (const k of [pick('converged'), pick('diverged')]) {
      assert.ok(k >= 0);
      const lr = m.values[0]![Math.floor(k / 48)]!;
      const momentum = m.values[1]![k % 48]!;
      const before = panel(r.panelId).status.requestId;
      assert.ok(api.receive(r.panelId, { type: 'map/openCell', mapId: m.mapId, index: k }));
      await waitFor(() => {
        const p = panel(r.panelId);
        const hp = p.config.runs[0]!.hyperparameters;
        return p.status.phase === 'done' && p.status.requestId !== before && hp['lr'] === lr && hp['momentum'] === momentum && p.finalLosses.length === 1;
      }, 60_000, `cell ${k} run in the panel`);
      const p = panel(r.panelId);
      const rec = simulate({ problem: builtinProblem(b), optimizer: createOptimizer('sgd', p.config.runs[0]!.hyperparameters), start: Float64Array.from(b.start), steps: 300, record: 'trajectory' });
      const want = summarizeRun(rec, { tolerance: 1e-6, fMin: 0 });
      assert.deepStrictEqual(m.summaries[k], want, `cell ${k}: the map's numbers are simulate's`);
      assert.ok(Object.is(p.finalLosses[0], rec.loss[rec.stepsCompleted]), `cell ${k}: the panel's run ends at simulate's loss (${p.finalLosses[0]} vs ${rec.loss[rec.stepsCompleted]})`);
      assert.ok(Object.is(p.finalLosses[0], m.summaries[k]!.finalLoss), `cell ${k}: and at the map's`);
      // the marker follows the panel's run
      await waitFor(() => {
        const mk = panel(r.panelId).map?.lastRender?.marker;
        return mk && mk[0] === lr && mk[1] === momentum;
      }, 20_000, 'the marker moved to the opened cell');
    }
  });

  test('Stop cancels a map; bad axes are refused with a message', async () => {
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'canyon', optimizer: 'sgd', steps: 50_000, newPanel: true })) as { panelId: string };
    await waitFor(() => panel(r.panelId).status.phase === 'done' && panel(r.panelId).ready, 60_000, 'the first run');
    const runId = panel(r.panelId).config.runs[0]!.id;
    assert.ok(api.receive(r.panelId, { type: 'map/start', runId, axes: [{ name: 'lr', min: 1e-4, max: 1, scale: 'log', count: 64 }, { name: 'momentum', min: 0, max: 0.99, scale: 'lin', count: 64 }] }));
    await waitFor(() => panel(r.panelId).map?.phase === 'running', 20_000, 'the map started');
    assert.ok(api.receive(r.panelId, { type: 'map/stop' }));
    const m = await waitFor(() => (panel(r.panelId).map?.phase === 'cancelled' ? panel(r.panelId).map : undefined), 30_000, 'the map cancelled');
    assert.ok(m.done < m.total);
    assert.strictEqual(api.receive(r.panelId, { type: 'map/start', runId, axes: [{ name: 'lr', min: 1, max: 0.1, scale: 'zig', count: 3 }] }), false, 'malformed axes are refused');
  });
});
