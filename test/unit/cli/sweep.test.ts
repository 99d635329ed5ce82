// sweep, compare --tune lr and lr-find as a user runs them (node dist/cli.js …).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/reference';

const CLI = join(repoRoot(), 'dist', 'cli.js');
const QUAD = join(repoRoot(), 'test', 'fixtures', 'losses', 'quadratic-curvature.loss.ts');

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface Cell { index: number[]; outcome: string; final_loss: number | string; best_loss: number | string; steps_to_tolerance: number | null; diverged_step: number | null; steps_completed: number; [k: string]: unknown }

/** compare's summary of one configured run: the reference a sweep cell must equal. */
function compareOne(loss: string, run: string, steps: number): { finalLoss: number; bestLoss: number; stepsToTolerance: number | null; diverged: boolean; stepsCompleted: number } {
  const r = cli('compare', '--loss', loss, '--steps', String(steps), '--run', run, '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).summary[0];
}

const num = (v: number | string) => (typeof v === 'number' ? v : Number(v));

describe('sweep', () => {
  test('canyon, SGD, lr × momentum (batched): random cells equal compare/simulate with the same configuration', () => {
    const r = cli('sweep', '--loss', 'canyon', '--optimizer', 'sgd', '--steps', '300', '--grid', 'lr=1e-3:1:log:12', '--grid', 'momentum=0:0.99:lin:10', '--json');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.cells.length, 120);
    assert.match(doc.kernel, /batched/);
    assert.deepEqual(doc.axes.map((a: { name: string }) => a.name), ['lr', 'momentum']);
    const outcomes = new Set(doc.cells.map((c: Cell) => c.outcome));
    assert.ok(outcomes.has('converged') && outcomes.has('diverged') && outcomes.size >= 3, [...outcomes].join(','));
    for (const k of [0, 17, 58, 77, 101, 119]) {
      const c: Cell = doc.cells[k];
      const want = compareOne('canyon', `sgd lr=${c['lr']} momentum=${c['momentum']}`, 300);
      // compare's JSON summary writes a non-finite number as null; simulate's trajectory (below) keeps it
      if (want.finalLoss === null) assert.ok(!Number.isFinite(num(c.final_loss)));
      else assert.equal(num(c.final_loss), want.finalLoss, `cell ${k}`);
      assert.equal(num(c.best_loss), want.bestLoss);
      assert.equal(c.steps_to_tolerance, want.stepsToTolerance);
      assert.equal(c.steps_completed, want.stepsCompleted);
      // and simulate's own last row
      const s = cli('simulate', '--loss', 'canyon', '--optimizer', 'sgd', `--lr=${c['lr']}`, `--momentum=${c['momentum']}`, '--steps', '300', '--json');
      const traj = JSON.parse(s.stdout).trajectory;
      assert.equal(num(traj.loss.at(-1)), num(c.final_loss));
      // the diverged step: the first row whose loss or parameters are not finite
      const bad = traj.loss.findIndex((f: number | string, t: number) => !Number.isFinite(num(f)) || !traj.params[t].every((x: number | string) => Number.isFinite(num(x))));
      assert.equal(c.diverged_step, bad < 0 ? null : bad);
      if (want.diverged) assert.ok(c.diverged_step !== null && c.diverged_step <= want.stepsCompleted);
    }
  });

  test('a loss file fans out over the pool (2 workers); cells equal compare on the same file', () => {
    const r = cli('sweep', '--loss', QUAD, '--optimizer', 'adam', '--steps', '60', '--grid', 'lr=1e-3:3:log:6', '--grid', 'betas.0=0:0.95:lin:3', '--workers', '2', '--json');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.match(doc.kernel, /runner pool \(2 workers/);
    assert.equal(doc.cells.length, 18);
    for (const k of [2, 9, 16]) {
      const c: Cell = doc.cells[k];
      const want = compareOne(QUAD, `adam lr=${c['lr']} betas=${c['betas.0']},0.999`, 60);
      assert.equal(num(c.final_loss), want.finalLoss);
      assert.equal(num(c.best_loss), want.bestLoss);
      assert.equal(c.steps_to_tolerance, want.stepsToTolerance);
    }
  });

  test('the text output: a one-axis table and a two-axis outcome map', () => {
    const one = cli('sweep', '--loss', 'rosenbrock', '--optimizer', 'adam', '--steps', '50', '--grid', 'lr=1e-3:1:log:4');
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /outcome\s+final loss\s+best loss\s+steps to tol\s+diverged at/);
    const two = cli('sweep', '--loss', 'canyon', '--optimizer', 'sgd', '--steps', '50', '--grid', 'lr=0.01:0.3:log:8', '--grid', 'momentum=0:0.9:lin:3');
    assert.equal(two.code, 0, two.stderr);
    assert.match(two.stdout, /outcome map: lr across \(log/);
    assert.equal(two.stdout.split('\n').filter((l) => / \|[Co.dX]{8}$/.test(l)).length, 3);
  });

  test('bad arguments are one-line usage errors (exit 2)', () => {
    for (const [args, msg] of [
      [['--grid', 'lr=1e-3:1:log'], /expected NAME=MIN:MAX:log\|lin:COUNT/],
      [['--grid', 'betas=0:0.9:lin:4'], /sgd has no hyperparameter "betas"/],
      [['--grid', 'lr=0:1:log:4'], /log axis needs min > 0/],
      [['--grid', 'lr=1e-3:1:log:4', '--lr', '0.1'], /also a --grid axis/],
      [['--grid', 'lr=1e-3:1:log:4', '--grid', 'momentum=0:1:lin:2', '--grid', 'dampening=0:1:lin:2'], /one or two --grid/],
      [['--grid', 'nesterov=0:1:lin:2'], /flag, not a number/],
    ] as const) {
      const r = cli('sweep', '--loss', 'canyon', '--optimizer', 'sgd', '--steps', '10', ...args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
    const pair = cli('sweep', '--loss', 'canyon', '--optimizer', 'adam', '--steps', '10', '--grid', 'betas=0:0.9:lin:4');
    assert.equal(pair.code, 2);
    assert.match(pair.stderr, /betas\.0 or betas\.1/);
    const csv = cli('sweep', '--loss', 'canyon', '--optimizer', 'sgd', '--steps', '10', '--grid', 'lr=1e-3:1:log:4', '--csv');
    assert.equal(csv.code, 2);
    assert.match(csv.stderr, /--csv does not apply to sweep/);
    const r = cli('simulate', '--loss', 'canyon', '--optimizer', 'sgd', '--steps', '10', '--grid', 'lr=1e-3:1:log:4');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--grid belongs to "sweep"/);
  });

  test('--export ray-tune prints a Python script for the same grid (syntax checked with python3 when present)', (t) => {
    const r = cli('sweep', '--loss', 'rosenbrock', '--optimizer', 'adam', '--steps', '100', '--grid', 'lr=1e-3:1:log:4', '--grid', 'betas.0=0.5:0.95:lin:3', '--export', 'ray-tune');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /torch\.optim\.Adam\(\[p\], \*\*hp\)/);
    assert.match(r.stdout, /"lr": tune\.grid_search\(\[0\.001, 0\.01, 0\.1, 1\]\)/);
    assert.match(r.stdout, /"betas\.0": tune\.grid_search\(\[0\.5, 0\.725, 0\.95\]\)/);
    // the fixed hyperparameters as optimizer-diagnostics resolves them (the swept lr is not among them)
    assert.match(r.stdout, /BASE = \{\n    "betas": \(0\.9, 0\.999\),\n    "eps": 1e-8,\n    "weight_decay": 0,\n    "amsgrad": False,\n    "maximize": False,\n\}/);
    const py = spawnSync('python3', ['-c', 'import ast,sys; ast.parse(sys.stdin.read())'], { input: r.stdout, encoding: 'utf8' });
    if (py.error) {
      t.skip('python3 is not installed');
      return;
    }
    assert.equal(py.status, 0, py.stderr);
    const bad = cli('sweep', '--loss', 'canyon', '--optimizer', 'lion', '--steps', '10', '--grid', 'lr=1e-3:1:log:4', '--export', 'ray-tune');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no torch\.optim class/);
  });
});

