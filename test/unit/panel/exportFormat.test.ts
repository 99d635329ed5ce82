import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Papa from 'papaparse';
import { csvColumns, csvField, csvNumber, toCsv, toJsonExport } from '../../../src/protocol/exportFormat';
import { lossInfoOf, recordingOf } from './fixtures';

describe('CSV export', () => {
  const adam = recordingOf('canyon', 'adam', { lr: 0.05 }, 20, 'r1');
  const sgd = recordingOf('canyon', 'sgd', { lr: 0.05, momentum: 0.9 }, 20, 'r2');

  test('columns: per step, parameters, PyTorch state names per parameter (union over runs)', () => {
    const cols = csvColumns(['x', 'y'], [{ label: 'Adam', recording: adam }, { label: 'Momentum', recording: sgd }]);
    assert.deepEqual(cols.slice(0, 9), ['run', 'optimizer', 'step', 'loss', 'lr', 'grad_norm', 'x', 'y', 'grad[x]']);
    for (const c of ['effective_lr[x]', 'update[y]', 'exp_avg[x]', 'exp_avg_sq[y]', 'exp_avg_hat[x]', 'exp_avg_sq_hat[y]', 'momentum_buffer[x]']) {
      assert.ok(cols.includes(c), c);
    }
  });

  test('one row per step (0..N) per run; row t = after t steps; parses back to the recording', () => {
    const text = toCsv(['x', 'y'], [{ label: 'Adam', recording: adam }]);
    const parsed = Papa.parse<Record<string, string>>(text.trim(), { header: true });
    assert.equal(parsed.errors.length, 0);
    const rows = parsed.data;
    assert.equal(rows.length, 21);
    assert.equal(rows[0]!['step'], '0');
    assert.equal(rows[0]!['exp_avg[x]'], '', 'no state before the first step');
    assert.equal(rows[0]!['lr'], '');
    assert.equal(Number(rows[0]!['x']), -4);
    assert.equal(Number(rows[0]!['grad[x]']), -8);
    assert.equal(Number(rows[1]!['exp_avg[x]']), adam.state['exp_avg']![0]);
    assert.equal(Number(rows[5]!['effective_lr[y]']), adam.effectiveLr[4 * 2 + 1]);
    assert.equal(Number(rows[20]!['loss']), adam.loss[20]);
    assert.equal(rows[20]!['grad[x]'], '', 'no gradient after the last step');
    assert.equal(Number(rows[3]!['y']), adam.params[3 * 2 + 1], 'full precision round trip');
  });

  test('quoting and non-finite numbers', () => {
    assert.equal(csvField('Adam lr=0.1'), 'Adam lr=0.1');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvNumber(NaN), 'NaN');
    assert.equal(csvNumber(-Infinity), '-Infinity');
    assert.equal(csvNumber(0.1 + 0.2), '0.30000000000000004');
  });
});

describe('JSON export', () => {
  test('reference-trajectory fields per run', () => {
    const rec = recordingOf('canyon', 'adam', { lr: 0.05 }, 10);
    const j = toJsonExport(lossInfoOf('canyon'), [{ label: 'Adam', recording: rec }], { tool: 'od', version: '1', exportedAt: 'now', seed: 0 }) as {
      schema_version: number; function: { param_names: string[]; f_min: number }; start: number[];
      runs: { optimizer: { name: string; hyperparameters: Record<string, unknown> }; steps_completed: number; trajectory: { params: number[][]; loss: number[]; grad: number[][]; state: Record<string, number[][]> }; diagnostics: { effective_lr: number[][] } }[];
    };
    assert.equal(j.schema_version, 1);
    assert.deepEqual(j.function.param_names, ['x', 'y']);
    assert.equal(j.function.f_min, 0);
    assert.deepEqual(j.start, [-4, 1]);
    const r = j.runs[0]!;
    assert.equal(r.optimizer.name, 'adam');
    assert.deepEqual(r.optimizer.hyperparameters['betas'], [0.9, 0.999]);
    assert.equal(r.trajectory.params.length, 11);
    assert.equal(r.trajectory.loss.length, 11);
    assert.equal(r.trajectory.grad.length, 10);
    assert.equal(r.trajectory.state['exp_avg']!.length, 10);
    assert.equal(r.diagnostics.effective_lr[0]![0], rec.effectiveLr[0]);
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(j)));
  });
});
