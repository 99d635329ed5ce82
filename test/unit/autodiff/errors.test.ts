// Every "cannot differentiate" case: static (rewrite time) and at run time, each with the user's
// file:line:col, the construct, and the advice to add grad or use the numeric gradient mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AutodiffError, rewriteForAutodiff, locateAutodiffError, createRuntime, makeValueAndGrad } from '../../../src/core/autodiff';
import { evalModule, loadLoss } from './helpers';

const ADVICE = /; add a grad\(p, batch\) export or use the numeric gradient mode$/;

function lossWith(body: string, prelude = ''): string {
  return `${prelude}\nexport default {\n  params: { x: 0.5, w: [1, 2] },\n  loss(p) {\n    const x = p.x;\n${body}\n  },\n};\n`;
}

/** Asserts an AutodiffError with position, construct and message format. */
function isAutodiffError(e: unknown, line: number, construct: RegExp, fileName = 'loss.js'): true {
  assert.ok(e instanceof AutodiffError, `expected an AutodiffError, got ${String(e)}`);
  assert.equal(e.fileName, fileName);
  assert.equal(e.line, line, e.message);
  assert.ok(e.column > 0, e.message);
  assert.match(e.construct, construct);
  assert.ok(e.message.startsWith(`${fileName}:${line}:${e.column}: cannot differentiate ${e.construct}`), e.message);
  assert.match(e.message, ADVICE);
  return true;
}

const STATIC: readonly (readonly [string, string, number, RegExp])[] = [
  ['eval call', '    return eval("x * 2");', 6, /^eval\(\.\.\.\)$/],
  ['eval alias', '    const e = eval;\n    return x;', 6, /^eval$/],
  ['globalThis.eval', '    return globalThis.eval("1");', 6, /^eval/],
  ['new Function', '    const f = new Function("a", "return a * 2");\n    return f(x);', 6, /^new Function\(\.\.\.\)$/],
  ['Function call', '    return Function("return 1")() * x;', 6, /^Function\(\.\.\.\)$/],
  ['reserved __ad', '    const __ad = 1;\n    return x;', 6, /identifier __ad/],
  ['reserved __ad_ prefix', '    let __ad_tmp = x;\n    return __ad_tmp;', 6, /identifier __ad_tmp/],
];
for (const [name, body, line, construct] of STATIC) {
  test(`static: ${name}`, () => {
    assert.throws(() => rewriteForAutodiff(lossWith(body), 'loss.js'), (e) => isAutodiffError(e, line, construct));
  });
}

test('static: a with statement (not allowed in modules) and a syntax error', () => {
  assert.throws(() => rewriteForAutodiff('const o = {};\nwith (o) { x; }\nexport default {};', 'loss.js'), (e) => isAutodiffError(e, 2, /with statement/));
  assert.throws(() => rewriteForAutodiff('export default {\n  params: { x: 1 },\n  loss(p) { return p.x +; },\n};', 'loss.js'),
    (e) => isAutodiffError(e, 3, /^this file$/) && /does not parse/.test((e as AutodiffError).detail));
});

