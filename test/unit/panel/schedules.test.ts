// The panel's schedule and switch plumbing on the host side: the protocol's shape checks, the core's
// validation per field, the lr preview computed before running, and the run series' lr and switch markers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_LOSSES, builtinProblem, createOptimizer, createSegments, parseSchedulerSpec, previewSchedule, simulate } from '../../../src/core';
import { parseFromWebview, parseRunSpec, parseSessionConfig, type SessionConfig } from '../../../src/protocol/messages';
import { buildRunSeries } from '../../../src/protocol/series';
import { configProblems, schedulePreviews } from '../../../src/host/panel/validate';
import type { RecordingColumns } from '../../../src/protocol/simulation';

const base = (runs: SessionConfig['runs'], steps = 100): SessionConfig => ({ loss: { kind: 'builtin', name: 'canyon' }, runs, steps, seed: 0 });

describe('protocol: RunSpec.schedule and RunSpec.then', () => {
  test('well-formed schedules and switches pass; the values are copied', () => {
    const r = parseRunSpec({
      id: 'a', optimizer: 'adam', hyperparameters: { lr: 0.1 },
      schedule: { schedulers: [{ name: 'MultiStepLR', args: { milestones: [10, 20], gamma: 0.5 } }] },
      then: [{ optimizer: 'sgd', hyperparameters: { lr: 0.02, momentum: 0.9 }, fromStep: 50 }],
    });
    assert.deepEqual(r, {
      id: 'a', optimizer: 'adam', hyperparameters: { lr: 0.1 },
      schedule: { schedulers: [{ name: 'MultiStepLR', args: { milestones: [10, 20], gamma: 0.5 } }] },
      then: [{ optimizer: 'sgd', hyperparameters: { lr: 0.02, momentum: 0.9 }, fromStep: 50 }],
    });
    assert.ok(parseFromWebview({ type: 'run/validate', seq: 1, config: base([r!]) }));
  });
  test('unknown classes, odd keyword names and values, bad switches are refused (the message is dropped)', () => {
    const run = (extra: object) => ({ id: 'a', optimizer: 'adam', hyperparameters: {}, ...extra });
    for (const bad of [
      { schedule: { schedulers: [{ name: 'FooLR', args: {} }] } },
      { schedule: { schedulers: [{ name: 'StepLR', args: { __proto__x: 1, 'bad-key': 1 } }] } },
      { schedule: { schedulers: [{ name: 'StepLR', args: { step_size: { nested: 1 } } }] } },
      { schedule: { schedulers: [] } },
      { schedule: { schedulers: [{ name: 'StepLR', args: {} }], milestones: [-1] } },
      { then: [{ optimizer: 'nope', hyperparameters: {}, fromStep: 3 }] },
      { then: [{ optimizer: 'sgd', hyperparameters: {}, fromStep: 0 }] },
    ]) assert.equal(parseRunSpec(run(bad)), undefined, JSON.stringify(bad));
    assert.equal(parseSessionConfig(base([run({ schedule: { schedulers: [{ name: 'FooLR', args: {} }] } }) as never])), undefined);
  });
});

