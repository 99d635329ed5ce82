// Required: the quad5 and logreg PyTorch reference cases, written as loss files WITHOUT grad
// (examples/quad5.loss.ts, examples/logistic-regression.loss.ts: automatic gradient), reproduce the
// reference trajectories at rtol 1e-9 — through the CLI path (resolveLoss) and through the worker
// and runner (dist/worker.js). The reference runs are full batch.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { simulate, type Recording } from '../../../src/core';
import type { RecordingColumns } from '../../../src/protocol/simulation';
import { resolveLoss } from '../../../src/loss/cliSupport';
import { SimulationRunner } from '../../../src/runner/client';
import { compareRows, FIXTURES, loadCase, optimizerFor, type ReferenceCase } from '../helpers/reference';
import { example, WORKER } from './fixtures';

const RTOL = 1e-9;
const ATOL = 1e-12;

const CASES: [string, string][] = [
  ['torch__quad5__adagrad', 'quad5.loss.ts'],
  ['torch__quad5__adagrad_lr_decay', 'quad5.loss.ts'],
  ['torch__quad5__adamax', 'quad5.loss.ts'],
  ['torch__logreg__adam', 'logistic-regression.loss.ts'],
  ['torch__logreg__adam_amsgrad', 'logistic-regression.loss.ts'],
  ['torch__logreg__adadelta', 'logistic-regression.loss.ts'],
];

type Columns = Pick<Recording, 'params' | 'loss' | 'grad' | 'state' | 'scalarState' | 'stepsCompleted' | 'diverged'>;

function check(c: ReferenceCase, rec: Columns): void {
  const t = c.trajectory;
  const dim = c.function.dim;
  assert.equal(rec.stepsCompleted, c.steps_completed);
  assert.equal(rec.diverged, c.diverged);
  const mismatches = [
    compareRows('params', t.params, rec.params, dim, RTOL, ATOL),
    compareRows('loss', t.loss.map((l) => [l]), rec.loss, 1, RTOL, ATOL),
    compareRows('grad', t.grad, rec.grad, dim, RTOL, ATOL),
    ...Object.entries(t.state).map(([name, rows]) => compareRows(`state.${name}`, rows, rec.state[name]!, dim, RTOL, ATOL)),
    ...Object.entries(t.scalar_state).map(([name, v]) => compareRows(`scalar_state.${name}`, v.map((x) => [x]), rec.scalarState[name]!, 1, RTOL, ATOL)),
  ].filter((m) => m !== null);
  assert.deepEqual(mismatches, []);
}

/** The reference's hyperparameters as a RunConfig (what the panel would send). */
function hyperparameters(c: ReferenceCase) {
  return optimizerFor(c).hyperparameters;
}

describe('reference trajectories from loss files (automatic gradient)', () => {
  for (const [id, file] of CASES) {
    test(`${id} via resolveLoss (CLI path)`, async () => {
      const c = loadCase(join(FIXTURES, 'torch', `${id}.json`));
      const { problem, info } = await resolveLoss(example(file));
      assert.equal(info.gradient, 'autodiff');
      assert.deepEqual(info.start, c.start);
      const rec = simulate({ problem, optimizer: optimizerFor(c), start: Float64Array.from(c.start), steps: c.steps_requested });
      check(c, rec);
    });
  }

  describe('via the worker and runner', () => {
    const runner = new SimulationRunner({ workerPath: WORKER, timeoutMs: 10_000, allowWorkspaceCode: true });
    after(() => runner.dispose());
    for (const file of ['quad5.loss.ts', 'logistic-regression.loss.ts']) {
      test(`${file}: every reference case in one request`, async () => {
        const cases = CASES.filter(([, f]) => f === file).map(([id]) => loadCase(join(FIXTURES, 'torch', `${id}.json`)));
        const seen: RecordingColumns[] = [];
        const result = await runner.run(
          {
            requestId: `ref-${basename(file)}`,
            loss: { kind: 'file', path: example(file) },
            runs: cases.map((c) => ({ id: c.case_id, optimizer: optimizerFor(c).name, hyperparameters: hyperparameters(c) })),
            steps: cases[0]!.steps_requested,
          },
          { onRun: (r) => seen.push(r) },
        );
        assert.equal(result.cancelled, false);
        assert.equal(result.loss.gradient, 'autodiff');
        assert.equal(result.runs.length, cases.length);
        assert.deepEqual(seen, result.runs);
        for (const c of cases) {
          const rec = result.runs.find((r) => r.runId === c.case_id)!;
          assert.equal(rec.params.length, (rec.stepsCompleted + 1) * rec.dim, 'exact-length params');
          check(c, rec);
        }
      });
    }
  });
});
