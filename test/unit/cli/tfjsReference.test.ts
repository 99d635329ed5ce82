// Every tfjs reference (test/fixtures/reference/tfjs, TensorFlow.js 4.22 float32, see PROVENANCE.md)
// reproduced through the CLI as a user runs it — `node dist/cli.js simulate … --convention tfjs
// --dtype float32 --json` — closed loop (our own gradients): params, loss, gradient, every state tensor and
// scalar state at the checker's float32 tolerance rtol 1e-5 / atol 1e-6 (the gradient relative to its row's
// largest component, see below), with the same step count and divergence. Generic over the folder: a case is built from its own file (tfjs class and hyperparameters →
// our optimizer; a built-in loss by name, or quad5/logreg written as a loss file from the file's data), so
// more cases of the same kind pass without edits. The worst deviation of each case is printed.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BUILTIN_LOSSES } from '../../../src/core';
import { close, listCases, loadCase, repoRoot, tfjsRunFor, type ReferenceCase } from '../helpers/reference';

const CLI = join(repoRoot(), 'dist', 'cli.js');
const RTOL = 1e-5;
const ATOL = 1e-6;

const dir = mkdtempSync(join(tmpdir(), 'od-tfjs-'));

/** The case's loss as a --loss argument: a built-in name, or a loss file written from the case's data. */
function lossArg(c: ReferenceCase): string {
  const name = c.function.name;
  if (Object.prototype.hasOwnProperty.call(BUILTIN_LOSSES, name)) return name;
  const data = c.function.data ?? {};
  const file = join(dir, `${c.case_id}.loss.js`);
  if (name === 'quad5') {
    // tfjs holds the data as float32 tensors: the loss file rounds it the same way.
    writeFileSync(file, `const A = ${JSON.stringify(data['A'])}.map((row) => row.map(Math.fround));
const b = ${JSON.stringify(data['b'])}.map(Math.fround);
export default {
  name: 'quad5 (from ${c.case_id})',
  params: { x: ${JSON.stringify(c.start)} },
  loss(p) {
    let quad = 0;
    let lin = 0;
    for (let i = 0; i < b.length; i++) {
      let Ax = 0;
      for (let j = 0; j < b.length; j++) Ax += A[i][j] * p.x[j];
      quad += p.x[i] * Ax;
      lin += b[i] * p.x[i];
    }
    return 0.5 * quad - lin;
  },
};
`);
  } else if (name === 'logreg') {
    const d = c.function.dim - 1;
    writeFileSync(file, `const X = ${JSON.stringify(data['X'])}.map((row) => row.map(Math.fround));
const y = ${JSON.stringify(data['y'])}.map(Math.fround);
export default {
  name: 'logreg (from ${c.case_id})',
  params: { w: ${JSON.stringify(c.start.slice(0, d))}, b: ${c.start[d]} },
  loss(p) {
    let sum = 0;
    for (let i = 0; i < X.length; i++) {
      let z = p.b;
      for (let j = 0; j < ${d}; j++) z += X[i][j] * p.w[j];
      sum += Math.log1p(Math.exp(z)) - y[i] * z;
    }
    return sum / X.length;
  },
};
`);
  } else {
    throw new Error(`${c.case_id}: no loss for problem ${name}`);
  }
  return file;
}

function cliArgs(c: ReferenceCase): string[] {
  const run = tfjsRunFor(c);
  const args = ['simulate', '--loss', lossArg(c), '--optimizer', run.optimizer, `--steps=${c.steps_requested}`, `--init=${c.start.join(',')}`, '--convention', 'tfjs', '--dtype', 'float32', '--json'];
  for (const [k, v] of Object.entries(run.hyperparameters)) args.push(`--${k.replace(/_/g, '-')}=${Array.isArray(v) ? v.join(',') : String(v)}`);
  return args;
}

const num = (x: number | string) => (typeof x === 'string' ? Number(x) : x);

interface Worst { field: string; step: number; index: number; abs: number; ratio: number }

/** Largest |Δ| / (atol + rtol·|ref|) over a table (1 = at the tolerance); NaN/±∞ must agree exactly. */
function worstOf(field: string, want: number[][], got: (number | string)[][], worst: Worst, id: string): void {
  assert.equal(got.length, want.length, `${id} ${field}: rows`);
  want.forEach((row, t) => row.forEach((w, i) => {
    const g = num(got[t]![i]!);
    assert.ok(close(g, w, RTOL, ATOL), `${id} ${field}[${t}][${i}]: ${g} vs ${w}`);
    if (!Number.isFinite(w)) return;
    const abs = Math.abs(g - w);
    const ratio = abs / (ATOL + RTOL * Math.abs(w));
    if (ratio > worst.ratio) Object.assign(worst, { field, step: t, index: i, abs, ratio });
  }));
}

const files = listCases('tfjs');
const report: string[] = [];

