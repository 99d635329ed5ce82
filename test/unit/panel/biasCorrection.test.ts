// The bias-correction factors shown in the "values at step" table agree with the m̂/m and v̂/v the
// core recorded (Adam on the canyon), and with hand arithmetic.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { biasCorrection, buildRunSeries } from '../../../src/protocol/series';
import { recordingOf } from './fixtures';

describe('biasCorrection', () => {
  test('hand arithmetic: β = (0.9, 0.999) at t = 1, 2, 10', () => {
    assert.deepEqual(biasCorrection({ betas: [0.9, 0.999] }, 1, true), { m: 1 / (1 - 0.9), v: 1 / (1 - 0.999) });
    const t2 = biasCorrection({ betas: [0.9, 0.999] }, 2, true)!;
    assert.ok(Math.abs(t2.m - 1 / 0.19) < 1e-12 && Math.abs(t2.v! - 1 / 0.001999) < 1e-9);
    const t10 = biasCorrection({ betas: [0.9, 0.999] }, 10, false)!;
    assert.ok(Math.abs(t10.m - 1 / (1 - 0.9 ** 10)) < 1e-12);
    assert.equal(t10.v, null, 'no v̂ recorded (Adamax)');
    assert.equal(biasCorrection({ betas: [0.9, 0.999] }, 0, true), null, 'no correction before the first step');
    assert.equal(biasCorrection({ lr: 0.1 }, 3, true), null, 'no betas');
  });

  test('equals the recorded m̂/m and v̂/v at every one of the first 20 steps', () => {
    const rec = recordingOf('canyon', 'adam', { lr: 0.05 }, 20);
    const s = buildRunSeries(rec, { threshold: 0, paramNames: ['x', 'y'], selected: [0, 1], label: 'Adam' });
    for (const p of s.params) {
      for (let k = 0; k < 20; k++) {
        const t = p.state['exp_avg']!.x[k]!;
        const f = biasCorrection(rec.hyperparameters, t, true)!;
        const mRatio = p.state['exp_avg_hat']!.y[k]! / p.state['exp_avg']!.y[k]!;
        const vRatio = p.state['exp_avg_sq_hat']!.y[k]! / p.state['exp_avg_sq']!.y[k]!;
        assert.equal(t, k + 1);
        assert.ok(Math.abs(mRatio / f.m - 1) < 1e-12, `m̂/m at step ${t}: ${mRatio} vs ${f.m}`);
        assert.ok(Math.abs(vRatio / f.v! - 1) < 1e-12, `v̂/v at step ${t}: ${vRatio} vs ${f.v}`);
      }
    }
  });
});
