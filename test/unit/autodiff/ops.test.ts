// Every operator and every Math function against its analytic derivative, through both code paths:
// a single operation (runtime op) and a fused expression tree (generated helper).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime, rewriteForAutodiff } from '../../../src/core/autodiff';
import { gradOfExpr, relErr, loadLoss } from './helpers';

type Binary = readonly [op: string, d: (x: number, y: number) => [number, number], points: readonly (readonly [number, number])[]];
const GENERIC: readonly (readonly [number, number])[] = [[1.3, 0.7], [-2.1, 3.4], [0.5, -1.5], [5.5, 2]];
const BINARY: readonly Binary[] = [
  ['+', () => [1, 1], GENERIC],
  ['-', () => [1, -1], GENERIC],
  ['*', (x, y) => [y, x], GENERIC],
  ['/', (x, y) => [1 / y, -x / (y * y)], GENERIC],
  ['%', (x, y) => [1, -Math.trunc(x / y)], [[5.5, 2], [-7.25, 2.5], [3.3, -1.1], [0.4, 3]]],
  ['**', (x, y) => [y * x ** (y - 1), x ** y * Math.log(x)], [[1.3, 0.7], [2.5, 3], [0.4, -1.5], [3, 2]]],
];

/** Asserts gradient `got` equals `want` to `tol` relative (exact for infinities/NaN/zeros). */
function close(got: number[], want: number[], tol: number, what: string): void {
  got.forEach((g, i) => {
    const w = want[i];
    if (!Number.isFinite(w) || w === 0) assert.ok(Object.is(g, w) || (w === 0 && g === 0), `${what}: d${i} = ${g}, want ${w}`);
    else assert.ok(relErr(g, w) <= tol, `${what}: d${i} = ${g}, want ${w} (rel ${relErr(g, w)})`);
  });
}

for (const [op, d, points] of BINARY) {
  test(`binary ${op}: AD op AD, AD op const, const op AD, single and fused`, () => {
    for (const [x, y] of points) {
      const [dx, dy] = d(x, y);
      const single = gradOfExpr(['x', 'y'], `x ${op} y`, [x, y]);
      assert.equal(single.value, new Function('x', 'y', `return x ${op} y;`)(x, y)); // eslint-disable-line @typescript-eslint/no-implied-eval
      close(single.grad, [dx, dy], 1e-14, `${x} ${op} ${y}`);
      close(gradOfExpr(['x', 'y'], `+(x ${op} y)`, [x, y]).grad, [dx, dy], 1e-14, `fused ${x} ${op} ${y}`);
      close(gradOfExpr(['x'], `x ${op} (${y})`, [x]).grad, [dx], 1e-14, `${x} ${op} const`);
      close(gradOfExpr(['y'], `(${x}) ${op} y`, [y]).grad, [dy], 1e-14, `const ${op} ${y}`);
      close(gradOfExpr(['x'], `-(x ${op} (${y}))`, [x]).grad, [-dx], 1e-14, `fused ${x} ${op} const`);
      close(gradOfExpr(['y'], `-((${x}) ${op} y)`, [y]).grad, [-dy], 1e-14, `fused const ${op} ${y}`);
    }
  });
}

test('unary minus and plus', () => {
  for (const x of [-1.5, 0, 2.25]) {
    assert.deepEqual(gradOfExpr(['x'], '-x', [x]).grad, [-1]);
    assert.deepEqual(gradOfExpr(['x'], '+x', [x]).grad, [1]);
    assert.deepEqual(gradOfExpr(['x'], '- -x', [x]).grad, [1]);
    assert.deepEqual(gradOfExpr(['x'], '-(+x)', [x]).grad, [-1]);
  }
});

