// The panel form's protocol helpers (issue 9 §5, issue 8 item 17): a restored configuration keeps
// what is valid and says what it dropped; a refused run says why, field by field; the suggested
// defaults say where they come from, and Rosenbrock / loss files get defaults that show progress.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_LOSSES, builtinProblem, createOptimizer, simulate } from '../../../src/core';
import { LIMITS, parseFromWebview, parseSessionConfig, restoreSessionConfig, sessionConfigProblems } from '../../../src/protocol/messages';
import { defaultHyperparameters, lossHintOf, suggestedSources, suggestedSteps } from '../../../src/protocol/runDefaults';

const run = (i: number, optimizer = 'adam') => ({ id: `r${i}`, optimizer, hyperparameters: { lr: 0.01 } });

describe('restoreSessionConfig', () => {
  test('a valid config is restored as is', () => {
    const cfg = { loss: { kind: 'builtin', name: 'canyon' }, runs: [run(1)], steps: 500, seed: 0 };
    assert.deepEqual(restoreSessionConfig(cfg, { steps: 500 }), { config: parseSessionConfig(cfg), dropped: [] });
  });

  test('14 runs (the old unlimited Add to comparison): the first 12 are restored, the rest reported', () => {
    const cfg = { loss: { kind: 'builtin', name: 'canyon' }, runs: Array.from({ length: 14 }, (_, i) => run(i + 1)), steps: 500, seed: 0 };
    assert.equal(parseSessionConfig(cfg), undefined, 'the strict validator refuses it');
    const r = restoreSessionConfig(cfg, { steps: 500 })!;
    assert.equal(r.config.runs.length, LIMITS.maxRuns);
    assert.deepEqual(r.config.runs.map((x) => x.id), cfg.runs.slice(0, 12).map((x) => x.id));
    assert.equal(r.dropped.length, 2);
    assert.match(r.dropped[0]!, /run 13 \(adam: over the limit of 12 runs\)/);
  });

  test('an invalid run and out-of-range steps are dropped and said; the rest is kept', () => {
    const cfg = { loss: { kind: 'builtin', name: 'beale' }, runs: [run(1), { id: 'r2', optimizer: 'nope', hyperparameters: {} }, run(3, 'sgd')], steps: 5_000_000, seed: 7 };
    const r = restoreSessionConfig(cfg, { steps: 500 })!;
    assert.deepEqual(r.config.runs.map((x) => x.optimizer), ['adam', 'sgd']);
    assert.equal(r.config.steps, 500);
    assert.equal(r.config.seed, 7);
    assert.deepEqual(r.dropped, ['run 2 (invalid)', 'steps 5000000 (must be 1 to 1000000; using 500)']);
  });

  test('nothing usable: undefined (the caller shows the default and says so)', () => {
    assert.equal(restoreSessionConfig({ loss: { kind: 'nope' }, runs: [run(1)], steps: 1, seed: 0 }, { steps: 500 }), undefined);
    assert.equal(restoreSessionConfig({ loss: { kind: 'builtin', name: 'canyon' }, runs: [{}], steps: 1, seed: 0 }, { steps: 500 }), undefined);
    assert.equal(restoreSessionConfig('x', { steps: 500 }), undefined);
  });
});

describe('sessionConfigProblems', () => {
  test('steps above the maximum: the reason names the limit', () => {
    const cfg = { loss: { kind: 'builtin', name: 'canyon' }, runs: [run(1)], steps: LIMITS.maxSteps + 1, seed: 0 };
    assert.equal(parseFromWebview({ type: 'run/start', config: cfg, live: false }), undefined);
    assert.deepEqual(sessionConfigProblems(cfg), [{ field: 'steps', message: 'steps must be a whole number from 1 to 1,000,000, got 1000001' }]);
  });

  test('13 runs: too many', () => {
    const cfg = { loss: { kind: 'builtin', name: 'canyon' }, runs: Array.from({ length: 13 }, (_, i) => run(i + 1)), steps: 10, seed: 0 };
    assert.deepEqual(sessionConfigProblems(cfg), [{ field: 'runs', message: 'a panel holds at most 12 runs, got 13' }]);
  });

  test('a valid config has no problem', () => {
    assert.deepEqual(sessionConfigProblems({ loss: { kind: 'builtin', name: 'canyon' }, runs: [run(1)], steps: 10, seed: 0 }), []);
  });

  test('new messages are validated: run/validate, view/linkStep, addToComparison presets', () => {
    const cfg = { loss: { kind: 'builtin', name: 'canyon' }, runs: [run(1)], steps: 10, seed: 0 };
    assert.ok(parseFromWebview({ type: 'run/validate', seq: 3, config: cfg }));
    assert.equal(parseFromWebview({ type: 'run/validate', seq: -1, config: cfg }), undefined);
    assert.deepEqual(parseFromWebview({ type: 'view/linkStep', step: 12 }), { type: 'view/linkStep', step: 12 });
    assert.deepEqual(parseFromWebview({ type: 'view/linkStep', hover: null }), { type: 'view/linkStep', hover: null });
    assert.equal(parseFromWebview({ type: 'view/linkStep' }), undefined);
    assert.equal(parseFromWebview({ type: 'view/linkStep', step: 1.5 }), undefined);
    // the step-axis zoom (side by side): a range [first < last] of steps, or null (reset)
    assert.deepEqual(parseFromWebview({ type: 'view/linkStep', zoom: [2.5, 40] }), { type: 'view/linkStep', zoom: [2.5, 40] });
    assert.deepEqual(parseFromWebview({ type: 'view/linkStep', zoom: null }), { type: 'view/linkStep', zoom: null });
    for (const zoom of [[40, 2], [1], [0, Infinity], [-1, 3], ['0', 3], 'x']) assert.equal(parseFromWebview({ type: 'view/linkStep', zoom }), undefined, JSON.stringify(zoom));
    assert.deepEqual(parseFromWebview({ type: 'run/addToComparison', optimizer: 'sgd', hyperparameters: { momentum: 0.9, nesterov: true } }),
      { type: 'run/addToComparison', optimizer: 'sgd', hyperparameters: { momentum: 0.9, nesterov: true } });
    assert.equal(parseFromWebview({ type: 'run/addToComparison', optimizer: 'sgd', hyperparameters: { momentum: 'fast' } }), undefined);
    assert.equal(parseFromWebview({ type: 'run/addToComparison', optimizer: 'sgd', hyperparameters: { 'Bad-Name': 1 } }), undefined);
  });
});

