// Reference decimation: the straightforward index-based implementations the panel host used before
// its fast path (src/protocol/decimate.ts decimateMinMax / decimatePath2), kept as the test oracle:
// seriesFast.test.ts requires the fast path to return exactly what these return, and decimate.test.ts
// checks these against their definitions. LTTB is here too, as the alternative the fast path does not use.
//
//  - minMaxIndices: M4 — first/min/max/last per bucket; exact envelope, one cheap pass.
//  - lttbIndices: Largest-Triangle-Three-Buckets (Steinarsson 2013) over (x, f(y)). With a log
//    transform the triangles are measured in log10|y| so a log-scaled chart keeps its shape.
//    Non-finite y values are never dropped (a divergence must stay visible).
//  - pathIndices: for 2-D trajectories: evenly spaced in arc length AND in step index.
// All functions return sorted, unique indices into the input and always keep the first and last.

export type YTransform = 'linear' | 'log';

function tf(v: number, t: YTransform): number {
  if (t === 'linear' || !Number.isFinite(v)) return v;
  const a = Math.abs(v);
  return a > 0 ? Math.log10(a) : -330;
}

/** Every index 0..n-1. */
export function allIndices(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/**
 * LTTB over y[offset + i*stride] for i in 0..n-1 (strided access lets it read a parameter column of
 * a row-major matrix without copying). x of point i is i. Returns at most `threshold` indices
 * (plus any non-finite points, which are always kept).
 */
export function lttbIndices(y: ArrayLike<number>, n: number, threshold: number, transform: YTransform = 'linear', offset = 0, stride = 1): Uint32Array {
  if (threshold <= 0 || n <= threshold || n <= 2) return allIndices(n);
  if (threshold < 3) threshold = 3;
  const Y = (i: number): number => tf(y[offset + i * stride]!, transform);
  const out: number[] = [0];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  let ay = Y(0);
  if (!Number.isFinite(ay)) ay = 0;
  for (let b = 0; b < threshold - 2; b++) {
    // Average of the next bucket (the third point of the triangle).
    let avgStart = Math.floor((b + 1) * every) + 1;
    let avgEnd = Math.floor((b + 2) * every) + 1;
    if (avgEnd > n) avgEnd = n;
    if (avgStart >= avgEnd) avgStart = avgEnd - 1;
    let avgX = 0;
    let avgY = 0;
    let cnt = 0;
    for (let i = avgStart; i < avgEnd; i++) {
      const v = Y(i);
      if (Number.isFinite(v)) {
        avgX += i;
        avgY += v;
        cnt++;
      }
    }
    if (cnt > 0) {
      avgX /= cnt;
      avgY /= cnt;
    } else {
      avgX = (avgStart + avgEnd - 1) / 2;
      avgY = ay;
    }
    const start = Math.floor(b * every) + 1;
    const end = Math.min(Math.floor((b + 1) * every) + 1, n - 1);
    let maxArea = -1;
    let pick = start;
    let nonFinite = -1;
    for (let i = start; i < end; i++) {
      const v = Y(i);
      if (!Number.isFinite(v)) {
        if (nonFinite < 0) nonFinite = i;
        continue;
      }
      const area = Math.abs((a - avgX) * (v - ay) - (a - i) * (avgY - ay));
      if (area > maxArea) {
        maxArea = area;
        pick = i;
      }
    }
    if (nonFinite >= 0 && nonFinite < pick) out.push(nonFinite);
    if (pick > out[out.length - 1]!) out.push(pick);
    if (nonFinite > pick) out.push(nonFinite);
    a = pick;
    const pv = Y(pick);
    if (Number.isFinite(pv)) ay = pv;
  }
  if (out[out.length - 1] !== n - 1) out.push(n - 1);
  return Uint32Array.from(out);
}

/**
 * Min-max (M4) decimation: per bucket the first, min, max and last index, so the drawn line keeps every
 * spike and the exact envelope; at most ~threshold indices (buckets = threshold / 4). Order-preserving
 * transforms (log axes) do not change which points are kept, so no transform is needed. NaN counts as
 * a minimum (a divergence stays visible). One pass, no allocation per bucket.
 */
export function minMaxIndices(y: ArrayLike<number>, n: number, threshold: number, offset = 0, stride = 1): Uint32Array {
  if (threshold <= 0 || n <= threshold || n <= 2) return allIndices(n);
  const buckets = Math.max(1, Math.floor(threshold / 4));
  const out = new Uint32Array(buckets * 4 + 1);
  let k = 0;
  const push = (i: number): void => {
    if (k === 0 || i > out[k - 1]!) out[k++] = i;
  };
  for (let b = 0; b < buckets; b++) {
    const s = Math.floor((b * n) / buckets);
    const e = Math.min(n, Math.floor(((b + 1) * n) / buckets));
    if (s >= e) continue;
    let mn = s;
    let mx = s;
    let vmn = y[offset + s * stride]!;
    let vmx = vmn;
    for (let i = s + 1, j = offset + (s + 1) * stride; i < e; i++, j += stride) {
      const v = y[j]!;
      if (v < vmn || (v !== v && vmn === vmn)) {
        vmn = v;
        mn = i;
      }
      if (v > vmx) {
        vmx = v;
        mx = i;
      }
    }
    push(s);
    if (mn < mx) {
      push(mn);
      push(mx);
    } else {
      push(mx);
      push(mn);
    }
    push(e - 1);
  }
  if (k === 0 || out[k - 1] !== n - 1) out[k++] = n - 1;
  return out.slice(0, k);
}

/**
 * Indices of a 2-D path (x = col[t*dim + ix], y = col[t*dim + iy], t = 0..n-1): half evenly spaced
 * in arc length (normalised by the plot window), half evenly spaced in t; union, sorted.
 */
export function pathIndices(
  col: ArrayLike<number>, dim: number, n: number, threshold: number, ix = 0, iy = 1,
  scale: readonly [number, number] = [1, 1],
): Uint32Array {
  if (threshold <= 0 || n <= threshold || n <= 2) return allIndices(n);
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  const half = Math.max(2, Math.floor(threshold / 2));
  for (let k = 0; k < half; k++) keep[Math.round((k * (n - 1)) / (half - 1))] = 1;
  // Arc length.
  const cum = new Float64Array(n);
  for (let t = 1; t < n; t++) {
    const dx = (col[t * dim + ix]! - col[(t - 1) * dim + ix]!) / (scale[0] || 1);
    const dy = (col[t * dim + iy]! - col[(t - 1) * dim + iy]!) / (scale[1] || 1);
    const d = Math.hypot(dx, dy);
    cum[t] = cum[t - 1]! + (Number.isFinite(d) ? d : 0);
    if (!Number.isFinite(d)) keep[t] = 1;
  }
  const total = cum[n - 1]!;
  if (total > 0) {
    let t = 0;
    for (let k = 1; k < half; k++) {
      const target = (k * total) / half;
      while (t < n - 1 && cum[t]! < target) t++;
      keep[t] = 1;
    }
  }
  let count = 0;
  for (let t = 0; t < n; t++) count += keep[t]!;
  const out = new Uint32Array(count);
  let j = 0;
  for (let t = 0; t < n; t++) if (keep[t]) out[j++] = t;
  return out;
}

/** Gathers y[offset + i*stride] at `indices` into a new exact-length Float64Array; x = indices + x0. */
export function gather(
  y: ArrayLike<number>, indices: Uint32Array, x0: number, offset = 0, stride = 1, map?: (v: number, i: number) => number,
): { x: Float64Array; y: Float64Array } {
  const n = indices.length;
  const X = new Float64Array(n);
  const Y = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k]!;
    X[k] = i + x0;
    const v = y[offset + i * stride]!;
    Y[k] = map ? map(v, i) : v;
  }
  return { x: X, y: Y };
}

