// Language constructs in loss code: loops, branches, helpers, closures, arrays, destructuring,
// aliases of Math, logical operators, switch, typeof, getters/classes. Each loss is checked
// against the un-rewritten code (same value, bit for bit) and central differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteForAutodiff, originalPosition, createRuntime, makeValueAndGrad, AD_GLOBAL } from '../../../src/core/autodiff';
import { assertMatchesNumeric, evalModule, loadLoss } from './helpers';

test('loops: for, while, do-while, for...of, for...in, break/continue, labels', () => {
  assertMatchesNumeric(`
    export default {
      params: { w: [0.3, -0.7, 1.1] },
      loss(p) {
        let s = 0, k = 0;
        for (let i = 0; i < p.w.length; i++) { if (i === 1) continue; s += p.w[i] * (i + 1); }
        while (k < 3) { s += p.w[k] * p.w[k]; k++; }
        do { s -= p.w[2]; k--; } while (k > 1);
        for (const v of p.w) s += Math.sin(v);
        for (const key in p) s += p[key][0];
        outer: for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) { if (j > i) continue outer; s += p.w[i] * p.w[j]; if (i === 2) break outer; }
        return s;
      },
    };`, [0.3, -0.7, 1.1]);
});

test('conditionals follow the current values: if/else, ternary, switch, comparisons on AD values', () => {
  const src = `
    export default {
      params: { x: 0 },
      loss({ x }) {
        let r;
        if (x > 1) r = x * x; else if (x <= -1) r = -3 * x; else r = Math.sin(x);
        r += x >= 0 ? 2 * x : x / 2;
        switch (Math.sign(x)) { case 1: r += x; break; case -1: r -= x; break; default: r += 100; }
        if (x === 0.25) r += 1000 * x;
        return r;
      },
    };`;
  for (const x of [2, -2, 0.5, -0.5]) assertMatchesNumeric(src, [x]);
  assert.deepEqual(loadLoss(src).at([2]).grad, [4 + 2 + 1]);
  assert.deepEqual(loadLoss(src).at([-2]).grad, [-3 + 0.5 - 1]);
  // a branch taken only at one point: its derivative counts there (central differences cannot see it)
  assert.deepEqual(loadLoss(src).at([0.25]).grad, [Math.cos(0.25) + 2 + 1 + 1000]);
  assert.deepEqual(loadLoss(src).at([0]).grad, [1 + 2 + 0]);
});

test('truthiness of AD values follows the value: if (x), !x, x || c, x && c, ||=, &&=', () => {
  const src = `
    export default {
      params: { x: 0, y: 1 },
      loss({ x, y }) {
        let r = 0;
        if (x) r += 10 * y; else r += 20 * y;
        r += !x ? y : 0;
        r += x || 3 * y;
        r += (x - x) || y;
        r += (x && y) + (y && x);
        let u = x; u ||= y;
        let v = y; v &&= x;
        const w = x ?? y;
        return r + u + v + w + (x ? 1 : 2) * y;
      },
    };`;
  for (const [x, y] of [[0.5, 2], [-1, 0.75]]) assertMatchesNumeric(src, [x, y]);
  // at x = 0 every test is falsy: r = 20y + y + 3y + y + 0 + 0; u = y; v = x; w = x; (x ? 1 : 2) y
  const r = loadLoss(src).at([0, 1.5]);
  assert.deepEqual(r.grad, [1 + 1 + 1 + 1, 20 + 1 + 3 + 1 + 1 + 2]);
});

test('helper functions at module scope, nested helpers, recursion, closures, default parameters', () => {
  assertMatchesNumeric(`
    const sq = (t) => t * t;
    function softplus(z) { return Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0); }
    function poly(x, coeffs = [1, -2, 0.5]) { let acc = 0; for (const c of coeffs) acc = acc * x + c; return acc; }
    const fact = (n, x) => (n === 0 ? 1 : x * fact(n - 1, x));
    export default {
      params: { a: 0.4, b: -1.2 },
      loss({ a, b }) {
        function inner(t) { const scale = (u) => u * a; return scale(sq(t)); }
        const adder = (k) => (t) => t + k * b;
        const add3 = adder(3);
        return softplus(a * b) + poly(b) + inner(b) + add3(a) + fact(3, a) + sq(poly(a, [a, b]));
      },
    };`, [0.4, -1.2]);
});

