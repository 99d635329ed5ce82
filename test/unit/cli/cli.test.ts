// The CLI as a user runs it: `node dist/cli.js …` (built by `node esbuild.mjs`, which `npm test` runs first).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, UsageError } from '../../../src/cli/args';
import { close, loadCase, listCases, repoRoot } from '../helpers/reference';

const CLI = join(repoRoot(), 'dist', 'cli.js');

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('optimizer-diagnostics CLI', () => {
  test('simulate --json prints the trajectory in the reference row conventions', () => {
    const r = cli('simulate', '--loss', 'rosenbrock', '--optimizer', 'adam', '--lr', '0.01', '--steps', '200', '--json');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.loss, 'rosenbrock');
    assert.deepEqual(doc.optimizer, { name: 'adam', hyperparameters: { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false } });
    assert.equal(doc.steps_completed, 200);
    assert.equal(doc.diverged, false);
    const t = doc.trajectory;
    assert.deepEqual(t.params[0], [-1.5, 2]);
    assert.equal(t.params.length, 201);
    assert.equal(t.loss.length, 201);
    assert.equal(t.grad.length, 200);
    assert.deepEqual(Object.keys(t.state).sort(), ['exp_avg', 'exp_avg_sq']);
    assert.equal(t.state.exp_avg.length, 200);
    assert.equal(t.effective_lr.length, 200);
    assert.deepEqual(Object.keys(t.diagnostics).sort(), ['exp_avg_hat', 'exp_avg_sq_hat']);
    assert.deepEqual(t.scalar_state.step.slice(0, 3), [1, 2, 3]);
    // first step by hand: m̂ = g, v̂ = g² → θ₁ = θ₀ − 0.01·g/(|g| + 1e-8) ≈ θ₀ − 0.01·sign(g)
    assert.ok(Math.abs(t.params[1][0] - -1.49) < 1e-9 && Math.abs(t.params[1][1] - 2.01) < 1e-9);
  });

  test('every torch reference case reproduces through the CLI (rtol 1e-9): built-ins, and quad5/logreg as loss files without grad', () => {
    const lossArg: Record<string, string> = {
      canyon: 'canyon', rosenbrock: 'rosenbrock', beale: 'beale',
      quad5: join(repoRoot(), 'examples', 'quad5.loss.ts'),
      logreg: join(repoRoot(), 'examples', 'logistic-regression.loss.ts'),
    };
    let checked = 0;
    for (const file of listCases('torch')) {
      const c = loadCase(file);
      if (c.case_id === 'torch__canyon__nadam') continue; // torch 1.13's buggy NAdam, see conformance.test.ts
      const sign = c.optimizer.gradient_transform === 'sign';
      const args = ['simulate', '--loss', lossArg[c.function.name]!, '--optimizer', sign ? 'signsgd' : c.optimizer.family, `--steps=${c.steps_requested}`, `--init=${c.start.join(',')}`, '--json'];
      for (const [k, v] of Object.entries(c.optimizer.hyperparameters)) {
        if (['foreach', 'differentiable', 'capturable', 'fused'].includes(k) || v === null) continue;
        if (sign && !['lr', 'weight_decay', 'maximize'].includes(k)) continue;
        if (typeof v === 'boolean') args.push(`--${k.replace(/_/g, '-')}=${v}`);
        else args.push(`--${k.replace(/_/g, '-')}=${Array.isArray(v) ? v.join(',') : v}`);
      }
      const r = cli(...args);
      assert.equal(r.code, 0, `${c.case_id}: ${r.stderr}`);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.steps_completed, c.steps_completed, c.case_id);
      assert.equal(doc.diverged, c.diverged, c.case_id);
      if (c.function.dim > 2) assert.equal(doc.loss.gradient, 'autodiff', `${c.case_id}: the loss file has no grad export`);
      const num = (x: number | string) => (typeof x === 'string' ? Number(x) : x);
      const cmp = (what: string, want: number[][], got: (number | string)[][]) =>
        want.forEach((row, t) => row.forEach((w, i) => {
          const g = num(got[t]![i]!);
          assert.ok(close(g, w, 1e-9, 1e-12), `${c.case_id} ${what}[${t}][${i}]: ${g} vs ${w}`);
        }));
      cmp('params', c.trajectory.params, doc.trajectory.params);
      cmp('grad', c.trajectory.grad, doc.trajectory.grad);
      for (const [name, rows] of Object.entries(c.trajectory.state)) cmp(`state.${name}`, rows, doc.trajectory.state[name]);
      checked++;
    }
    assert.equal(checked, 21);
  });

  test('a diverging run says so at the right step and writes non-finite numbers as strings', () => {
    const r = cli('simulate', '--loss', 'rosenbrock', '--optimizer', 'sgd', '--lr=0.003', '--steps', '200', '--json');
    assert.equal(r.code, 0);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.diverged, true);
    assert.equal(doc.steps_completed, 9);
    assert.equal(doc.stop_reason, 'diverged at step 9: non-finite parameter x');
    assert.deepEqual(doc.trajectory.params[9], ['Infinity', 'Infinity']);
    assert.equal(doc.trajectory.loss[9], 'NaN');
    const human = cli('simulate', '--loss', 'rosenbrock', '--optimizer', 'sgd', '--lr', '0.003', '--steps', '200');
    assert.match(human.stdout, /diverged at step 9: non-finite parameter x \(of 200 requested\); the 9 steps before are kept/);
  });

  test('--name=value and --name value, negative numbers with =, pairs, switches, --out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'od-cli-'));
    try {
      const out = join(dir, 'run.json');
      const r = cli('simulate', '--loss=canyon', '--optimizer', 'adam', '--steps=3', '--init=-1.5,2', '--betas', '0.5,0.9', '--amsgrad', '--eps=0', '--out', out);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /completed 3 steps/);
      const doc = JSON.parse(readFileSync(out, 'utf8'));
      assert.deepEqual(doc.trajectory.params[0], [-1.5, 2]);
      assert.deepEqual(doc.optimizer.hyperparameters.betas, [0.5, 0.9]);
      assert.equal(doc.optimizer.hyperparameters.amsgrad, true);
      assert.deepEqual(Object.keys(doc.trajectory.state).sort(), ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const bad: [string[], RegExp][] = [
    [['simulate', '--loss', 'canyon', '--optimizer', 'sgd', '--steps', '3', '--bogus', '1'], /unknown flag --bogus/],
    [['simulate', '--loss', 'canyon', '--optimizer', 'sgd', '--steps', 'many'], /--steps: expected a number, got "many"/],
    [['simulate', '--loss', 'canyon', '--optimizer', 'sgd', '--steps', '3', '--lr=-1'], /sgd: invalid lr: learning rate must be >= 0, got -1/],
    [['simulate', '--loss', 'canyon', '--optimizer', 'sgd', '--steps', '3', '--nesterov'], /Nesterov momentum requires a momentum > 0/],
    [['simulate', '--loss', 'canyon', '--optimizer', 'sgd', '--steps', '3', '--amsgrad'], /--amsgrad does not apply to sgd/],
    [['simulate', '--loss', 'canyon', '--optimizer', 'adamm', '--steps', '3'], /unknown optimizer "adamm"/],
    [['simulate', '--loss', 'nowhere', '--optimizer', 'sgd', '--steps', '3'], /nowhere/],
    [['simulate', '--loss', 'canyon', '--optimizer', 'adam', '--steps', '3', '--betas', '0.9'], /--betas: expected two numbers/],
    [['simulate', '--loss', 'canyon', '--optimizer', 'sgd', '--steps', '3', '--init=1,2,3'], /--init has 3 values, but canyon has 2 parameters/],
    [['simulate', '--optimizer', 'sgd', '--steps', '3'], /--loss is required/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['simulate', '--loss', join(repoRoot(), 'test/fixtures/losses/syntax-error.loss.mjs'), '--optimizer', 'sgd', '--steps', '3'], /syntax-error\.loss\.mjs:4:18: syntax error/],
    [['simulate', '--loss', join(repoRoot(), 'test/fixtures/losses/throws.loss.ts'), '--optimizer', 'sgd', '--steps', '3'], /throws\.loss\.ts:5:11: loss\(\) threw at step 0/],
    [['simulate', '--loss', join(repoRoot(), 'test/fixtures/losses/returns-nan.loss.ts'), '--optimizer', 'sgd', '--steps', '3'], /returns-nan\.loss\.ts:6:12: the loss left its domain at step 0: Math\.sqrt\(-2\) is NaN \(finite operands, finite parameters\)/],
    [['simulate', '--loss', join(repoRoot(), 'test/fixtures/losses/bitwise.loss.js'), '--optimizer', 'sgd', '--steps', '3'], /bitwise\.loss\.js:5:15: cannot differentiate the bitwise operator \|.*add a grad\(p, batch\) export or use the numeric gradient mode/],
  ];
  for (const [args, re] of bad) {
    test(`exits non-zero with one line: ${args.slice(1).join(' ')}`, () => {
      const r = cli(...args);
      assert.notEqual(r.code, 0);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, re);
    });
  }

  test('NaN after 46 good steps (issue 8 item 5): the rows so far, then the operation, its position and operand', () => {
    const r = cli('simulate', '--loss', join(repoRoot(), 'test/fixtures/losses/nan-sqrt-domain.loss.ts'), '--optimizer', 'sgd', '--lr', '0.01', '--steps', '100', '--json');
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /nan-sqrt-domain\.loss\.ts:9:25: the loss left its domain at step 46: Math\.sqrt\(-0\.02589846\d*\) is NaN \(finite operands, finite parameters\); loss\(\) returned NaN\s*$/);
    const out = JSON.parse(r.stdout);
    assert.equal(out.steps_completed, 46);
    assert.equal(out.diverged, false, 'the loss left its domain: not a divergence of the parameters');
  });

  test('a loss file that loops forever is stopped by the watchdog with a clear one-line error', () => {
    const t0 = Date.now();
    const r = cli('simulate', '--loss', join(repoRoot(), 'test/fixtures/losses/infinite-loop.loss.ts'), '--optimizer', 'sgd', '--steps', '3', '--timeout', '1000');
    assert.equal(r.code, 1);
    assert.match(r.stderr.trim(), /^optimizer-diagnostics: .*infinite-loop\.loss\.ts:6:3: no progress for 1000 ms while checking the loss at its start point: does loss\(\) loop forever\? the loss process was stopped/);
    assert.ok(Date.now() - t0 < 8000, 'returns soon after the timeout');
  });

  test('compare prints a table with final loss, steps to tolerance and divergence', () => {
    const r = cli('compare', '--loss', 'canyon', '--steps', '1000', '--optimizers', 'sgd,adam', '--lr', '0.05', '--run', 'sgd lr=0.2', '--tolerance', '1e-6');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[1]!, /^optimizer\s+final loss\s+best loss\s+steps to f − f\* ≤ 0.000001\s+diverged\?$/);
    assert.match(lines[3]!, /^sgd\s+\S+\s+\S+\s+\d+\s+no$/);
    // lr 0.2 > 2/20: y ← y − 0.2·20y = −3y grows until it overflows
    assert.match(lines[5]!, /^sgd lr=0.2\s+.*yes, at step \d+$/);
    const j = JSON.parse(cli('compare', '--loss', 'canyon', '--steps', '50', '--optimizers', 'sgd,adam,rmsprop', '--json').stdout);
    assert.equal(j.summary.length, 3);
    assert.equal(j.runs.length, 3);
  });

  test('help and list', () => {
    assert.match(cli('help').stdout, /usage: optimizer-diagnostics simulate --loss/);
    assert.match(cli('help', 'compare').stdout, /--tolerance/);
    const list = cli('list').stdout;
    for (const n of ['sgd', 'adagrad', 'rmsprop', 'adam', 'adamw', 'adamax', 'nadam', 'radam', 'adadelta', 'rprop', 'signsgd', 'lion', 'canyon', 'flat-sharp']) assert.match(list, new RegExp(`\\b${n}\\b`));
  });

  test('a value that starts with a single dash is taken as the value', () => {
    const r = cli('simulate', '--loss', 'canyon', '--optimizer', 'sgd', '--steps', '1', '--init', '-1,2', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).trajectory.params[0], [-1, 2]);
  });

  test('parseArgs: the --name value and --name=value forms agree', () => {
    const a = parseArgs(['simulate', '--loss', 'canyon', '--optimizer', 'rprop', '--steps', '5', '--etas', '0.4,1.3', '--step-sizes', '1e-5,10']);
    const b = parseArgs(['simulate', '--loss=canyon', '--optimizer=rprop', '--steps=5', '--etas=0.4,1.3', '--step-sizes=1e-5,10']);
    assert.deepEqual(a, b);
    assert.throws(() => parseArgs(['simulate', '--loss', 'x', '--steps', '1', '--lr', '1', '--lr', '2', '--optimizer', 'sgd']), UsageError);
  });
});
