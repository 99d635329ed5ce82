// Issue 9 §6: the automatic gradient never changes the loss value. Identity and value comparisons
// (Object.is, includes/indexOf/lastIndexOf, Map/Set keys), valueOf objects and structuredClone see
// the parameters' numbers, as plain JS does: the value is bit-identical to the un-rewritten module at
// every point (including the exact ties where identity matters), and the gradient matches central
// differences of the plain module at points where a small perturbation keeps the same branch
// (SMOOTH); at the ties it is the derivative of the branch taken, checked by hand below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteForAutodiff } from '../../../src/core/autodiff';
import { assertMatchesNumeric, loadLoss, plainNumericGrad, plainValue } from './helpers';

const mod = (params: string, body: string, prelude = ''): string =>
  `${prelude}\nexport default {\n  params: ${params},\n  loss(p) {\n${body}\n  },\n};\n`;

// [name, params, body, points (value checked), smooth points (value and gradient checked)]
type Points = readonly (readonly number[])[];
const CASES: readonly (readonly [string, string, string, Points, Points?])[] = [
  ['Object.is on a parameter', '{ x: 1.5 }', `    const pen = Object.is(p.x, 1.5) ? 0 : 100;\n    return (p.x - 3) ** 2 + pen + 0.25;`, [[1.5], [1.503]], [[1.503]]],
  ['Object.is of two parameters, and -0', '{ x: 0, y: 0 }', `    return Object.is(p.x, p.y) ? p.x * p.y + 1 : Object.is(p.x, -0) ? 2 * p.y : p.x - p.y;`, [[0, 0], [-0, 3], [1, 2], [2, 2]]],
  ['includes', '{ w: [1, 2] }', `    const pen = p.w.includes(1) ? 0 : 100;\n    return p.w[0] * p.w[0] + pen + 0.5;`, [[1, 2], [0.998, 2]]],
  ['includes with fromIndex and NaN search', '{ w: [1, 2, 1] }', `    return (p.w.includes(1, 1) ? p.w[2] : 10) + ([NaN].includes(NaN) ? p.w[1] * 3 : 0);`, [[1, 2, 1], [1, 2, 3]]],
  ['indexOf / lastIndexOf', '{ w: [2, 1, 2] }', `    const i = p.w.indexOf(2), j = p.w.lastIndexOf(2), k = p.w.indexOf(p.w[1]), m = p.w.lastIndexOf(2, -2);\n    return p.w[0] * (i + 1) + p.w[2] * (j + 1) + k * 10 + m * 100;`, [[2, 1, 2], [2, 2, 3], [5, 1, 2]]],
  ['a plain array searched with a parameter', '{ x: 3 }', `    const table = [1, 2, 3, 4];\n    return table.indexOf(p.x) * p.x + (table.includes(p.x) ? 0 : 1000);`, [[3], [3.5]]],
  ['Map keyed by a parameter (memo)', '{ x: 1 }', `    const m = new Map([[1, 0]]);\n    const pen = m.get(p.x) ?? 100;\n    const memo = new Map();\n    const sq = (v) => { if (!memo.has(v)) memo.set(v, v * v); return memo.get(v); };\n    return sq(p.x) + sq(p.x) + pen + 1.5 + memo.size;`, [[1], [0.998]]],
  ['Set of parameter values (dedup, iteration keeps the gradient)', '{ w: [1, 1, 2] }', `    const s = new Set(p.w);\n    let t = 0;\n    for (const v of s) t += v * v;\n    s.add(2); s.delete(5);\n    return t + s.size * 10 + (s.has(1) ? 0 : 1000) + [...s].length;`, [[1, 1, 2], [1, 3, 2], [1, 1, 1]]],
  ['Set delete and re-add by value', '{ x: 2 }', `    const s = new Set([2, 3]);\n    const gone = s.delete(p.x);\n    s.add(p.x * 1);\n    let t = 0;\n    for (const v of s) t += v;\n    return t * p.x + (gone ? 1 : 0);`, [[2], [3], [4]]],
  ['valueOf object in arithmetic, comparison and Math', '{ x: 2 }', `    const o = { valueOf: () => p.x * 3 };\n    return o * 1 + p.x * p.x + Math.exp(o / 10) + (o > 5 ? 1 : 0) + (o == 6 ? 0.5 : 0);`, [[2], [1]], [[1]]],
  ['Symbol.toPrimitive object', '{ x: 2 }', `    const o = { [Symbol.toPrimitive]: (hint) => (hint === 'number' ? p.x * 2 : p.x * 5) };\n    return +o + o * 1 - o;`, [[2], [-1]], [[2], [-1]]],
  ['structuredClone of the parameters', '{ x: 2, w: [1, 2] }', `    const q = structuredClone(p);\n    const r = structuredClone({ a: [p.x, { b: p.w[1] }], m: new Map([[p.x, p.w[0]]]), d: new Date(0) });\n    return q.x * q.x + q.w[0] * q.w[1] + r.a[0] * r.a[1].b + r.m.get(q.x) + r.d.getTime();`, [[2, 1, 2], [3, 1, 2]], [[2, 1, 2], [3, 1, 2]]],
];

