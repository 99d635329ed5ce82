// The panel's stability map on the host (src/host/panel/sweepSession.ts) in plain Node: a 48 × 48 lr × momentum
// map of SGD on the canyon streams in batches, every cell equals `simulate` of its configuration bit for bit,
// a cell's configuration is the panel run with those values, Stop ends it, a scheduled run goes through the
// runner pool and equals the panel's own run of the cell; the map messages are validated.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_LOSSES, builtinProblem, createOptimizer, simulate } from '../../../src/core';
import { summarizeRun, OUTCOMES } from '../../../src/core/sweep';
import type { SessionConfig } from '../../../src/protocol/messages';
import { builtinInfo } from '../../../src/loss/resolve';
import { MAP_BATCH_CELLS, MAX_MAP_CELLS, defaultMapAxes, parseMapFromWebview, type MapCells, type MapToWebview } from '../../../src/protocol/sweepMessages';
import { RunnerPool } from '../../../src/runner/pool';
import { MAP_TOLERANCE, StabilityMap, cellConfig, type MapHost } from '../../../src/host/panel/sweepSession';
import { poolSize } from '../../../src/host/run/poolHost';

const CANYON_SGD: SessionConfig = {
  loss: { kind: 'builtin', name: 'canyon' },
  runs: [{ id: 'r1', optimizer: 'sgd', hyperparameters: createOptimizer('sgd', { lr: 0.01 }).hyperparameters }],
  steps: 200,
  seed: 0,
};

function harness(config: SessionConfig, workers = 2) {
  const posted: MapToWebview[] = [];
  const ran: SessionConfig[] = [];
  const pool = new RunnerPool({ workerPath: '/nonexistent/worker.js', timeoutMs: 10_000, allowWorkspaceCode: false, workers });
  const host: MapHost = {
    post: (m) => posted.push(m),
    config: () => config,
    loss: () => (config.loss.kind === 'builtin' ? builtinInfo(config.loss.name) : null),
    labels: () => new Map(config.runs.map((r) => [r.id, r.optimizer])),
    trusted: () => true,
    pool: () => pool,
    run: (c) => ran.push(c),
  };
  return { map: new StabilityMap(host), posted, ran, pool };
}

const AXES = [
  { name: 'lr', min: 1e-4, max: 1, scale: 'log' as const, count: 48 },
  { name: 'momentum', min: 0, max: 0.99, scale: 'lin' as const, count: 48 },
];

describe('stability map (host)', () => {
  test('48 × 48 lr × momentum on canyon: streamed in batches, every cell = simulate bit for bit, clicking opens the cell', async () => {
    const h = harness(CANYON_SGD);
    await h.map.start('r1', AXES);
    const start = h.posted.find((m) => m.type === 'map/didStart');
    assert.ok(start && start.type === 'map/didStart');
    assert.equal(start.total, 48 * 48);
    assert.equal(start.values[0]![0], 1e-4);
    assert.equal(start.values[0]![47], 1);
    assert.equal(start.values[1]![47], 0.99);
    const batches = h.posted.filter((m): m is MapCells => m.type === 'map/didAppendCells');
    assert.equal(batches.length, Math.ceil(2304 / MAP_BATCH_CELLS), 'one message per chunk of cells, not one per cell');
    assert.ok(batches.every((b) => b.index instanceof Float64Array && b.finalLoss.length === b.index.length));
    const seen = new Set<number>();
    for (const b of batches) for (const k of b.index) seen.add(k);
    assert.equal(seen.size, 2304, 'every cell arrives exactly once');
    const fin = h.posted[h.posted.length - 1]!;
    assert.ok(fin.type === 'map/didFinish' && fin.phase === 'done', JSON.stringify(fin));
    const st = h.map.state!;
    // The Distill picture: convergence at moderate lr for all β, divergence at large lr, a band that needs momentum.
    const counts = Object.fromEntries(OUTCOMES.map((o) => [o, st.summaries.filter((s) => s!.outcome === o).length]));
    assert.ok(counts['converged']! > 200 && counts['diverged']! + counts['diverging']! > 200 && counts['slow']! > 50, JSON.stringify(counts));
    // Random cells (and the corners) against simulate of the cell's configuration.
    const b = BUILTIN_LOSSES['canyon']!;
    const picks = [0, 47, 2256, 2303];
    for (let j = 0; j < 20; j++) picks.push((j * 7919 + 13) % 2304);
    for (const k of picks) {
      const cfg = cellConfig(st, k);
      const run = cfg.runs[0]!;
      assert.equal(run.hyperparameters['lr'], start.values[0]![Math.floor(k / 48)]);
      assert.equal(run.hyperparameters['momentum'], start.values[1]![k % 48]);
      const rec = simulate({ problem: builtinProblem(b), optimizer: createOptimizer('sgd', run.hyperparameters), start: Float64Array.from(b.start), steps: cfg.steps, record: 'trajectory' });
      assert.deepEqual(st.summaries[k], summarizeRun(rec, { tolerance: MAP_TOLERANCE, fMin: 0 }), `cell ${k}`);
      // and the numbers that were posted
      const batch = batches.find((x) => x.index.includes(k))!;
      const at = batch.index.indexOf(k);
      assert.ok(Object.is(batch.finalLoss[at], rec.loss[rec.stepsCompleted]), `cell ${k} final loss`);
    }
    assert.equal(h.map.openCell(st.mapId, 1000), true);
    assert.equal(h.ran.length, 1);
    assert.deepEqual(h.ran[0], cellConfig(st, 1000));
    assert.equal(h.map.openCell('nope', 1), false);
    assert.equal(h.map.openCell(st.mapId, 2304), false);
    h.pool.dispose();
  });

  test('Stop ends a map: it reports cancelled with the cells done so far', async () => {
    const h = harness({ ...CANYON_SGD, steps: 20_000 });
    const p = h.map.start('r1', AXES);
    await new Promise((r) => setTimeout(r, 30));
    h.map.stop();
    await p;
    const fin = h.posted[h.posted.length - 1]!;
    assert.ok(fin.type === 'map/didFinish' && fin.phase === 'cancelled', JSON.stringify(fin));
    assert.ok(fin.done < 2304);
    h.pool.dispose();
  });

  test('a run with a schedule goes through the runner pool; its cells equal the panel run of the cell', async () => {
    const cfg: SessionConfig = {
      ...CANYON_SGD,
      steps: 60,
      runs: [{ ...CANYON_SGD.runs[0]!, schedule: { schedulers: [{ name: 'StepLR', args: { step_size: 20, gamma: 0.5 } }] } }],
    };
    const h = harness(cfg, 2);
    await h.map.start('r1', [{ name: 'lr', min: 1e-3, max: 0.5, scale: 'log', count: 6 }, { name: 'momentum', min: 0, max: 0.9, scale: 'lin', count: 4 }]);
    const st = h.map.state!;
    assert.match(st.kernel, /runner pool \(2 workers\)/);
    assert.equal(st.phase, 'done', st.message);
    for (const k of [0, 5, 13, 23]) {
      const c = cellConfig(st, k);
      const r = await h.pool.run({ requestId: `check-${k}`, loss: c.loss, runs: c.runs.map((x) => ({ id: x.id, optimizer: x.optimizer, hyperparameters: x.hyperparameters, ...(x.schedule ? { schedule: x.schedule } : {}) })), steps: c.steps, seed: c.seed });
      assert.deepEqual(st.summaries[k], summarizeRun(r.runs[0]!, { tolerance: MAP_TOLERANCE, fMin: 0 }), `cell ${k}`);
    }
    h.pool.dispose();
  });

  test('bad axes and unknown runs fail with a clear message, nothing runs', async () => {
    const h = harness(CANYON_SGD);
    await h.map.start('r1', [{ name: 'betas.0', min: 0, max: 0.9, scale: 'lin', count: 3 }]);
    const f = h.posted.pop()!;
    assert.ok(f.type === 'map/didFinish' && f.phase === 'failed' && /has no hyperparameter "betas"/.test(f.message), JSON.stringify(f));
    await h.map.start('r9', AXES);
    const g = h.posted.pop()!;
    assert.ok(g.type === 'map/didFinish' && /no run r9/.test(g.message));
    await h.map.start('r1', [{ name: 'lr', min: 0, max: 1, scale: 'log', count: 3 }]);
    const l = h.posted.pop()!;
    assert.ok(l.type === 'map/didFinish' && /log axis needs min > 0/.test(l.message), JSON.stringify(l));
    assert.equal(h.posted.length, 0);
    h.pool.dispose();
  });
});

