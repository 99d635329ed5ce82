// Reading the reference trajectories (test/fixtures/reference, see PROVENANCE.md) and turning
// them into simulation inputs: the problem (closed loop) or the recorded gradients (replay).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  builtinProblem,
  createOptimizer,
  getBuiltinLoss,
  type HyperValue,
  type Optimizer,
  type Problem,
} from '../../../src/core';

/** The repository root: the nearest folder above this (bundled) file that has package.json. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

export const FIXTURES = join(repoRoot(), 'test', 'fixtures', 'reference');

export interface ReferenceCase {
  case_id: string;
  library: string;
  function: { name: string; dim: number; param_names: string[]; data: Record<string, unknown> | null };
  start: number[];
  optimizer: { config_id: string; family: string; gradient_transform: string | null; hyperparameters: Record<string, unknown> };
  steps_requested: number;
  steps_completed: number;
  diverged: boolean;
  trajectory: {
    params: number[][];
    loss: number[];
    grad: number[][];
    state: Record<string, number[][]>;
    scalar_state: Record<string, number[]>;
  };
}

/** Non-finite numbers are stored as strings; decode them everywhere. */
function revive(_key: string, v: unknown): unknown {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return v;
}

export function loadCase(file: string): ReferenceCase {
  return JSON.parse(readFileSync(file, 'utf8'), revive) as ReferenceCase;
}

export function listCases(library: 'torch' | 'tfjs'): string[] {
  const dir = join(FIXTURES, library);
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => join(dir, f));
}

const NOT_HYPERPARAMETERS = new Set(['foreach', 'differentiable', 'capturable', 'fused']);

/** The reference's torch configuration as one of our optimizers. */
export function optimizerFor(c: ReferenceCase): Optimizer {
  const hp: Record<string, HyperValue> = {};
  for (const [k, v] of Object.entries(c.optimizer.hyperparameters)) {
    if (NOT_HYPERPARAMETERS.has(k) || v === null) continue;
    hp[k] = Array.isArray(v) ? ([v[0], v[1]] as const) : (v as HyperValue);
  }
  if (c.optimizer.gradient_transform === 'sign') {
    // torch.optim.SGD fed sign(grad) = our signsgd (momentum 0).
    return createOptimizer('signsgd', { lr: hp['lr'], weight_decay: hp['weight_decay'], maximize: hp['maximize'] });
  }
  return createOptimizer(c.optimizer.family, hp);
}

/** quad5: f(x) = ½ xᵀAx − bᵀx. */
export function quadraticProblem(A: number[][], b: number[], names: string[]): Problem {
  const n = b.length;
  const Ax = new Float64Array(n);
  const f = (x: Float64Array, g: Float64Array | null): number => {
    let quad = 0;
    let lin = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A[i]![j]! * x[j]!;
      Ax[i] = s;
      quad += x[i]! * s;
      lin += b[i]! * x[i]!;
      if (g) g[i] = s - b[i]!;
    }
    return 0.5 * quad - lin;
  };
  return { name: 'quad5', dim: n, paramNames: names, evaluate: (x, g) => f(x, g), value: (x) => f(x, null) };
}

/** logreg: mean over rows of log(1 + exp(z)) − y z with z = x·w + b; θ = [w..., b]. */
export function logisticProblem(X: number[][], y: number[], names: string[]): Problem {
  const n = X.length;
  const d = X[0]!.length;
  const f = (t: Float64Array, g: Float64Array | null): number => {
    let s = 0;
    if (g) g.fill(0);
    for (let i = 0; i < n; i++) {
      let z = t[d]!;
      for (let j = 0; j < d; j++) z += X[i]![j]! * t[j]!;
      s += Math.log1p(Math.exp(z)) - y[i]! * z;
      if (g) {
        const r = 1 / (1 + Math.exp(-z)) - y[i]!;
        for (let j = 0; j < d; j++) g[j] += (r * X[i]![j]!) / n;
        g[d] += r / n;
      }
    }
    return s / n;
  };
  return { name: 'logreg', dim: d + 1, paramNames: names, evaluate: (t, g) => f(t, g), value: (t) => f(t, null) };
}

