// The PCA-plane landscape of N-parameter losses (src/protocol/planeLandscape.ts) and the runner's grid over
// a plane (GridRequest.plane, src/runner/engine.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptimizer, simulate, type Problem } from '../../../src/core';
import { PLANE_NX, PLANE_NY, planeLandscape, planeLayout, projectedPath } from '../../../src/protocol/planeLandscape';
import type { RecordingColumns } from '../../../src/protocol/simulation';
import { runGrid } from '../../../src/runner/engine';

/** f = Σ c_i θ_i² / 2 in 4 parameters. */
const c = [1, 4, 9, 0.25];
const quad: Problem = {
  name: 'quad4', dim: 4, paramNames: ['a', 'b', 'c', 'd'],
  evaluate(p, g) {
    let f = 0;
    for (let i = 0; i < 4; i++) {
      g[i] = c[i]! * p[i]!;
      f += 0.5 * c[i]! * p[i]! * p[i]!;
    }
    return f;
  },
};
const fOf = (p: ArrayLike<number>) => c.reduce((s, ci, i) => s + 0.5 * ci * p[i]! * p[i]!, 0);

function run(id: string, name: string, lr: number): RecordingColumns {
  const opt = createOptimizer(name, { lr });
  const r = simulate({ problem: quad, optimizer: opt, start: Float64Array.from([1, -1, 0.5, 2]), steps: 60 });
  return { ...r, runId: id, optimizer: opt.name, hyperparameters: opt.hyperparameters, elapsedMs: 1 } as unknown as RecordingColumns;
}

test('plane of two runs: through run 1\'s final point, explained variance in [0, 1], every projected path inside the window', () => {
  const runs = [run('r1', 'sgd', 0.1), run('r2', 'adam', 0.05)];
  const layout = planeLayout(runs)!;
  assert.ok(layout);
  assert.equal(layout.runs, 2);
  assert.equal(layout.rows, 2 * 61);
  const [e1, e2] = layout.plane.explained;
  assert.ok(e1 >= e2 && e2 >= 0 && e1 + e2 <= 1 + 1e-12, `explained ${e1}, ${e2}`);
  for (let i = 0; i < 4; i++) assert.equal(layout.plane.origin[i], runs[0]!.params[60 * 4 + i]);
  for (const r of runs) {
    const p = projectedPath(r, layout, 0);
    assert.equal(p.x.length, 61);
    assert.deepEqual([p.step[0], p.step[60]], [0, 60]);
    for (let k = 0; k < p.x.length; k++) {
      assert.ok(p.x[k]! >= layout.window.x[0] && p.x[k]! <= layout.window.x[1] && p.y[k]! >= layout.window.y[0] && p.y[k]! <= layout.window.y[1]);
    }
  }
  // Run 1 ends at the origin of the plane.
  const p1 = projectedPath(runs[0]!, layout, 0);
  assert.ok(Math.abs(p1.x[60]!) < 1e-15 && Math.abs(p1.y[60]!) < 1e-15);
});

test('the runner evaluates the loss over the plane: cell (x_i, y_j) = f(origin + x_i u + y_j v); the landscape keeps the plane', () => {
  const runs = [run('r1', 'sgd', 0.1), run('r2', 'adam', 0.05)];
  const layout = planeLayout(runs)!;
  // The engine's grid over a plane, with the quadratic standing in for a loaded loss file.
  let values: Float64Array | null = null;
  runGrid(
    { requestId: 'g1', loss: { kind: 'file', path: '/x/quad4.loss.ts' }, window: layout.window, nx: PLANE_NX, ny: PLANE_NY, plane: layout.grid },
    { dim: 4, name: 'quad4', value: (p: Float64Array) => fOf(p) } as never,
    { post: (m) => { if (m.type === 'sim/didGrid') values = m.values; else assert.fail(JSON.stringify(m)); }, cancelled: () => false },
  );
  assert.ok(values);
  const v = values as Float64Array;
  const { origin, u, v: w } = layout.grid;
  for (const [i, j] of [[0, 0], [PLANE_NX - 1, 0], [17, 23], [PLANE_NX - 1, PLANE_NY - 1]] as const) {
    const x = layout.window.x[0] + (i * (layout.window.x[1] - layout.window.x[0])) / (PLANE_NX - 1);
    const y = layout.window.y[0] + (j * (layout.window.y[1] - layout.window.y[0])) / (PLANE_NY - 1);
    const theta = origin.map((o, k) => o + x * u[k]! + y * w[k]!);
    assert.ok(Math.abs(v[j * PLANE_NX + i]! - fOf(theta)) <= 1e-12 * Math.max(1, fOf(theta)), `cell ${i},${j}`);
  }
  const l = planeLandscape(layout, v, PLANE_NX, PLANE_NY, runs[0]!);
  assert.deepEqual(l.plane!.explained, layout.plane.explained);
  assert.equal(l.minima[0]!.x, 0);
  assert.ok(l.levels.length > 3);
  // A plane whose length is not the loss's is refused with a located message.
  let failed = '';
  runGrid(
    { requestId: 'g2', loss: { kind: 'file', path: '/x/quad4.loss.ts' }, window: layout.window, nx: 4, ny: 4, plane: { origin: [0, 0, 0], u: [1, 0, 0], v: [0, 1, 0] } },
    { dim: 4, name: 'quad4', value: (p: Float64Array) => fOf(p) } as never,
    { post: (m) => { if (m.type === 'sim/didFail') failed = m.error.message; }, cancelled: () => false },
  );
  assert.match(failed, /a plane of 3 parameters for quad4, which has 4/);
});

test('no plane for 2-parameter losses or runs without a finite end', () => {
  assert.equal(planeLayout([]), null);
});
