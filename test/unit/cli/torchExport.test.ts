// `simulate --export-torch FILE.py` (issue 13 §1): export, then run the script with Debian's python3-torch
// (/usr/bin/python3; skipped with a message when torch is missing) and read its check line. Covers every public
// torch reference case, every example loss file, and the construct fixtures of test/fixtures/torch-export.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { translateLossModule, TorchTranslateError } from '../../../src/core/torchTranslate';
import { entriesOf } from '../../../src/loss/torchExport';
import { loadCase, listCases, repoRoot } from '../helpers/reference';

const CLI = join(repoRoot(), 'dist', 'cli.js');
const PYTHON = '/usr/bin/python3';
const torchProbe = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
const TORCH = torchProbe.status === 0 ? torchProbe.stdout.trim() : null;
const SKIP = TORCH ? false : `needs torch under ${PYTHON} (Debian python3-torch; .ci/run installs it): ${(torchProbe.stderr || String(torchProbe.error ?? '')).trim().split('\n').pop()}`;

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs every script in one Python process (torch is imported once): `runpy` per file, its stdout captured and its
 * exit status kept. Returns file → { code, out }.
 */
function runScripts(files: readonly string[]): Map<string, { code: number; out: string }> {
  const driver = `
import io, json, runpy, sys, contextlib
res = {}
for f in json.loads(sys.argv[1]):
    buf = io.StringIO()
    code = 0
    try:
        with contextlib.redirect_stdout(buf):
            runpy.run_path(f, run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
        if isinstance(e.code, str):
            buf.write(e.code)
    except Exception as e:
        code = 3
        buf.write("%s: %s" % (type(e).__name__, e))
    res[f] = {"code": code, "out": buf.getvalue()}
print(json.dumps(res))
`;
  const r = spawnSync(PYTHON, ['-c', driver, JSON.stringify(files)], { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 600_000 });
  assert.equal(r.status, 0, r.stderr);
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, { code: number; out: string }>));
}

const MATCH = /^matches Optimizer Diagnostics: (\d+) steps, max rel\. deviation (\S+)/m;

function withDir<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'od-torch-'));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The CLI flags of a reference case (as test/unit/cli/cli.test.ts builds them). */
function caseArgs(file: string): { id: string; steps: number; args: string[]; byHand: boolean } {
  const c = loadCase(file);
  const lossArg: Record<string, string> = {
    canyon: 'canyon', rosenbrock: 'rosenbrock', beale: 'beale',
    quad5: join(repoRoot(), 'examples', 'quad5.loss.ts'),
    logreg: join(repoRoot(), 'examples', 'logistic-regression.loss.ts'),
  };
  const sign = c.optimizer.gradient_transform === 'sign';
  const args = ['simulate', '--loss', lossArg[c.function.name]!, '--optimizer', sign ? 'signsgd' : c.optimizer.family, `--steps=${c.steps_requested}`, `--init=${c.start.join(',')}`];
  for (const [k, v] of Object.entries(c.optimizer.hyperparameters)) {
    if (['foreach', 'differentiable', 'capturable', 'fused'].includes(k) || v === null) continue;
    if (sign && !['lr', 'weight_decay', 'maximize'].includes(k)) continue;
    args.push(`--${k.replace(/_/g, '-')}=${Array.isArray(v) ? v.join(',') : v}`);
  }
  return { id: c.case_id, steps: c.steps_completed, args, byHand: sign };
}

