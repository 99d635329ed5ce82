// The request field lrRange (lr-find) is read as own properties, like every request field: a polluted
// Object.prototype cannot supply or change it; the run loop applies it to every run's lr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownRequest, runRequest, resolveBuiltin } from '../../../src/runner/engine';
import type { FromWorkerMessage, RecordingColumns, SimulationRequest } from '../../../src/protocol/simulation';
import { lrRangeAt } from '../../../src/core/lrFind';

const base: SimulationRequest = { requestId: 'r', loss: { kind: 'builtin', name: 'canyon' }, runs: [{ id: 'a', optimizer: 'sgd', hyperparameters: {} }], steps: 10 };

test('lrRange: own properties only, a null-prototype copy', () => {
  const proto = Object.prototype as Record<string, unknown>;
  proto['lrRange'] = { min: 1, max: 2, steps: 3 };
  proto['min'] = 5;
  try {
    assert.equal(ownRequest(base).lrRange, undefined, 'an inherited lrRange is ignored');
    const r = ownRequest({ ...base, lrRange: { max: 10, steps: 10 } });
    assert.ok(Number.isNaN(r.lrRange!.min), 'an inherited min is not read');
    assert.equal(Object.getPrototypeOf(r.lrRange), null);
  } finally {
    delete proto['lrRange'];
    delete proto['min'];
  }
});

test('lrRange: the run loop grows every run\'s lr exponentially; a bad range fails the request', async () => {
  const posts: FromWorkerMessage[] = [];
  const io = { post: (m: FromWorkerMessage) => void posts.push(m), cancelled: () => false, inProcess: true };
  await runRequest(ownRequest({ ...base, lrRange: { min: 1e-4, max: 1e-1, steps: 10 } }), () => resolveBuiltin('canyon'), io);
  const rec = (posts.find((m) => m.type === 'sim/didFinishRun') as { recording: RecordingColumns }).recording;
  for (let t = 1; t <= 10; t++) assert.equal(rec.lr[t - 1], lrRangeAt(t, 1e-4, 1e-1, 10));
  posts.length = 0;
  await runRequest(ownRequest({ ...base, lrRange: { min: 0, max: 1, steps: 10 } }), () => resolveBuiltin('canyon'), io);
  const fail = posts.find((m) => m.type === 'sim/didFail') as { error: { kind: string; message: string } };
  assert.equal(fail.error.kind, 'hyperparameter');
  assert.match(fail.error.message, /0 < min < max/);
});
