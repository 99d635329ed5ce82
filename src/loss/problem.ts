// A loaded loss file as a core Problem: mini-batches from the seeded sampler, the gradient from the
// file's `grad`, automatic differentiation or central differences, optional Gaussian gradient noise,
// the validation loss, and the checks that turn bad user results into LossErrors with file and line.
//
// With mini-batches, step t's recorded loss is the loss on step t's batch (what the optimizer sees,
// noisy); the validation loss, when the file holds rows out, is on the fixed validation rows.
// A loss that is NaN/±∞ at finite parameters is an error, not silent divergence: the worker keeps the
// rows before it and reports the error. It is located at the first operation that produced the
// non-finite value (the autodiff tape records it; in the other gradient modes the automatic
// gradient is evaluated once at the failing point to find it): kind 'domain' ("the loss left its
// domain": e.g. Math.sqrt of a negative number) when that operation's operands were finite. A loss
// that is not finite because the PARAMETERS are not finite is the other case: "the parameters diverged".

import { gradCheck } from '../core/autodiff';
import { numericHvp } from '../core/curvature';
import type { Problem } from '../core/types';
import type { GradientMode, LossInfo } from '../protocol/simulation';
import type { DataRow } from './data';
import { unflatten, type NormalizedDefinition, type UserFunction } from './definition';
import { describeThrown, lossError, LossErrorException, userFrame, type SourcePosition } from './errors';
import { addGradientNoise, BatchSampler, gaussianSource, hash32, mulberry32, STREAM } from './sampler';
import type { LossProblem, ProblemOptions } from './types';

/** Automatic gradient of a loaded loss: value, gradient into `out`. Throws LossErrorExceptions. */
export type ValueAndGrad = (flat: Float64Array, batch: readonly DataRow[] | undefined, out: Float64Array, step: number | undefined) => number;

/** What problem.ts needs from a loaded loss file (implemented by loader.ts). */
export interface LossInternals {
  readonly file: string;
  readonly name: string;
  readonly def: NormalizedDefinition;
  /** `this` for user functions (the default export object). */
  readonly self: unknown;
  readonly train: readonly DataRow[] | undefined;
  readonly validation: readonly DataRow[];
  /** Position of a default-export property (`loss`, `grad` ...) for error messages. */
  at(prop: string): SourcePosition | { file: string };
  /** Files whose frames count as user code in stack traces. */
  userFiles(): Iterable<string>;
  /** The automatic gradient (prepared on first call; throws a LossErrorException of kind 'autodiff' when impossible). */
  autodiff(): ValueAndGrad;
  /** Central differences of f at x into out (the numeric gradient mode and the gradient check). */
  numericGradient(f: (x: Float64Array) => number, x: Float64Array, out: Float64Array): void;
  /** Exact H·v of the loss code (autodiff.ts `hvp`); throws a LossErrorException of kind 'autodiff' when impossible. */
  hvp(flat: Float64Array, v: Float64Array, batch: readonly DataRow[] | undefined, gradOut: Float64Array | null, hvOut: Float64Array): number;
}

type Phase = 'loss' | 'grad';

/** What every "the automatic gradient cannot be trusted here" message suggests. */
export const NUMERIC_ADVICE = "set gradient: 'numeric' in the loss file (central differences of your own code), or add a grad(p, batch) export";

function stepText(step: number | undefined): string {
  return step === undefined ? '' : ` at step ${step}`;
}

/** Calls a user function with `this` = the default export; maps a throw to kind 'threw' at the user's line. */
export function callUser(ctx: LossInternals, phase: Phase, fn: UserFunction, flat: ArrayLike<number>, batch: unknown, step: number | undefined): unknown {
  try {
    return fn.call(ctx.self, unflatten(ctx.def.entries, flat), batch);
  } catch (e) {
    throw thrownError(ctx, phase, e, step);
  }
}

export function thrownError(ctx: LossInternals, phase: Phase, e: unknown, step: number | undefined): LossErrorException {
  if (e instanceof LossErrorException) return e;
  const where = userFrame(e, ctx.userFiles()) ?? ctx.at(phase);
  return lossError('threw', `${phase}() threw${stepText(step)}: ${describeThrown(e)}`, { ...where, ...(step !== undefined ? { step } : {}) });
}

