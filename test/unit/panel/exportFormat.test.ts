import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Papa from 'papaparse';
import { createOptimizer, recordedRows, rowBytes, simulate, type Problem } from '../../../src/core';
import { csvText, toCsv as cliCsv, toTrajectoryJson, trajectoryJsonChunks, uniqueNames } from '../../../src/core/export';
import { csvField, jsonExportChunks, lossDescription, splitCsvLine, toCsv, toJsonExport } from '../../../src/protocol/exportFormat';
import type { RecordingColumns } from '../../../src/protocol/simulation';
import { lossInfoOf, recordingOf } from './fixtures';

/** A 3-parameter run whose parameters have awkward names (as RecordingColumns, what the worker sends). */
function namedRun(steps: number, budget?: number): RecordingColumns {
  const p: Problem = {
    name: 'names', dim: 3, paramNames: ['loss', 'step', 'lr'],
    evaluate: (x, g) => { g[0] = 2 * x[0]!; g[1] = 2 * x[1]!; g[2] = 2 * x[2]!; return x[0]! ** 2 + x[1]! ** 2 + x[2]! ** 2; },
  };
  const opt = createOptimizer('adam', { lr: 0.1 });
  const r = simulate({ problem: p, optimizer: opt, start: Float64Array.of(-1.5, 2, 3), steps, ...(budget ? { recordBudgetBytes: budget } : {}) });
  const map = (o: Readonly<Record<string, Float64Array>>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.slice()]));
  return {
    runId: 'r1', optimizer: 'adam', hyperparameters: opt.hyperparameters, dim: 3, stepsRequested: steps, stepsCompleted: r.stepsCompleted,
    diverged: r.diverged, stopReason: r.stopReason, params: r.params.slice(), loss: r.loss.slice(), grad: r.grad.slice(), validationLoss: null,
    update: r.update.slice(), direction: r.direction.slice(), effectiveLr: r.effectiveLr.slice(), lr: r.lr.slice(),
    state: map(r.state), scalarState: map(r.scalarState), extra: map(r.extra), elapsedMs: 1, ...(r.sampling ? { sampling: r.sampling } : {}),
  };
}

