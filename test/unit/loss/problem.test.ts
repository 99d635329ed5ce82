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

  test('loss() returning NaN at finite parameters: kind domain at the operation (every gradient mode)', async () => {
    const l = loadLossFileSync(fixture('returns-nan.loss.ts'));
    for (const mode of ['auto', 'numeric'] as const) {
      assertLossError(await lossErrorOf(() => atStart(l.createProblem({ gradientMode: mode }), l.start)), 'domain', {
        line: 6, column: 12, step: 0,
        message: /^the loss left its domain at step 0: Math\.sqrt\(-2\) is NaN \(finite operands, finite parameters\); loss\(\) returned NaN$/,
      });
    }
  });

  test('loss() returning Infinity at finite parameters: kind domain at Math.exp', async () => {
    const t = tempFiles({ 'inf.loss.js': ['export default {', '  params: { x: 1 },', '  loss: (p) => Math.exp(1000 * p.x),', '};', ''].join('\n') });
    try {
      const l = loadLossFileSync(t.path('inf.loss.js'));
      assertLossError(await lossErrorOf(() => atStart(l.createProblem(), l.start)), 'domain', { line: 3, column: 16, step: 0, message: /^the loss left its domain at step 0: Math\.exp\(1000\) is Infinity .*; loss\(\) returned Infinity$/ });
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

  test('NaN after some steps names the step and the operation (Math.log of a negative number)', async () => {
    const l = loadLossFileSync(fixture('nan-later.loss.ts'));
    const e = await lossErrorOf(() => run(l.createProblem(), l.start, 100, createOptimizer('sgd', { lr: 0.1 })));
    assert.equal(e.kind, 'domain');
    assert.ok(e.step! > 0, `step ${e.step}`);
    assert.equal(e.line, 7);
    assert.equal(e.column, 29); // Math.log(2 - p.x)
    assert.match(e.message, /^the loss left its domain at step \d+: Math\.log\(-[\d.e-]+\) is NaN \(finite operands, finite parameters\); loss\(\) returned NaN$/);
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

// Issue 8 item 5: 1e-9 * Math.sqrt(3 - w) leaves its domain when SGD (lr 0.01) carries w past 3 at step 46.
describe('a non-finite loss is located at the operation that produced it', () => {
  const file = fixture('nan-sqrt-domain.loss.ts');
  const W46 = 3.0258985; // w after 45 steps of w ← w − 0.01·2(w − 5) (the 1e-9 term's gradient is negligible)
  for (const mode of ['auto', 'numeric'] as const) {
    test(`gradient mode ${mode}: kind domain at 9:25 (Math.sqrt), step 46, with the operand`, async () => {
      const l = loadLossFileSync(file);
      const e = await lossErrorOf(() => run(l.createProblem({ gradientMode: mode }), l.start, 100, createOptimizer('sgd', { lr: 0.01 })));
      assertLossError(e, 'domain', { file, line: 9, column: 25, step: 46 });
      const m = /^the loss left its domain at step 46: Math\.sqrt\((-0\.02589846\d+)\) is NaN \(finite operands, finite parameters\); loss\(\) returned NaN$/.exec(e.message);
      assert.ok(m, e.message);
      assert.ok(Math.abs(Number(m[1]) - (3 - W46)) < 1e-6, m[1]);
    });
  }

  test('the exact operand: 3 − w of the run at step 46', async () => {
    const l = loadLossFileSync(file);
    const r = simulate({ problem: l.createProblem({ gradientMode: 'numeric' }), optimizer: createOptimizer('sgd', { lr: 0.01 }), start: Float64Array.from(l.start), steps: 45 });
    const w45 = r.params[45]!;
    const p = l.createProblem();
    const g = new Float64Array(1);
    p.evaluate(Float64Array.of(w45), g, 45);
    const w46 = w45 - 0.01 * g[0]!;
    const e = await lossErrorOf(() => p.evaluate(Float64Array.of(w46), g, 46));
    assertLossError(e, 'domain', { file, line: 9, column: 25, step: 46 });
    assert.ok(e.message.includes(`Math.sqrt(${3 - w46})`), e.message);
  });

  test('non-finite operands that do not come from the parameters are named as such', async () => {
    const t = tempFiles({ 'nan-data.loss.js': 'const big = Math.exp(1000);\nexport default {\n  params: { x: 1 },\n  loss(p) {\n    return p.x * big;\n  },\n};\n' });
    try {
      const l = loadLossFileSync(t.path('nan-data.loss.js'));
      const e = await lossErrorOf(() => l.createProblem().evaluate(Float64Array.of(1), new Float64Array(1), 3));
      assertLossError(e, 'non-finite', { line: 5, column: 12, step: 3, message: /^loss\(\) returned Infinity at step 3 \(the parameters are finite\): 1 \* Infinity is Infinity, the first non-finite operation; its non-finite operand does not come from the parameters/ });
    } finally {
      t.cleanup();
    }
  });

  test('an overflow of huge parameters is "the parameters diverged", located at the operation', async () => {
    const t = tempFiles({ 'nan-overflow.loss.js': 'export default {\n  params: { x: 1 },\n  loss(p) {\n    return p.x * p.x;\n  },\n};\n' });
    try {
      const l = loadLossFileSync(t.path('nan-overflow.loss.js'));
      const e = await lossErrorOf(() => l.createProblem().evaluate(Float64Array.of(1e200), new Float64Array(1), 9));
      assertLossError(e, 'non-finite', { line: 4, column: 12, step: 9, message: /^loss\(\) returned Infinity at step 9 because the parameters diverged \(x = 1e\+200\): 1e\+200 \* 1e\+200 is Infinity; try a smaller learning rate$/ });
      // moderate parameters: 1 / 0 is the loss leaving its domain, not a divergence
      const u = tempFiles({ 'nan-div.loss.js': 'export default {\n  params: { x: 1 },\n  loss(p) {\n    return 1 / (p.x - 1);\n  },\n};\n' });
      try {
        const m = loadLossFileSync(u.path('nan-div.loss.js'));
        assertLossError(await lossErrorOf(() => m.createProblem().evaluate(Float64Array.of(1), new Float64Array(1), 2)), 'domain', { line: 4, column: 12, message: /: 1 \/ 0 is Infinity/ });
      } finally {
        u.cleanup();
      }
    } finally {
      t.cleanup();
    }
  });

  test('"the parameters diverged" is a different message from "the loss left its domain"', async () => {
    const l = loadLossFileSync(file);
    const e = await lossErrorOf(() => l.createProblem().value!(Float64Array.of(NaN), 7));
    assertLossError(e, 'not-a-number', { step: 7, message: /^loss\(\) returned NaN at step 7 because the parameters diverged \(w = NaN\): try a smaller learning rate$/ });
  });
});

// Issue 9 §6: the automatic gradient's forward value is the plain loss, bit for bit, or the run stops.
describe('the automatic gradient never changes the loss value', () => {
  const write = (name: string, body: string) => tempFiles({ [name]: `export default {\n  params: { x: 1 },\n  loss(p) {\n${body}\n  },\n};\n` });

  test('Object.is / includes / Map keys: the values of the default mode equal loss() without the rewrite', () => {
    const t = write('ad-identity.loss.js', '    const m = new Map([[1, 0]]);\n    return (p.x - 3) ** 2 + (Object.is(p.x, 1) ? 0 : 100) + ([1, 2].includes(p.x) ? 0 : 10) + (m.get(p.x) ?? 1000) + 0.5;');
    try {
      const l = loadLossFileSync(t.path('ad-identity.loss.js'));
      const r = run(l.createProblem(), l.start, 5, createOptimizer('sgd', { lr: 0.1 }));
      const plain = Array.from(r.loss.slice(0, 6), (_, k) => l.value([r.params[k]!]));
      assert.deepEqual(Array.from(r.loss.slice(0, 6)), plain);
      assert.equal(r.loss[0], 4.5);
      assert.deepEqual(Array.from(atStart(l.createProblem(), l.start).g), [-4]);
    } finally {
      t.cleanup();
    }
  });

  test('a construct it cannot follow (a Map subclass keyed by a parameter): located error naming it, numeric advice', async () => {
    const t = tempFiles({ 'ad-submap.loss.js': 'class Table extends Map {}\nconst table = new Table([[1, 0]]);\nexport default {\n  params: { x: 1 },\n  loss(p) {\n    return p.x * p.x + (table.get(p.x) ?? 100);\n  },\n};\n' });
    try {
      const l = loadLossFileSync(t.path('ad-submap.loss.js'));
      assertLossError(await lossErrorOf(() => l.info()), 'autodiff', {
        file: t.path('ad-submap.loss.js'), line: 1, column: 21,
        message: /^automatic differentiation changes the loss value at the start point: 101 instead of 1 \(loss\(\) without the rewrite\), because of a Map not created by new Map\(\.\.\.\) .*; set gradient: 'numeric' in the loss file/,
      });
      // the suggested fix works
      assert.equal(l.info({ gradientMode: 'numeric' }).gradient, 'numeric');
    } finally {
      t.cleanup();
    }
  });

  test('no known construct: "a value comparison on a parameter" at the loss function; gradient: \'numeric\' in the file fixes it', async () => {
    const t = write('ad-generic.loss.js', '    return [p.x].some(Number.isInteger) ? p.x : p.x + 100;');
    const u = tempFiles({ 'ad-generic-numeric.loss.js': "export default {\n  gradient: 'numeric',\n  params: { x: 1 },\n  loss(p) {\n    return [p.x].some(Number.isInteger) ? p.x : p.x + 100;\n  },\n};\n" });
    try {
      const l = loadLossFileSync(t.path('ad-generic.loss.js'));
      assertLossError(await lossErrorOf(() => l.createProblem().evaluate(Float64Array.of(1), new Float64Array(1), 0)), 'autodiff', {
        line: 3, step: 0,
        message: /^automatic differentiation changes the loss value at step 0: 101 instead of 1 \(loss\(\) without the rewrite\), because of a value comparison on a parameter/,
      });
      const n = loadLossFileSync(u.path('ad-generic-numeric.loss.js'));
      assert.equal(n.info().gradient, 'numeric');
      assert.equal(atStart(n.createProblem(), n.start).v, 1);
    } finally {
      t.cleanup();
      u.cleanup();
    }
  });

  test('the check runs at steps 0-3 and every 100th step: a difference that appears later is caught at step 100', async () => {
    // Number.isInteger (not rewritten, passed as a value) sees a value object: differs only while x is an integer
    const t = write('ad-late.loss.js', '    return p.x > 1.5 && [p.x].some(Number.isInteger) ? 0 : (p.x - 2) ** 2 + 1;');
    try {
      const l = loadLossFileSync(t.path('ad-late.loss.js'));
      const p = l.createProblem();
      const g = new Float64Array(1);
      assert.equal(p.evaluate(Float64Array.of(2), g, 57), 0 + 1, 'unchecked step: the automatic value (x = 2 is an integer, AD sees an object)');
      assertLossError(await lossErrorOf(() => p.evaluate(Float64Array.of(2), g, 100)), 'autodiff', { step: 100, message: /1 instead of 0/ });
    } finally {
      t.cleanup();
    }
  });

  test('a non-deterministic loss (Math.random) is not reported as a difference', () => {
    const t = write('ad-random.loss.js', '    return p.x * p.x + Math.random() * 1e-3;');
    try {
      const l = loadLossFileSync(t.path('ad-random.loss.js'));
      const r = run(l.createProblem(), l.start, 5);
      assert.equal(r.stepsCompleted, 5);
    } finally {
      t.cleanup();
    }
  });
});