const RUNTIME: readonly (readonly [string, string, number, RegExp])[] = [
  ['bitwise |', '    return (x | 0) + x;', 6, /bitwise operator \|/],
  ['bitwise &', '    return x & 1;', 6, /bitwise operator &/],
  ['bitwise ^', '    return x ^ 1;', 6, /bitwise operator \^/],
  ['shift <<', '    return x << 1;', 6, /bitwise operator <</],
  ['shift >>', '    return x >> 1;', 6, /bitwise operator >>/],
  ['shift >>>', '    return x >>> 1;', 6, /bitwise operator >>>/],
  ['bitwise ~', '    return ~x;', 6, /bitwise operator ~/],
  ['compound |=', '    let y = x;\n    y |= 0;\n    return y;', 7, /bitwise operator \|/],
  ['Number(x)', '    return Number(x) * 2;', 6, /^Number\(\.\.\.\)/],
  ['String(x)', '    return String(x).length;', 6, /^String\(\.\.\.\)/],
  ['parseFloat(x)', '    return parseFloat(x);', 6, /^parseFloat\(\.\.\.\)/],
  ['Number.parseFloat(x)', '    return Number.parseFloat(x);', 6, /^Number\.parseFloat\(\.\.\.\)/],
  ['new Number(x)', '    return +new Number(x);', 6, /^new Number\(\.\.\.\)/],
  ['x.toFixed()', '    return +x.toFixed(3);', 6, /x\.toFixed\(\.\.\.\)/],
  ['x.toString()', '    return x.toString().length;', 6, /x\.toString\(\.\.\.\)/],
  ['template literal', '    const s = `x = ${x}`;\n    return s.length;', 6, /template literal/],
  ['Math.imul', '    return Math.imul(x, 3);', 6, /^Math\.imul\(\.\.\.\)/],
];
for (const [name, body, line, construct] of RUNTIME) {
  test(`run time: ${name}`, () => {
    const L = loadLoss(lossWith(body));
    assert.throws(() => L.at(), (e) => isAutodiffError(e, line, construct));
  });
}

test('run time, located from the stack: a Float64Array store, string concatenation, a sort comparator returning a difference, JSON.stringify, a property key', () => {
  const cases: readonly (readonly [string, number, RegExp])[] = [
    ['    const buf = new Float64Array(2);\n    buf[0] = x;\n    return buf[0];', 7, /conversion of a parameter-dependent value/],
    ["    const s = 'x=' + x;\n    return s.length;", 6, /string concatenation/],
    ['    const v = [...p.w, x].sort((a, b) => a - b);\n    return v[0];', 6, /conversion of a parameter-dependent value/],
    ['    return JSON.stringify({ x }).length;', 6, /conversion/],
    ['    const o = {};\n    o[x] = 1;\n    return x;', 7, /conversion/],
  ];
  for (const [body, line, construct] of cases) {
    const src = lossWith(body);
    const result = rewriteForAutodiff(src, 'loss.js');
    const rt = createRuntime();
    const mod = evalModule(result.code, rt);
    const vg = makeValueAndGrad(rt, mod.loss, mod.params);
    let caught: unknown;
    try {
      vg(Float64Array.of(0.5, 1, 2), undefined, new Float64Array(3));
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof AutodiffError, String(caught));
    assert.equal(caught.line, 0); // native code converted the value: no static site
    assert.match(caught.message, ADVICE);
    // the evaluator here is new Function: frames are "<anonymous>:line:col" with 2 wrapper lines
    const located = locateAutodiffError(caught, result, '<anonymous>', 2);
    isAutodiffError(located, line, construct);
  }
});

test('loss returning a non-number throws a clear TypeError; AD values of another runtime are rejected', () => {
  for (const [ret, what] of [['"0.5"', /the string "0\.5"/], ['[p.x]', /an array/], ['undefined', /undefined/], ['{ v: 1 }', /an object/]] as const) {
    const L = loadLoss(`export default { params: { x: 1 }, loss(p) { return ${ret}; } };`);
    assert.throws(() => L.at(), (e: Error) => e instanceof TypeError && /^loss\(p, batch\) must return a number, got /.test(e.message) && what.test(e.message));
  }
  const a = loadLoss(`export default { params: { x: 1 }, loss(p) { return p.x; } };`);
  const b = loadLoss(`let captured; export default { params: { x: 1 }, loss(p) { return p.x * captured(); }, set(f) { captured = f; } };`);
  b.module.set(() => { a.runtime.tape.reset(); return a.runtime.tape.variable(2); });
  assert.throws(() => b.at(), (e) => e instanceof AutodiffError && /another autodiff runtime/.test(e.message));
});

test('params must be numbers or arrays of numbers', () => {
  assert.throws(() => makeValueAndGrad(createRuntime(), () => 0, { w: [[1]] as never }), /params\.w\[0\] must be a number/);
  assert.throws(() => makeValueAndGrad(createRuntime(), () => 0, { s: 'x' as never }), /params\.s must be a number or an array of numbers, got the string "x"/);
});
