// Schedules and optimizer switches in the real extension host: the panel's lr preview is computed by the
// core on the host and drawn by the webview before anything runs (run/validate); a run with a schedule and
// a switch runs, charts its scheduled lr on the effective-lr chart and draws the switch marker.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/host/extension';
import type { SessionConfig } from '../../src/protocol/messages';
import { activateExtension, waitFor, rendered } from './helpers';

let api: ExtensionApi['testing'];

suite('Schedules and switches in the panel', function () {
  this.timeout(120_000);

  suiteSetup(async () => {
    api = (await activateExtension<ExtensionApi>()).testing;
  });

  teardown(() => {
    api.closeAll();
  });

  test('the lr preview is drawn before running; the run charts the scheduled lr and the switch marker', async () => {
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'canyon', optimizer: 'adam', steps: 100 })) as { panelId: string };
    await rendered(r.panelId, (x) => x.runs === 1 && x.phase === 'done', 'first run');
    const p = await waitFor(() => api.panels().find((x) => x.id === r.panelId), 10_000, 'panel info');
    const run = p.config.runs[0]!;
    const scheduled: SessionConfig = {
      ...p.config,
      runs: [{ ...run, schedule: { schedulers: [{ name: 'CosineAnnealingLR', args: { T_max: 100, eta_min: 0.001 } }] } }],
    };
    // 1. A schedule arrives from the host (as from a restored panel): the webview asks the host to validate it;
    // the core computes the lr of every step and the toolbar draws that preview. Then the run.
    assert.ok(api.receive(r.panelId, { type: 'run/start', config: scheduled, live: false }));
    const done = await rendered(r.panelId, (x) => x.phase === 'done' && (x.charts['effectiveLr']?.labels ?? []).some((l) => l.includes('lr (schedule)')), 'scheduled run');
    assert.ok(done.charts['effectiveLr']!.labels.some((l) => l.includes('lr (schedule)')), 'the effective-lr chart draws the scheduled lr');
    const info = api.panels().find((x) => x.id === r.panelId)!;
    assert.deepStrictEqual(info.config.runs[0]!.schedule, scheduled.runs[0]!.schedule, 'the panel ran the schedule');
    // The preview the toolbar drew (computed on the host before the run's steps arrived).
    const withPreview = await rendered(r.panelId, (x) => (x.schedule?.previewPoints ?? 0) > 0, 'preview drawn');
    assert.deepStrictEqual(withPreview.schedule!.previewRuns, [run.id]);

    // 2. A switch: Adam, then SGD with momentum at step 50 (fresh state): the marker is on the step charts.
    const switched: SessionConfig = {
      ...scheduled,
      runs: [{ ...scheduled.runs[0]!, then: [{ optimizer: 'sgd', hyperparameters: { lr: 0.02, momentum: 0.9 }, fromStep: 50 }] }],
    };
    assert.ok(api.receive(r.panelId, { type: 'run/start', config: switched, live: false }));
    const sw = await rendered(r.panelId, (x) => x.phase === 'done' && (x.schedule?.switches ?? []).includes(50), 'switched run');
    assert.deepStrictEqual(sw.schedule!.switches, [50]);
    assert.deepStrictEqual(api.panels().find((x) => x.id === r.panelId)!.config.runs[0]!.then, switched.runs[0]!.then);

    // 3. A schedule the core refuses is not run: the panel says why.
    const bad: SessionConfig = { ...p.config, runs: [{ ...run, schedule: { schedulers: [{ name: 'StepLR', args: {} }] } }] };
    assert.ok(api.receive(r.panelId, { type: 'run/start', config: bad, live: false }));
    await waitFor(() => api.panels().find((x) => x.id === r.panelId)?.status.phase === 'failed', 20_000, 'refused schedule');
    assert.match(api.panels().find((x) => x.id === r.panelId)!.error!.message, /StepLR: invalid step_size: required keyword is missing/);
  });
});
