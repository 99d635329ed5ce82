// Value-and-gradient of a rewritten loss, parameter flattening, numeric gradients and gradient checks.
// Pure TypeScript.

import { AutodiffError } from './errors';
import { originalPosition, type RewriteResult } from './rewrite';
import type { AdRuntime, AdValue } from './runtime';

/** A loss file's parameter structure, e.g. `{ w: [0, 0, 0], b: 0 }`; flattened in declaration (key) order. */
export type ParamShape = Readonly<Record<string, number | readonly number[]>>;

/** Value-and-gradient: returns the loss at `flat` and writes the gradient into `gradOut`. */
export type ValueAndGrad = (flat: Float64Array, batch: unknown, gradOut: Float64Array) => number;

interface Layout {
  readonly keys: readonly string[];
  /** -1 for a scalar entry, else the array length. */
  readonly sizes: readonly number[];
  readonly dim: number;
}

function layoutOf(shape: ParamShape): Layout {
  if (typeof shape !== 'object' || shape === null || Array.isArray(shape)) {
    throw new TypeError('params must be an object such as { w: [0, 0], b: 0 }');
  }
  const keys: string[] = [];
  const sizes: number[] = [];
  let dim = 0;
  for (const key of Object.keys(shape)) {
    const v: unknown = shape[key];
    if (typeof v === 'number') {
      keys.push(key);
      sizes.push(-1);
      dim += 1;
    } else if (Array.isArray(v)) {
      v.forEach((x: unknown, j: number) => {
        if (typeof x !== 'number') throw new TypeError(`params.${key}[${j}] must be a number (params entries are numbers or arrays of numbers), got ${describe(x)}`);
      });
      keys.push(key);
      sizes.push(v.length);
      dim += v.length;
    } else {
      throw new TypeError(`params.${key} must be a number or an array of numbers, got ${describe(v)}`);
    }
  }
  return { keys, sizes, dim };
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return `an object (${Object.prototype.toString.call(x)})`;
  if (typeof x === 'string') return `the string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x)}`;
  return `${typeof x} ${String(x)}`;
}

/** Flat parameter vector and labels (`w[0]`, `w[1]`, `b`) of a shape, in declaration order. */
export function flattenShape(shape: ParamShape): { names: string[]; values: Float64Array } {
  const { keys, sizes, dim } = layoutOf(shape);
  const names: string[] = [];
  const values = new Float64Array(dim);
  let k = 0;
  keys.forEach((key, j) => {
    const v = shape[key];
    if (sizes[j] < 0) {
      names.push(key);
      values[k++] = v as number;
    } else {
      (v as readonly number[]).forEach((x, i) => {
        names.push(`${key}[${i}]`);
        values[k++] = x;
      });
    }
  });
  return { names, values };
}

/** The structured object (`{ w: [..], b: .. }`) of a flat vector; the inverse of `flattenShape`. */
export function unflattenParams(shape: ParamShape, flat: ArrayLike<number>): Record<string, number | number[]> {
  const { keys, sizes, dim } = layoutOf(shape);
  if (flat.length !== dim) throw new RangeError(`expected ${dim} parameters, got ${flat.length}`);
  const p: Record<string, number | number[]> = {};
  let k = 0;
  keys.forEach((key, j) => {
    if (sizes[j] < 0) p[key] = flat[k++];
    else {
      const a: number[] = [];
      for (let i = 0; i < sizes[j]; i++) a.push(flat[k++]);
      p[key] = a;
    }
  });
  return p;
}

/**
 * Builds value-and-gradient for a rewritten loss function `loss` (evaluated with `runtime` bound
 * as `__ad`). Each call builds a fresh structured `p` whose entries are AD values, calls
 * `loss(p, batch)`, sweeps the tape back from the result and writes the exact gradient into
 * `gradOut`; a parameter the loss does not depend on gets 0. Throws a TypeError if the loss
 * returns neither a number nor a parameter-dependent number. The runtime must not be shared by two
 * evaluations running at the same time (it is not reentrant); AD values must not be kept across calls.
 */
export function makeValueAndGrad(runtime: AdRuntime, loss: (p: any, batch: any) => unknown, shape: ParamShape): ValueAndGrad { // eslint-disable-line @typescript-eslint/no-explicit-any
  const { keys, sizes, dim } = layoutOf(shape);
  const tape = runtime.tape;
  const nKeys = keys.length;
  return (flat: Float64Array, batch: unknown, gradOut: Float64Array): number => {
    if (flat.length !== dim) throw new RangeError(`expected ${dim} parameters, got ${flat.length}`);
    if (gradOut.length !== dim) throw new RangeError(`gradient buffer has length ${gradOut.length}, expected ${dim}`);
    tape.reset();
    const p: Record<string, AdValue | AdValue[]> = {};
    let k = 0;
    for (let j = 0; j < nKeys; j++) {
      const size = sizes[j];
      if (size < 0) p[keys[j]] = tape.variable(flat[k++]);
      else {
        const a: AdValue[] = [];
        for (let i = 0; i < size; i++) a.push(tape.variable(flat[k++]));
        p[keys[j]] = a;
      }
    }
    const result = loss(p, batch);
    if (typeof result === 'number') {
      gradOut.fill(0); // the loss does not depend on any parameter
      return result;
    }
    if (tape.isAd(result)) {
      tape.backward(result, 1, gradOut);
      return result.v;
    }
    throw new TypeError(`loss(p, batch) must return a number, got ${describe(result)}`);
  };
}