type Unary = readonly [name: string, d: (x: number) => number, points: readonly number[]];
const POS = [0.3, 0.7, 1.9, 12.5];
const ANY = [-2.3, -0.4, 0.6, 1.7];
const UNIT = [-0.6, 0.2, 0.45, 0.9];
const UNARY: readonly Unary[] = [
  ['exp', Math.exp, ANY],
  ['expm1', Math.exp, ANY],
  ['log', (x) => 1 / x, POS],
  ['log1p', (x) => 1 / (1 + x), [-0.5, 0.3, 2, 40]],
  ['log2', (x) => 1 / (x * Math.LN2), POS],
  ['log10', (x) => 1 / (x * Math.LN10), POS],
  ['sqrt', (x) => 0.5 / Math.sqrt(x), POS],
  ['cbrt', (x) => 1 / (3 * Math.cbrt(x) ** 2), [...ANY, 8]],
  ['abs', (x) => Math.sign(x), ANY],
  ['sin', Math.cos, ANY],
  ['cos', (x) => -Math.sin(x), ANY],
  ['tan', (x) => 1 / Math.cos(x) ** 2, [-1.2, -0.3, 0.5, 1.1]],
  ['asin', (x) => 1 / Math.sqrt(1 - x * x), UNIT],
  ['acos', (x) => -1 / Math.sqrt(1 - x * x), UNIT],
  ['atan', (x) => 1 / (1 + x * x), ANY],
  ['sinh', Math.cosh, ANY],
  ['cosh', Math.sinh, ANY],
  ['tanh', (x) => 1 - Math.tanh(x) ** 2, ANY],
  ['asinh', (x) => 1 / Math.sqrt(x * x + 1), ANY],
  ['acosh', (x) => 1 / Math.sqrt(x * x - 1), [1.5, 2.5, 4, 30]],
  ['atanh', (x) => 1 / (1 - x * x), UNIT],
  ['fround', () => 1, ANY],
  ['sign', () => 0, ANY],
  ['floor', () => 0, ANY],
  ['ceil', () => 0, ANY],
  ['round', () => 0, ANY],
  ['trunc', () => 0, ANY],
];

for (const [name, d, points] of UNARY) {
  test(`Math.${name}: value and derivative, single and fused`, () => {
    for (const x of points) {
      const want = d(x);
      const single = gradOfExpr(['x'], `Math.${name}(x)`, [x]);
      assert.equal(single.value, (Math as unknown as Record<string, (v: number) => number>)[name](x));
      close(single.grad, [want], 4e-15 * 4, `Math.${name}(${x})`);
      close(gradOfExpr(['x'], `-Math.${name}(x)`, [x]).grad, [-want], 1.6e-14, `fused -Math.${name}(${x})`);
      close(gradOfExpr(['x'], `Math.${name}(x * 1)`, [x]).grad, [want], 1.6e-14, `fused Math.${name}(x * 1) at ${x}`);
    }
  });
}

type MathN = readonly [expr: string, args: readonly number[], d: readonly number[]];
const NARY: readonly MathN[] = [
  ['Math.atan2(x, y)', [1.5, -0.5], [-0.5 / 2.5, -1.5 / 2.5]],
  ['Math.atan2(x, y)', [-0.3, 2], [2 / 4.09, 0.3 / 4.09]],
  ['Math.pow(x, y)', [1.7, 2.5], [2.5 * 1.7 ** 1.5, 1.7 ** 2.5 * Math.log(1.7)]],
  ['Math.max(x, y)', [1, 2], [0, 1]],
  ['Math.max(x, y)', [3, 2], [1, 0]],
  ['Math.min(x, y)', [1, 2], [1, 0]],
  ['Math.min(x, y)', [3, 2], [0, 1]],
  ['Math.max(x, y, z)', [1, 5, 2], [0, 1, 0]],
  ['Math.min(x, y, z)', [1, 5, -2], [0, 0, 1]],
  ['Math.max(...[x, y, z])', [1, 5, 2], [0, 1, 0]],
  ['Math.hypot(x, y)', [3, 4], [0.6, 0.8]],
  ['Math.hypot(x, y, z)', [2, 3, 6], [2 / 7, 3 / 7, 6 / 7]],
  ['Math.hypot(x)', [-2], [-1]],
];
for (const [expr, args, d] of NARY) {
  test(`${expr} at (${args.join(', ')})`, () => {
    const names = ['x', 'y', 'z'].slice(0, args.length);
    close(gradOfExpr(names, expr, args).grad, [...d], 1e-14, expr);
    close(gradOfExpr(names, `+${expr}`, args).grad, [...d], 1e-14, `fused ${expr}`);
    close(gradOfExpr(names, `${expr} * 2`, args).grad, d.map((v) => 2 * v), 1e-14, `fused ${expr} * 2`);
  });
}

