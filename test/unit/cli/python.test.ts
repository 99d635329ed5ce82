// Every CLI command that takes --loss runs a *.loss.py with the chosen interpreter (--python, else
// $OD_PYTHON): sweep, lr-find, hessian (torch double backward; numeric without torch), compare --tune,
// the CSV export with the validation curve. The Python files are the same problems as their *.loss.ts
// twins (examples/quad5, logistic-regression), so each result is checked against the TypeScript file's
// (rtol 1e-9: the gradients are torch's, the optimizer core is the same) and against hand arithmetic.
// Interpreter OD_TEST_PYTHON, default /usr/bin/python3 (Debian python3-torch); skipped without torch.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { validationSplit } from '../../../src/loss/sampler';
import { example, LOSSES, WORKER } from '../loss/fixtures';

const PYTHON = process.env['OD_TEST_PYTHON'] ?? '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
const SKIP = probe.status === 0 ? false : `${PYTHON} cannot import torch and numpy: run scripts/python/install.sh`;
const CLI = join(WORKER, '..', 'cli.js');

interface Ran { status: number | null; stdout: string; stderr: string }

/** The CLI, asynchronously (the Python and TypeScript twins run side by side). */
function cli(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const e: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
    const c = spawn(process.execPath, [CLI, ...args], { env: e, ...(cwd ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('error', reject);
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const json = (r: Ran): Record<string, unknown> => {
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

function close(a: unknown, b: unknown, path = ''): void {
  if (typeof a === 'number' && typeof b === 'number') {
    assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) + 1e-12, `${path}: ${a} vs ${b}`);
  } else if (Array.isArray(a) && Array.isArray(b)) {
    assert.equal(a.length, b.length, `${path}: lengths`);
    a.forEach((x, i) => close(x, b[i], `${path}[${i}]`));
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of Object.keys(b)) close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
  } else assert.deepEqual(a, b, path);
}

const noEnv = { OD_PYTHON: undefined };
const twins = async (args: (file: string) => string[], base: string): Promise<[Record<string, unknown>, Record<string, unknown>]> => {
  const [py, ts] = await Promise.all([cli([...args(example(`${base}.loss.py`)), '--python', PYTHON], noEnv), cli(args(example(`${base}.loss.ts`)), noEnv)]);
  return [json(py), json(ts)];
};

describe('CLI commands on *.loss.py files', { skip: SKIP }, () => {
  test('sweep --python: every cell equals the quad5.loss.ts sweep (rtol 1e-9)', async () => {
    const [py, ts] = await twins((f) => ['sweep', '--loss', f, '--optimizer', 'sgd', '--steps', '20', '--grid', 'lr=0.01:0.3:log:3', '--workers', '1', '--json'], 'quad5');
    const cells = py['cells'] as Record<string, unknown>[];
    assert.equal(cells.length, 3);
    assert.deepEqual(cells.map((c) => c['outcome']), (ts['cells'] as Record<string, unknown>[]).map((c) => c['outcome']));
    close(cells.map((c) => c['final_loss']), (ts['cells'] as Record<string, unknown>[]).map((c) => c['final_loss']), 'final_loss');
    // lr = 0.01, 20 steps of x ← x − lr(Ax − b) on ½xᵀAx − bᵀx: a finite, decreasing loss below the start's 12.9
    assert.ok((cells[0]!['final_loss'] as number) < 12.9);
  });

  test('lr-find --python: the range test equals the quad5.loss.ts one', async () => {
    const [py, ts] = await twins((f) => ['lr-find', '--loss', f, '--optimizer', 'sgd', '--steps', '30', '--json'], 'quad5');
    assert.equal(py['stop'], ts['stop']);
    close(py['suggestions'], ts['suggestions'], 'suggestions');
    close(py['points'], ts['points'], 'points');
  });

  test('hessian --python: torch double backward gives quad5\'s A exactly (method autodiff)', async () => {
    const [py, ts] = await twins((f) => ['hessian', '--loss', f, '--json'], 'quad5');
    assert.equal(py['method'], 'autodiff');
    // quad5's A (examples/quad5.loss.py): the Hessian of ½xᵀAx − bᵀx, exactly (products of a quadratic)
    assert.deepEqual(py['hessian'], [[4, 1, 0.5, 0, 0], [1, 3, 0.2, 0.3, 0], [0.5, 0.2, 2, 0.4, 0.1], [0, 0.3, 0.4, 1, 0.2], [0, 0, 0.1, 0.2, 0.3]]);
    assert.equal(py['loss'], 12.9);
    close(py['gradient'], ts['gradient'], 'gradient');
    close(py['eigenvalues'], ts['eigenvalues'], 'eigenvalues');
  });

  test('hessian on the logistic regression (data, several params entries) and --top-k (Lanczos) equal the TypeScript file\'s', async () => {
    const [py, ts] = await twins((f) => ['hessian', '--loss', f, '--at=0.1,-0.2,0.3,0.05', '--json'], 'logistic-regression');
    assert.equal(py['method'], 'autodiff');
    close(py['hessian'], ts['hessian'], 'hessian');
    close(py['loss'], ts['loss'], 'loss');
    const [pk, tk] = await twins((f) => ['hessian', '--loss', f, '--top-k', '1', '--json'], 'logistic-regression');
    close(pk['largest'], tk['largest'], 'largest');
    close(pk['smallest'], tk['smallest'], 'smallest');
  });

  test('hessian of a NumPy file (no torch): central differences of the gradient, labelled numeric; $OD_PYTHON chooses the interpreter', async () => {
    const r = json(await cli(['hessian', '--loss', join(LOSSES, 'python', 'numpy-numeric.loss.py'), '--json'], { OD_PYTHON: PYTHON }));
    assert.equal(r['method'], 'numeric');
    // Σ w² at (1, −2, 3): f = 14, ∇ = 2w, H = 2I
    assert.equal(r['loss'], 14);
    const H = r['hessian'] as number[][];
    H.forEach((row, i) => row.forEach((h, j) => assert.ok(Math.abs(h - (i === j ? 2 : 0)) < 1e-4, `H[${i}][${j}] = ${h}`)));
  });

  test('compare --tune lr --python: the same tuned learning rates and objectives as quad5.loss.ts', async () => {
    const [py, ts] = await twins((f) => ['compare', '--loss', f, '--optimizers', 'sgd,adam', '--steps', '10', '--tune', 'lr', '--workers', '1', '--json'], 'quad5');
    const po = py['optimizers'] as Record<string, unknown>[];
    const to = ts['optimizers'] as Record<string, unknown>[];
    assert.equal(po.length, 2);
    po.forEach((o, k) => {
      assert.equal(o['tuned_lr'], to[k]!['tuned_lr']);
      close(o['objective'], to[k]!['objective'], `objective ${k}`);
    });
  });

  test('--csv export of a run with validation rows: the validation_loss column, by hand', async () => {
    const r = await cli(['simulate', '--loss', 'minibatch.loss.py', '--python', PYTHON, '--optimizer', 'sgd', '--lr', '0.1', '--steps', '3', '--seed', '5', '--csv'], noEnv, join(LOSSES, 'python'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'step,loss,validation_loss,lr,c,grad[c],update[c],effective_lr[c],direction[c]');
    assert.equal(lines.length, 5);
    // data = 0..9, 20 % held out (our split), loss = mean((rows − c)²): at step k, the validation rows at c_k
    const { validation } = validationSplit(10, 0.2);
    for (const line of lines.slice(1)) {
      const f = line.split(',');
      const c = Number(f[4]);
      const want = Array.from(validation).reduce((s, x) => s + (x - c) ** 2, 0) / validation.length;
      assert.ok(Math.abs(Number(f[2]) - want) <= 1e-12 * want, `step ${f[0]}: ${f[2]} vs ${want}`);
    }
  });

  test('a wrong --python is a clear error naming it; --export-torch refuses a *.loss.py', async () => {
    const bad = await cli(['hessian', '--loss', example('quad5.loss.py'), '--python', '/nonexistent/python3'], noEnv);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /\/nonexistent\/python3/);
    const exp = await cli(['simulate', '--loss', example('quad5.loss.py'), '--python', PYTHON, '--optimizer', 'sgd', '--steps', '2', '--export-torch', '/tmp/never-written.py'], noEnv);
    assert.equal(exp.status, 2);
    assert.match(exp.stderr, /--export-torch: a \*\.loss\.py is not exported to a PyTorch script yet/);
  });
});