/**
 * Central differences: out[i] = (f(x + h_i e_i) − f(x − h_i e_i)) / (2 h_i) with the step scaled
 * per coordinate, h_i = h · max(1, |x_i|) (default h = ∛ε ≈ 6.06e-6); the actual difference of the
 * perturbed coordinates is used as denominator. `x` is perturbed in place and restored.
 */
export function numericGradient(f: (flat: Float64Array) => number, x: Float64Array, out: Float64Array, h = Math.cbrt(Number.EPSILON)): void {
  if (out.length !== x.length) throw new RangeError(`gradient buffer has length ${out.length}, expected ${x.length}`);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const hi = h * Math.max(1, Math.abs(xi));
    const xp = xi + hi, xm = xi - hi;
    try {
      x[i] = xp;
      const fp = f(x);
      x[i] = xm;
      const fm = f(x);
      out[i] = (fp - fm) / (xp - xm);
    } finally {
      x[i] = xi;
    }
  }
}

export interface GradCheckOptions {
  /**
   * Denominator floor of the relative error: |s_i − r_i| / max(|s_i|, |r_i|, floor · max(1, ‖r‖∞)).
   * Default 1e-6, so coordinates that are ~0 in both are compared against the gradient's scale.
   */
  readonly floor?: number;
}

export interface GradCheckResult {
  /** Largest per-coordinate relative error (Infinity when exactly one of the two is NaN/±∞ or they differ in a non-finite value). */
  readonly maxRelError: number;
  /** Coordinate of `maxRelError` (−1 for empty vectors). */
  readonly worstIndex: number;
  /** Largest |s_i − r_i|. */
  readonly maxAbsError: number;
}

/** Compares a supplied gradient (e.g. the loss file's `grad`) against a reference (automatic or numeric). */
export function gradCheck(supplied: ArrayLike<number>, reference: ArrayLike<number>, options: GradCheckOptions = {}): GradCheckResult {
  if (supplied.length !== reference.length) throw new RangeError(`gradient lengths differ: ${supplied.length} vs ${reference.length}`);
  let scale = 1;
  for (let i = 0; i < reference.length; i++) if (Number.isFinite(reference[i])) scale = Math.max(scale, Math.abs(reference[i]));
  const floor = (options.floor ?? 1e-6) * scale;
  let maxRelError = 0, maxAbsError = 0, worstIndex = reference.length ? 0 : -1;
  for (let i = 0; i < reference.length; i++) {
    const s = supplied[i], r = reference[i];
    let rel: number, abs: number;
    if (Object.is(s, r) || s === r || (s !== s && r !== r)) { rel = 0; abs = 0; } else if (!Number.isFinite(s) || !Number.isFinite(r)) { rel = Infinity; abs = Infinity; } else {
      abs = Math.abs(s - r);
      rel = abs / Math.max(Math.abs(s), Math.abs(r), floor);
    }
    if (abs > maxAbsError) maxAbsError = abs;
    if (rel > maxRelError) { maxRelError = rel; worstIndex = i; }
  }
  return { maxRelError, worstIndex, maxAbsError };
}

/**
 * Gradient check at a point: `supplied(x, out)` against `reference(x, out)`, or against central
 * differences of `f` when no reference is given.
 */
export function gradCheckAt(
  supplied: (x: Float64Array, out: Float64Array) => unknown,
  f: (x: Float64Array) => number,
  x: Float64Array,
  options: GradCheckOptions & { readonly reference?: (x: Float64Array, out: Float64Array) => unknown; readonly h?: number } = {},
): GradCheckResult {
  const s = new Float64Array(x.length), r = new Float64Array(x.length);
  supplied(x, s);
  if (options.reference) options.reference(x, r);
  else numericGradient(f, x, r, options.h);
  return gradCheck(s, r, options);
}

/**
 * Attaches the user's position to a run-time AutodiffError raised without one (e.g. a value
 * converted by native code: a typed-array store, a sort comparator). It reads the first stack
 * frame of the evaluated module (`evaluatedFileName`, as given to the evaluator) and maps it with
 * `originalPosition`; `lineOffset` is the number of lines the evaluator put before the code (e.g.
 * 2 for `new Function`). Returns `err` unchanged when it is not such an error or no frame matches.
 */
export function locateAutodiffError(err: unknown, result: RewriteResult, evaluatedFileName: string, lineOffset = 0): unknown {
  if (!(err instanceof AutodiffError) || err.line > 0 || typeof err.stack !== 'string') return err;
  for (const frame of err.stack.split('\n').slice(1)) {
    const at = frame.lastIndexOf(evaluatedFileName);
    if (at < 0) continue;
    const m = /:(\d+):(\d+)\)?\s*$/.exec(frame.slice(at + evaluatedFileName.length));
    if (!m) continue;
    const pos = originalPosition(result, Number(m[1]) - lineOffset, Number(m[2]));
    return err.at(result.fileName, pos.line, pos.column);
  }
  return err;
}
