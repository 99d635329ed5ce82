// Curvature along a recorded run: λ_max/λ_min of ∇²f, the preconditioned sharpness λ_max(P⁻¹H), the
// optimizer's stability threshold and Cockpit's step-quality α (README "Curvature and stability").
// Pure TypeScript; the Problem supplies Hessian-vector products (`hvp`) or a dense `hessian`.

import type { HessianMethod, Optimizer, Problem } from '../types';
import type { RecordingData } from '../simulation';
import { jacobiEigen, lanczosExtremes, type MatVec } from './eigen';
import { isAdaptive, preconditioner, stabilityThreshold } from './stability';

/** trajectory.curvature: one entry per recorded point t (params[t]); null where not computed. */
export interface CurvatureSeries {
  readonly method: HessianMethod;
  /** Points with t % every === 0 get the eigenvalues. */
  readonly every: number;
  readonly hessian_max_eig: (number | null)[];
  readonly hessian_min_eig: (number | null)[];
  /** λ_max(P_t^{-½} H P_t^{-½}); adaptive optimizers only, from t = 1. */
  readonly preconditioned_max_eig: (number | null)[];
  /** At point t: the threshold at the learning rate of step t + 1 (the step leaving params[t]; the last point: step t). */
  readonly stability_threshold: (number | null)[];
  /** What the threshold bounds: `hessian` (λ_max(H)) or `preconditioned` (λ_max(P⁻¹H)); its formula; why null. */
  readonly stability_on: 'hessian' | 'preconditioned';
  readonly stability_formula: string;
  readonly stability_reason?: string;
  /** α of step t (t ≥ 1; null at t = 0). */
  readonly alpha: (number | null)[];
  /** Hessian-vector products used at point t when Lanczos was used (n > 2), else null. */
  readonly lanczos_iterations: (number | null)[];
  /** Whether Lanczos met its tolerance within the budget at point t (null: dense or not computed). */
  readonly lanczos_converged: (boolean | null)[];
}

/**
 * Cockpit's deterministic α of one step: fit μ₀ + μ₁s + μ₂s² by least squares to f(0) = f0, f(ℓ) = fl,
 * f′(0) = d0, f′(ℓ) = dl on the slice s ↦ f(θ_{t−1} + s·d/‖d‖); ᾱ = −μ₁/μ₂, α = 2ℓ/ᾱ − 1; −1 when μ₂ ≤ 0.
 */
export function stepAlpha(f0: number, fl: number, d0: number, dl: number, l: number): number | null {
  if (!(l > 0)) return -1;
  // Least squares of A μ = b, rows [1 0 0 | f0], [1 ℓ ℓ² | fl], [0 1 0 | d0], [0 1 2ℓ | dl], solved with the
  // unknowns scaled, μ = (ν₀, ν₁/ℓ, ν₂/ℓ²) (the same least-squares solution: a change of variables leaves the
  // residual unchanged), by Householder QR: the normal equations square A's condition number (~ℓ²) and broke
  // down once ‖d‖ ≳ 1e4 (a diverging run).
  const il = 1 / l;
  const A = [
    [1, 0, 0],
    [1, 1, 1],
    [0, il, 0],
    [0, il, 2 * il],
  ];
  const b = [f0, fl, d0, dl];
  const nu = leastSquares43(A, b);
  if (!nu) return null;
  const [, nu1, nu2] = nu;
  // μ₂ = ν₂/ℓ² > 0 ⇔ ν₂ > 0; ᾱ = −μ₁/μ₂ = −ν₁ℓ/ν₂, α = 2ℓ/ᾱ − 1 = −2ν₂/ν₁ − 1
  if (!(nu2! > 0)) return -1;
  const a = (-2 * nu2!) / nu1! - 1;
  return Number.isFinite(a) ? a : null;
}