describe('defaults that show the optimizer working', () => {
  const finalLoss = (loss: string, optimizer: 'sgd' | 'rmsprop' | 'adam', steps: number, extra: Record<string, number | boolean> = {}): number => {
    const b = BUILTIN_LOSSES[loss]!;
    const h = { ...defaultHyperparameters(optimizer, lossHintOf({ kind: 'builtin', name: loss }), steps), ...extra };
    const r = simulate({ problem: builtinProblem(b), optimizer: createOptimizer(optimizer, h), start: Float64Array.from(b.start), steps, record: 'trajectory' });
    return r.loss[r.stepsCompleted]!;
  };

  test('Rosenbrock: 2000 steps, and SGD + momentum, RMSprop and Adam end near the minimum (f* = 0)', () => {
    const hint = lossHintOf({ kind: 'builtin', name: 'rosenbrock' });
    const steps = suggestedSteps(hint)!;
    assert.equal(steps, 2000);
    const f = { sgd: finalLoss('rosenbrock', 'sgd', steps), momentum: finalLoss('rosenbrock', 'sgd', steps, { momentum: 0.9 }), rmsprop: finalLoss('rosenbrock', 'rmsprop', steps), adam: finalLoss('rosenbrock', 'adam', steps) };
    // The start is f = 12.5 (−1.5, 2).
    assert.ok(f.sgd < 0.5, `SGD ${f.sgd}`);
    assert.ok(f.momentum < 1e-3, `momentum ${f.momentum}`);
    assert.ok(f.rmsprop < 0.05, `RMSprop ${f.rmsprop}`);
    assert.ok(f.adam < 1e-3, `Adam ${f.adam}`);
  });

  test('loss files do not start at torch\'s lr = 1e-3 for the adaptive methods; the source is stated', () => {
    const hint = lossHintOf({ kind: 'file', path: '/x/mlp.loss.ts' });
    assert.equal(defaultHyperparameters('adam', hint, 500)['lr'], 0.01);
    assert.equal(defaultHyperparameters('sgd', hint, 500)['lr'], 0.05);
    assert.equal(defaultHyperparameters('adadelta', hint, 500)['lr'], 1, 'Adadelta keeps PyTorch\'s default');
    const src = suggestedSources(hint, 500);
    assert.match(src['adam']!['lr']!, /suggested for loss files/);
    assert.equal(src['adam']!['eps'], 'PyTorch default');
    assert.equal(src['adadelta']!['lr'], 'PyTorch default');
    assert.match(suggestedSources(lossHintOf({ kind: 'builtin', name: 'rosenbrock' }), 2000)['adam']!['lr']!, /^suggested for rosenbrock/);
    assert.match(suggestedSources(lossHintOf({ kind: 'builtin', name: 'canyon' }), 500)['sgd']!['lr']!, /^suggested for canyon/);
  });

  test('overparam-logistic starts where 500 steps show progress (not PyTorch\'s 1e-3), and says why', async () => {
    const hint = lossHintOf({ kind: 'builtin', name: 'overparam-logistic' });
    assert.equal(suggestedSteps(hint), undefined, 'the steps setting stays as it is');
    const expected = { sgd: 0.5, adagrad: 0.1, rmsprop: 0.01, adam: 0.05, adamw: 0.05, nadam: 0.05, lion: 5e-3 } as const;
    for (const [name, lr] of Object.entries(expected)) assert.equal(defaultHyperparameters(name as keyof typeof expected, hint, 500)['lr'], lr, name);
    assert.equal(suggestedSources(hint, 500)['adam']!['lr'], 'suggested for overparam-logistic (tuned to bring the training loss under 1e-2 in 500 steps)');
    assert.equal(suggestedSources(hint, 500)['adadelta']!['lr'], 'PyTorch default');
    // what the source says: each default brings the training loss under 1e-2 in 500 steps (the CLI's run)
    const { SimulationRunner } = await import('../../../src/runner/client');
    const { WORKER } = await import('../loss/fixtures');
    const r = new SimulationRunner({ workerPath: WORKER, timeoutMs: 20_000, allowWorkspaceCode: false, warmSpare: false });
    try {
      for (const name of ['sgd', 'rmsprop', 'adam', 'lion'] as const) {
        const res = await r.run({ requestId: name, loss: { kind: 'builtin', name: 'overparam-logistic' }, runs: [{ id: name, optimizer: name, hyperparameters: defaultHyperparameters(name, hint, 500) }], steps: 500, seed: 0 }, {});
        const loss = res.runs[0]!.loss;
        assert.ok(loss[loss.length - 1]! < 1e-2, `${name}: final training loss ${loss[loss.length - 1]} < 1e-2`);
      }
    } finally {
      r.dispose();
    }
  });
});
