// Decimation of step series before they are posted to the webview (pure; no vscode/DOM/Node).
//
//  - decimateMinMax: M4 — first/min/max/last per bucket; exact envelope, one cheap pass. Non-finite
//    values are never dropped (a divergence must stay visible).
//  - decimatePath2: for 2-D trajectories: evenly spaced in arc length AND in step index, so early
//    zig-zags (long path, few steps) and late crawling (many steps, short path) both survive.
// Both keep the first and last point. Their straightforward index-based reference implementations
// (and LTTB) live in test/unit/panel/decimateReference.ts, the oracle the tests compare them with.

// Float64Array-only, no closures, no per-series index or temporary buffers (module-level scratch, grown
// on demand; every call is synchronous). Results are identical to the reference minMaxIndices /
// pathIndices + gather (test/unit/panel/decimateReference.ts, checked by seriesFast.test.ts).

let scratchIdx = new Uint32Array(1024);
let scratchVal = new Float64Array(0);
let scratchCum = new Float64Array(0);
let scratchKeep = new Uint8Array(0);

function idxScratch(size: number): Uint32Array {
  if (scratchIdx.length < size) scratchIdx = new Uint32Array(Math.max(size, scratchIdx.length * 2));
  return scratchIdx;
}

/** A scratch Float64Array of at least `size` values (valid until the next call that uses it). */
export function valueScratch(size: number): Float64Array {
  if (scratchVal.length < size) scratchVal = new Float64Array(Math.max(size, scratchVal.length * 2));
  return scratchVal;
}

/**
 * minMaxIndices(y, n, threshold, offset, stride) written into `out` (scratch); returns the count.
 * Caller guarantees threshold > 0, n > threshold, n > 2.
 */
function minMaxInto(y: Float64Array, n: number, threshold: number, offset: number, stride: number, out: Uint32Array): number {
  const buckets = Math.max(1, Math.floor(threshold / 4));
  let k = 0;
  let last = -1;
  for (let b = 0; b < buckets; b++) {
    const s = Math.floor((b * n) / buckets) | 0;
    const e = Math.min(n, Math.floor(((b + 1) * n) / buckets)) | 0;
    if (s >= e) continue;
    let mn = s;
    let mx = s;
    let vmn = y[offset + s * stride]!;
    let vmx = vmn;
    for (let i = s + 1, j = offset + (s + 1) * stride; i < e; i++, j += stride) {
      const v = y[j]!;
      // ≡ minMaxIndices' two ifs: while vmn ≤ vmx a value cannot be both a new min and a new max, and
      // NaN is never a new max.
      if (v < vmn) {
        vmn = v;
        mn = i;
      } else if (v > vmx) {
        vmx = v;
        mx = i;
      } else if (v !== v && vmn === vmn) {
        vmn = v;
        mn = i;
      }
    }
    const lo = mn < mx ? mn : mx;
    const hi = mn < mx ? mx : mn;
    if (s > last) out[k++] = last = s;
    if (lo > last) out[k++] = last = lo;
    if (hi > last) out[k++] = last = hi;
    if (e - 1 > last) out[k++] = last = e - 1;
  }
  if (k === 0 || last !== n - 1) out[k++] = n - 1;
  return k;
}

/** gather() of the first k indices of `idx` into fresh exact-length arrays. */
function gatherFast(y: Float64Array, idx: Uint32Array, k: number, x0: number, offset: number, stride: number): { x: Float64Array; y: Float64Array } {
  const X = new Float64Array(k);
  const Y = new Float64Array(k);
  for (let m = 0; m < k; m++) {
    const i = idx[m]!;
    X[m] = i + x0;
    Y[m] = y[offset + i * stride]!;
  }
  return { x: X, y: Y };
}

/**
 * decimateSeries(y, n, threshold, x0, { offset, stride }) with the default method (min-max): same
 * x and y, without the intermediate index array.
 */
