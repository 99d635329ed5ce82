// What the panel draws besides trajectory.curvature (README "Curvature and stability", panel): the Hessian's
// eigen-directions at each point of a 2-parameter run, and, for a loss whose Hessian is constant (a
// quadratic), the error θ_t − θ* along each eigenvector next to the rate the linear theory predicts.
// Pure TypeScript; the numbers come from the same denseHessian / jacobiEigen as the CLI's.

import type { Optimizer, Problem } from '../types';
import type { RecordingData } from '../simulation';
import { denseHessian } from './curvature';
import { jacobiEigen } from './eigen';
import { linearRate } from './linearRate';

/** Largest dimension for which the eigen-decomposition view is computed (every mode is drawn). */
export const MODES_MAX_DIM = 10;

/** Eigen-directions of ∇²f at each row of a 2-parameter run: λ₁ ≥ λ₂ and the unit eigenvector q₁ of λ₁ (q₂ ⟂ q₁). */
export interface HessianDirections {
  /** Row-major, 4 per params row: λ₁, λ₂, q₁x, q₁y (NaN where not computed). q₁ has q₁x ≥ 0. */
  readonly values: Float64Array;
}

/** The eigen-decomposition view of a constant-Hessian loss. */
export interface QuadraticModes {
  /** How constancy was established: the Hessian at `probes` points (start, path, off-path) was equal within `rtol`. */
  readonly probes: number;
  readonly rtol: number;
  /** Eigenvalues λ_i, descending, and their unit eigenvectors (row i of `vectors`, length dim). */
  readonly lambdas: Float64Array;
  readonly vectors: Float64Array;
  /** The stationary point θ* = θ₀ − H⁻¹∇f(θ₀) (the minimum when H ≻ 0). */
  readonly thetaStar: Float64Array;
  /** |(θ_t − θ*)·q_i| per params row, row-major (rows × k). */
  readonly components: Float64Array;
  /** |(θ₀ − θ*)·q_i| · Π_{s ≤ t} ρ_i(η_s) per row (rows × k), the linear theory; empty when there is no rate. */
  readonly predicted: Float64Array;
  /** ρ_i at the first step's learning rate (null: no linear rate); the formula; why none. */
  readonly rates: readonly (number | null)[];
  readonly rateFormula: string;
  readonly rateReason?: string;
}

export interface CurvatureViews {
  readonly directions?: HessianDirections;
  readonly modes?: QuadraticModes;
  /** Why the modes view is absent for a loss with dim ≤ MODES_MAX_DIM (e.g. the Hessian is not constant). */
  readonly modesNote?: string;
  /** The panel's curvature request failed (the run itself is kept): the message. */
  readonly error?: string;
}

/** Relative tolerance for "the Hessian is the same at every probe" (exact second derivatives; numeric ones looser). */
const CONST_RTOL = { exact: 1e-9, numeric: 1e-6 };

/** The views for a recorded run (`every`: eigen-directions at every K-th row, as computeCurvature's). */
export function curvatureViews(problem: Problem, optimizer: Optimizer, rec: RecordingData, every = 1): CurvatureViews {
  const n = rec.dim;
  const rows = Math.floor(rec.params.length / Math.max(1, n));
  const points = Math.min(rows, rec.loss.length);
  const out: { directions?: HessianDirections; modes?: QuadraticModes; modesNote?: string } = {};
  if (!problem.hessianMethod || !(problem.hvp || problem.hessian) || points === 0) return out;
  const x = new Float64Array(n);
  const finiteRow = (r: number): boolean => {
    for (let i = 0; i < n; i++) {
      x[i] = rec.params[r * n + i]!;
      if (!Number.isFinite(x[i]!)) return false;
    }
    return true;
  };
  const k = Math.max(1, Math.floor(every));
  if (n === 2) {
    const v = new Float64Array(points * 4).fill(NaN);
    for (let r = 0; r < points; r++) {
      if (r % k !== 0 && r !== points - 1) continue;
      if (!finiteRow(r)) continue;
      const H = denseHessian(problem, x);
      const e = jacobiEigen([H[0]!, 0.5 * (H[1]! + H[2]!), 0.5 * (H[1]! + H[2]!), H[3]!], 2);
      // ascending values; column 1 is λ₁'s eigenvector
      let qx = e.vectors[1]!, qy = e.vectors[3]!;
      if (qx < 0 || (qx === 0 && qy < 0)) { qx = -qx; qy = -qy; }
      v[r * 4] = e.values[1]!;
      v[r * 4 + 1] = e.values[0]!;
      v[r * 4 + 2] = qx;
      v[r * 4 + 3] = qy;
    }
    out.directions = { values: v };
  }
  if (n > MODES_MAX_DIM) return out;
  const m = quadraticModes(problem, optimizer, rec, points);
  if ('note' in m) out.modesNote = m.note;
  else out.modes = m;
  return out;
}

/** Row-major dense Hessians equal within rtol (relative to the largest entry of either)? */
function sameMatrix(A: Float64Array, B: Float64Array, rtol: number): boolean {
  let scale = 0;
  for (let i = 0; i < A.length; i++) scale = Math.max(scale, Math.abs(A[i]!), Math.abs(B[i]!));
  for (let i = 0; i < A.length; i++) if (!(Math.abs(A[i]! - B[i]!) <= rtol * Math.max(scale, 1e-300))) return false;
  return true;
}

