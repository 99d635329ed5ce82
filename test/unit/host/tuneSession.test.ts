// The panel's tuned comparison on the host (src/host/panel/tuneSession.ts) in plain Node: `compare --tune lr`'s
// search per run on the runner pool. GD on the canyon x² + 10y² is fastest where both contraction factors
// |1 − 2η| and |1 − 20η| are equal, η = 1/11: the tuned lr (final-loss objective) lands there; every run
// gets the same budget; the comparison then runs at the tuned lrs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptimizer } from '../../../src/core';
import { GOLDEN_RUNS, lrGrid } from '../../../src/core/tune';
import type { SessionConfig } from '../../../src/protocol/messages';
import { builtinInfo } from '../../../src/loss/resolve';
import { parseTuneFromWebview, type TuneToWebview } from '../../../src/protocol/tuneMessages';
import { RunnerPool } from '../../../src/runner/pool';
import { LrTuner } from '../../../src/host/panel/tuneSession';

const CONFIG: SessionConfig = {
  loss: { kind: 'builtin', name: 'canyon' },
  runs: [
    { id: 'r1', optimizer: 'sgd', hyperparameters: createOptimizer('sgd', { lr: 0.01 }).hyperparameters },
    { id: 'r2', optimizer: 'adam', hyperparameters: createOptimizer('adam', { lr: 0.01 }).hyperparameters },
  ],
  steps: 200,
  seed: 0,
};

describe('tuned comparison (host)', () => {
  test('GD on canyon tunes to lr ≈ 1/11; same budget for every run; the comparison runs at the tuned lrs', async () => {
    const pool = new RunnerPool({ workerPath: '/nonexistent/worker.js', timeoutMs: 10_000, allowWorkspaceCode: false, workers: 2 });
    const posted: TuneToWebview[] = [];
    const ran: SessionConfig[] = [];
    const t = new LrTuner({ post: (m) => posted.push(m), config: () => CONFIG, loss: () => builtinInfo('canyon'), labels: () => new Map([['r1', 'SGD'], ['r2', 'Adam']]), trusted: () => true, pool: () => pool, run: (c) => ran.push(c) });
    await t.start(3, 'final-loss');
    const m = posted[posted.length - 1]!;
    assert.ok(m.type === 'tune/didFinish' && m.phase === 'done', JSON.stringify(m).slice(0, 400));
    const runsEach = lrGrid().length + GOLDEN_RUNS;
    assert.deepEqual(m.budget, { grid: 19, golden: 12, runsPerOptimizer: runsEach, gridText: '1e-5…10, three per decade' });
    for (const r of m.runs) assert.equal(r.lr.length, runsEach, `${r.label}: the same number of runs`);
    const gd = m.runs[0]!;
    assert.ok(Math.abs(gd.tunedLr * 11 - 1) < 0.05, `GD tuned lr ${gd.tunedLr}, want ≈ 1/11 = ${1 / 11}`);
    assert.ok(posted.some((p) => p.type === 'tune/didProgress' && p.done === p.total && p.total === 2 * runsEach));
    assert.equal(ran.length, 1);
    assert.deepEqual(ran[0]!.runs.map((r) => r.hyperparameters['lr']), m.runs.map((r) => r.tunedLr));
    pool.dispose();
  });

  test('tune/start is validated; schedules are refused with a message', async () => {
    assert.deepEqual(parseTuneFromWebview({ type: 'tune/start', seq: 1, objective: 'steps' }), { type: 'tune/start', seq: 1, objective: 'steps' });
    assert.equal(parseTuneFromWebview({ type: 'tune/start', seq: 1, objective: 'best' }), undefined);
    assert.deepEqual(parseTuneFromWebview({ type: 'tune/stop' }), { type: 'tune/stop' });
    const posted: TuneToWebview[] = [];
    const cfg: SessionConfig = { ...CONFIG, runs: [{ ...CONFIG.runs[0]!, schedule: { schedulers: [{ name: 'StepLR', args: { step_size: 10 } }] } }] };
    const t = new LrTuner({ post: (m) => posted.push(m), config: () => cfg, loss: () => null, labels: () => new Map(), trusted: () => true, pool: () => { throw new Error('no pool needed'); }, run: () => undefined });
    await t.start(1, 'final-loss');
    const m = posted[0]!;
    assert.ok(m.type === 'tune/didFinish' && m.phase === 'failed' && /schedule/.test(m.message));
  });
});
