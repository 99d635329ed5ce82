// Exact Hessian-vector products of rewritten loss code: reverse-over-forward.
//
// The rewritten module calls `__ad.<op>`; bound to a *tangent runtime* (createTangentRuntime), every
// parameter-dependent value is a `Dual` (p, t): its primal p and its directional derivative t = ∂p/∂θ·v,
// both values of the ordinary reverse-mode runtime R (plain numbers or tape values). Each op computes
// the primal with R's op and the tangent with R's ops from the first-derivative rule, so the tangent of
// the result, ḟ = ∇f(θ)·v, is itself recorded on R's tape. One reverse sweep from ḟ gives
// ∇(∇f·v) = H v exactly (no step size); a sweep from f gives ∇f. The full Hessian is n such products.
//
// Fused helpers (rewrite.ts) test their operands against `__ad.S`/`__ad.AD`; here these are dummies no
// operand matches, so a fused expression with a Dual operand runs op by op through this runtime.
// Constructs the tangent runtime does not support throw an AutodiffError (callers fall back to central
// differences of the gradient, labelled `numeric`).
//
// Pure TypeScript.

import { AutodiffError, siteError } from './errors';
import type { AdRuntime } from './runtime';
import type { ParamShape } from './gradient';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A value with a tangent: primal `p` and tangent `t`, each a number or a value of the reverse runtime. */
export class Dual {
  constructor(readonly p: any, readonly t: any) {}
  valueOf(): never { throw new AutodiffError('', 0, 0, 'a conversion of a parameter-dependent value to a plain number or string', 'Hessian-vector product'); }
  toString(): never { return this.valueOf(); }
  [Symbol.toPrimitive](): never { return this.valueOf(); }
}

class Never {}

const unsupported = (what: string): AutodiffError =>
  new AutodiffError('', 0, 0, what, 'not supported by the exact Hessian-vector product; the Hessian falls back to central differences');

/**
 * The tangent runtime over the reverse runtime `R` (its own tape records primal and tangent). Bind it as
 * `__ad` of a second evaluation of the rewritten module; see `makeHvp`.
 */
