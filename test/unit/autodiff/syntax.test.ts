// Exotic syntax survives the rewrite: the rewritten module parses, computes the same value as the
// plain module (bit for bit) and its gradient matches central differences.
import { test } from 'node:test';
import { assertMatchesNumeric } from './helpers';

const CASES: Readonly<Record<string, string>> = {
  'no semicolons (ASI), comments inside expressions, numeric separators': `
    const k = 1_000
    const f = (a) => a /* half */ * 0.5
      + 1
    export default {
      params: { x: 0.3 },
      loss(p) {
        let s = p.x
        s = s * k / 1_000 // same
        ;[1, 2].forEach((i) => { s += i * p.x })
        return f(s) - -p.x
      },
    }`,
  'generators, spread, optional chaining, nullish, labels, getters/setters, static blocks, private fields': `
    function* gen(x) { yield x; yield x * x; }
    class Acc {
      #total = 0;
      static scale;
      static { Acc.scale = 2; }
      add(v) { this.#total += v * Acc.scale; return this; }
      get total() { return this.#total; }
      set bump(v) { this.#total += v; }
    }
    export default {
      params: { x: 0.7, y: -0.2 },
      loss(p) {
        const acc = new Acc();
        for (const v of gen(p.x)) acc.add(v);
        acc.bump = p.y ** 2;
        const o = { inner: { v: p.y } };
        const maybe = o?.inner?.v ?? 0;
        const missing = o.nope?.v ?? p.x;
        const arr = [...[p.x, p.y], ...gen(p.y)];
        return acc.total + maybe * missing + Math.max(...arr) + (arr.at(-1) ** 3);
      },
    };`,
  'regex, tagged templates, BigInt and strings around AD values': `
    const tag = (strings, ...values) => values.reduce((s, v) => s + v, 0);
    export default {
      params: { x: 1.5 },
      loss(p) {
        const n = Number(10n) + /a+/.exec('caab')[0].length;
        return tag\`a\${p.x}b\${p.x * p.x}\` * n + 'abc'.length * p.x;
      },
    };`,
  'deeply nested ternaries, sequences, comma in for, void, in/instanceof': `
    export default {
      params: { x: 0.4, y: 1.2 },
      loss(p) {
        let s = 0;
        for (let i = 0, j = 3; i < j; i++, j--) s += (i, j) * p.x;
        const t = p.x > 0 ? (p.y > 1 ? p.x * p.y : p.y) : (p.y < 0 ? -p.x : 0);
        void 0;
        return s + t + ('x' in p ? p.x : 0) + (p instanceof Object ? p.y : 0);
      },
    };`,
  'async functions are rewritten too (await inside an expression tree)': `
    async function twice(v) { return (await v) * 2 + 0; }
    export default {
      params: { x: 0.5 },
      loss(p) { void twice(p.x); return p.x * p.x; },
    };`,
  'parenthesized targets, compound ops on this, exponent assignment on members': `
    class V { constructor(a) { this.a = a; } grow(k) { (this.a) *= k; this.a **= 2; this['a'] -= k; return this.a; } }
    export default {
      params: { x: 0.9 },
      loss(p) { let y = p.x; (y) += 1; ((y)) *= 2; return new V(p.x).grow(y); },
    };`,
};

for (const [name, src] of Object.entries(CASES)) {
  test(name, () => {
    const params = /params: \{([^}]*)\}/.exec(src)![1];
    const flat = [...params.matchAll(/-?\d+(\.\d+)?/g)].map((m) => Number(m[0]));
    assertMatchesNumeric(src, flat);
  });
}