function quadraticModes(problem: Problem, optimizer: Optimizer, rec: RecordingData, points: number): QuadraticModes | { note: string } {
  const n = rec.dim;
  const x0 = rec.params.slice(0, n);
  if (!x0.every((v) => Number.isFinite(v))) return { note: 'the start point is not finite' };
  // Probes: the start, the last finite row, the middle row, and two off-path points at the start's scale.
  const probes: Float64Array[] = [x0];
  const rowAt = (r: number): Float64Array | null => {
    const p = rec.params.slice(r * n, (r + 1) * n);
    return p.every((v) => Number.isFinite(v)) ? p : null;
  };
  let last = points - 1;
  while (last > 0 && !rowAt(last)) last--;
  for (const r of [last, Math.floor(last / 2)]) {
    const p = r > 0 ? rowAt(r) : null;
    if (p) probes.push(p);
  }
  let norm = 0;
  for (let i = 0; i < n; i++) norm += x0[i]! * x0[i]!;
  const s = Math.max(1, Math.sqrt(norm));
  for (const sign of [1, -1]) {
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) p[i] = x0[i]! + sign * s * (0.37 + 0.11 * i) * (i % 2 === 0 ? 1 : -0.8);
    probes.push(p);
  }
  const rtol = problem.hessianMethod === 'numeric' ? CONST_RTOL.numeric : CONST_RTOL.exact;
  let H0: Float64Array;
  try {
    H0 = denseHessian(problem, x0);
    for (let j = 1; j < probes.length; j++) {
      const Hj = denseHessian(problem, probes[j]!);
      if (!Hj.every((v) => Number.isFinite(v)) || !sameMatrix(H0, Hj, rtol)) return { note: 'the Hessian is not constant (it differs between points of the run), so there is no single eigenbasis to decompose the error in' };
    }
  } catch {
    return { note: 'the Hessian could not be evaluated away from the path' };
  }
  if (!H0.every((v) => Number.isFinite(v))) return { note: 'the Hessian is not finite' };
  const e = jacobiEigen(H0, n);
  // descending λ; row i of vectors = eigenvector i
  const lambdas = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const col = n - 1 - i;
    lambdas[i] = e.values[col]!;
    for (let j = 0; j < n; j++) vectors[i * n + j] = e.vectors[j * n + col]!;
  }
  let lmax = 0;
  for (let i = 0; i < n; i++) lmax = Math.max(lmax, Math.abs(lambdas[i]!));
  if (!(lmax > 0)) return { note: 'the Hessian is zero' };
  for (let i = 0; i < n; i++) if (Math.abs(lambdas[i]!) <= 1e-12 * lmax) return { note: 'the constant Hessian is singular: the stationary point θ* is not unique' };
  // θ* = θ₀ − Σ_i (q_i·g₀/λ_i) q_i
  const g0 = new Float64Array(n);
  problem.evaluateFull ? problem.evaluateFull(x0, g0) : problem.evaluate(x0, g0, 0);
  const thetaStar = Float64Array.from(x0);
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let j = 0; j < n; j++) d += vectors[i * n + j]! * g0[j]!;
    const c = d / lambdas[i]!;
    for (let j = 0; j < n; j++) thetaStar[j] = thetaStar[j]! - c * vectors[i * n + j]!;
  }
  const components = new Float64Array(points * n);
  for (let r = 0; r < points; r++) {
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let j = 0; j < n; j++) d += (rec.params[r * n + j]! - thetaStar[j]!) * vectors[i * n + j]!;
      components[r * n + i] = Math.abs(d);
    }
  }
  const lr0 = rec.lr.length ? rec.lr[0]! : optimizer.lrAt(1);
  const first = lambdas.length ? linearRate(optimizer, lr0, lambdas[0]!) : { value: null, formula: 'none' };
  const rates = Array.from(lambdas, (l) => linearRate(optimizer, lr0, l).value);
  const full = points === rec.stepsCompleted + 1 && rec.lr.length >= rec.stepsCompleted;
  let predicted = new Float64Array(0);
  let reason = first.reason;
  const switched = rec.segments && rec.segments.length > 1;
  if (first.value !== null && full && !switched) {
    predicted = new Float64Array(points * n);
    for (let i = 0; i < n; i++) predicted[i] = components[i]!;
    for (let r = 1; r < points; r++) {
      const lr = rec.lr[r - 1]!;
      for (let i = 0; i < n; i++) predicted[r * n + i] = predicted[(r - 1) * n + i]! * linearRate(optimizer, lr, lambdas[i]!).value!;
    }
  } else if (first.value !== null) {
    reason = switched ? 'the run switches optimizer: the prediction would need each segment\'s own rate' : 'the recording is downsampled (memory budget): the predicted curve needs every step\'s learning rate';
  }
  return {
    probes: probes.length,
    rtol,
    lambdas,
    vectors,
    thetaStar,
    components,
    predicted,
    rates,
    rateFormula: first.formula,
    ...(reason ? { rateReason: reason } : {}),
  };
}