describe('PyTorch export (--export-torch)', () => {
  test('every public torch reference case: the exported script re-runs it in torch and prints its match line', { skip: SKIP }, () => {
    withDir((dir) => {
      const cases = listCases('torch').map(caseArgs).filter((c) => c.id !== 'torch__canyon__nadam'); // torch 1.13's single-tensor NAdam bug: the script uses foreach (nadam_foreach)
      const scripts: string[] = [];
      for (const c of cases) {
        const py = join(dir, `${c.id}.py`);
        const r = cli(...c.args, '--export-torch', py);
        assert.equal(r.code, 0, `${c.id}: ${r.stderr}`);
        scripts.push(py);
      }
      const res = runScripts(scripts);
      cases.forEach((c, k) => {
        const r = res.get(scripts[k]!)!;
        assert.equal(r.code, 0, `${c.id}: ${r.out}`);
        const m = MATCH.exec(r.out);
        assert.ok(m, `${c.id}: ${r.out}`);
        assert.equal(Number(m[1]), c.steps, c.id);
        assert.ok(Number(m[2]) <= 1e-9, `${c.id}: ${m[0]}`);
        if (c.byHand) assert.match(r.out, /update written out by hand: signsgd has no torch\.optim class/);
        console.log(`  ${c.id}: ${m[0]}`);
      });
      assert.equal(cases.length, 21);
    });
  });

  test('every example loss file, the construct fixture, mini-batches and the hand-written optimizers', { skip: SKIP }, () => {
    withDir((dir) => {
      const ex = join(repoRoot(), 'examples');
      const runs: { name: string; args: string[]; steps: number }[] = [];
      for (const f of readdirSync(ex).filter((f) => /\.loss\.ts$/.test(f)).sort()) {
        const steps = f.startsWith('mlp') ? 6 : 40;
        runs.push({ name: f, args: ['--loss', join(ex, f), '--optimizer', 'adam', '--lr=0.02', `--steps=${steps}`], steps });
      }
      const fx = join(repoRoot(), 'test', 'fixtures', 'torch-export', 'constructs.loss.ts');
      runs.push({ name: 'constructs (adam)', args: ['--loss', fx, '--optimizer', 'adam', '--lr=0.05', '--steps=30'], steps: 30 });
      runs.push({ name: 'constructs (sgd nesterov, seed 7, batch 3)', args: ['--loss', fx, '--optimizer', 'sgd', '--lr=0.1', '--momentum=0.9', '--nesterov', '--seed=7', '--batch-size=3', '--steps=25'], steps: 25 });
      runs.push({ name: 'minibatch-noise (rmsprop centered)', args: ['--loss', join(ex, 'minibatch-noise.loss.ts'), '--optimizer', 'rmsprop', '--lr=0.01', '--centered', '--steps=60'], steps: 60 });
      runs.push({ name: 'constructs (lion)', args: ['--loss', fx, '--optimizer', 'lion', '--lr=0.01', '--steps=20'], steps: 20 });
      runs.push({ name: 'rosenbrock (signsgd momentum 0.5)', args: ['--loss', 'rosenbrock', '--optimizer', 'signsgd', '--lr=0.01', '--momentum=0.5', '--steps=50'], steps: 50 });
      runs.push({ name: 'flat-sharp (radam)', args: ['--loss', 'flat-sharp', '--optimizer', 'radam', '--lr=0.05', '--steps=50'], steps: 50 });
      const scripts = runs.map((r, k) => {
        const py = join(dir, `run${k}.py`);
        const out = cli('simulate', ...r.args, '--export-torch', py);
        assert.equal(out.code, 0, `${r.name}: ${out.stderr}`);
        return py;
      });
      const res = runScripts(scripts);
      runs.forEach((r, k) => {
        const got = res.get(scripts[k]!)!;
        assert.equal(got.code, 0, `${r.name}: ${got.out}`);
        const m = MATCH.exec(got.out);
        assert.ok(m, `${r.name}: ${got.out}`);
        assert.equal(Number(m[1]), r.steps);
        console.log(`  ${r.name}: ${m[0]}`);
      });
      // the mini-batch runs embed our sampled batches; the data file is read by the script, not embedded
      const c = readFileSync(scripts[runs.findIndex((r) => r.name.startsWith('constructs (sgd'))]!, 'utf8');
      assert.match(c, /^BATCHES = json\.loads/m);
      assert.match(c, /^DATA_FILE = .*constructs\.csv"\)$/m);
      assert.doesNotMatch(c, /0\.8·x1/);
    });
  });

  test('the check fails when torch differs: a changed trajectory value is reported at its step, exit 1', { skip: SKIP }, () => {
    withDir((dir) => {
      const py = join(dir, 'canyon.py');
      assert.equal(cli('simulate', '--loss', 'canyon', '--optimizer', 'adam', '--lr=0.1', '--steps=10', '--export-torch', py).code, 0);
      const text = readFileSync(py, 'utf8');
      // row 4 of OURS_PARAMS: nudge its first value by 1e-6 relative
      const rows = /OURS_PARAMS = _num\(json\.loads\("""\[(.*?)\]"""\)\)/s.exec(text)![1]!.split(',\n');
      const r4 = JSON.parse(rows[4]!) as number[];
      const bad = [r4[0]! * (1 + 1e-6), r4[1]!];
      rows[4] = JSON.stringify(bad);
      const changed = text.replace(/OURS_PARAMS = _num\(json\.loads\("""\[(.*?)\]"""\)\)/s, `OURS_PARAMS = _num(json.loads("""[${rows.join(',\n')}]"""))`);
      writeFileSync(py, changed);
      const r = spawnSync(PYTHON, [py], { encoding: 'utf8' });
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /^differs from Optimizer Diagnostics at step 4: x = .* in torch, .* here \(rel\. deviation 1e-06 > 1e-09\)/);
    });
  });

  test('an untranslatable construct is a located one-line error (file, line, construct) and no script is written', () => {
    withDir((dir) => {
      const py = join(dir, 'u.py');
      const fx = join(repoRoot(), 'test', 'fixtures', 'torch-export', 'untranslatable.loss.ts');
      const r = cli('simulate', '--loss', fx, '--optimizer', 'adam', '--steps=3', '--export-torch', py);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.match(r.stderr, /untranslatable\.loss\.ts:8:5: cannot translate a switch statement to PyTorch/);
      assert.throws(() => readFileSync(py));
    });
  });

  test('configurations the export does not support yet are refused with one line (exit 2, before running)', () => {
    const r = cli('simulate', '--loss', 'canyon', '--optimizer', 'adam', '--steps=3', '--noise=0.1', '--export-torch', '/nonexistent/x.py');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--export-torch: gradient noise \(--noise\) is not exported yet/);
    const q = cli('simulate', '--loss', join(repoRoot(), 'examples', 'quad5.loss.ts'), '--optimizer', 'adam', '--steps=3', '--gradient', 'numeric', '--export-torch', '/nonexistent/x.py');
    assert.equal(q.code, 1);
    assert.match(q.stderr, /central differences/);
    assert.equal(cli('compare', '--loss', 'canyon', '--optimizers', 'sgd,adam', '--steps=3', '--export-torch', 'x.py').code, 2);
  });
});