export function createTangentRuntime(R: AdRuntime): AdRuntime {
  const isD = (x: any): x is Dual => x instanceof Dual;
  const P = (x: any): any => (x instanceof Dual ? x.p : x);
  const T = (x: any): any => (x instanceof Dual ? x.t : 0);
  /** Numeric primal value of a reverse value or number. */
  const pv = (x: any): number => (typeof x === 'number' ? x : (R.tape.primal(x) as number));
  const operand = (x: any): any => {
    if (typeof x === 'number' || isD(x)) return x;
    if (typeof x === 'boolean' || x === null || x === undefined) return Number(x);
    throw unsupported('an arithmetic operation mixing a parameter-dependent value with a non-number');
  };
  const { add: rA, sub: rS, mul: rM, div: rD } = R;
  const tadd = (a: any, b: any): any => (a === 0 ? b : b === 0 ? a : rA(a, b));
  const tmul = (a: any, b: any): any => (a === 0 || b === 0 ? 0 : rM(a, b));
  const mk = (p: any, t: any): any => (t === 0 && typeof p === 'number' ? p : new Dual(p, t));

  function add(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return a + b;
    if (!isD(a) && !isD(b)) return R.add(a, b);
    a = operand(a); b = operand(b);
    return mk(rA(P(a), P(b)), tadd(T(a), T(b)));
  }
  function sub(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    if (!isD(a) && !isD(b)) return R.sub(a, b);
    a = operand(a); b = operand(b);
    const tb = T(b);
    return mk(rS(P(a), P(b)), tb === 0 ? T(a) : rS(T(a), tb));
  }
  function mul(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return a * b;
    if (!isD(a) && !isD(b)) return R.mul(a, b);
    a = operand(a); b = operand(b);
    const ap = P(a), bp = P(b);
    return mk(rM(ap, bp), tadd(tmul(T(a), bp), tmul(ap, T(b))));
  }
  function div(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return a / b;
    if (!isD(a) && !isD(b)) return R.div(a, b);
    a = operand(a); b = operand(b);
    const ap = P(a), bp = P(b), r = rD(ap, bp);
    const tb = T(b);
    const num = tb === 0 ? T(a) : rS(T(a), rM(r, tb));
    return mk(r, num === 0 ? 0 : rD(num, bp));
  }
  function mod(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return a % b;
    if (!isD(a) && !isD(b)) return R.mod(a, b);
    a = operand(a); b = operand(b);
    const ap = P(a), bp = P(b);
    const q = Math.trunc(pv(ap) / pv(bp));
    return mk(R.mod(ap, bp), tadd(T(a), tmul(-q, T(b))));
  }
  function pow(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return a ** b;
    if (!isD(a) && !isD(b)) return R.pow(a, b);
    a = operand(a); b = operand(b);
    const ap = P(a), bp = P(b), r = R.pow(ap, bp);
    const x = pv(ap), y = pv(bp);
    // d/dx = y x^(y−1) (0 when y = 0), d/dy = x^y ln x (0 when x = 0 and y ≥ 0): the reverse runtime's rules
    const ta = T(a), tb = T(b);
    const dx = ta === 0 || y === 0 ? 0 : tmul(rM(bp, R.pow(ap, rS(bp, 1))), ta);
    const dy = tb === 0 || (x === 0 && y >= 0) ? 0 : tmul(rM(r, R.log(ap)), tb);
    return mk(r, tadd(dx, dy));
  }
  const neg = (a: any): any => (isD(a) ? mk(R.neg(a.p), a.t === 0 ? 0 : R.neg(a.t)) : R.neg(a));
  const pos = (a: any): any => (isD(a) ? a : R.pos(a));
  const inc = (a: any): any => (isD(a) ? mk(R.inc(a.p), a.t) : R.inc(a));
  const dec = (a: any): any => (isD(a) ? mk(R.dec(a.p), a.t) : R.dec(a));
  const post = (old: any, nv: any): any => (isD(old) ? old : R.post(old, nv));
  const id = (x: any): any => x;

  const cmp = (f: (a: any, b: any) => boolean) => (a: any, b: any): boolean => f(P(a), P(b));
  const unary = (f: (x: any) => any, d: (p: any, r: any) => any) => (x: any): any => {
    if (!isD(x)) return f(x);
    const r = f(x.p);
    return mk(r, x.t === 0 ? 0 : tmul(d(x.p, r), x.t));
  };
  const unaryDiv = (f: (x: any) => any, den: (p: any, r: any) => any) => (x: any): any => {
    if (!isD(x)) return f(x);
    const r = f(x.p);
    return mk(r, x.t === 0 ? 0 : rD(x.t, den(x.p, r)));
  };
  const sq = (x: any): any => rM(x, x);
  const constant = (f: (x: any) => any) => (x: any): any => f(P(x));

  function pick(args: any[], isMax: boolean): any {
    const vals = args.map((a) => pv(P(operand(a))));
    const r = isMax ? Math.max(...vals) : Math.min(...vals);
    for (let j = 0; j < args.length; j++) {
      const v = vals[j]!;
      if (v === r || v !== v) return isD(args[j]) ? args[j] : r; // the first argument attaining the result
    }
    return r;
  }
  function hypot(...args: any[]): any {
    if (!args.some(isD)) return R.hypot(...args);
    const ps = args.map((a) => P(operand(a)));
    const h = R.hypot(...ps);
    if (pv(h) === 0) return mk(h, 0);
    let t: any = 0;
    for (let j = 0; j < args.length; j++) t = tadd(t, tmul(ps[j], T(args[j])));
    return mk(h, t === 0 ? 0 : rD(t, h));
  }
  function atan2(y: any, x: any): any {
    if (!isD(y) && !isD(x)) return R.atan2(y, x);
    y = operand(y); x = operand(x);
    const yp = P(y), xp = P(x);
    const r = R.atan2(yp, xp);
    const q = rA(sq(xp), sq(yp));
    const num = tadd(tmul(xp, T(y)), tmul(R.neg(yp), T(x)));
    return mk(r, num === 0 ? 0 : rD(num, q));
  }

  const fns: Record<string, any> = {
    abs: unary(R.abs, (p) => Math.sign(pv(p))),
    acos: unaryDiv(R.acos, (p) => R.neg(R.sqrt(rS(1, sq(p))))),
    acosh: unaryDiv(R.acosh, (p) => R.sqrt(rM(rS(p, 1), rA(p, 1)))),
    asin: unaryDiv(R.asin, (p) => R.sqrt(rS(1, sq(p)))),
    asinh: unaryDiv(R.asinh, (p) => R.sqrt(rA(sq(p), 1))),
    atan: unaryDiv(R.atan, (p) => rA(1, sq(p))),
    atanh: unaryDiv(R.atanh, (p) => rS(1, sq(p))),
    atan2,
    cbrt: unaryDiv(R.cbrt, (_p, r) => rM(3, sq(r))),
    ceil: constant(R.ceil),
    cos: unary(R.cos, (p) => R.neg(R.sin(p))),
    cosh: unary(R.cosh, (p) => R.sinh(p)),
    exp: unary(R.exp, (_p, r) => r),
    expm1: unary(R.expm1, (p) => R.exp(p)),
    floor: constant(R.floor),
    fround: (x: any): any => (isD(x) ? mk(R.fround(x.p), x.t) : R.fround(x)),
    hypot,
    log: unaryDiv(R.log, (p) => p),
    log10: unaryDiv(R.log10, (p) => rM(p, Math.LN10)),
    log1p: unaryDiv(R.log1p, (p) => rA(1, p)),
    log2: unaryDiv(R.log2, (p) => rM(p, Math.LN2)),
    max: (...a: any[]): any => (a.some(isD) ? pick(a, true) : R.max(...a)),
    min: (...a: any[]): any => (a.some(isD) ? pick(a, false) : R.min(...a)),
    pow,
    round: constant(R.round),
    sign: constant(R.sign),
    sin: unary(R.sin, (p) => R.cos(p)),
    sinh: unary(R.sinh, (p) => R.cosh(p)),
    sqrt: unaryDiv(R.sqrt, (_p, r) => rM(2, r)),
    tan: unary(R.tan, (_p, r) => rA(1, sq(r))),
    tanh: unary(R.tanh, (_p, r) => rS(1, sq(r))),
    trunc: constant(R.trunc),
  };
  const mathObj: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(Math)) {
    const value = (Math as unknown as Record<string, unknown>)[name];
    if (name in fns) {
      const f = fns[name] as (...a: unknown[]) => unknown;
      mathObj[name] = name === 'max' || name === 'min' || name === 'hypot' ? f : name === 'atan2' || name === 'pow' ? (a: unknown, b: unknown) => f(a, b) : (a: unknown) => f(a);
    } else if (typeof value === 'function') {
      const f = value as (...a: unknown[]) => unknown;
      mathObj[name] = name === 'random' ? f : (...args: unknown[]) => {
        for (const x of args) if (x instanceof Dual) throw siteError(undefined, `Math.${name} on a parameter-dependent value`, 'it has no derivative rule');
        return f(...args);
      };
    } else mathObj[name] = value;
  }
  Object.freeze(mathObj);

  const bit = (f: (a: any, b: any, s?: string) => any) => (a: any, b: any, s?: string): any => f(P(a), P(b), s);
  const refuse = (what: string) => (): never => { throw unsupported(what); };
  const S = { VAL: new Float64Array(0), EP: new Int32Array(0), EW: new Float64Array(0), ec: 0, ecap: 0 };

  const cstack: any[] = [];
  const runtime: AdRuntime = {
    add, sub, mul, div, mod, pow, neg, pos, inc, dec, post, id,
    lt: cmp(R.lt), le: cmp(R.le), gt: cmp(R.gt), ge: cmp(R.ge), eq: cmp(R.eq), ne: cmp(R.ne), seq: cmp(R.seq), sne: cmp(R.sne),
    truthy: (x: any) => R.truthy(P(x)),
    typeOf: (x: any) => (isD(x) ? 'number' : R.typeOf(x)),
    sw: (x: any) => R.sw(P(x)),
    $: undefined,
    band: bit(R.band), bor: bit(R.bor), bxor: bit(R.bxor), shl: bit(R.shl), shr: bit(R.shr), ushr: bit(R.ushr),
    bnot: (a: any, s?: string) => R.bnot(P(a), s),
    chk: (x: any, construct: string, s?: string) => { if (isD(x)) throw siteError(s, construct, 'it converts a parameter-dependent value to a plain number or string'); return R.chk(x, construct, s); },
    cget: (obj: any, key: any) => { cstack.push(obj, key); return obj[key]; },
    cput: (old: any, op: (a: any, b: any) => any, rhs: any) => { const key = cstack.pop(); const obj = cstack.pop(); const r = op(old, rhs); obj[key] = r; return r; },
    upd: (obj: any, key: any, delta: number, prefix: boolean) => { const old = obj[key]; const nv = delta > 0 ? inc(old) : dec(old); obj[key] = nv; return prefix ? nv : post(old, nv); },
    ...(fns as Record<string, (...a: any[]) => any>),
    max2: (a: any, b: any) => fns['max'](a, b),
    min2: (a: any, b: any) => fns['min'](a, b),
    hypot2: (a: any, b: any) => hypot(a, b),
    S, AD: Never,
    reserve: () => {},
    finish: refuse('a fused expression'),
    nff: () => {},
    ois: (a: any, b: any) => R.ois(P(a), P(b)),
    incl: (o: any, ...args: any[]) => (Array.isArray(o) ? (R.incl as any)(o.map(P), ...args.map(P)) : o.includes(...args)),
    idx: (o: any, ...args: any[]) => (Array.isArray(o) ? (R.idx as any)(o.map(P), ...args.map(P)) : o.indexOf(...args)),
    lidx: (o: any, ...args: any[]) => (Array.isArray(o) ? (R.lidx as any)(o.map(P), ...args.map(P)) : o.lastIndexOf(...args)),
    coll: refuse('a Map or Set (keys compared by value)'),
    clone: refuse('structuredClone'),
    Math: mathObj,
    tape: R.tape,
  } as unknown as AdRuntime;
  return runtime;
}

