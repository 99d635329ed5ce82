// The runner's request whitelist keeps a run's schedule and switches (own properties only), and the engine
// runs them: what the CLI and the panel send arrives intact, and a polluted prototype cannot add one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownRequest } from '../../../src/runner/engine';

test('ownRequest copies RunConfig.schedule and RunConfig.then field by field', () => {
  const req = ownRequest({
    requestId: 'r',
    loss: { kind: 'builtin', name: 'canyon' },
    steps: 10,
    runs: [{
      id: 'a', optimizer: 'adam', hyperparameters: { lr: 0.1 },
      schedule: { schedulers: [{ name: 'LinearLR', args: { start_factor: 0.1 } }, { name: 'CosineAnnealingLR', args: { T_max: 8 } }], milestones: [2] },
      then: [{ optimizer: 'sgd', hyperparameters: { lr: 0.02, momentum: 0.9 }, fromStep: 5, schedule: { schedulers: [{ name: 'ExponentialLR', args: { gamma: 0.5 } }] } }],
    }],
  });
  const run = req.runs[0]!;
  assert.deepEqual(JSON.parse(JSON.stringify(run.schedule)), { schedulers: [{ name: 'LinearLR', args: { start_factor: 0.1 } }, { name: 'CosineAnnealingLR', args: { T_max: 8 } }], milestones: [2] });
  assert.deepEqual(JSON.parse(JSON.stringify(run.then)), [{ optimizer: 'sgd', hyperparameters: { lr: 0.02, momentum: 0.9 }, fromStep: 5, schedule: { schedulers: [{ name: 'ExponentialLR', args: { gamma: 0.5 } }] } }]);
});

test('a schedule on Object.prototype does not reach a run', () => {
  const proto = Object.prototype as Record<string, unknown>;
  proto['schedule'] = { schedulers: [{ name: 'StepLR', args: { step_size: 1, gamma: 100 } }] };
  proto['then'] = [{ optimizer: 'sgd', hyperparameters: { lr: 1e6 }, fromStep: 1 }];
  try {
    const req = ownRequest({ requestId: 'r', loss: { kind: 'builtin', name: 'canyon' }, steps: 10, runs: [{ id: 'a', optimizer: 'sgd', hyperparameters: {} }] });
    assert.equal(Object.hasOwn(req.runs[0]!, 'schedule'), false);
    assert.equal(Object.hasOwn(req.runs[0]!, 'then'), false);
  } finally {
    delete proto['schedule'];
    delete proto['then'];
  }
});
