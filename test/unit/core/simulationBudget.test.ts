// Downsampling while recording (a record budget): which rows are kept (hand arithmetic), that spikes and
// the final step survive, that every kept row is the full run's row at its true step, and that runs
// within their budget are bit-identical to unbudgeted ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Simulation,
  builtinProblem,
  createOptimizer,
  describeSampling,
  getBuiltinLoss,
  planRecording,
  recordedRows,
  rowBytes,
  simulate,
  type Problem,
  type Recording,
} from '../../../src/core';

/** A 1-D problem whose loss at step t is table[t] (the gradient is 1, so SGD walks θ_t = −lr·t). */
function tableProblem(table: readonly number[], throwAt = -1): Problem {
  return {
    name: 'table', dim: 1, paramNames: ['w'],
    evaluate: (_x, g, step) => {
      if (step === throwAt) throw new Error(`boom at ${step}`);
      g[0] = 1;
      return table[step]!;
    },
  };
}

const STEPS = 40;
// 100 − t, with a spike at t = 21 and a dip at t = 29.
const TABLE = Array.from({ length: STEPS + 1 }, (_, t) => (t === 21 ? 1000 : t === 29 ? -5 : 100 - t));
const sgd = () => createOptimizer('sgd', { lr: 0.5 });

test('planRecording: hand arithmetic', () => {
  // SGD (no momentum: no state) on 1 parameter: params, grad, update, direction, effective_lr (5) + loss, lr, step (3) = 8 values = 64 bytes.
  assert.equal(rowBytes(1, sgd()), 64);
  assert.equal(planRecording(STEPS, 64, 41 * 64), null); // 41 rows fit: full resolution
  // 23 rows of budget − 3 working rows = 20: fullUntil = 10; ⌊(20 − 10 − 1)/2⌋ = 4 bucket pairs for the 30 rows 10..39:
  // bucket 4·4 = 16 < 30, 8·4 = 32 ≥ 30 → 8; capacity 10 + 2·⌈30/8⌉ + 1 = 19.
  assert.deepEqual(planRecording(STEPS, 64, 23 * 64), { fullUntil: 10, bucket: 8, capacity: 19 });
  assert.throws(() => planRecording(STEPS, 64, 18 * 64), RangeError);
});

test('kept rows: the prefix, the lowest and highest loss of each bucket (spike and dip survive), the final row', () => {
  const sim = new Simulation({ problem: tableProblem(TABLE), optimizer: sgd(), start: Float64Array.of(0), steps: STEPS, recordBudgetBytes: 23 * 64 });
  sim.advance();
  const rec = sim.recording;
  assert.deepEqual(rec.sampling, { fullUntil: 10, bucket: 8 });
  // Buckets [10,18): min 17 (83), max 10 (90); [18,26): max 21 (spike 1000), min 25 (75);
  // [26,34): max 26 (74), min 29 (dip −5); the open bucket [34,42) ends the run: max 34, min 40 (60), the final row.
  const rows = [...recordedRows(rec)!];
  assert.deepEqual(rows, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 21, 25, 26, 29, 34, 40]);
  assert.deepEqual([...rec.loss], rows.map((t) => TABLE[t]));
  assert.equal(Math.max(...rec.loss), 1000);
  assert.equal(Math.min(...rec.loss), -5);
  assert.deepEqual([...rec.params], rows.map((t) => (t === 0 ? 0 : -0.5 * t))); // θ_t = −0.5·t
  // Per-step columns: one row fewer; row r − 1 is the step that arrived at row r (PyTorch's step = that row's step).
  assert.deepEqual([...rec.scalarState['step']!], rows.slice(1));
  assert.deepEqual([...rec.update], rows.slice(1).map(() => -0.5));
  assert.equal(rec.stepsCompleted, STEPS);
  assert.equal(describeSampling(rec), 'recorded every 4th step after step 10 (min and max loss of each 8 steps, and the last step)');
});

function sameRows(full: Recording, part: Recording): void {
  const rows = recordedRows(part) ?? Float64Array.from({ length: part.loss.length }, (_, r) => r);
  const d = full.dim;
  const per = (name: string, a: Float64Array, b: Float64Array, w: number, rowsOf: number, perStep: 0 | 1) => {
    for (let r = 0; r < rowsOf; r++) {
      const t = rows[r + perStep]! - perStep;
      for (let i = 0; i < w; i++) assert.ok(Object.is(b[r * w + i], a[t * w + i]), `${name} row ${r} (step ${t})[${i}]: ${b[r * w + i]} vs ${a[t * w + i]}`);
    }
  };
  const m = part.loss.length;
  per('params', full.params, part.params, d, m, 0);
  per('loss', full.loss, part.loss, 1, m, 0);
  // Per-step row r − 1 belongs to the step arriving at row r: the full recording's per-step row (step − 1).
  per('grad', full.grad, part.grad, d, m - 1, 1);
  per('update', full.update, part.update, d, m - 1, 1);
  per('effectiveLr', full.effectiveLr, part.effectiveLr, d, m - 1, 1);
  per('direction', full.direction, part.direction, d, m - 1, 1);
  per('lr', full.lr, part.lr, 1, m - 1, 1);
  for (const k of Object.keys(full.state)) per(k, full.state[k]!, part.state[k]!, d, m - 1, 1);
  for (const k of Object.keys(full.extra)) per(k, full.extra[k]!, part.extra[k]!, d, m - 1, 1);
  for (const k of Object.keys(full.scalarState)) per(k, full.scalarState[k]!, part.scalarState[k]!, 1, m - 1, 1);
}

