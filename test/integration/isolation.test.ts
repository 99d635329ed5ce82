// Loss files run in loss processes (src/runner): inside the real extension host, a loss file that
// SIGKILLs its process, one that runs out of memory and one that aborts each fail with a located
// message, and the same extension host then runs a second loss file; Stop during an infinite loop ends
// the run within the watchdog time (and far sooner), and the next run works.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/host/extension';
import { activateExtension, waitFor, panel } from './helpers';

let api: ExtensionApi['testing'];

function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  const dir = path.join(folder.uri.fsPath, '.od-isolation-tests');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

const GOOD = `export default {
  params: { x: -1.5, y: 2 },
  loss(p) {
    return (p.x - 1) ** 2 + 5 * (p.y + 0.5) ** 2;
  },
};
`;

async function simulate(file: string, steps = 100): Promise<string> {
  const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: { kind: 'file', path: file }, optimizer: 'adam', hyperparameters: { lr: 0.05 }, steps })) as { panelId: string };
  return r.panelId;
}

async function secondLossRuns(): Promise<void> {
  const file = path.join(workspaceDir(), 'good.loss.js');
  fs.writeFileSync(file, GOOD);
  const id = await simulate(file);
  await waitFor(() => panel(id).status.phase === 'done' && panel(id).runs.length === 1, 60_000, 'a second loss file runs in the same extension host');
}

suite('Loss processes: the extension host survives what a loss file does', function () {
  this.timeout(180_000);

  suiteSetup(async () => {
    api = (await activateExtension<ExtensionApi>()).testing;
    api.setTrustedForTesting(true);
  });

  teardown(() => api.closeAll());

  suiteTeardown(async () => {
    api.setTrustedForTesting(undefined);
    await vscode.workspace.getConfiguration('optimizerDiagnostics').update('memoryLimitMb', undefined, vscode.ConfigurationTarget.Global);
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder) fs.rmSync(path.join(folder.uri.fsPath, '.od-isolation-tests'), { recursive: true, force: true });
  });

  const crashes: [string, string, RegExp][] = [
    ['process.kill(process.pid, "SIGKILL")', `let n = 0;
export default { params: { x: 1, y: 2 }, loss(p) { if (++n === 13) process.kill(process.pid, 'SIGKILL'); return p.x * p.x + p.y * p.y; } };
`, /^the loss process was killed by SIGKILL at step 11: the loss file sent SIGKILL to its own process$/],
    ['out of memory', `const keep = [];
export default { params: { x: 1, y: 2 }, loss(p) { for (;;) keep.push(new Array(1e6).fill(1)); } };
`, /^out of memory \(128 MB limit\) while checking the loss at its start point: the loss process (ran out of heap|used \d+ MB) and was stopped$/],
    ['process.abort()', `let n = 0;
export default { params: { x: 1, y: 2 }, loss(p) { if (++n === 2) process.abort(); return p.x * p.x; } };
`, /^the loss process was killed by SIGABRT at the first evaluation \(step 0\): process\.abort\(\) was called$/],
  ];
  for (const [what, source, message] of crashes) {
    test(`${what}: a located error, then a second loss file runs`, async () => {
      await vscode.workspace.getConfiguration('optimizerDiagnostics').update('memoryLimitMb', 128, vscode.ConfigurationTarget.Global);
      const file = path.join(workspaceDir(), `crash-${crashes.findIndex((c) => c[0] === what)}.loss.js`);
      fs.writeFileSync(file, source);
      const id = await simulate(file);
      await waitFor(() => panel(id).status.phase === 'failed', 60_000, `the panel reports the ${what}`);
      const error = panel(id).error;
      assert.ok(error, 'an error');
      assert.strictEqual(error.file, file);
      assert.match(error.message, message);
      const problems = api.problems().join('\n');
      assert.ok(problems.includes(path.basename(file)), `Problems lists the file: ${problems}`);
      await secondLossRuns();
    });
  }

  test('a run that throws at step 2 of 20 keeps its partial run and shows the error in the banner and Problems', async () => {
    const file = path.join(workspaceDir(), 'throws-at-2.loss.js');
    fs.writeFileSync(file, `export default {
  params: { x: 1, y: 1 },
  loss(p) {
    if (p.x < 0.7) throw new Error('bad at step 2');
    return p.x * p.x + p.y * p.y;
  },
};
`);
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: { kind: 'file', path: file }, optimizer: 'sgd', hyperparameters: { lr: 0.1 }, steps: 20 })) as { panelId: string };
    await waitFor(() => panel(r.panelId).status.phase === 'failed', 60_000, 'the panel reports the error');
    const p = panel(r.panelId);
    assert.deepStrictEqual(p.runs, ['r1'], 'the partial run is kept');
    assert.match(p.error?.message ?? '', /bad at step 2/);
    assert.strictEqual(p.error?.line, 4);
    assert.strictEqual(p.error?.step, 2);
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(vscode.Uri.file(file));
      return d.length ? d : undefined;
    }, 10_000, 'a Problems entry');
    assert.strictEqual(diags[0]!.range.start.line, 3);
  });

  test('Stop during an infinite loop ends the run at once, says so, and the next run works', async () => {
    const file = path.join(workspaceDir(), 'loops.loss.js');
    fs.writeFileSync(file, `let n = 0;
export default { params: { x: 1, y: 1 }, loss(p) { if (++n >= 50) while (true) {} return p.x * p.x + p.y * p.y; } };
`);
    const id = await simulate(file, 1000);
    await waitFor(() => panel(id).status.phase === 'running' && panel(id).loss !== null, 60_000, 'the run started');
    await new Promise((r) => setTimeout(r, 1500)); // inside the loop now
    assert.strictEqual(panel(id).status.phase, 'running');
    const t0 = Date.now();
    assert.ok(api.receive(id, { type: 'run/stop' }), 'the panel accepts Stop');
    await waitFor(() => panel(id).status.phase === 'cancelled', 5000, 'Stop ends the run');
    const ms = Date.now() - t0;
    console.log(`    Stop → cancelled in ${ms} ms (watchdog ${vscode.workspace.getConfiguration('optimizerDiagnostics').get('workerTimeoutMs')} ms)`);
    assert.ok(ms < 3000, `Stop took ${ms} ms`);
    assert.match(panel(id).status.message ?? '', /^stopped: the loss process was terminated/);
    await secondLossRuns();
  });
});