describe('tfjs reference trajectories through the CLI (--convention tfjs --dtype float32, closed loop)', () => {
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    if (report.length) console.log(['worst deviation per case (ratio = |Δ| / (1e-6 + 1e-5·|ref|)):', ...report].join('\n'));
  });

  test('the fixture set is there', () => assert.ok(files.length >= 14, `expected the 14 public tfjs cases, found ${files.length}`));

  test('bad --convention / --dtype combinations are one-line usage errors (exit 2)', () => {
    const cases: [string[], RegExp][] = [
      [['--convention', 'jax'], /--convention: expected pytorch, tfjs, textbook, got "jax"/],
      [['--optimizer', 'nadam', '--convention', 'tfjs'], /nadam: invalid convention: the tfjs convention does not define NAdam \(it defines sgd, adagrad, rmsprop, adam, adamax, adadelta\)/],
      [['--dtype', 'float32'], /adam: invalid dtype: float32 is not modelled under the pytorch convention/],
      [['--dtype', 'float16'], /--dtype: expected float64 or float32, got "float16"/],
      [['--convention', 'tfjs', '--amsgrad'], /adam: invalid amsgrad: tf.train.adam has no AMSGrad/],
    ];
    for (const [extra, want] of cases) {
      const args = ['simulate', '--loss', 'canyon', '--steps', '3', ...(extra.includes('--optimizer') ? [] : ['--optimizer', 'adam']), ...extra];
      const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
      assert.equal(r.status, 2, `${extra.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, want);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    }
  });

  for (const file of files) {
    const c = loadCase(file);
    const id = basename(file, '.json');
    test(id, () => {
      const r = spawnSync(process.execPath, [CLI, ...cliArgs(c)], { encoding: 'utf8', maxBuffer: 1 << 28 });
      assert.equal(r.status, 0, `${id}: ${r.stderr}`);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.optimizer.convention, 'tfjs');
      assert.equal(doc.optimizer.dtype, 'float32');
      assert.equal(doc.steps_completed, c.steps_completed, `${id}: steps completed`);
      assert.equal(doc.diverged, c.diverged, `${id}: diverged`);
      const t = c.trajectory;
      const worst: Worst = { field: 'params', step: 0, index: 0, abs: 0, ratio: 0 };
      worstOf('params', t.params, doc.trajectory.params, worst, id);
      const paramsWorst = { ...worst };
      worstOf('loss', t.loss.map((l) => [l]), doc.trajectory.loss.map((l: number | string) => [l]), worst, id);
      // The gradient of quad5/logreg comes from our automatic differentiation in doubles, rounded once; tfjs
      // rounds after every tensor op (Ax, then Ax − b), so near the minimum g carries one float32 ulp of the
      // terms it cancels. It is asserted relative to the row's largest component (‖g_t‖∞); params, loss and
      // state (the checker's fields) at the plain rtol/atol. Built-ins evaluate in float32 (bit-exact).
      const gradWorst: Worst = { field: 'grad', step: 0, index: 0, abs: 0, ratio: 0 };
      t.grad.forEach((row, k) => {
        const scale = Math.max(...row.map((w) => (Number.isFinite(w) ? Math.abs(w) : 0)));
        row.forEach((w, i) => {
          const g = num(doc.trajectory.grad[k][i]);
          assert.ok(close(g, w, 0, ATOL + RTOL * scale), `${id} grad[${k}][${i}]: ${g} vs ${w} (‖g‖∞ ${scale})`);
          const ratio = Number.isFinite(w) ? Math.abs(g - w) / (ATOL + RTOL * Math.abs(w)) : 0;
          if (ratio > gradWorst.ratio) Object.assign(gradWorst, { step: k, index: i, abs: Math.abs(g - w), ratio });
        });
      });
      assert.deepEqual(Object.keys(doc.trajectory.state).sort(), Object.keys(t.state).sort(), `${id}: state names (tfjs' own)`);
      for (const [name, rows] of Object.entries(t.state)) worstOf(`state.${name}`, rows, doc.trajectory.state[name], worst, id);
      for (const [name, values] of Object.entries(t.scalar_state ?? {})) {
        const col = doc.trajectory.scalar_state[name];
        assert.ok(col, `${id}: no scalar state ${name}`);
        worstOf(`scalar_state.${name}`, values.map((v) => [v]), col.map((v: number | string) => [v]), worst, id);
      }
      report.push(`  ${id.padEnd(38)} params max|Δ| ${paramsWorst.abs.toExponential(2)} (ratio ${paramsWorst.ratio.toFixed(3)})` +
        `  params/loss/state worst: ${worst.field}[${worst.step}][${worst.index}] |Δ| ${worst.abs.toExponential(2)} ratio ${worst.ratio.toFixed(3)}` +
        `  grad |Δ| ${gradWorst.abs.toExponential(2)} ratio ${gradWorst.ratio.toFixed(3)}`);
    });
  }
});
