// Axis ranges and ticks of the panel's charts (src/protocol/axes.ts): hand-checked values.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { axisLayout, linearTicks, logTicks, niceStep, plottable, OVERFLOW } from '../../../src/protocol/axes';

const values = (t: readonly { value: number }[]): number[] => t.map((x) => x.value);
const labels = (t: readonly { label: string }[]): string[] => t.map((x) => x.label);

describe('niceStep', () => {
  test('1, 2, 2.5, 5 × 10^k', () => {
    assert.equal(niceStep(0.075), 0.1);
    assert.equal(niceStep(0.3), 0.5);
    assert.equal(niceStep(1), 1);
    assert.equal(niceStep(2.2), 2.5);
    assert.equal(niceStep(13), 20);
    assert.equal(niceStep(0.0004), 0.0005);
  });
});

describe('logTicks', () => {
  test('under one decade (the "3.9 3.8 3.7…" pile-up): a few linear-looking, rounded ticks', () => {
    const t = logTicks(3.62, 3.95);
    assert.deepEqual(values(t), [3.7, 3.8, 3.9]);
    assert.deepEqual(labels(t), ['3.7', '3.8', '3.9']);
    const u = logTicks(0.00101, 0.00137);
    assert.deepEqual(labels(u), ['1.1e-3', '1.2e-3', '1.3e-3']);
  });

  test('labels stay distinct for a tiny relative span', () => {
    const t = logTicks(1.00001, 1.00004);
    assert.ok(t.length >= 2 && t.length <= 6, `${t.length} ticks`);
    assert.equal(new Set(labels(t)).size, t.length);
    assert.deepEqual(labels(t), ['1.00001', '1.00002', '1.00003', '1.00004']);
  });

  test('about one decade: 1, 2, 3, 5 × 10^k', () => {
    assert.deepEqual(values(logTicks(1.5, 20)), [2, 3, 5, 10, 20]);
  });

  test('1.2–2.5 decades: 1, 2, 5 or 1, 3 × 10^k', () => {
    assert.deepEqual(values(logTicks(0.9, 30)), [1, 2, 5, 10, 20]);
    assert.deepEqual(values(logTicks(0.9, 200)), [1, 3, 10, 30, 100]);
  });

  test('many decades: powers of ten every k decades, at most ~7', () => {
    assert.deepEqual(values(logTicks(1e-3, 1e3)), [1e-3, 1e-2, 1e-1, 1, 10, 100, 1000]);
    const t = logTicks(1e-3, 1e80);
    assert.deepEqual(values(t).map((v) => Math.round(Math.log10(v))), [0, 20, 40, 60, 80]);
    assert.deepEqual(labels(t), ['1', '1e20', '1e40', '1e60', '1e80']);
  });
});

describe('linearTicks', () => {
  test('rounded steps inside the range', () => {
    assert.deepEqual(values(linearTicks(-0.3, 4.1)), [0, 1, 2, 3, 4]);
    assert.deepEqual(labels(linearTicks(-0.3, 4.1)), ['0', '1', '2', '3', '4']);
    assert.deepEqual(values(linearTicks(0.12, 0.19)), [0.12, 0.14, 0.16, 0.18]);
  });
});

describe('axisLayout', () => {
  test('constant series: padded range with its value labelled inside, not on the top edge', () => {
    const l = axisLayout(0.5, 0.5, true)!;
    assert.ok(l.min < 0.5 && l.max > 0.5, `range ${l.min}..${l.max}`);
    const own = l.ticks.find((t) => t.value === 0.5);
    assert.ok(own && own.label === '0.5', JSON.stringify(l.ticks));
    assert.ok(l.ticks.every((t) => t.value >= l.min && t.value <= l.max));
    const lin = axisLayout(-2, -2, false)!;
    assert.deepEqual([lin.min, lin.max], [-2.2, -1.8]);
    assert.ok(lin.ticks.some((t) => t.value === -2 && t.label === '-2'));
    const zero = axisLayout(0, 0, false)!;
    assert.deepEqual([zero.min, zero.max], [-1, 1]);
    assert.ok(zero.ticks.some((t) => t.value === 0));
  });

  test('a varying series is padded on both ends (log: 4 % of its decades, at most half a decade)', () => {
    const l = axisLayout(1e-4, 1, true)!;
    assert.ok(Math.abs(Math.log10(l.min) - -4.16) < 1e-9 && Math.abs(Math.log10(l.max) - 0.16) < 1e-9);
    const lin = axisLayout(0, 10, false)!;
    assert.deepEqual([lin.min, lin.max], [-0.5, 10.5]);
    const wide = axisLayout(26, 1e80, true)!;
    assert.ok(Math.abs(Math.log10(wide.min) - (Math.log10(26) - 0.5)) < 1e-9 && Math.abs(Math.log10(wide.max) - 80.5) < 1e-9);
  });

  test('diverging run: the bottom stays at the first step\'s value even 80 decades below the top', () => {
    // SGD lr 0.11 on the canyon: f starts at 26, the last plotted values near 1e80.
    const l = axisLayout(3.2, 1e80, true, { maxDecades: 18, keep: 26 })!;
    assert.ok(l.min <= 3.2, `min ${l.min}`);
    assert.equal(l.clipped, false);
    const conv = axisLayout(1e-40, 26, true, { maxDecades: 18, keep: 26 })!;
    const bottom = Math.log10(26) - 18;
    assert.ok(conv.clipped && Math.abs(Math.log10(conv.min) - (bottom - 0.5)) < 1e-9, `converging to 1e-40: clipped 18 decades below 26 (then padded half a decade), got ${conv.min}`);
    const fromLow = axisLayout(1e-40, 26, true, { maxDecades: 18, keep: 1e-30 })!;
    assert.ok(fromLow.min <= 1e-40, 'a run that starts low and rises keeps its start in view');
  });

  test('values up to ±1e300 give a finite axis (the padding would overflow to Infinity)', () => {
    const l = axisLayout(26, 1e300, true, { maxDecades: 18, keep: 26 })!;
    assert.ok(Number.isFinite(l.max) && l.max >= 1e300 && l.min <= 26, `${l.min} … ${l.max}`);
    assert.ok(l.ticks.length >= 2 && l.ticks.length <= 8 && l.ticks.every((t) => Number.isFinite(t.value)), labels(l.ticks).join(' '));
    const tiny = axisLayout(1e-320, 1, true)!;
    assert.ok(tiny.min > 0 && Number.isFinite(Math.log10(tiny.min)));
    const lin = axisLayout(-1e300, 1e300, false)!;
    assert.ok(Number.isFinite(lin.min) && Number.isFinite(lin.max));
  });

  test('no data: null', () => {
    assert.equal(axisLayout(Infinity, -Infinity, true), null);
    assert.equal(axisLayout(0, 1, true), null);
  });

  test('plottable: finite and within ±1e300', () => {
    assert.deepEqual([1, -1e300, 1e300, 1.0000001e300, NaN, Infinity, -Infinity].map(plottable), [true, true, true, false, false, false, false]);
    assert.equal(OVERFLOW, 1e300);
  });
});
