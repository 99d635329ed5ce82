// Conventions at kinks and singular points (README.md, "Kinks"), through both code paths:
// a single operation (runtime op) and a fused expression tree (generated helper).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradOfExpr } from './helpers';

/** Gradient of `expr` both as written and inside a fused tree (`+(expr)` has the same value). */
function both(names: string[], expr: string, at: number[]): number[][] {
  return [gradOfExpr(names, expr, at).grad, gradOfExpr(names, `+(${expr})`, at).grad];
}

test("abs'(0) = 0 (torch); sign' = floor' = ceil' = round' = trunc' = 0", () => {
  for (const g of both(['x'], 'Math.abs(x)', [0])) assert.deepEqual(g, [0]);
  for (const g of both(['x'], 'Math.abs(x)', [-0])) assert.deepEqual(g, [0]);
  for (const f of ['sign', 'floor', 'ceil', 'round', 'trunc']) for (const x of [0, 0.5, -2]) {
    for (const g of both(['x'], `Math.${f}(x) * x`, [x])) assert.deepEqual(g, [Math[f as 'sign'](x)], f);
  }
});

test('max/min ties give the whole gradient to the FIRST argument, never to both', () => {
  for (const g of both(['x', 'y'], 'Math.max(x, y)', [1, 1])) assert.deepEqual(g, [1, 0]);
  for (const g of both(['x', 'y'], 'Math.max(y, x)', [1, 1])) assert.deepEqual(g, [0, 1]);
  for (const g of both(['x', 'y'], 'Math.min(x, y)', [1, 1])) assert.deepEqual(g, [1, 0]);
  for (const g of both(['x', 'y', 'z'], 'Math.max(x, y, z)', [2, 3, 3])) assert.deepEqual(g, [0, 1, 0]);
  for (const g of both(['x', 'y', 'z'], 'Math.min(z, y, x)', [4, 4, 4])) assert.deepEqual(g, [0, 0, 1]);
});

test("relu via Math.max(0, x) has relu'(0) = 0; Math.max(x, 0) gives 1 (first argument)", () => {
  for (const g of both(['x'], 'Math.max(0, x)', [0])) assert.deepEqual(g, [0]);
  for (const g of both(['x'], 'Math.max(0, x)', [0.5])) assert.deepEqual(g, [1]);
  for (const g of both(['x'], 'Math.max(0, x)', [-0.5])) assert.deepEqual(g, [0]);
  for (const g of both(['x'], 'Math.max(x, 0)', [0])) assert.deepEqual(g, [1]);
});

test('clamp written as Math.min(Math.max(x, lo), hi) passes the gradient at both bounds (torch.clamp)', () => {
  for (const x of [-1, 1]) {
    assert.deepEqual(gradOfExpr(['x'], 'Math.min(Math.max(x, -1), 1)', [x]).grad, [1]);
    assert.deepEqual(gradOfExpr(['x'], 'Math.min(Math.max(x, -1), 1) * 2', [x]).grad, [2]);
  }
  assert.deepEqual(gradOfExpr(['x'], 'Math.min(Math.max(x, -1), 1)', [3]).grad, [0]);
});

test('the branch actually taken decides at a branch boundary', () => {
  assert.deepEqual(gradOfExpr(['x'], 'x >= 0 ? x * 3 : -x', [0]).grad, [3]);
  assert.deepEqual(gradOfExpr(['x'], 'x > 0 ? x * 3 : -x', [0]).grad, [-1]);
  assert.deepEqual(gradOfExpr(['x'], 'x < 1 ? x * x : 2 * x - 1', [1]).grad, [2]);
});

test("sqrt'(0) = +Infinity, cbrt'(0) = +Infinity, log'(0) = +Infinity (like torch)", () => {
  for (const g of both(['x'], 'Math.sqrt(x)', [0])) assert.deepEqual(g, [Infinity]);
  for (const g of both(['x'], 'Math.cbrt(x)', [0])) assert.deepEqual(g, [Infinity]);
  for (const g of both(['x'], 'Math.log(x)', [0])) assert.deepEqual(g, [Infinity]);
});

test('pow at 0: d(x^0)/dx = 0, d(x^2)/dx = 0, d(x^0.5)/dx = +Infinity, d(0^y)/dy = 0 for y >= 0', () => {
  for (const g of both(['x', 'y'], 'x ** y', [0, 0])) assert.deepEqual(g, [0, 0]);
  for (const g of both(['x'], 'x ** 2', [0])) assert.deepEqual(g, [0]);
  for (const g of both(['x'], 'x ** 0.5', [0])) assert.deepEqual(g, [Infinity]);
  for (const g of both(['x', 'y'], 'Math.pow(x, y)', [0, 2])) assert.deepEqual(g, [0, 0]);
  for (const g of both(['x'], 'x ** 0', [0])) assert.deepEqual(g, [0]);
});

test('hypot at the origin has gradient 0; atan2 at the origin is NaN (like torch)', () => {
  for (const g of both(['x', 'y'], 'Math.hypot(x, y)', [0, 0])) assert.deepEqual(g, [0, 0]);
  for (const g of both(['x', 'y'], 'Math.atan2(y, x)', [0, 0])) assert.ok(g.every(Number.isNaN));
});

test('a zero upstream gradient never turns an infinite local derivative into NaN', () => {
  for (const g of both(['x'], '0 * Math.sqrt(x)', [0])) assert.deepEqual(g, [0]);
  for (const g of both(['x', 'y'], 'Math.max(y, Math.sqrt(x))', [0, 1])) assert.deepEqual(g, [0, 1]);
});

test('% has the fmod derivatives: d/da = 1, d/db = -trunc(a/b)', () => {
  for (const g of both(['a', 'b'], 'a % b', [7.5, 2])) assert.deepEqual(g, [1, -3]);
  for (const g of both(['a', 'b'], 'a % b', [-7.5, 2])) assert.deepEqual(g, [1, 3]);
});
