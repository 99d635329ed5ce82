import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_LOSSES } from '../../../src/core';
import { buildLandscape, computeGrid, contourLevels, contourSegments, defaultWindow, finiteRange, gridX, gridY, landscapeFromGrid } from '../../../src/protocol/contour';
import { exactLength } from './fixtures';

describe('computeGrid', () => {
  test('row-major, row 0 at y min, corners on the window', () => {
    const g = computeGrid((x, y) => 10 * x + y, { x: [0, 2], y: [-1, 1] }, 3, 5);
    assert.equal(g.values.length, 15);
    assert.equal(g.values[0], -1); // (0, -1)
    assert.equal(g.values[2], 19); // (2, -1)
    assert.equal(g.values[14], 21); // (2, 1)
    assert.equal(gridX(g, 1), 1);
    assert.equal(gridY(g, 2), 0);
    assert.ok(exactLength(g.values));
  });

  test('throwing or non-finite evaluations become NaN', () => {
    const g = computeGrid((x) => {
      if (x > 0.5) throw new Error('boom');
      return x < 0 ? Infinity : x;
    }, { x: [-1, 1], y: [0, 1] }, 5, 2);
    assert.deepEqual([...g.values.slice(0, 5)].map((v) => (Number.isNaN(v) ? 'NaN' : v)), ['NaN', 'NaN', 0, 0.5, 'NaN']);
  });
});

describe('contourLevels', () => {
  test('log-spaced above f_min for a deep bowl, linear for a flat range', () => {
    const g = computeGrid((x, y) => x * x + 10 * y * y, { x: [-5, 5], y: [-2, 2] }, 101, 41);
    const log = contourLevels(g.values, 10, 0);
    assert.ok(log.log);
    assert.ok(log.levels.every((v, i) => i === 0 || v > log.levels[i - 1]!), 'increasing');
    assert.ok(log.levels[0]! < 1, `first level close to the minimum: ${log.levels[0]}`);
    const plane = computeGrid((x) => 10 + x, { x: [0, 2], y: [0, 1] }, 101, 11);
    const lin = contourLevels(plane.values, 3);
    assert.equal(lin.log, false);
    assert.deepEqual([...lin.levels].map((v) => Number(v.toFixed(12))), [10.5, 11, 11.5]);
  });

  test('constant or empty grids give no levels', () => {
    assert.equal(contourLevels(Float64Array.from([2, 2, 2]), 5).levels.length, 0);
    assert.equal(contourLevels(Float64Array.from([NaN, NaN]), 5).levels.length, 0);
    assert.deepEqual(finiteRange([NaN, 3, -1, Infinity].filter(Number.isFinite)), [-1, 3]);
  });
});

describe('contourSegments (marching squares)', () => {
  test('the level-1 contour of x² + y² lies on the unit circle', () => {
    const g = computeGrid((x, y) => x * x + y * y, { x: [-2, 2], y: [-2, 2] }, 81, 81);
    const seg = contourSegments(g, 1);
    assert.ok(seg.length >= 4 * 40, `a closed curve of many segments, got ${seg.length / 4}`);
    for (let k = 0; k < seg.length; k += 2) {
      const r = Math.hypot(seg[k]!, seg[k + 1]!);
      assert.ok(Math.abs(r - 1) < 0.01, `point at radius ${r}`);
    }
  });

  test('cells with a NaN corner are skipped; no level crossing gives no segment', () => {
    const g = computeGrid((x) => (x < 0 ? NaN : x), { x: [-1, 1], y: [0, 1] }, 5, 3);
    const seg = contourSegments(g, 0.25);
    for (let k = 0; k < seg.length; k += 2) assert.ok(seg[k]! >= 0);
    assert.equal(contourSegments(g, 99).length, 0);
  });
});

describe('buildLandscape', () => {
  test('canyon: grid, log levels above f* = 0, one segment array per level, minima and start', () => {
    const b = BUILTIN_LOSSES['canyon']!;
    const l = buildLandscape((x, y) => b.evaluate(x, y), { window: b.window, minima: b.minima, start: b.start, nx: 60, ny: 40, levels: 8 });
    assert.equal(l.values.length, 60 * 40);
    assert.equal(l.levels.length, 8);
    assert.equal(l.contours.length, 8);
    assert.ok(l.contours.every((c) => c.length > 0 && c.length % 4 === 0));
    assert.ok(l.logScale);
    assert.deepEqual(l.minima, [{ x: 0, y: 0 }]);
    assert.deepEqual(l.start, [-4, 1]);
  });
});

describe('defaultWindow (2-D loss files without a domain)', () => {
  test('start and minimum: square box centred between them, both halfway to the edge', () => {
    assert.deepEqual(defaultWindow([-1.5, 2], { x: 1, y: 1 }), { x: [-2.75, 2.25], y: [-1, 4] });
  });
  test('no minimum (or the minimum is the start): centred on the start, reaching the origin, at least ±1', () => {
    assert.deepEqual(defaultWindow([-1.5, 2]), { x: [-3.5, 0.5], y: [0, 4] });
    assert.deepEqual(defaultWindow([0, 0]), { x: [-1, 1], y: [-1, 1] });
    assert.deepEqual(defaultWindow([0.2, 0.1], { x: 0.2, y: 0.1 }), { x: [-0.8, 1.2], y: [-0.9, 1.1] });
  });
});

describe('landscapeFromGrid', () => {
  test('NaN cells are gaps: levels from the finite values, no segment through a NaN cell', () => {
    const g = computeGrid((x, y) => (x < 0 ? NaN : x * x + y * y), { x: [-1, 1], y: [-1, 1] }, 41, 41);
    const l = landscapeFromGrid(g, { minima: [{ x: 0, y: 0, f: 0 }], start: [0.5, 0.5] });
    assert.equal(l.levels.length, 14);
    assert.ok(l.contours.some((c) => c.length > 0));
    for (const c of l.contours) for (let k = 0; k < c.length; k += 2) assert.ok(c[k]! >= -0.05 - 1e-12, `segment at x = ${c[k]}`);
    assert.equal(l.values, g.values);
  });
});
