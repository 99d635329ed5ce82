// The output channel's lines (src/host/log.ts), from the messages a session really posts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExtensionLog, type LogSink } from '../../../src/host/log';
import type { SessionConfig, RunStatus } from '../../../src/protocol/messages';

function sink(): LogSink & { got: string[] } {
  const got: string[] = [];
  return { got, info: (m) => got.push(`info ${m}`), warn: (m) => got.push(`warn ${m}`), error: (m) => got.push(`error ${m}`) };
}

const config: SessionConfig = {
  loss: { kind: 'file', path: '/ws/xor.loss.ts' },
  runs: [
    { id: 'r1', optimizer: 'adam', hyperparameters: { lr: 0.02, betas: [0.9, 0.999], eps: 1e-8 } },
    { id: 'r2', optimizer: 'sgd', hyperparameters: { lr: 0.1, momentum: 0.9, nesterov: true } },
  ],
  steps: 300,
  seed: 0,
};
const status = (phase: RunStatus['phase'], message: string | null): RunStatus => ({ phase, requestId: 'q1', message });

test('a finished run: loss (workspace-relative), every hyperparameter, steps, wall time, outcome', () => {
  const s = sink();
  let t = 1000;
  const log = new ExtensionLog(s, (p) => p.replace('/ws/', ''), () => t);
  log.observe('p1', { type: 'run/didStart', requestId: 'q1', config });
  t = 1010;
  log.observe('p1', { type: 'run/didStart', requestId: 'q1', config }); // re-posted after describe: same request, same t0
  t = 1042.4;
  log.observe('p1', { type: 'run/didFinish', requestId: 'q1', status: status('done', '2 run(s) × 300 steps in 3.1 ms'), paramMagnitudes: new Float64Array(0), selectedParams: [] });
  assert.deepEqual(s.got, [
    'info run done in 42 ms: xor.loss.ts · adam(lr=0.02, betas=(0.9, 0.999), eps=1e-8), sgd(lr=0.1, momentum=0.9, nesterov=true) · 300 steps, seed 0 (2 run(s) × 300 steps in 3.1 ms)',
  ]);
  assert.equal(log.lines().length, 1);
});

test('a failed run is an error with file:line:column and step; Restricted Mode is a warning', () => {
  const s = sink();
  let t = 0;
  const log = new ExtensionLog(s, (p) => p, () => t);
  log.observe('p1', { type: 'run/didStart', requestId: 'q1', config });
  t = 5;
  const error = { kind: 'threw' as const, message: 'boom', file: '/ws/xor.loss.ts', line: 3, column: 9, step: 2 };
  log.observe('p1', { type: 'run/didFail', requestId: 'q1', error, status: status('failed', 'boom') });
  assert.match(s.got[0]!, /^error run failed after 5\.0 ms \(threw\): \/ws\/xor\.loss\.ts · adam\(.*\) · 300 steps, seed 0: \/ws\/xor\.loss\.ts:3:9: boom \(at step 2\)$/);
  log.observe('p2', { type: 'run/didStart', requestId: 'q7', config });
  log.observe('p2', { type: 'run/didFail', requestId: 'q7', error: { kind: 'untrusted', message: 'not trusted', file: '/ws/xor.loss.ts' }, status: status('failed', 'x') });
  log.observe('p1', { type: 'run/didStart', requestId: 'q2', config });
  log.observe('p1', { type: 'run/didFail', requestId: 'q2', error: { ...error, message: 'loss() threw at step 2: boom' }, status: status('failed', 'x') });
  assert.match(s.got[2]!, /: \/ws\/xor\.loss\.ts:3:9: loss\(\) threw at step 2: boom$/, 'the step is not repeated');
  assert.match(s.got[1]!, /^warn run not started \(untrusted\): .*: \/ws\/xor\.loss\.ts: not trusted$/);
});

test('a superseded request logs nothing; stopped runs say so; restarts are warnings', () => {
  const s = sink();
  const log = new ExtensionLog(s, (p) => p, () => 0);
  log.observe('p1', { type: 'run/didStart', requestId: 'q1', config });
  log.observe('p1', { type: 'run/didStart', requestId: 'q2', config });
  log.observe('p1', { type: 'run/didFinish', requestId: 'q1', status: status('done', 'x'), paramMagnitudes: new Float64Array(0), selectedParams: [] });
  assert.deepEqual(s.got, []);
  log.observe('p1', { type: 'run/didFinish', requestId: 'q2', status: status('cancelled', 'Stopped'), paramMagnitudes: new Float64Array(0), selectedParams: [] });
  assert.match(s.got[0]!, /^info run stopped in 0\.0 ms: /);
  log.restart('no result after 100 ms');
  assert.equal(s.got[1], 'warn worker restarted: no result after 100 ms');
});

test('the in-memory copy is bounded', () => {
  const log = new ExtensionLog(sink());
  for (let i = 0; i < 600; i++) log.info(`line ${i}`);
  assert.equal(log.lines().length, 500);
  assert.equal(log.lines()[499]!.message, 'line 599');
});
