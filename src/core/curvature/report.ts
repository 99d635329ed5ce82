// What `optimizer-diagnostics hessian` prints: loss, gradient, dense Hessian and all its eigenvalues, or
// (top-k) the k largest and k smallest eigenvalues by Lanczos. Pure TypeScript.

import type { HessianMethod, Problem } from '../types';
import { denseHessian } from './curvature';
import { lanczosExtremes, symmetricEigenvalues } from './eigen';

/** Largest n for which the dense Hessian is printed (above it: --top-k). */
export const MAX_DENSE_HESSIAN = 2000;

export interface HessianReport {
  readonly loss: number;
  readonly gradient: number[];
  /** Row by row; absent with top-k. */
  readonly hessian?: number[][];
  /** All eigenvalues, ascending (dense); with top-k: the k smallest then the k largest, ascending. */
  readonly eigenvalues: number[];
  readonly method: HessianMethod;
  /** top-k only: the k largest (descending) and the k smallest (ascending), and the HVPs used. */
  readonly largest?: number[];
  readonly smallest?: number[];
  readonly lanczos_iterations?: number;
}

/** The report at `x`; `topK` switches to Lanczos. Throws (one line) when n > MAX_DENSE_HESSIAN without topK. */
export function hessianReport(problem: Problem, x: Float64Array, topK?: number): HessianReport {
  const n = problem.dim;
  const method = problem.hessianMethod;
  if (!method || !(problem.hvp || problem.hessian)) throw new Error(`${problem.name} has no second derivatives`);
  const g = new Float64Array(n);
  const loss = problem.evaluate(x, g, 0);
  const gradient = Array.from(g);
  if (topK === undefined) {
    if (n > MAX_DENSE_HESSIAN) {
      throw new RangeError(`the Hessian of ${problem.name} has ${n} × ${n} entries (more than ${MAX_DENSE_HESSIAN} parameters): use --top-k K for the K largest and smallest eigenvalues (Lanczos)`);
    }
    const H = denseHessian(problem, x);
    const rows: number[][] = [];
    for (let i = 0; i < n; i++) rows.push(Array.from(H.subarray(i * n, i * n + n)));
    return { loss, gradient, hessian: rows, eigenvalues: Array.from(symmetricEigenvalues(H, n)), method };
  }
  const k = Math.max(1, Math.min(Math.floor(topK), n));
  const mv = (v: Float64Array, out: Float64Array) => {
    if (problem.hvp) problem.hvp(x, v, out);
    else throw new Error(`${problem.name} has no Hessian-vector product`);
  };
  const r = lanczosExtremes(mv, n, { k, maxIterations: n, tol: 1e-11 });
  const largest = Array.from(r.largest);
  const smallest = Array.from(r.smallest);
  const merged = [...new Set([...smallest, ...largest.slice().reverse()])];
  return { loss, gradient, eigenvalues: 2 * k >= n ? merged.sort((a, b) => a - b) : [...smallest, ...largest.slice().reverse()], method, largest, smallest, lanczos_iterations: r.iterations };
}
