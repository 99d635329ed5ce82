// Prepared runs (issue 8 item 18): while an edit's debounce runs, the Session runs the validated configuration
// of a small built-in and posts it as run/didPrepare; run/start with that seq commits exactly that result
// (run/didStart + run/didFinish, no data again, the runner not called again). Anything that does not match (the
// configuration, a loss file, a large problem, a run in flight) runs as before. A committed prepared run equals
// the plain run bit for bit (runs are seeded and deterministic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session, type SessionHost } from '../../../src/host/panel/session';
import type { Runner } from '../../../src/host/run/runnerApi';
import type { RunSeries, SessionConfig, ToWebview } from '../../../src/protocol/messages';
import type { SimulationRequest } from '../../../src/protocol/simulation';
import { SimulationRunner } from '../../../src/runner/client';
import { WORKER } from '../loss/fixtures';

const adam = (lr: number): SessionConfig => ({ loss: { kind: 'builtin', name: 'canyon' }, runs: [{ id: 'r1', optimizer: 'adam', hyperparameters: { lr } }], steps: 200, seed: 0 });

function setup(maxWork = 400_000) {
  const real = new SimulationRunner({ workerPath: WORKER, timeoutMs: 20_000, allowWorkspaceCode: true, warmSpare: false });
  const requests: SimulationRequest[] = [];
  const runner = {
    describe: real.describe.bind(real),
    run: (req: SimulationRequest, cb: Parameters<Runner['run']>[1], signal?: AbortSignal) => {
      requests.push(req);
      return real.run(req, cb, signal);
    },
  } as unknown as Runner;
  const posts: ToWebview[] = [];
  const host: SessionHost = {
    post: (m) => posts.push(m),
    runner: () => runner,
    settings: () => ({ liveUpdate: true, decimationThreshold: 1000, liveUpdateMaxWork: maxWork }),
    trusted: () => true,
    landscape: () => null,
  };
  return { real, requests, posts, host };
}

/** Every Float64Array of a series as plain arrays (bit-for-bit comparison via deepEqual, NaN included). */
const plain = (v: unknown): unknown => (v instanceof Float64Array ? Array.from(v) : Array.isArray(v) ? v.map(plain) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v);

test('a prepared run is posted as run/didPrepare, changes nothing until run/start commits it, and equals the plain run', async () => {
  const { real, requests, posts, host } = setup();
  const s = new Session(adam(0.02), host);
  try {
    await s.start(adam(0.02));
    const before = s.runs[0]!;
    await s.prepare(7, adam(0.05));
    const prep = posts.filter((m): m is Extract<ToWebview, { type: 'run/didPrepare' }> => m.type === 'run/didPrepare');
    assert.equal(prep.length, 1);
    assert.equal(prep[0]!.seq, 7);
    assert.match(prep[0]!.message, /^1 run\(s\) × 200 steps in /);
    assert.equal(s.runs[0], before, 'the session still holds the run shown');
    assert.equal(s.config.runs[0]!.hyperparameters.lr, 0.02);

    posts.length = 0;
    const calls = requests.length;
    const p = s.start(adam(0.05), 7);
    // committed in the call itself (a message handled after run/start sees the new run)
    assert.equal(s.config.runs[0]!.hyperparameters.lr, 0.05);
    assert.equal(s.status.phase, 'done');
    await p;
    assert.equal(requests.length, calls, 'the runner is not called again');
    assert.deepEqual(posts.map((m) => m.type), ['run/didStart', 'run/didFinish']);
    const committed = s.series[0]!;
    assert.equal(committed, prep[0]!.runs[0], 'the series the webview drew is the session\'s');

    // the same configuration run plainly: the same numbers, bit for bit
    const plainRun = setup();
    const t = new Session(adam(0.02), plainRun.host);
    try {
      await t.start(adam(0.02));
      await t.start(adam(0.05));
      const numbers = (r: RunSeries): unknown => plain({ ...r, elapsedMs: 0 }); // the wall time of each run differs
      assert.deepEqual(numbers(t.series[0]!), numbers(committed));
      assert.deepEqual(Array.from(t.runs[0]!.params), Array.from(s.runs[0]!.params));
    } finally {
      t.dispose();
      plainRun.real.dispose();
    }
  } finally {
    s.dispose();
    real.dispose();
  }
});

test('run/start with a stale or different prepared run runs as usual', async () => {
  const { real, requests, posts, host } = setup();
  const s = new Session(adam(0.02), host);
  try {
    await s.start(adam(0.02));
    await s.prepare(3, adam(0.05));
    const calls = requests.length;
    posts.length = 0;
    await s.start(adam(0.06), 3); // typed on after the prepared edit
    assert.equal(requests.length, calls + 1);
    assert.ok(posts.some((m) => m.type === 'run/didAppendSteps'), 'the data is sent as for any run');
    assert.equal(s.runs[0]!.hyperparameters.lr, 0.06);
    // a seq that was never prepared, or was used up
    await s.prepare(4, adam(0.07));
    await s.start(adam(0.07), 4);
    const n = requests.length;
    await s.start(adam(0.07), 4);
    assert.equal(requests.length, n + 1, 'a prepared run is committed once');
  } finally {
    s.dispose();
    real.dispose();
  }
});

test('nothing is prepared for a loss file, above the live-update work limit, or while a run is in flight', async () => {
  {
    const { real, posts, host } = setup(100); // 200 steps × 1 run × 2 parameters > 100
    const s = new Session(adam(0.02), host);
    try {
      await s.start(adam(0.02));
      await s.prepare(1, adam(0.05));
      assert.ok(!posts.some((m) => m.type === 'run/didPrepare'));
    } finally {
      s.dispose();
      real.dispose();
    }
  }
  const { real, posts, host } = setup();
  const s = new Session(adam(0.02), host);
  try {
    const first = s.start(adam(0.02));
    await s.prepare(1, adam(0.05)); // the first run has not finished
    await first;
    assert.ok(!posts.some((m) => m.type === 'run/didPrepare'));
    await s.prepare(2, { ...adam(0.05), loss: { kind: 'file', path: '/w/a.loss.ts' } });
    assert.ok(!posts.some((m) => m.type === 'run/didPrepare'), 'workspace code never runs speculatively');
    await s.prepare(3, { ...adam(0.05), runs: [{ id: 'r1', optimizer: 'adam', hyperparameters: { lr: -1 } }] });
    assert.ok(!posts.some((m) => m.type === 'run/didPrepare'), 'an invalid configuration is not run');
  } finally {
    s.dispose();
    real.dispose();
  }
});