describe('--out with --format (issue 13 §3)', () => {
  test('--format csv writes the per-step CSV whatever the file name; --format json the JSON; --format needs --out', () => {
    withDir((dir) => {
      const txt = join(dir, 'run.txt');
      assert.equal(cli('simulate', '--loss', 'canyon', '--optimizer', 'adam', '--steps=3', '--out', txt, '--format', 'csv').code, 0);
      const lines = readFileSync(txt, 'utf8').trim().split('\n');
      assert.equal(lines.length, 5); // header + steps 0..3
      assert.match(lines[0]!, /^step,loss,lr,x,y,grad\[x\],grad\[y\],update\[x\]/);
      assert.ok(lines[0]!.includes('exp_avg[x]') && lines[0]!.includes('exp_avg_sq[y]'), lines[0]);
      const csvNamedJson = join(dir, 'run.csv');
      assert.equal(cli('simulate', '--loss', 'canyon', '--optimizer', 'adam', '--steps=3', '--out', csvNamedJson, '--format=json').code, 0);
      assert.equal(JSON.parse(readFileSync(csvNamedJson, 'utf8')).steps_completed, 3);
      const plain = join(dir, 'plain.csv');
      assert.equal(cli('simulate', '--loss', 'canyon', '--optimizer', 'adam', '--steps=3', '--out', plain).code, 0);
      assert.match(readFileSync(plain, 'utf8'), /^step,loss,lr,/);
      const r = cli('simulate', '--loss', 'canyon', '--optimizer', 'adam', '--steps=3', '--format', 'csv');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--format says what --out writes: give --out FILE too/);
      assert.match(cli('simulate', '--loss', 'canyon', '--optimizer', 'adam', '--steps=3', '--out', txt, '--format', 'xml').stderr, /--format: expected csv or json, got "xml"/);
    });
  });
});

