// The runner and the real worker (dist/worker.js, built by `node esbuild.mjs`): requests, progress,
// exact-length transferred columns, errors as LossErrorExceptions, cancel, supersede, the watchdog
// (an infinite loop is stopped and the next run works), crashes, trust.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import type { RecordingColumns, SimulationRequest } from '../../../src/protocol/simulation';
import { LossErrorException, SimulationRunner } from '../../../src/runner/client';
import { assertLossError, example, fixture, lossErrorOf, tempFiles, WORKER } from './fixtures';

const runners: SimulationRunner[] = [];
function runner(timeoutMs = 10_000, allowWorkspaceCode = true): SimulationRunner {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run node esbuild.mjs first`);
  const r = new SimulationRunner({ workerPath: WORKER, timeoutMs, allowWorkspaceCode });
  runners.push(r);
  return r;
}
after(() => runners.forEach((r) => r.dispose()));

let n = 0;
function request(loss: SimulationRequest['loss'], extra: Partial<SimulationRequest> = {}): SimulationRequest {
  return {
    requestId: `t${++n}`,
    loss,
    runs: [
      { id: 'sgd', optimizer: 'sgd', hyperparameters: { lr: 1e-3, momentum: 0.9 } },
      { id: 'adam', optimizer: 'adam', hyperparameters: { lr: 0.05 } },
    ],
    steps: 500,
    ...extra,
  };
}

function assertExact(rec: RecordingColumns): void {
  const n = rec.stepsCompleted;
  const exact = (a: Float64Array, len: number, what: string) => {
    assert.equal(a.length, len, what);
    assert.equal(a.buffer.byteLength, len * 8, `${what}: an exact-length copy, not a view`);
  };
  exact(rec.params, (n + 1) * rec.dim, 'params');
  exact(rec.loss, n + 1, 'loss');
  exact(rec.grad, n * rec.dim, 'grad');
  exact(rec.lr, n, 'lr');
  for (const [k, v] of Object.entries(rec.state)) exact(v, n * rec.dim, `state.${k}`);
  for (const [k, v] of Object.entries(rec.scalarState)) exact(v, n, `scalarState.${k}`);
}

describe('SimulationRunner', () => {
  test('built-in: describe without a worker, run with progress and exact-length columns', async () => {
    const r = runner();
    const info = await r.describe({ kind: 'builtin', name: 'rosenbrock' });
    assert.equal(info.gradient, 'analytic');
    const progress: [string, number, number][] = [];
    const result = await r.run(request({ kind: 'builtin', name: 'rosenbrock' }), { onProgress: (id, done, total) => progress.push([id, done, total]) });
    assert.equal(result.cancelled, false);
    assert.deepEqual(result.runs.map((x) => x.runId), ['sgd', 'adam']);
    assert.deepEqual(progress.at(-1), ['adam', 500, 500]);
    for (const rec of result.runs) {
      assert.equal(rec.stepsCompleted, 500);
      assert.ok(rec.loss[500]! < rec.loss[0]!);
      assertExact(rec);
    }
    assert.equal(result.runs[1]!.hyperparameters['lr'], 0.05);
    assert.ok(Array.isArray(result.runs[1]!.hyperparameters['betas']), 'defaults filled in');
  });

  test('loss file: describe and run with data, validation and a mini-batch override', async () => {
    const r = runner();
    const info = await r.describe({ kind: 'file', path: example('linear-regression.loss.ts') });
    assert.equal(info.hasValidation, true);
    const result = await r.run(request({ kind: 'file', path: example('minibatch-noise.loss.ts') }, { seed: 5, batchSize: 8, trajectoryOnly: true }));
    const again = await r.run(request({ kind: 'file', path: example('minibatch-noise.loss.ts') }, { seed: 5, batchSize: 8, trajectoryOnly: true }));
    assert.deepEqual(result.runs[1]!.params, again.runs[1]!.params, 'same seed, same trajectory');
    assert.equal(result.runs[0]!.update.length, 0, 'trajectory only');
    const v = await r.run(request({ kind: 'file', path: example('linear-regression.loss.ts') }));
    assert.equal(v.runs[0]!.validationLoss!.length, 501);
  });

  test('errors before the first step reject with the user file and line; nothing is sent as a run', async () => {
    const r = runner();
    const runs: RecordingColumns[] = [];
    const e = await lossErrorOf(() => r.run(request({ kind: 'file', path: fixture('throws.loss.ts') }), { onRun: (x) => runs.push(x) }));
    assertLossError(e, 'threw', { file: fixture('throws.loss.ts'), line: 5, step: 0 });
    assert.equal(runs.length, 0);
    assertLossError(await lossErrorOf(() => r.describe({ kind: 'file', path: fixture('syntax-error.loss.mjs') })), 'syntax', { line: 4, column: 18 });
    assertLossError(await lossErrorOf(() => r.run(request({ kind: 'file', path: fixture('returns-nan.loss.ts') }))), 'domain', { line: 6, column: 12 });
    const hp = await lossErrorOf(() => r.run(request({ kind: 'builtin', name: 'canyon' }, { runs: [{ id: 'x', optimizer: 'adam', hyperparameters: { lr: -1 } }] })));
    assertLossError(hp, 'hyperparameter', { message: /lr/ });
    assertLossError(await lossErrorOf(() => r.run(request({ kind: 'builtin', name: 'canyon' }, { start: [1, 2, 3] }))), 'shape', { message: /3 values/ });
    assertLossError(await lossErrorOf(() => r.describe({ kind: 'builtin', name: 'nope' })), 'missing-export', {});
    // The worker survived all of that.
    assert.equal((await r.run(request({ kind: 'builtin', name: 'canyon' }))).runs.length, 2);
  });

  test('a user error after some steps ends that run with the rows so far and the error', async () => {
    const r = runner();
    const result = await r.run(request({ kind: 'file', path: fixture('nan-later.loss.ts') }, { runs: [{ id: 'sgd', optimizer: 'sgd', hyperparameters: { lr: 0.1 } }] }));
    const rec = result.runs[0]!;
    assert.ok(rec.stepsCompleted > 0 && rec.stepsCompleted < 500);
    assert.equal(rec.error?.kind, 'domain');
    assert.equal(rec.error?.step, rec.stepsCompleted);
    assert.equal(rec.diverged, false, 'the loss left its domain: the parameters did not diverge');
    assert.match(rec.stopReason!, /^stopped at step \d+: .*nan-later\.loss\.ts:7:29: the loss left its domain at step \d+: Math\.log\(-[\d.e-]+\) is NaN/);
    assert.ok(Number.isNaN(rec.loss[rec.stepsCompleted]!));
    assertExact(rec);
  });

  test('watchdog: an infinite loop is stopped with kind timeout, and the next run works', async () => {
    const r = runner(1500);
    await r.describe({ kind: 'file', path: example('quad5.loss.ts') }); // the worker is up: the 1.5 s are the loop's
    const t0 = Date.now();
    const e = await lossErrorOf(() => r.run(request({ kind: 'file', path: fixture('infinite-loop.loss.ts') })));
    // Located at the loss function (not Ln 1 Col 1), in the phase the runner was in.
    assertLossError(e, 'timeout', {
      file: fixture('infinite-loop.loss.ts'),
      line: 6,
      column: 3,
      message: /^no progress for 1500 ms while checking the loss at its start point: does loss\(\) loop forever\? the loss process was stopped \(the next run starts a fresh one\)$/,
    });
    assert.ok(Date.now() - t0 < 5000);
    const ok = await r.run(request({ kind: 'file', path: example('rosenbrock-with-grad.loss.ts') }));
    assert.equal(ok.runs.length, 2);
    assert.equal(ok.loss.gradient, 'grad-export');
  });

  test('cancel through an AbortSignal; a new run supersedes the running one', async () => {
    const r = runner();
    const long = request({ kind: 'file', path: example('mlp.loss.ts') }, { steps: 20_000, trajectoryOnly: true });
    const ac = new AbortController();
    let progressed: () => void;
    const started = new Promise<void>((res) => (progressed = res));
    const p = r.run(long, { onProgress: () => progressed() }, ac.signal);
    await started;
    ac.abort();
    const cancelled = await p;
    assert.equal(cancelled.cancelled, true);
    assert.ok(cancelled.runs.length <= 1);
    if (cancelled.runs[0]) assert.match(cancelled.runs[0].stopReason ?? '', /^cancelled at step \d+/);
    assert.match(cancelled.note ?? '', /^stopped: the loss process was terminated at step \d+$/, 'Stop ends the loss process at once');

    let firstProgressed: () => void;
    const firstStarted = new Promise<void>((res) => (firstProgressed = res));
    const first = r.run({ ...long, requestId: 'first' }, { onProgress: () => firstProgressed() });
    await firstStarted;
    const second = r.run(request({ kind: 'builtin', name: 'booth' }));
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.cancelled, true);
    assert.equal(b.cancelled, false);
    assert.equal(b.runs.length, 2);
  });

  test('the worker reloads a loss file when it changes on disk', async () => {
    const r = runner();
    const t = tempFiles({ 'edit.loss.js': 'export default { params: { x: 1 }, loss: (p) => p.x * p.x };\n' });
    try {
      assert.equal((await r.describe({ kind: 'file', path: t.path('edit.loss.js') })).dim, 1);
      writeFileSync(t.path('edit.loss.js'), 'export default { params: { x: 1, y: 2 }, loss: (p) => p.x * p.x + p.y };\n');
      utimesSync(t.path('edit.loss.js'), new Date(), new Date(Date.now() + 10_000));
      assert.equal((await r.describe({ kind: 'file', path: t.path('edit.loss.js') })).dim, 2);
    } finally {
      t.cleanup();
    }
  });

  test('untrusted workspaces: loss files are refused, built-ins run', async () => {
    const r = runner(10_000, false);
    const e = await lossErrorOf(() => r.run(request({ kind: 'file', path: example('quad5.loss.ts') })));
    assertLossError(e, 'untrusted', { file: example('quad5.loss.ts') });
    await assert.rejects(r.describe({ kind: 'file', path: example('quad5.loss.ts') }), LossErrorException);
    assert.equal((await r.run(request({ kind: 'builtin', name: 'canyon' }))).runs.length, 2);
    r.setAllowWorkspaceCode(true);
    assert.equal((await r.describe({ kind: 'file', path: example('quad5.loss.ts') })).dim, 5);
  });

  test('a loss process that dies rejects with kind crashed, saying what and where; the next call gets a fresh process', async () => {
    const r = runner();
    assertLossError(await lossErrorOf(() => r.describe({ kind: 'file', path: fixture('exits.loss.js') })), 'crashed', {
      file: fixture('exits.loss.js'),
      line: 4,
      message: /^the loss process exited \(code 3\) while loading exits\.loss\.js: process\.exit\(3\) was called$/,
    });
    assert.equal((await r.run(request({ kind: 'builtin', name: 'canyon' }))).runs.length, 2);
  });

  test('grid: plain loss values of a 2-D loss file in the worker; throwing and NaN cells are NaN', async () => {
    const r = runner();
    const path = example('rosenbrock-with-grad.loss.ts');
    const values = await r.grid({ loss: { kind: 'file', path }, window: { x: [-2, 2], y: [-1, 3] }, nx: 5, ny: 3 });
    assert.equal(values.length, 15);
    assert.equal(values.buffer.byteLength, 15 * 8, 'exact length, transferred');
    const rosen = (x: number, y: number) => (1 - x) ** 2 + 100 * (y - x * x) ** 2;
    for (let j = 0; j < 3; j++) for (let i = 0; i < 5; i++) assert.equal(values[j * 5 + i], rosen(-2 + i, -1 + 2 * j), `(${i}, ${j})`);

    // x < 0 throws, y < 0 returns NaN: those cells are NaN, the others are the loss.
    const gaps = await r.grid({ loss: { kind: 'file', path: fixture('gaps.loss.ts') }, window: { x: [-1, 1], y: [-1, 1] }, nx: 3, ny: 3 });
    const shown = [...gaps].map((v) => (Number.isNaN(v) ? 'NaN' : v));
    assert.deepEqual(shown, ['NaN', 'NaN', 'NaN', 'NaN', 0.25 + 0.5, 0.25 + 0.5, 'NaN', 0.25 + 0.5, 0.25 + 0.5]);

    // Mini-batch files: the full training set (the grid is deterministic, whatever the batch size).
    const mb = { kind: 'file' as const, path: example('minibatch-noise.loss.ts') };
    const a = await r.grid({ loss: mb, window: { x: [-2, 4], y: [-2, 3] }, nx: 4, ny: 4 });
    const b = await r.grid({ loss: mb, window: { x: [-2, 4], y: [-2, 3] }, nx: 4, ny: 4 });
    assert.deepEqual(a, b);
    assert.ok(a.every((v) => Number.isFinite(v) && v >= 0));

    // Built-ins too (the host normally computes them itself).
    const canyon = await r.grid({ loss: { kind: 'builtin', name: 'rosenbrock' }, window: { x: [-2, 2], y: [-1, 3] }, nx: 5, ny: 3 });
    assert.deepEqual(canyon, values);
  });

  test('grid: errors (not 2-D, load errors, untrusted, bad sizes) reject; an infinite loop times out and the worker recovers', async () => {
    const r = runner(600);
    const w = { x: [-1, 1] as [number, number], y: [-1, 1] as [number, number] };
    assertLossError(await lossErrorOf(() => r.grid({ loss: { kind: 'file', path: example('quad5.loss.ts') }, window: w, nx: 4, ny: 4 })), 'shape', { message: /2 parameters/ });
    assertLossError(await lossErrorOf(() => r.grid({ loss: { kind: 'file', path: fixture('syntax-error.loss.mjs') }, window: w, nx: 4, ny: 4 })), 'syntax', { file: fixture('syntax-error.loss.mjs') });
    assertLossError(await lossErrorOf(() => r.grid({ loss: { kind: 'builtin', name: 'canyon' }, window: w, nx: 1, ny: 4 })), 'internal', { message: /nx/ });
    const t = tempFiles({
      'loops.loss.js': 'export default { params: { x: 0, y: 0 }, loss(p) { if (p.x > 0.5) for (;;) {} return p.x * p.x + p.y * p.y; } };\n',
      'slow.loss.js': 'export default { params: { x: 0, y: 0 }, loss(p) { const t = performance.now(); while (performance.now() - t < 0.05) {} return p.x * p.x + p.y * p.y; } };\n',
    });
    try {
      // loss() loops forever in part of the window: the watchdog stops it (the worker is restarted).
      assertLossError(await lossErrorOf(() => r.grid({ loss: { kind: 'file', path: t.path('loops.loss.js') }, window: w, nx: 4, ny: 4 })), 'timeout', { file: t.path('loops.loss.js') });
      assert.equal((await r.grid({ loss: { kind: 'file', path: fixture('gaps.loss.ts') }, window: w, nx: 4, ny: 4 })).length, 16, 'a fresh worker after the timeout');
      // Slow but finite: the budget ends it with 'timeout' and the same worker keeps serving.
      assertLossError(await lossErrorOf(() => r.grid({ loss: { kind: 'file', path: t.path('slow.loss.js') }, window: w, nx: 60, ny: 60, budgetMs: 30 })), 'timeout', { message: /took longer than 30 ms/ });
      assert.equal((await r.run(request({ kind: 'builtin', name: 'canyon' }))).runs.length, 2);
    } finally {
      t.cleanup();
    }
    const untrusted = runner(10_000, false);
    assertLossError(await lossErrorOf(() => untrusted.grid({ loss: { kind: 'file', path: fixture('gaps.loss.ts') }, window: w, nx: 4, ny: 4 })), 'untrusted', {});
  });

  test('dispose rejects pending requests and leaves no worker behind', async () => {
    const r = runner();
    const p = r.run(request({ kind: 'builtin', name: 'canyon' }, { steps: 2_000_000, trajectoryOnly: true }));
    await new Promise((res) => setTimeout(res, 50));
    r.dispose();
    assertLossError(await lossErrorOf(() => p), 'internal', { message: /disposed/ });
    await assert.rejects(r.describe({ kind: 'builtin', name: 'canyon' }), LossErrorException);
  });
});
