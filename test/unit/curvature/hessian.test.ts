// Exact second derivatives: the built-ins' analytic Hessians (against central differences of the analytic
// gradient and against torch.autograd.functional.hessian, test/fixtures/reference/torch-schedules/hess__*.json),
// exact Hessian-vector products of loss files (reverse-over-forward AD), the numeric fallback, the dense
// eigen-solvers and Lanczos.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_LOSSES, builtinProblem } from '../../../src/core';
import { denseHessian, hessianReport, jacobiEigen, lanczosExtremes, numericHvp, symmetricEigenvalues } from '../../../src/core/curvature';
import { loadLossFileSync } from '../../../src/loss/loader';
import { example, ROOT, tempFiles } from '../loss/fixtures';

const RTOL = 1e-8;
const ATOL = 1e-10;
const close = (got: number, want: number, what: string, rtol = RTOL, atol = ATOL): void => {
  assert.ok(Math.abs(got - want) <= atol + rtol * Math.abs(want), `${what}: got ${got}, want ${want} (|diff| ${Math.abs(got - want)})`);
};

interface HessCase {
  function: { name: string; dim: number };
  points: { step: number; params: number[]; hessian: number[][]; eigenvalues: number[] }[];
}
const fixture = (name: string): HessCase =>
  JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'reference', 'torch-schedules', name), 'utf8')) as HessCase;

describe('analytic Hessians of the built-ins', () => {
  // points: the start, a few off-axis points, and each known minimum
  for (const b of Object.values(BUILTIN_LOSSES)) {
    test(`${b.name}: equals central differences of the analytic gradient`, () => {
      const pts: [number, number][] = [[...b.start], [0.3, -0.7], [1.2, 0.4], [-1.1, 1.9], ...b.minima.map((m): [number, number] => [m.x, m.y])];
      const h = new Float64Array(4);
      const gp = new Float64Array(2), gm = new Float64Array(2);
      for (const [x, y] of pts) {
        b.hessian(x, y, h);
        assert.equal(h[1], h[2], `${b.name} symmetric at (${x}, ${y})`);
        for (let j = 0; j < 2; j++) {
          const e = 1e-5 * Math.max(1, Math.abs(j === 0 ? x : y));
          b.evaluate(x + (j === 0 ? e : 0), y + (j === 1 ? e : 0), gp);
          b.evaluate(x - (j === 0 ? e : 0), y - (j === 1 ? e : 0), gm);
          for (let i = 0; i < 2; i++) {
            const fd = (gp[i]! - gm[i]!) / (2 * e);
            close(h[i * 2 + j]!, fd, `${b.name} H[${i}][${j}] at (${x}, ${y})`, 1e-6, 1e-6 * Math.max(1, Math.abs(fd)));
          }
        }
      }
    });
  }

  test('canyon matches torch.autograd.functional.hessian at every point of hess__canyon__sgd (entries and eigenvalues)', () => {
    const c = fixture('hess__canyon__sgd.json');
    const p = builtinProblem(BUILTIN_LOSSES['canyon']!);
    assert.ok(c.points.length >= 5);
    for (const pt of c.points) {
      const r = hessianReport(p, Float64Array.from(pt.params));
      assert.equal(r.method, 'analytic');
      pt.hessian.forEach((row, i) => row.forEach((v, j) => close(r.hessian![i]![j]!, v, `step ${pt.step} H[${i}][${j}]`)));
      pt.eigenvalues.forEach((v, i) => close(r.eigenvalues[i]!, v, `step ${pt.step} eigenvalue ${i}`));
    }
  });
});

