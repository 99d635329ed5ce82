// A loss file as a core Problem: gradient sources, evaluation errors with file/line/step,
// gradient check, gradient noise and mini-batch reproducibility.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptimizer, simulate, type Problem } from '../../../src/core';
import { loadLossFileSync } from '../../../src/loss/loader';
import { assertLossError, example, fixture, lossErrorOf, tempFiles } from './fixtures';

const atStart = (p: Problem, start: readonly number[]) => {
  const g = new Float64Array(p.dim);
  const v = p.evaluate(Float64Array.from(start), g, 0);
  return { v, g };
};

function run(p: Problem, start: readonly number[], steps = 50, optimizer = createOptimizer('sgd', { lr: 0.05 })) {
  return simulate({ problem: p, optimizer, start: Float64Array.from(start), steps });
}

describe('gradient sources', () => {
  test('automatic, numeric and grad export agree (Rosenbrock with grad)', () => {
    const l = loadLossFileSync(example('rosenbrock-with-grad.loss.ts'));
    const auto = atStart(l.createProblem({ gradientMode: 'autodiff' }), l.start);
    const exp = atStart(l.createProblem({ gradientMode: 'auto' }), l.start);
    const num = atStart(l.createProblem({ gradientMode: 'numeric' }), l.start);
    assert.equal(l.createProblem().gradient, 'grad-export');
    assert.deepEqual(Array.from(auto.g), Array.from(exp.g));
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(num.g[i]! - auto.g[i]!) < 1e-6 * Math.abs(auto.g[i]!));
    assert.deepEqual(l.info().warnings, []);
  });

  test('a wrong grad export is reported by the gradient check with the max relative error', () => {
    const l = loadLossFileSync(fixture('wrong-grad.loss.ts'));
    const info = l.info();
    assert.equal(info.gradient, 'grad-export');
    assert.equal(info.warnings.length, 1);
    assert.match(info.warnings[0]!, /^grad export differs from the automatic gradient \(max rel\. error 9\.0e-1 at y\)$/);
    // autodiff mode ignores the export
    assert.equal(l.info({ gradientMode: 'autodiff' }).warnings.length, 0);
  });

  test('MLP: automatic gradient matches central differences', () => {
    const l = loadLossFileSync(example('mlp.loss.ts'));
    const a = atStart(l.createProblem({ gradientMode: 'autodiff' }), l.start);
    const n = atStart(l.createProblem({ gradientMode: 'numeric' }), l.start);
    assert.equal(a.v, n.v);
    let worst = 0;
    for (let i = 0; i < l.dim; i++) worst = Math.max(worst, Math.abs(a.g[i]! - n.g[i]!));
    assert.ok(worst < 1e-8, `max |autodiff − numeric| = ${worst}`);
  });

  test('code automatic differentiation cannot handle: kind autodiff at the construct; numeric mode works', async () => {
    const l = loadLossFileSync(fixture('bitwise.loss.js'));
    assertLossError(await lossErrorOf(() => l.info()), 'autodiff', {
      file: fixture('bitwise.loss.js'),
      line: 5,
      column: 15,
      message: /cannot differentiate the bitwise operator \|.*add a grad\(p, batch\) export or use the numeric gradient mode/,
    });
    const info = l.info({ gradientMode: 'numeric' });
    assert.equal(info.gradient, 'numeric');
    const { v, g } = atStart(l.createProblem({ gradientMode: 'numeric' }), l.start);
    assert.equal(v, 1.5 * 1.5 + 1);
    assert.ok(Math.abs(g[0]! - 3) < 1e-6);
  });
});