export type DecimationMethod = 'minmax' | 'lttb';

/**
 * Decimates one (strided) series to at most ~threshold points. Default: min-max (M4), cheap and exact
 * for line charts; 'lttb' keeps the visual shape with fewer points (measured in the chart's y space).
 */
export function decimateSeries(
  y: ArrayLike<number>, n: number, threshold: number, x0: number,
  opts: { transform?: YTransform; offset?: number; stride?: number; map?: (v: number, i: number) => number; method?: DecimationMethod } = {},
): { x: Float64Array; y: Float64Array } {
  const offset = opts.offset ?? 0;
  const stride = opts.stride ?? 1;
  const pick = (arr: ArrayLike<number>, off: number, str: number): Uint32Array =>
    opts.method === 'lttb' ? lttbIndices(arr, n, threshold, opts.transform ?? 'linear', off, str) : minMaxIndices(arr, n, threshold, off, str);
  if (threshold <= 0 || n <= threshold) return gather(y, allIndices(n), x0, offset, stride, opts.map);
  if (!opts.map) return gather(y, pick(y, offset, stride), x0, offset, stride);
  // Mapped series (|Δθ|, ratios): materialise, then decimate the mapped values.
  const tmp = new Float64Array(n);
  for (let i = 0, j = offset; i < n; i++, j += stride) tmp[i] = opts.map(y[j]!, i);
  return gather(tmp, pick(tmp, 0, 1), x0);
}