describe('compare --tune lr', () => {
  test('GD on a loss file with curvature λ = 4 is tuned to lr = 1/λ (steps objective), with the same budget for every optimizer', () => {
    const r = cli('compare', '--loss', QUAD, '--optimizers', 'sgd,adam', '--steps', '40', '--tune', 'lr', '--objective', 'steps', '--workers', '2', '--json');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.budget, { grid: 19, golden: 12, runs_per_optimizer: 31 });
    const [sgd, adam] = doc.optimizers;
    assert.ok(Math.abs(sgd.tuned_lr * 4 - 1) < 0.01, `tuned ${sgd.tuned_lr}`);
    assert.equal(sgd.sensitivity.length, 31);
    assert.equal(adam.sensitivity.length, 31);
    assert.equal(sgd.summary.stepsToTolerance, sgd.objective[0]);
  });

  test('built-in canyon, final-loss objective: the table is printed at the tuned learning rates', () => {
    const r = cli('compare', '--loss', 'canyon', '--optimizers', 'sgd,rmsprop', '--steps', '100', '--tune', 'lr');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /budget: 19 grid runs .* = 31 runs of 100 steps per optimizer/);
    assert.match(r.stdout, /sgd \(lr [0-9.e-]+\)/);
    const bad = cli('compare', '--loss', 'canyon', '--optimizers', 'sgd', '--steps', '10', '--tune', 'lr', '--lr', '0.1');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /do not also give lr/);
  });
});

describe('lr-find', () => {
  for (const [loss, limit] of [['canyon', 0.1], [QUAD, 0.5]] as const) {
    test(`GD on ${loss === QUAD ? 'a loss file with λ = 4' : 'canyon (λ max = 20)'}: lr grows per step, the test stops only past 2/λ = ${limit}`, () => {
      const r = cli('lr-find', '--loss', loss, '--optimizer', 'sgd', '--steps', '120', '--json');
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.stop, 'diverged');
      const pts = doc.points;
      assert.equal(pts[0].lr, 1e-7);
      for (let i = 1; i < pts.length; i++) assert.ok(Math.abs(pts[i].lr / pts[i - 1].lr - (1e8) ** (1 / 119)) < 1e-9);
      assert.ok(pts.at(-1).lr > limit);
      assert.ok(pts.at(-1).smoothed > 4 * Math.min(...pts.slice(0, -1).map((p: { smoothed: number }) => p.smoothed)));
      for (const k of ['steepest', 'valley', 'min_over_10']) assert.ok(doc.suggestions[k].lr > 0, k);
    });
  }
});
