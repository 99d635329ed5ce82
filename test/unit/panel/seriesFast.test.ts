// buildRunSeries (typed fast path) must send exactly what the straightforward version sent.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRunSeries } from '../../../src/protocol/series';
import type { RecordingColumns } from '../../../src/protocol/simulation';
import { recordingOf } from './fixtures';
import { referenceBuildRunSeries } from './seriesReference';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function noisy(len: number, r: () => number): Float64Array {
  const a = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    const u = r();
    a[i] = u < 0.02 ? NaN : u < 0.03 ? Infinity : u < 0.04 ? -Infinity : u < 0.05 ? 0 : u < 0.06 ? -0 : (r() - 0.5) * 10 ** (r() * 20 - 10);
  }
  return a;
}

function randomRecording(dim: number, n: number, seed: number): RecordingColumns {
  const r = rng(seed);
  return {
    runId: 'r', optimizer: 'adam', hyperparameters: {}, dim, stepsRequested: n, stepsCompleted: n, diverged: false, stopReason: null,
    params: noisy((n + 1) * dim, r), loss: noisy(n + 1, r), grad: noisy(n * dim, r), validationLoss: seed % 2 ? noisy(n + 1, r) : null,
    update: noisy(n * dim, r), direction: noisy(n * dim, r), effectiveLr: noisy(n * dim, r), lr: noisy(n, r),
    state: { exp_avg: noisy(n * dim, r), exp_avg_sq: noisy(n * dim, r) }, scalarState: {}, extra: { sum: noisy(n * dim, r) }, elapsedMs: 0,
  };
}

function same(rec: RecordingColumns, threshold: number, selected: number[]): void {
  const opts = { threshold, paramNames: [], selected, label: 'L', window: { x: [-3, 5] as [number, number], y: [-2, 2] as [number, number] } };
  assert.deepEqual(buildRunSeries(rec, opts), referenceBuildRunSeries(rec, opts));
}

describe('buildRunSeries fast path ≡ reference', () => {
  test('random data with NaN/±Infinity/±0, odd lengths and thresholds, 1-D to 5-D', () => {
    let seed = 1;
    for (const dim of [1, 2, 3, 5]) {
      for (const n of [0, 1, 2, 3, 7, 63, 999, 1001, 4097]) {
        for (const th of [0, 1, 3, 4, 5, 64, 101, 1000]) same(randomRecording(dim, n, seed++), th, dim === 2 ? [0, 1] : [0, dim - 1, 7]);
      }
    }
  });
  test('smooth path with non-finite steps (2-D arc-length decimation)', () => {
    const rec = randomRecording(2, 5000, 99);
    const p = rec.params;
    for (let t = 0; t <= 5000; t++) {
      p[2 * t] = Math.cos(t / 300) * (1 + t / 1000);
      p[2 * t + 1] = Math.sin(t / 70) * 1e-3 * t;
    }
    p[2 * 1234] = NaN;
    p[2 * 2345 + 1] = Infinity;
    same(rec, 1000, [0, 1]);
    same(rec, 64, [1]);
  });
  test('real recordings (canyon, several optimizers)', () => {
    for (const o of ['sgd', 'adam', 'lion', 'rmsprop'] as const) same(recordingOf('canyon', o, { lr: 0.02 }, 3001), 800, [0, 1]);
  });
});
