// Seeded sampling: PRNG streams, per-epoch reshuffle, validation split, Gaussian noise.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addGradientNoise, BatchSampler, gaussianSource, hash32, mulberry32, permutation, validationSplit } from '../../../src/loss/sampler';

describe('sampler', () => {
  test('mulberry32 is reproducible and roughly uniform', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 10000 }, () => a());
    assert.deepEqual(xs.slice(0, 100), Array.from({ length: 100 }, () => b()));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
    assert.notEqual(hash32(1, 2), hash32(2, 1));
    assert.notEqual(hash32(2 ** 40), hash32(0), 'high bits of large seeds count');
  });

  test('every epoch visits every row exactly once (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 64 }), fc.integer(), fc.integer({ min: 0, max: 5 }), (n, batchSize, seed, epoch) => {
        const s = new BatchSampler(n, batchSize, seed);
        const seen = new Array<number>(n).fill(0);
        for (let b = 0; b < s.batchesPerEpoch; b++) {
          const idx = s.indices(epoch * s.batchesPerEpoch + b);
          assert.ok(idx.length >= 1 && idx.length <= batchSize);
          for (const i of idx) seen[i]!++;
        }
        assert.ok(seen.every((c) => c === 1));
      }),
      { numRuns: 200 },
    );
  });

  test('epochs are reshuffled; same seed → same batches; different seed → different', () => {
    const a = new BatchSampler(50, 10, 7);
    const b = new BatchSampler(50, 10, 7);
    const c = new BatchSampler(50, 10, 8);
    const order = (s: BatchSampler, epoch: number) => Array.from({ length: 5 }, (_, k) => Array.from(s.indices(epoch * 5 + k))).flat();
    assert.deepEqual(order(a, 0), order(b, 0));
    assert.deepEqual(order(a, 3), order(b, 3));
    assert.notDeepEqual(order(a, 0), order(a, 1), 'reshuffled per epoch');
    assert.notDeepEqual(order(a, 0), order(c, 0));
    // Random access: asking for step 23 first gives the same batch as walking there.
    const d = new BatchSampler(50, 10, 7);
    assert.deepEqual(Array.from(d.indices(23)), Array.from(b.indices(23)));
    // The last batch of an epoch may be smaller.
    const e = new BatchSampler(10, 4, 1);
    assert.deepEqual([0, 1, 2].map((k) => e.indices(k).length), [4, 4, 2]);
  });

  test('full batch: all rows in order, the same array object', () => {
    const rows = [{ a: 1 }, { a: 2 }, { a: 3 }];
    const s = new BatchSampler(3, 3, 0);
    assert.equal(s.batch(rows, 0), rows);
    assert.equal(s.batch(rows, 17), rows);
    assert.throws(() => new BatchSampler(3, 0, 0), /positive integer/);
  });

  test('validation split: fixed, disjoint, complete, the requested fraction', () => {
    const a = validationSplit(100, 0.2);
    const b = validationSplit(100, 0.2);
    assert.deepEqual(a, b);
    assert.equal(a.validation.length, 20);
    assert.deepEqual([...a.train, ...a.validation].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
    assert.equal(validationSplit(10, 0.01).validation.length, 1, 'at least one held-out row');
    assert.equal(validationSplit(2, 0.9).train.length, 1, 'at least one training row');
    assert.equal(validationSplit(10, 0).validation.length, 0);
    assert.notDeepEqual(Array.from(a.validation), Array.from({ length: 20 }, (_, i) => 80 + i), 'shuffled, not the last rows');
  });

  test('permutation is a permutation; gaussian source has unit variance', () => {
    const p = permutation(1000, mulberry32(1));
    assert.deepEqual(Array.from(p).sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
    const normal = gaussianSource(mulberry32(9));
    const xs = Array.from({ length: 20000 }, normal);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    assert.ok(Math.abs(mean) < 0.03 && Math.abs(variance - 1) < 0.05, `mean ${mean}, variance ${variance}`);
  });

  test('gradient noise depends only on (seed, step)', () => {
    const g = (seed: number, step: number) => {
      const v = new Float64Array(4);
      addGradientNoise(v, 0.3, seed, step);
      return Array.from(v);
    };
    assert.deepEqual(g(1, 5), g(1, 5));
    assert.notDeepEqual(g(1, 5), g(1, 6));
    assert.notDeepEqual(g(1, 5), g(2, 5));
    const zero = new Float64Array(3);
    addGradientNoise(zero, 0, 1, 1);
    assert.deepEqual(Array.from(zero), [0, 0, 0]);
  });
});