test('every kept row is the full run\'s row at its step (Adam on Rosenbrock, any slicing, views read mid-run)', () => {
  const problem = builtinProblem(getBuiltinLoss('rosenbrock'));
  const opt = () => createOptimizer('adam', { lr: 0.02, amsgrad: true });
  const steps = 5000;
  const full = simulate({ problem, optimizer: opt(), start: Float64Array.of(-1.5, 2), steps });
  const budget = 300 * rowBytes(2, opt());
  const one = simulate({ problem, optimizer: opt(), start: Float64Array.of(-1.5, 2), steps, recordBudgetBytes: budget });
  assert.ok(one.loss.length < 300 && one.loss.length > 100, `${one.loss.length} rows`);
  assert.ok(one.params.length * 8 * 10 < budget * 2);
  sameRows(full, one);
  // Sliced, and every slice's view read in between (as a cancel would): same rows.
  const sim = new Simulation({ problem, optimizer: opt(), start: Float64Array.of(-1.5, 2), steps, recordBudgetBytes: budget });
  let slices = 0;
  while (!sim.finished) {
    sim.advance(1 + (slices++ % 37));
    const view = sim.recording;
    sameRows(full, view);
    assert.equal(recordedRows(view)?.[view.loss.length - 1] ?? view.loss.length - 1, view.stepsCompleted, 'the last row is the current step');
  }
  assert.deepEqual(sim.recording.loss, one.loss);
  assert.deepEqual(sim.recording.params, one.params);
});

test('the best loss survives downsampling: min and max of the kept rows equal the full run\'s', () => {
  const problem = builtinProblem(getBuiltinLoss('rastrigin'));
  const opt = () => createOptimizer('sgd', { lr: 0.003, momentum: 0.9 });
  const full = simulate({ problem, optimizer: opt(), start: Float64Array.of(2.3, -1.7), steps: 20_000 });
  const part = simulate({ problem, optimizer: opt(), start: Float64Array.of(2.3, -1.7), steps: 20_000, recordBudgetBytes: 500 * rowBytes(2, opt()) });
  const minMax = (a: Float64Array) => [Math.min(...a), Math.max(...a)];
  assert.deepEqual(minMax(part.loss), minMax(full.loss));
  assert.equal(part.loss[part.loss.length - 1], full.loss[20_000]);
});

test('a throw in the loss keeps every complete row; the failed row\'s loss is NaN and last', () => {
  const sim = new Simulation({ problem: tableProblem(TABLE, 31), optimizer: sgd(), start: Float64Array.of(0), steps: STEPS, recordBudgetBytes: 23 * 64 });
  assert.throws(() => sim.advance(), /boom at 31/);
  const rec = sim.recording;
  assert.equal(rec.stepsCompleted, 31);
  // Buckets [10,18) and [18,26) closed; open [26,…): max 26, min 29; row 31 failed (loss NaN) and is the last row.
  assert.deepEqual([...recordedRows(rec)!], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 21, 25, 26, 29, 31]);
  assert.ok(Number.isNaN(rec.loss[rec.loss.length - 1]!));
  assert.equal(rec.params[rec.params.length - 1], -15.5);
});

test('a diverging downsampled run ends with the non-finite row', () => {
  const grow: Problem = { name: 'grow', dim: 1, paramNames: ['w'], evaluate: (x, g) => { g[0] = -10 * x[0]!; return x[0]!; } };
  const rec = simulate({ problem: grow, optimizer: createOptimizer('sgd', { lr: 1 }), start: Float64Array.of(1), steps: 1000, recordBudgetBytes: 23 * 64 });
  assert.equal(rec.diverged, true);
  const n = rec.stepsCompleted;
  assert.ok(n > 200 && n < 400, `diverged at ${n}`); // θ ← 11·θ overflows after ~296 steps
  const rows = [...recordedRows(rec)!];
  assert.equal(rows[rows.length - 1], n);
  assert.ok(Number.isFinite(rec.params[rec.params.length - 2]!), 'a finite row before it');
  assert.ok(!Number.isFinite(rec.params[rec.params.length - 1]!));
});

test('runs within their budget are bit-identical to unbudgeted ones', () => {
  const problem = builtinProblem(getBuiltinLoss('beale'));
  for (const name of ['adam', 'rmsprop', 'nadam', 'rprop', 'lion'] as const) {
    const a = simulate({ problem, optimizer: createOptimizer(name), start: Float64Array.of(1, 1), steps: 300 });
    const b = simulate({ problem, optimizer: createOptimizer(name), start: Float64Array.of(1, 1), steps: 300, recordBudgetBytes: 301 * rowBytes(2, createOptimizer(name)) });
    assert.equal(b.sampling, undefined);
    assert.equal(recordedRows(b), null);
    for (const k of ['params', 'loss', 'grad', 'update', 'effectiveLr', 'direction', 'lr'] as const) assert.deepEqual(b[k], a[k], `${name} ${k}`);
    assert.deepEqual(b.state, a.state);
    assert.deepEqual(b.scalarState, a.scalarState);
    assert.deepEqual(b.extra, a.extra);
  }
});

test('a 1,000,000-step run stays within a 1 MB budget', () => {
  const problem = builtinProblem(getBuiltinLoss('canyon'));
  const opt = createOptimizer('adam', { lr: 1e-3 });
  const budget = 2 ** 20;
  const sim = new Simulation({ problem, optimizer: opt, start: Float64Array.of(-1.5, 2), steps: 1_000_000, recordBudgetBytes: budget });
  sim.advance();
  const rec = sim.recording;
  const allocated = (rec.loss.buffer.byteLength / 8) * rowBytes(2, opt);
  assert.ok(allocated <= budget, `${allocated} bytes allocated`);
  assert.equal(recordedRows(rec)![rec.loss.length - 1], 1_000_000);
  assert.match(describeSampling(rec)!, /^recorded every [\d,]+th step after step [\d,]+ /);
});
