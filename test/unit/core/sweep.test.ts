// Sweeps: the batched kernel against one Simulation per cell (bit for bit, every optimizer), the summary
// against compare's steps-to-tolerance, and the outcomes on GD over the canyon by hand arithmetic.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_LOSSES, OPTIMIZERS, builtinProblem, createOptimizer, simulate, type HyperValue, type OptimizerName } from '../../../src/core';
import { BatchedSweep, axisProblem, axisValues, summarizeRun, withHyper, type SummaryCriteria } from '../../../src/core/sweep';
import { stepsToTolerance } from '../../../src/core/tune';

/** Deterministic uniform numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fMinOf(name: string): number | undefined {
  const f = BUILTIN_LOSSES[name]!.minima.map((m) => m.f);
  return f.length ? Math.min(...f) : undefined;
}

/** A random second axis for each optimizer (a numeric hyperparameter or a pair component), with a sensible range. */
const SECOND: Record<OptimizerName, [string, number, number]> = {
  sgd: ['momentum', 0, 0.99], adagrad: ['lr_decay', 0, 0.1], rmsprop: ['alpha', 0.8, 0.999], adam: ['betas.0', 0, 0.99],
  adamw: ['weight_decay', 0, 0.1], adamax: ['betas.1', 0.9, 0.9999], nadam: ['momentum_decay', 0, 0.01], radam: ['betas.0', 0.5, 0.99],
  adadelta: ['rho', 0.5, 0.99], rprop: ['etas.1', 1.05, 1.5], signsgd: ['momentum', 0, 0.95], lion: ['betas.0', 0.5, 0.99],
};

describe('sweep: batched kernel = simulate, cell by cell', () => {
  for (const name of Object.keys(OPTIMIZERS) as OptimizerName[]) {
    test(`${name}: 24 random cells on canyon, rosenbrock and beale are bit-identical to simulate`, () => {
      const def = OPTIMIZERS[name];
      const [axis2, lo, hi] = SECOND[name];
      assert.equal(axisProblem({ name: axis2, min: lo, max: hi, scale: 'lin', count: 4 }, def.hyperparameters, name), null);
      const rand = rng(name.length * 7919 + name.charCodeAt(0));
      const seen = new Set<string>();
      for (const loss of ['canyon', 'rosenbrock', 'beale']) {
        const b = BUILTIN_LOSSES[loss]!;
        const criteria: SummaryCriteria = { tolerance: 1e-6, fMin: fMinOf(loss) };
        const hps: Record<string, HyperValue>[] = [];
        for (let k = 0; k < 8; k++) {
          const lr = 10 ** (-4 + 4.5 * rand()); // 1e-4 … ~30: converging, slow and diverging cells
          hps.push(withHyper(withHyper({}, 'lr', lr, def.hyperparameters), axis2, lo + (hi - lo) * rand(), def.hyperparameters));
        }
        const opts = hps.map((h) => createOptimizer(name, h));
        const steps = 150;
        // constantLr alternates: both ways of reading the lr give the same cells
        const sweep = new BatchedSweep({ loss: b, optimizers: opts, start: Float64Array.from(b.start), steps, criteria, constantLr: loss !== 'beale' });
        while (!sweep.finished) sweep.advance(37);
        const cells = sweep.summaries();
        for (let k = 0; k < opts.length; k++) {
          const rec = simulate({ problem: builtinProblem(b), optimizer: createOptimizer(name, hps[k]!), start: Float64Array.from(b.start), steps, record: 'trajectory' });
          const want = summarizeRun(rec, criteria);
          seen.add(want.outcome);
          assert.deepEqual(cells[k], want, `${name} ${loss} ${JSON.stringify(hps[k])}`);
          // the same numbers compare reports
          const m = rec.stepsCompleted;
          assert.ok(Object.is(cells[k]!.finalLoss, rec.loss[m]!));
          assert.equal(cells[k]!.stepsToTolerance, stepsToTolerance(rec, criteria.tolerance, criteria.fMin));
          assert.equal(cells[k]!.divergedStep !== null || !rec.diverged, true);
          if (!rec.diverged) {
            const p = sweep.paramsOf(k);
            assert.ok(Object.is(p[0], rec.params[2 * m]) && Object.is(p[1], rec.params[2 * m + 1]), 'final parameters bit for bit');
          }
        }
      }
      assert.ok(seen.size >= 2, `the random cells cover more than one outcome (${[...seen].join(', ')})`);
    });
  }
});

