// Test-only evaluator for rewritten loss modules (Node is fine here; the core stays pure).
import { parse } from 'acorn';
import {
  createRuntime, makeValueAndGrad, rewriteForAutodiff,
  type AdRuntime, type ParamShape, type RewriteResult, type ValueAndGrad,
} from '../../../src/core/autodiff';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Evaluates ES-module code (no imports) with `__ad` bound to `runtime`: `export default X`
 * becomes an assignment and named `export`s lose their keyword; run in strict mode via
 * `new Function('__ad', '__exports', code)` (the body starts at line 3 of the wrapper); with
 * `bindAd` false, `__ad` is left to the code itself (runtimeBinding 'global').
 */
export function evalModule(code: string, runtime: AdRuntime | undefined, bindAd = true): any {
  const ast: any = parse(code, { ecmaVersion: 'latest', sourceType: 'module' });
  let out = '';
  let cur = 0;
  for (const node of ast.body) {
    if (node.type === 'ImportDeclaration') throw new Error('evalModule: imports are not supported in tests');
    if (node.type === 'ExportDefaultDeclaration') {
      out += code.slice(cur, node.start) + '__exports.default = ';
      cur = node.declaration.start;
    } else if (node.type === 'ExportNamedDeclaration' && node.declaration) {
      out += code.slice(cur, node.start);
      cur = node.declaration.start;
    }
  }
  out += code.slice(cur);
  const exports: any = {};
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  if (bindAd) new Function('__ad', '__exports', `"use strict";${out}`)(runtime, exports);
  else new Function('__exports', `"use strict";${out}`)(exports);
  return exports.default;
}

export interface LoadedLoss {
  readonly result: RewriteResult;
  readonly runtime: AdRuntime;
  readonly module: any;
  readonly vg: ValueAndGrad;
  /** Value and gradient at a flat point (default: the module's params). */
  at(flat?: ArrayLike<number>, batch?: unknown): { value: number; grad: number[] };
}

/** Rewrites, evaluates and wraps a loss module source. */
export function loadLoss(src: string, fileName = 'loss.js'): LoadedLoss {
  const result = rewriteForAutodiff(src, fileName);
  const runtime = createRuntime();
  const module = evalModule(result.code, runtime);
  const shape: ParamShape = module.params;
  const vg = makeValueAndGrad(runtime, module.loss, shape);
  const dim = Object.values(shape).reduce<number>((n, v) => n + (typeof v === 'number' ? 1 : v.length), 0);
  return {
    result, runtime, module, vg,
    at(flat, batch) {
      const x = flat ? Float64Array.from(flat) : Float64Array.from(Object.values(shape).flatMap((v) => (typeof v === 'number' ? [v] : [...v])));
      const g = new Float64Array(dim);
      const value = vg(x, batch ?? module.batch, g);
      return { value, grad: [...g] };
    },
  };
}

/** Value and gradient of `body` as the loss of scalar parameters `names` at `values`. */
export function gradOfExpr(names: readonly string[], body: string, values: readonly number[], prelude = ''): { value: number; grad: number[] } {
  const params = `{ ${names.map((n, i) => `${n}: ${values[i]}`).join(', ')} }`;
  const src = `${prelude}\nexport default { params: ${params}, loss(p) { const { ${names.join(', ')} } = p; return ${body}; } };\n`;
  return loadLoss(src).at(values);
}

/** The same source evaluated without any rewrite (plain JS numbers): the reference value. */
export function plainValue(src: string, flat: ArrayLike<number>, batch?: unknown): number {
  const module = evalModule(src, undefined);
  const keys = Object.keys(module.params);
  const p: any = {};
  let k = 0;
  for (const key of keys) {
    const v = module.params[key];
    if (typeof v === 'number') p[key] = flat[k++];
    else p[key] = v.map(() => flat[k++]);
  }
  return module.loss(p, batch ?? module.batch);
}

/** Relative difference, |a − b| / max(|a|, |b|, tiny). */
export function relErr(a: number, b: number, tiny = 1e-300): number {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), tiny);
}

/** Central-difference gradient of the plain (un-rewritten) module at `flat`. */
export function plainNumericGrad(src: string, flat: readonly number[], batch?: unknown, h = 1e-6): number[] {
  const module = evalModule(src, undefined);
  const f = (x: readonly number[]): number => {
    const keys = Object.keys(module.params);
    const p: any = {};
    let k = 0;
    for (const key of keys) {
      const v = module.params[key];
      if (typeof v === 'number') p[key] = x[k++];
      else p[key] = v.map(() => x[k++]);
    }
    return module.loss(p, batch ?? module.batch);
  };
  return flat.map((xi, i) => {
    const hi = h * Math.max(1, Math.abs(xi));
    const xp = [...flat], xm = [...flat];
    xp[i] = xi + hi;
    xm[i] = xi - hi;
    return (f(xp) - f(xm)) / (xp[i] - xm[i]);
  });
}

/**
 * Asserts that the automatic value equals the plain JS value bit for bit and that the gradient
 * matches central differences (relative to max(1, |g|)).
 */
export function assertMatchesNumeric(src: string, flat: readonly number[], batch?: unknown, tol = 1e-6): { value: number; grad: number[] } {
  const L = loadLoss(src);
  // line N of the rewritten code is line N of the source (generated helpers come after the last line)
  const helpersAt = L.result.code.search(/\nfunction __ad_f0\(/);
  const body = helpersAt < 0 ? L.result.code : L.result.code.slice(0, helpersAt);
  if (body.split('\n').length !== src.split('\n').length) throw new Error(`line count changed by the rewrite:\n${L.result.code}`);
  const r = L.at(flat, batch);
  const plain = plainValue(src, flat, batch);
  if (!Object.is(r.value, plain)) throw new Error(`value ${r.value} !== plain JS value ${plain}\n${L.result.code}`);
  const num = plainNumericGrad(src, flat, batch);
  r.grad.forEach((g, i) => {
    const err = Math.abs(g - num[i]) / Math.max(1, Math.abs(num[i]));
    if (!(err <= tol)) throw new Error(`d/dx${i}: automatic ${g} vs numeric ${num[i]} (err ${err})\n${L.result.code}`);
  });
  return r;
}
