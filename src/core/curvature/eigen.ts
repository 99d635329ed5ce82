// Symmetric eigen-solvers and Lanczos (pure TypeScript; README "Curvature and stability").
//
//  - jacobiEigen: cyclic Jacobi rotations, eigenvalues and eigenvectors, for small matrices (n ≤ ~100;
//    the Lanczos tridiagonal matrices, 2-parameter Hessians).
//  - symmetricEigenvalues: Householder reduction to tridiagonal form, then the implicit QL algorithm
//    with Wilkinson-type shifts; eigenvalues only, O(n³), for the CLI's dense Hessians up to n = 2,000.
//  - lanczosExtremes: the k largest and k smallest eigenvalues of a symmetric operator given only as
//    matrix-vector products (Hessian-vector products), with full reorthogonalisation and a warm start.

/** Eigenvalues (ascending) and eigenvectors (column j of the row-major `vectors` belongs to values[j]). */
export interface EigenDecomposition {
  readonly values: Float64Array;
  readonly vectors: Float64Array;
}

/** Cyclic Jacobi on a symmetric row-major n×n matrix (not modified). */
export function jacobiEigen(a: ArrayLike<number>, n: number): EigenDecomposition {
  // (plain loops, no iterator protocol: the panel calls this for every step of a 2-parameter run)
  const A = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) A[i] = a[i]!;
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, diag = 0;
    for (let i = 0; i < n; i++) {
      diag += A[i * n + i]! * A[i * n + i]!;
      for (let j = i + 1; j < n; j++) off += A[i * n + j]! * A[i * n + j]!;
    }
    if (off === 0 || off <= 1e-34 * diag) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (apq === 0) continue;
        const app = A[p * n + p]!, aqq = A[q * n + q]!;
        // rotation angle: tan(2φ) = 2 a_pq / (a_qq − a_pp); t = tan φ, the smaller root
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!, akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!, aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        A[p * n + q] = A[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!, vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  // ascending eigenvalues: a stable insertion sort of the diagonal's indices (the order Array.sort gave)
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let j = i;
    while (j > 0 && A[order[j - 1]! * n + order[j - 1]!]! - A[i * n + i]! > 0) { order[j] = order[j - 1]!; j--; }
    order[j] = i;
  }
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const src = order[j]!;
    values[j] = A[src * n + src]!;
    for (let k = 0; k < n; k++) vectors[k * n + j] = V[k * n + src]!;
  }
  return { values, vectors };
}

/** Eigenvalues (ascending) of a symmetric row-major n×n matrix: Householder tridiagonalisation + implicit QL. */
export function symmetricEigenvalues(a: ArrayLike<number>, n: number): Float64Array {
  if (n <= 32) return jacobiEigen(a, n).values;
  const A = Float64Array.from(a as ArrayLike<number>);
  const d = new Float64Array(n);
  const e = new Float64Array(n); // e[k] couples k and k+1
  const v = new Float64Array(n);
  const w = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // Householder vector for column k below the diagonal
    let norm = 0;
    for (let i = k + 1; i < n; i++) norm += A[i * n + k]! * A[i * n + k]!;
    norm = Math.sqrt(norm);
    const x0 = A[(k + 1) * n + k]!;
    if (norm === 0) { e[k] = 0; continue; }
    const alpha = x0 > 0 ? -norm : norm;
    for (let i = k + 1; i < n; i++) v[i] = A[i * n + k]!;
    v[k + 1] = x0 - alpha;
    let vn = 0;
    for (let i = k + 1; i < n; i++) vn += v[i]! * v[i]!;
    if (vn === 0) { e[k] = x0; continue; }
    const beta = 2 / vn;
    // w = β A v; K = β/2 vᵀw; w ← w − K v; A ← A − v wᵀ − w vᵀ (on the trailing block)
    let K = 0;
    for (let i = k + 1; i < n; i++) {
      let s = 0;
      for (let j = k + 1; j < n; j++) s += A[i * n + j]! * v[j]!;
      w[i] = beta * s;
      K += v[i]! * w[i]!;
    }
    K *= beta / 2;
    for (let i = k + 1; i < n; i++) w[i] = w[i]! - K * v[i]!;
    for (let i = k + 1; i < n; i++) {
      const vi = v[i]!, wi = w[i]!;
      for (let j = k + 1; j < n; j++) A[i * n + j] = A[i * n + j]! - vi * w[j]! - wi * v[j]!;
    }
    e[k] = alpha;
  }
  for (let i = 0; i < n; i++) d[i] = A[i * n + i]!;
  if (n >= 2) e[n - 2] = A[(n - 1) * n + (n - 2)]!;
  e[n - 1] = 0;
  tridiagonalQL(d, e);
  return d.sort();
}

