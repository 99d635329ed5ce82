// Validation of a loss file's default export into a normalized definition: flattened parameter
// names and start point, the functions, the data reference and the plot metadata. Every problem is a
// LossError pointing at the offending property's line.

import type { PlotWindow } from '../core/types';
import type { LossInfo } from '../protocol/simulation';
import { lossError, LossErrorException } from './errors';
import type { PropertyLocations } from './locate';

/** One `params` entry: a scalar (size null) or an array of `size` numbers starting at `offset` in the flat vector. */
export interface ParamEntry {
  readonly name: string;
  readonly size: number | null;
  readonly offset: number;
}

/** A user function as we call it. */
export type UserFunction = (p: Record<string, number | number[]>, batch: unknown) => unknown;

export interface NormalizedDefinition {
  readonly label: string | undefined;
  readonly entries: readonly ParamEntry[];
  readonly shape: Readonly<Record<string, number | readonly number[]>>;
  readonly dim: number;
  readonly paramNames: readonly string[];
  readonly start: readonly number[];
  readonly loss: UserFunction;
  readonly grad: UserFunction | undefined;
  /** As written: a path, inline rows (validated later), or undefined. */
  readonly data: unknown;
  readonly batchSize: number | undefined;
  readonly validation: number;
  readonly window: PlotWindow | undefined;
  readonly minimum: { readonly x: number; readonly y: number } | undefined;
  /** The file's `gradient` choice when it has no `grad` (default 'auto': automatic differentiation). */
  readonly gradient: 'auto' | 'autodiff' | 'numeric';
  /** Non-fatal findings (unknown properties ...). */
  readonly warnings: readonly string[];
}

const KNOWN = new Set(['name', 'params', 'loss', 'grad', 'data', 'batchSize', 'validation', 'domain', 'minimum', 'gradient']);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** The `export default` value of an evaluated module (CommonJS `module.exports` for plain .js files). */
export function defaultExport(moduleExports: unknown): unknown {
  if (typeof moduleExports === 'object' && moduleExports !== null) {
    const m = moduleExports as Record<string, unknown>;
    if (m['__esModule']) return m['default'];
    if ('default' in m) return m['default'];
    return Object.keys(m).length > 0 ? m : undefined;
  }
  return moduleExports === undefined ? undefined : moduleExports;
}

/** Flat labels of a shape: scalars by name, arrays as `name[i]`. */
export function flatNames(entries: readonly ParamEntry[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (e.size === null) out.push(e.name);
    else for (let i = 0; i < e.size; i++) out.push(`${e.name}[${i}]`);
  }
  return out;
}

