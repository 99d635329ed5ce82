// The panel's run fields (issue 11 §6): gradient noise σ and gradient mode in a SessionConfig, validated
// as the CLI validates --noise and --gradient; the run request a Session sends carries them exactly as the
// CLI's simulate sets them, plus the end-point report; the validation split's row count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSessionConfig, restoreSessionConfig, sessionConfigProblems, type SessionConfig } from '../../../src/protocol/messages';
import { gradientModeProblem, gradientNoiseProblem, parseGradientFields } from '../../../src/protocol/gradientFields';
import { validationRowCount } from '../../../src/protocol/dataSplit';
import { validationSplit } from '../../../src/loss/sampler';
import { panelRunFields } from '../../../src/host/panel/runFields';
import { Session, type SessionHost } from '../../../src/host/panel/session';
import type { Runner } from '../../../src/host/run/runnerApi';
import type { GradientMode, LossRef, SimulationRequest } from '../../../src/protocol/simulation';
import { SimulationRunner } from '../../../src/runner/client';
import { WORKER } from '../loss/fixtures';

import { join } from 'node:path';
import { ROOT } from '../loss/fixtures';
const example = (name: string): string => join(ROOT, 'examples', name);

const base = { loss: { kind: 'builtin', name: 'canyon' }, runs: [{ id: 'r1', optimizer: 'sgd', hyperparameters: { lr: 0.01 } }], steps: 10, seed: 0 };

test('σ and gradient mode: valid values kept (the defaults 0 and auto dropped), invalid ones refused with the field named', () => {
  assert.equal(parseSessionConfig({ ...base, gradientNoise: 0.25 })?.gradientNoise, 0.25);
  assert.equal(parseSessionConfig({ ...base, gradientMode: 'numeric' })?.gradientMode, 'numeric');
  const d = parseSessionConfig({ ...base, gradientNoise: 0, gradientMode: 'auto' })!;
  assert.ok(!('gradientNoise' in d) && !('gradientMode' in d), 'σ 0 and auto are the defaults: not stored');
  for (const bad of [-0.1, Number.NaN, Infinity, '0.1', null]) assert.equal(parseSessionConfig({ ...base, gradientNoise: bad }), undefined, String(bad));
  assert.equal(parseSessionConfig({ ...base, gradientMode: 'finite' }), undefined);
  assert.deepEqual(sessionConfigProblems({ ...base, gradientNoise: -1 }), [{ field: 'gradientNoise', message: 'gradient noise σ must be a finite number ≥ 0, got -1' }]);
  assert.deepEqual(sessionConfigProblems({ ...base, gradientMode: 'finite' }), [{ field: 'gradientMode', message: 'gradient mode must be one of auto, autodiff, numeric, got finite' }]);
  assert.equal(gradientNoiseProblem(undefined), null);
  assert.equal(gradientModeProblem('autodiff'), null);
  assert.deepEqual(parseGradientFields({ gradientNoise: 1e-3, gradientMode: 'autodiff' }), { ok: true, value: { gradientNoise: 1e-3, gradientMode: 'autodiff' }, problems: [] });
});

test('a restored config drops an invalid σ or mode, says so, and keeps the rest', () => {
  const r = restoreSessionConfig({ ...base, seed: 5, gradientNoise: -2, gradientMode: 'numeric' }, { steps: 10 })!;
  assert.equal(r.config.gradientNoise, undefined);
  assert.equal(r.config.gradientMode, 'numeric');
  assert.equal(r.config.seed, 5);
  assert.deepEqual(r.dropped, ['gradient noise σ must be a finite number ≥ 0, got -2 (using the default)']);
});

test('the request fields: σ as --noise, the mode as --gradient (loss files only), the end point always', () => {
  const file: SessionConfig = { ...(base as unknown as SessionConfig), loss: { kind: 'file', path: '/w/a.loss.ts' }, gradientNoise: 0.5, gradientMode: 'numeric' };
  assert.deepEqual(panelRunFields(file), { gradientNoise: 0.5, gradientMode: 'numeric', endpoint: true });
  // a built-in's gradient is analytic: the mode does not apply and is not sent (σ is: the CLI's --noise works on built-ins)
  assert.deepEqual(panelRunFields({ ...file, loss: { kind: 'builtin', name: 'canyon' } }), { gradientNoise: 0.5, endpoint: true });
  assert.deepEqual(panelRunFields(base as unknown as SessionConfig), { endpoint: true });
  assert.deepEqual(panelRunFields(base as unknown as SessionConfig, false), {}, 'no end point where second derivatives cost too much');
});

