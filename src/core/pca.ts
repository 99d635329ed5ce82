// The plane of a trajectory (issue 10 §4, landscapes of N-parameter losses): the first two principal
// directions of the rows θ_t − θ_origin of one or more recorded paths (θ_origin: the first run's final
// point, so every run shares one plane through it). Uncentred, as in "Visualizing the Loss Landscape of
// Neural Nets" (Li et al. 2018): the plane passes through θ_origin and captures the spread of the paths
// around it. Explained variance of PC k: λ_k / Σ λ = λ_k / Σ_t ‖θ_t − θ_origin‖².
//
// The Gram trick: with m rows of n parameters, the smaller of M Mᵀ (m × m) and Mᵀ M (n × n) is formed
// (they share their non-zero eigenvalues); its top eigenpairs come from orthogonal (block power)
// iteration with a Rayleigh–Ritz step (Jacobi on the small block). Pure, deterministic.

/** The plane: θ(a, b) = origin + a·u + b·v, with u, v orthonormal. */
export interface TrajectoryPlane {
  readonly dim: number;
  readonly origin: Float64Array;
  readonly u: Float64Array;
  readonly v: Float64Array;
  /** λ_1, λ_2: Σ_t (projection on u / v)². */
  readonly eigenvalues: readonly [number, number];
  /** λ_k / Σ_t ‖θ_t − origin‖² (0 when every row is the origin). */
  readonly explained: readonly [number, number];
  /** Which Gram matrix was decomposed: 'rows' (m × m) or 'params' (n × n). */
  readonly gram: 'rows' | 'params';
  readonly iterations: number;
}

/** One path: `rows` points of `dim` values, row-major (a recording's params column or a subsample of it). */
export interface PathRows {
  readonly params: Float64Array;
  readonly rows: number;
}

const BLOCK = 4;

/**
 * The first two principal directions of every row of `paths` minus `origin`. Signs: the first path's
 * first row (its start) has a non-negative coordinate on each direction.
 */
export function trajectoryPlane(paths: readonly PathRows[], dim: number, origin: Float64Array): TrajectoryPlane {
  if (origin.length !== dim) throw new Error(`origin has ${origin.length} values, expected ${dim}`);
  let m = 0;
  for (const p of paths) {
    if (p.params.length < p.rows * dim) throw new Error(`a path of ${p.rows} rows needs ${p.rows * dim} values, got ${p.params.length}`);
    m += p.rows;
  }
  // Centre the rows on the origin (one copy: m × n).
  const M = new Float64Array(m * dim);
  let r = 0;
  for (const p of paths) {
    for (let t = 0; t < p.rows; t++, r++) {
      for (let i = 0; i < dim; i++) M[r * dim + i] = p.params[t * dim + i]! - origin[i]!;
    }
  }
  const useRows = m <= dim;
  const k = useRows ? m : dim;
  const S = new Float64Array(k * k);
  if (useRows) {
    for (let a = 0; a < m; a++) {
      for (let b = a; b < m; b++) {
        let s = 0;
        for (let i = 0; i < dim; i++) s += M[a * dim + i]! * M[b * dim + i]!;
        S[a * k + b] = s;
        S[b * k + a] = s;
      }
    }
  } else {
    for (let a = 0; a < m; a++) {
      const o = a * dim;
      for (let i = 0; i < dim; i++) {
        const x = M[o + i]!;
        if (x === 0) continue;
        for (let j = i; j < dim; j++) S[i * k + j] += x * M[o + j]!;
      }
    }
    for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) S[i * k + j] = S[j * k + i]!;
  }
  let trace = 0;
  for (let i = 0; i < k; i++) trace += S[i * k + i]!;
  const { values, vectors, iterations } = topEigen(S, k, 2);
  const dirs: Float64Array[] = [];
  for (let c = 0; c < 2; c++) {
    const d = new Float64Array(dim);
    if (c < vectors.length) {
      const e = vectors[c]!;
      if (useRows) {
        // u = Mᵀ a / ‖Mᵀ a‖
        for (let a = 0; a < m; a++) {
          const w = e[a]!;
          if (w !== 0) for (let i = 0; i < dim; i++) d[i] += w * M[a * dim + i]!;
        }
      } else d.set(e);
    }
    // Orthonormalise against the previous direction (exact arithmetic would not need it).
    for (const prev of dirs) {
      const p = dot(d, prev);
      for (let i = 0; i < dim; i++) d[i] -= p * prev[i]!;
    }
    let nrm = Math.sqrt(dot(d, d));
    if (!(nrm > 0)) {
      // Fewer than two independent directions: any unit vector orthogonal to the others.
      d.fill(0);
      for (let j = 0; j < dim && !(nrm > 0); j++) {
        d.fill(0);
        d[j] = 1;
        for (const prev of dirs) {
          const p = dot(d, prev);
          for (let i = 0; i < dim; i++) d[i] -= p * prev[i]!;
        }
        nrm = Math.sqrt(dot(d, d));
      }
    }
    for (let i = 0; i < dim; i++) d[i] /= nrm;
    if (m > 0 && dot(M.subarray(0, dim), d) < 0) for (let i = 0; i < dim; i++) d[i] = -d[i]!;
    dirs.push(d);
  }
  const l1 = Math.max(0, values[0] ?? 0);
  const l2 = Math.max(0, values[1] ?? 0);
  return {
    dim, origin: Float64Array.from(origin), u: dirs[0]!, v: dirs[1]!,
    eigenvalues: [l1, l2],
    explained: trace > 0 ? [l1 / trace, l2 / trace] : [0, 0],
    gram: useRows ? 'rows' : 'params',
    iterations,
  };
}

