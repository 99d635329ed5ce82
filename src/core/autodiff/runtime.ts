// The reverse-mode AD runtime that rewritten loss code calls as `__ad` (see rewrite.ts).
//
// Values: a quantity that does not depend on a parameter stays a plain JS number (every op tests
// `typeof a === 'number' && typeof b === 'number'` first and returns plain arithmetic). A
// parameter-dependent quantity is an `AdValue` `{v, i}`: its primal value and a slot on the tape.
//
// Tape: struct-of-arrays, preallocated and reused across evaluations (reset per evaluation, grown
// geometrically when full). Node k has at most two parents A0[k], A1[k] with local partials D0[k],
// D1[k]; slot 0 is a sink that unary nodes point their second parent at, so the reverse sweep is
// one branch-free loop. Ops whose local partial is exactly 1 (x + c, x - c, x % c, ++, Math.max
// picking x, ...) allocate no tape node: the result shares its operand's slot.
//
// Pure TypeScript: no Node, DOM or vscode APIs.

import { AutodiffError, siteError } from './errors';

/** A parameter-dependent value: primal `v` and tape slot `i`. Valid for one evaluation only. */
export interface AdValue {
  readonly v: number;
  readonly i: number;
}

/** Tape control used by `makeValueAndGrad` (not by rewritten code). */
export interface Tape {
  /** Starts a new evaluation: forgets every node (slot 0 stays the sink). */
  reset(): void;
  /** A new independent variable (a parameter); variables created right after `reset` occupy slots 1, 2, ... */
  variable(value: number): AdValue;
  isAd(x: unknown): x is AdValue;
  /** `x.v` for AD values, `x` otherwise. */
  primal(x: unknown): unknown;
  /**
   * Reverse sweep from `root` (adjoint seeded 1) down to slot `firstSlot`; writes the adjoints of
   * slots `firstSlot .. firstSlot + out.length - 1` into `out`.
   */
  backward(root: AdValue, firstSlot: number, out: Float64Array): void;
  /** Number of slots used by the current evaluation (including the sink). */
  readonly size: number;
  /** Allocated slots (grows geometrically, never shrinks). */
  readonly capacity: number;
}

// `any` on purpose: these are called from untyped user code with anything.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Op1 = (a: any) => any;
type Op2 = (a: any, b: any) => any;
type Check2 = (a: any, b: any, site?: string) => any;
type Variadic = (...args: any[]) => any;

/**
 * The object rewritten code calls as `__ad`. Names are short because they appear in the
 * rewritten source; `$` is a scratch slot used by rewritten `a || b` / `a && b`.
 */
