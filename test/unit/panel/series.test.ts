import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { linkedRanges } from '../../../src/protocol/axes';
import { defaultHyperparameters, niceNumber, optimizerSchemas, suggestedLr, torchDefaults } from '../../../src/protocol/runDefaults';
import { buildRunSeries, finalMagnitudes, optimizerShortName, runLabels, topK } from '../../../src/protocol/series';
import { exactLength, lossInfoOf, recordingOf } from './fixtures';

describe('buildRunSeries', () => {
  const rec = recordingOf('canyon', 'adam', { lr: 0.02 }, 10_000);
  const info = lossInfoOf('canyon');

  test('decimated to the threshold; exact-length typed arrays; x = step', () => {
    const s = buildRunSeries(rec, { threshold: 800, paramNames: info.paramNames, selected: [0, 1], label: 'Adam', window: info.window! });
    const cols = [s.loss, s.gradNorm, s.updateNorm, ...s.params.flatMap((p) => [p.value, p.grad, p.effectiveLr, p.stepSize, p.updateRatio, ...Object.values(p.state)])];
    for (const c of cols) {
      assert.ok(c.x.length <= 800 && c.x.length === c.y.length && c.x.length > 100);
      assert.ok(exactLength(c.x) && exactLength(c.y));
    }
    assert.equal(s.loss.x[0], 0);
    assert.equal(s.loss.x[s.loss.x.length - 1], 10_000);
    assert.equal(s.params[0]!.effectiveLr.x[0], 1, 'per-step series start at step 1');
    assert.equal(s.params[0]!.effectiveLr.y[0], rec.effectiveLr[0]);
    assert.deepEqual(s.stateNames, ['exp_avg', 'exp_avg_sq', 'exp_avg_hat', 'exp_avg_sq_hat']);
    assert.ok(s.path && s.path.x[0] === -4 && s.path.y[0] === 1 && s.path.step[s.path.step.length - 1] === 10_000);
    assert.equal(s.rows, 10_001);
    assert.ok(s.pointsSent < 25 * 800);
  });

  test('threshold 0 sends every step; only selected parameters get series', () => {
    const small = recordingOf('canyon', 'sgd', { lr: 0.05 }, 50);
    const s = buildRunSeries(small, { threshold: 0, paramNames: ['x', 'y'], selected: [1], label: 'SGD' });
    assert.equal(s.loss.x.length, 51);
    assert.equal(s.params.length, 1);
    assert.equal(s.params[0]!.name, 'y');
    assert.equal(s.params[0]!.effectiveLr.y.every((v) => v === 0.05), true, 'SGD: α = lr');
    assert.deepEqual(s.stateNames, [], 'plain SGD keeps no state');
    const ratio = s.params[0]!.updateRatio;
    assert.ok(Math.abs(ratio.y[0]! - Math.abs(small.update[1]!) / Math.abs(small.params[1]!)) < 1e-15);
  });

  test('gradient norm and best loss', () => {
    const small = recordingOf('canyon', 'sgd', { lr: 0.05 }, 5);
    const s = buildRunSeries(small, { threshold: 0, paramNames: ['x', 'y'], selected: [0, 1], label: 'SGD' });
    assert.ok(Math.abs(s.gradNorm.y[0]! - Math.hypot(-8, 20)) < 1e-12);
    assert.equal(s.bestLoss, Math.min(...small.loss));
  });
});

describe('labels, top-k, defaults', () => {
  test('short names follow the flags; duplicates get the differing hyperparameters', () => {
    assert.equal(optimizerShortName('sgd', { momentum: 0.9, nesterov: true }), 'Nesterov');
    assert.equal(optimizerShortName('adam', { amsgrad: true }), 'AMSGrad');
    assert.deepEqual(runLabels([
      { optimizer: 'adam', hyperparameters: { lr: 0.01, eps: 1e-8 } },
      { optimizer: 'adam', hyperparameters: { lr: 0.1, eps: 1e-8 } },
      { optimizer: 'sgd', hyperparameters: { lr: 0.1 } },
    ]), ['Adam lr=0.01', 'Adam lr=0.1', 'SGD']);
  });

  test('topK by magnitude, ties by index, returned in index order', () => {
    assert.deepEqual(topK([0.1, 5, NaN, 5, 3], 3), [1, 3, 4]);
    assert.deepEqual([...finalMagnitudes(recordingOf('canyon', 'sgd', { lr: 0 }, 3))], [4, 1]);
  });

  test('per-loss learning rates: SGD uses suggestedLr, Adam moves ~distance in the run', () => {
    const canyon = lossInfoOf('canyon');
    assert.equal(suggestedLr('sgd', canyon, 500), 0.09);
    assert.equal(suggestedLr('adam', canyon, 500), 0.02);
    assert.equal(suggestedLr('adadelta', canyon, 500), undefined);
    assert.equal(defaultHyperparameters('adam', null, 500)['lr'], 1e-3, 'unknown scale: PyTorch default');
    assert.deepEqual(defaultHyperparameters('adam', canyon, 500)['betas'], [0.9, 0.999]);
    assert.equal(niceNumber(0.0206), 0.02);
    assert.equal(niceNumber(0.0734), 0.05);
    assert.equal(torchDefaults('rmsprop')['alpha'], 0.99);
    assert.equal(optimizerSchemas().length, 12);
  });

  test('linked ranges: union over panels, positive only on log charts', () => {
    const a = buildRunSeries(recordingOf('canyon', 'adam', { lr: 0.02 }, 100), { threshold: 0, paramNames: ['x', 'y'], selected: [0, 1], label: 'Adam' });
    const b = buildRunSeries(recordingOf('canyon', 'sgd', { lr: 0.09 }, 100), { threshold: 0, paramNames: ['x', 'y'], selected: [0, 1], label: 'SGD' });
    const r = linkedRanges([a, b]);
    assert.ok(r['effectiveLr']![0] < 0.02 && r['effectiveLr']![1] >= 0.09);
    assert.ok(r['convergence']![0] > 0);
    assert.ok(r['moments:exp_avg']);
  });
});