/** Coordinates (a, b) of θ in the plane: a = (θ − origin)·u, b = (θ − origin)·v. Writes `out` (length 2·rows). */
export function projectOntoPlane(plane: TrajectoryPlane, params: Float64Array, rows: number, out: Float64Array = new Float64Array(2 * rows)): Float64Array {
  const { dim, origin, u, v } = plane;
  for (let t = 0; t < rows; t++) {
    let a = 0;
    let b = 0;
    for (let i = 0; i < dim; i++) {
      const x = params[t * dim + i]! - origin[i]!;
      a += x * u[i]!;
      b += x * v[i]!;
    }
    out[2 * t] = a;
    out[2 * t + 1] = b;
  }
  return out;
}

/** θ(a, b) = origin + a·u + b·v into `out`. */
export function planePoint(plane: TrajectoryPlane, a: number, b: number, out: Float64Array): Float64Array {
  for (let i = 0; i < plane.dim; i++) out[i] = plane.origin[i]! + a * plane.u[i]! + b * plane.v[i]!;
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * The `want` largest eigenpairs of the symmetric positive semi-definite k × k matrix S: orthogonal iteration
 * on a block of min(k, BLOCK) vectors, Rayleigh–Ritz with Jacobi on the block, until the Ritz values settle
 * (relative change < 1e-14) and the residual ‖S x − λ x‖ of the wanted pairs is below 1e-12·λ_1.
 */
export function topEigen(S: Float64Array, k: number, want: number): { values: number[]; vectors: Float64Array[]; iterations: number } {
  if (k === 0) return { values: [], vectors: [], iterations: 0 };
  const p = Math.min(k, BLOCK);
  if (k <= BLOCK * 2) {
    const { values, vectors } = jacobi(S, k);
    return { values: values.slice(0, want), vectors: vectors.slice(0, want), iterations: 0 };
  }
  // Start: deterministic pseudo-random block (an LCG), so the result does not depend on the data's layout.
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  let Q: Float64Array[] = Array.from({ length: p }, () => Float64Array.from({ length: k }, rnd));
  orthonormalise(Q);
  const Z: Float64Array[] = Array.from({ length: p }, () => new Float64Array(k));
  let prev = new Float64Array(p);
  let values: number[] = [];
  let vectors: Float64Array[] = [];
  let it = 0;
  for (; it < 5000; it++) {
    for (let c = 0; c < p; c++) matVec(S, k, Q[c]!, Z[c]!);
    // Rayleigh–Ritz: H = Qᵀ S Q (p × p), eigenvectors W; Ritz vectors Q W.
    const H = new Float64Array(p * p);
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) H[a * p + b] = dotv(Q[a]!, Z[b]!);
    const rr = jacobi(H, p);
    values = rr.values;
    vectors = rr.vectors.map((w) => {
      const x = new Float64Array(k);
      for (let c = 0; c < p; c++) for (let i = 0; i < k; i++) x[i] += w[c]! * Q[c]![i]!;
      return x;
    });
    let settled = true;
    for (let c = 0; c < want && c < p; c++) if (Math.abs(values[c]! - prev[c]!) > 1e-14 * Math.abs(values[0]!)) settled = false;
    if (settled && it > 2) {
      const scale = Math.abs(values[0]!) || 1;
      const y = new Float64Array(k);
      let ok = true;
      for (let c = 0; c < want && c < p; c++) {
        matVec(S, k, vectors[c]!, y);
        let res = 0;
        for (let i = 0; i < k; i++) res += (y[i]! - values[c]! * vectors[c]![i]!) ** 2;
        if (Math.sqrt(res) > 1e-12 * scale) ok = false;
      }
      if (ok) break;
    }
    prev = Float64Array.from(values);
    // Next block: S Q, orthonormalised.
    Q = Z.map((z) => Float64Array.from(z));
    orthonormalise(Q);
  }
  return { values: values.slice(0, want), vectors: vectors.slice(0, want), iterations: it + 1 };
}

function matVec(S: Float64Array, k: number, x: Float64Array, out: Float64Array): void {
  for (let i = 0; i < k; i++) {
    let s = 0;
    const o = i * k;
    for (let j = 0; j < k; j++) s += S[o + j]! * x[j]!;
    out[i] = s;
  }
}
function dotv(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
/** Modified Gram–Schmidt, twice (a vector that vanishes is replaced by a unit vector). */
function orthonormalise(Q: Float64Array[]): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let c = 0; c < Q.length; c++) {
      const q = Q[c]!;
      for (let d = 0; d < c; d++) {
        const r = dotv(q, Q[d]!);
        for (let i = 0; i < q.length; i++) q[i] -= r * Q[d]![i]!;
      }
      const n = Math.sqrt(dotv(q, q));
      if (n > 0) for (let i = 0; i < q.length; i++) q[i] /= n;
      else {
        q.fill(0);
        q[c % q.length] = 1;
      }
    }
  }
}

/** Cyclic Jacobi eigen-decomposition of a small symmetric matrix: eigenvalues descending, unit eigenvectors. */
export function jacobi(A0: Float64Array, n: number): { values: number[]; vectors: Float64Array[] } {
  const A = Float64Array.from(A0);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += A[i * n + i]! ** 2;
      for (let j = i + 1; j < n; j++) off += A[i * n + j]! ** 2;
    }
    if (off <= 1e-32 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (apq === 0) continue;
        const app = A[p * n + p]!;
        const aqq = A[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!;
          const akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!;
          const aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!;
          const vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => A[b * n + b]! - A[a * n + a]!);
  return {
    values: order.map((i) => A[i * n + i]!),
    vectors: order.map((i) => Float64Array.from({ length: n }, (_, k) => V[k * n + i]!)),
  };
}
