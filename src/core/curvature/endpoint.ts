// Generalisation at the end point of a run (README "Generalisation: flat versus sharp minima"): the
// train/held-out gap, the sharpness λ_max(H) and the ε-flatness. Pure TypeScript.

import type { HessianMethod, Problem } from '../types';
import { denseHessian } from './curvature';
import { lanczosExtremes, symmetricEigenvalues } from './eigen';

/** Dense eigenvalues up to this many parameters; Lanczos above. */
export const ENDPOINT_DENSE_MAX = 200;
/** Most Hessian-vector products Lanczos may use for λ_max (n > ENDPOINT_DENSE_MAX). */
export const ENDPOINT_LANCZOS_MAX = 300;
/** Default number of random perturbations and their relative norm ρ/‖θ‖. */
export const FLATNESS_SAMPLES = 20;
export const FLATNESS_RHO = 0.05;

export interface EndpointReport {
  /** Full-batch training loss at θ (all training rows, no gradient noise). */
  readonly train_loss: number;
  /** Held-out loss at θ (losses with a validation split), else null. */
  readonly heldout_loss: number | null;
  /** heldout_loss − train_loss, else null. */
  readonly gap: number | null;
  /** λ_max of the full-batch Hessian at θ, null when the loss has no second derivatives. */
  readonly sharpness: number | null;
  /** How the Hessian is computed (analytic | autodiff | numeric), null without second derivatives. */
  readonly sharpness_method: HessianMethod | null;
  /** 'dense' (all eigenvalues of the n × n Hessian) or 'lanczos' (n > ENDPOINT_DENSE_MAX). */
  readonly sharpness_solver: 'dense' | 'lanczos' | null;
  /** Lanczos: whether λ_max met the tolerance 1e-11·‖T‖ within ENDPOINT_LANCZOS_MAX products (else the Ritz value reached); dense: true. */
  readonly sharpness_converged: boolean | null;
  /** Mean of f(θ + ρu_s) − f(θ) over the samples (full-batch f). */
  readonly flatness: number;
  /** ρ = rho_fraction · ‖θ‖₂. */
  readonly rho: number;
  readonly rho_fraction: number;
  readonly samples: number;
  /** Seed of the perturbation directions. */
  readonly seed: number;
}

export interface EndpointOptions {
  /** Standard-normal source (seeded) for the perturbation directions, consumed dim values per sample. */
  readonly gaussian: () => number;
  readonly seed: number;
  readonly samples?: number;
  readonly rhoFraction?: number;
}

/**
 * The end-point report at θ. Perturbation s: z ~ N(0, I_n) (n draws of `gaussian`, in order), u_s = z/‖z‖,
 * δ_s = ρ·u_s; flatness = (1/S) Σ_s [f(θ + δ_s) − f(θ)]. For f = ½(θ−θ*)ᵀH(θ−θ*) at θ*: ½ρ² · mean uᵀHu.
 */
export function endpointReport(problem: Problem, x: Float64Array, options: EndpointOptions): EndpointReport {
  const n = problem.dim;
  const S = options.samples ?? FLATNESS_SAMPLES;
  const frac = options.rhoFraction ?? FLATNESS_RHO;
  const g = new Float64Array(n);
  const full = (p: Float64Array): number => (problem.evaluateFull ? problem.evaluateFull(p, g) : problem.evaluate(p, g, 0));
  const train = full(x);
  const held = problem.validationLoss ? problem.validationLoss(x) : null;
  let sharpness: number | null = null;
  let solver: 'dense' | 'lanczos' | null = null;
  let converged: boolean | null = null;
  const method = problem.hessianMethod && (problem.hvp || problem.hessian) ? problem.hessianMethod : null;
  if (method) {
    if (n <= ENDPOINT_DENSE_MAX || !problem.hvp) {
      const ev = symmetricEigenvalues(denseHessian(problem, x), n);
      sharpness = ev[n - 1]!;
      solver = 'dense';
      converged = true;
    } else {
      const hvp = problem.hvp.bind(problem);
      const r = lanczosExtremes((v, out) => hvp(x, v, out), n, { k: 1, which: 'largest', maxIterations: Math.min(n, ENDPOINT_LANCZOS_MAX), tol: 1e-11 });
      sharpness = r.largest[0]!;
      solver = 'lanczos';
      converged = r.converged;
    }
  }
  let norm = 0;
  for (let i = 0; i < n; i++) norm += x[i]! * x[i]!;
  const rho = frac * Math.sqrt(norm);
  const z = new Float64Array(n);
  const y = new Float64Array(n);
  let sum = 0;
  for (let s = 0; s < S; s++) {
    let zz = 0;
    for (let i = 0; i < n; i++) {
      z[i] = options.gaussian();
      zz += z[i]! * z[i]!;
    }
    const scale = rho / Math.sqrt(zz);
    for (let i = 0; i < n; i++) y[i] = x[i]! + scale * z[i]!;
    sum += full(y) - train;
  }
  return {
    train_loss: train,
    heldout_loss: held,
    gap: held === null ? null : held - train,
    sharpness,
    sharpness_method: method,
    sharpness_solver: solver,
    sharpness_converged: converged,
    flatness: S > 0 ? sum / S : 0,
    rho,
    rho_fraction: frac,
    samples: S,
    seed: options.seed,
  };
}
