// The end-point report of `compare` (README "Generalisation"): gap, sharpness λ_max(H) and ε-flatness,
// against hand arithmetic on quadratics f(θ) = ½(θ − c)ᵀH(θ − c), whose Hessian is H everywhere, so that at
// θ = c, f(c + ρu) − f(c) = ½ρ² uᵀHu exactly.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpointReport, FLATNESS_RHO, FLATNESS_SAMPLES } from '../../../src/core/curvature';
import type { Problem } from '../../../src/core';
import { gaussianSource, hash32, mulberry32, STREAM } from '../../../src/loss/sampler';
import { endpointAt } from '../../../src/runner/engine';
import { repoRoot } from '../helpers/reference';

/** ½(θ − c)ᵀH(θ − c) with a dense symmetric H; `withDense` gives the closed-form Hessian, else HVPs only. */
function quadratic(H: number[][], c: number[], opts: { withDense?: boolean; validation?: (x: Float64Array) => number } = {}): Problem {
  const n = c.length;
  const hv = (v: ArrayLike<number>, out: Float64Array) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += H[i]![j]! * v[j]!;
      out[i] = s;
    }
  };
  const d = new Float64Array(n);
  return {
    name: 'quadratic',
    dim: n,
    paramNames: c.map((_, i) => `x[${i}]`),
    evaluate(x, g) {
      for (let i = 0; i < n; i++) d[i] = x[i]! - c[i]!;
      hv(d, g);
      let f = 0;
      for (let i = 0; i < n; i++) f += 0.5 * d[i]! * g[i]!;
      return f;
    },
    hessianMethod: 'analytic',
    hvp: (_x, v, out) => hv(v, out),
    ...(opts.withDense ? { hessian: (_x: Float64Array, out: Float64Array) => { for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = H[i]![j]!; } } : {}),
    ...(opts.validation ? { validationLoss: opts.validation } : {}),
  };
}

const close = (got: number, want: number, what: string, rtol = 1e-12) =>
  assert.ok(Math.abs(got - want) <= rtol * Math.abs(want) + 1e-300, `${what}: got ${got}, want ${want}`);

describe('endpoint report', () => {
  // H = R diag(4, 1) Rᵀ with R the rotation by 30°: λ_max = 4, tr H = 5
  const cs = Math.cos(Math.PI / 6), sn = Math.sin(Math.PI / 6);
  const H2 = [[4 * cs * cs + sn * sn, 3 * cs * sn], [3 * cs * sn, 4 * sn * sn + cs * cs]];
  const c2 = [3, -4]; // ‖c‖ = 5, ρ = 0.25

  test('sharpness is λ_max(H) = 4 of a rotated diag(4, 1); flatness at the minimum = ½ρ² · mean uᵀHu of the seeded directions', () => {
    const seed = 7;
    const r = endpointAt(quadratic(H2, c2, { withDense: true }), Float64Array.from(c2), seed);
    close(r.sharpness!, 4, 'λ_max', 1e-12);
    assert.equal(r.sharpness_method, 'analytic');
    assert.equal(r.sharpness_solver, 'dense');
    assert.equal(r.train_loss, 0);
    assert.equal(r.gap, null);
    assert.equal(r.samples, 20);
    assert.equal(r.rho_fraction, 0.05);
    close(r.rho, 0.25, 'ρ = 0.05 · 5');
    // the directions by hand: z = n standard normals from the flatness stream, u = z/‖z‖
    const gauss = gaussianSource(mulberry32(hash32(seed, STREAM.flatness)));
    let sum = 0;
    for (let s = 0; s < 20; s++) {
      const z = [gauss(), gauss()];
      const nz = Math.hypot(z[0]!, z[1]!);
      const u = [z[0]! / nz, z[1]! / nz];
      const uHu = H2[0]![0]! * u[0]! ** 2 + 2 * H2[0]![1]! * u[0]! * u[1]! + H2[1]![1]! * u[1]! ** 2;
      sum += 0.5 * 0.25 ** 2 * uHu;
    }
    close(r.flatness, sum / 20, 'flatness', 1e-10);
    // and against its expectation ½ρ² tr(H)/n = ½ · 0.0625 · 2.5 = 0.078125: uᵀHu ∈ [1, 4] so each term lies in
    // [0.03125, 0.125]; the mean of 20 is within 3 standard deviations (sd ≤ 0.047/√20) of the expectation
    assert.ok(Math.abs(r.flatness - 0.078125) < 3 * (0.0469 / Math.sqrt(20)), `flatness ${r.flatness}`);
    assert.ok(r.flatness >= 0.03125 && r.flatness <= 0.125);
  });

  test('same seed, same numbers; another seed, other directions', () => {
    const p = quadratic(H2, c2, { withDense: true });
    const a = endpointAt(p, Float64Array.from(c2), 1), b = endpointAt(p, Float64Array.from(c2), 1), c = endpointAt(p, Float64Array.from(c2), 2);
    assert.equal(a.flatness, b.flatness);
    assert.notEqual(a.flatness, c.flatness);
  });

  test('isotropic H = 3I: every direction gives ½ρ² · 3 (mean exact whatever the seed)', () => {
    const n = 5;
    const H = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 3 : 0)));
    const c = [1, 2, 2, 0, 4]; // ‖c‖ = 5
    const r = endpointAt(quadratic(H, c), Float64Array.from(c), 0);
    close(r.flatness, 0.5 * 0.25 ** 2 * 3, 'flatness', 1e-12);
    close(r.sharpness!, 3, 'λ_max', 1e-12);
  });

  test('n > 200 by Lanczos (HVPs only): λ_max of diag(1, …, 250) is 250; the gap is held-out − full-batch train', () => {
    const n = 250;
    const H = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? i + 1 : 0)));
    const c = Array.from({ length: n }, () => 1);
    const x = Float64Array.from(c, (v, i) => v + (i === 0 ? 2 : 0)); // f(x) = ½ · 1 · 2² = 2
    const r = endpointReport(quadratic(H, c, { validation: () => 2.5 }), x, { seed: 0, gaussian: gaussianSource(mulberry32(1)) });
    assert.equal(r.sharpness_solver, 'lanczos');
    assert.equal(r.sharpness_converged, true);
    close(r.sharpness!, 250, 'λ_max', 1e-9);
    close(r.train_loss, 2, 'train');
    close(r.gap!, 0.5, 'gap');
    assert.equal(r.samples, FLATNESS_SAMPLES);
    assert.equal(r.rho_fraction, FLATNESS_RHO);
  });

  test('a stochastic problem is measured full batch (evaluateFull), not by its noisy evaluate', () => {
    const base = quadratic(H2, c2);
    const noisy: Problem = { ...base, evaluate: () => 1e9, evaluateFull: (x, g) => base.evaluate(x, g, 0) };
    const r = endpointAt(noisy, Float64Array.from([4, -4]), 0);
    close(r.train_loss, 0.5 * H2[0]![0]!, 'train = ½ H₀₀ at c + e₀');
  });
});

