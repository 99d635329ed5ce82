import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { allIndices, decimateSeries, gather, lttbIndices, minMaxIndices, pathIndices } from './decimateReference';
import { exactLength } from './fixtures';

const sortedUnique = (ix: Uint32Array): boolean => ix.every((v, i) => i === 0 || v > ix[i - 1]!);

describe('lttbIndices', () => {
  test('keeps everything below the threshold', () => {
    assert.deepEqual([...lttbIndices([1, 2, 3], 3, 10)], [0, 1, 2]);
    assert.deepEqual([...lttbIndices([1, 2, 3, 4], 4, 0)], [0, 1, 2, 3]);
  });

  test('at most threshold points, first and last kept, sorted and unique (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 3, maxLength: 400 }), fc.integer({ min: 3, max: 100 }), (ys, th) => {
        const ix = lttbIndices(ys, ys.length, th);
        assert.ok(ix.length <= Math.max(th, ys.length <= th ? ys.length : th));
        assert.equal(ix[0], 0);
        assert.equal(ix[ix.length - 1], ys.length - 1);
        assert.ok(sortedUnique(ix));
      }),
    );
  });

  test('keeps a spike that a uniform stride would miss', () => {
    const y = Array.from({ length: 10_000 }, (_, i) => (i === 5_003 ? 1000 : Math.sin(i / 500)));
    const ix = lttbIndices(y, y.length, 200);
    assert.ok([...ix].includes(5_003));
  });

  test('non-finite values are never dropped (a divergence stays visible)', () => {
    const y = Array.from({ length: 5_000 }, (_, i) => (i >= 4_990 ? NaN : 1 / (i + 1)));
    const ix = lttbIndices(y, y.length, 100, 'log');
    assert.ok([...ix].some((i) => i >= 4_990 && i < 4_999), 'a NaN row is kept');
    assert.ok(sortedUnique(ix));
  });

  test('strided access reads one column of a row-major matrix', () => {
    const dim = 3;
    const n = 2_000;
    const m = new Float64Array(n * dim);
    for (let t = 0; t < n; t++) for (let i = 0; i < dim; i++) m[t * dim + i] = Math.cos(t / (50 + 20 * i)) * (i + 1);
    const col = Float64Array.from({ length: n }, (_, t) => m[t * dim + 2]!);
    assert.deepEqual([...lttbIndices(m, n, 150, 'linear', 2, dim)], [...lttbIndices(col, n, 150)]);
  });

  test('log transform: decimation in log space keeps the late, small values', () => {
    const y = Array.from({ length: 10_000 }, (_, i) => 10 ** (-i / 1000));
    const lin = lttbIndices(y, y.length, 100, 'linear');
    const log = lttbIndices(y, y.length, 100, 'log');
    const late = (ix: Uint32Array): number => [...ix].filter((i) => i > 5_000).length;
    assert.ok(late(log) > late(lin) - 5, `log keeps the tail: ${late(log)} vs ${late(lin)}`);
    assert.ok(late(log) >= 40);
  });
});

describe('minMaxIndices', () => {
  test('keeps the minimum and maximum of every bucket', () => {
    const y = Array.from({ length: 1_000 }, (_, i) => (i === 123 ? -50 : i === 877 ? 70 : 0));
    const ix = [...minMaxIndices(y, y.length, 40)];
    assert.ok(ix.includes(123) && ix.includes(877) && ix[0] === 0 && ix[ix.length - 1] === 999);
    assert.ok(ix.length <= 44);
  });
});

describe('pathIndices', () => {
  test('keeps the early zig-zag (long path, few steps) and the late crawl', () => {
    const n = 10_000;
    const col = new Float64Array(n * 2);
    for (let t = 0; t < n; t++) {
      col[t * 2] = -4 + 4 * (1 - Math.exp(-t / 2000));
      col[t * 2 + 1] = t < 40 ? (t % 2 ? 1 : -1) * (1 - t / 40) : 0;
    }
    const ix = [...pathIndices(col, 2, n, 400)];
    const early = ix.filter((t) => t < 40).length;
    assert.ok(early >= 30, `most of the first 40 zig-zag steps are kept, got ${early}`);
    assert.ok(ix.filter((t) => t > 5_000).length >= 90, 'the late part keeps index-spaced points');
    assert.equal(ix[0], 0);
    assert.equal(ix[ix.length - 1], n - 1);
  });
});

describe('gather / decimateSeries', () => {
  test('returns exact-length Float64Arrays (never views over a bigger buffer)', () => {
    const y = Float64Array.from({ length: 5_000 }, (_, i) => i * i);
    const d = decimateSeries(y, y.length, 300, 1);
    assert.ok(exactLength(d.x) && exactLength(d.y));
    assert.equal(d.x.length, d.y.length);
    assert.equal(d.x[0], 1, 'x = index + x0');
    assert.equal(d.x[d.x.length - 1], 5_000);
    const g = gather(y, allIndices(10), 0);
    assert.ok(exactLength(g.y));
  });

  test('mapped series are decimated on the mapped values', () => {
    const y = Float64Array.from({ length: 3_000 }, (_, i) => (i % 2 ? -1 : 1) * 10 ** (-i / 500));
    const d = decimateSeries(y, y.length, 200, 1, { transform: 'log', map: Math.abs });
    assert.ok(d.y.every((v) => v > 0));
    assert.ok(d.y.length <= 200);
  });
});

describe('decimateSeries default (min-max / M4)', () => {
  test('keeps the exact envelope: the global min and max of every bucket survive', () => {
    const y = Float64Array.from({ length: 10_000 }, (_, i) => Math.sin(i / 7) * (1 + i / 10_000) + (i === 7_777 ? 50 : 0));
    const d = decimateSeries(y, y.length, 1_000, 0);
    assert.ok(d.x.length <= 1_001);
    assert.equal(Math.max(...d.y), Math.max(...y));
    assert.equal(Math.min(...d.y), Math.min(...y));
    assert.ok([...d.x].includes(7_777));
    assert.ok([...d.x].every((v, i, a) => i === 0 || v > a[i - 1]!), 'x strictly increasing');
  });
  test('NaN rows (divergence) are kept', () => {
    const y = Float64Array.from({ length: 5_000 }, (_, i) => (i === 4_321 ? NaN : i));
    assert.ok([...decimateSeries(y, y.length, 200, 0).x].includes(4_321));
  });
});