/** Loss, gradient and H·v of a rewritten loss at `flat` (writes hvOut, and gradOut unless it is null; length n). */
export type ValueGradHvp = (flat: Float64Array, v: Float64Array, batch: unknown, gradOut: Float64Array | null, hvOut: Float64Array) => number;

/**
 * Builds the exact Hessian-vector product of `loss` (evaluated with `tangent` = createTangentRuntime(R)
 * bound as `__ad`). Parameters become Duals (R variable, v_i); the result's tangent is swept back for H·v,
 * its primal for the gradient.
 */
export function makeHvp(R: AdRuntime, loss: (p: any, batch: any) => unknown, shape: ParamShape): ValueGradHvp {
  const keys = Object.keys(shape);
  const sizes = keys.map((k) => (typeof shape[k] === 'number' ? -1 : (shape[k] as readonly number[]).length));
  const dim = sizes.reduce((n, s) => n + (s < 0 ? 1 : s), 0);
  const tape = R.tape;
  return (flat, v, batch, gradOut, hvOut) => {
    if (flat.length !== dim || v.length !== dim || (gradOut !== null && gradOut.length !== dim) || hvOut.length !== dim) throw new RangeError(`expected ${dim} parameters`);
    tape.reset();
    const p: Record<string, unknown> = {};
    let k = 0;
    for (let j = 0; j < keys.length; j++) {
      const mkv = () => { const d = new Dual(tape.variable(flat[k]!), v[k]!); k++; return d; };
      if (sizes[j]! < 0) p[keys[j]!] = mkv();
      else { const a: Dual[] = []; for (let i = 0; i < sizes[j]!; i++) a.push(mkv()); p[keys[j]!] = a; }
    }
    const result = loss(p, batch);
    if (typeof result === 'number') { gradOut?.fill(0); hvOut.fill(0); return result; }
    if (!(result instanceof Dual)) throw new TypeError('loss(p, batch) must return a number');
    const rp = result.p, rt = result.t;
    const value = typeof rp === 'number' ? rp : (tape.primal(rp) as number);
    if (tape.isAd(rt)) tape.backward(rt, 1, hvOut);
    else hvOut.fill(0);
    if (gradOut) {
      if (tape.isAd(rp)) tape.backward(rp, 1, gradOut);
      else gradOut.fill(0);
    }
    return value;
  };
}