test('arrays of AD values: map, reduce, filter, indexing, length, spread, destructuring, sort with a comparator', () => {
  assertMatchesNumeric(`
    export default {
      params: { w: [0.5, -1.5, 2, 0.25] },
      loss(p) {
        const [first, , third, ...rest] = p.w;
        const squares = p.w.map((v, i) => v * v * (i + 1));
        const total = squares.reduce((s, v) => s + v, 0);
        const positive = p.w.filter((v) => v > 0);
        const sorted = [...p.w].sort((u, v) => (u < v ? -1 : u > v ? 1 : 0));
        const { length } = positive;
        const obj = { a: first, b: third, c: rest[0] };
        const { a, b: bb, c = 1 } = obj;
        return total + positive.reduce((s, v) => s + Math.log(v), 0) + sorted[0] * sorted[3] + length * a * bb * c
          + Math.max(...p.w) + p.w.indexOf(p.w[2]) + p.w.every((v) => v < 10) * first;
      },
    };`, [0.5, -1.5, 2, 0.25]);
});

test('for...of over a batch of row objects, batch passed through', () => {
  const batch = [{ x: 1, y: 2 }, { x: -0.5, y: 0.25 }, { x: 3, y: -1 }];
  assertMatchesNumeric(`
    export default {
      params: { m: 0.5, c: -0.25 },
      loss(p, batch) {
        let s = 0;
        for (const { x, y } of batch) { const r = p.m * x + p.c - y; s += r * r; }
        for (const row of batch) s += 0.01 * Math.abs(p.m * row.x);
        return s / batch.length;
      },
    };`, [0.5, -0.25], batch);
});

test('aliased Math works: const {exp} = Math, const M = Math, Math.exp as a value, globalThis.Math, .call/.apply', () => {
  assertMatchesNumeric(`
    const { exp, log, max } = Math;
    const M = Math;
    const fns = [Math.sin, Math.cos];
    export default {
      params: { x: 0.7 },
      loss({ x }) {
        return exp(x) + log(x) + max(x, 0.1) + M.tanh(x) + fns[0](x) + fns[1](x) + globalThis.Math.sqrt(x)
          + Math.exp.call(null, x) + Math.pow.apply(null, [x, 3]) + [x, 2 * x].map(Math.exp)[1] + Math.PI * x;
      },
    };`, [0.7]);
});

test('classes, getters, methods, template strings and typeof with AD values', () => {
  assertMatchesNumeric(`
    class Affine { constructor(a, b) { this.a = a; this.b = b; } at(x) { return this.a * x + this.b; } get slope() { return this.a; } }
    export default {
      params: { a: 1.5, b: -0.5 },
      loss({ a, b }) {
        const f = new Affine(a, b);
        const label = \`n=\${3} kind=\${typeof a}\`;
        if (typeof a !== 'number') throw new Error('typeof of an AD value must be number');
        return f.at(2) * f.slope + label.length * b;
      },
    };`, [1.5, -0.5]);
});

test('a parameter that does not affect the loss gets gradient 0; a constant loss gives all zeros', () => {
  const r = loadLoss(`export default { params: { x: 1, unused: [5, 6], y: 2 }, loss(p) { return p.x * p.y; } };`).at([1, 5, 6, 2]);
  assert.deepEqual(r.grad, [2, 0, 0, 1]);
  const c = loadLoss(`export default { params: { x: 1 }, loss(p) { return 42; } };`).at([1]);
  assert.equal(c.value, 42);
  assert.deepEqual(c.grad, [0]);
  const only = loadLoss(`export default { params: { x: 3 }, loss(p) { return p.x; } };`).at([3]);
  assert.deepEqual(only, { value: 3, grad: [1] });
});

test('a loss that returns p.x * 0 + const still records a dependency (gradient 0, no NaN)', () => {
  const r = loadLoss(`export default { params: { x: 0 }, loss(p) { return 0 * Math.sqrt(p.x) + 1; } };`).at([0]);
  assert.equal(r.value, 1);
  assert.deepEqual(r.grad, [0]); // zero adjoint never propagates, so 0 × ∞ does not make NaN
});