test('compound assignments with AD targets: += -= *= /= **= %=', () => {
  const r = gradOfExpr(['x', 'y'], '(() => { let s = x; s += y; s -= 2 * x; s *= y; s /= x; s **= 2; s %= 7; return s; })()', [1.5, 0.5]);
  // s = ((x + y - 2x) * y / x)^2 % 7 = ((y - x) y / x)^2 (< 7 here)
  const x = 1.5, y = 0.5, u = ((y - x) * y) / x;
  assert.ok(relErr(r.value, u * u) < 1e-15);
  close(r.grad, [2 * u * (-(y * y) / (x * x)), 2 * u * ((2 * y - x) / x)], 1e-14, 'compound');
});

test('compound assignment on members, computed keys evaluated once and in order', () => {
  const src = `
    export default {
      params: { x: 2, y: 3 },
      loss({ x, y }) {
        const o = { v: x }, a = [x, y, 0], order = [];
        o.v += y; o.v *= x;                        // (x + y) x
        let i = 0;
        a[i++] += y;                               // a[0] = x + y, i = 1
        a[(order.push('k'), i)] *= (order.push('r'), x);  // a[1] = x y
        a[2] -= o.v;                                // -(x + y) x
        if (order.join('') !== 'kr' || i !== 1) throw new Error('evaluation order ' + order.join(''));
        return a[0] + a[1] + a[2];
      },
    };`;
  const r = loadLoss(src).at([2, 3]);
  // (x + y) + x y - (x + y) x  →  d/dx = 1 + y - (2x + y) = -2, d/dy = 1 + x - x = 1
  assert.equal(r.value, 5 + 6 - 10);
  assert.deepEqual(r.grad, [1 + 3 - (4 + 3), 1]);
});

test('++ and -- on AD variables, members and array elements (prefix, postfix, value and statement position)', () => {
  const src = `
    export default {
      params: { x: 0.5 },
      loss({ x }) {
        let a = x, b = x;
        a++; ++a; a--;                 // a = x + 1
        const c = b++;                 // c = x, b = x + 1
        const d = ++b;                 // d = x + 2
        const o = { v: x };
        o.v++;                         // x + 1
        const arr = [x, x];
        let k = 0;
        arr[k++]--;                     // arr[0] = x - 1
        const e = arr[(() => 1)()]++;   // e = x, arr[1] = x + 1
        return a * c + d * o.v - arr[0] * arr[1] + e;
      },
    };`;
  const x = 0.5;
  const r = loadLoss(src).at([x]);
  // (x+1)x + (x+2)(x+1) - (x-1)(x+1) + x  →  d/dx = 2x+1 + 2x+3 - 2x + 1 = 2x + 5
  assert.equal(r.value, (x + 1) * x + (x + 2) * (x + 1) - (x - 1) * (x + 1) + x);
  assert.deepEqual(r.grad, [2 * x + 5]);
});

test('runtime ops called directly: numbers stay plain numbers (fast path)', () => {
  const rt = createRuntime();
  assert.equal(rt.add(1, 2), 3);
  assert.equal(rt.mul(3, 4), 12);
  assert.equal(rt.pow(2, 10), 1024);
  assert.equal(rt.exp(0), 1);
  assert.equal(rt.max2(1, 2), 2);
  assert.equal(rt.add('a', 1), 'a1'); // plain JS semantics for non-AD operands
  assert.equal(rt.mul('3', 2), 6);
  assert.ok(Number.isNaN(rt.sub(undefined, 1)));
  assert.equal(typeof rt.div(1, 3), 'number');
  rt.tape.reset();
  const x = rt.tape.variable(2);
  const y = rt.mul(x, x);
  assert.ok(rt.tape.isAd(y));
  assert.equal(rt.tape.primal(y), 4);
  const g = new Float64Array(1);
  rt.tape.backward(y, 1, g);
  assert.equal(g[0], 4);
});

test('constant-only expressions and loop counters are left untouched by the rewrite', () => {
  const { code } = rewriteForAutodiff(`
    const N = 4, TWO_PI = 2 * Math.PI, H = N / 2 + 1;
    export default { params: { x: 0 }, loss(p) { let s = 0; for (let i = 0; i < N; i++) { s += p.x * i; } return s + TWO_PI * H - Math.E; } };`, 'c.js');
  assert.match(code, /const N = 4, TWO_PI = 2 \* Math\.PI, H = N \/ 2 \+ 1;/);
  assert.match(code, /for \(let i = 0; i < N; i\+\+\)/);
  assert.match(code, /TWO_PI \* H/);
  assert.match(code, /Math\.E/);
});
