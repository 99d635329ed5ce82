// compare --tune's search (src/core/tune.ts) and the lr range test's analysis (src/core/lrFind.ts), by hand.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptimizer, simulate, type Problem } from '../../../src/core';
import { GOLDEN_RUNS, better, lrGrid, lowestKnownMinimum, objectiveValue, runFacts, stepsToTolerance, tuneLr } from '../../../src/core/tune';
import { analyzeLrRange, lrRangeAt, steepestIndex, valleyIndex } from '../../../src/core/lrFind';

/** f(x) = (λ/2)·x², one parameter. */
function quadratic(lambda: number): Problem {
  return {
    name: `quadratic λ=${lambda}`,
    dim: 1,
    paramNames: ['x'],
    evaluate(p, g) {
      g[0] = lambda * p[0]!;
      return (lambda / 2) * p[0]! * p[0]!;
    },
  };
}

describe('tune: log grid then golden-section search in log lr', () => {
  test('the grid is 1e-5 … 10, three points per decade (19 points)', () => {
    const g = lrGrid();
    assert.equal(g.length, 19);
    assert.equal(g[0], 1e-5);
    assert.equal(g[3], 1e-4);
    assert.equal(g[18], 10);
    assert.equal(g[1], 2.15443469003e-5);
  });

  for (const lambda of [4, 10, 37]) {
    test(`GD on a quadratic with curvature λ = ${lambda} is fastest at lr = 1/λ (steps objective)`, async () => {
      const problem = quadratic(lambda);
      const steps = 60;
      let runs = 0;
      const result = await tuneLr(async (lrs) =>
        lrs.map((lr) => {
          runs++;
          const rec = simulate({ problem, optimizer: createOptimizer('sgd', { lr }), start: Float64Array.of(3), steps, record: 'trajectory' });
          const m = rec.stepsCompleted;
          return objectiveValue('steps', {
            finalLoss: rec.loss[m]!, stepsToTolerance: stepsToTolerance(rec, 1e-6, 0), steps, diverged: rec.diverged,
            distanceToMinimum: Math.abs(rec.params[m]!), meanLoss: 0,
          });
        }),
      );
      assert.equal(runs, 19 + GOLDEN_RUNS, 'the same budget whatever the function');
      assert.equal(result.runs, 19 + GOLDEN_RUNS);
      assert.ok(Math.abs(result.lr * lambda - 1) < 0.01, `tuned lr ${result.lr} vs 1/λ = ${1 / lambda}`);
      // the sensitivity curve: sorted by lr, grid points included
      for (let i = 1; i < result.curve.length; i++) assert.ok(result.curve[i]!.lr >= result.curve[i - 1]!.lr);
      assert.equal(result.curve.filter((p) => p.stage === 'grid').length, 19);
    });
  }

  test('run facts from a recording, by hand: final loss, mean loss, distance to the nearest minimum, steps to tolerance', () => {
    const bowl: Problem = { name: 'bowl', dim: 2, paramNames: ['x', 'y'], evaluate: (p, g) => { g[0] = 2 * p[0]!; g[1] = 2 * p[1]!; return p[0]! ** 2 + p[1]! ** 2; } };
    // GD on f = x² + y² (∇f = 2θ) at lr 0.25 from (2, 0): θ halves each step; rows (2,0) (1,0) (0.5,0), f = 4, 1, 0.25.
    const rec = simulate({ problem: bowl,
      optimizer: createOptimizer('sgd', { lr: 0.25 }), start: Float64Array.of(2, 0), steps: 2, record: 'trajectory' });
    const info = { dim: 2, minima: [{ x: 0, y: 0, f: 0 }, { x: 0.5, y: 1, f: 3 }] };
    assert.equal(lowestKnownMinimum(info), 0);
    assert.equal(lowestKnownMinimum({ dim: 2 }), undefined);
    const f = runFacts(rec, info, 1);
    assert.deepEqual(f, { finalLoss: 0.25, stepsToTolerance: 1, steps: 2, diverged: false, distanceToMinimum: 0.5, meanLoss: (4 + 1 + 0.25) / 3 });
    // no f*: the gradient-norm test ‖∇f‖ = 4, 2 at rows 0, 1 (row 2's gradient drove no step)
    assert.equal(runFacts(rec, { dim: 2, minima: [{ x: 0, y: 0 }] }, 2).stepsToTolerance, 1);
    assert.equal(runFacts(rec, { dim: 2 }, 1).stepsToTolerance, null);
    assert.ok(Number.isNaN(runFacts(rec, { dim: 2 }, 1).distanceToMinimum));
    assert.equal(runFacts({ ...rec, error: { message: 'boom' } }, info, 1).diverged, true, 'a user error counts as diverged');
  });

  test('objectives: lexicographic, diverged runs are worst, "never" counts as steps + 1', () => {
    const base = { finalLoss: 0.5, stepsToTolerance: null, steps: 100, diverged: false, distanceToMinimum: 2, meanLoss: 3 };
    assert.deepEqual(objectiveValue('final-loss', base), [0.5, 0]);
    assert.deepEqual(objectiveValue('steps', base), [101, 0.5]);
    assert.deepEqual(objectiveValue('distance', base), [5, 0]);
    assert.deepEqual(objectiveValue('final-loss', { ...base, diverged: true }), [Infinity, Infinity]);
    assert.ok(better([3, 1], [3, 2]) && better([2, 9], [3, 0]) && !better([NaN, 0], [1e300, 0]));
  });
});