test('repeated evaluations reuse the tape; deep graphs grow it', () => {
  const L = loadLoss(`export default { params: { x: 1 }, loss(p) { let s = 0; for (let i = 0; i < 20000; i++) s += Math.sin(p.x * i * 1e-4); return s; } };`);
  const first = L.at([0.5]);
  for (let i = 0; i < 3; i++) assert.deepEqual(L.at([0.5]), first);
  let want = 0;
  for (let i = 0; i < 20000; i++) want += Math.cos(0.5 * i * 1e-4) * i * 1e-4;
  assert.ok(Math.abs(first.grad[0] - want) < 1e-9 * Math.abs(want));
  assert.ok(L.runtime.tape.capacity >= 20000);
});

test('rewritten code keeps every line of the user code on the same line; originalPosition maps columns', () => {
  const src = [
    'const k = 2;',
    'export default {',
    '  params: { x: 1 },',
    '  loss(p) {',
    '    const a = p.x * k',
    '      + Math.exp(p.x);',
    '    if (p.x > 100) throw new Error("boom");',
    '    return a;',
    '  },',
    '};',
  ].join('\n');
  const result = rewriteForAutodiff(src, 'lines.js');
  const lines = result.code.split('\n');
  assert.ok(lines[6].includes('throw new Error("boom")'));
  assert.ok(lines[7].includes('return a;'));
  const col = lines[6].indexOf('throw') + 1;
  assert.deepEqual(originalPosition(result, 7, col), { line: 7, column: src.split('\n')[6].indexOf('throw') + 1 });
  // an error thrown by user code is reported at the user's line (new Function adds 2 lines)
  const rt = createRuntime();
  const mod = evalModule(result.code, rt);
  const vg = makeValueAndGrad(rt, mod.loss, mod.params);
  assert.throws(() => vg(Float64Array.of(1000), undefined, new Float64Array(1)), (e: Error) => {
    const m = /<anonymous>:(\d+):(\d+)/.exec(e.stack ?? '');
    assert.ok(m, e.stack);
    assert.equal(originalPosition(result, Number(m[1]) - 2, Number(m[2])).line, 7);
    return true;
  });
});

test("runtimeBinding 'global' starts the code with a const bound to globalThis.__optimizerDiagnosticsAd", () => {
  const src = 'export default { params: { x: 1 }, loss(p) { return p.x * p.x * 3; } };';
  const { code } = rewriteForAutodiff(src, 'g.js', { runtimeBinding: 'global' });
  assert.ok(code.startsWith(`const __ad = globalThis.${AD_GLOBAL}; `));
  const g = globalThis as unknown as Record<string, unknown>;
  const rt = createRuntime();
  g[AD_GLOBAL] = rt;
  try {
    const mod = evalModule(code, undefined, false);
    const out = new Float64Array(1);
    assert.equal(makeValueAndGrad(rt, mod.loss, mod.params)(Float64Array.of(2), undefined, out), 12);
    assert.deepEqual([...out], [12]);
  } finally {
    delete g[AD_GLOBAL];
  }
});

test('warnings: Math.random (a non-deterministic loss); imports are left to the loader', () => {
  const r = rewriteForAutodiff(`import data from './data.json';\nimport { helper } from './util.js';\nexport default { params: { x: 1 }, loss(p) { return p.x * Math.random(); } };`, 'w.js');
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0].message, /Math\.random\(\) makes the loss non-deterministic/);
  assert.deepEqual([r.warnings[0].fileName, r.warnings[0].line, r.warnings[0].column], ['w.js', 3, 59]);
  assert.match(r.code, /^import data from '\.\/data\.json';\nimport \{ helper \} from '\.\/util\.js';\n/);
});

test('strings and non-AD values keep plain JS semantics inside rewritten code', () => {
  assertMatchesNumeric(`
    const names = ['a', 'b'];
    export default {
      params: { x: 2 },
      loss({ x }) {
        const label = 'v' + 1 + names[0] + (names.length + 0.5);
        const n = '3' * 2, m = +'4', t = true + 1, q = [1] + [2];
        const o = { 'k1': 1 }; o['k' + 1] += 1;
        return x * (label.length + n + m + t + q.length + o.k1) + (null ?? 1) * x;
      },
    };`, [2]);
});
