// Types for Optimizer Diagnostics loss files (*.loss.ts, *.loss.mts, *.loss.js, *.loss.mjs).
// Keep this file next to your loss files and write:
//
//   import type { LossDefinition } from './optimizer-diagnostics';
//   export default { params: { x: 0, y: 0 }, loss(p) { return (p.x - 1) ** 2 + p.y ** 2; } } satisfies LossDefinition;
//
// For exact parameter types, pass the shape: `satisfies LossDefinition<typeof params>` with
// `const params = { w: [0, 0, 0], b: 0 };` declared above the default export.

/** The initial value of one parameter entry: a number, or an array of numbers. */
export type ParamInit = number | readonly number[];

/** Parameters by name, with their start values. Flattened in declaration order: `w[0]`, `w[1]`, `b` ... */
export type ParamShape = { readonly [name: string]: ParamInit };

/**
 * The values `loss(p)` receives: numbers stay numbers, arrays stay arrays (fresh copies on every call).
 * With an explicit shape (`LossDefinition<typeof params>`) every entry has its exact type; without one
 * (`satisfies LossDefinition`) entries are `any`, so `p.x * 2`, `p.w[0]` and annotated parameters such
 * as `loss(p: { x: number })` all type-check.
 */
export type Params<S extends ParamShape = ParamShape> = string extends keyof S
  ? { readonly [name: string]: any }
  : { -readonly [K in keyof S]: S[K] extends number ? number : number[] };

/** What `grad` returns: the same shape as `params` (numbers for numbers, arrays of the same length for arrays). */
export type Gradient<S extends ParamShape = ParamShape> = string extends keyof S
  ? { readonly [name: string]: number | readonly number[] }
  : { readonly [K in keyof S]: S[K] extends number ? number : readonly number[] };

/**
 * One data row, keyed by column name. CSV cells that look like numbers are numbers, other cells are
 * strings; declare your own row type when you use string columns: `LossDefinition<typeof params, MyRow>`.
 */
export type Row = { readonly [column: string]: number };

/** A loss file's default export. */
export interface LossDefinition<S extends ParamShape = ParamShape, R extends object = Row> {
  /** Shown in the panel; default: the file name. */
  readonly name?: string;
  /** Parameters and their start values. Each entry is a finite number or an array of finite numbers. */
  readonly params: S;
  /**
   * The loss at `p`. `batch` is the current mini-batch (or the whole training set) when the loss has
   * `data`; it is `undefined` otherwise. Must return a finite number. Differentiated automatically
   * unless `grad` is given.
   */
  loss(p: Params<S>, batch: readonly R[]): number;
  /** Optional exact gradient of `loss`, same shape as `params`; checked once against the automatic gradient. */
  grad?(p: Params<S>, batch: readonly R[]): Gradient<S>;
  /**
   * Training data: a CSV (header row) or JSON (array of objects) file path relative to this file,
   * or the rows themselves.
   */
  readonly data?: string | readonly R[];
  /** Mini-batch size (default: the whole training set); batches are sampled reproducibly from the run's seed. */
  readonly batchSize?: number;
  /** Fraction of the rows held out (fixed split) and reported as the validation loss, in [0, 1). */
  readonly validation?: number;
  /** Plot window for losses with exactly two parameters: `{ x: [-2, 2], y: [-1, 3] }` (keys = the parameter names). */
  readonly domain?: { readonly [name: string]: readonly [number, number] };
  /** Known minimizer (two-parameter losses), drawn on the contour plot: `{ x: 1, y: 1 }`. */
  readonly minimum?: { readonly [name: string]: number };
  /**
   * Gradient without a `grad` export: 'auto' / 'autodiff' (default: exact automatic differentiation of
   * this code) or 'numeric' (central differences of `loss`, e.g. for code the automatic gradient cannot follow).
   */
  readonly gradient?: 'auto' | 'autodiff' | 'numeric';
}