export function decimateMinMax(y: Float64Array, n: number, threshold: number, x0: number, offset = 0, stride = 1): { x: Float64Array; y: Float64Array } {
  const out = idxScratch(threshold <= 0 || n <= threshold || n <= 2 ? n : Math.max(1, Math.floor(threshold / 4)) * 4 + 1);
  let k: number;
  if (threshold <= 0 || n <= threshold || n <= 2) {
    for (let i = 0; i < n; i++) out[i] = i;
    k = n;
  } else {
    k = minMaxInto(y, n, threshold, offset, stride, out);
  }
  return gatherFast(y, out, k, x0, offset, stride);
}

/**
 * pathIndices(col, 2, n, threshold, 0, 1, scale) + gather of x and y: the path of a 2-D run with the
 * same points, using scratch buffers for the arc length.
 */
export function decimatePath2(col: Float64Array, n: number, threshold: number, scale: readonly [number, number]): { x: Float64Array; y: Float64Array; step: Float64Array } {
  let out: Uint32Array;
  let count = 0;
  if (threshold <= 0 || n <= threshold || n <= 2) {
    out = idxScratch(n);
    for (let i = 0; i < n; i++) out[i] = i;
    count = n;
  } else {
    if (scratchCum.length < n) {
      scratchCum = new Float64Array(Math.max(n, scratchCum.length * 2));
      scratchKeep = new Uint8Array(scratchCum.length);
    }
    const cum = scratchCum;
    const keep = scratchKeep;
    keep.fill(0, 0, n);
    keep[0] = 1;
    keep[n - 1] = 1;
    const half = Math.max(2, Math.floor(threshold / 2));
    for (let k = 0; k < half; k++) keep[Math.round((k * (n - 1)) / (half - 1))] = 1;
    const sx = scale[0] || 1;
    const sy = scale[1] || 1;
    cum[0] = 0;
    let px = col[0]!;
    let py = col[1]!;
    let c = 0;
    for (let t = 1, j = 2; t < n; t++, j += 2) {
      const x = col[j]!;
      const y = col[j + 1]!;
      // Math.hypot(dx, dy) as V8 computes it for two arguments (normalise by the larger magnitude,
      // then sqrt(1 + r²)·max; the Kahan term is exactly 0 for two terms), ~4× faster than the call.
      // Bit-identical on finite input (checked against Math.hypot in seriesFast.test.ts); a non-finite
      // component gives a non-finite d either way, which is all that is used of it.
      const ax = Math.abs((x - px) / sx);
      const ay = Math.abs((y - py) / sy);
      px = x;
      py = y;
      let d: number;
      if (ax >= ay) {
        d = ax === 0 ? 0 : ax === Infinity ? Infinity : Math.sqrt(1 + (ay / ax) * (ay / ax)) * ax;
      } else if (ay >= ax) {
        d = ay === Infinity ? Infinity : Math.sqrt((ax / ay) * (ax / ay) + 1) * ay;
      } else {
        d = NaN;
      }
      if (d - d === 0) c += d;
      else keep[t] = 1;
      cum[t] = c;
    }
    const total = c;
    if (total > 0) {
      let t = 0;
      for (let k = 1; k < half; k++) {
        const target = (k * total) / half;
        while (t < n - 1 && cum[t]! < target) t++;
        keep[t] = 1;
      }
    }
    for (let t = 0; t < n; t++) count += keep[t]!;
    out = idxScratch(count);
    let j = 0;
    for (let t = 0; t < n; t++) if (keep[t]) out[j++] = t;
  }
  const X = new Float64Array(count);
  const Y = new Float64Array(count);
  const S = new Float64Array(count);
  for (let m = 0; m < count; m++) {
    const i = out[m]!;
    S[m] = i;
    X[m] = col[2 * i]!;
    Y[m] = col[2 * i + 1]!;
  }
  return { x: X, y: Y, step: S };
}