describe('loss-file translation (pure)', () => {
  const tr = (body: string) => translateLossModule(`export default {\n  params: { x: 1 },\n  loss(p) {\n${body}\n  },\n};\n`, 'f.loss.js');
  test('refused constructs name their line and construct', () => {
    const cases: [string, RegExp][] = [
      ['    class A {}\n    return p.x;', /f\.loss\.js:4:5: cannot translate a class/],
      ['    return `${p.x}`.length;', /f\.loss\.js:4:12: cannot translate a template string/],
      ['    try { return p.x; } catch (e) { return 0; }', /f\.loss\.js:4:5: cannot translate try\/catch/],
      ['    return p.x ?? 1;', /cannot translate the operator \?\?/],
      ['    return Math.random() * p.x;', /f\.loss\.js:4:12: cannot translate Math\.random to PyTorch \(a random loss cannot be checked\)/],
      ['    let y = 0;\n    y = (p.x += 1);\n    return y;', /f\.loss\.js:5:10: cannot translate an assignment inside an expression/],
      ['    const y = p.x;\n    { const y = 2; }\n    return y;', /f\.loss\.js:5:13: cannot translate a declaration of y that shadows/],
      ['    return p.x | 0;', /cannot translate the operator \|/],
      ['    return Number(p.x);', /cannot translate the global Number/],
    ];
    for (const [body, re] of cases) {
      assert.throws(() => tr(body), (e: unknown) => e instanceof TorchTranslateError && re.test(e.message), body);
    }
  });

  test('what a for loop with continue becomes: the update runs before the next test', () => {
    const { python } = tr('    let s = 0;\n    for (let i = 0; i < 4; i++) {\n      if (i === 2) continue;\n      s += p.x * i;\n    }\n    return s;');
    assert.equal(python.trim(), [
      'def loss(p=None, *_rest):',
      '    s = 0',
      '    i = 0',
      '    while (i < 4):',
      '        if (i == 2):',
      '            i = (i + 1)',
      '            continue',
      '        s = (s + ((p["x"] * i)))',
      '        i = (i + 1)',
      '    return s',
    ].join('\n').replace('((p["x"] * i))', '(p["x"] * i)'));
  });

  test('module-level helpers come first (JavaScript hoists function declarations); only what loss uses is translated', () => {
    const { python } = translateLossModule(
      'const unused = 5;\nconst C = twice(3);\nfunction twice(v) { return 2 * v; }\nexport default { params: { x: 1 }, loss(p) { return C * p.x * p.x; } };\n',
      'h.loss.js',
    );
    const lines = python.split('\n');
    assert.ok(lines.indexOf('def twice(v=None, *_rest):') < lines.indexOf('C = twice(3)'), python);
    assert.doesNotMatch(python, /unused/);
  });

  test('parameter entries from flat names', () => {
    assert.deepEqual(entriesOf(['w[0]', 'w[1]', 'b', 'v[0]']), [{ name: 'w', size: 2 }, { name: 'b', size: null }, { name: 'v', size: 1 }]);
  });
});