describe('compare --json: the end point of a loss file (loss process, autodiff Hessian)', () => {
  test('½ Σ h_i (x_i − c_i)² started at c: sharpness max h = 6, flatness ½ρ² · mean Σ h_i u_i², gap null', () => {
    const dir = mkdtempSync(join(tmpdir(), 'od-endpoint-'));
    try {
      const file = join(dir, 'quad.loss.ts');
      writeFileSync(file, `const params = { x: [3, 0, -4] };
const h = [2, 6, 1], c = [3, 0, -4];
export default { name: 'diag quad', params, loss(p: typeof params) { let s = 0; for (let i = 0; i < 3; i++) s += 0.5 * h[i]! * (p.x[i]! - c[i]!) ** 2; return s; } };
`);
      const r = spawnSync(process.execPath, [join(repoRoot(), 'dist', 'cli.js'), 'compare', '--loss', file, '--steps', '0', '--optimizers', 'sgd,adam', '--seed', '3', '--json'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      const e = doc.summary[0].endpoint;
      assert.equal(e.sharpness_method, 'autodiff');
      close(e.sharpness, 6, 'λ_max', 1e-12);
      assert.equal(e.gap, null);
      assert.equal(e.seed, 3);
      const gauss = gaussianSource(mulberry32(hash32(3, STREAM.flatness)));
      let sum = 0;
      for (let s = 0; s < 20; s++) {
        const z = [gauss(), gauss(), gauss()];
        const zz = z[0]! ** 2 + z[1]! ** 2 + z[2]! ** 2;
        sum += 0.5 * 0.25 ** 2 * (2 * z[0]! ** 2 + 6 * z[1]! ** 2 + 1 * z[2]! ** 2) / zz;
      }
      close(e.flatness, sum / 20, 'flatness', 1e-10);
      // the table prints the same block
      const t = spawnSync(process.execPath, [join(repoRoot(), 'dist', 'cli.js'), 'compare', '--loss', file, '--steps', '0', '--optimizers', 'sgd'], { encoding: 'utf8' });
      assert.match(t.stdout, /end point \(train loss full batch; λ_max\(H\): autodiff Hessian, dense; ε-flatness: mean f\(θ\+δ\) − f\(θ\) over 20 seeded directions, ‖δ‖ = 0.05‖θ‖, seed 0\)/);
      assert.match(t.stdout, /^optimizer\s+train loss\s+λ_max\(H\)\s+ε-flatness\s+ρ$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('simulate --endpoint', () => {
  const run = (...a: string[]) => spawnSync(process.execPath, [join(repoRoot(), 'dist', 'cli.js'), ...a], { encoding: 'utf8' });
  test('canyon f = x² + 10y² (H = diag(2, 20)): trajectory.endpoint.sharpness = 20 (analytic); compare refuses the flag', () => {
    const r = run('simulate', '--loss', 'canyon', '--optimizer', 'sgd', '--lr', '0.01', '--steps', '10', '--endpoint', '--json');
    assert.equal(r.status, 0, r.stderr);
    const e = JSON.parse(r.stdout).trajectory.endpoint;
    close(e.sharpness, 20, 'λ_max');
    assert.equal(e.sharpness_method, 'analytic');
    assert.equal(e.heldout_loss, null);
    const bad = run('compare', '--loss', 'canyon', '--steps', '5', '--optimizers', 'sgd', '--endpoint');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--endpoint belongs to "simulate"/);
  });
});
