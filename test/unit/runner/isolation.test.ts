// The runner as a notebook kernel (issue 9): each attack from a loss file (test/fixtures/losses/attack-*)
// against the real bundled loss process (dist/worker.js), followed by built-in runs and other loss
// files that must be bit-identical to a fresh runner's; the exact messages; Stop; and the CLI's exit
// within a second of its timeout whatever the loss is blocked in (wall time with a generous bound: a
// behavioural check, not a benchmark).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordingColumns, SimulationRequest } from '../../../src/protocol/simulation';
import { liveLossProcessPids, SimulationRunner, type SimulationRunnerOptions } from '../../../src/runner/client';
import { assertLossError, example, fixture, lossErrorOf, ROOT, tempFiles, WORKER } from '../loss/fixtures';

const runners: SimulationRunner[] = [];
function runner(extra: Partial<SimulationRunnerOptions> = {}): SimulationRunner {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run node esbuild.mjs first`);
  const r = new SimulationRunner({ workerPath: WORKER, timeoutMs: 10_000, allowWorkspaceCode: true, warmSpare: false, ...extra });
  runners.push(r);
  return r;
}
after(() => runners.forEach((r) => r.dispose()));

let n = 0;
function request(loss: SimulationRequest['loss'], extra: Partial<SimulationRequest> = {}): SimulationRequest {
  return {
    requestId: `i${++n}`,
    loss,
    runs: [
      { id: 'sgd', optimizer: 'sgd', hyperparameters: { lr: 1e-3, momentum: 0.9 } },
      { id: 'adam', optimizer: 'adam', hyperparameters: { lr: 0.05 } },
    ],
    steps: 200,
    ...extra,
  };
}
const file = (path: string) => ({ kind: 'file' as const, path });
const builtin = (name: string) => ({ kind: 'builtin' as const, name });

/** Everything a run recorded, for bit-identical comparisons (elapsedMs aside). */
function fingerprint(runs: readonly RecordingColumns[]): unknown {
  return runs.map((r) => {
    const { elapsedMs: _t, ...rest } = r;
    return rest;
  });
}

/** Later runs: built-ins and other loss files. */
const LATER: SimulationRequest['loss'][] = [builtin('canyon'), builtin('rosenbrock'), file(example('rosenbrock-with-grad.loss.ts')), file(example('quad5.loss.ts'))];

async function laterRuns(r: SimulationRunner): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const loss of LATER) out.push(fingerprint((await r.run(request(loss))).runs));
  return out;
}

let freshCache: unknown[] | null = null;
async function fresh(): Promise<unknown[]> {
  freshCache ??= await laterRuns(runner());
  return freshCache;
}

describe('runner isolation: one realm per loss file version, nothing carried between runs', () => {
  test('prototype pollution, patched Math and patched Number.isFinite do not reach later runs (bit-identical to a fresh runner)', async () => {
    const expected = await fresh();
    const r = runner();
    // Object.prototype.start/lr/steps in the file's own realm: its own run still reads the request's own fields.
    // (Numeric gradient: in its own polluted realm, library code of the automatic gradient — sucrase's
    // option checks iterate with for…in — would trip over the extra enumerable properties.)
    const own = await r.run(request(file(fixture('attack-proto.loss.js')), { gradientMode: 'numeric' }));
    assert.deepEqual([...own.runs[0]!.params.subarray(0, 2)], [1, 2], 'the file starts at its own params, not at Object.prototype.start');
    assert.equal(own.runs[0]!.stepsCompleted, 200);
    assert.equal(own.runs[1]!.hyperparameters['lr'], 0.05);
    assertLossError(await lossErrorOf(() => r.run(request(file(fixture('attack-math.loss.js'))))), 'threw', { message: /patched Math, then failed/ });
    // Number.isFinite = () => true cannot hide a NaN loss from the runner's own checks.
    const nan = await r.run(request(file(fixture('attack-number.loss.js')), { runs: [{ id: 'sgd', optimizer: 'sgd', hyperparameters: { lr: 0.1 } }] }));
    assert.equal(nan.runs[0]!.error?.kind, 'not-a-number');
    assert.equal(nan.runs[0]!.stepsCompleted, 1);
    assert.deepEqual(await laterRuns(r), expected, 'later runs are bit-identical to a fresh runner');
  });

  test('a loss that posts to the host in a loop is stopped by the watchdog (progress, not messages)', async () => {
    const r = runner({ timeoutMs: 800 });
    const t0 = Date.now();
    const e = await lossErrorOf(() => r.run(request(file(fixture('attack-send.loss.js')))));
    assertLossError(e, 'timeout', { file: fixture('attack-send.loss.js'), line: 5, column: 3, message: /^no progress for 800 ms after step [0-3]: does loss\(\) loop forever\? the loss process was stopped/ });
    assert.ok(Date.now() - t0 < 8000);
    assert.deepEqual(await laterRuns(r), await fresh());
  });
});

describe('runner: a loss process that dies says what, where and at which step; the host carries on', () => {
  test('process.exit(5) at step 2', async () => {
    const r = runner();
    const e = await lossErrorOf(() => r.run(request(file(fixture('attack-exit.loss.js')))));
    assertLossError(e, 'crashed', { file: fixture('attack-exit.loss.js'), line: 3, step: 2, message: /^the loss process exited \(code 5\) at step 2: process\.exit\(5\) was called$/ });
    assert.deepEqual(await laterRuns(r), await fresh());
  });

  test('an unhandled promise rejection', async () => {
    const r = runner();
    const e = await lossErrorOf(() => r.run(request(file(fixture('attack-rejection.loss.js')))));
    assertLossError(e, 'threw', { file: fixture('attack-rejection.loss.js'), line: 3, message: /^unhandled promise rejection: boom (at step \d+|during the run \(after step \d+\)); the loss process exited \(code 70\)$/ });
  });

  test('process.kill(process.pid, "SIGKILL") at step 11', async () => {
    const r = runner();
    const e = await lossErrorOf(() => r.run(request(file(fixture('attack-sigkill.loss.js')))));
    assertLossError(e, 'crashed', { file: fixture('attack-sigkill.loss.js'), line: 3, step: 11, message: /^the loss process was killed by SIGKILL at step 11: the loss file sent SIGKILL to its own process$/ });
    assert.deepEqual(await laterRuns(r), await fresh());
  });

  test('process.abort()', async () => {
    const r = runner();
    const e = await lossErrorOf(() => r.run(request(file(fixture('attack-abort.loss.js')))));
    assertLossError(e, 'crashed', { file: fixture('attack-abort.loss.js'), line: 3, step: 0, message: /^the loss process was killed by SIGABRT at the first evaluation \(step 0\): process\.abort\(\) was called$/ });
    assert.equal((await r.run(request(builtin('canyon')))).runs.length, 2);
  });

  test('out of memory on the heap (small limit) and off-heap ArrayBuffers (RSS watchdog)', async () => {
    const r = runner({ memoryLimitMb: 96, timeoutMs: 30_000 });
    const heap = await lossErrorOf(() => r.run(request(file(fixture('attack-oom.loss.js')))));
    assertLossError(heap, 'crashed', { file: fixture('attack-oom.loss.js'), message: /^out of memory \(96 MB limit\) while checking the loss at its start point: the loss process (ran out of heap|used \d+ MB) and was stopped$/ });
    const offHeap = await lossErrorOf(() => r.run(request(file(fixture('attack-arraybuffer.loss.js')))));
    assertLossError(offHeap, 'crashed', { file: fixture('attack-arraybuffer.loss.js'), message: /^out of memory \(96 MB limit\) while checking the loss at its start point: the loss process used \d+ MB and was stopped$/ });
    assert.deepEqual(await laterRuns(r), await fresh());
  });

  test('out of memory while loading a data file names the file', async () => {
    let csv = 'x,y,label\n';
    for (let i = 0; i < 400_000; i++) csv += `${i},${i * 0.5},row number ${i} with some text\n`;
    const t = tempFiles({ 'big.csv': csv, 'big.loss.js': "export default { params: { w: 0 }, data: './big.csv', loss: (p, batch) => p.w * p.w };\n" });
    try {
      const r = runner({ memoryLimitMb: 64, timeoutMs: 30_000 });
      const e = await lossErrorOf(() => r.describe(file(t.path('big.loss.js'))));
      assertLossError(e, 'crashed', { file: t.path('big.loss.js'), message: /^out of memory \(64 MB limit\) while loading big\.csv/ });
    } finally {
      t.cleanup();
    }
  });

  test('a run that throws at step 2 of 20 keeps the partial recording and reports the error and its location', async () => {
    const r = runner();
    const res = await r.run(request(file(fixture('throws-at-2.loss.js')), { steps: 20, gradientMode: 'numeric', runs: [{ id: 'sgd', optimizer: 'sgd', hyperparameters: { lr: 0.1 } }] }));
    const rec = res.runs[0]!;
    assert.equal(rec.stepsCompleted, 2);
    assert.equal(rec.params.length, 3);
    assertLossError(rec.error!, 'threw', { file: fixture('throws-at-2.loss.js'), line: 2, step: 2, message: /bad at step 2/ });
  });
});

describe('runner: the watchdog measures progress', () => {
  test('Stop during an infinite loop ends the run at once; the next run gets a fresh process', async () => {
    const r = runner({ timeoutMs: 60_000 });
    const ac = new AbortController();
    let progressed!: () => void;
    const started = new Promise<void>((res) => (progressed = res));
    const p = r.run(request(file(fixture('loops-later.loss.js')), { steps: 1000 }), { onProgress: () => progressed() }, ac.signal);
    await started;
    await new Promise((res) => setTimeout(res, 300)); // in the loop now
    const t0 = Date.now();
    ac.abort();
    const res = await p;
    assert.ok(Date.now() - t0 < 1000, `Stop took ${Date.now() - t0} ms`);
    assert.equal(res.cancelled, true);
    assert.match(res.note ?? '', /^stopped: the loss process was terminated at step \d+$/);
    assert.equal((await r.run(request(file(example('quad5.loss.ts'))))).runs.length, 2);
  });

  test('a loss that takes 600 ms per call, with a 1000 ms timeout, is slow, not an infinite loop', async () => {
    const r = runner({ timeoutMs: 1000 });
    const res = await r.run(request(file(fixture('slow.loss.js')), { steps: 2, runs: [{ id: 'sgd', optimizer: 'sgd', hyperparameters: { lr: 0.1 } }] }));
    assert.equal(res.runs[0]!.stepsCompleted, 2);
    assert.equal(res.runs[0]!.error, undefined);
  });

  test('a 1e6-row CSV and a 20 MB JSON import load with a 2 s timeout, though loading takes longer (it reports progress)', async () => {
    let csv = 'x,y\n';
    for (let i = 0; i < 1_000_000; i++) csv += `${i % 1000},${(i % 7) * 0.5}\n`;
    const rows: string[] = [];
    for (let i = 0; i < 400_000; i++) rows.push(`{"x":${i % 1000},"y":${(i % 7) * 0.5},"note":"json row ${i}"}`);
    const t = tempFiles({
      'million.csv': csv,
      'million.loss.js': "export default { params: { w: 0 }, data: './million.csv', batchSize: 8, loss: (p, batch) => { let s = 0; for (const r of batch) s += (p.w * r.x - r.y) ** 2; return s / batch.length; } };\n",
      'rows.json': `[${rows.join(',\n')}]`,
      'imports.loss.js': "import rows from './rows.json';\nexport default { params: { w: rows.length / 400000 }, loss: (p) => p.w * p.w };\n",
    });
    try {
      const r = runner({ timeoutMs: 2000 });
      const res = await r.run(request(file(t.path('million.loss.js')), { steps: 3, gradientMode: 'numeric' }));
      assert.equal(res.loss.hasData, true);
      assert.equal(res.runs[0]!.stepsCompleted, 3);
      const json = await r.run(request(file(t.path('imports.loss.js')), { steps: 3 }));
      assert.equal(json.runs[0]!.params[0], 1);
    } finally {
      t.cleanup();
    }
  });

  test('a timeout under 300 ms does not count the process start', async () => {
    const r = runner({ timeoutMs: 250 });
    const res = await r.run(request(file(example('quad5.loss.ts')), { steps: 50 }));
    assert.equal(res.runs[1]!.stepsCompleted, 50);
  });

  test('import.meta in an ES module loss file', async () => {
    const info = await runner().describe(file(fixture('module-meta.loss.mjs')));
    assert.deepEqual(info.start, [2]);
  });

  test('a 50 MB thrown message is cut in the loss process: what crosses the boundary is short and counted', async () => {
    const t = tempFiles({ 'huge.loss.js': "module.exports = { params: { x: 1 }, loss(p) { throw new Error('x'.repeat(50_000_000)); } };\n" });
    try {
      const error = await lossErrorOf(() => runner().run(request(file(t.path('huge.loss.js')), { steps: 3, gradientMode: 'numeric', runs: [{ id: 'sgd', optimizer: 'sgd', hyperparameters: { lr: 0.1 } }] })));
      assert.ok(error.message.length < 2000, `${error.message.length} characters crossed`);
      assert.match(error.message, /x… \(50,000,000 characters\)$/);
    } finally {
      t.cleanup();
    }
  });

  test('top-level await in an ES module loss file and in a module it imports', async () => {
    const res = await runner().run(request(file(fixture('top-level-await.loss.mjs')), { steps: 2 }));
    const run = res.runs[1]!;
    assert.equal(run.stepsCompleted, 2);
    // start (rows of data.csv, -1); loss = 0.5·(x² + 3y²): the helper's awaited scale is in effect
    assert.equal(run.loss[0], 0.5 * (10 * 10 + 3));
  });
});

describe('CLI: exits within 1 s of its timeout whatever the loss is blocked in', () => {
  const CLI = join(ROOT, 'dist', 'cli.js');
  const cases: [string, string][] = [
    ['execSync("sleep 41.25")', 'attack-exec.loss.js'],
    ['a FIFO nobody writes to', 'attack-fifo.loss.js'],
    ['reading /dev/zero', 'attack-devzero.loss.js'],
    ['a busy loop', 'attack-busy.loss.js'],
  ];
  for (const [what, name] of cases) {
    test(what, { skip: process.platform === 'win32' }, async () => {
      const t = tempFiles({});
      try {
        execFileSync('mkfifo', [t.path('fifo')]);
        const mark = t.path('mark');
        const timeout = 1000;
        const child = spawn(process.execPath, [CLI, 'simulate', '--loss', fixture(name), '--optimizer', 'sgd', '--steps', '5', '--timeout', String(timeout)], {
          env: { ...process.env, OD_TEST_MARK: mark, OD_TEST_FIFO: t.path('fifo') },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
        const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
        const exited = Date.now();
        assert.equal(code, 1, stderr);
        assert.ok(existsSync(mark), 'the loss file ran');
        const began = Number(readFileSync(mark, 'utf8'));
        // The watchdog starts when the loss process is ready (before the file's top-level code runs).
        assert.ok(exited - began < timeout + 1000, `exited ${exited - began} ms after the loss file started (timeout ${timeout} ms): ${stderr}`);
        assert.match(stderr, /timeout|no progress|did not return|out of memory/);
        if (name === 'attack-exec.loss.js') {
          await new Promise((res) => setTimeout(res, 200));
          const ps = execFileSync('ps', ['-eo', 'args']).toString();
          assert.ok(!ps.includes('sleep 41.25'), 'the execSync child was killed with the process group');
        }
      } finally {
        t.cleanup();
      }
    });
  }

  test('no loss process is left behind by the runners of this file', async () => {
    for (const r of runners) r.dispose();
    await new Promise((res) => setTimeout(res, 300));
    assert.deepEqual(liveLossProcessPids(), []);
  });
});