/** min ‖A x − b‖ for a 4×3 A of full column rank (Householder QR); null when rank-deficient. A, b are overwritten. */
function leastSquares43(A: number[][], b: number[]): number[] | null {
  const m = 4, n = 3;
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm = Math.hypot(norm, A[i]![k]!);
    if (norm === 0) return null;
    const alpha = A[k]![k]! > 0 ? -norm : norm;
    const v = new Array<number>(m).fill(0);
    for (let i = k; i < m; i++) v[i] = A[i]![k]!;
    v[k] = v[k]! - alpha;
    let vv = 0;
    for (let i = k; i < m; i++) vv += v[i]! * v[i]!;
    if (vv === 0) continue;
    for (let j = k; j < n; j++) {
      let d = 0;
      for (let i = k; i < m; i++) d += v[i]! * A[i]![j]!;
      const f = (2 * d) / vv;
      for (let i = k; i < m; i++) A[i]![j] = A[i]![j]! - f * v[i]!;
    }
    let d = 0;
    for (let i = k; i < m; i++) d += v[i]! * b[i]!;
    const f = (2 * d) / vv;
    for (let i = k; i < m; i++) b[i] = b[i]! - f * v[i]!;
  }
  const x = [0, 0, 0];
  for (let k = n - 1; k >= 0; k--) {
    let s = b[k]!;
    for (let j = k + 1; j < n; j++) s -= A[k]![j]! * x[j]!;
    if (A[k]![k] === 0) return null;
    x[k] = s / A[k]![k]!;
  }
  return x;
}

/** The dense Hessian at `x` (n HVPs, symmetrised as (H + Hᵀ)/2, or the closed form). */
export function denseHessian(problem: Problem, x: Float64Array): Float64Array {
  const n = problem.dim;
  const H = new Float64Array(n * n);
  if (problem.hessian) {
    problem.hessian(x, H);
    return H;
  }
  if (!problem.hvp) throw new Error(`${problem.name} has no second derivatives`);
  const e = new Float64Array(n);
  const col = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    problem.hvp(x, e, col);
    for (let i = 0; i < n; i++) H[i * n + j] = col[i]!;
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const s = 0.5 * (H[i * n + j]! + H[j * n + i]!);
      H[i * n + j] = H[j * n + i] = s;
    }
  }
  return H;
}

/**
 * H·v by central differences of the gradient, Richardson-extrapolated: D(h) = (∇f(x + hv) − ∇f(x − hv))/(2h),
 * Hv ≈ (4 D(h/2) − D(h))/3 (error O(h⁴)), h = 10⁻³ · max(1, ‖x‖)/‖v‖. `grad(x, out)` is the gradient.
 */
export function numericHvp(grad: (x: Float64Array, out: Float64Array) => void, x: Float64Array, v: Float64Array, out: Float64Array): void {
  const n = x.length;
  let nx = 0, nv = 0;
  for (let i = 0; i < n; i++) { nx += x[i]! * x[i]!; nv += v[i]! * v[i]!; }
  if (nv === 0) { out.fill(0); return; }
  const h = (1e-3 * Math.max(1, Math.sqrt(nx))) / Math.sqrt(nv);
  const y = new Float64Array(n), gp = new Float64Array(n), gm = new Float64Array(n);
  const D = (step: number, into: Float64Array) => {
    for (let i = 0; i < n; i++) y[i] = x[i]! + step * v[i]!;
    grad(y, gp);
    for (let i = 0; i < n; i++) y[i] = x[i]! - step * v[i]!;
    grad(y, gm);
    for (let i = 0; i < n; i++) into[i] = (gp[i]! - gm[i]!) / (2 * step);
  };
  const d1 = new Float64Array(n), d2 = new Float64Array(n);
  D(h, d1);
  D(h / 2, d2);
  for (let i = 0; i < n; i++) out[i] = (4 * d2[i]! - d1[i]!) / 3;
}

export interface CurvatureOptions {
  /** Eigenvalues at every K-th recorded point (default 1). */
  readonly every?: number;
  /** Called before each point's eigenvalues (progress). */
  readonly onPoint?: (t: number) => void;
  /**
   * Most Hessian-vector products per point for Lanczos (n > 2; default 30): adaptive optimizers give 2/3 to
   * λ_max/λ_min(H) and the rest to λ_max(P⁻¹H). A point that does not converge within it is flagged in
   * `lanczos_converged` (its values are the Ritz values reached).
   */
  readonly lanczosBudget?: number;
}

