// `optimizer-diagnostics hessian` and `simulate --curvature` as a user runs them (node dist/cli.js …).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/reference';

const CLI = join(repoRoot(), 'dist', 'cli.js');
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};

describe('hessian CLI', () => {
  test('built-in: the issue\'s JSON shape, --at, method analytic', () => {
    const r = cli('hessian', '--loss', 'rosenbrock', '--at=1,1', '--json');
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(d), ['loss', 'gradient', 'hessian', 'eigenvalues', 'method']);
    assert.equal(d.loss, 0);
    assert.deepEqual(d.gradient, [0, 0]);
    assert.deepEqual(d.hessian, [[802, -400], [-400, 200]]);
    assert.equal(d.method, 'analytic');
    // eigenvalues of [[802, −400], [−400, 200]]: 501 ± √(301² + 400²)
    const r0 = Math.sqrt(301 ** 2 + 400 ** 2);
    assert.ok(Math.abs(d.eigenvalues[0] - (501 - r0)) < 1e-10 && Math.abs(d.eigenvalues[1] - (501 + r0)) < 1e-9);
  });

  test('loss file (runs in the loss process): quad5 at its start, method autodiff; the start point by default', () => {
    const r = cli('hessian', '--loss', join(repoRoot(), 'examples', 'quad5.loss.ts'), '--json');
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.method, 'autodiff');
    assert.deepEqual(d.hessian, [[4, 1, 0.5, 0, 0], [1, 3, 0.2, 0.3, 0], [0.5, 0.2, 2, 0.4, 0.1], [0, 0.3, 0.4, 1, 0.2], [0, 0, 0.1, 0.2, 0.3]]);
    assert.equal(d.eigenvalues.length, 5);
    assert.ok(d.eigenvalues.every((v: number, i: number) => i === 0 || v >= d.eigenvalues[i - 1]));
  });

  test('--top-k switches to Lanczos; n > 2000 without it is a one-line error pointing at --top-k', () => {
    const top = cli('hessian', '--loss', join(repoRoot(), 'examples', 'quad5.loss.ts'), '--top-k', '1', '--json');
    assert.equal(top.code, 0, top.stderr);
    const t = JSON.parse(top.stdout);
    assert.ok(Math.abs(t.largest[0] - 4.736179363103506) < 1e-9 && Math.abs(t.smallest[0] - 0.2443511361951238) < 1e-9);
    assert.equal(t.hessian, undefined);
    const dir = mkdtempSync(join(tmpdir(), 'od-hess-'));
    try {
      const file = join(dir, 'big.loss.ts');
      // eigenvalues 2·c_i: 2002 (i = 0), 0.2 (i = 1), 2 for the other 1,999
      writeFileSync(file, 'export default { params: { w: Array.from({ length: 2001 }, () => 0.5) }, loss(p) { let s = 0; for (let i = 0; i < p.w.length; i++) s += (i === 0 ? 1001 : i === 1 ? 0.1 : 1) * p.w[i] * p.w[i]; return s; } };\n');
      const big = cli('hessian', '--loss', file);
      assert.equal(big.code, 2);
      assert.equal(big.stderr.trim().split('\n').length, 1);
      assert.match(big.stderr, /--top-k/);
      const ok = cli('hessian', '--loss', file, '--top-k', '2', '--json');
      assert.equal(ok.code, 0, ok.stderr);
      const d = JSON.parse(ok.stdout);
      assert.ok(Math.abs(d.largest[0] - 2002) < 1e-8 && Math.abs(d.smallest[0] - 0.2) < 1e-10, ok.stdout.slice(0, 300));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad arguments exit 2 with one line', () => {
    for (const args of [['hessian', '--loss', 'canyon', '--at=1'], ['hessian', '--loss', 'canyon', '--top-k', '0'], ['hessian', '--loss', 'canyon', '--steps', '3'], ['simulate', '--loss', 'canyon', '--optimizer', 'sgd', '--steps', '3', '--curvature-every', '2']]) {
      const r = cli(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });

  test('simulate --curvature: trajectory.curvature with one entry per point; canyon GD lr 0.09 vs 0.11', () => {
    for (const [lr, below] of [['0.09', true], ['0.11', false]] as const) {
      const r = cli('simulate', '--loss', 'canyon', '--optimizer', 'sgd', '--lr', lr, '--steps', '20', '--curvature', '--curvature-every', '4', '--json');
      assert.equal(r.code, 0, r.stderr);
      const c = JSON.parse(r.stdout).trajectory.curvature;
      for (const k of ['hessian_max_eig', 'hessian_min_eig', 'preconditioned_max_eig', 'stability_threshold', 'alpha', 'lanczos_iterations']) assert.equal(c[k].length, 21, k);
      assert.equal(c.hessian_max_eig[4], 20);
      assert.equal(c.hessian_max_eig[5], null);
      assert.equal(c.alpha[0], null);
      assert.equal(c.method, 'analytic');
      assert.equal(c.hessian_max_eig[0] < c.stability_threshold[0], below);
    }
    const adam = cli('simulate', '--loss', join(repoRoot(), 'examples', 'quad5.loss.ts'), '--optimizer', 'adam', '--lr', '0.1', '--steps', '6', '--curvature', '--json');
    assert.equal(adam.code, 0, adam.stderr);
    const c = JSON.parse(adam.stdout).trajectory.curvature;
    assert.equal(c.method, 'autodiff');
    assert.equal(c.preconditioned_max_eig[0], null);
    assert.ok(c.preconditioned_max_eig[3] > 0);
    assert.ok(Math.abs(c.hessian_max_eig[2] - 4.736179363103506) < 1e-9);
    assert.ok(c.lanczos_iterations[2] > 0);
    assert.ok(Math.abs(c.stability_threshold[1] - 38 / 0.1) < 1e-9);
  });
});