describe('exact Hessian-vector products of loss files', () => {
  test('quad5 (autodiff) matches torch at every point of hess__quad5__sgd (entries and eigenvalues)', () => {
    const c = fixture('hess__quad5__sgd.json');
    const p = loadLossFileSync(example('quad5.loss.ts')).createProblem();
    for (const pt of c.points) {
      const r = hessianReport(p, Float64Array.from(pt.params));
      assert.equal(r.method, 'autodiff');
      pt.hessian.forEach((row, i) => row.forEach((v, j) => close(r.hessian![i]![j]!, v, `step ${pt.step} H[${i}][${j}]`)));
      pt.eigenvalues.forEach((v, i) => close(r.eigenvalues[i]!, v, `step ${pt.step} eigenvalue ${i}`));
    }
  });

  test('a file that exports grad is differentiated from its loss (rosenbrock-with-grad = the analytic Rosenbrock Hessian)', () => {
    const p = loadLossFileSync(example('rosenbrock-with-grad.loss.ts')).createProblem();
    const x = Float64Array.from([-1.5, 2]);
    const H = denseHessian(p, x);
    const want = new Float64Array(4);
    BUILTIN_LOSSES['rosenbrock']!.hessian(-1.5, 2, want);
    for (let i = 0; i < 4; i++) close(H[i]!, want[i]!, `H[${i}]`, 1e-12, 1e-12);
    assert.equal(p.hessianMethod, 'autodiff');
  });

  test('fused expressions, Math functions, pow, division and branches: exact against the closed form', () => {
    const tmp = tempFiles({
      'mix.loss.ts': `export default {
        params: { x: 0.7, y: -0.4, z: 1.3 },
        loss(p) {
          const a = Math.exp(p.x * p.y) + Math.sin(p.z) * p.x ** 3;
          const b = p.z > 0 ? Math.log(1 + p.z * p.z) / p.x : 0;
          return a + b + Math.sqrt(p.x * p.x + p.y * p.y + 1) + Math.tanh(p.y - p.z);
        },
      };`,
    });
    const p = loadLossFileSync(tmp.path('mix.loss.ts')).createProblem();
    const x = 0.7, y = -0.4, z = 1.3;
    // second derivatives by hand
    const e = Math.exp(x * y), s = Math.sqrt(x * x + y * y + 1), L = Math.log(1 + z * z), th = Math.tanh(y - z);
    const sech2 = 1 - th * th, d2tanh = -2 * th * sech2;
    const q = 1 + z * z;
    const want = [
      [y * y * e + 6 * x * Math.sin(z) + 2 * L / x ** 3 + (1 / s - x * x / s ** 3), (1 + x * y) * e - x * y / s ** 3, 3 * x * x * Math.cos(z) - (2 * z / q) / (x * x)],
      [0, x * x * e + (1 / s - y * y / s ** 3) + d2tanh, -d2tanh],
      [0, 0, -Math.sin(z) * x ** 3 + ((2 * q - 4 * z * z) / (q * q)) / x + d2tanh],
    ];
    want[1]![0] = want[0]![1]!; want[2]![0] = want[0]![2]!; want[2]![1] = want[1]![2]!;
    const H = denseHessian(p, Float64Array.from([x, y, z]));
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) close(H[i * 3 + j]!, want[i]![j]!, `H[${i}][${j}]`, 1e-12, 1e-12);
    assert.equal(p.hessianMethod, 'autodiff');
    tmp.cleanup();
  });

  test('mlp example: exact HVP agrees with Richardson central differences of the gradient, and is symmetric', () => {
    const l = loadLossFileSync(example('mlp.loss.ts'));
    const p = l.createProblem({ batchSize: 1e6 }); // full batch, as the Hessian uses
    const n = p.dim;
    const x = Float64Array.from(l.start);
    const v = new Float64Array(n).map((_, i) => Math.sin(i + 1));
    const w = new Float64Array(n).map((_, i) => Math.cos(3 * i));
    const hv = new Float64Array(n), hw = new Float64Array(n), num = new Float64Array(n);
    p.hvp!(x, v, hv);
    p.hvp!(x, w, hw);
    assert.equal(p.hessianMethod, 'autodiff');
    // wᵀHv = vᵀHw (symmetry of an exact Hessian)
    let a = 0, b = 0, scale = 0;
    for (let i = 0; i < n; i++) { a += w[i]! * hv[i]!; b += v[i]! * hw[i]!; scale += Math.abs(w[i]! * hv[i]!); }
    close(a, b, 'wᵀHv vs vᵀHw', 1e-10, 1e-12 * scale);
    const g = (y: Float64Array, out: Float64Array) => { p.evaluate(y, out, 0); };
    numericHvp(g, x, v, num);
    let err = 0, mag = 0;
    for (let i = 0; i < n; i++) { err = Math.max(err, Math.abs(num[i]! - hv[i]!)); mag = Math.max(mag, Math.abs(hv[i]!)); }
    assert.ok(err <= 1e-6 * mag, `numeric vs exact: max |diff| ${err} (scale ${mag})`);
  });

  test('a construct the tangent runtime refuses falls back to numeric (labelled numeric)', () => {
    const tmp = tempFiles({
      'mapkey.loss.ts': `export default {
        params: { x: 1.5, y: 0.5 },
        loss(p) { const m = new Map([[1, 2]]); return p.x * p.x * p.y + m.get(1) * p.y * p.y; },
      };`,
    });
    const p = loadLossFileSync(tmp.path('mapkey.loss.ts')).createProblem();
    const H = denseHessian(p, Float64Array.from([1.5, 0.5]));
    tmp.cleanup();
    assert.equal(p.hessianMethod, 'numeric');
    const want = [2 * 0.5, 2 * 1.5, 2 * 1.5, 4];
    for (let i = 0; i < 4; i++) close(H[i]!, want[i]!, `numeric H[${i}]`, 1e-7, 1e-7);
  });
});