/** Implicit QL with shifts on a symmetric tridiagonal matrix (diagonal d, off-diagonal e[k] = T[k][k+1]); d gets the eigenvalues. */
export function tridiagonalQL(d: Float64Array, e: Float64Array): void {
  const n = d.length;
  for (let l = 0; l < n; l++) {
    for (let iter = 0; ; iter++) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (iter > 60) throw new Error('eigenvalues: the QL iteration did not converge');
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = Math.hypot(g, 1);
      g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
      let s = 1, c = 1, p = 0;
      let i = m - 1;
      let deflated = false;
      for (; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) { d[i + 1] = d[i + 1]! - p; e[m] = 0; deflated = true; break; }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (deflated) continue;
      d[l] = d[l]! - p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

/** y = A x for the operator (a Hessian-vector product). */
export type MatVec = (x: Float64Array, y: Float64Array) => void;

export interface LanczosOptions {
  /** How many of the largest and of the smallest eigenvalues are wanted (default 1). */
  readonly k?: number;
  /** Most matrix-vector products (default n). */
  readonly maxIterations?: number;
  /**
   * Converged when each wanted Ritz value's error bound min(r, r²/δ) ≤ tol · ‖T‖, with r = ‖A y − θ y‖ = β_m |s_m|
   * its residual and δ its distance to the nearest other Ritz value (default 1e-10).
   */
  readonly tol?: number;
  /** Which ends must converge: both (default) or only the largest (the smallest are still returned). */
  readonly which?: 'both' | 'largest';
  /** Start vector (e.g. the previous point's extreme eigenvectors, summed); default a fixed pseudo-random vector. */
  readonly start?: Float64Array;
}

export interface LanczosResult {
  /** The k largest eigenvalues, descending. */
  readonly largest: Float64Array;
  /** The k smallest eigenvalues, ascending. */
  readonly smallest: Float64Array;
  /** Ritz vectors of the largest and the smallest eigenvalue (unit length), for a warm start. */
  readonly maxVector: Float64Array;
  readonly minVector: Float64Array;
  /** Matrix-vector products used. */
  readonly iterations: number;
  readonly converged: boolean;
}

/** Lanczos with full reorthogonalisation (classical Gram–Schmidt, twice) for the extreme eigenvalues. */
export function lanczosExtremes(matvec: MatVec, n: number, options: LanczosOptions = {}): LanczosResult {
  const k = Math.max(1, Math.min(options.k ?? 1, n));
  const maxIt = Math.max(1, Math.min(options.maxIterations ?? n, n));
  const tol = options.tol ?? 1e-10;
  const Q: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let q = new Float64Array(n);
  if (options.start && options.start.length === n && norm(options.start) > 0) q.set(options.start);
  else {
    let s = 0x9e3779b9;
    for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; q[i] = s / 2 ** 32 - 0.5; }
  }
  scale(q, 1 / norm(q));
  const w = new Float64Array(n);
  let ritz: EigenDecomposition = { values: new Float64Array(0), vectors: new Float64Array(0) };
  let converged = false;
  let m = 0;
  let lastNorm = 0;
  for (let j = 0; j < maxIt; j++) {
    Q.push(q);
    matvec(q, w);
    m = j + 1;
    const a = dot(q, w);
    alpha.push(a);
    // w ← w − Q (Qᵀ w), twice (full reorthogonalisation)
    for (let pass = 0; pass < 2; pass++) {
      for (const qi of Q) {
        const c = dot(qi, w);
        for (let i = 0; i < n; i++) w[i] = w[i]! - c * qi[i]!;
      }
    }
    const b = norm(w);
    // Ritz values of T_m (every iteration while m ≤ 40, then every 10th: the Jacobi solve is O(m³))
    if (m > 40 && m % 10 !== 0 && m < maxIt && b > 1e-12 * lastNorm) {
      beta.push(b);
      q = new Float64Array(n);
      for (let i = 0; i < n; i++) q[i] = w[i]! / b;
      continue;
    }
    const T = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      T[i * m + i] = alpha[i]!;
      if (i + 1 < m) T[i * m + i + 1] = T[(i + 1) * m + i] = beta[i]!;
    }
    ritz = jacobiEigen(T, m);
    let tnorm = 0;
    for (let i = 0; i < m; i++) tnorm = Math.max(tnorm, Math.abs(ritz.values[i]!));
    lastNorm = tnorm;
    const invariant = b <= 1e-13 * Math.max(tnorm, Number.MIN_VALUE);
    if (invariant || m === n) { converged = true; break; }
    if (m >= Math.max(2, options.which === 'largest' ? k + 1 : 2 * k)) {
      // Ritz value θ with residual r = β_m |s_m| and gap δ to the other Ritz values: |λ − θ| ≤ r²/δ (Kato–Temple,
      // with the Ritz gap for the true one) and ≤ r; converged when either is ≤ tol · ‖T‖.
      let ok = true;
      const kk = Math.min(k, m);
      const vals = ritz.values;
      for (let r = 0; r < kk && ok; r++) {
        for (const col of options.which === 'largest' ? [m - 1 - r] : [r, m - 1 - r]) {
          const res = Math.abs(b * ritz.vectors[(m - 1) * m + col]!);
          let gap = Infinity;
          if (col > 0) gap = Math.min(gap, vals[col]! - vals[col - 1]!);
          if (col < m - 1) gap = Math.min(gap, vals[col + 1]! - vals[col]!);
          const bound = gap === Infinity ? res : Math.min(res, (res * res) / Math.max(gap, Number.MIN_VALUE));
          if (!(bound <= tol * tnorm)) { ok = false; break; }
        }
      }
      if (ok) { converged = true; break; }
    }
    beta.push(b);
    q = new Float64Array(n);
    for (let i = 0; i < n; i++) q[i] = w[i]! / b;
  }
  const kk = Math.min(k, m);
  const largest = new Float64Array(kk);
  const smallest = new Float64Array(kk);
  for (let r = 0; r < kk; r++) { largest[r] = ritz.values[m - 1 - r]!; smallest[r] = ritz.values[r]!; }
  const vec = (col: number): Float64Array => {
    const y = new Float64Array(n);
    for (let j = 0; j < m; j++) {
      const s = ritz.vectors[j * m + col]!;
      const qj = Q[j]!;
      for (let i = 0; i < n; i++) y[i] = y[i]! + s * qj[i]!;
    }
    return y;
  };
  return { largest, smallest, maxVector: vec(m - 1), minVector: vec(0), iterations: m, converged };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}
function scale(a: Float64Array, c: number): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! * c;
}
