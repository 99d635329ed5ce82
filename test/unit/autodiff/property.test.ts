// Property test: on random expressions built from + - * / ** exp log sqrt tanh sin abs max hypot,
// the automatic gradient matches central differences and the value equals plain JS bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadLoss, plainNumericGrad, plainValue } from './helpers';

const VARS = ['p.x', 'p.y', 'p.z'];
/** Expressions that stay smooth and moderate on [-1.5, 1.5]^3 (bounded arguments of exp, log, sqrt, /). */
const expr: fc.Memo<string> = fc.memo((depth) => {
  const leaf = fc.oneof(fc.constantFrom(...VARS), fc.double({ min: -2, max: 2, noNaN: true }).map((c) => `(${c})`));
  if (depth <= 1) return leaf;
  const sub = expr(depth - 1);
  return fc.oneof(
    { weight: 2, arbitrary: leaf },
    fc.tuple(sub, fc.constantFrom('+', '-', '*'), sub).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(sub, sub).map(([a, b]) => `(${a} / (1.5 + ${b} * ${b}))`),
    fc.tuple(sub, fc.integer({ min: 0, max: 3 })).map(([a, n]) => `(${a}) ** ${n}`),
    sub.map((a) => `Math.exp(Math.tanh(${a}))`),
    sub.map((a) => `Math.log(1 + ${a} * ${a})`),
    sub.map((a) => `Math.log1p(Math.exp(Math.tanh(${a})))`),
    sub.map((a) => `Math.sqrt(2 + Math.sin(${a}))`),
    sub.map((a) => `-(${a})`),
    fc.tuple(sub, sub).map(([a, b]) => `Math.hypot(1, ${a}, ${b})`),
    fc.tuple(sub, sub).map(([a, b]) => `(2 + Math.tanh(${a})) ** (1 + Math.tanh(${b}))`),
  );
});

function lossSource(body: string, style: 'expr' | 'statements'): string {
  if (style === 'expr') return `export default { params: { x: 0, y: 0, z: 0 }, loss(p) { return ${body}; } };`;
  // the same expression split over statements, a helper and a compound assignment
  return `const h = (t) => t;\nexport default { params: { x: 0, y: 0, z: 0 }, loss(p) { let s = 0; const e = ${body}; s += h(e); s *= 1; return s; } };`;
}

test('automatic gradient vs central differences on random expressions', () => {
  fc.assert(
    fc.property(
      expr(5), fc.constantFrom<'expr' | 'statements'>('expr', 'statements'),
      fc.tuple(fc.double({ min: -1.5, max: 1.5, noNaN: true }), fc.double({ min: -1.5, max: 1.5, noNaN: true }), fc.double({ min: -1.5, max: 1.5, noNaN: true })),
      (body, style, point) => {
        const src = lossSource(body, style);
        const { value, grad } = loadLoss(src).at(point);
        const plain = plainValue(src, point);
        assert.ok(Object.is(value, plain), `value ${value} vs plain ${plain} for ${body}`);
        const num = plainNumericGrad(src, point);
        const scale = Math.max(1, ...num.map(Math.abs), ...grad.map(Math.abs));
        grad.forEach((g, i) => {
          assert.ok(Math.abs(g - num[i]) <= 2e-6 * scale, `d/d${'xyz'[i]} of ${body} at ${point}: automatic ${g}, numeric ${num[i]}`);
        });
      },
    ),
    { numRuns: 300, seed: 20261122 },
  );
});