/** A loss value must be a finite number. */
export function checkLossValue(ctx: LossInternals, v: unknown, step: number | undefined, what = 'loss()'): number {
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v;
    const where = { ...ctx.at('loss'), ...(step !== undefined ? { step } : {}) };
    if (Number.isNaN(v)) throw lossError('not-a-number', `${what} returned NaN${stepText(step)} (the parameters are finite)`, where);
    throw lossError('non-finite', `${what} returned ${v}${stepText(step)} (the parameters are finite; an overflow, e.g. Math.exp of a large number?)`, where);
  }
  const got = v === undefined ? 'undefined (a missing return?)' : v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v} (${String(v).slice(0, 40)})`;
  throw lossError('not-a-number', `${what} returned ${got}${stepText(step)}; it must return a number`, { ...ctx.at('loss'), ...(step !== undefined ? { step } : {}) });
}

/** Plain evaluation of loss(p, batch), checked; a NaN/±∞ value is located (see nonFiniteLoss). */
export function plainLoss(ctx: LossInternals, flat: ArrayLike<number>, batch: readonly DataRow[] | undefined, step: number | undefined): number {
  const v = callUser(ctx, 'loss', ctx.def.loss, flat, batch, step);
  if (typeof v === 'number' && !Number.isFinite(v)) throw nonFiniteLoss(ctx, v, flat, batch, step);
  return checkLossValue(ctx, v, step);
}

let locating = false;

/**
 * The error for a NaN/±∞ plain loss value at `flat`: "the parameters diverged" when they are not
 * finite; else the first operation that produced a non-finite value, found by evaluating the
 * automatic gradient once at this point (kind 'domain' when its operands were finite); else the
 * unlocated 'not-a-number' / 'non-finite' error at the loss function.
 */
export function nonFiniteLoss(ctx: LossInternals, v: number, flat: ArrayLike<number>, batch: readonly DataRow[] | undefined, step: number | undefined): LossErrorException {
  let bad = 0;
  while (bad < flat.length && Number.isFinite(flat[bad]!)) bad++;
  if (bad < flat.length) {
    return lossError(Number.isNaN(v) ? 'not-a-number' : 'non-finite',
      `loss() returned ${v}${stepText(step)} because the parameters diverged (${ctx.def.paramNames[bad] ?? bad} = ${flat[bad]}): try a smaller learning rate`,
      { ...ctx.at('loss'), ...(step !== undefined ? { step } : {}) });
  }
  if (!locating) {
    locating = true;
    try {
      const vg = ctx.autodiff();
      vg(Float64Array.from(flat), batch, new Float64Array(flat.length), step);
    } catch (e) {
      // the automatic gradient names the operation (its value equals this one: it checks that itself)
      if (e instanceof LossErrorException && (e.error.kind === 'domain' || e.error.kind === 'not-a-number' || e.error.kind === 'non-finite')) return e;
    } finally {
      locating = false;
    }
  }
  try {
    return checkLossValue(ctx, v, step) as never;
  } catch (e) {
    return e as LossErrorException;
  }
}

/** The file's grad(p, batch), flattened into `out`, shape-checked. */
export function exportGradient(ctx: LossInternals, flat: ArrayLike<number>, batch: readonly DataRow[] | undefined, out: Float64Array, step: number | undefined): void {
  const g = callUser(ctx, 'grad', ctx.def.grad!, flat, batch, step);
  const where = { ...ctx.at('grad'), ...(step !== undefined ? { step } : {}) };
  if (typeof g !== 'object' || g === null || Array.isArray(g)) {
    throw lossError('shape', `grad() returned ${g === null ? 'null' : Array.isArray(g) ? 'an array' : typeof g}; it must return an object shaped like params (${Object.keys(ctx.def.shape).join(', ')})`, where);
  }
  const obj = g as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!(k in ctx.def.shape)) throw lossError('shape', `grad() returned an entry "${k}" that params does not declare`, where);
  }
  for (const e of ctx.def.entries) {
    const v = obj[e.name];
    if (e.size === null) {
      if (typeof v !== 'number') throw lossError(v === undefined ? 'shape' : 'not-a-number', `grad().${e.name} must be a number (params.${e.name} is a number), got ${v === undefined ? 'nothing' : Array.isArray(v) ? 'an array' : typeof v}`, where);
      out[e.offset] = v;
    } else {
      const arr = v as ArrayLike<unknown> | undefined;
      if (!arr || typeof arr !== 'object' || typeof arr.length !== 'number') {
        throw lossError('shape', `grad().${e.name} must be an array of ${e.size} numbers (params.${e.name} has ${e.size}), got ${arr === undefined ? 'nothing' : typeof arr}`, where);
      }
      if (arr.length !== e.size) throw lossError('shape', `grad().${e.name} has ${arr.length} values, params.${e.name} has ${e.size}`, where);
      for (let i = 0; i < e.size; i++) {
        const x = arr[i];
        if (typeof x !== 'number') throw lossError('not-a-number', `grad().${e.name}[${i}] is ${x === undefined ? 'undefined' : typeof x}, expected a number`, where);
        out[e.offset + i] = x;
      }
    }
  }
}

/** A gradient with a NaN/±∞ component at a finite loss is a bug in the gradient, not divergence. */
export function checkGradient(ctx: LossInternals, g: Float64Array, source: string, step: number | undefined): void {
  for (let i = 0; i < g.length; i++) {
    if (!Number.isFinite(g[i]!)) {
      const hint = source === 'automatic' ? ' (e.g. the derivative of Math.sqrt, Math.log or ** at 0)' : '';
      throw lossError(Number.isNaN(g[i]!) ? 'not-a-number' : 'non-finite', `the ${source} gradient of ${ctx.def.paramNames[i]} is ${g[i]}${stepText(step)} while loss() is finite${hint}`, {
        ...ctx.at(source === 'grad()' ? 'grad' : 'loss'),
        ...(step !== undefined ? { step } : {}),
      });
    }
  }
}

/** Which gradient a mode uses for this file. */
export function gradientKind(ctx: LossInternals, mode: GradientMode): LossInfo['gradient'] {
  if (mode === 'numeric') return 'numeric';
  if (mode === 'autodiff') return 'autodiff';
  if (ctx.def.gradient === 'numeric') return 'numeric'; // the file asks for central differences
  if (ctx.def.gradient === 'autodiff') return 'autodiff';
  return ctx.def.grad ? 'grad-export' : 'autodiff';
}

/**
 * Compares the file's grad with the automatic gradient (or central differences when automatic
 * differentiation is impossible) at the start point and at a seeded perturbation of it, full batch,
 * like torch.autograd.gradcheck. Returns a warning, or null when they agree.
 */
export function gradCheckWarning(ctx: LossInternals): string | null {
  const { def } = ctx;
  if (!def.grad) return null;
  const n = def.dim;
  let reference: 'automatic' | 'numeric' = 'automatic';
  let auto: ValueAndGrad | null = null;
  try {
    auto = ctx.autodiff();
  } catch (e) {
    if (!(e instanceof LossErrorException && e.error.kind === 'autodiff')) throw e;
    reference = 'numeric';
  }
  const normal = gaussianSource(mulberry32(hash32(0, STREAM.gradcheck, n)));
  const x0 = Float64Array.from(def.start);
  const x1 = x0.map((v) => v + 0.1 * (Math.abs(v) + 1) * normal());
  const got = new Float64Array(n);
  const want = new Float64Array(n);
  let worst = 0;
  let worstAt = 0;
  for (const x of [x0, x1]) {
    try {
      exportGradient(ctx, x, ctx.train, got, undefined);
      if (auto) auto(x, ctx.train, want, undefined);
      else ctx.numericGradient((y) => plainLoss(ctx, y, ctx.train, undefined), x, want);
    } catch (e) {
      // The perturbed point may lie outside the loss's domain (e.g. log of a negative parameter):
      // then only the start point is checked. Errors at the start point are the run's errors.
      if (x === x1 && e instanceof LossErrorException) continue;
      throw e;
    }
    const r = gradCheck(got, want);
    if (r.maxRelError > worst) {
      worst = r.maxRelError;
      worstAt = r.worstIndex;
    }
  }
  const tolerance = reference === 'automatic' ? 1e-6 : 1e-3;
  if (worst <= tolerance) return null;
  const what = reference === 'automatic' ? 'the automatic gradient' : 'the numeric gradient (central differences)';
  return `grad export differs from ${what} (max rel. error ${worst.toExponential(1)} at ${def.paramNames[worstAt]})`;
}

/** Builds the Problem of one request. Throws LossErrorExceptions (e.g. 'autodiff', 'hyperparameter'). */
export function createLossProblem(ctx: LossInternals, opts: ProblemOptions = {}): LossProblem {
  const { def } = ctx;
  const mode = opts.gradientMode ?? 'auto';
  const gradient = gradientKind(ctx, mode);
  const seed = opts.seed ?? 0;
  const sigma = opts.gradientNoise ?? 0;
  if (!Number.isFinite(seed)) throw lossError('hyperparameter', `seed must be a finite number, got ${seed}`, { file: ctx.file });
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw lossError('hyperparameter', `gradientNoise must be a finite σ ≥ 0, got ${sigma}`, { file: ctx.file });
  const requested = opts.batchSize ?? def.batchSize;
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1)) {
    throw lossError('hyperparameter', `batchSize must be a positive integer, got ${requested}`, { file: ctx.file });
  }
  const train = ctx.train;
  const sampler = train && requested !== undefined && requested < train.length ? new BatchSampler(train.length, requested, Math.trunc(seed)) : null;
  const batchOf = (step: number): readonly DataRow[] | undefined => (train && sampler ? sampler.batch(train, step) : train);
  const valueAndGrad: ValueAndGrad | null = gradient === 'autodiff' ? ctx.autodiff() : null;
  let lastStep = 0;

  const evaluate = (params: Float64Array, gradOut: Float64Array, step: number): number => {
    lastStep = step;
    const batch = batchOf(step);
    let value: number;
    if (valueAndGrad) {
      value = valueAndGrad(params, batch, gradOut, step);
      checkGradient(ctx, gradOut, 'automatic', step);
    } else if (gradient === 'grad-export') {
      value = plainLoss(ctx, params, batch, step);
      exportGradient(ctx, params, batch, gradOut, step);
      checkGradient(ctx, gradOut, 'grad()', step);
    } else {
      value = plainLoss(ctx, params, batch, step);
      ctx.numericGradient((x) => plainLoss(ctx, x, batch, step), params, gradOut);
      checkGradient(ctx, gradOut, 'numeric', step);
    }
    if (sigma > 0) addGradientNoise(gradOut, sigma, Math.trunc(seed), step);
    return value;
  };
  const problem: LossProblem = {
    name: ctx.name,
    dim: def.dim,
    paramNames: def.paramNames,
    gradient,
    batchSize: sampler ? sampler.batchSize : null,
    warnings: def.warnings,
    evaluate,
    value(params, step) {
      lastStep = step;
      return plainLoss(ctx, params, batchOf(step), step);
    },
  };
  // Second derivatives (full batch, no gradient noise): exact HVPs of the loss code — also for a file that
  // exports grad, its loss is differentiated — else central differences of the gradient (Richardson).
  let hessianMethod: 'autodiff' | 'numeric' | null = null;
  const fullGrad = (x: Float64Array, out: Float64Array): void => {
    if (valueAndGrad) valueAndGrad(x, train, out, undefined);
    else if (gradient === 'grad-export') exportGradient(ctx, x, train, out, undefined);
    else ctx.numericGradient((y) => plainLoss(ctx, y, train, undefined), x, out);
  };
  const hvp = (params: Float64Array, v: Float64Array, out: Float64Array): void => {
    if (hessianMethod !== 'numeric') {
      try {
        ctx.hvp(params, v, train, null, out);
        hessianMethod = 'autodiff';
        return;
      } catch (e) {
        if (!(e instanceof LossErrorException && e.error.kind === 'autodiff')) throw e;
        hessianMethod = 'numeric';
      }
    }
    numericHvp(fullGrad, params, v, out);
  };
  Object.defineProperty(problem, 'hessianMethod', {
    enumerable: true,
    get: () => {
      if (hessianMethod === null) {
        const x = Float64Array.from(def.start);
        try { hvp(x, new Float64Array(def.dim).fill(1), new Float64Array(def.dim)); } catch { /* the run reports it */ }
      }
      return hessianMethod ?? 'numeric';
    },
  });
  (problem as { hvp?: Problem['hvp'] }).hvp = hvp;
  if (sampler || sigma > 0) {
    (problem as { evaluateFull?: Problem['evaluateFull'] }).evaluateFull = (params, gradOut) => {
      const value = plainLoss(ctx, params, train, undefined);
      fullGrad(params, gradOut);
      return value;
    };
  }
  if (ctx.validation.length > 0) {
    const rows = ctx.validation;
    (problem as { validationLoss?: (p: Float64Array) => number }).validationLoss = (params) =>
      checkLossValue(ctx, callUser(ctx, 'loss', def.loss, params, rows, lastStep), lastStep, 'loss() on the validation rows');
  }
  return problem;
}