describe('eigen-solvers', () => {
  const randomSym = (n: number, seed: number): Float64Array => {
    let s = seed;
    const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) A[i * n + j] = A[j * n + i] = r();
    return A;
  };
  test('Jacobi: A v = λ v, ascending, orthonormal; 2×2 by hand', () => {
    const { values, vectors } = jacobiEigen([2, 1, 1, 2], 2);
    close(values[0]!, 1, 'λ1', 1e-15, 1e-15);
    close(values[1]!, 3, 'λ2', 1e-15, 1e-15);
    close(Math.abs(vectors[0]!), Math.SQRT1_2, 'v1', 1e-15, 1e-15);
    const n = 12, A = randomSym(n, 7);
    const e = jacobiEigen(A, n);
    for (let j = 0; j < n; j++) {
      if (j > 0) assert.ok(e.values[j]! >= e.values[j - 1]!);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += A[i * n + k]! * e.vectors[k * n + j]!;
        close(s, e.values[j]! * e.vectors[i * n + j]!, `A v_${j}`, 1e-12, 1e-13);
      }
    }
  });
  test('Householder + QL equals Jacobi (n = 80), and the trace', () => {
    const n = 80, A = randomSym(n, 11);
    const ql = symmetricEigenvalues(A, n);
    const jac = jacobiEigen(A, n).values;
    let tr = 0, sum = 0;
    for (let i = 0; i < n; i++) { close(ql[i]!, jac[i]!, `λ${i}`, 1e-12, 1e-13); tr += A[i * n + i]!; sum += ql[i]!; }
    close(sum, tr, 'trace', 1e-12, 1e-12);
  });
  test('Lanczos: extreme eigenvalues within 1e-8 of the dense solver, k = 3, counted products', () => {
    const n = 60, A = randomSym(n, 5);
    const dense = symmetricEigenvalues(A, n);
    let products = 0;
    const mv = (x: Float64Array, y: Float64Array) => {
      products++;
      for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < n; j++) s += A[i * n + j]! * x[j]!; y[i] = s; }
    };
    const r = lanczosExtremes(mv, n, { k: 3 });
    assert.equal(r.iterations, products);
    for (let i = 0; i < 3; i++) {
      close(r.largest[i]!, dense[n - 1 - i]!, `largest ${i}`, 1e-8, 0);
      close(r.smallest[i]!, dense[i]!, `smallest ${i}`, 1e-8, 0);
    }
    // a warm start from the converged vectors needs far fewer products
    const warm = new Float64Array(n).map((_, i) => r.maxVector[i]! + r.minVector[i]!);
    const before = products;
    const r2 = lanczosExtremes(mv, n, { start: warm });
    close(r2.largest[0]!, dense[n - 1]!, 'warm largest', 1e-8, 0);
    close(r2.smallest[0]!, dense[0]!, 'warm smallest', 1e-8, 0);
    assert.ok(products - before < r.iterations, `warm start: ${products - before} products vs ${r.iterations} cold`);
  });
  test('top-k report on the mlp example: Lanczos within 1e-8 of the dense eigenvalues', () => {
    const l = loadLossFileSync(example('mlp.loss.ts'));
    const p = l.createProblem();
    const x = Float64Array.from(l.start);
    const dense = hessianReport(p, x);
    const top = hessianReport(p, x, 2);
    const n = p.dim;
    assert.equal(dense.eigenvalues.length, n);
    const scale = Math.max(Math.abs(dense.eigenvalues[0]!), Math.abs(dense.eigenvalues[n - 1]!));
    close(top.largest![0]!, dense.eigenvalues[n - 1]!, 'λmax', 1e-8, 1e-8 * scale);
    close(top.largest![1]!, dense.eigenvalues[n - 2]!, 'λ2', 1e-8, 1e-8 * scale);
    close(top.smallest![0]!, dense.eigenvalues[0]!, 'λmin', 1e-8, 1e-8 * scale);
    assert.ok(top.lanczos_iterations! <= n);
  });
});