test('a Session sends seed, batch size, σ and mode in its run request; the runs carry the end point; equal to a direct run with the CLI\'s fields', async () => {
  const real = new SimulationRunner({ workerPath: WORKER, timeoutMs: 20_000, allowWorkspaceCode: true, warmSpare: false });
  const requests: SimulationRequest[] = [];
  const describes: unknown[] = [];
  const runner = {
    describe: (l: LossRef, mode?: GradientMode, signal?: AbortSignal) => {
      describes.push(mode);
      return real.describe(l, mode, signal);
    },
    run: (req: SimulationRequest, cb: Parameters<Runner['run']>[1], signal?: AbortSignal) => {
      requests.push(req);
      return real.run(req, cb, signal);
    },
  } as unknown as Runner;
  const host: SessionHost = {
    post: () => undefined,
    runner: () => runner,
    settings: () => ({ liveUpdate: true, decimationThreshold: 1000, liveUpdateMaxWork: 400_000 }),
    trusted: () => true,
    landscape: () => null,
  };
  const file = example('linear-regression.loss.ts');
  const cfg: SessionConfig = { loss: { kind: 'file', path: file }, runs: [{ id: 'r1', optimizer: 'sgd', hyperparameters: { lr: 0.1 } }], steps: 30, seed: 3, batchSize: 4, gradientNoise: 0.2, gradientMode: 'numeric' };
  const s = new Session(cfg, host);
  try {
    await s.start(cfg);
    assert.equal(s.error, null, s.error?.message);
    assert.equal(requests.length, 1);
    const q = requests[0]!;
    assert.deepEqual({ seed: q.seed, batchSize: q.batchSize, gradientNoise: q.gradientNoise, gradientMode: q.gradientMode, endpoint: q.endpoint }, { seed: 3, batchSize: 4, gradientNoise: 0.2, gradientMode: 'numeric', endpoint: true });
    assert.deepEqual(describes, ['numeric'], 'the loss file is described with the chosen mode (a file the AD refuses can then run)');
    assert.equal(s.loss?.gradient, 'numeric');
    const e = s.series[0]!.endpoint!;
    assert.ok(e, 'the decimated series carries the end-point report');
    assert.equal(e.seed, 3);
    assert.equal(e.gap, e.heldout_loss! - e.train_loss);
    // what src/cli/run.ts sends for --seed 3 --batch-size 4 --noise 0.2 --gradient numeric --endpoint
    const direct = await real.run({ requestId: 'cli', loss: { kind: 'file', path: file }, runs: [{ id: 'sgd', optimizer: 'sgd', hyperparameters: { lr: 0.1 } }], steps: 30, seed: 3, batchSize: 4, gradientNoise: 0.2, gradientMode: 'numeric', trajectoryOnly: false, endpoint: true }, {});
    const a = s.runs[0]!;
    const b = direct.runs[0]!;
    assert.deepEqual(Array.from(a.params), Array.from(b.params));
    assert.deepEqual(Array.from(a.loss), Array.from(b.loss));
    assert.deepEqual(Array.from(a.grad), Array.from(b.grad));
    assert.deepEqual(a.endpoint, b.endpoint);
    // a new mode describes the file again; the same mode does not
    await s.start({ ...cfg, seed: 4 });
    assert.deepEqual(describes, ['numeric']);
    await s.start({ ...cfg, gradientMode: 'autodiff' });
    assert.deepEqual(describes, ['numeric', 'autodiff']);
    assert.equal(s.loss?.gradient, 'autodiff');
  } finally {
    s.dispose();
    real.dispose();
  }
});

test('validationRowCount: round(f·n) held out, at least 1 and at most n − 1, as the loader splits', () => {
  assert.equal(validationRowCount(100, 0.2), 20);
  assert.equal(validationRowCount(48, 0.2), 10); // 9.6 → 10
  assert.equal(validationRowCount(10, 0.01), 1); // 0.1 rounds to 0, at least 1
  assert.equal(validationRowCount(3, 0.9), 2); // 2.7 → 3, at most n − 1
  assert.equal(validationRowCount(100, 0), 0);
  assert.equal(validationRowCount(1, 0.5), 0);
  for (const [n, f] of [[48, 0.2], [600, 0.2], [7, 0.5], [1, 0.5], [10, 0]] as const) assert.equal(validationSplit(n, f).validation.length, validationRowCount(n, f));
});

test('Save Run Configuration writes the panel\'s σ as the run file\'s gradientNoise', async () => {
  const { runFileTextFor } = await import('../../../src/host/runFileText');
  const { parseRunFile } = await import('../../../src/protocol/runFile');
  const cfg = { ...(base as unknown as SessionConfig), gradientNoise: 0.3 };
  const text = runFileTextFor(cfg, '/w/x.optdiag.json');
  assert.equal((JSON.parse(text) as { gradientNoise: number }).gradientNoise, 0.3);
  assert.equal(parseRunFile(text).gradientNoise, 0.3);
  assert.ok(!('gradientNoise' in parseRunFile(text).config));
});
