// Built-in data problems (README "Generalisation"): losses over seeded synthetic data with a fixed
// train/validation split, run like a loss file with data (mini-batches, seed, gradient noise, held-out
// loss) but with exact analytic gradients and Hessians (src/core/losses/logistic.ts). Same start and data
// for every run, so "Adam vs SGD vs Adam-then-SGD" differ only by the optimizer.

import { logisticHessian, logisticHvp, logisticLoss, type LogisticData } from '../core/losses/logistic';
import type { Problem } from '../core/types';
import type { LossInfo } from '../protocol/simulation';
import { lossError } from './errors';
import { addGradientNoise, BatchSampler, gaussianSource, hash32, mulberry32, validationSplit } from './sampler';
import type { ProblemOptions } from './types';

export interface DataBuiltin {
  readonly name: string;
  readonly label: string;
  readonly formula: string;
  readonly lesson: string;
  readonly data: LogisticData;
  readonly validation: number;
  readonly train: Uint32Array;
  readonly heldOut: Uint32Array;
  readonly paramNames: readonly string[];
  readonly start: readonly number[];
}

/** Rows, features, held-out fraction, label-noise σ and the data seed of `overparam-logistic`. */
export const OVERPARAM_LOGISTIC = { rows: 80, features: 100, validation: 0.25, labelNoise: 0.5, dataSeed: 2026 } as const;

/**
 * x_rj ~ N(0, 1); a teacher w*_j ~ N(0, 1); s_r = sign(x_r·w* / √d + 0.5 ε_r), ε_r ~ N(0, 1) (label noise):
 * all draws in that order from gaussianSource(mulberry32(hash32(2026, 11))). 25 % of the 80 rows held out
 * (the loss files' fixed split, validationSplit): 60 training rows for 101 parameters.
 */
function overparamLogistic(): DataBuiltin {
  const { rows, features, validation, labelNoise, dataSeed } = OVERPARAM_LOGISTIC;
  const g = gaussianSource(mulberry32(hash32(dataSeed, 11)));
  const x = new Float64Array(rows * features);
  for (let i = 0; i < x.length; i++) x[i] = g();
  const teacher = new Float64Array(features);
  for (let j = 0; j < features; j++) teacher[j] = g();
  const s = new Float64Array(rows);
  const scale = 1 / Math.sqrt(features);
  for (let r = 0; r < rows; r++) {
    let z = 0;
    for (let j = 0; j < features; j++) z += x[r * features + j]! * teacher[j]!;
    s[r] = z * scale + labelNoise * g() >= 0 ? 1 : -1;
  }
  const split = validationSplit(rows, validation);
  return {
    name: 'overparam-logistic',
    label: 'Over-parameterised logistic regression',
    formula: 'f(w, b) = mean over 60 training rows of log(1 + exp(−s·(w·x + b))), x ∈ ℝ¹⁰⁰',
    lesson: 'More parameters (101) than training rows (60), seeded synthetic data with 20 held-out rows: the optimizer picks which of many fits it reaches. Compare the end point\'s train/held-out gap, sharpness and ε-flatness of SGD, Adam and Adam-then-SGD from the same start.',
    data: { x, s, rows, features },
    validation,
    train: split.train,
    heldOut: split.validation,
    paramNames: [...Array.from({ length: features }, (_, j) => `w[${j}]`), 'b'],
    start: new Array<number>(features + 1).fill(0),
  };
}

let cache: Map<string, DataBuiltin> | null = null;
function registry(): Map<string, DataBuiltin> {
  cache ??= new Map([['overparam-logistic', overparamLogistic()]]);
  return cache;
}

/** Names of the built-in data problems. */
export const DATA_BUILTIN_NAMES: readonly string[] = Object.freeze(['overparam-logistic']);

export function isDataBuiltinName(name: string): boolean {
  return DATA_BUILTIN_NAMES.includes(name);
}

export function dataBuiltin(name: string): DataBuiltin {
  const b = isDataBuiltinName(name) ? registry().get(name) : undefined;
  if (!b) throw lossError('missing-export', `unknown built-in data problem "${name}"`);
  return b;
}

export function dataBuiltinInfo(name: string): LossInfo {
  const b = dataBuiltin(name);
  const dim = b.data.features + 1;
  return {
    ref: { kind: 'builtin', name: b.name },
    name: b.name,
    label: b.label,
    formula: b.formula,
    dim,
    paramNames: b.paramNames,
    start: b.start,
    hasData: true,
    hasValidation: b.heldOut.length > 0,
    dataLayout: { rows: b.data.rows, validation: b.validation },
    gradient: 'analytic',
    warnings: [],
  };
}

/**
 * The Problem: step t's mini-batch from BatchSampler(60, batchSize, seed) (full batch by default, as a loss
 * file without batchSize), then σ·N(0, 1) gradient noise per (seed, step) — exactly as loss files do.
 * Hessian, HVPs and evaluateFull: all training rows, no noise. validationLoss: the 20 held-out rows.
 */
export function dataBuiltinProblem(name: string, opts: ProblemOptions = {}): Problem {
  const b = dataBuiltin(name);
  const d = b.data;
  const dim = d.features + 1;
  const sigma = opts.gradientNoise ?? 0;
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw lossError('hyperparameter', `gradientNoise must be a finite σ ≥ 0, got ${sigma}`);
  const requested = opts.batchSize;
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1)) throw lossError('hyperparameter', `batchSize must be a positive integer, got ${requested}`);
  const seed = Math.trunc(opts.seed ?? 0);
  const train = b.train;
  const sampler = requested !== undefined && requested < train.length ? new BatchSampler(train.length, requested, seed) : null;
  const batchIdx = new Uint32Array(train.length);
  /** The training rows of step t's batch, into batchIdx; returns how many. */
  const batchOf = (step: number): number => {
    if (!sampler) return train.length;
    const idx = sampler.indices(step);
    for (let k = 0; k < idx.length; k++) batchIdx[k] = train[idx[k]!]!;
    return idx.length;
  };
  const rowsOf = (): Uint32Array => (sampler ? batchIdx : train);
  const problem: Problem = {
    name: b.name,
    dim,
    paramNames: b.paramNames,
    evaluate(params, gradOut, step) {
      const m = batchOf(step);
      const v = logisticLoss(d, params, rowsOf(), m, gradOut);
      if (sigma > 0) addGradientNoise(gradOut, sigma, seed, step);
      return v;
    },
    value(params, step) {
      const m = batchOf(step);
      return logisticLoss(d, params, rowsOf(), m);
    },
    ...(b.heldOut.length > 0 ? { validationLoss: (params: Float64Array) => logisticLoss(d, params, b.heldOut, b.heldOut.length) } : {}),
    hessianMethod: 'analytic',
    hessian(params, out) {
      logisticHessian(d, params, train, train.length, out);
    },
    hvp(params, v, out) {
      logisticHvp(d, params, train, train.length, v, out);
    },
    ...(sampler || sigma > 0 ? { evaluateFull: (params: Float64Array, gradOut: Float64Array) => logisticLoss(d, params, train, train.length, gradOut) } : {}),
  };
  return problem;
}
