// *.loss.py files through the runner (dist/worker.js → media/python/bridge.py): the quad5 and logreg
// PyTorch references written in PyTorch (torch.autograd) reproduce the reference trajectories at rtol
// 1e-9; NumPy-only and plain-Python files (grad(p), central differences); every error case with its
// file:line; mini-batches from our seeded sampler; Stop and the watchdog on `while True: pass`; one
// bridge reused across runs. The interpreter is OD_TEST_PYTHON (default /usr/bin/python3, Debian's
// python3-torch: scripts/python/install.sh). Skipped, with the reason, when it cannot import torch.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LossError, RecordingColumns } from '../../../src/protocol/simulation';
import { liveLossProcessPids, SimulationRunner } from '../../../src/runner/client';
import { BatchSampler, validationSplit } from '../../../src/loss/sampler';
import { compareRows, FIXTURES, loadCase, optimizerFor, type ReferenceCase } from '../helpers/reference';
import { example, LOSSES, lossErrorOf, WORKER } from './fixtures';

const PYTHON = process.env['OD_TEST_PYTHON'] ?? '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
const TORCH = probe.status === 0 ? probe.stdout.trim() : null;
const SKIP = TORCH ? false : `${PYTHON} cannot import torch and numpy (${(probe.stderr || String(probe.error ?? '')).trim().split('\n').pop()}): run scripts/python/install.sh (Debian python3-torch python3-numpy)`;
if (SKIP) console.log(`# SKIPPED Python loss-file tests: ${SKIP}`);

const py = (name: string) => join(LOSSES, 'python', name);
const RTOL = 1e-9;
const ATOL = 1e-12;

const CASES: [string, string][] = [
  ['torch__quad5__adagrad', 'quad5.loss.py'],
  ['torch__quad5__adagrad_lr_decay', 'quad5.loss.py'],
  ['torch__quad5__adamax', 'quad5.loss.py'],
  ['torch__logreg__adam', 'logistic-regression.loss.py'],
  ['torch__logreg__adam_amsgrad', 'logistic-regression.loss.py'],
  ['torch__logreg__adadelta', 'logistic-regression.loss.py'],
];

function check(c: ReferenceCase, rec: RecordingColumns): void {
  const t = c.trajectory;
  const dim = c.function.dim;
  assert.equal(rec.stepsCompleted, c.steps_completed);
  const mismatches = [
    compareRows('params', t.params, rec.params, dim, RTOL, ATOL),
    compareRows('loss', t.loss.map((l) => [l]), rec.loss, 1, RTOL, ATOL),
    compareRows('grad', t.grad, rec.grad, dim, RTOL, ATOL),
    ...Object.entries(t.state).map(([name, rows]) => compareRows(`state.${name}`, rows, rec.state[name]!, dim, RTOL, ATOL)),
  ].filter((m) => m !== null);
  assert.deepEqual(mismatches, []);
}

