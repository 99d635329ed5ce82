// The two cases that matter most: logistic regression (mean BCE) and quad5 (0.5 xᵀAx − bᵀx written
// with loops). The automatic gradient must equal the hand-written analytic one to ~1e-15.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLoss, plainValue } from './helpers';

/** max_i |a_i − b_i| / max_i |b_i| */
const normwise = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / Math.max(...b.map(Math.abs));

test('logistic regression, mean BCE via log1p/exp: automatic = analytic to ~1e-15', () => {
  const rows: { x1: number; x2: number; x3: number; y: number }[] = [];
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  for (let i = 0; i < 40; i++) {
    const x1 = rnd(), x2 = rnd(), x3 = rnd();
    rows.push({ x1, x2, x3, y: x1 - 0.5 * x2 + 0.25 * x3 + 0.3 * rnd() > 0 ? 1 : 0 });
  }
  const src = `
    export default {
      params: { w: [0, 0, 0], b: 0 },
      loss(p, batch) {
        let s = 0;
        for (const r of batch) {
          const z = p.w[0] * r.x1 + p.w[1] * r.x2 + p.w[2] * r.x3 + p.b;
          s += Math.log1p(Math.exp(-z)) + (1 - r.y) * z;
        }
        return s / batch.length;
      },
    };`;
  const L = loadLoss(src);
  for (const w of [[0, 0, 0, 0], [0.8, -1.3, 0.4, 0.2], [3, 2, -4, -1]]) {
    const { value, grad } = L.at(w, rows);
    assert.ok(Object.is(value, plainValue(src, w, rows)));
    const g = [0, 0, 0, 0];
    for (const r of rows) {
      const z = w[0] * r.x1 + w[1] * r.x2 + w[2] * r.x3 + w[3];
      const d = 1 / (1 + Math.exp(-z)) - r.y;
      g[0] += d * r.x1; g[1] += d * r.x2; g[2] += d * r.x3; g[3] += d;
    }
    const analytic = g.map((v) => v / rows.length);
    const err = normwise(grad, analytic);
    assert.ok(err < 4e-15, `normwise relative error ${err}: ${grad} vs ${analytic}`);
  }
});

test('quad5 0.5 xᵀAx − bᵀx written with loops: automatic = Ax − b to ~1e-15', () => {
  const A = [
    [4, 1, 0.5, 0, 0.2],
    [1, 3, 0.3, 0.1, 0],
    [0.5, 0.3, 5, 0.7, 0.4],
    [0, 0.1, 0.7, 2, 0.6],
    [0.2, 0, 0.4, 0.6, 6],
  ];
  const b = [1, -2, 0.5, 3, -1];
  const src = `
    const A = ${JSON.stringify(A)};
    const b = ${JSON.stringify(b)};
    export default {
      params: { x: [0, 0, 0, 0, 0] },
      loss(p) {
        const n = p.x.length;
        let s = 0;
        for (let i = 0; i < n; i++) {
          let row = 0;
          for (let j = 0; j < n; j++) row += A[i][j] * p.x[j];
          s += 0.5 * p.x[i] * row - b[i] * p.x[i];
        }
        return s;
      },
    };`;
  const L = loadLoss(src);
  for (const x of [[1, 2, 3, 4, 5], [-0.3, 0.7, 1.9, -2.2, 0.05], [0, 0, 0, 0, 0]]) {
    const { value, grad } = L.at(x);
    assert.ok(Object.is(value, plainValue(src, x)));
    const analytic = A.map((row, i) => row.reduce((s, a, j) => s + a * x[j], 0) - b[i]);
    const err = normwise(grad, analytic);
    assert.ok(err < 4e-15, `normwise relative error ${err}: ${grad} vs ${analytic}`);
  }
});
