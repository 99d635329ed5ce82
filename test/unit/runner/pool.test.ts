// The runner pool (src/runner/pool.ts) with the real bundled loss process: jobs run in parallel on N
// workers, each job is cancellable (queued or running), progress is reported, and each worker keeps its
// own watchdog (a looping loss file times out while another worker's job completes).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { RecordingColumns, SimulationRequest } from '../../../src/protocol/simulation';
import { SimulationRunner } from '../../../src/runner/client';
import { RunnerPool } from '../../../src/runner/pool';
import { example, fixture, lossErrorOf, WORKER } from '../loss/fixtures';

const pools: RunnerPool[] = [];
function pool(workers: number, timeoutMs = 10_000): RunnerPool {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run node esbuild.mjs first`);
  const p = new RunnerPool({ workerPath: WORKER, timeoutMs, allowWorkspaceCode: true, workers });
  pools.push(p);
  return p;
}
after(() => pools.forEach((p) => p.dispose()));

let n = 0;
const req = (path: string, lr: number, steps = 100): SimulationRequest => ({
  requestId: `p${++n}`,
  loss: { kind: 'file', path },
  runs: [{ id: `sgd-${lr}`, optimizer: 'sgd', hyperparameters: { lr, momentum: 0.9 } }],
  steps,
  trajectoryOnly: true,
});
const strip = (r: RecordingColumns) => {
  const { elapsedMs: _t, ...rest } = r;
  return rest;
};

describe('runner pool', () => {
  test('4 jobs on 2 workers run two at a time, report progress, and equal one runner\'s results bit for bit', async () => {
    const p = pool(2);
    const quad = example('quad5.loss.ts');
    const lrs = [0.01, 0.02, 0.05, 0.1];
    let peak = 0;
    const jobs: number[] = [];
    const steps: number[] = [];
    const results = await p.runAll(lrs.map((lr) => req(quad, lr)), {
      onProgress: (_id, done) => {
        steps.push(done);
        peak = Math.max(peak, p.running);
      },
      onJob: (done, total) => jobs.push(done * 100 + total),
    });
    assert.equal(peak, 2, 'two jobs ran at once');
    assert.deepEqual(jobs, [104, 204, 304, 404]);
    assert.ok(steps.includes(100));
    const single = new SimulationRunner({ workerPath: WORKER, timeoutMs: 10_000, allowWorkspaceCode: true, warmSpare: false });
    try {
      for (let k = 0; k < lrs.length; k++) {
        const r = results[k]!;
        assert.ok(r.ok);
        const want = await single.run(req(quad, lrs[k]!));
        assert.deepEqual(strip(r.result.runs[0]!), strip(want.runs[0]!));
      }
    } finally {
      single.dispose();
    }
  });

  test('a queued job aborted before it starts is dropped; a running one is stopped; the others complete', async () => {
    const p = pool(1);
    const loops = fixture('loops-later.loss.js');
    const quad = example('quad5.loss.ts');
    const stopRunning = new AbortController();
    const stopQueued = new AbortController();
    let started!: () => void;
    const inRun = new Promise<void>((r) => (started = r));
    const running = p.run(req(loops, 0.01), { onProgress: () => started() }, stopRunning.signal);
    const queued = p.run(req(quad, 0.01), {}, stopQueued.signal);
    const later = p.run(req(quad, 0.02));
    assert.equal(p.queued, 2);
    stopQueued.abort();
    assert.match((await lossErrorOf(() => queued)).message, /cancelled before it started/);
    await inRun;
    await new Promise((r) => setTimeout(r, 200)); // the looping job is in its loop by now
    stopRunning.abort();
    const r = await running;
    assert.equal(r.cancelled, true);
    assert.match(r.note ?? '', /stopped: the loss process was terminated/);
    const done = await later;
    assert.equal(done.runs[0]!.stepsCompleted, 100);
  });

  test('each worker has its own watchdog: a loss that loops forever times out, the other worker\'s job completes', async () => {
    const p = pool(2, 800);
    const [bad, good] = await p.runAll([req(fixture('infinite-loop.loss.ts'), 0.01), req(example('quad5.loss.ts'), 0.01, 2000)]);
    assert.ok(bad && !bad.ok);
    assert.equal((bad.error as { error: { kind: string } }).error.kind, 'timeout');
    assert.ok(good && good.ok && good.result.runs[0]!.stepsCompleted === 2000);
  });

  test('built-ins run through the pool too, and the pool size is checked', async () => {
    const p = pool(2);
    const r = await p.run({ requestId: 'b', loss: { kind: 'builtin', name: 'canyon' }, runs: [{ id: 'a', optimizer: 'adam', hyperparameters: { lr: 0.1 } }], steps: 50 });
    assert.equal(r.runs[0]!.stepsCompleted, 50);
    assert.throws(() => new RunnerPool({ workerPath: WORKER, timeoutMs: 1000, workers: 0 }), /workers must be an integer from 1/);
  });
});
