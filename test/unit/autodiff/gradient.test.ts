// flattenShape / unflattenParams / makeValueAndGrad plumbing, numericGradient, gradCheck.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRuntime, flattenShape, gradCheck, gradCheckAt, makeValueAndGrad, numericGradient, unflattenParams,
} from '../../../src/core/autodiff';
import { loadLoss } from './helpers';

test('flattenShape: declaration order, labels like w[0], numbers and arrays', () => {
  const { names, values } = flattenShape({ w: [0.5, -1, 2], b: 3, v: [], z: [7] });
  assert.deepEqual(names, ['w[0]', 'w[1]', 'w[2]', 'b', 'z[0]']);
  assert.deepEqual([...values], [0.5, -1, 2, 3, 7]);
  assert.deepEqual(unflattenParams({ w: [0, 0, 0], b: 0 }, [1, 2, 3, 4]), { w: [1, 2, 3], b: 4 });
  assert.throws(() => unflattenParams({ b: 0 }, [1, 2]), /expected 1 parameters, got 2/);
});

test('makeValueAndGrad: structured p of AD values, batch passed through, buffers checked', () => {
  const seen: unknown[] = [];
  const L = loadLoss(`
    let record;
    export default {
      params: { w: [1, 2], b: 3 },
      setRecorder(f) { record = f; },
      loss(p, batch) { record(Array.isArray(p.w), p.w.length, typeof p.b, batch); return (p.w[0] * batch.k + p.w[1]) * p.b; },
    };`);
  L.module.setRecorder((...a: unknown[]) => seen.push(...a));
  const g = new Float64Array(3);
  const value = L.vg(Float64Array.of(1, 2, 3), { k: 10 }, g);
  assert.equal(value, 36);
  assert.deepEqual([...g], [30, 3, 12]);
  assert.deepEqual(seen, [true, 2, 'number', { k: 10 }]);
  assert.throws(() => L.vg(Float64Array.of(1, 2), { k: 1 }, g), /expected 3 parameters, got 2/);
  assert.throws(() => L.vg(Float64Array.of(1, 2, 3), { k: 1 }, new Float64Array(2)), /gradient buffer has length 2, expected 3/);
});

test('makeValueAndGrad with a hand-written loss that uses the runtime directly', () => {
  const rt = createRuntime();
  const vg = makeValueAndGrad(rt, (p: { x: unknown; y: unknown }) => rt.add(rt.mul(p.x, p.x), rt.sin(p.y)), { x: 0, y: 0 });
  const g = new Float64Array(2);
  assert.equal(vg(Float64Array.of(3, 0.5), undefined, g), 9 + Math.sin(0.5));
  assert.deepEqual([...g], [6, Math.cos(0.5)]);
});

test('numericGradient: central differences with per-coordinate scaled steps; x is restored', () => {
  const f = (x: Float64Array): number => x[0] ** 3 + Math.exp(x[1]);
  const x = Float64Array.of(2, -1);
  const out = new Float64Array(2);
  numericGradient(f, x, out);
  assert.deepEqual([...x], [2, -1]);
  assert.ok(Math.abs(out[0] - 12) < 1e-8, String(out[0]));
  assert.ok(Math.abs(out[1] - Math.exp(-1)) < 1e-9, String(out[1]));
  const big = Float64Array.of(1e8);
  const outBig = new Float64Array(1);
  numericGradient((v) => v[0] * v[0], big, outBig); // the step scales with |x|: still accurate at 1e8
  assert.ok(Math.abs(outBig[0] - 2e8) < 1e-9 * 2e8, String(outBig[0]));
  const throwing = (): number => { throw new Error('no'); };
  assert.throws(() => numericGradient(throwing, x, out), /no/);
  assert.deepEqual([...x], [2, -1]);
  assert.throws(() => numericGradient(f, x, new Float64Array(3)), /gradient buffer/);
});

test('gradCheck: relative error per coordinate with a scaled floor, worst index, non-finite values', () => {
  assert.deepEqual(gradCheck([1, 2, 3], [1, 2, 3]), { maxRelError: 0, worstIndex: 0, maxAbsError: 0 });
  const r = gradCheck([1, 2.002, 3], [1, 2, 3]);
  assert.equal(r.worstIndex, 1);
  assert.ok(Math.abs(r.maxRelError - 0.002 / 2.002) < 1e-12);
  // tiny coordinates are compared against the gradient's scale (floor 1e-6 × max(1, ‖r‖∞))
  assert.ok(gradCheck([1e-12, 5], [0, 5]).maxRelError < 1e-6);
  assert.equal(gradCheck([NaN, 1], [1, 1]).maxRelError, Infinity);
  assert.equal(gradCheck([NaN, 1], [NaN, 1]).maxRelError, 0);
  assert.equal(gradCheck([Infinity], [Infinity]).maxRelError, 0);
  assert.equal(gradCheck([], []).worstIndex, -1);
  assert.throws(() => gradCheck([1], [1, 2]), /lengths differ/);
});

test('gradCheckAt: a supplied gradient against numeric differences or against the automatic gradient', () => {
  const L = loadLoss(`export default { params: { x: 1, y: 2 }, loss(p) { return p.x * p.x * p.y + Math.sin(p.y); } };`);
  const f = (x: Float64Array): number => L.vg(x, undefined, new Float64Array(2));
  const good = (x: Float64Array, out: Float64Array): void => { out[0] = 2 * x[0] * x[1]; out[1] = x[0] * x[0] + Math.cos(x[1]); };
  const bad = (x: Float64Array, out: Float64Array): void => { out[0] = 2 * x[0] * x[1]; out[1] = x[0] * x[0] - Math.cos(x[1]); };
  const auto = (x: Float64Array, out: Float64Array): number => L.vg(x, undefined, out);
  const x = Float64Array.of(1.5, 0.3);
  assert.ok(gradCheckAt(good, f, x).maxRelError < 1e-8);
  assert.ok(gradCheckAt(good, f, x, { reference: auto }).maxRelError < 1e-15);
  const r = gradCheckAt(bad, f, x, { reference: auto });
  assert.equal(r.worstIndex, 1);
  assert.ok(r.maxRelError > 0.1);
});
