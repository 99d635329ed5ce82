// The host's memory budget (split across the runs of all open panels) and how a downsampled recording
// reaches the charts: every point at its true step, the status line saying so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_LOSSES, builtinProblem, createOptimizer, recordedRows, rowBytes, simulate } from '../../../src/core';
import { MemoryBudget, cliRunBudgetBytes } from '../../../src/protocol/memoryBudget';
import { buildRunSeries } from '../../../src/protocol/series';
import type { RecordingColumns } from '../../../src/protocol/simulation';
import { samplingNote } from '../../../src/host/panel/session';

const MB = 2 ** 20;

test('MemoryBudget: one budget split equally across the runs of all open panels', () => {
  let total = 1024;
  const b = new MemoryBudget(() => total);
  assert.equal(b.request('p1', 1), 1024 * MB);
  assert.equal(b.request('p2', 3), 256 * MB); // 4 runs share 1024 MB
  assert.equal(b.request('p1', 12), Math.floor((1024 * MB) / 15));
  assert.equal(b.perRun(), Math.floor((1024 * MB) / 15));
  b.release('p2');
  assert.equal(b.request('p1', 12), Math.floor((1024 * MB) / 12));
  total = 2048; // the setting changed
  assert.equal(b.perRun(), Math.floor((2048 * MB) / 12));
  total = 1; // clamped to the setting's minimum, 16 MB
  assert.equal(b.perRun(), Math.floor((16 * MB) / 12));
  assert.equal(cliRunBudgetBytes(1024, 12), Math.floor((1024 * MB) / 12));
});

/** What the worker sends for a recording (exact-length copies), optionally without `sampling`. */
function columnsOf(steps: number, budget: number, keepSampling: boolean): RecordingColumns {
  const b = BUILTIN_LOSSES['canyon']!;
  const opt = createOptimizer('adam', { lr: 0.05 });
  const r = simulate({ problem: builtinProblem(b), optimizer: opt, start: Float64Array.from(b.start), steps, recordBudgetBytes: budget });
  const map = (o: Readonly<Record<string, Float64Array>>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.slice()]));
  return {
    runId: 'r1', optimizer: 'adam', hyperparameters: opt.hyperparameters, dim: 2, stepsRequested: steps, stepsCompleted: r.stepsCompleted,
    diverged: r.diverged, stopReason: r.stopReason, params: r.params.slice(), loss: r.loss.slice(), grad: r.grad.slice(), validationLoss: null,
    update: r.update.slice(), direction: r.direction.slice(), effectiveLr: r.effectiveLr.slice(), lr: r.lr.slice(),
    state: map(r.state), scalarState: map(r.scalarState), extra: map(r.extra), elapsedMs: 1,
    ...(keepSampling && r.sampling ? { sampling: r.sampling } : {}),
  };
}

test('a downsampled recording is charted at true steps, and the status line says how it was recorded', () => {
  const opt = createOptimizer('adam', { lr: 0.05 });
  const rec = columnsOf(100_000, 4000 * rowBytes(2, opt), true);
  const rows = recordedRows(rec)!;
  assert.ok(rows.length < 4000);
  const s = buildRunSeries(rec, { threshold: 0, paramNames: ['x', 'y'], selected: [0], label: 'Adam' });
  assert.equal(s.stepsCompleted, 100_000);
  assert.equal(s.loss.x.length, rows.length);
  assert.deepEqual([...s.loss.x], [...rows], 'params-like series at their rows\' steps');
  assert.equal(s.loss.x[s.loss.x.length - 1], 100_000, 'the last step is charted');
  const per = s.params[0]!.effectiveLr.x;
  assert.equal(per.length, rows.length - 1);
  assert.deepEqual([...per], [...rows.slice(1)], 'per-step series at the step arriving at each row');
  assert.deepEqual([...s.params[0]!.grad.x], [...rows.slice(1)].map((t) => t - 1), 'gradients at the params before each step');
  assert.equal(s.path!.step[s.path!.step.length - 1], 100_000);
  assert.ok(s.params[0]!.state['exp_avg']!.x.length === rows.length - 1, 'state series survive downsampling');
  assert.equal(samplingNote([rec]), `; recorded every ${(rec.sampling!.bucket / 2).toLocaleString('en-US')}th step after step ${rec.sampling!.fullUntil.toLocaleString('en-US')} (min and max loss of each ${rec.sampling!.bucket} steps, and the last step) to stay within the memory budget`);
  // A recording that lost `sampling` on its way: the figures are derived from the kept rows.
  assert.match(samplingNote([columnsOf(100_000, 4000 * rowBytes(2, opt), false)]), /^; recorded about every \d+th step after step 1,998 to stay within the memory budget$/);
  assert.equal(samplingNote([columnsOf(100, 4000 * rowBytes(2, opt), true)]), '');
});