describe('sweep: outcomes of gradient descent on the canyon x² + 10y² (by hand)', () => {
  // GD: x ← (1 − 2η)x, y ← (1 − 20η)y from (−4, 1); f* = 0, tol 1e-6.
  const run = (lr: number, steps: number) => {
    const b = BUILTIN_LOSSES['canyon']!;
    const s = new BatchedSweep({ loss: b, optimizers: [createOptimizer('sgd', { lr })], start: Float64Array.from(b.start), steps, criteria: { tolerance: 1e-6, fMin: 0 } });
    s.advance();
    return s.summaries()[0]!;
  };
  test('η = 0.05: y is solved in one step (1 − 20η = 0), x shrinks by 0.9 per step → converged', () => {
    const c = run(0.05, 500);
    assert.equal(c.outcome, 'converged');
    // f_t = 16·0.81^t ≤ 1e-6  ⇔  t ≥ log(1e-6/16)/log(0.81) = 78.9
    assert.equal(c.stepsToTolerance, 79);
    assert.equal(c.divergedStep, null);
  });
  test('η = 0.01: both factors < 1 but slow (x: 0.98^t) → slow', () => {
    const c = run(0.01, 100);
    assert.equal(c.outcome, 'slow');
    assert.ok(Math.abs(c.finalLoss - (16 * 0.98 ** 200 + 10 * 0.8 ** 200)) < 1e-12);
  });
  test('η = 0.099: y flips sign every step with factor −0.98 → oscillating', () => {
    assert.equal(run(0.099, 100).outcome, 'oscillating');
  });
  test('η = 0.11: |1 − 20η| = 1.2, the loss grows geometrically while finite → diverging', () => {
    const c = run(0.11, 100);
    assert.equal(c.outcome, 'diverging');
    assert.ok(Number.isFinite(c.finalLoss));
  });
  test('η = 0.3: y grows ×5 per step until it overflows → diverged, with the step', () => {
    const c = run(0.3, 2000);
    assert.equal(c.outcome, 'diverged');
    // 10y² overflows once |y| > 1.34e153, i.e. 5^t > 1.34e153: t = 220 (loss Infinity while y is finite)
    assert.equal(c.divergedStep, 220);
  });
});

describe('sweep axes', () => {
  test('log and lin values with exact endpoints; pair components', () => {
    assert.deepEqual([...axisValues({ name: 'lr', min: 1e-3, max: 1e-1, scale: 'log', count: 3 })], [1e-3, 1e-2, 1e-1]);
    assert.deepEqual([...axisValues({ name: 'momentum', min: 0, max: 0.9, scale: 'lin', count: 4 })], [0, 0.3, 0.6, 0.9]);
    const specs = OPTIMIZERS.adam.hyperparameters;
    assert.deepEqual(withHyper({ lr: 0.1 }, 'betas.1', 0.99, specs), { lr: 0.1, betas: [0.9, 0.99] });
    assert.match(axisProblem({ name: 'betas', min: 0, max: 1, scale: 'lin', count: 2 }, specs, 'adam')!, /betas\.0 or betas\.1/);
    assert.match(axisProblem({ name: 'amsgrad', min: 0, max: 1, scale: 'lin', count: 2 }, specs, 'adam')!, /flag/);
    assert.match(axisProblem({ name: 'lr', min: 0, max: 1, scale: 'log', count: 2 }, specs, 'adam')!, /min > 0/);
  });
});