/** Closed loop: the problem with our own gradient formula. */
export function problemFor(c: ReferenceCase): Problem {
  const data = c.function.data ?? {};
  switch (c.function.name) {
    case 'quad5':
      return quadraticProblem(data['A'] as number[][], data['b'] as number[], c.function.param_names);
    case 'logreg':
      return logisticProblem(data['X'] as number[][], data['y'] as number[], c.function.param_names);
    default:
      return builtinProblem(getBuiltinLoss(c.function.name));
  }
}

/** Replay: gradient and loss of step t come from the file, so only the optimizer is tested. */
export function replayProblem(c: ReferenceCase): Problem {
  const t = c.trajectory;
  return {
    name: `${c.function.name} (replay)`,
    dim: c.function.dim,
    paramNames: c.function.param_names,
    evaluate(_params, gradOut, step) {
      gradOut.set(t.grad[step]!);
      return t.loss[step]!;
    },
    value(_params, step) {
      return t.loss[step]!;
    },
  };
}

export interface Mismatch {
  field: string;
  step: number;
  index: number;
  got: number;
  want: number;
}

/** |a − r| ≤ atol + rtol·|r|; NaN matches NaN, ±∞ only the same infinity (the checker's rule). */
export function close(a: number, r: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(r)) return Number.isNaN(a);
  if (!Number.isFinite(r)) return a === r;
  return Math.abs(a - r) <= atol + rtol * Math.abs(r);
}

/** Compares rows of a reference table with a columnar recording; returns the first mismatch or null. */
export function compareRows(
  field: string,
  want: number[][],
  got: Float64Array,
  dim: number,
  rtol: number,
  atol: number,
): Mismatch | null {
  for (let t = 0; t < want.length; t++) {
    for (let i = 0; i < dim; i++) {
      const g = got[t * dim + i]!;
      const w = want[t]![i]!;
      if (!close(g, w, rtol, atol)) return { field, step: t, index: i, got: g, want: w };
    }
  }
  return null;
}

/**
 * A tfjs reference's `tf.train.*` configuration as one of our optimizers under the tfjs convention: the
 * optimizer name and its hyperparameters in PyTorch's names (learningRate → lr, decay → alpha,
 * epsilon → eps, beta1/beta2 → betas, useNesterov → nesterov, initialAccumulatorValue →
 * initial_accumulator_value). Throws for a configuration the tfjs convention does not model.
 */
export function tfjsRunFor(c: ReferenceCase): { optimizer: string; hyperparameters: Record<string, HyperValue> } {
  const cls = (c.optimizer as unknown as { tfjs_class: string }).tfjs_class;
  const h = c.optimizer.hyperparameters as Record<string, number | boolean | string | null>;
  const num = (k: string) => {
    const v = h[k];
    if (typeof v !== 'number') throw new Error(`${c.case_id}: hyperparameter ${k} is ${JSON.stringify(v)}`);
    return v;
  };
  switch (cls) {
    case 'SGD':
      return { optimizer: 'sgd', hyperparameters: { lr: num('learningRate') } };
    case 'Momentum':
      return { optimizer: 'sgd', hyperparameters: { lr: num('learningRate'), momentum: num('momentum'), nesterov: h['useNesterov'] === true } };
    case 'Adagrad':
      return { optimizer: 'adagrad', hyperparameters: { lr: num('learningRate'), initial_accumulator_value: num('initialAccumulatorValue'), eps: num('epsilon') } };
    case 'RMSProp':
      return { optimizer: 'rmsprop', hyperparameters: { lr: num('learningRate'), alpha: num('decay'), momentum: num('momentum'), eps: num('epsilon'), centered: h['centered'] === true } };
    case 'Adadelta':
      return { optimizer: 'adadelta', hyperparameters: { lr: num('learningRate'), rho: num('rho'), eps: num('epsilon') } };
    case 'Adam':
      return { optimizer: 'adam', hyperparameters: { lr: num('learningRate'), betas: [num('beta1'), num('beta2')], eps: num('epsilon') } };
    case 'Adamax':
      if (num('decay') !== 0) throw new Error(`${c.case_id}: tf.train.adamax decay ${h['decay']} is not modelled (only decay = 0)`);
      return { optimizer: 'adamax', hyperparameters: { lr: num('learningRate'), betas: [num('beta1'), num('beta2')], eps: num('epsilon') } };
    default:
      throw new Error(`${c.case_id}: unknown tfjs class ${cls}`);
  }
}
