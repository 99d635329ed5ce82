// Issue 8 item 5: the tape remembers the first operation of an evaluation whose value is NaN or ±∞
// (one comparison per node, no allocation) and describeNonFinite names it: operation, operand values,
// line and column in the module handed to the rewriter (single runtime ops and sub-operations of fused
// expression trees alike).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeNonFinite, rewriteForAutodiff } from '../../../src/core/autodiff';
import { loadLoss } from './helpers';

const mod = (params: string, body: string): string => `export default {\n  params: ${params},\n  loss(p) {\n${body}\n  },\n};\n`;

function firstNonFinite(src: string, at: readonly number[]) {
  const L = loadLoss(src);
  const value = L.at(at).value;
  const nf = L.runtime.tape.nonFinite();
  return { value, nf, op: nf ? describeNonFinite(L.result, nf.site, nf.operands) : null };
}

test('a single Math call (not fused): Math.sqrt(-1) at its line and column', () => {
  const { value, op } = firstNonFinite(mod('{ x: 1 }', '    const r = Math.sqrt(p.x);\n    return r;'), [-1]);
  assert.ok(Number.isNaN(value));
  assert.deepEqual(op, { op: 'Math.sqrt', operands: [-1], value: NaN, line: 4, column: 15, fromFinite: true, text: 'Math.sqrt(-1)' });
});

test('a single binary op: 0 / 0 and 1 / 0; compound assignment', () => {
  const a = firstNonFinite(mod('{ x: 0, y: 0 }', '    return p.x / p.y;'), [0, 0]).op;
  assert.equal(a?.text, '0 / 0');
  assert.deepEqual([a?.line, a?.column, a?.fromFinite], [4, 12, true]);
  const b = firstNonFinite(mod('{ x: 1 }', '    let s = 1;\n    s /= p.x;\n    return s;'), [0]).op;
  assert.deepEqual([b?.text, b?.line, b?.column], ['1 / 0', 5, 5]);
});

test('a fused expression: the sub-operation that first went non-finite, in evaluation order', () => {
  const src = mod('{ w: 0 }', '    const fit = (p.w - 5) ** 2;\n    return fit + 1e-9 * Math.sqrt(3 - p.w) + Math.log(p.w - 4);');
  const { value, op } = firstNonFinite(src, [3.5]);
  assert.ok(Number.isNaN(value));
  assert.equal(op?.op, 'Math.sqrt');
  assert.deepEqual(op?.operands, [-0.5]);
  assert.deepEqual([op?.line, op?.column, op?.text], [5, 25, 'Math.sqrt(-0.5)']);
});

test('a NaN passed on from a constant is not "from finite operands"', () => {
  const { op } = firstNonFinite(mod('{ x: 1 }', '    const c = Math.sqrt(-1);\n    return p.x * c;'), [1]);
  assert.deepEqual([op?.text, op?.fromFinite, op?.line, op?.column], ['1 * NaN', false, 5, 12]);
});

test('reset per evaluation; an evaluation whose nodes are all finite records nothing', () => {
  const L = loadLoss(mod('{ x: 1 }', '    return Math.min(Math.exp(1000 * p.x), 5) + Math.log(p.x);'));
  assert.ok(Number.isNaN(L.at([-1]).value));
  const nf = L.runtime.tape.nonFinite()!;
  assert.equal(describeNonFinite(L.result, nf.site, nf.operands)?.text, 'Math.log(-1)');
  assert.equal(L.at([1e-3]).value, Math.min(Math.exp(1), 5) + Math.log(1e-3));
  assert.equal(L.runtime.tape.nonFinite(), null);
  // one fused node: its sub-expression Math.exp(1000) is ∞ but the node's value (5) is finite → nothing
  assert.equal(L.at([1]).value, 5);
  assert.equal(L.runtime.tape.nonFinite(), null);
});

test('Math functions passed as values never take an array index for a site id', () => {
  const L = loadLoss(mod('{ x: 1, y: 1 }', '    return [p.x, p.y].map(Math.sqrt).reduce((a, b) => a + b, 0);'));
  assert.ok(Number.isNaN(L.at([1, -1]).value));
  const nf = L.runtime.tape.nonFinite()!;
  assert.equal(nf.site, -1, 'unknown site (an alias), not index 1');
  assert.equal(describeNonFinite(L.result, nf.site, nf.operands), null);
});

test('site ids of modules sharing a runtime are disjoint (siteBase)', () => {
  const a = rewriteForAutodiff('export const f = (x) => x * x + 1;\n', 'a.js');
  const b = rewriteForAutodiff('export const g = (x) => Math.log(x);\n', 'b.js', { siteBase: a.siteBase + a.sites.length });
  assert.equal(a.siteBase, 0);
  assert.equal(b.siteBase, a.sites.length);
  assert.equal(describeNonFinite(a, b.siteBase, [-1]), null);
  assert.equal(describeNonFinite(b, b.siteBase, [-1])?.text, 'Math.log(-1)');
});