for (const [name, params, body, points, smooth = []] of CASES) {
  test(`identity: ${name}: value bit-identical to plain JS${smooth.length ? ', gradient = central differences' : ''}`, () => {
    const src = mod(params, body);
    const L = loadLoss(src);
    for (const x of points) {
      const plain = plainValue(src, x);
      assert.ok(Number.isFinite(plain), `plain value at ${x}`);
      assert.ok(Object.is(L.at(x).value, plain), `at [${x}]: automatic ${L.at(x).value} vs plain ${plain}`);
    }
    for (const x of smooth) assertMatchesNumeric(src, x);
  });
}

test('indexOf / includes gradients are those of the branch taken (hand-derived, and numeric off the ties)', () => {
  // w = [2, 1, 2]: i = 0, j = 2, k = 1, m = 0 → f = w0·1 + w2·3 + 10 → ∇ = [1, 0, 3]
  const src = mod('{ w: [2, 1, 2] }', `    const i = p.w.indexOf(2), j = p.w.lastIndexOf(2), k = p.w.indexOf(p.w[1]), m = p.w.lastIndexOf(2, -2);\n    return p.w[0] * (i + 1) + p.w[2] * (j + 1) + k * 10 + m * 100;`);
  const r = loadLoss(src).at([2, 1, 2]);
  assert.equal(r.value, 2 + 6 + 10);
  assert.deepEqual(r.grad, [1, 0, 3]);
  // off the ties (no element equals 2): i = j = m = -1, k = 1 → f = 0·w0 + 0·w2 + 10 − 100, gradient 0 = numeric
  assert.deepEqual(plainNumericGrad(src, [2.5, 1, 3.5]), [0, 0, 0]);
  assert.deepEqual(loadLoss(src).at([2.5, 1, 3.5]).grad, [0, 0, 0]);
});

test('hand-derived gradients: Object.is branch, Set iteration, valueOf', () => {
  // Object.is(x, 1.5) at x = 1.5: f = (x − 3)² + 0.25 → f' = 2(x − 3) = −3; the plain value is 2.5, not 102.5
  const a = loadLoss(mod('{ x: 1.5 }', `    return (p.x - 3) ** 2 + (Object.is(p.x, 1.5) ? 0 : 100) + 0.25;`)).at([1.5]);
  assert.equal(a.value, 2.5);
  assert.deepEqual(a.grad, [-3]);
  // Set of [w0, w1, w2] = [1, 1, 2] keeps w0 (first inserted) and w2: f = w0² + w2² → [2, 0, 4]
  const b = loadLoss(mod('{ w: [1, 1, 2] }', `    let t = 0;\n    for (const v of new Set(p.w)) t += v * v;\n    return t;`)).at([1, 1, 2]);
  assert.equal(b.value, 5);
  assert.deepEqual(b.grad, [2, 0, 4]);
  // { valueOf: () => 3x } * 2 = 6x → 6
  const c = loadLoss(mod('{ x: 2 }', `    const o = { valueOf: () => p.x * 3 };\n    return o * 2;`)).at([2]);
  assert.equal(c.value, 12);
  assert.deepEqual(c.grad, [6]);
});

test('a string receiver of includes/indexOf keeps its own method; a user object too', () => {
  const src = mod('{ x: 2 }', `    const o = { includes: (v) => v === 2, indexOf: () => 7 };\n    return ('abc'.includes('b') ? p.x : 0) + 'abcb'.lastIndexOf('b') + (o.includes(p.x) ? 1 : 0) + o.indexOf(p.x) * p.x;`);
  assertMatchesNumeric(src, [2]);
  assert.equal(plainValue(src, [2]), 2 + 3 + 1 + 14);
});

test('the rewriter lists constructs it cannot make value-exact (value risks) with their positions', () => {
  const src = mod('{ x: 1 }', `    const is = Object.is;\n    class M extends Map {}\n    const w = new WeakMap();\n    return is(p.x, 1) ? p.x : 0;`, `import { isDeepStrictEqual } from 'node:util';`);
  const r = rewriteForAutodiff(src, 'loss.js');
  const risks = r.valueRisks.map((v) => `${v.line}:${v.column} ${v.construct.split(' (')[0]}`);
  assert.deepEqual(risks, [
    "1:1 a function of the Node module 'node:util'",
    '5:16 Object.is through an alias',
    '6:21 a Map not created by new Map(...)',
    '7:19 a WeakMap',
  ]);
});