/** Extreme eigenvalues of a symmetric operator of size n: dense for n ≤ 2, Lanczos (warm-started) above. */
interface Extremes { max: number; min: number; iterations: number | null; converged: boolean | null }

/** Curvature of a recorded run. `rec` must hold params, loss and grad (and, for P_t, the state columns). */
export function computeCurvature(problem: Problem, optimizer: Optimizer, rec: RecordingData, options: CurvatureOptions = {}): CurvatureSeries {
  const method = problem.hessianMethod;
  if (!method || !(problem.hvp || problem.hessian)) throw new Error(`${problem.name} has no second derivatives`);
  const every = Math.max(1, Math.floor(options.every ?? 1));
  const n = rec.dim;
  const points = rec.loss.length; // recorded points (rows)
  const full = points === rec.stepsCompleted + 1; // every step recorded (alpha needs consecutive rows)
  const hmax: (number | null)[] = new Array(points).fill(null);
  const hmin: (number | null)[] = new Array(points).fill(null);
  const pmax: (number | null)[] = new Array(points).fill(null);
  const thr: (number | null)[] = new Array(points).fill(null);
  const alpha: (number | null)[] = new Array(points).fill(null);
  const iters: (number | null)[] = new Array(points).fill(null);
  const conv: (boolean | null)[] = new Array(points).fill(null);
  const budget = Math.max(2, Math.floor(options.lanczosBudget ?? 30));
  const adaptive = isAdaptive(optimizer);
  const x = new Float64Array(n);
  const P = new Float64Array(n);
  const rootInv = new Float64Array(n);
  const tmp = new Float64Array(n);
  const hv = new Float64Array(n);
  let warmH: Float64Array | undefined;
  let warmP: Float64Array | undefined;
  const hvpAt = (v: Float64Array, out: Float64Array) => {
    if (problem.hvp) problem.hvp(x, v, out);
    else {
      const H = denseHessian(problem, x);
      for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < n; j++) s += H[i * n + j]! * v[j]!; out[i] = s; }
    }
  };
  const extremes = (matvec: MatVec, warm: Float64Array | undefined, maxIt: number, which: 'both' | 'largest'): Extremes & { vec?: Float64Array } => {
    if (n <= 2) {
      const A = new Float64Array(n * n);
      const e = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        e.fill(0); e[j] = 1;
        matvec(e, hv);
        for (let i = 0; i < n; i++) A[i * n + j] = hv[i]!;
      }
      if (n === 2) A[1] = A[2] = 0.5 * (A[1]! + A[2]!);
      const vals = jacobiEigen(A, n).values;
      return { max: vals[n - 1]!, min: vals[0]!, iterations: null, converged: null };
    }
    const r = lanczosExtremes(matvec, n, { ...(warm ? { start: warm } : {}), maxIterations: Math.min(n, maxIt), which });
    const start = new Float64Array(n);
    for (let i = 0; i < n; i++) start[i] = r.maxVector[i]! + (which === 'both' ? r.minVector[i]! : 0);
    return { max: r.largest[0]!, min: r.smallest[0]!, iterations: r.iterations, converged: r.converged, vec: start };
  };
  const stepCol = rec.scalarState['step'];
  const stepOfRow = (r: number): number => (full || r === 0 ? r : r === points - 1 ? rec.stepsCompleted : stepCol ? stepCol[r - 1]! : r);
  const stateView = (row: number) => (name: string): Float64Array | undefined => {
    const c = rec.state[name];
    return c && c.length >= (row + 1) * n ? c.subarray(row * n, (row + 1) * n) : undefined;
  };
  const lastLr = rec.lr.length ? rec.lr[rec.lr.length - 1]! : optimizer.lrAt(1);
  const thr0 = stabilityThreshold(optimizer, rec.lr.length ? rec.lr[0]! : optimizer.lrAt(1), 1);
  for (let r = 0; r < points; r++) {
    const t = stepOfRow(r);
    // the threshold at the lr of the step that leaves params[t]
    const lr = r < rec.lr.length ? rec.lr[r]! : lastLr;
    thr[r] = stabilityThreshold(optimizer, lr, Math.min(t + 1, Math.max(1, rec.stepsCompleted))).value;
    if (t % every !== 0) continue;
    for (let i = 0; i < n; i++) x[i] = rec.params[r * n + i]!;
    let finite = true;
    for (let i = 0; i < n; i++) if (!Number.isFinite(x[i]!)) finite = false;
    if (!finite) continue;
    options.onPoint?.(t);
    const precond = adaptive && r >= 1 && preconditioner(optimizer, stateView(r - 1), t, P);
    const h = extremes(hvpAt, warmH, precond ? Math.ceil((2 * budget) / 3) : budget, 'both');
    hmax[r] = h.max;
    hmin[r] = h.min;
    let used = h.iterations;
    let converged = h.converged;
    if (h.vec) warmH = h.vec;
    if (precond) {
      let ok = true;
      for (let i = 0; i < n; i++) { rootInv[i] = 1 / Math.sqrt(P[i]!); if (!Number.isFinite(rootInv[i]!)) ok = false; }
      if (ok) {
        const pm = extremes((v, out) => {
          for (let i = 0; i < n; i++) tmp[i] = rootInv[i]! * v[i]!;
          hvpAt(tmp, out);
          for (let i = 0; i < n; i++) out[i] = rootInv[i]! * out[i]!;
        }, warmP, Math.max(2, budget - (h.iterations ?? 0)), 'largest');
        pmax[r] = pm.max;
        if (pm.vec) warmP = pm.vec;
        if (used !== null && pm.iterations !== null) used += pm.iterations;
        if (converged !== null && pm.converged !== null) converged &&= pm.converged;
      }
    }
    iters[r] = used;
    conv[r] = converged;
  }
  // α of step t from rows t−1 and t (consecutive rows only): the deterministic loss and gradient at each row
  // (evaluateFull for mini-batch or noisy problems, else the recorded loss and gradient)
  if (full && points >= 2) {
    const gA = new Float64Array(n), gB = new Float64Array(n);
    let prevF = NaN;
    let prevG: Float64Array | null = null;
    const at = (r: number, into: Float64Array): { f: number; g: Float64Array } | null => {
      for (let i = 0; i < n; i++) x[i] = rec.params[r * n + i]!;
      for (let i = 0; i < n; i++) if (!Number.isFinite(x[i]!)) return null;
      if (!problem.evaluateFull && r * n + n <= rec.grad.length) return { f: rec.loss[r]!, g: rec.grad.subarray(r * n, r * n + n) };
      try {
        const f = problem.evaluateFull ? problem.evaluateFull(x, into) : problem.evaluate(x, into, r);
        return { f, g: into };
      } catch {
        return null;
      }
    };
    for (let r = 0; r < points; r++) {
      const cur = at(r, r % 2 === 0 ? gA : gB);
      if (cur && r >= 1 && prevG) {
        let l = 0, s0 = 0, s1 = 0;
        for (let i = 0; i < n; i++) {
          const d = rec.params[r * n + i]! - rec.params[(r - 1) * n + i]!;
          l += d * d;
          s0 += prevG[i]! * d;
          s1 += cur.g[i]! * d;
        }
        l = Math.sqrt(l);
        if (Number.isFinite(l) && Number.isFinite(prevF) && Number.isFinite(cur.f)) alpha[r] = l > 0 ? stepAlpha(prevF, cur.f, s0 / l, s1 / l, l) : -1;
      }
      prevF = cur ? cur.f : NaN;
      prevG = cur ? cur.g : null;
    }
  }
  const finiteOrNull = (a: (number | null)[]) => a.map((v) => (v === null || Number.isFinite(v) ? v : null));
  return {
    method,
    every,
    hessian_max_eig: finiteOrNull(hmax),
    hessian_min_eig: finiteOrNull(hmin),
    preconditioned_max_eig: finiteOrNull(pmax),
    stability_threshold: finiteOrNull(thr),
    stability_on: thr0.on,
    stability_formula: thr0.formula,
    ...(thr0.reason ? { stability_reason: thr0.reason } : {}),
    alpha: finiteOrNull(alpha),
    lanczos_iterations: iters,
    lanczos_converged: conv,
  };
}