export function normalizeDefinition(value: unknown, file: string, locs: PropertyLocations): NormalizedDefinition {
  const at = (prop?: string) => {
    const p = prop ? locs.properties.get(prop) : undefined;
    if (p) return { file, line: p.line, column: p.column };
    return locs.exportLine !== undefined ? { file, line: locs.exportLine } : { file };
  };
  if (value === undefined) {
    throw lossError('missing-export', 'no default export: a loss file must `export default { params: {...}, loss(p) {...} }`', { file });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw lossError('invalid-export', `the default export must be an object { params, loss }, got ${describe(value)}`, at());
  }
  const def = value as Record<string, unknown>;
  const warnings: string[] = [];
  for (const k of Object.keys(def)) {
    if (!KNOWN.has(k)) warnings.push(`unknown property "${k}" in the default export is ignored (known: ${[...KNOWN].join(', ')})`);
  }

  // name
  const name = def['name'];
  if (name !== undefined && typeof name !== 'string') throw lossError('invalid-export', `name must be a string, got ${describe(name)}`, at('name'));

  // params
  const params = def['params'];
  if (params === undefined) {
    throw lossError('invalid-export', 'params is missing: declare the parameters with their start values, e.g. params: { x: 0, y: 0 } or { w: [0, 0, 0], b: 0 }', at());
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw lossError('shape', `params must be an object of named parameters ({ x: 0, w: [0, 0] }), got ${describe(params)}`, at('params'));
  }
  const entries: ParamEntry[] = [];
  const start: number[] = [];
  const shape: Record<string, number | readonly number[]> = {};
  for (const [key, v] of Object.entries(params as Record<string, unknown>)) {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw lossError('shape', `params.${key} must be a finite number, got ${describe(v)}`, at('params'));
      entries.push({ name: key, size: null, offset: start.length });
      start.push(v);
      shape[key] = v;
    } else if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      const arr = Array.from(v as ArrayLike<unknown>);
      if (arr.length === 0) throw lossError('shape', `params.${key} is an empty array: give at least one start value`, at('params'));
      arr.forEach((x, i) => {
        if (typeof x !== 'number' || !Number.isFinite(x)) {
          const nested = Array.isArray(x) ? ' (nested arrays are not supported: flatten the matrix, e.g. W[i * cols + j])' : '';
          throw lossError('shape', `params.${key}[${i}] must be a finite number, got ${describe(x)}${nested}`, at('params'));
        }
      });
      entries.push({ name: key, size: arr.length, offset: start.length });
      for (let i = 0; i < arr.length; i++) start.push(arr[i] as number); // no spread: arrays of 1e6 parameters
      shape[key] = Object.freeze(arr as number[]);
    } else {
      throw lossError('shape', `params.${key} must be a number or an array of numbers, got ${describe(v)}`, at('params'));
    }
  }
  if (entries.length === 0) throw lossError('shape', 'params declares no parameters: give at least one, e.g. params: { x: 0 }', at('params'));
  const paramNames = flatNames(entries);

  // functions
  const loss = def['loss'];
  if (loss === undefined) throw lossError('invalid-export', 'loss is missing: add loss(p, batch) { ... return number }', at());
  if (typeof loss !== 'function') throw lossError('invalid-export', `loss must be a function loss(p, batch), got ${describe(loss)}`, at('loss'));
  const grad = def['grad'];
  if (grad !== undefined && typeof grad !== 'function') {
    throw lossError('invalid-export', `grad must be a function grad(p, batch) returning the gradient in the shape of params, got ${describe(grad)}`, at('grad'));
  }

  const gradient = def['gradient'];
  if (gradient !== undefined && gradient !== 'auto' && gradient !== 'autodiff' && gradient !== 'numeric') {
    throw lossError('invalid-export', `gradient must be 'auto', 'autodiff' or 'numeric' (central differences of loss), got ${describe(gradient)}`, at('gradient'));
  }

  // data, batchSize, validation
  const data = def['data'];
  if (data !== undefined && typeof data !== 'string' && !Array.isArray(data)) {
    throw lossError('invalid-export', `data must be a CSV/JSON file path (relative to this file) or an array of rows, got ${describe(data)}`, at('data'));
  }
  const batchSize = def['batchSize'];
  if (batchSize !== undefined) {
    if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1) {
      throw lossError('invalid-export', `batchSize must be a positive integer, got ${describe(batchSize)}`, at('batchSize'));
    }
    if (data === undefined) throw lossError('invalid-export', 'batchSize needs data: mini-batches are drawn from the rows of data', at('batchSize'));
  }
  const validation = def['validation'];
  if (validation !== undefined) {
    if (typeof validation !== 'number' || !(validation >= 0 && validation < 1)) {
      throw lossError('invalid-export', `validation must be a fraction in [0, 1), e.g. 0.2, got ${describe(validation)}`, at('validation'));
    }
    if (data === undefined && validation > 0) throw lossError('invalid-export', 'validation needs data: the held-out fraction is taken from the rows of data', at('validation'));
  }

  // domain, minimum (two-parameter losses)
  const two = (prop: 'domain' | 'minimum') => {
    if (paramNames.length !== 2) {
      throw lossError('invalid-export', `${prop} is only used by losses with exactly two parameters (this one has ${paramNames.length}: ${preview(paramNames)})`, at(prop));
    }
  };
  const keysMatch = (prop: 'domain' | 'minimum', obj: Record<string, unknown>) => {
    const keys = Object.keys(obj);
    if (keys.length !== 2 || !paramNames.every((n) => keys.includes(n))) {
      throw lossError('invalid-export', `${prop} must have exactly the keys ${paramNames.join(' and ')} (the parameter names), got ${keys.join(', ') || 'none'}`, at(prop));
    }
  };
  let window: PlotWindow | undefined;
  const domain = def['domain'];
  if (domain !== undefined) {
    two('domain');
    if (typeof domain !== 'object' || domain === null || Array.isArray(domain)) {
      throw lossError('invalid-export', `domain must be an object { ${paramNames[0]}: [min, max], ${paramNames[1]}: [min, max] }, got ${describe(domain)}`, at('domain'));
    }
    keysMatch('domain', domain as Record<string, unknown>);
    const range = (n: string): [number, number] => {
      const r = (domain as Record<string, unknown>)[n];
      if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => typeof x === 'number' && Number.isFinite(x)) || !(r[0] < r[1])) {
        throw lossError('invalid-export', `domain.${n} must be [min, max] with finite min < max, got ${Array.isArray(r) ? JSON.stringify(r) : describe(r)}`, at('domain'));
      }
      return [r[0], r[1]];
    };
    window = { x: range(paramNames[0]!), y: range(paramNames[1]!) };
  }
  let minimum: { x: number; y: number } | undefined;
  const min = def['minimum'];
  if (min !== undefined) {
    two('minimum');
    if (typeof min !== 'object' || min === null || Array.isArray(min)) {
      throw lossError('invalid-export', `minimum must be an object { ${paramNames[0]}: number, ${paramNames[1]}: number }, got ${describe(min)}`, at('minimum'));
    }
    keysMatch('minimum', min as Record<string, unknown>);
    const coord = (n: string) => {
      const c = (min as Record<string, unknown>)[n];
      if (typeof c !== 'number' || !Number.isFinite(c)) throw lossError('invalid-export', `minimum.${n} must be a finite number, got ${describe(c)}`, at('minimum'));
      return c;
    };
    minimum = { x: coord(paramNames[0]!), y: coord(paramNames[1]!) };
  }

  return {
    label: name as string | undefined,
    entries,
    shape: Object.freeze(shape),
    dim: start.length,
    paramNames,
    start,
    loss: loss as UserFunction,
    grad: grad as UserFunction | undefined,
    data,
    batchSize: batchSize as number | undefined,
    validation: (validation as number | undefined) ?? 0,
    window,
    minimum,
    gradient: (gradient as NormalizedDefinition['gradient'] | undefined) ?? 'auto',
    warnings,
  };
}

