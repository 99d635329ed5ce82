// Binary logistic regression on a data matrix (pure TypeScript): the mean cross-entropy over a subset of
// rows, its exact gradient and its exact Hessian. The built-in data problem `overparam-logistic`
// (src/loss/dataBuiltins.ts) is this model on seeded synthetic data with more parameters than training rows.
//
// Rows r have features x_r ∈ ℝᵈ and labels s_r ∈ {−1, +1}; parameters θ = (w ∈ ℝᵈ, b). With z_r = w·x_r + b:
//   f(θ) = (1/m) Σ_r log(1 + exp(−s_r z_r))
//   ∇_w f = (1/m) Σ_r −s_r σ(−s_r z_r) x_r,   ∂f/∂b = (1/m) Σ_r −s_r σ(−s_r z_r)
//   ∇²f = (1/m) Σ_r σ(z_r)(1 − σ(z_r)) x̃_r x̃_rᵀ,   x̃_r = (x_r, 1)
// (σ(t) = 1/(1 + e^(−t)); log(1 + e^(−t)) is evaluated stably as max(−t, 0) + log1p(e^(−|t|))).

export interface LogisticData {
  /** Features, row-major: rows × features. */
  readonly x: Float64Array;
  /** Labels ±1, one per row. */
  readonly s: Float64Array;
  readonly rows: number;
  readonly features: number;
}

/** log(1 + e^(−t)), stable for large |t|. */
export function softplusNeg(t: number): number {
  return Math.max(-t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
}

/** σ(t) = 1/(1 + e^(−t)), stable for large |t|. */
export function sigmoid(t: number): number {
  if (t >= 0) return 1 / (1 + Math.exp(-t));
  const e = Math.exp(t);
  return e / (1 + e);
}

function margin(d: LogisticData, theta: Float64Array, r: number): number {
  const n = d.features;
  let z = theta[n]!;
  const o = r * n;
  for (let j = 0; j < n; j++) z += theta[j]! * d.x[o + j]!;
  return z;
}

/**
 * f over rows idx[0..count) (the mean), and its gradient into `grad` (length features + 1) when given.
 */
export function logisticLoss(d: LogisticData, theta: Float64Array, idx: Uint32Array, count: number, grad?: Float64Array): number {
  const n = d.features;
  if (grad) grad.fill(0);
  let sum = 0;
  for (let k = 0; k < count; k++) {
    const r = idx[k]!;
    const s = d.s[r]!;
    const z = margin(d, theta, r);
    sum += softplusNeg(s * z);
    if (grad) {
      const c = -s * sigmoid(-s * z);
      const o = r * n;
      for (let j = 0; j < n; j++) grad[j] += c * d.x[o + j]!;
      grad[n] += c;
    }
  }
  const inv = count > 0 ? 1 / count : 0;
  if (grad) for (let j = 0; j <= n; j++) grad[j] *= inv;
  return sum * inv;
}

/** The exact Hessian over rows idx[0..count), row-major into `out` ((features+1)²). */
export function logisticHessian(d: LogisticData, theta: Float64Array, idx: Uint32Array, count: number, out: Float64Array): void {
  const n = d.features;
  const p = n + 1;
  out.fill(0);
  const xr = new Float64Array(p);
  for (let k = 0; k < count; k++) {
    const r = idx[k]!;
    const q = sigmoid(margin(d, theta, r));
    const w = q * (1 - q);
    for (let j = 0; j < n; j++) xr[j] = d.x[r * n + j]!;
    xr[n] = 1;
    for (let i = 0; i < p; i++) {
      const a = w * xr[i]!;
      for (let j = 0; j < p; j++) out[i * p + j] += a * xr[j]!;
    }
  }
  const inv = count > 0 ? 1 / count : 0;
  for (let i = 0; i < p * p; i++) out[i] *= inv;
}

/** H·v over rows idx[0..count) without forming H: (1/m) Σ w_r (x̃_r·v) x̃_r. */
export function logisticHvp(d: LogisticData, theta: Float64Array, idx: Uint32Array, count: number, v: Float64Array, out: Float64Array): void {
  const n = d.features;
  out.fill(0);
  for (let k = 0; k < count; k++) {
    const r = idx[k]!;
    const q = sigmoid(margin(d, theta, r));
    const o = r * n;
    let xv = v[n]!;
    for (let j = 0; j < n; j++) xv += d.x[o + j]! * v[j]!;
    const c = q * (1 - q) * xv;
    for (let j = 0; j < n; j++) out[j] += c * d.x[o + j]!;
    out[n] += c;
  }
  const inv = count > 0 ? 1 / count : 0;
  for (let j = 0; j <= n; j++) out[j] *= inv;
}