export interface AdRuntime {
  // arithmetic (binary + - * / % **, unary - +, ++ --)
  readonly add: Op2;
  readonly sub: Op2;
  readonly mul: Op2;
  readonly div: Op2;
  readonly mod: Op2;
  readonly pow: Op2;
  readonly neg: Op1;
  readonly pos: Op1;
  readonly inc: Op1;
  readonly dec: Op1;
  /** Value of a postfix `x++`: `post(old, x = inc(x))` returns ToNumeric(old) (AD values unchanged). */
  readonly post: Op2;
  /** Identity (wraps rewritten expressions that must stay one primary expression). */
  readonly id: Op1;
  // comparisons on primal values (< <= > >= == != === !==)
  readonly lt: Op2;
  readonly le: Op2;
  readonly gt: Op2;
  readonly ge: Op2;
  readonly eq: Op2;
  readonly ne: Op2;
  readonly seq: Op2;
  readonly sne: Op2;
  /** Truthiness of the primal value (an AD value is truthy iff its value is neither 0 nor NaN). */
  readonly truthy: (x: any) => boolean;
  /** `typeof` that answers 'number' for AD values. */
  readonly typeOf: (x: any) => string;
  /** Primal value of x (switch discriminants, isNaN/isFinite arguments). */
  readonly sw: Op1;
  /** Scratch slot for rewritten logical expressions. */
  $: unknown;
  // bitwise operators: plain JS on non-AD values, an AutodiffError at `site` on AD values
  readonly band: Check2;
  readonly bor: Check2;
  readonly bxor: Check2;
  readonly shl: Check2;
  readonly shr: Check2;
  readonly ushr: Check2;
  readonly bnot: (a: any, site?: string) => any;
  /** Returns x unless it is an AD value, in which case it throws an AutodiffError naming `construct` at `site`. */
  readonly chk: (x: any, construct: string, site?: string) => any;
  /** Compound assignment to a complex member target: `cput(cget(obj, key), __ad.add, rhs)`. */
  readonly cget: (obj: any, key: any) => any;
  readonly cput: (old: any, op: Op2, rhs: any) => any;
  /** `obj[key]++` etc. on a complex member target; delta is +1/-1. */
  readonly upd: (obj: any, key: any, delta: number, prefix: boolean) => any;
  // Math
  readonly abs: Op1;
  readonly acos: Op1;
  readonly acosh: Op1;
  readonly asin: Op1;
  readonly asinh: Op1;
  readonly atan: Op1;
  readonly atanh: Op1;
  readonly atan2: Op2;
  readonly cbrt: Op1;
  readonly ceil: Op1;
  readonly cos: Op1;
  readonly cosh: Op1;
  readonly exp: Op1;
  readonly expm1: Op1;
  readonly floor: Op1;
  readonly fround: Op1;
  readonly log: Op1;
  readonly log10: Op1;
  readonly log1p: Op1;
  readonly log2: Op1;
  readonly round: Op1;
  readonly sign: Op1;
  readonly sin: Op1;
  readonly sinh: Op1;
  readonly sqrt: Op1;
  readonly tan: Op1;
  readonly tanh: Op1;
  readonly trunc: Op1;
  readonly max: Variadic;
  readonly min: Variadic;
  readonly hypot: Variadic;
  readonly max2: Op2;
  readonly min2: Op2;
  readonly hypot2: Op2;
  /** A stand-in for the global `Math` (aliases such as `const {exp} = Math` resolve to it). */
  readonly Math: Readonly<Record<string, unknown>>;
  readonly tape: Tape;
}

/** Names of the Math functions with a derivative rule (everything else on Math is checked). */
export const DIFFERENTIABLE_MATH: ReadonlySet<string> = new Set([
  'abs', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'atan2', 'cbrt', 'ceil', 'cos', 'cosh', 'exp',
  'expm1', 'floor', 'fround', 'hypot', 'log', 'log10', 'log1p', 'log2', 'max', 'min', 'pow', 'round',
  'sign', 'sin', 'sinh', 'sqrt', 'tan', 'tanh', 'trunc',
]);

/** Math functions whose result is piecewise constant: they return plain numbers (gradient 0). */
export const PIECEWISE_CONSTANT_MATH: ReadonlySet<string> = new Set(['ceil', 'floor', 'round', 'sign', 'trunc']);

const INITIAL_CAPACITY = 1024;
/** 2^25 nodes ≈ 1 GiB of tape; a loss that needs more is almost certainly a runaway loop. */
export const MAX_TAPE_NODES = 1 << 25;

const CONVERSION_CONSTRUCT = 'a conversion of a parameter-dependent value to a plain number or string';
const CONVERSION_DETAIL =
  'e.g. Number(x), String(x), x.toFixed(), `${x}`, JSON.stringify, a property key, storing it into a ' +
  'Float64Array or other typed array, a sort comparator that returns a difference ' +
  '(write (a, b) => (a < b ? -1 : a > b ? 1 : 0) instead), or passing it to code that was not rewritten; ' +
  'the gradient would be silently lost';