function preview(names: readonly string[]): string {
  return names.length <= 6 ? names.join(', ') : `${names.slice(0, 5).join(', ')}, … ${names[names.length - 1]}`;
}

/** Flat vector → the `p` object user functions receive (fresh arrays every call). */
export function unflatten(entries: readonly ParamEntry[], flat: ArrayLike<number>): Record<string, number | number[]> {
  const p: Record<string, number | number[]> = {};
  for (const e of entries) {
    if (e.size === null) p[e.name] = flat[e.offset]!;
    else {
      const a = new Array<number>(e.size);
      for (let i = 0; i < e.size; i++) a[i] = flat[e.offset + i]!;
      p[e.name] = a;
    }
  }
  return p;
}

/**
 * The declared minimum of a two-parameter loss as LossInfo minima, with its loss value `f` where the
 * loss evaluates there (a located loss error at the minimum leaves `f` out; other errors propagate).
 */
export function declaredMinima(minimum: NormalizedDefinition['minimum'], lossAt: (at: readonly [number, number]) => number): LossInfo['minima'] | undefined {
  if (!minimum) return undefined;
  let f: number | undefined;
  try {
    f = lossAt([minimum.x, minimum.y]);
  } catch (e) {
    if (!(e instanceof LossErrorException)) throw e;
  }
  return [f === undefined ? { x: minimum.x, y: minimum.y } : { x: minimum.x, y: minimum.y, f }];
}
