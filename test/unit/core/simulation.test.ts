// The simulation engine: row conventions, slicing, trajectory-only recording, validation loss, divergence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Simulation, builtinProblem, createOptimizer, getBuiltinLoss, recordingBytes, simulate, type Problem } from '../../../src/core';

const rosen = getBuiltinLoss('rosenbrock');

test('rows: loss[t] = f(params[t]) and grad[t] = ∇f(params[t]) consumed by step t+1', () => {
  const rec = simulate({ problem: builtinProblem(rosen), optimizer: createOptimizer('adam', { lr: 0.01 }), start: Float64Array.of(-1.5, 2), steps: 30 });
  const g = new Float64Array(2);
  for (let t = 0; t <= 30; t++) {
    const f = rosen.evaluate(rec.params[2 * t]!, rec.params[2 * t + 1]!, g);
    assert.equal(rec.loss[t], f);
    if (t < 30) assert.deepEqual([rec.grad[2 * t], rec.grad[2 * t + 1]], [g[0], g[1]]);
  }
  assert.deepEqual([...rec.scalarState['step']!.subarray(0, 3)], [1, 2, 3]);
  assert.deepEqual([...rec.lr.subarray(0, 2)], [0.01, 0.01]);
});

test('advancing in slices records exactly what one call does', () => {
  const mk = () => new Simulation({ problem: builtinProblem(rosen), optimizer: createOptimizer('rmsprop', { lr: 0.01, momentum: 0.5, centered: true }), start: Float64Array.of(-1.5, 2), steps: 1000 });
  const a = mk();
  a.advance();
  const b = mk();
  let slices = 0;
  while (!b.finished) {
    b.advance(137);
    slices++;
  }
  assert.equal(slices, Math.ceil(1000 / 137));
  for (const k of ['params', 'loss', 'grad', 'update', 'effectiveLr', 'direction'] as const) assert.deepEqual(b.recording[k], a.recording[k], k);
  for (const k of Object.keys(a.recording.state)) assert.deepEqual(b.recording.state[k], a.recording.state[k], k);
});

test("record: 'trajectory' keeps params/loss/grad and drops per-parameter diagnostics", () => {
  const rec = simulate({ problem: builtinProblem(rosen), optimizer: createOptimizer('adam'), start: Float64Array.of(0, 0), steps: 10, record: 'trajectory' });
  assert.equal(rec.params.length, 22);
  assert.equal(rec.effectiveLr.length, 0);
  assert.equal(rec.state['exp_avg']!.length, 0);
  assert.equal(rec.scalarState['step']!.length, 10);
});

test('validation loss is recorded at every row when the problem has held-out data', () => {
  const p: Problem = {
    name: 'q', dim: 1, paramNames: ['w'],
    evaluate: (x, g) => { g[0] = 2 * x[0]!; return x[0]! ** 2; },
    validationLoss: (x) => (x[0]! - 1) ** 2,
  };
  const rec = simulate({ problem: p, optimizer: createOptimizer('sgd', { lr: 0.25 }), start: Float64Array.of(4), steps: 3 });
  // θ: 4 → 2 → 1 → 0.5 (θ ← θ − 0.25·2θ = θ/2)
  assert.deepEqual([...rec.params], [4, 2, 1, 0.5]);
  assert.deepEqual([...rec.validationLoss!], [9, 1, 0, 0.25]);
});

test('zero steps and a non-finite start', () => {
  const rec = simulate({ problem: builtinProblem(rosen), optimizer: createOptimizer('sgd'), start: Float64Array.of(1, 1), steps: 0 });
  assert.equal(rec.stepsCompleted, 0);
  assert.equal(rec.loss[0], 0);
  const bad = simulate({ problem: builtinProblem(rosen), optimizer: createOptimizer('sgd'), start: Float64Array.of(NaN, 1), steps: 5 });
  assert.equal(bad.diverged, true);
  assert.equal(bad.stepsCompleted, 0);
  assert.match(bad.stopReason!, /non-finite start point/);
  assert.throws(() => simulate({ problem: builtinProblem(rosen), optimizer: createOptimizer('sgd'), start: Float64Array.of(1), steps: 5 }), /start point has 1 values, problem rosenbrock has 2 parameters/);
});

test('built-in losses: exact gradients (central differences) and known minima', () => {
  const g = new Float64Array(2);
  for (const name of ['canyon', 'rosenbrock', 'beale', 'himmelblau', 'saddle', 'booth', 'rastrigin', 'flat-sharp']) {
    const b = getBuiltinLoss(name);
    for (const [x, y] of [[0.3, -0.7], [1.1, 0.4], [-1.3, 1.9]] as const) {
      b.evaluate(x, y, g);
      const h = 1e-6;
      const dx = (b.evaluate(x + h, y) - b.evaluate(x - h, y)) / (2 * h);
      const dy = (b.evaluate(x, y + h) - b.evaluate(x, y - h)) / (2 * h);
      assert.ok(Math.abs(dx - g[0]!) <= 1e-5 * (1 + Math.abs(dx)), `${name} ∂x at (${x}, ${y}): ${g[0]} vs ${dx}`);
      assert.ok(Math.abs(dy - g[1]!) <= 1e-5 * (1 + Math.abs(dy)), `${name} ∂y at (${x}, ${y}): ${g[1]} vs ${dy}`);
    }
    for (const m of b.minima) {
      const f = b.evaluate(m.x, m.y, g);
      assert.ok(Math.abs(f - m.f) < 1e-9, `${name} f at minimum ${m.x}, ${m.y}`);
      assert.ok(Math.hypot(g[0]!, g[1]!) < 1e-3, `${name} gradient at minimum (${m.x}, ${m.y}) = ${g[0]}, ${g[1]}`);
    }
    assert.ok(b.window.x[0] < b.start[0] && b.start[0] < b.window.x[1] && b.window.y[0] < b.start[1] && b.start[1] < b.window.y[1], `${name}: start inside the window`);
  }
});

test('a recording over its budget is downsampled, not refused; a budget below a few rows is refused with a clear message', () => {
  const opt = createOptimizer('adam');
  const p: Problem = { name: 'big', dim: 1000, paramNames: [], evaluate: () => 0 };
  // 9 columns × 1000 parameters + 3 scalars = 9003 values per row; 10⁶ rows would be 67 GiB.
  const sim = new Simulation({ problem: p, optimizer: opt, start: new Float64Array(1000), steps: 1_000_000 });
  assert.ok(sim.recording.sampling, 'downsampled');
  assert.throws(
    () => new Simulation({ problem: p, optimizer: opt, start: new Float64Array(1000), steps: 100, recordBudgetBytes: 10 * 72_024 }),
    /^RangeError: a memory budget of 0\.687 MB holds 7 rows of this run \(0\.069 MB per step\); at least 19 are needed \(1\.3 MB\): raise the memory budget/,
  );
  // The exact full size is honoured to the byte: it fits at full resolution, one byte less downsamples.
  assert.equal(recordingBytes(1000, 100, opt), 101 * 72_024);
  const exact = new Simulation({ problem: p, optimizer: opt, start: new Float64Array(1000), steps: 100, recordBudgetBytes: recordingBytes(1000, 100, opt) });
  assert.equal(exact.recording.sampling, undefined);
  const less = new Simulation({ problem: p, optimizer: opt, start: new Float64Array(1000), steps: 100, recordBudgetBytes: recordingBytes(1000, 100, opt) - 1 });
  assert.ok(less.recording.sampling);
});