describe('Python loss files (*.loss.py)', { skip: SKIP }, () => {
  const runner = new SimulationRunner({ workerPath: WORKER, timeoutMs: 20_000, allowWorkspaceCode: true, pythonPath: PYTHON, warmSpare: true });
  after(() => runner.dispose());

  const run1 = (file: string, optimizer: string, hyperparameters: Record<string, number>, steps: number, extra: Record<string, unknown> = {}) =>
    runner.run({ requestId: '', loss: { kind: 'file', path: file }, runs: [{ id: 'a', optimizer: optimizer as never, hyperparameters }], steps, ...extra });

  for (const file of ['quad5.loss.py', 'logistic-regression.loss.py']) {
    test(`${file} (torch.autograd) reproduces the PyTorch reference at rtol 1e-9`, async () => {
      const cases = CASES.filter(([, f]) => f === file).map(([id]) => loadCase(join(FIXTURES, 'torch', `${id}.json`)));
      const result = await runner.run({
        requestId: '',
        loss: { kind: 'file', path: example(file) },
        runs: cases.map((c) => ({ id: c.case_id, optimizer: optimizerFor(c).name, hyperparameters: optimizerFor(c).hyperparameters })),
        steps: cases[0]!.steps_requested,
      });
      assert.equal(result.loss.gradient, 'autodiff');
      assert.match(result.loss.runtime ?? '', new RegExp(`^Python 3\\.\\d+\\.\\d+ \\(${PYTHON}\\) · torch ${TORCH!.replace(/[.+]/g, '\\$&')}$`));
      assert.deepEqual(result.loss.start, cases[0]!.start);
      for (const c of cases) check(c, result.runs.find((r) => r.runId === c.case_id)!);
    });
  }

  test('a NumPy-only file with grad(p): its gradient is used (hand values at the start)', async () => {
    const r = await run1(py('numpy-grad.loss.py'), 'sgd', { lr: 1e-4 }, 2);
    assert.equal(r.loss.gradient, 'grad-export');
    assert.deepEqual(r.loss.window, { x: [-2, 2], y: [-1, 3] });
    assert.deepEqual(r.loss.minima, [{ x: 1, y: 1, f: 0 }]);
    // (1 − x)² + 100 (y − x²)² at (−1.5, 2): 6.25 + 6.25; ∂x = −2·2.5 − 400·(−1.5)·(−0.25) = −155, ∂y = 200·(−0.25) = −50
    const rec = r.runs[0]!;
    assert.equal(rec.loss[0], 12.5);
    assert.deepEqual(Array.from(rec.grad.subarray(0, 2)), [-155, -50]);
    assert.deepEqual(Array.from(rec.params.subarray(2, 4)), [-1.5 + 1e-4 * 155, 2 + 1e-4 * 50]);
  });

  test('a NumPy file without grad: central differences, labelled numeric', async () => {
    const r = await run1(py('numpy-numeric.loss.py'), 'sgd', { lr: 0.1 }, 1);
    assert.equal(r.loss.gradient, 'numeric');
    assert.match(r.loss.warnings.join('\n'), /does not import torch and has no grad\(p\): gradients are central differences/);
    const g = Array.from(r.runs[0]!.grad.subarray(0, 3));
    [2, -4, 6].forEach((want, i) => assert.ok(Math.abs(g[i]! - want) < 1e-8, `grad ${i}: ${g[i]} vs ${want}`));
  });

  test('mini-batches: loss(p, batch) gets the rows of our seeded sampler; validation rows held out', async () => {
    const r = await run1(py('minibatch.loss.py'), 'sgd', { lr: 0.1 }, 7, { seed: 5 });
    assert.equal(r.loss.hasValidation, true);
    const rec = r.runs[0]!;
    const { train, validation } = validationSplit(10, 0.2);
    const sampler = new BatchSampler(train.length, 3, 5);
    for (let t = 0; t < 7; t++) {
      const c = rec.params[t]!;
      const rows = Array.from(sampler.indices(t), (i) => train[i]!);
      const want = rows.reduce((s, x) => s + (x - c) ** 2, 0) / rows.length;
      assert.ok(Math.abs(rec.loss[t]! - want) <= 1e-12 * Math.abs(want), `step ${t}: ${rec.loss[t]} vs ${want}`);
      const v = Array.from(validation).reduce((s, x) => s + (x - rec.params[t + 1]!) ** 2, 0) / validation.length;
      assert.ok(Math.abs(rec.validationLoss![t + 1]! - v) <= 1e-12 * v, `validation ${t + 1}`);
    }
  });

  test('one bridge serves every run of a file version (same Python process)', async () => {
    const a = await run1(py('plain.loss.py'), 'sgd', { lr: 0.1 }, 3);
    const b = await run1(py('plain.loss.py'), 'adam', { lr: 0.1 }, 3);
    assert.match(a.loss.label, /^plain \d+$/);
    assert.equal(b.loss.label, a.loss.label);
  });

  test('the contour grid is evaluated in the bridge (one request per row)', async () => {
    const v = await runner.grid({ loss: { kind: 'file', path: py('plain.loss.py') }, window: { x: [0, 2], y: [-1, 0] }, nx: 3, ny: 2 });
    const f = (x: number, y: number) => (x - 1) ** 2 + 2 * (y + 0.5) ** 2;
    assert.deepEqual(Array.from(v), [f(0, -1), f(1, -1), f(2, -1), f(0, 0), f(1, 0), f(2, 0)]);
  });

  const errorCases: [string, Partial<LossError>, RegExp][] = [
    ['syntax-error.loss.py', { kind: 'syntax', line: 5 }, /^invalid syntax/],
    ['missing-loss.loss.py', { kind: 'invalid-export' }, /^loss is missing: add def loss\(p\)/],
    ['missing-params.loss.py', { kind: 'invalid-export' }, /^params is missing: declare the parameters/],
    ['non-scalar.loss.py', { kind: 'not-a-number', line: 6, step: 0 }, /^loss\(\) returned a tensor of shape \(2,\) at step 0; it must return a number \(a 0-d tensor or a float\)$/],
    ['nan.loss.py', { kind: 'not-a-number', line: 6, step: 0 }, /^loss\(\) returned NaN at step 0 \(the parameters are finite\)$/],
  ];
  for (const [file, want, message] of errorCases) {
    test(`error: ${file} → ${want.kind}${want.line ? ` at line ${want.line}` : ''}`, async () => {
      const e = await lossErrorOf(() => run1(py(file), 'sgd', { lr: 0.1 }, 3));
      assert.match(e.message, message);
      assert.equal(e.file, py(file));
      for (const [k, v] of Object.entries(want)) assert.equal(e[k as keyof LossError], v, `${k}: ${JSON.stringify(e)}`);
      if (!want.line) assert.equal(e.line, undefined);
    });
  }

  test('error: an exception after some steps is located at the raising line of the user file, with its step', async () => {
    const r = await run1(py('throws.loss.py'), 'sgd', { lr: 0.1 }, 50);
    const rec = r.runs[0]!;
    // x_{t+1} = x_t − 0.1·2x_t = 0.8 x_t: 3, 2.4 (step 1 < 2.5 raises)
    assert.equal(rec.stepsCompleted, 1);
    assert.equal(rec.error?.kind, 'threw');
    assert.equal(rec.error?.line, 8);
    assert.equal(rec.error?.step, 1);
    assert.equal(rec.error?.message, 'loss() threw at step 1: ValueError: x went below 2.5');
  });

  test('torch missing for the interpreter: a clear message naming it; plain files fall back to numeric', async () => {
    // The same interpreter without site-packages (-S) cannot import torch.
    const dir = mkdtempSync(join(tmpdir(), 'od-nosite-'));
    const wrapper = join(dir, 'python-no-site');
    writeFileSync(wrapper, `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`);
    chmodSync(wrapper, 0o755);
    const r2 = new SimulationRunner({ workerPath: WORKER, timeoutMs: 20_000, allowWorkspaceCode: true, pythonPath: wrapper });
    try {
      const e = await lossErrorOf(() => r2.describe({ kind: 'file', path: py('needs-torch.loss.py') }));
      assert.equal(e.message, `torch is not installed (interpreter ${PYTHON}): install it in that environment (pip install torch) or choose another interpreter (setting optimizerDiagnostics.python.interpreterPath, CLI --python)`);
      assert.equal(e.line, 3);
      const info = await r2.describe({ kind: 'file', path: py('plain.loss.py') });
      assert.equal(info.gradient, 'numeric');
      assert.match(info.warnings.join('\n'), new RegExp(`torch is not installed \\(interpreter ${PYTHON}\\): gradients are central differences \\(numeric\\)`));
      assert.match(info.runtime ?? '', /· torch not installed$/);
    } finally {
      r2.dispose();
    }
  });

  test('CLI: --loss file.loss.py with --python; a loss error is one located line, exit 1', () => {
    const cli = join(WORKER, '..', 'cli.js');
    const ok = spawnSync(process.execPath, [cli, 'simulate', '--loss', example('quad5.loss.py'), '--python', PYTHON, '--optimizer', 'adagrad', '--lr', '0.1', '--steps', '3'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^loss: quad5 \(5 parameters, autodiff gradient\)/);
    assert.match(ok.stdout, /completed 3 steps; final loss 10\.22177/);
    const bad = spawnSync(process.execPath, [cli, 'simulate', '--loss', 'nan.loss.py', '--python', PYTHON, '--optimizer', 'sgd', '--steps', '3'], { encoding: 'utf8', cwd: join(LOSSES, 'python') });
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim(), 'optimizer-diagnostics: nan.loss.py:6:1: loss() returned NaN at step 0 (the parameters are finite)');
    const usage = spawnSync(process.execPath, [cli, 'simulate', '--loss', 'x.loss.py', '--python=', '--optimizer', 'sgd', '--steps', '3'], { encoding: 'utf8' });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--python needs an interpreter path/);
  });

  test('a Python process that dies fails the request (crashed); the next run starts a fresh bridge', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'od-crash-'));
    const file = join(dir, 'crash.loss.py');
    writeFileSync(file, 'import os\nMARK = os.path.join(os.path.dirname(__file__), "crash-now")\nparams = {"x": 1.0}\n\n\ndef loss(p):\n    if os.path.exists(MARK):\n        os._exit(3)\n    return p["x"] ** 2\n');
    writeFileSync(join(dir, 'crash-now'), '');
    const e = await lossErrorOf(() => run1(file, 'sgd', { lr: 0.1 }, 3));
    assert.equal(e.kind, 'crashed');
    assert.match(e.message, new RegExp(`^the Python process \\(${PYTHON}\\) ended \\(end of its output\\)`));
    rmSync(join(dir, 'crash-now'));
    const ok = await run1(file, 'sgd', { lr: 0.1 }, 3);
    assert.equal(ok.runs[0]!.stepsCompleted, 3);
    assert.ok(Math.abs(ok.runs[0]!.params[3]! - 0.8 ** 3) < 1e-8);
    rmSync(dir, { recursive: true, force: true });
  });

  test('untrusted: a *.loss.py is refused like a *.loss.ts', async () => {
    const r3 = new SimulationRunner({ workerPath: WORKER, timeoutMs: 5000, pythonPath: PYTHON });
    try {
      const e = await lossErrorOf(() => r3.describe({ kind: 'file', path: py('plain.loss.py') }));
      assert.equal(e.kind, 'untrusted');
    } finally {
      r3.dispose();
    }
  });

  const pythonsOfGroup = (pgid: number): string[] => {
    const ps = spawnSync('ps', ['-e', '-o', 'pid=,pgid=,args='], { encoding: 'utf8' });
    return ps.stdout.split('\n').filter((l) => { const f = l.trim().split(/\s+/); return Number(f[1]) === pgid && /bridge\.py .*loops\.loss\.py/.test(l); });
  };

  test('`while True: pass`: the watchdog stops the run and the Python process with its group', async () => {
    const r4 = new SimulationRunner({ workerPath: WORKER, timeoutMs: 1500, allowWorkspaceCode: true, pythonPath: PYTHON });
    try {
      const before = new Set(liveLossProcessPids());
      const t0 = Date.now();
      const e = await lossErrorOf(() => r4.run({ requestId: '', loss: { kind: 'file', path: py('loops.loss.py') }, runs: [{ id: 'a', optimizer: 'sgd', hyperparameters: { lr: 0.1 } }], steps: 3 }));
      assert.equal(e.kind, 'timeout');
      assert.match(e.message, /did not return within 1500 ms|no progress for 1500 ms/);
      assert.ok(Date.now() - t0 < 15_000);
      await new Promise((r) => setTimeout(r, 300));
      const pids = liveLossProcessPids().filter((p) => !before.has(p));
      assert.deepEqual(pids, []);
    } finally {
      r4.dispose();
    }
  });

  test('Stop ends a busy Python loss at once (its process group)', async () => {
    const r5 = new SimulationRunner({ workerPath: WORKER, timeoutMs: 60_000, allowWorkspaceCode: true, pythonPath: PYTHON });
    try {
      const ac = new AbortController();
      const p = r5.run({ requestId: '', loss: { kind: 'file', path: py('loops.loss.py') }, runs: [{ id: 'a', optimizer: 'sgd', hyperparameters: { lr: 0.1 } }], steps: 3 }, {}, ac.signal);
      // wait until the bridge is in the loop
      const t0 = Date.now();
      let pgid = -1;
      while (Date.now() - t0 < 20_000) {
        await new Promise((r) => setTimeout(r, 200));
        for (const pid of liveLossProcessPids()) if (pythonsOfGroup(pid).length > 0) pgid = pid;
        if (pgid > 0) break;
      }
      assert.ok(pgid > 0, 'the bridge started');
      await new Promise((r) => setTimeout(r, 500));
      const t1 = Date.now();
      ac.abort();
      // described already: the run resolves as cancelled with the note (before that it rejects 'stopped')
      const r = await p.then((res) => res, (err: { error?: LossError }) => err.error);
      assert.ok(r && ('cancelled' in r ? r.cancelled && /^stopped: the loss process was terminated/.test(r.note ?? '') : /^stopped/.test(r.message)), JSON.stringify(r));
      assert.ok(Date.now() - t1 < 1000, 'stopped at once');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(pythonsOfGroup(pgid), [], 'the Python process ended with its group');
    } finally {
      r5.dispose();
    }
  });
});