describe('stability map messages', () => {
  test('map/start, map/openCell, map/stop, map/didRender are validated', () => {
    assert.deepEqual(parseMapFromWebview({ type: 'map/start', runId: 'r1', axes: AXES }), { type: 'map/start', runId: 'r1', axes: AXES });
    assert.equal(parseMapFromWebview({ type: 'map/start', runId: 'r1', axes: [] }), undefined);
    assert.equal(parseMapFromWebview({ type: 'map/start', runId: 'r1', axes: [AXES[0], AXES[0]] }), undefined, 'the same axis twice');
    assert.equal(parseMapFromWebview({ type: 'map/start', runId: 'r1', axes: [{ ...AXES[0], count: 200 }, { ...AXES[1], count: 200 }] }), undefined, `over ${MAX_MAP_CELLS} cells`);
    assert.equal(parseMapFromWebview({ type: 'map/start', runId: 'r1', axes: [{ ...AXES[0], name: '__proto__.x' }] }), undefined);
    assert.equal(parseMapFromWebview({ type: 'map/start', runId: 'r1', axes: [{ ...AXES[0], min: Number.NaN }] }), undefined);
    assert.deepEqual(parseMapFromWebview({ type: 'map/openCell', mapId: 'm1', index: 3 }), { type: 'map/openCell', mapId: 'm1', index: 3 });
    assert.equal(parseMapFromWebview({ type: 'map/openCell', mapId: 'm1', index: -1 }), undefined);
    assert.deepEqual(parseMapFromWebview({ type: 'map/stop' }), { type: 'map/stop' });
    const summary = { mapId: 'm1', cells: 10, total: 10, counts: { converged: 4, diverged: 6 }, marker: [0.01, 0.5], logX: true, logY: false };
    assert.deepEqual(parseMapFromWebview({ type: 'map/didRender', summary }), { type: 'map/didRender', summary });
    assert.equal(parseMapFromWebview({ type: 'map/didRender', summary: { ...summary, counts: { bogus: 1 } } }), undefined);
    assert.equal(parseMapFromWebview({ type: 'run/stop' }), undefined, 'not a map message');
  });

  test('default axes: lr log 1e-4…1 × the momentum-like hyperparameter lin 0…0.99, 48 each', () => {
    assert.deepEqual(defaultMapAxes(['lr', 'momentum', 'dampening', 'weight_decay']), AXES);
    assert.deepEqual(defaultMapAxes(['lr', 'betas.0', 'betas.1', 'eps', 'weight_decay']).map((a) => a.name), ['lr', 'betas.0']);
    assert.deepEqual(defaultMapAxes(['lr', 'lr_decay']).map((a) => a.name), ['lr']);
  });

  test('workers setting: 0 = the core count, else clamped to 1…64', () => {
    assert.ok(poolSize(0) >= 1);
    assert.equal(poolSize(3), 3);
    assert.equal(poolSize(1000), 64);
  });
});
