// Built-in losses as the worker, the runner and the CLI see them: LossInfo and a Problem (the core's
// exact analytic gradient, plus optional seeded gradient noise). Loss files go through loader.ts.

import { BUILTIN_LOSS_NAMES, BUILTIN_LOSSES, builtinProblem, type BuiltinLoss } from '../core/losses/builtins';
import type { Problem } from '../core/types';
import type { LossInfo } from '../protocol/simulation';
import { lossError } from './errors';
import { addGradientNoise } from './sampler';
import { DATA_BUILTIN_NAMES, dataBuiltinInfo, dataBuiltinProblem, isDataBuiltinName } from './dataBuiltins';
import type { ProblemOptions } from './types';

/** A built-in: a 2-D test function or a data problem (dataBuiltins.ts). */
export function isBuiltinLossName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(BUILTIN_LOSSES, name) || isDataBuiltinName(name);
}

/** Every built-in's name: the 2-D test functions, then the data problems. */
export const ALL_BUILTIN_NAMES: readonly string[] = Object.freeze([...BUILTIN_LOSS_NAMES, ...DATA_BUILTIN_NAMES]);

export function builtinLoss(name: string): BuiltinLoss {
  const b = Object.prototype.hasOwnProperty.call(BUILTIN_LOSSES, name) ? BUILTIN_LOSSES[name] : undefined;
  if (!b) throw lossError('missing-export', `unknown built-in loss "${name}" (known: ${ALL_BUILTIN_NAMES.join(', ')})`);
  return b;
}

/** LossInfo of a built-in 2-D test function. */
export function builtinInfo(name: string): LossInfo {
  if (isDataBuiltinName(name)) return dataBuiltinInfo(name);
  const b = builtinLoss(name);
  return {
    ref: { kind: 'builtin', name: b.name },
    name: b.name,
    label: b.label,
    formula: b.formula,
    dim: 2,
    paramNames: b.paramNames,
    start: b.start,
    window: b.window,
    minima: b.minima,
    suggestedLr: b.suggestedLr,
    hasData: false,
    hasValidation: false,
    gradient: 'analytic',
    warnings: [],
  };
}

/**
 * A built-in's Problem. Gradient noise applies to built-ins too (gradientMode, batchSize: not applicable,
 * ignored); the noise of a step depends only on (seed, step), as for loss files.
 */
export function builtinProblemWith(name: string, opts: ProblemOptions = {}): Problem {
  if (isDataBuiltinName(name)) return dataBuiltinProblem(name, opts);
  const base = builtinProblem(builtinLoss(name));
  const sigma = opts.gradientNoise ?? 0;
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw lossError('hyperparameter', `gradientNoise must be a finite σ ≥ 0, got ${sigma}`);
  if (sigma === 0) return base;
  const seed = Math.trunc(opts.seed ?? 0);
  return {
    ...base,
    evaluate(params, gradOut, step) {
      const v = base.evaluate(params, gradOut, step);
      addGradientNoise(gradOut, sigma, seed, step);
      return v;
    },
    ...(base.evaluateFloat32
      ? {
          evaluateFloat32(params: Float64Array, gradOut: Float64Array, step: number) {
            const v = base.evaluateFloat32!(params, gradOut, step);
            addGradientNoise(gradOut, sigma, seed, step);
            return v;
          },
        }
      : {}),
    evaluateFull: (params, gradOut) => base.evaluate(params, gradOut, 0),
  };
}
