// The CLI as a user runs it: `node dist/cli.js …` (built by `node esbuild.mjs`, which `npm test` runs first).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { helpText, parseArgs, UsageError } from '../../../src/cli/args';
import { writeFileAtomic } from '../../../src/host/util/atomicWrite';
import { formatLossError } from '../../../src/protocol/simulation';
import { close, loadCase, listCases, repoRoot } from '../helpers/reference';

const CLI = join(repoRoot(), 'dist', 'cli.js');

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function withDir<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'od-cli-'));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sim = (...more: string[]) => ['simulate', '--loss', 'canyon', '--optimizer', 'sgd', '--steps', '3', ...more];

describe('optimizer-diagnostics CLI', () => {
  test('simulate --json prints the trajectory in the reference row conventions', () => {
    const r = cli('simulate', '--loss', 'rosenbrock', '--optimizer', 'adam', '--lr', '0.01', '--steps', '200', '--json');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.loss, 'rosenbrock');
    assert.deepEqual(doc.optimizer, { name: 'adam', hyperparameters: { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false, bias_correction: true } });
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

  // ---------------------------------------------------------------- numbers, usage errors, one-line messages
  const usage: [string[], RegExp][] = [
    [['simulate', '--loss', 'canyon', '--optimizer', 'sgd', '--steps=0x10'], /--steps: expected a number, got "0x10" \(decimal numbers only: no hex, binary or octal\)/],
    [sim('--lr=0b11'), /--lr: expected a number, got "0b11" \(decimal numbers only/],
    [sim('--lr=0o7'), /--lr: expected a number, got "0o7"/],
    [sim('--init=0x1,2'), /--init: expected a number, got "0x1"/],
    [sim('--lr=1_000'), /--lr: expected a number, got "1_000"/],
    [sim('--timeout', '1e10'), /--timeout: expected an integer from 1 to 2,147,483,647, got "1e10"/],
    [sim('--seed', '1e300'), /--seed: expected an integer from 0 to 9,007,199,254,740,991, got "1e300"/],
    [sim('--out='), /--out needs a file name \(got an empty value\)/],
    [['simulate', '--loss', 'canyon', '--optimizer', 'sgd', '--steps', '2000000000'], /--steps: expected an integer from 0 to 1,000,000,000, got "2000000000"/],
    [['simulate', '--loss', 'no-such-loss', '--optimizer', 'sgd', '--steps', '3'], /unknown loss "no-such-loss": not a built-in/],
    [sim('--json', '--csv'), /--json and --csv both write to stdout/],
    [sim('--memory-budget-mb', '8'), /--memory-budget-mb: expected an integer from 16 to 65,536/],
  ];
  for (const [args, re] of usage) {
    test(`usage error, exit 2, one line: ${args.slice(1).join(' ')}`, () => {
      const r = cli(...args);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.split('\n').length, 2, r.stderr);
      assert.match(r.stderr, re);
    });
  }

  test('a newline or an escape code in a value stays on the one error line, escaped', () => {
    const r = cli('simulate', '--loss', 'canyon', '--optimizer', 'sgd', '--steps=1\n2\u001b[31m');
    assert.equal(r.code, 2);
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
    assert.ok(!r.stderr.includes('\u001b'), 'no raw escape code reaches the terminal');
    assert.match(r.stderr, /--steps: expected a number, got "1\\n2\\u001b\[31m"/);
  });

  test('a 50 MB thrown message is cut to one short line that says how long it was', () => {
    withDir((dir) => {
      const f = join(dir, 'huge.loss.js');
      writeFileSync(f, "export default { params: { x: 1 }, loss(p) { throw new Error('x'.repeat(50_000_000)); } };\n");
      const r = cli('simulate', '--loss', f, '--optimizer', 'sgd', '--steps', '3', '--gradient', 'numeric');
      assert.equal(r.code, 1);
      assert.equal(r.stderr.split('\n').length, 2);
      assert.ok(r.stderr.length < 2600, `${r.stderr.length} characters`);
      assert.match(r.stderr, /huge\.loss\.js:1:\d+: loss\(\) threw at step 0: x+… \(50,000,\d{3} characters\)\n$/);
    });
  });

  test('file names with (, a newline or an escape code: located, escaped, on one line', () => {
    withDir((dir) => {
      const sub = join(dir, 'my (1)');
      mkdirSync(sub);
      const f = join(sub, 'odd (2)\n\u001b[31mname.loss.js');
      writeFileSync(f, "export default {\n  params: { x: 1 },\n  loss(p) {\n    throw new Error('boom');\n  },\n};\n");
      const r = cli('simulate', '--loss', f, '--optimizer', 'sgd', '--steps', '3', '--gradient', 'numeric');
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr.split('\n').length, 2, r.stderr);
      assert.ok(!r.stderr.includes('\u001b'));
      assert.match(r.stderr, /my \(1\)\/odd \(2\)\\n\\u001b\[31mname\.loss\.js:4:\d+: loss\(\) threw at step 0: boom/);
    });
    assert.equal(formatLossError({ kind: 'threw', message: 'a\nb', file: '/x/a\tb.loss.ts', line: 3, column: 2 }), '/x/a\\tb.loss.ts:3:2: a\\nb');
  });

  test('a run that fails at step 2 says "stopped at step 2:" once and keeps the table', () => {
    withDir((dir) => {
      const f = join(dir, 'late.loss.js');
      // SGD lr 0.1 on x²: x = 1, 0.8, 0.64 — the loss throws from x < 0.7, i.e. at step 2.
      writeFileSync(f, "export default { params: { x: 1 }, loss(p) { if (p.x < 0.7) throw new Error('late'); return p.x * p.x; } };\n");
      const r = cli('simulate', '--loss', f, '--optimizer', 'sgd', '--lr', '0.1', '--steps', '20', '--gradient', 'numeric');
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout.match(/stopped at step/g)?.length, 1, r.stdout);
      assert.match(r.stdout, /^stopped at step 2: .*late\.loss\.js:1:\d+: loss\(\) threw at step 2: late$/m);
    });
  });

  test('--eps help is per optimizer (AdaGrad, Adam family, Adamax, Adadelta differ)', () => {
    const help = helpText();
    const at = help.split('\n').findIndex((l) => l.startsWith('  --eps X'));
    const lines = help.split('\n').slice(at, at + 6).join('\n');
    assert.match(lines, /ε added to √s \(outside the square root\) \(default 1e-10\) \[adagrad\]/);
    assert.match(lines, /ε added to the root of the second moment \(outside the square root\) \(default 1e-8\) \[adam, adamw, nadam, radam\]/);
    assert.match(lines, /ε added to \|g\| inside the max \(default 1e-8\) \[adamax\]/);
    assert.match(lines, /ε inside both square roots \(default 1e-6\) \[adadelta\]/);
  });

  // ---------------------------------------------------------------- output: streaming, CSV, atomic --out
  test('--csv and --out FILE.csv write the per-step CSV (compare: one file with a run column)', () => {
    const r = cli('simulate', '--loss', 'canyon', '--optimizer', 'adam', '--steps', '10', '--csv');
    assert.equal(r.code, 0, r.stderr);
    const rows = Papa.parse<Record<string, string>>(r.stdout.trim(), { header: true }).data;
    assert.equal(rows.length, 11);
    assert.ok('exp_avg[x]' in rows[0]!);
    withDir((dir) => {
      const out = join(dir, 'cmp.csv');
      const c = cli('compare', '--loss', 'canyon', '--steps', '10', '--optimizers', 'sgd,adam', '--out', out);
      assert.equal(c.code, 0, c.stderr);
      const cmp = Papa.parse<Record<string, string>>(readFileSync(out, 'utf8').trim(), { header: true }).data;
      assert.equal(cmp.length, 22);
      assert.deepEqual([...new Set(cmp.map((x) => x['run']))], ['sgd', 'adam']);
      const j = join(dir, 'cmp.json');
      assert.equal(cli('compare', '--loss', 'canyon', '--steps', '10', '--optimizers', 'sgd,adam', '--out', j).code, 0);
      const doc = JSON.parse(readFileSync(j, 'utf8'));
      assert.deepEqual(Object.keys(doc), ['loss', 'tolerance', 'summary', 'runs'], '--out writes what --json prints');
    });
  });

  test('--out is atomic: a failed write leaves the old file as it was, no temporary file, and names the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'od-cli-'));
    try {
      const target = join(dir, 'result.json');
      writeFileSync(target, 'old\n');
      function* failing(): Generator<string> {
        yield 'x'.repeat(3 << 20);
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      await assert.rejects(writeFileAtomic(target, failing()), new RegExp(`^Error: cannot write ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOSPC: no space left on device, write$`));
      assert.equal(readFileSync(target, 'utf8'), 'old\n');
      assert.deepEqual(readdirSync(dir), ['result.json']);
      await writeFileAtomic(target, ['{"a":', '1}\n']);
      assert.equal(readFileSync(target, 'utf8'), '{"a":1}\n');
      assert.deepEqual(readdirSync(dir), ['result.json']);
      // Through the CLI: a folder that does not exist is an error naming the file, exit 1.
      const missing = join(dir, 'no', 'such', 'out.json');
      const r = cli(...sim('--out', missing));
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`cannot write ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('long runs stay within --memory-budget-mb: downsampled, the last step kept, JSON streamed with its sampling', () => {
    const r = cli('simulate', '--loss', 'canyon', '--optimizer', 'adam', '--lr', '0.01', '--steps', '300000', '--memory-budget-mb', '16', '--json');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.steps_completed, 300_000);
    assert.ok(doc.sampling, 'downsampled');
    assert.equal(doc.sampling.steps.at(-1), 300_000);
    assert.equal(doc.trajectory.params.length, doc.sampling.steps.length);
    assert.ok(doc.sampling.steps.length * 8 * 21 <= 16 * 2 ** 20, 'rows × bytes per row within the budget');
    const human = cli('simulate', '--loss', 'canyon', '--optimizer', 'adam', '--lr', '0.01', '--steps', '300000', '--memory-budget-mb', '16');
    assert.match(human.stdout, /^note: recorded (about )?every [\d,]+th step after step [\d,]+.*, to stay within --memory-budget-mb 16$/m);
    assert.match(human.stdout, /\n\s*300000\s+\S+/, 'the table ends at the last step');
  });
  test('--memory-limit-mb sets the loss process limit: an out-of-memory loss file is stopped at that limit, exit 1; out-of-range values exit 2', () => {
    const oom = join(repoRoot(), 'test', 'fixtures', 'losses', 'attack-oom.loss.js');
    const r = cli('simulate', '--loss', oom, '--optimizer', 'sgd', '--steps', '3', '--gradient', 'numeric', '--memory-limit-mb', '96');
    assert.equal(r.code, 1, r.stderr);
    // V8's own heap report is not the loss's output: the CLI's one-line error is all stderr holds.
    assert.ok(!/Last few GCs|FATAL ERROR|Native stack trace/.test(r.stderr), r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim().split('\n').at(-1) ?? '', /^optimizer-diagnostics: .*attack-oom\.loss\.js: out of memory \(96 MB limit\) .*the loss process ran out of heap and was stopped$/);
    for (const bad of ['10', '0x100', '70000']) assert.equal(cli(...sim('--memory-limit-mb', bad)).code, 2, bad);
  });
});