describe('lr range test', () => {
  test('lr grows exponentially: lr_t = min·(max/min)^((t−1)/(N−1))', () => {
    assert.equal(lrRangeAt(1, 1e-7, 10, 100), 1e-7);
    assert.equal(lrRangeAt(100, 1e-7, 10, 100), 1e-7 * 1e8);
    assert.ok(Math.abs(lrRangeAt(34, 1e-6, 1, 100) / 1e-6 - 10 ** 2) < 1e-9 * 100 ** 1);
  });

  test('bias-corrected EMA (β = 0.98) and the 4× stop, by hand: losses 1, 1, 10', () => {
    // a1 = 0.02, s1 = 1; a2 = 0.0396, s2 = 0.0396/0.0396 = 1; a3 = 0.98·0.0396 + 0.2 = 0.238808, s3 = 0.238808/0.058808 = 4.0608 > 4·1
    const r = analyzeLrRange([1, 2, 3, 4], [1, 1, 10, 1], 4);
    assert.equal(r.stop, 'diverged');
    assert.equal(r.points.length, 3);
    assert.ok(Math.abs(r.points[0]!.smoothed - 1) < 1e-15 && Math.abs(r.points[1]!.smoothed - 1) < 1e-15);
    assert.ok(Math.abs(r.points[2]!.smoothed - 0.238808 / 0.058808) < 1e-12);
    const ok = analyzeLrRange([1, 2, 3], [1, 1, 3.9], 3);
    assert.equal(ok.stop, 'completed');
  });

  test('steepest: the most negative central difference in log10 lr after the burn-in', () => {
    const lrs = [1, 10, 100, 1000, 1e4, 1e5];
    // slopes at i = 1..4: (8−10)/2 = −1, (5−9)/2 = −2, (4−8)/2 = −2, (3.5−5)/2 = −0.75 → the first −2, i = 2
    assert.equal(steepestIndex(lrs, [10, 9, 8, 5, 4, 3.5], 0), 2);
    assert.equal(steepestIndex(lrs, [10, 9, 8, 5, 4, 3.5], 3), 3);
  });

  test('valley (fastai): longest decreasing run 5, 4, 3, 2, 1, 0 from index 1 to 6 → start 0 + ⌊6/3⌋ + ⌊6/6⌋ = index 3', () => {
    assert.equal(valleyIndex([3, 5, 4, 3, 2, 1, 0, 6]), 3);
    // all decreasing: end 4, start 4 − 5 = −1, ⌊5/3⌋ = 1, ⌊5/6⌋ = 0 → index 0
    assert.equal(valleyIndex([5, 4, 3, 2, 1]), 0);
  });

  test('on GD over a quadratic (λ = 4) the test cannot stop before lr passes the stability limit 2/λ', () => {
    // While lr ≤ 2/λ each loss is ≤ the one before, so the smoothed loss (a mean of larger values mixed with a
    // smaller one) never rises: the 4× stop needs lr > 2/λ.
    const steps = 100;
    const rec = simulate({ problem: quadratic(4), optimizer: createOptimizer('sgd', {}, { schedule: (t) => lrRangeAt(t, 1e-7, 10, steps) }), start: Float64Array.of(3), steps, record: 'trajectory' });
    const r = analyzeLrRange(rec.lr, rec.loss, steps);
    assert.equal(r.stop, 'diverged');
    assert.ok(r.points.at(-1)!.lr > 0.5);
    for (const p of r.points) if (p.lr <= 0.5 && p.step > 1) assert.ok(p.smoothed <= r.points[p.step - 2]!.smoothed + 1e-12);
    assert.ok(r.minOver10 && r.valley && r.steepest);
  });
});