describe('evaluation errors', () => {
  test('loss() returning a string: not-a-number at the loss line, step 0', async () => {
    const l = loadLossFileSync(fixture('returns-string.loss.js'));
    for (const mode of ['autodiff', 'numeric'] as const) {
      const p = l.createProblem({ gradientMode: mode });
      assertLossError(await lossErrorOf(() => atStart(p, l.start)), 'not-a-number', { file: fixture('returns-string.loss.js'), line: 3, step: 0, message: /loss\(\) returned a string/ });
    }
  });

  test('loss() returning nothing: a missing return', async () => {
    const l = loadLossFileSync(fixture('returns-nothing.loss.ts'));
    assertLossError(await lossErrorOf(() => atStart(l.createProblem({ gradientMode: 'numeric' }), l.start)), 'not-a-number', { line: 5, message: /returned undefined \(a missing return\?\)/ });
  });

  test('loss() returning NaN at finite parameters', async () => {
    const l = loadLossFileSync(fixture('returns-nan.loss.ts'));
    assertLossError(await lossErrorOf(() => atStart(l.createProblem(), l.start)), 'not-a-number', { line: 5, step: 0, message: /^loss\(\) returned NaN at step 0/ });
  });

  test('loss() returning Infinity at finite parameters: non-finite', async () => {
    const t = tempFiles({ 'inf.loss.js': ['export default {', '  params: { x: 1 },', '  loss: (p) => Math.exp(1000 * p.x),', '};', ''].join('\n') });
    try {
      const l = loadLossFileSync(t.path('inf.loss.js'));
      assertLossError(await lossErrorOf(() => atStart(l.createProblem(), l.start)), 'non-finite', { line: 3, step: 0, message: /^loss\(\) returned Infinity at step 0/ });
    } finally {
      t.cleanup();
    }
  });

  test('loss() throwing: kind threw at the line of the throw (plain, numeric and automatic)', async () => {
    const l = loadLossFileSync(fixture('throws.loss.ts'));
    for (const mode of ['auto', 'numeric'] as const) {
      const e = await lossErrorOf(() => atStart(l.createProblem({ gradientMode: mode }), l.start));
      assertLossError(e, 'threw', { file: fixture('throws.loss.ts'), line: 5, column: 11, step: 0, message: /^loss\(\) threw at step 0: x is too large: 1$/ });
    }
  });

  test('a throw inside an imported helper points at the helper file and line (with and without autodiff)', async () => {
    const t = tempFiles({
      'helper.ts': ['export function guard(v: number): number {', '  if (v > 0) {', "    throw new TypeError('positive');", '  }', '  return v;', '}', ''].join('\n'),
      'h.loss.ts': ["import { guard } from './helper';", 'export default { params: { x: 1 }, loss: (p: { x: number }) => guard(p.x) * p.x };', ''].join('\n'),
    });
    try {
      const l = loadLossFileSync(t.path('h.loss.ts'));
      for (const mode of ['autodiff', 'numeric'] as const) {
        const e = await lossErrorOf(() => atStart(l.createProblem({ gradientMode: mode }), l.start));
        assertLossError(e, 'threw', { file: t.path('helper.ts'), line: 3, column: 11, message: /TypeError: positive/ });
      }
    } finally {
      t.cleanup();
    }
  });

  test('NaN after some steps names the step', async () => {
    const l = loadLossFileSync(fixture('nan-later.loss.ts'));
    const e = await lossErrorOf(() => run(l.createProblem(), l.start, 100, createOptimizer('sgd', { lr: 0.1 })));
    assert.equal(e.kind, 'not-a-number');
    assert.ok(e.step! > 0, `step ${e.step}`);
    assert.equal(e.line, 6);
  });

  test('invalid run options are hyperparameter errors', async () => {
    const l = loadLossFileSync(fixture('regression.loss.ts'));
    assertLossError(await lossErrorOf(() => l.createProblem({ batchSize: 0 })), 'hyperparameter', { message: /batchSize must be a positive integer/ });
    assertLossError(await lossErrorOf(() => l.createProblem({ gradientNoise: -1 })), 'hyperparameter', { message: /gradientNoise/ });
  });
});

describe('reproducible randomness', () => {
  const l = loadLossFileSync(example('minibatch-noise.loss.ts'));

  test('same seed → identical mini-batch trajectory; different seed → different', () => {
    const a = run(l.createProblem({ seed: 7 }), l.start, 60);
    const b = run(l.createProblem({ seed: 7 }), l.start, 60);
    const c = run(l.createProblem({ seed: 8 }), l.start, 60);
    assert.deepEqual(a.params, b.params);
    assert.deepEqual(a.loss, b.loss);
    assert.notDeepEqual(a.params, c.params);
  });

  test('batchSize override: full batch is deterministic and seed-independent', () => {
    const a = run(l.createProblem({ seed: 1, batchSize: 48 }), l.start, 30);
    const b = run(l.createProblem({ seed: 2, batchSize: 1000 }), l.start, 30);
    assert.deepEqual(a.params, b.params);
    assert.equal(l.createProblem({ batchSize: 48 }).batchSize, null);
  });

  test('gradient noise: reproducible per seed, zero-mean-ish, σ as requested', () => {
    const c = loadLossFileSync(fixture('circle.loss.ts'));
    const plain = atStart(c.createProblem(), c.start).g;
    const samples: number[] = [];
    for (let step = 0; step < 2000; step++) {
      const p = c.createProblem({ gradientNoise: 0.5, seed: 3 });
      const g = new Float64Array(2);
      p.evaluate(Float64Array.from(c.start), g, step);
      const again = new Float64Array(2);
      p.evaluate(Float64Array.from(c.start), again, step);
      assert.deepEqual(g, again, 'the same step gets the same noise');
      samples.push((g[0]! - plain[0]!) / 0.5, (g[1]! - plain[1]!) / 0.5);
    }
    const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
    const sd = Math.sqrt(samples.reduce((s, x) => s + (x - mean) ** 2, 0) / samples.length);
    assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
    assert.ok(Math.abs(sd - 1) < 0.05, `sd ${sd}`);
    const r1 = run(c.createProblem({ gradientNoise: 0.1, seed: 1 }), c.start);
    const r2 = run(c.createProblem({ gradientNoise: 0.1, seed: 1 }), c.start);
    const r3 = run(c.createProblem({ gradientNoise: 0.1, seed: 2 }), c.start);
    assert.deepEqual(r1.params, r2.params);
    assert.notDeepEqual(r1.params, r3.params);
  });

  test('validation loss is recorded for files with validation', () => {
    const v = loadLossFileSync(example('linear-regression.loss.ts'));
    const rec = run(v.createProblem(), v.start, 200, createOptimizer('adam', { lr: 0.05 }));
    assert.ok(rec.validationLoss, 'validation column');
    const last = rec.stepsCompleted;
    assert.ok(rec.validationLoss![last]! < rec.validationLoss![0]! / 10, 'validation loss falls');
    assert.ok(Number.isFinite(rec.validationLoss![last]!));
  });
});
