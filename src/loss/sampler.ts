// Reproducible randomness for loss files: a seeded PRNG, per-epoch reshuffled mini-batches, the
// validation split and Gaussian gradient noise. Everything is a pure function of (seed, step), so
// evaluating the same step twice (gradient, then value) sees the same batch and the same noise, and
// every optimizer of a request sees the same batch sequence.

import { validationRowCount } from '../protocol/dataSplit';

/** 32-bit mix of a list of integers (murmur3 finalizer per word). */
export function hash32(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    // Fold numbers beyond 32 bits (large seeds) into two words.
    const lo = w >>> 0;
    const hi = Math.floor(w / 4294967296) >>> 0;
    for (const x of hi ? [lo, hi] : [lo]) {
      let k = Math.imul(x, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      h ^= Math.imul(k, 0x1b873593);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform [0, 1) generator. */
export type Rng = () => number;

/** mulberry32: small, fast, 32-bit state; good enough for shuffling and noise (not for cryptography). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Independent streams derived from one seed. */
export const STREAM = { shuffle: 1, noise: 2, validation: 3, gradcheck: 4, flatness: 5 } as const;

/** Fisher–Yates shuffle of 0..n-1. */
export function permutation(n: number, rng: Rng): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** Standard normal samples by Box–Muller (both values of a pair are used). */
export function gaussianSource(rng: Rng): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = rng(); // log(0) guard
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Adds σ·N(0, 1) to every component; the noise of a step depends only on (seed, step). */
export function addGradientNoise(grad: Float64Array, sigma: number, seed: number, step: number): void {
  if (!(sigma > 0)) return;
  const normal = gaussianSource(mulberry32(hash32(seed, STREAM.noise, step)));
  for (let i = 0; i < grad.length; i++) grad[i] += sigma * normal();
}

/**
 * The validation split of n rows: a fixed (seed-independent) shuffle, the last round(fraction·n) rows
 * held out, at least one row on each side. Fixed per loss so validation curves of runs with different
 * seeds are comparable.
 */
export function validationSplit(n: number, fraction: number): { train: Uint32Array; validation: Uint32Array } {
  const k = validationRowCount(n, fraction);
  if (k === 0) return { train: Uint32Array.from({ length: n }, (_, i) => i), validation: new Uint32Array(0) };
  const p = permutation(n, mulberry32(hash32(0x5eed, STREAM.validation, n)));
  const train = p.slice(0, n - k).sort();
  const validation = p.slice(n - k).sort();
  return { train, validation };
}

/**
 * Mini-batches without replacement: epoch e is a permutation of the n training rows drawn from
 * (seed, e); step t uses the (t mod B)-th slice of epoch ⌊t / B⌋, B = ⌈n / batchSize⌉ (the last batch
 * of an epoch may be smaller, like PyTorch's DataLoader with drop_last=False). batchSize ≥ n: every
 * step sees all rows in their original order.
 */
export class BatchSampler {
  readonly batchesPerEpoch: number;
  private epoch = -1;
  private order: Uint32Array = new Uint32Array(0);

  constructor(
    readonly n: number,
    readonly batchSize: number,
    readonly seed: number,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
    this.batchesPerEpoch = Math.max(1, Math.ceil(n / batchSize));
  }

  get fullBatch(): boolean {
    return this.batchSize >= this.n;
  }

  /** Row indices of step t's batch (into the training rows). */
  indices(step: number): Uint32Array {
    if (this.fullBatch) return Uint32Array.from({ length: this.n }, (_, i) => i);
    const e = Math.floor(step / this.batchesPerEpoch);
    if (e !== this.epoch) {
      this.order = permutation(this.n, mulberry32(hash32(this.seed, STREAM.shuffle, e)));
      this.epoch = e;
    }
    const b = step - e * this.batchesPerEpoch;
    return this.order.subarray(b * this.batchSize, Math.min(this.n, (b + 1) * this.batchSize));
  }

  /** Step t's batch of `rows` (the same array object for full batches). */
  batch<T>(rows: readonly T[], step: number): readonly T[] {
    if (this.fullBatch) return rows;
    const idx = this.indices(step);
    const out = new Array<T>(idx.length);
    for (let i = 0; i < idx.length; i++) out[i] = rows[idx[i]!]!;
    return out;
  }
}