/** Creates an independent runtime (its own tape and AD value class). One per loaded loss module. */
export function createRuntime(): AdRuntime {
  // ---------------------------------------------------------------- tape (struct of arrays)
  let cap = INITIAL_CAPACITY;
  let A0 = new Int32Array(cap);
  let A1 = new Int32Array(cap);
  let D0 = new Float64Array(cap);
  let D1 = new Float64Array(cap);
  let ADJ = new Float64Array(0);
  let n = 1; // slot 0: sink

  function grow(): void {
    if (cap >= MAX_TAPE_NODES) {
      throw new RangeError(`autodiff: the loss recorded more than ${MAX_TAPE_NODES} operations in one evaluation (tape limit)`);
    }
    const c = cap * 2;
    const a0 = new Int32Array(c); a0.set(A0); A0 = a0;
    const a1 = new Int32Array(c); a1.set(A1); A1 = a1;
    const d0 = new Float64Array(c); d0.set(D0); D0 = d0;
    const d1 = new Float64Array(c); d1.set(D1); D1 = d1;
    cap = c;
  }

  const conversionError = (): AutodiffError => new AutodiffError('', 0, 0, CONVERSION_CONSTRUCT, CONVERSION_DETAIL);

  class AdNum implements AdValue {
    v: number;
    i: number;
    constructor(v: number, i: number) {
      this.v = v;
      this.i = i;
    }
    valueOf(): never { throw conversionError(); }
    toString(): never { throw conversionError(); }
    toFixed(): never { throw conversionError(); }
    toPrecision(): never { throw conversionError(); }
    toExponential(): never { throw conversionError(); }
    toLocaleString(): never { throw conversionError(); }
    toJSON(): never { throw conversionError(); }
    [Symbol.toPrimitive](): never { throw conversionError(); }
  }
  // console.log / util.inspect show `AD(value)` instead of throwing (pure: Symbol.for needs no Node API).
  Object.defineProperty(AdNum.prototype, Symbol.for('nodejs.util.inspect.custom'), {
    value(this: AdNum) { return `AD(${this.v})`; },
  });

  function node1(v: number, a: number, da: number): AdNum {
    const k = n;
    if (k === cap) grow();
    A0[k] = a; D0[k] = da; A1[k] = 0; D1[k] = 0;
    n = k + 1;
    return new AdNum(v, k);
  }
  function node2(v: number, a: number, da: number, b: number, db: number): AdNum {
    const k = n;
    if (k === cap) grow();
    A0[k] = a; D0[k] = da; A1[k] = b; D1[k] = db;
    n = k + 1;
    return new AdNum(v, k);
  }
  /** A node with any number of parents, as a chain of two-parent nodes (the last one holds v). */
  function nodeN(v: number, idx: number[], d: number[]): any {
    const m = idx.length;
    if (m === 0) return v;
    if (m === 1) return node1(v, idx[0], d[0]);
    let prev = node2(v, idx[0], d[0], idx[1], d[1]);
    for (let j = 2; j < m; j++) prev = node2(v, prev.i, 1, idx[j], d[j]);
    return prev;
  }

  const tape: Tape = {
    reset(): void { n = 1; cstack.length = 0; },
    variable(value: number): AdValue { return node1(+value, 0, 0); },
    isAd: (x: unknown): x is AdValue => x instanceof AdNum,
    primal: (x: unknown): unknown => (x instanceof AdNum ? x.v : x),
    backward(root: AdValue, firstSlot: number, out: Float64Array): void {
      const r = root.i;
      if (!(root instanceof AdNum) || r >= n) throw new TypeError('autodiff: backward() on a value from another evaluation');
      if (ADJ.length < n) ADJ = new Float64Array(cap);
      const g = ADJ;
      g.fill(0, 0, r + 1);
      g[r] = 1;
      const a0 = A0, a1 = A1, d0 = D0, d1 = D1;
      const stop = firstSlot + out.length; // variables are leaves: no need to sweep them
      for (let k = r; k >= stop; k--) {
        const gk = g[k];
        if (gk !== 0) { // a zero adjoint never propagates (0 × ∞ is taken as 0)
          g[a0[k]] += gk * d0[k];
          g[a1[k]] += gk * d1[k];
        }
      }
      for (let j = 0; j < out.length; j++) out[j] = firstSlot + j <= r ? g[firstSlot + j] : 0;
    },
    get size() { return n; },
    get capacity() { return cap; },
  };

  // ---------------------------------------------------------------- helpers
  /** Operand of an arithmetic op that is not a number and not an AD value of this runtime (ToNumber). */
  function num(x: any): number {
    if (typeof x === 'bigint') throw new TypeError('Cannot mix BigInt and other types, use explicit conversions');
    return Number(x); // a foreign/stale AD value throws the conversion error here
  }
  const prim = (x: any): any => (x instanceof AdNum ? x.v : x);

  // ---------------------------------------------------------------- arithmetic
  function add(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return a + b;
    return addS(a, b);
  }
  function addS(a: any, b: any): any {
    if (a instanceof AdNum) {
      if (b instanceof AdNum) return node2(a.v + b.v, a.i, 1, b.i, 1);
      return new AdNum(a.v + addend(b), a.i);
    }
    if (b instanceof AdNum) return new AdNum(addend(a) + b.v, b.i);
    return a + b;
  }
  function addend(x: any): number {
    if (typeof x === 'number') return x;
    if (typeof x === 'string' || (typeof x === 'object' && x !== null) || typeof x === 'function') {
      throw new AutodiffError('', 0, 0, 'string concatenation with a parameter-dependent value',
        'the + operator with a string or object operand converts to a string; convert strings with Number(...) first');
    }
    return num(x);
  }
  function sub(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return subS(a, b);
  }
  function subS(a: any, b: any): any {
    if (a instanceof AdNum) {
      if (b instanceof AdNum) return node2(a.v - b.v, a.i, 1, b.i, -1);
      return new AdNum(a.v - (typeof b === 'number' ? b : num(b)), a.i);
    }
    if (b instanceof AdNum) return node1((typeof a === 'number' ? a : num(a)) - b.v, b.i, -1);
    return a - b;
  }
  function mul(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return a * b;
    return mulS(a, b);
  }
  function mulS(a: any, b: any): any {
    if (a instanceof AdNum) {
      if (b instanceof AdNum) return node2(a.v * b.v, a.i, b.v, b.i, a.v);
      const c = typeof b === 'number' ? b : num(b);
      return node1(a.v * c, a.i, c);
    }
    if (b instanceof AdNum) {
      const c = typeof a === 'number' ? a : num(a);
      return node1(c * b.v, b.i, c);
    }
    return a * b;
  }
  function div(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return a / b;
    return divS(a, b);
  }
  function divS(a: any, b: any): any {
    if (a instanceof AdNum) {
      if (b instanceof AdNum) {
        const r = a.v / b.v;
        return node2(r, a.i, 1 / b.v, b.i, -r / b.v);
      }
      const c = typeof b === 'number' ? b : num(b);
      return node1(a.v / c, a.i, 1 / c);
    }
    if (b instanceof AdNum) {
      const r = (typeof a === 'number' ? a : num(a)) / b.v;
      return node1(r, b.i, -r / b.v);
    }
    return a / b;
  }
  function mod(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return a % b;
    return modS(a, b);
  }
  function modS(a: any, b: any): any {
    // JS % is fmod (truncated): a % b = a - trunc(a / b) * b; d/da = 1, d/db = -trunc(a / b) (torch.fmod).
    if (a instanceof AdNum) {
      if (b instanceof AdNum) return node2(a.v % b.v, a.i, 1, b.i, -Math.trunc(a.v / b.v));
      return new AdNum(a.v % (typeof b === 'number' ? b : num(b)), a.i);
    }
    if (b instanceof AdNum) {
      const c = typeof a === 'number' ? a : num(a);
      return node1(c % b.v, b.i, -Math.trunc(c / b.v));
    }
    return a % b;
  }
  // d(x^y)/dx = y x^(y-1), 0 when y == 0 (torch); d(x^y)/dy = x^y ln x, 0 when x == 0 and y >= 0 (torch).
  const powDx = (x: number, y: number): number => (y === 0 ? 0 : y * x ** (y - 1));
  const powDy = (x: number, y: number, r: number): number => (x === 0 && y >= 0 ? 0 : r * Math.log(x));
  function pow(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return a ** b;
    return powS(a, b);
  }
  function powS(a: any, b: any): any {
    if (a instanceof AdNum) {
      const x = a.v;
      if (b instanceof AdNum) {
        const y = b.v, r = x ** y;
        return node2(r, a.i, powDx(x, y), b.i, powDy(x, y, r));
      }
      const y = typeof b === 'number' ? b : num(b);
      return node1(x ** y, a.i, powDx(x, y));
    }
    if (b instanceof AdNum) {
      const x = typeof a === 'number' ? a : num(a), y = b.v, r = x ** y;
      return node1(r, b.i, powDy(x, y, r));
    }
    return a ** b;
  }
  function neg(a: any): any {
    if (typeof a === 'number') return -a;
    if (a instanceof AdNum) return node1(-a.v, a.i, -1);
    return -a;
  }
  function pos(a: any): any {
    if (typeof a === 'number' || a instanceof AdNum) return a; // +x is x
    return +a;
  }
  function inc(a: any): any {
    if (typeof a === 'number') return a + 1;
    if (a instanceof AdNum) return new AdNum(a.v + 1, a.i);
    let y = a;
    y++;
    return y;
  }
  function dec(a: any): any {
    if (typeof a === 'number') return a - 1;
    if (a instanceof AdNum) return new AdNum(a.v - 1, a.i);
    let y = a;
    y--;
    return y;
  }
  function post(old: any, _new: any): any {
    if (typeof old === 'number' || old instanceof AdNum) return old;
    let y = old;
    const r = y++;
    return r;
  }
  const id = (x: any): any => x;

  // ---------------------------------------------------------------- comparisons, truthiness
  const lt = (a: any, b: any): boolean => (typeof a === 'number' && typeof b === 'number' ? a < b : prim(a) < prim(b));
  const le = (a: any, b: any): boolean => (typeof a === 'number' && typeof b === 'number' ? a <= b : prim(a) <= prim(b));
  const gt = (a: any, b: any): boolean => (typeof a === 'number' && typeof b === 'number' ? a > b : prim(a) > prim(b));
  const ge = (a: any, b: any): boolean => (typeof a === 'number' && typeof b === 'number' ? a >= b : prim(a) >= prim(b));
  // eslint-disable-next-line eqeqeq
  const eq = (a: any, b: any): boolean => (typeof a === 'number' && typeof b === 'number' ? a === b : prim(a) == prim(b));
  // eslint-disable-next-line eqeqeq
  const ne = (a: any, b: any): boolean => (typeof a === 'number' && typeof b === 'number' ? a !== b : prim(a) != prim(b));
  const seq = (a: any, b: any): boolean => (typeof a === 'number' && typeof b === 'number' ? a === b : prim(a) === prim(b));
  const sne = (a: any, b: any): boolean => (typeof a === 'number' && typeof b === 'number' ? a !== b : prim(a) !== prim(b));
  function truthy(x: any): boolean {
    if (typeof x !== 'object' || x === null) return !!x;
    if (x instanceof AdNum) return x.v !== 0 && x.v === x.v;
    return true;
  }
  const typeOf = (x: any): string => (x instanceof AdNum ? 'number' : typeof x);

  // ---------------------------------------------------------------- checked (non-differentiable) ops
  function bitError(op: string, site?: string): AutodiffError {
    return siteError(site, `the bitwise operator ${op} on a parameter-dependent value`, 'bitwise operators truncate to 32-bit integers and have no derivative');
  }
  const band = (a: any, b: any, site?: string): any => {
    if (a instanceof AdNum || b instanceof AdNum) throw bitError('&', site);
    return a & b;
  };
  const bor = (a: any, b: any, site?: string): any => {
    if (a instanceof AdNum || b instanceof AdNum) throw bitError('|', site);
    return a | b;
  };
  const bxor = (a: any, b: any, site?: string): any => {
    if (a instanceof AdNum || b instanceof AdNum) throw bitError('^', site);
    return a ^ b;
  };
  const shl = (a: any, b: any, site?: string): any => {
    if (a instanceof AdNum || b instanceof AdNum) throw bitError('<<', site);
    return a << b;
  };
  const shr = (a: any, b: any, site?: string): any => {
    if (a instanceof AdNum || b instanceof AdNum) throw bitError('>>', site);
    return a >> b;
  };
  const ushr = (a: any, b: any, site?: string): any => {
    if (a instanceof AdNum || b instanceof AdNum) throw bitError('>>>', site);
    return a >>> b;
  };
  const bnot = (a: any, site?: string): any => {
    if (a instanceof AdNum) throw bitError('~', site);
    return ~a;
  };
  const chk = (x: any, construct: string, site?: string): any => {
    if (x instanceof AdNum) throw siteError(site, construct, 'it converts a parameter-dependent value to a plain number or string and the gradient would be silently lost');
    return x;
  };

  // ---------------------------------------------------------------- compound assignment on complex members
  const cstack: any[] = [];
  const cget = (obj: any, key: any): any => {
    cstack.push(obj, key);
    return obj[key];
  };
  const cput = (old: any, op: Op2, rhs: any): any => {
    const key = cstack.pop();
    const obj = cstack.pop();
    const r = op(old, rhs);
    obj[key] = r;
    return r;
  };
  const upd = (obj: any, key: any, delta: number, prefix: boolean): any => {
    const old = obj[key];
    const nv = delta > 0 ? inc(old) : dec(old);
    obj[key] = nv;
    return prefix ? nv : post(old, nv);
  };

  // ---------------------------------------------------------------- Math
  function exp(x: any): any { return typeof x === 'number' ? Math.exp(x) : expS(x); }
  function expS(x: any): any {
    if (!(x instanceof AdNum)) return Math.exp(x);
    const e = Math.exp(x.v);
    return node1(e, x.i, e);
  }
  function expm1(x: any): any { return typeof x === 'number' ? Math.expm1(x) : expm1S(x); }
  function expm1S(x: any): any {
    if (!(x instanceof AdNum)) return Math.expm1(x);
    return node1(Math.expm1(x.v), x.i, Math.exp(x.v));
  }
  function log(x: any): any { return typeof x === 'number' ? Math.log(x) : logS(x); }
  function logS(x: any): any {
    if (!(x instanceof AdNum)) return Math.log(x);
    return node1(Math.log(x.v), x.i, 1 / x.v);
  }
  function log1p(x: any): any { return typeof x === 'number' ? Math.log1p(x) : log1pS(x); }
  function log1pS(x: any): any {
    if (!(x instanceof AdNum)) return Math.log1p(x);
    return node1(Math.log1p(x.v), x.i, 1 / (1 + x.v));
  }
  function log2(x: any): any { return typeof x === 'number' ? Math.log2(x) : log2S(x); }
  function log2S(x: any): any {
    if (!(x instanceof AdNum)) return Math.log2(x);
    return node1(Math.log2(x.v), x.i, 1 / (x.v * Math.LN2));
  }
  function log10(x: any): any { return typeof x === 'number' ? Math.log10(x) : log10S(x); }
  function log10S(x: any): any {
    if (!(x instanceof AdNum)) return Math.log10(x);
    return node1(Math.log10(x.v), x.i, 1 / (x.v * Math.LN10));
  }
  function sqrt(x: any): any { return typeof x === 'number' ? Math.sqrt(x) : sqrtS(x); }
  function sqrtS(x: any): any {
    if (!(x instanceof AdNum)) return Math.sqrt(x);
    const s = Math.sqrt(x.v);
    return node1(s, x.i, 1 / (2 * s)); // sqrt'(0) = +Infinity (torch)
  }
  function cbrt(x: any): any { return typeof x === 'number' ? Math.cbrt(x) : cbrtS(x); }
  function cbrtS(x: any): any {
    if (!(x instanceof AdNum)) return Math.cbrt(x);
    const c = Math.cbrt(x.v);
    return node1(c, x.i, 1 / (3 * c * c));
  }
  function abs(x: any): any { return typeof x === 'number' ? Math.abs(x) : absS(x); }
  function absS(x: any): any {
    if (!(x instanceof AdNum)) return Math.abs(x);
    const v = x.v;
    return node1(Math.abs(v), x.i, v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : NaN); // abs'(0) = 0 (torch)
  }
  function sin(x: any): any { return typeof x === 'number' ? Math.sin(x) : sinS(x); }
  function sinS(x: any): any {
    if (!(x instanceof AdNum)) return Math.sin(x);
    return node1(Math.sin(x.v), x.i, Math.cos(x.v));
  }
  function cos(x: any): any { return typeof x === 'number' ? Math.cos(x) : cosS(x); }
  function cosS(x: any): any {
    if (!(x instanceof AdNum)) return Math.cos(x);
    return node1(Math.cos(x.v), x.i, -Math.sin(x.v));
  }
  function tan(x: any): any { return typeof x === 'number' ? Math.tan(x) : tanS(x); }
  function tanS(x: any): any {
    if (!(x instanceof AdNum)) return Math.tan(x);
    const t = Math.tan(x.v);
    return node1(t, x.i, 1 + t * t);
  }
  function asin(x: any): any { return typeof x === 'number' ? Math.asin(x) : asinS(x); }
  function asinS(x: any): any {
    if (!(x instanceof AdNum)) return Math.asin(x);
    const v = x.v;
    return node1(Math.asin(v), x.i, 1 / Math.sqrt(1 - v * v));
  }
  function acos(x: any): any { return typeof x === 'number' ? Math.acos(x) : acosS(x); }
  function acosS(x: any): any {
    if (!(x instanceof AdNum)) return Math.acos(x);
    const v = x.v;
    return node1(Math.acos(v), x.i, -1 / Math.sqrt(1 - v * v));
  }
  function atan(x: any): any { return typeof x === 'number' ? Math.atan(x) : atanS(x); }
  function atanS(x: any): any {
    if (!(x instanceof AdNum)) return Math.atan(x);
    const v = x.v;
    return node1(Math.atan(v), x.i, 1 / (1 + v * v));
  }
  function sinh(x: any): any { return typeof x === 'number' ? Math.sinh(x) : sinhS(x); }
  function sinhS(x: any): any {
    if (!(x instanceof AdNum)) return Math.sinh(x);
    return node1(Math.sinh(x.v), x.i, Math.cosh(x.v));
  }
  function cosh(x: any): any { return typeof x === 'number' ? Math.cosh(x) : coshS(x); }
  function coshS(x: any): any {
    if (!(x instanceof AdNum)) return Math.cosh(x);
    return node1(Math.cosh(x.v), x.i, Math.sinh(x.v));
  }
  function tanh(x: any): any { return typeof x === 'number' ? Math.tanh(x) : tanhS(x); }
  function tanhS(x: any): any {
    if (!(x instanceof AdNum)) return Math.tanh(x);
    const t = Math.tanh(x.v);
    return node1(t, x.i, 1 - t * t);
  }
  function asinh(x: any): any { return typeof x === 'number' ? Math.asinh(x) : asinhS(x); }
  function asinhS(x: any): any {
    if (!(x instanceof AdNum)) return Math.asinh(x);
    const v = x.v;
    return node1(Math.asinh(v), x.i, 1 / Math.sqrt(v * v + 1));
  }
  function acosh(x: any): any { return typeof x === 'number' ? Math.acosh(x) : acoshS(x); }
  function acoshS(x: any): any {
    if (!(x instanceof AdNum)) return Math.acosh(x);
    const v = x.v;
    return node1(Math.acosh(v), x.i, 1 / Math.sqrt((v - 1) * (v + 1)));
  }
  function atanh(x: any): any { return typeof x === 'number' ? Math.atanh(x) : atanhS(x); }
  function atanhS(x: any): any {
    if (!(x instanceof AdNum)) return Math.atanh(x);
    const v = x.v;
    return node1(Math.atanh(v), x.i, 1 / (1 - v * v));
  }
  function fround(x: any): any {
    if (typeof x === 'number') return Math.fround(x);
    if (x instanceof AdNum) return new AdNum(Math.fround(x.v), x.i); // a cast: gradient 1
    return Math.fround(x);
  }
  // piecewise constant: plain numbers (gradient 0 everywhere, torch's convention for round/floor/ceil/trunc/sign)
  const floor = (x: any): any => Math.floor(prim(x));
  const ceil = (x: any): any => Math.ceil(prim(x));
  const round = (x: any): any => Math.round(prim(x));
  const trunc = (x: any): any => Math.trunc(prim(x));
  const sign = (x: any): any => Math.sign(prim(x));

  function atan2(y: any, x: any): any {
    if (typeof y === 'number' && typeof x === 'number') return Math.atan2(y, x);
    return atan2S(y, x);
  }
  function atan2S(y: any, x: any): any {
    const yAd = y instanceof AdNum, xAd = x instanceof AdNum;
    const yv = yAd ? y.v : typeof y === 'number' ? y : num(y);
    const xv = xAd ? x.v : typeof x === 'number' ? x : num(x);
    const r = Math.atan2(yv, xv);
    const q = xv * xv + yv * yv; // (0, 0): 0/0 = NaN, like torch
    if (yAd && xAd) return node2(r, y.i, xv / q, x.i, -yv / q);
    if (yAd) return node1(r, y.i, xv / q);
    if (xAd) return node1(r, x.i, -yv / q);
    return r;
  }

  // max/min: the gradient goes to the FIRST argument attaining the result (ties: first argument).
  // The result shares that argument's slot (partial 1); if it is a plain number the result is too.
  function max2(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return Math.max(a, b);
    return pick2(a, b, true);
  }
  function min2(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return Math.min(a, b);
    return pick2(a, b, false);
  }
  function pick2(a: any, b: any, isMax: boolean): any {
    const va = a instanceof AdNum ? a.v : typeof a === 'number' ? a : num(a);
    const vb = b instanceof AdNum ? b.v : typeof b === 'number' ? b : num(b);
    const r = isMax ? Math.max(va, vb) : Math.min(va, vb);
    const chosen = va === r || va !== va ? a : b;
    return chosen instanceof AdNum ? new AdNum(r, chosen.i) : r;
  }
  function pickN(args: ArrayLike<any>, isMax: boolean): any {
    const m = args.length;
    const vals = new Array<number>(m);
    let anyAd = false;
    for (let j = 0; j < m; j++) {
      const x = args[j];
      if (x instanceof AdNum) { vals[j] = x.v; anyAd = true; } else vals[j] = typeof x === 'number' ? x : num(x);
    }
    const r = isMax ? Math.max(...vals) : Math.min(...vals);
    if (!anyAd) return r;
    for (let j = 0; j < m; j++) {
      const v = vals[j];
      if (v === r || v !== v) {
        const x = args[j];
        return x instanceof AdNum ? new AdNum(r, x.i) : r;
      }
    }
    return r;
  }
  function max(...args: any[]): any {
    return args.length === 2 ? max2(args[0], args[1]) : pickN(args, true);
  }
  function min(...args: any[]): any {
    return args.length === 2 ? min2(args[0], args[1]) : pickN(args, false);
  }
  // hypot: d/dx_j = x_j / h; at h = 0 the gradient is 0 (a valid subgradient; torch's norm does the same).
  function hypot2(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return Math.hypot(a, b);
    return hypot(a, b);
  }
  function hypot(...args: any[]): any {
    const m = args.length;
    const vals = new Array<number>(m);
    for (let j = 0; j < m; j++) {
      const x = args[j];
      vals[j] = x instanceof AdNum ? x.v : typeof x === 'number' ? x : num(x);
    }
    const h = Math.hypot(...vals);
    const idx: number[] = [];
    const d: number[] = [];
    for (let j = 0; j < m; j++) {
      const x = args[j];
      if (x instanceof AdNum) { idx.push(x.i); d.push(h === 0 ? 0 : vals[j] / h); }
    }
    return nodeN(h, idx, d);
  }

  const fns: Record<string, unknown> = {
    abs, acos, acosh, asin, asinh, atan, atanh, atan2, cbrt, ceil, cos, cosh, exp, expm1, floor, fround,
    hypot, log, log10, log1p, log2, max, min, pow, round, sign, sin, sinh, sqrt, tan, tanh, trunc,
  };
  const mathObj: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(Math)) {
    const value = (Math as unknown as Record<string, unknown>)[name];
    if (name in fns) mathObj[name] = fns[name];
    else if (typeof value === 'function') {
      const f = value as (...a: unknown[]) => unknown;
      mathObj[name] = name === 'random' ? f : (...args: unknown[]) => {
        for (const x of args) if (x instanceof AdNum) throw siteError(undefined, `Math.${name} on a parameter-dependent value`, 'it has no derivative rule');
        return f(...args);
      };
    } else mathObj[name] = value;
  }
  Object.freeze(mathObj);

  const runtime: AdRuntime = {
    add, sub, mul, div, mod, pow, neg, pos, inc, dec, post, id,
    lt, le, gt, ge, eq, ne, seq, sne, truthy, typeOf, sw: prim, $: undefined,
    band, bor, bxor, shl, shr, ushr, bnot, chk, cget, cput, upd,
    abs, acos, acosh, asin, asinh, atan, atanh, atan2, cbrt, ceil, cos, cosh, exp, expm1, floor, fround,
    log, log10, log1p, log2, round, sign, sin, sinh, sqrt, tan, tanh, trunc,
    max, min, hypot, max2, min2, hypot2,
    Math: mathObj,
    tape,
  };
  return runtime;
}