describe('host: schedule problems and previews', () => {
  test('the core names the schedule problem (field "schedule") and the switch problem (field "then")', () => {
    const p = configProblems(base([
      { id: 'a', optimizer: 'sgd', hyperparameters: { lr: 0.1 }, schedule: { schedulers: [{ name: 'StepLR', args: {} }] } },
      { id: 'b', optimizer: 'adam', hyperparameters: { lr: 0.1 }, schedule: { schedulers: [{ name: 'CyclicLR', args: { base_lr: 0.01, max_lr: 0.1 } }] } },
      { id: 'c', optimizer: 'adam', hyperparameters: { lr: 0.1 }, then: [{ optimizer: 'sgd', hyperparameters: {}, fromStep: 100 }] },
      { id: 'd', optimizer: 'sgd', hyperparameters: { lr: 0.1 }, schedule: { schedulers: [{ name: 'OneCycleLR', args: { max_lr: 1, total_steps: 50 } }] } },
    ]));
    assert.deepEqual(p.map((x) => [x.runId, x.field]), [['a', 'schedule'], ['b', 'schedule'], ['c', 'then'], ['d', 'schedule']]);
    assert.match(p[0]!.message, /StepLR: invalid step_size: required keyword is missing/);
    assert.match(p[1]!.message, /cycle_momentum/);
    assert.match(p[2]!.message, /before the run's last step \(100\)/);
    assert.match(p[3]!.message, /total_steps=50 is fewer than the 100 steps/);
    assert.deepEqual(configProblems(base([{ id: 'a', optimizer: 'sgd', hyperparameters: { lr: 0.1 }, schedule: { schedulers: [{ name: 'StepLR', args: { step_size: 10 } }] } }])), []);
  });
  test('the preview is the core schedule of every step (threshold 0: all of them), before anything runs', () => {
    const schedule = { schedulers: [parseSchedulerSpec('CosineAnnealingLR T_max=100 eta_min=0.001')] };
    const [pv] = schedulePreviews(base([{ id: 'a', optimizer: 'adam', hyperparameters: { lr: 0.1 }, schedule }]), 0);
    const want = previewSchedule(schedule, 0.1, 'beta1', 0.9, 100);
    assert.equal(pv!.runId, 'a');
    assert.deepEqual([...pv!.lr.y], [...want.lr]);
    assert.deepEqual([...pv!.lr.x].slice(0, 3), [1, 2, 3], 'x = the step that uses lr[t]');
    assert.equal(pv!.momentum, null);
    // the same lr as the run records
    const rec = simulate({ problem: builtinProblem(BUILTIN_LOSSES['canyon']!), optimizer: createOptimizer('adam', { lr: 0.1 }), start: Float64Array.of(-4, 1), steps: 100, schedule });
    assert.deepEqual([...pv!.lr.y], [...rec.lr]);
  });
  test('a switch: the first optimizer\'s lr until the switch, then the new one\'s (its own schedule); a cycled momentum comes along', () => {
    const [pv] = schedulePreviews(base([{
      id: 'a', optimizer: 'sgd', hyperparameters: { lr: 0.01, momentum: 0.9 },
      schedule: { schedulers: [parseSchedulerSpec('OneCycleLR max_lr=0.05 total_steps=40')] },
      then: [{ optimizer: 'adam', hyperparameters: { lr: 0.002 }, fromStep: 40, schedule: { schedulers: [parseSchedulerSpec('ExponentialLR gamma=0.5')] } }],
    }], 60), 0);
    const oc = previewSchedule({ schedulers: [parseSchedulerSpec('OneCycleLR max_lr=0.05 total_steps=40')] }, 0.01, 'momentum', 0.9, 40);
    assert.deepEqual([...pv!.lr.y.subarray(0, 40)], [...oc.lr]);
    assert.deepEqual([...pv!.lr.y.subarray(40, 43)], [0.002, 0.001, 0.0005]);
    assert.deepEqual([...pv!.momentum!.y.subarray(0, 40)], [...oc.momentum!]);
    assert.equal(pv!.momentum!.y[45], 0.9, 'Adam\'s own β₁ after the switch');
    assert.deepEqual(pv!.switches, [40]);
    assert.deepEqual(schedulePreviews(base([{ id: 'a', optimizer: 'sgd', hyperparameters: { lr: 0.1 } }]), 0), [], 'no schedule, no preview');
  });
  test('decimated previews keep the extremes (min-max buckets)', () => {
    const [pv] = schedulePreviews(base([{ id: 'a', optimizer: 'sgd', hyperparameters: { lr: 1 }, schedule: { schedulers: [parseSchedulerSpec('CyclicLR base_lr=0.1 max_lr=1 step_size_up=500 cycle_momentum=false')] } }], 100000), 400);
    assert.ok(pv!.lr.x.length <= 401);
    assert.equal(Math.max(...pv!.lr.y), 1);
    assert.ok(Math.abs(Math.min(...pv!.lr.y) - 0.1) < 1e-12);
  });
});

describe('run series: lr and switch markers', () => {
  const problem = builtinProblem(BUILTIN_LOSSES['canyon']!);
  const columns = (rec: ReturnType<typeof simulate>, optimizer: 'adam' | 'sgd'): RecordingColumns => ({ ...rec, runId: 'a', optimizer, hyperparameters: {}, elapsedMs: 1 });
  test('a run with a schedule sends its lr (x = step), a switch sends its step; a constant lr sends none', () => {
    const then = createSegments([{ optimizer: 'sgd', hyperparameters: { lr: 0.02 }, fromStep: 5 }], 10);
    const rec = simulate({ problem, optimizer: createOptimizer('adam', { lr: 0.1 }), start: Float64Array.of(-4, 1), steps: 10, schedule: { schedulers: [parseSchedulerSpec('StepLR step_size=2 gamma=0.5')] }, then });
    const s = buildRunSeries(columns(rec, 'adam'), { threshold: 0, paramNames: ['x', 'y'], selected: [0], label: 'Adam' });
    assert.deepEqual([...s.lr!.x], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual([...s.lr!.y], [0.1, 0.1, 0.05, 0.05, 0.025, 0.02, 0.02, 0.02, 0.02, 0.02]);
    assert.deepEqual(s.switches, [{ step: 5, optimizer: 'sgd' }]);
    const flat = simulate({ problem, optimizer: createOptimizer('sgd', { lr: 0.01 }), start: Float64Array.of(-4, 1), steps: 10 });
    const f = buildRunSeries(columns(flat, 'sgd'), { threshold: 0, paramNames: ['x', 'y'], selected: [0], label: 'SGD' });
    assert.equal(f.lr, undefined);
    assert.equal(f.switches, undefined);
  });
});
