import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Papa from 'papaparse';
import { toCsv as cliCsv, toTrajectoryJson } from '../../../src/core/export';
import { csvField, lossDescription, splitCsvLine, toCsv, toJsonExport } from '../../../src/protocol/exportFormat';
import { lossInfoOf, recordingOf } from './fixtures';

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
    assert.deepEqual(splitCsvLine('a,"b,c","d ""e"""'), ['a', 'b,c', 'd "e"']);
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
  test('loss files are described by name, path and gradient', () => {
    assert.deepEqual(lossDescription({ ...info, ref: { kind: 'file', path: '/w/a.loss.ts' }, name: 'a', gradient: 'autodiff' }), { name: 'a', path: '/w/a.loss.ts', gradient: 'autodiff' });
  });
});
