// The trajectory plane (src/core/pca.ts): principal directions of θ_t − θ_origin, by hand and against
// a dense eigen-decomposition, through both Gram matrices (rows ≤ params and rows > params).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jacobi, planePoint, projectOntoPlane, topEigen, trajectoryPlane } from '../../../src/core';

const near = (got: number, want: number, what: string, tol = 1e-10) => assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: got ${got}, want ${want}`);

test('Jacobi: eigenvalues of [[2, 1], [1, 2]] are 3 and 1, eigenvectors (1, 1)/√2 and (1, −1)/√2', () => {
  const { values, vectors } = jacobi(Float64Array.from([2, 1, 1, 2]), 2);
  near(values[0]!, 3, 'λ1');
  near(values[1]!, 1, 'λ2');
  near(Math.abs(vectors[0]![0]!), Math.SQRT1_2, 'v1');
  near(vectors[0]![0]! * vectors[0]![1]!, 0.5, 'v1 along (1, 1)');
  near(vectors[1]![0]! * vectors[1]![1]!, -0.5, 'v2 along (1, −1)');
});

test('block power iteration agrees with Jacobi on a 30 × 30 PSD matrix', () => {
  const k = 30;
  let seed = 7;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
  const B = Float64Array.from({ length: k * k }, rnd);
  const S = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) { let s = 0; for (let l = 0; l < k; l++) s += B[i * k + l]! * B[j * k + l]!; S[i * k + j] = s; }
  // Spread the spectrum's top so the iteration converges in few steps, as trajectories do.
  for (let i = 0; i < k; i++) S[i * k + i] += i === 0 ? 40 : i === 1 ? 20 : 0;
  const dense = jacobi(S, k);
  const top = topEigen(S, k, 2);
  near(top.values[0]!, dense.values[0]!, 'λ1', 1e-12);
  near(top.values[1]!, dense.values[1]!, 'λ2', 1e-12);
  for (let c = 0; c < 2; c++) {
    let d = 0;
    for (let i = 0; i < k; i++) d += top.vectors[c]![i]! * dense.vectors[c]![i]!;
    near(Math.abs(d), 1, `eigenvector ${c + 1} (|cos|)`, 1e-9);
  }
  assert.ok(top.iterations < 5000, `${top.iterations} iterations`);
});

/** Rows a·e1·3 + b·e2 + origin in R^5 (e1, e2 orthonormal, not coordinate axes): a plane with known spread. */
function planarPath(rows: number): { params: Float64Array; origin: Float64Array; e1: number[]; e2: number[] } {
  const dim = 5;
  const e1 = [1, 1, 0, 0, 0].map((x) => x / Math.SQRT2);
  const e2 = [0, 0, 1, 1, 1].map((x) => x / Math.sqrt(3));
  const origin = Float64Array.from([0.5, -1, 2, 0, 1]);
  const params = new Float64Array(rows * dim);
  for (let t = 0; t < rows; t++) {
    const a = 3 * Math.cos((2 * Math.PI * t) / rows); // Σ a² = 9·rows/2
    const b = Math.sin((2 * Math.PI * t) / rows); //   Σ b² = rows/2
    for (let i = 0; i < dim; i++) params[t * dim + i] = origin[i]! + a * e1[i]! + b * e2[i]!;
  }
  return { params, origin, e1, e2 };
}

for (const rows of [4, 40]) {
  test(`a path on a known plane (${rows} rows of 5 parameters: the ${rows <= 5 ? 'rows × rows' : 'params × params'} Gram matrix): PCs, explained variance 0.9 / 0.1, projections`, () => {
    const { params, origin, e1, e2 } = planarPath(rows);
    const plane = trajectoryPlane([{ params, rows }], 5, origin);
    assert.equal(plane.gram, rows <= 5 ? 'rows' : 'params');
    // λ1 = Σ a² = 9·rows/2, λ2 = rows/2; explained 9/10 and 1/10.
    near(plane.eigenvalues[0], (9 * rows) / 2, 'λ1');
    near(plane.eigenvalues[1], rows / 2, 'λ2');
    near(plane.explained[0], 0.9, 'explained 1');
    near(plane.explained[1], 0.1, 'explained 2');
    const cos = (d: Float64Array, e: number[]) => d.reduce((s, x, i) => s + x * e[i]!, 0);
    near(cos(plane.u, e1), 1, 'u = e1 (the start, a = 3, projects positively)');
    near(Math.abs(cos(plane.v, e2)), 1, 'v = ±e2');
    const xy = projectOntoPlane(plane, params, rows);
    near(xy[0]!, 3, 'start a');
    near(xy[1]!, 0, 'start b', 1e-9);
    // planePoint inverts the projection on the plane.
    const p = planePoint(plane, xy[2]!, xy[3]!, new Float64Array(5));
    for (let i = 0; i < 5; i++) near(p[i]!, params[5 + i]!, `θ_1[${i}] back from the plane`);
  });
}

test('several runs share one plane: the union of their rows; a degenerate path (a line) still gives an orthonormal pair', () => {
  const { params, origin } = planarPath(40);
  const one = trajectoryPlane([{ params, rows: 40 }], 5, origin);
  const two = trajectoryPlane([{ params: params.subarray(0, 20 * 5), rows: 20 }, { params: params.subarray(20 * 5), rows: 20 }], 5, origin);
  for (let i = 0; i < 5; i++) near(two.u[i]!, one.u[i]!, `u[${i}]`);
  near(two.explained[0], one.explained[0], 'same explained variance');
  const line = Float64Array.from({ length: 10 * 3 }, (_, k) => (k % 3 === 0 ? k / 3 : 0));
  const deg = trajectoryPlane([{ params: line, rows: 10 }], 3, new Float64Array(3));
  near(deg.explained[0], 1, 'a line explains everything');
  near(deg.explained[1], 0, 'nothing left');
  const d = deg.u.reduce((s, x, i) => s + x * deg.v[i]!, 0);
  near(d, 0, 'u ⟂ v', 1e-12);
  near(Math.hypot(...deg.v), 1, '|v| = 1');
});
