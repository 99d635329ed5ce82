// The tfjs convention in float32 against every tfjs reference (test/fixtures/reference/tfjs, TensorFlow.js
// 4.22, CPU backend), in the core:
//   replay:      fed the file's gradients, our tfjs kernels must reproduce params, every state tensor and
//                scalar state BIT FOR BIT (rtol 0, atol 0) — they follow tfjs' operation order op by op;
//   closed loop: on a built-in with a float32 evaluation (canyon, rosenbrock), the whole trajectory
//                (gradients and losses too) must be bit-exact as well.
// The CLI path at the checker's tolerance is test/unit/cli/tfjsReference.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { createOptimizer, simulate, TFJS, type Problem } from '../../../src/core';
import { compareRows, listCases, loadCase, problemFor, replayProblem, tfjsRunFor, type ReferenceCase } from '../helpers/reference';

function run(c: ReferenceCase, problem: Problem) {
  const r = tfjsRunFor(c);
  const optimizer = createOptimizer(r.optimizer, r.hyperparameters, { convention: TFJS, dtype: 'float32' });
  return simulate({ problem, optimizer, start: Float64Array.from(c.start), steps: c.steps_requested });
}

function exact(c: ReferenceCase, rec: ReturnType<typeof run>, fields: readonly ('params' | 'grad' | 'loss')[]): void {
  const t = c.trajectory;
  const dim = c.function.dim;
  assert.equal(rec.stepsCompleted, c.steps_completed);
  assert.equal(rec.diverged, c.diverged);
  assert.deepEqual(Object.keys(rec.state).sort(), Object.keys(t.state).sort(), 'state names');
  const mismatches = [
    ...fields.map((f) => (f === 'loss' ? compareRows('loss', t.loss.map((l) => [l]), rec.loss, 1, 0, 0) : compareRows(f, t[f], rec[f], dim, 0, 0))),
    ...Object.entries(t.state).map(([n, rows]) => compareRows(`state.${n}`, rows, rec.state[n]!, dim, 0, 0)),
    ...Object.entries(t.scalar_state ?? {}).map(([n, v]) => compareRows(`scalar_state.${n}`, v.map((x) => [x]), rec.scalarState[n]!, 1, 0, 0)),
  ].filter((m) => m !== null);
  assert.deepEqual(mismatches, []);
}

const files = listCases('tfjs');

describe('tfjs convention, float32: bit-exact against TensorFlow.js 4.22', () => {
  for (const file of files) {
    const c = loadCase(file);
    const id = basename(file, '.json');
    test(`${id}: replay`, () => exact(c, run(c, replayProblem(c)), ['params']));
    if (c.function.name === 'canyon' || c.function.name === 'rosenbrock') {
      test(`${id}: closed loop (float32 built-in)`, () => exact(c, run(c, problemFor(c)), ['params', 'grad', 'loss']));
    }
  }

  test('tfjs 4.22 Adadelta is plain SGD (accum_var = accum_grad, Δ = g exactly)', () => {
    const rec = createOptimizer('adadelta', {}, { convention: TFJS, dtype: 'float32' });
    assert.deepEqual([rec.hyperparameters['lr'], rec.hyperparameters['rho'], rec.hyperparameters['eps']], [1e-3, 0.95, 1e-7], 'tfjs defaults');
    const p = Float64Array.of(Math.fround(0.3), Math.fround(-2));
    const r = rec.update(Float64Array.of(Math.fround(1.7), Math.fround(-0.2)), rec.init(p), p);
    assert.deepEqual([...r.diagnostics.direction], [Math.fround(1.7), Math.fround(-0.2)]);
    assert.deepEqual([...r.state.tensors['accum_var']!], [...r.state.tensors['accum_grad']!]);
  });

  test('convention errors are one line and name what is missing', () => {
    assert.throws(() => createOptimizer('nadam', {}, { convention: TFJS }), /^HyperparameterError: nadam: invalid convention: the tfjs convention does not define NAdam \(it defines sgd, adagrad, rmsprop, adam, adamax, adadelta\)$/);
    assert.throws(() => createOptimizer('adam', { amsgrad: true }, { convention: TFJS }), /adam: invalid amsgrad: tf.train.adam has no AMSGrad/);
    assert.throws(() => createOptimizer('adam', {}, { dtype: 'float32' }), /adam: invalid dtype: float32 is not modelled under the pytorch convention/);
  });
});
