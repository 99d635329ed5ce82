// The panel's "Find a learning rate" on the host (src/host/panel/lrFindSession.ts) in plain Node: the run and
// analysis of `optimizer-diagnostics lr-find` (the same request with lrRange, the core's analyzeLrRange), on
// GD over the canyon where the loss cannot rise while lr ≤ 2/λ_max = 0.1; messages validated.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptimizer } from '../../../src/core';
import { analyzeLrRange, lrRangeAt } from '../../../src/core/lrFind';
import type { SessionConfig } from '../../../src/protocol/messages';
import { parseLrFindFromWebview, type LrFindToWebview } from '../../../src/protocol/lrFindMessages';
import { RunnerPool } from '../../../src/runner/pool';
import { LrFinder } from '../../../src/host/panel/lrFindSession';

const CONFIG: SessionConfig = {
  loss: { kind: 'builtin', name: 'canyon' },
  runs: [{ id: 'r1', optimizer: 'sgd', hyperparameters: createOptimizer('sgd', { lr: 0.01 }).hyperparameters }],
  steps: 500,
  seed: 0,
};

describe('Find a learning rate (host)', () => {
  test('GD on canyon: the curve and suggestions of lr-find; the test stops past 2/λ_max = 0.1', async () => {
    const pool = new RunnerPool({ workerPath: '/nonexistent/worker.js', timeoutMs: 10_000, allowWorkspaceCode: false, workers: 1 });
    const posted: LrFindToWebview[] = [];
    const f = new LrFinder({ post: (m) => posted.push(m), config: () => CONFIG, labels: () => new Map([['r1', 'SGD']]), trusted: () => true, pool: () => pool });
    await f.start(7, 'r1', 1e-7, 10, 100);
    const m = posted[posted.length - 1]!;
    assert.ok(m.type === 'lrFind/didFinish' && m.phase === 'done', JSON.stringify(m));
    assert.equal(m.seq, 7);
    // The CLI's run: the same request, analysed by the core.
    const r = await pool.run({ requestId: 'x', loss: CONFIG.loss, runs: [{ id: 'a', optimizer: 'sgd', hyperparameters: CONFIG.runs[0]!.hyperparameters }], steps: 100, seed: 0, trajectoryOnly: true, lrRange: { min: 1e-7, max: 10, steps: 100 } });
    const want = analyzeLrRange(r.runs[0]!.lr, r.runs[0]!.loss, 100);
    assert.deepEqual(Array.from(m.lr), want.points.map((p) => p.lr));
    assert.deepEqual(Array.from(m.smoothed), want.points.map((p) => p.smoothed));
    assert.deepEqual([m.steepest, m.valley, m.minOver10, m.stop], [want.steepest, want.valley, want.minOver10, want.stop]);
    for (let i = 0; i < m.lr.length; i++) assert.equal(m.lr[i], lrRangeAt(i + 1, 1e-7, 10, 100), 'lr grows exponentially per step');
    assert.equal(m.stop, 'diverged');
    assert.ok(m.lr[m.lr.length - 1]! > 0.1, `stopped at lr ${m.lr[m.lr.length - 1]}, past 2/λ = 0.1`);
    assert.ok(m.valley && m.valley.lr < 0.1 && m.minOver10 && m.minOver10.lr < 0.1, 'valley and minimum ÷ 10 below the stability limit');
    await f.start(8, 'r9', 1e-7, 10, 100);
    const g = posted[posted.length - 1]!;
    assert.ok(g.type === 'lrFind/didFinish' && g.phase === 'failed' && /no run r9/.test(g.message));
    pool.dispose();
  });

  test('lrFind/start is validated', () => {
    assert.deepEqual(parseLrFindFromWebview({ type: 'lrFind/start', seq: 1, runId: 'r1', min: 1e-7, max: 10, steps: 100 }), { type: 'lrFind/start', seq: 1, runId: 'r1', min: 1e-7, max: 10, steps: 100 });
    assert.equal(parseLrFindFromWebview({ type: 'lrFind/start', seq: 1, runId: 'r1', min: 0, max: 10, steps: 100 }), undefined);
    assert.equal(parseLrFindFromWebview({ type: 'lrFind/start', seq: 1, runId: 'r1', min: 1, max: 0.5, steps: 100 }), undefined);
    assert.equal(parseLrFindFromWebview({ type: 'lrFind/start', seq: 1, runId: 'r1', min: 1e-7, max: 10, steps: 1 }), undefined);
    assert.equal(parseLrFindFromWebview({ type: 'lrFind/start', seq: 1, runId: 'r 1', min: 1e-7, max: 10, steps: 100 }), undefined);
    assert.deepEqual(parseLrFindFromWebview({ type: 'lrFind/stop' }), { type: 'lrFind/stop' });
    assert.equal(parseLrFindFromWebview({ type: 'map/stop' }), undefined);
  });
});
