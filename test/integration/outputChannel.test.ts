// The "Optimizer Diagnostics" output channel in the real extension host: a run, a loss file that
// throws, a worker restart (watchdog) and a command error each leave a line, both in what the
// extension wrote (testing.log()) and in the channel's own log file that VS Code writes
// (a LogOutputChannel: `<logUri>/Optimizer Diagnostics.log`, the text the Output view shows).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/host/extension';
import { activateExtension, waitFor } from './helpers';

let api: ExtensionApi['testing'];

function dir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  const d = path.join(folder.uri.fsPath, '.od-log-tests');
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** Waits until the channel's log FILE has a line matching `re` (VS Code flushes it asynchronously). */
async function inLogFile(re: RegExp, what: string): Promise<string> {
  return waitFor(() => {
    const text = fs.existsSync(api.logFile) ? fs.readFileSync(api.logFile, 'utf8') : '';
    return text.split('\n').find((l) => re.test(l));
  }, 20_000, `${what} in ${api.logFile}`);
}

suite('Output channel', function () {
  this.timeout(120_000);

  suiteSetup(async () => {
    api = (await activateExtension<ExtensionApi>()).testing;
  });

  teardown(() => api.closeAll());

  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('optimizerDiagnostics').update('workerTimeoutMs', undefined, vscode.ConfigurationTarget.Global);
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder) fs.rmSync(path.join(folder.uri.fsPath, '.od-log-tests'), { recursive: true, force: true });
  });

  test('activation is logged', async () => {
    assert.ok(api.log().some((e) => e.level === 'info' && /activated \(VS Code /.test(e.message)), JSON.stringify(api.log()));
    const line = await inLogFile(/\[info\] .*activated \(VS Code /, 'the activation line');
    console.log(`    ${path.basename(api.logFile)}: ${line}`);
  });

  test('a simulation logs loss, optimizer, hyperparameters, steps, time and outcome', async () => {
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'rosenbrock', optimizer: 'adam', hyperparameters: { lr: 0.03 }, steps: 250, newPanel: true })) as { panelId: string };
    assert.ok(r?.panelId);
    await waitFor(() => api.panels().find((p) => p.id === r.panelId)?.status.phase === 'done', 30_000, 'the run to finish');
    const line = await inLogFile(/\[info\] run done in [\d.]+ ms: rosenbrock · adam\(lr=0\.03, .*\) · 250 steps, seed 0 \(1 run\(s\) × 250 steps in [\d.]+ ms\)/, 'the run line');
    console.log(`    ${line}`);
  });

  test('a loss file that throws logs an error with file:line:column', async () => {
    const file = path.join(dir(), 'throws.loss.js');
    fs.writeFileSync(file, [
      '// throws on every call',
      'export default {',
      "  params: { x: 1, y: 2 },",
      '  loss(p) {',
      "    if (p.x < 1e9) throw new Error('fails on purpose');",
      '    return p.x * p.x + p.y * p.y;',
      '  },',
      '};',
      '',
    ].join('\n'));
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: { kind: 'file', path: file }, optimizer: 'sgd', steps: 20, newPanel: true })) as { panelId: string };
    await waitFor(() => api.panels().find((p) => p.id === r.panelId)?.status.phase === 'failed', 30_000, 'the run to fail');
    const entry = api.log().find((e) => e.level === 'error' && e.message.includes('throws.loss.js'));
    assert.ok(entry, JSON.stringify(api.log().slice(-5)));
    assert.match(entry.message, /^run failed after [\d.]+ ms \(threw\): \.od-log-tests\/throws\.loss\.js · sgd\(lr=.*\) · 20 steps, seed 0: .*throws\.loss\.js:5:\d+: .*fails on purpose/);
    const line = await inLogFile(/\[error\] run failed .*throws\.loss\.js:5:\d+: .*fails on purpose/, 'the error line');
    console.log(`    ${line}`);
  });

  test('a worker restart (watchdog on an infinite loop) is logged', async () => {
    await vscode.workspace.getConfiguration('optimizerDiagnostics').update('workerTimeoutMs', 1500, vscode.ConfigurationTarget.Global);
    const file = path.join(dir(), 'loops.loss.js');
    fs.writeFileSync(file, 'export default { params: { x: 1 }, loss(p) { for (;;) {} } };\n');
    const r = (await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: { kind: 'file', path: file }, optimizer: 'sgd', steps: 5, newPanel: true })) as { panelId: string };
    await waitFor(() => api.panels().find((p) => p.id === r.panelId)?.status.phase === 'failed', 30_000, 'the watchdog to stop the run');
    const line = await inLogFile(/\[warning\] worker restarted: .*loops\.loss\.js/, 'the restart line');
    console.log(`    ${line}`);
    await inLogFile(/\[error\] run failed .*\(timeout\).*loops\.loss\.js/, 'the timeout error');
    // The next run gets a fresh worker and is logged as usual.
    await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'canyon', optimizer: 'sgd', steps: 50, newPanel: true });
    await inLogFile(/\[info\] run done .*canyon · sgd\(.*\) · 50 steps/, 'the run after the restart');
  });

  test('a command that fails is logged', async () => {
    await vscode.commands.executeCommand('optimizerDiagnostics.simulate', { loss: 'canyon', optimizer: 'no-such-optimizer' });
    await inLogFile(/\[error\] Simulate failed: unknown optimizer "no-such-optimizer"/, 'the command error');
  });
});