describe('CSV export (the CLI per-step CSV, several runs in one file)', () => {
  const adam = recordingOf('canyon', 'adam', { lr: 0.05 }, 20, 'r1');
  const sgd = recordingOf('canyon', 'sgd', { lr: 0.05, momentum: 0.9 }, 20, 'r2');

  test('run and optimizer columns, then the union of the runs\' columns (PyTorch state names)', () => {
    const header = splitCsvLine(toCsv(['x', 'y'], [{ label: 'Adam', recording: adam }, { label: 'Momentum', recording: sgd }]).split('\n')[0]!);
    assert.deepEqual(header.slice(0, 7), ['run', 'optimizer', 'step', 'loss', 'lr', 'x', 'y']);
    for (const c of ['grad[x]', 'effective_lr[x]', 'update[y]', 'exp_avg[x]', 'exp_avg_sq[y]', 'exp_avg_hat[x]', 'momentum_buffer[x]']) assert.ok(header.includes(c), c);
  });

  test('one row per step (0..N) per run, identical to the CLI\'s CSV for that run', () => {
    const text = toCsv(['x', 'y'], [{ label: 'Adam lr=0.05', recording: adam }, { label: 'Momentum', recording: sgd }]);
    const parsed = Papa.parse<Record<string, string>>(text.trim(), { header: true });
    assert.equal(parsed.errors.length, 0);
    assert.equal(parsed.data.length, 42);
    const cli = Papa.parse<Record<string, string>>(cliCsv(adam, ['x', 'y']).trim(), { header: true }).data;
    const ours = parsed.data.filter((r) => r['run'] === 'Adam lr=0.05');
    assert.equal(ours.length, 21);
    for (let t = 0; t <= 20; t++) for (const [k, v] of Object.entries(cli[t]!)) assert.equal(ours[t]![k], v, `row ${t} column ${k}`);
    const mom = parsed.data.filter((r) => r['optimizer'] === 'sgd');
    assert.equal(mom[0]!['exp_avg[x]'], '', 'SGD has no exp_avg');
    assert.equal(Number(mom[1]!['momentum_buffer[x]']), sgd.state['momentum_buffer']![0]);
    assert.equal(Number(ours[3]!['y']), adam.params[3 * 2 + 1], 'full precision round trip');
  });

  test('quoting', () => {
    assert.equal(csvField('Adam lr=0.1'), 'Adam lr=0.1');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.deepEqual(splitCsvLine('a,"b,c","d ""e"""'), ['a', 'b,c', 'd "e"']);
  });

  test('formula-leading text cells are neutralised with \'; numbers are data and stay as they are', () => {
    assert.equal(csvText('=HYPERLINK("http://x","y")'), '"\'=HYPERLINK(""http://x"",""y"")"');
    for (const c of ['+1', '-x', '@SUM(A1)', '\tx', '\rx']) assert.ok(csvText(c).replace(/^"/, '').startsWith("'"), JSON.stringify(c));
    assert.equal(csvText('w[0]'), 'w[0]');
    const run = recordingOf('canyon', 'sgd', { lr: 0.05 }, 3);
    const text = toCsv(['=HYPERLINK("x")', '-y'], [{ label: '=cmd|calc', recording: run }]);
    const rows = Papa.parse<string[]>(text.trim()).data;
    assert.equal(rows[0]![5], '\'=HYPERLINK("x")');
    assert.equal(rows[0]![6], "'-y");
    assert.equal(rows[0]![7], 'grad[=HYPERLINK("x")]', 'not formula-leading: left as it is');
    assert.equal(rows[1]![0], "'=cmd|calc");
    assert.equal(rows[1]![5], '-4', 'the start x = −4 is a number, not a formula');
  });

  test('parameters named loss, step and lr keep their columns; names are unique; a newline in a name stays in its header', () => {
    const rec = namedRun(5);
    const parsed = Papa.parse<string[]>(cliCsv(rec, ['loss', 'step', 'lr']).trim()).data;
    const header = parsed[0]!;
    assert.deepEqual(header.slice(0, 6), ['step', 'loss', 'lr', 'param[loss]', 'param[step]', 'param[lr]']);
    assert.equal(new Set(header).size, header.length);
    assert.equal(Number(parsed[2]![3]), rec.params[3], 'param[loss] at step 1 is the parameter, not the loss');
    assert.equal(Number(parsed[2]![1]), rec.loss[1]);
    assert.deepEqual(uniqueNames(['a', 'a', 'b', 'a']), ['a', 'a (2)', 'b', 'a (3)']);
    const nl = Papa.parse<string[]>(toCsv(['x\ny', 'z'], [{ label: 'A', recording: recordingOf('canyon', 'sgd', { lr: 0.05 }, 2) }]).trim()).data;
    assert.equal(nl.length, 4, 'header + 3 rows');
    assert.equal(nl[0]![5], 'x\ny');
    assert.equal(nl[0]!.length, nl[1]!.length);
  });

  test('a downsampled run: one row per kept step, `step` its true step', () => {
    const rec = namedRun(20_000, 600 * rowBytes(3, createOptimizer('adam')));
    const rows = recordedRows(rec)!;
    const parsed = Papa.parse<Record<string, string>>(cliCsv(rec, ['a', 'b', 'c']).trim(), { header: true }).data;
    assert.equal(parsed.length, rows.length);
    assert.deepEqual(parsed.map((r) => Number(r['step'])), [...rows]);
    assert.equal(Number(parsed[parsed.length - 1]!['step']), 20_000);
    const last = parsed[parsed.length - 1]!;
    assert.equal(Number(last['update[a]']), rec.update[rec.update.length - 3], 'the last row carries the last step\'s update');
  });
});

describe('JSON export (the CLI --json shapes)', () => {
  const info = lossInfoOf('canyon');
  test('one run: exactly the CLI simulate --json document', () => {
    const rec = recordingOf('canyon', 'adam', { lr: 0.05 }, 10);
    const j = toJsonExport(info, [{ label: 'Adam', recording: rec }]);
    assert.deepEqual(j, toTrajectoryJson(rec, { loss: 'canyon', optimizer: 'adam', hyperparameters: rec.hyperparameters, paramNames: ['x', 'y'] }));
    const t = (j as { trajectory: { params: unknown[]; effective_lr: number[][]; state: Record<string, unknown[]> } }).trajectory;
    assert.equal(t.params.length, 11);
    assert.equal(t.state['exp_avg']!.length, 10);
    assert.equal(t.effective_lr[0]![0], rec.effectiveLr[0]);
  });
  test('several runs: { loss, summary, runs } like compare --json', () => {
    const a = recordingOf('canyon', 'adam', { lr: 0.05 }, 10, 'r1');
    const b = recordingOf('canyon', 'sgd', { lr: 0.5 }, 10, 'r2');
    const j = toJsonExport(info, [{ label: 'Adam', recording: a }, { label: 'SGD', recording: b }]) as { loss: string; summary: { label: string; finalLoss: number | null }[]; runs: unknown[] };
    assert.equal(j.loss, 'canyon');
    assert.deepEqual(j.summary.map((s) => s.label), ['Adam', 'SGD']);
    assert.equal(j.summary[0]!.finalLoss, a.loss[10]);
    assert.equal(j.runs.length, 2);
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(j)));
  });
  test('streamed JSON is byte-identical to JSON.stringify of the document (full, downsampled, non-finite, several runs)', () => {
    const meta = (r: RecordingColumns) => ({ loss: 'canyon', optimizer: r.optimizer, hyperparameters: r.hyperparameters, paramNames: ['loss', 'step', 'lr'] });
    const full = namedRun(300);
    const down = namedRun(20_000, 600 * rowBytes(3, createOptimizer('adam')));
    for (const r of [full, down]) {
      const chunks = [...trajectoryJsonChunks(r, meta(r))];
      assert.equal(chunks.join(''), JSON.stringify(toTrajectoryJson(r, meta(r))));
      assert.ok(chunks.every((c) => c.length < 70_000), 'bounded chunks');
    }
    const doc = JSON.parse([...trajectoryJsonChunks(down, meta(down))].join(''));
    assert.deepEqual(doc.sampling.steps, [...recordedRows(down)!]);
    assert.equal(doc.sampling.full_until, down.sampling!.fullUntil);
    assert.match(doc.sampling.description, /^recorded every \d+th step after step/);
    assert.equal(doc.trajectory.params.length, doc.sampling.steps.length);
    assert.equal(doc.trajectory.update.length, doc.sampling.steps.length - 1);
    const diverged = recordingOf('rosenbrock', 'sgd', { lr: 0.003 }, 50);
    const d = { loss: 'rosenbrock', optimizer: 'sgd', hyperparameters: diverged.hyperparameters, paramNames: ['x', 'y'] };
    assert.equal([...trajectoryJsonChunks(diverged, d)].join(''), JSON.stringify(toTrajectoryJson(diverged, d)));
    const two = [{ label: 'A', recording: full }, { label: 'B', recording: diverged }];
    const info3 = { ...info, paramNames: ['loss', 'step', 'lr'] };
    assert.equal([...jsonExportChunks(info3, two)].join(''), JSON.stringify(toJsonExport(info3, two)));
  });
  test('loss files are described by name, path and gradient', () => {
    assert.deepEqual(lossDescription({ ...info, ref: { kind: 'file', path: '/w/a.loss.ts' }, name: 'a', gradient: 'autodiff' }), { name: 'a', path: '/w/a.loss.ts', gradient: 'autodiff' });
  });
});
