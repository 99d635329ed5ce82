// The reverse-mode AD runtime that rewritten loss code calls as `__ad` (see rewrite.ts).
//
// Values: a quantity that does not depend on a parameter stays a plain JS number (every op tests
// `typeof a === 'number' && typeof b === 'number'` first and returns plain arithmetic). A
// parameter-dependent quantity is an `AdValue`: a pooled object naming a tape slot `i`; its primal
// value lives in the tape (VAL[i]), so recording a node allocates nothing (no object, no boxed double).
//
// Tape: struct-of-arrays, preallocated and reused across evaluations (reset per evaluation, grown
// geometrically when full): node k's parents and local partials are the CSR edge range
// EP/EW[NS[k] .. NS[k+1]), its primal value VAL[k], its value object pool[k]. Single ops record
// one node with one or two edges; a fused expression (a whole arithmetic/Math expression tree, see
// rewrite.ts) records ONE node with one edge per operand occurrence.
//
// Pure TypeScript: no Node, DOM or vscode APIs.

import { AutodiffError, siteError } from './errors';

/**
 * A parameter-dependent value: tape slot `i`, primal value `v` (read from the tape). Valid for ONE
 * evaluation only: value objects are pooled per slot and reused by the next evaluation.
 */
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
  /**
   * The first node of the current evaluation whose value is NaN or ±∞ (0: none): its slot, the
   * rewriter's site id of the operation (-1: unknown, e.g. a parameter or an op reached through an
   * alias) and its operand values (a fused expression: the values of its leaves, up to 16).
   * Recording it costs one comparison per node; nothing is allocated.
   */
  nonFinite(): { readonly slot: number; readonly site: number; readonly operands: readonly number[] } | null;
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
  // fused expressions (generated by rewrite.ts; internal): tape state, AD class, capacity, close node
  readonly S: unknown;
  readonly AD: unknown;
  readonly reserve: (k: number) => void;
  readonly finish: (v: number) => unknown;
  /** Fused helpers: records the first non-finite value (site id, leaf values) before `finish`. */
  readonly nff: (site: number, ...leaves: number[]) => void;
  // value-identity positions (rewrite.ts routes these through the runtime so they compare primal values)
  /** `Object.is(a, b)` on primal values. */
  readonly ois: (a: any, b: any) => boolean;
  /** `o.includes(x, from?)` / `o.indexOf(...)` / `o.lastIndexOf(...)`: arrays are searched by primal value. */
  readonly incl: (o: any, ...args: any[]) => any;
  readonly idx: (o: any, ...args: any[]) => any;
  readonly lidx: (o: any, ...args: any[]) => any;
  /** `new Set(...)` / `new Map(...)`: a subclass of `ctor` whose keys compare by primal value (first inserted kept). */
  readonly coll: (ctor: any, isMap: boolean) => any;
  /** `structuredClone(x)`: parameter-dependent values are kept (they are immutable numbers). */
  readonly clone: (native: any, value: any, options?: any) => any;
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
/** Operand values kept for the first non-finite operation (a fused expression's leaves beyond this are dropped). */
const MAX_BAD_OPERANDS = 16;
/** 2^25 nodes ≈ 1 GiB of tape; a loss that needs more is almost certainly a runaway loop. */
export const MAX_TAPE_NODES = 1 << 25;

const CONVERSION_CONSTRUCT = 'a conversion of a parameter-dependent value to a plain number or string';
const CONVERSION_DETAIL =
  'e.g. Number(x), String(x), x.toFixed(), `${x}`, JSON.stringify, a property key, storing it into a ' +
  'Float64Array or other typed array, a sort comparator that returns a difference ' +
  '(write (a, b) => (a < b ? -1 : a > b ? 1 : 0) instead), or passing it to code that was not rewritten; ' +
  'the gradient would be silently lost';

const conversionError = (): AutodiffError => new AutodiffError('', 0, 0, CONVERSION_CONSTRUCT, CONVERSION_DETAIL);

/** Tape storage of one runtime (fields, not closure variables: faster typed-array access in V8). */
interface TapeState {
  n: number; // nodes used (slot 0 included, unused)
  ec: number; // edges used
  ncap: number;
  ecap: number;
  NS: Int32Array; // node k's edges: [NS[k], NS[k + 1])
  EP: Int32Array; // edge parent slot
  EW: Float64Array; // edge local partial
  VAL: Float64Array; // primal value of each slot
  ADJ: Float64Array; // adjoints (reverse sweep)
  pool: AdNum[]; // pool[k].i === k
  bad: number; // slot of the first non-finite node of this evaluation (0: none)
  badSite: number; // its rewriter site id (-1: unknown)
  badN: number; // operand values recorded in badV
  badV: Float64Array;
}

/**
 * The AD value class, shared by all runtimes (one hidden class keeps every op monomorphic); `s`
 * is the owning tape. Converting one to a primitive throws: silently using the primal would lose
 * the gradient.
 */
class AdNum implements AdValue {
  declare readonly i: number;
  declare readonly s: TapeState;
  constructor(i: number, s: TapeState) {
    this.i = i;
    this.s = s;
  }
  get v(): number { return this.s.VAL[this.i]; }
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

/** Creates an independent runtime (its own tape). One per loaded loss module; not reentrant. */
export function createRuntime(): AdRuntime {
  // ---------------------------------------------------------------- tape
  const S: TapeState = {
    n: 1, ec: 0, ncap: INITIAL_CAPACITY, ecap: 2 * INITIAL_CAPACITY,
    NS: new Int32Array(INITIAL_CAPACITY + 1), EP: new Int32Array(2 * INITIAL_CAPACITY), EW: new Float64Array(2 * INITIAL_CAPACITY),
    VAL: new Float64Array(INITIAL_CAPACITY), ADJ: new Float64Array(INITIAL_CAPACITY), pool: [],
    bad: 0, badSite: -1, badN: 0, badV: new Float64Array(MAX_BAD_OPERANDS),
  };
  for (let k = 0; k < S.ncap; k++) S.pool.push(new AdNum(k, S));

  function growNodes(): void {
    if (S.ncap >= MAX_TAPE_NODES) {
      throw new RangeError(`autodiff: the loss recorded more than ${MAX_TAPE_NODES} operations in one evaluation (tape limit)`);
    }
    const c = S.ncap * 2;
    const ns = new Int32Array(c + 1); ns.set(S.NS); S.NS = ns;
    const val = new Float64Array(c); val.set(S.VAL); S.VAL = val;
    S.ADJ = new Float64Array(c);
    for (let k = S.ncap; k < c; k++) S.pool.push(new AdNum(k, S));
    S.ncap = c;
  }
  function growEdges(): void {
    if (S.ecap >= 4 * MAX_TAPE_NODES) {
      throw new RangeError(`autodiff: the loss recorded more than ${4 * MAX_TAPE_NODES} dependencies in one evaluation (tape limit)`);
    }
    const c = S.ecap * 2;
    const ep = new Int32Array(c); ep.set(S.EP); S.EP = ep;
    const ew = new Float64Array(c); ew.set(S.EW); S.EW = ew;
    S.ecap = c;
  }
  function edge(p: number, w: number): void {
    const e = S.ec;
    if (e === S.ecap) growEdges();
    S.EP[e] = p;
    S.EW[e] = w;
    S.ec = e + 1;
  }
  /** Closes the node whose edges were pushed since the previous node; returns its value object. */
  function finish(v: number): AdNum {
    const k = S.n;
    if (k === S.ncap) growNodes();
    S.VAL[k] = v;
    S.n = k + 1;
    S.NS[k + 1] = S.ec;
    if (v - v !== 0 && S.bad === 0) S.bad = k; // NaN or ±∞ (v - v is NaN for both); site unknown unless marked
    return S.pool[k];
  }
  /** Records the operation about to be finished as the first non-finite one (if none is yet). */
  function mark(site: number | undefined, n: number, x: number, y: number): void {
    if (S.bad !== 0) return;
    S.bad = S.n;
    S.badSite = typeof site === 'number' ? site : -1;
    S.badN = n;
    S.badV[0] = x;
    S.badV[1] = y;
  }
  /** One node with one AD operand; `site`/`x`/`y` describe the operation if its value `v` is not finite. */
  function node1(v: number, a: number, da: number, site?: number, n = 0, x = 0, y = 0): AdNum {
    edge(a, da);
    if (v - v !== 0) mark(site, n, n === 1 ? S.VAL[a] : x, y); // unary: the operand is slot a
    return finish(v);
  }
  function node2(v: number, a: number, da: number, b: number, db: number, site?: number, x = 0, y = 0): AdNum {
    edge(a, da);
    edge(b, db);
    if (v - v !== 0) mark(site, 2, x, y);
    return finish(v);
  }
  function nff(site: number, ...leaves: number[]): void {
    if (S.bad !== 0) return;
    S.bad = S.n;
    S.badSite = site;
    const n = Math.min(leaves.length, MAX_BAD_OPERANDS);
    for (let j = 0; j < n; j++) S.badV[j] = leaves[j]!;
    S.badN = n;
  }
  const isAd = (x: unknown): x is AdNum => x instanceof AdNum && x.s === S;
  /** Primal of an AD value of this runtime. */
  const val = (x: AdNum): number => S.VAL[x.i];

  const tape: Tape = {
    reset(): void { S.n = 1; S.ec = 0; S.NS[0] = 0; S.NS[1] = 0; ctop = 0; S.bad = 0; S.badSite = -1; S.badN = 0; },
    variable(value: number): AdValue { return finish(+value); },
    isAd,
    primal: (x: unknown): unknown => (isAd(x) ? val(x) : x),
    backward(root: AdValue, firstSlot: number, out: Float64Array): void {
      if (!isAd(root) || root.i >= S.n) throw new TypeError('autodiff: backward() on a value from another evaluation or runtime');
      const r = root.i;
      const g = S.ADJ, ns = S.NS, ep = S.EP, ew = S.EW;
      if (r < 256) for (let k = 0; k <= r; k++) g[k] = 0;
      else g.fill(0, 0, r + 1);
      g[r] = 1;
      const stop = firstSlot + out.length; // variables are leaves: no need to sweep them
      for (let k = r; k >= stop; k--) {
        const gk = g[k];
        if (gk !== 0) { // a zero adjoint never propagates (0 × ∞ is taken as 0)
          for (let e = ns[k], end = ns[k + 1]; e < end; e++) g[ep[e]] += gk * ew[e];
        }
      }
      for (let j = 0; j < out.length; j++) out[j] = firstSlot + j <= r ? g[firstSlot + j] : 0;
    },
    nonFinite() {
      if (S.bad === 0 || S.bad >= S.n) return null;
      return { slot: S.bad, site: S.badSite, operands: Array.from(S.badV.subarray(0, S.badN)) };
    },
    get size() { return S.n; },
    get capacity() { return S.ncap; },
  };

  // ---------------------------------------------------------------- fused expressions (generated helpers)
  // Generated helpers (rewrite.ts) read the tape state `S` and the class `AD` directly and push
  // their edges inline (no calls: V8's inlining budget would not cover one call per operand):
  //   let e = S.ec; if (e + k > S.ecap) reserve(k); S.EP[e] = x.i; S.EW[e] = partial; ...; S.ec = e;
  //   return finish(value);
  function reserve(k: number): void {
    while (S.ec + k > S.ecap) growEdges();
  }

  // ---------------------------------------------------------------- helpers
  /** Operand of an arithmetic op that is neither a number nor an AD value of this runtime (ToNumber). */
  function num(x: any): number {
    if (typeof x === 'number') return x;
    if (typeof x === 'bigint') throw new TypeError('Cannot mix BigInt and other types, use explicit conversions');
    if (x instanceof AdNum) {
      throw new AutodiffError('', 0, 0, 'a parameter-dependent value of another autodiff runtime',
        'values of one loaded loss module cannot be used by another one');
    }
    return Number(x);
  }
  const prim = (x: any): any => (isAd(x) ? val(x) : x);
  const isObj = (x: any): boolean => (typeof x === 'object' && x !== null) || typeof x === 'function';
  /**
   * ToPrimitive (ECMA-262 7.1.1) that lets a user object's `valueOf` / `Symbol.toPrimitive` /
   * `toString` return a parameter-dependent value: `{ valueOf: () => p.x * 3 } * 2` is the AD value
   * 6·x, as plain JS would compute 6x with numbers. AD values and primitives are returned as they are.
   */
  function toPrimAD(x: any, hint: 'number' | 'string' | 'default'): any {
    if (!isObj(x) || x instanceof AdNum) return x;
    const exotic = x[Symbol.toPrimitive];
    if (exotic !== undefined && exotic !== null) {
      if (typeof exotic !== 'function') throw new TypeError('Symbol.toPrimitive is not a function');
      const r = exotic.call(x, hint);
      if (r instanceof AdNum || !isObj(r)) return r;
      throw new TypeError('Cannot convert object to primitive value');
    }
    const first = hint === 'string' ? 'toString' : 'valueOf';
    const second = hint === 'string' ? 'valueOf' : 'toString';
    for (const m of [first, second]) {
      const f = x[m];
      if (typeof f === 'function') {
        const r = f.call(x);
        if (r instanceof AdNum || !isObj(r)) return r;
      }
    }
    throw new TypeError('Cannot convert object to primitive value');
  }
  /** A non-AD object operand converted (ToPrimitive, hint number); anything else unchanged. */
  const normN = (x: any): any => (isObj(x) && !(x instanceof AdNum) ? toPrimAD(x, 'number') : x);

  // ---------------------------------------------------------------- arithmetic
  // Binary ops take an optional third argument: the rewriter's site id of the expression, used only
  // to name the operation when its value is NaN or ±∞ (tape.nonFinite()).
  function add(a: any, b: any, s?: number): any {
    if (typeof a === 'number' && typeof b === 'number') return a + b;
    return addS(a, b, s);
  }
  function addS(a: any, b: any, s?: number): any {
    if (isObj(a) && !(a instanceof AdNum)) a = toPrimAD(a, 'default');
    if (isObj(b) && !(b instanceof AdNum)) b = toPrimAD(b, 'default');
    const A = isAd(a), B = isAd(b);
    if (A && B) { const x = val(a), y = val(b); return node2(x + y, a.i, 1, b.i, 1, s, x, y); }
    if (A) { const x = val(a), y = addend(b); return node1(x + y, a.i, 1, s, 2, x, y); }
    if (B) { const x = addend(a), y = val(b); return node1(x + y, b.i, 1, s, 2, x, y); }
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
  function sub(a: any, b: any, s?: number): any {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return subS(a, b, s);
  }
  function subS(a: any, b: any, s?: number): any {
    a = normN(a);
    b = normN(b);
    const A = isAd(a), B = isAd(b);
    if (A && B) { const x = val(a), y = val(b); return node2(x - y, a.i, 1, b.i, -1, s, x, y); }
    if (A) { const x = val(a), y = num(b); return node1(x - y, a.i, 1, s, 2, x, y); }
    if (B) { const x = num(a), y = val(b); return node1(x - y, b.i, -1, s, 2, x, y); }
    return a - b;
  }
  function mul(a: any, b: any, s?: number): any {
    if (typeof a === 'number' && typeof b === 'number') return a * b;
    return mulS(a, b, s);
  }
  function mulS(a: any, b: any, s?: number): any {
    a = normN(a);
    b = normN(b);
    const A = isAd(a), B = isAd(b);
    if (A && B) {
      const x = val(a), y = val(b);
      return node2(x * y, a.i, y, b.i, x, s, x, y);
    }
    if (A) {
      const x = val(a), c = num(b);
      return node1(x * c, a.i, c, s, 2, x, c);
    }
    if (B) {
      const c = num(a), y = val(b);
      return node1(c * y, b.i, c, s, 2, c, y);
    }
    return a * b;
  }
  function div(a: any, b: any, s?: number): any {
    if (typeof a === 'number' && typeof b === 'number') return a / b;
    return divS(a, b, s);
  }
  function divS(a: any, b: any, s?: number): any {
    a = normN(a);
    b = normN(b);
    const A = isAd(a), B = isAd(b);
    if (A && B) {
      const x = val(a), y = val(b), r = x / y;
      return node2(r, a.i, 1 / y, b.i, -r / y, s, x, y);
    }
    if (A) {
      const x = val(a), c = num(b);
      return node1(x / c, a.i, 1 / c, s, 2, x, c);
    }
    if (B) {
      const x = num(a), y = val(b), r = x / y;
      return node1(r, b.i, -r / y, s, 2, x, y);
    }
    return a / b;
  }
  function mod(a: any, b: any, s?: number): any {
    if (typeof a === 'number' && typeof b === 'number') return a % b;
    return modS(a, b, s);
  }
  function modS(a: any, b: any, s?: number): any {
    // JS % is fmod (truncated): a % b = a - trunc(a / b) * b; d/da = 1, d/db = -trunc(a / b) (torch.fmod).
    a = normN(a);
    b = normN(b);
    const A = isAd(a), B = isAd(b);
    if (A && B) {
      const x = val(a), y = val(b);
      return node2(x % y, a.i, 1, b.i, -Math.trunc(x / y), s, x, y);
    }
    if (A) { const x = val(a), y = num(b); return node1(x % y, a.i, 1, s, 2, x, y); }
    if (B) {
      const x = num(a), y = val(b);
      return node1(x % y, b.i, -Math.trunc(x / y), s, 2, x, y);
    }
    return a % b;
  }
  // d(x^y)/dx = y x^(y-1), 0 when y == 0 (torch); d(x^y)/dy = x^y ln x, 0 when x == 0 and y >= 0 (torch).
  const powDx = (x: number, y: number): number => (y === 0 ? 0 : y * x ** (y - 1));
  const powDy = (x: number, y: number, r: number): number => (x === 0 && y >= 0 ? 0 : r * Math.log(x));
  function pow(a: any, b: any, s?: number): any {
    if (typeof a === 'number' && typeof b === 'number') return a ** b;
    return powS(a, b, s);
  }
  function powS(a: any, b: any, s?: number): any {
    a = normN(a);
    b = normN(b);
    const A = isAd(a), B = isAd(b);
    if (!A && !B) return a ** b;
    const x = A ? val(a) : num(a), y = B ? val(b) : num(b), r = x ** y;
    if (A && B) return node2(r, a.i, powDx(x, y), b.i, powDy(x, y, r), s, x, y);
    if (A) return node1(r, a.i, powDx(x, y), s, 2, x, y);
    return node1(r, b.i, powDy(x, y, r), s, 2, x, y);
  }
  function neg(a: any): any {
    if (typeof a === 'number') return -a;
    a = normN(a);
    if (isAd(a)) return node1(-val(a), a.i, -1);
    return -a;
  }
  function pos(a: any): any {
    if (typeof a === 'number' || isAd(a)) return a; // +x is x
    a = normN(a);
    return isAd(a) ? a : +a;
  }
  function inc(a: any): any {
    if (typeof a === 'number') return a + 1;
    a = normN(a);
    if (isAd(a)) return node1(val(a) + 1, a.i, 1);
    let y = a;
    y++;
    return y;
  }
  function dec(a: any): any {
    if (typeof a === 'number') return a - 1;
    a = normN(a);
    if (isAd(a)) return node1(val(a) - 1, a.i, 1);
    let y = a;
    y--;
    return y;
  }
  function post(old: any, _new: any): any {
    if (typeof old === 'number' || isAd(old)) return old;
    old = normN(old);
    if (isAd(old)) return old;
    let y = old;
    const r = y++;
    return r;
  }
  const id = (x: any): any => x;

  // ---------------------------------------------------------------- comparisons, truthiness
  // Relational comparisons: ToPrimitive (hint number) left then right, as JS does, then the primal values.
  const rel = (x: any): any => prim(normN(x));
  function lt(a: any, b: any): boolean {
    if (typeof a === 'number' && typeof b === 'number') return a < b;
    const x = rel(a);
    return x < rel(b);
  }
  function le(a: any, b: any): boolean {
    if (typeof a === 'number' && typeof b === 'number') return a <= b;
    const x = rel(a);
    return x <= rel(b);
  }
  function gt(a: any, b: any): boolean {
    if (typeof a === 'number' && typeof b === 'number') return a > b;
    const x = rel(a);
    return x > rel(b);
  }
  function ge(a: any, b: any): boolean {
    if (typeof a === 'number' && typeof b === 'number') return a >= b;
    const x = rel(a);
    return x >= rel(b);
  }
  /** Loose equality on primal values: an object compared with a primitive is converted (ToPrimitive, hint default). */
  function looseEq(a: any, b: any): boolean {
    let x = prim(a), y = prim(b);
    if (isObj(x) && !isObj(y) && y !== null && y !== undefined) x = prim(toPrimAD(x, 'default'));
    else if (isObj(y) && !isObj(x) && x !== null && x !== undefined) y = prim(toPrimAD(y, 'default'));
    // eslint-disable-next-line eqeqeq
    return x == y;
  }
  const eq = (a: any, b: any): boolean => (typeof a === 'number' && typeof b === 'number' ? a === b : looseEq(a, b));
  const ne = (a: any, b: any): boolean => (typeof a === 'number' && typeof b === 'number' ? a !== b : !looseEq(a, b));
  const seq = (a: any, b: any): boolean => (typeof a === 'number' && typeof b === 'number' ? a === b : prim(a) === prim(b));
  const sne = (a: any, b: any): boolean => (typeof a === 'number' && typeof b === 'number' ? a !== b : prim(a) !== prim(b));
  function truthy(x: any): boolean {
    if (typeof x !== 'object' || x === null) return !!x;
    if (isAd(x)) {
      const v = val(x);
      return v !== 0 && v === v;
    }
    return true;
  }
  const typeOf = (x: any): string => (isAd(x) ? 'number' : typeof x);

  // ---------------------------------------------------------------- checked (non-differentiable) ops
  function bitError(op: string, site?: string): AutodiffError {
    return siteError(site, `the bitwise operator ${op} on a parameter-dependent value`, 'bitwise operators truncate to 32-bit integers and have no derivative');
  }
  const band = (a: any, b: any, site?: string): any => {
    if (isAd(a) || isAd(b)) throw bitError('&', site);
    return a & b;
  };
  const bor = (a: any, b: any, site?: string): any => {
    if (isAd(a) || isAd(b)) throw bitError('|', site);
    return a | b;
  };
  const bxor = (a: any, b: any, site?: string): any => {
    if (isAd(a) || isAd(b)) throw bitError('^', site);
    return a ^ b;
  };
  const shl = (a: any, b: any, site?: string): any => {
    if (isAd(a) || isAd(b)) throw bitError('<<', site);
    return a << b;
  };
  const shr = (a: any, b: any, site?: string): any => {
    if (isAd(a) || isAd(b)) throw bitError('>>', site);
    return a >> b;
  };
  const ushr = (a: any, b: any, site?: string): any => {
    if (isAd(a) || isAd(b)) throw bitError('>>>', site);
    return a >>> b;
  };
  const bnot = (a: any, site?: string): any => {
    if (isAd(a)) throw bitError('~', site);
    return ~a;
  };
  const chk = (x: any, construct: string, site?: string): any => {
    if (x instanceof AdNum) throw siteError(site, construct, 'it converts a parameter-dependent value to a plain number or string and the gradient would be silently lost');
    return x;
  };

  // ---------------------------------------------------------------- compound assignment on complex members
  const cstack: any[] = []; // (obj, key) pairs; ctop = used length (reset per evaluation)
  let ctop = 0;
  const cget = (obj: any, key: any): any => {
    cstack[ctop++] = obj;
    cstack[ctop++] = key;
    return obj[key];
  };
  const cput = (old: any, op: Op2, rhs: any): any => {
    const key = cstack[--ctop];
    const obj = cstack[--ctop];
    cstack[ctop] = cstack[ctop + 1] = undefined;
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

  // ---------------------------------------------------------------- Math (single calls; trees are fused)
  function exp(x: any, s?: number): any { return typeof x === 'number' ? Math.exp(x) : expS(x, s); }
  function expS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.exp(x);
    const r = Math.exp(val(x));
    return node1(r, x.i, r, s, 1);
  }
  function expm1(x: any, s?: number): any { return typeof x === 'number' ? Math.expm1(x) : expm1S(x, s); }
  function expm1S(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.expm1(x);
    const v = val(x);
    return node1(Math.expm1(v), x.i, Math.exp(v), s, 1);
  }
  function log(x: any, s?: number): any { return typeof x === 'number' ? Math.log(x) : logS(x, s); }
  function logS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.log(x);
    const v = val(x);
    return node1(Math.log(v), x.i, 1 / v, s, 1);
  }
  function log1p(x: any, s?: number): any { return typeof x === 'number' ? Math.log1p(x) : log1pS(x, s); }
  function log1pS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.log1p(x);
    const v = val(x);
    return node1(Math.log1p(v), x.i, 1 / (1 + v), s, 1);
  }
  function log2(x: any, s?: number): any { return typeof x === 'number' ? Math.log2(x) : log2S(x, s); }
  function log2S(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.log2(x);
    const v = val(x);
    return node1(Math.log2(v), x.i, 1 / (v * Math.LN2), s, 1);
  }
  function log10(x: any, s?: number): any { return typeof x === 'number' ? Math.log10(x) : log10S(x, s); }
  function log10S(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.log10(x);
    const v = val(x);
    return node1(Math.log10(v), x.i, 1 / (v * Math.LN10), s, 1);
  }
  function sqrt(x: any, s?: number): any { return typeof x === 'number' ? Math.sqrt(x) : sqrtS(x, s); }
  function sqrtS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.sqrt(x);
    const r = Math.sqrt(val(x));
    return node1(r, x.i, 1 / (2 * r), s, 1); // sqrt'(0) = +Infinity (torch)
  }
  function cbrt(x: any, s?: number): any { return typeof x === 'number' ? Math.cbrt(x) : cbrtS(x, s); }
  function cbrtS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.cbrt(x);
    const r = Math.cbrt(val(x));
    return node1(r, x.i, 1 / (3 * r * r), s, 1);
  }
  function abs(x: any, s?: number): any { return typeof x === 'number' ? Math.abs(x) : absS(x, s); }
  function absS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.abs(x);
    const v = val(x);
    return node1(Math.abs(v), x.i, v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : NaN, s, 1); // abs'(0) = 0 (torch)
  }
  function sin(x: any, s?: number): any { return typeof x === 'number' ? Math.sin(x) : sinS(x, s); }
  function sinS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.sin(x);
    const v = val(x);
    return node1(Math.sin(v), x.i, Math.cos(v), s, 1);
  }
  function cos(x: any, s?: number): any { return typeof x === 'number' ? Math.cos(x) : cosS(x, s); }
  function cosS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.cos(x);
    const v = val(x);
    return node1(Math.cos(v), x.i, -Math.sin(v), s, 1);
  }
  function tan(x: any, s?: number): any { return typeof x === 'number' ? Math.tan(x) : tanS(x, s); }
  function tanS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.tan(x);
    const r = Math.tan(val(x));
    return node1(r, x.i, 1 + r * r, s, 1);
  }
  function asin(x: any, s?: number): any { return typeof x === 'number' ? Math.asin(x) : asinS(x, s); }
  function asinS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.asin(x);
    const v = val(x);
    return node1(Math.asin(v), x.i, 1 / Math.sqrt(1 - v * v), s, 1);
  }
  function acos(x: any, s?: number): any { return typeof x === 'number' ? Math.acos(x) : acosS(x, s); }
  function acosS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.acos(x);
    const v = val(x);
    return node1(Math.acos(v), x.i, -1 / Math.sqrt(1 - v * v), s, 1);
  }
  function atan(x: any, s?: number): any { return typeof x === 'number' ? Math.atan(x) : atanS(x, s); }
  function atanS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.atan(x);
    const v = val(x);
    return node1(Math.atan(v), x.i, 1 / (1 + v * v), s, 1);
  }
  function sinh(x: any, s?: number): any { return typeof x === 'number' ? Math.sinh(x) : sinhS(x, s); }
  function sinhS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.sinh(x);
    const v = val(x);
    return node1(Math.sinh(v), x.i, Math.cosh(v), s, 1);
  }
  function cosh(x: any, s?: number): any { return typeof x === 'number' ? Math.cosh(x) : coshS(x, s); }
  function coshS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.cosh(x);
    const v = val(x);
    return node1(Math.cosh(v), x.i, Math.sinh(v), s, 1);
  }
  function tanh(x: any, s?: number): any { return typeof x === 'number' ? Math.tanh(x) : tanhS(x, s); }
  function tanhS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.tanh(x);
    const r = Math.tanh(val(x));
    return node1(r, x.i, 1 - r * r, s, 1);
  }
  function asinh(x: any, s?: number): any { return typeof x === 'number' ? Math.asinh(x) : asinhS(x, s); }
  function asinhS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.asinh(x);
    const v = val(x);
    return node1(Math.asinh(v), x.i, 1 / Math.sqrt(v * v + 1), s, 1);
  }
  function acosh(x: any, s?: number): any { return typeof x === 'number' ? Math.acosh(x) : acoshS(x, s); }
  function acoshS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.acosh(x);
    const v = val(x);
    return node1(Math.acosh(v), x.i, 1 / Math.sqrt((v - 1) * (v + 1)), s, 1);
  }
  function atanh(x: any, s?: number): any { return typeof x === 'number' ? Math.atanh(x) : atanhS(x, s); }
  function atanhS(x: any, s?: number): any {
    x = normN(x);
    if (!isAd(x)) return Math.atanh(x);
    const v = val(x);
    return node1(Math.atanh(v), x.i, 1 / (1 - v * v), s, 1);
  }
  function fround(x: any): any {
    if (typeof x === 'number') return Math.fround(x);
    x = normN(x);
    if (isAd(x)) return node1(Math.fround(val(x)), x.i, 1); // a cast: gradient 1
    return Math.fround(x);
  }
  // piecewise constant: plain numbers (gradient 0 everywhere, torch's convention for round/floor/ceil/trunc/sign)
  const floor = (x: any): any => Math.floor(prim(normN(x)));
  const ceil = (x: any): any => Math.ceil(prim(normN(x)));
  const round = (x: any): any => Math.round(prim(normN(x)));
  const trunc = (x: any): any => Math.trunc(prim(normN(x)));
  const sign = (x: any): any => Math.sign(prim(normN(x)));

  function atan2(y: any, x: any, s?: number): any {
    if (typeof y === 'number' && typeof x === 'number') return Math.atan2(y, x);
    return atan2S(y, x, s);
  }
  function atan2S(y: any, x: any, s?: number): any {
    y = normN(y);
    x = normN(x);
    const Y = isAd(y), X = isAd(x);
    const yv = Y ? val(y) : num(y);
    const xv = X ? val(x) : num(x);
    const r = Math.atan2(yv, xv);
    const q = xv * xv + yv * yv; // (0, 0): 0/0 = NaN, like torch
    if (Y && X) return node2(r, y.i, xv / q, x.i, -yv / q, s, yv, xv);
    if (Y) return node1(r, y.i, xv / q, s, 2, yv, xv);
    if (X) return node1(r, x.i, -yv / q, s, 2, yv, xv);
    return r;
  }

  // max/min: the gradient goes to the FIRST argument attaining the result (ties: first argument);
  // if that argument is a plain number, the result is a plain number (gradient 0).
  function max2(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return Math.max(a, b);
    return pick2(a, b, true);
  }
  function min2(a: any, b: any): any {
    if (typeof a === 'number' && typeof b === 'number') return Math.min(a, b);
    return pick2(a, b, false);
  }
  function pick2(a: any, b: any, isMax: boolean): any {
    a = normN(a);
    b = normN(b);
    const va = isAd(a) ? val(a) : num(a);
    const vb = isAd(b) ? val(b) : num(b);
    const r = isMax ? Math.max(va, vb) : Math.min(va, vb);
    const chosen = va === r || va !== va ? a : b;
    return isAd(chosen) ? node1(r, chosen.i, 1) : r;
  }
  function pickN(args: ArrayLike<any>, isMax: boolean): any {
    const m = args.length;
    const vals = new Array<number>(m);
    for (let j = 0; j < m; j++) {
      const a = normN(args[j]);
      vals[j] = isAd(a) ? val(a) : num(a);
    }
    const r = isMax ? Math.max(...vals) : Math.min(...vals);
    for (let j = 0; j < m; j++) {
      const v = vals[j];
      if (v === r || v !== v) {
        const a = normN(args[j]); // (a user valueOf is called again here, as Math.max calls it once: rare)
        return isAd(a) ? node1(r, a.i, 1) : r;
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
  function hypot2(a: any, b: any, s?: number): any {
    if (typeof a === 'number' && typeof b === 'number') return Math.hypot(a, b);
    return hypotN([a, b], s);
  }
  function hypot(...args: any[]): any {
    return hypotN(args, undefined);
  }
  function hypotN(args: any[], s: number | undefined): any {
    const m = args.length;
    const vals = new Array<number>(m);
    let anyAd = false;
    for (let j = 0; j < m; j++) {
      const a = (args[j] = normN(args[j]));
      const A = isAd(a);
      anyAd ||= A;
      vals[j] = A ? val(a) : num(a);
    }
    const h = Math.hypot(...vals);
    if (!anyAd) return h;
    for (let j = 0; j < m; j++) if (isAd(args[j])) edge(args[j].i, h === 0 ? 0 : vals[j] / h);
    if (h - h !== 0) mark(s, Math.min(m, 2), vals[0] ?? 0, vals[1] ?? 0);
    return finish(h);
  }

  // ---------------------------------------------------------------- value identity (Object.is, includes, Map/Set keys, structuredClone)
  // Plain JS sees numbers where the AD run sees value objects: everything that compares by identity
  // compares the primal values here, so the loss takes the same branches as without the rewrite.
  const ois = (a: any, b: any): boolean => Object.is(prim(a), prim(b));
  /** ToIntegerOrInfinity (ECMA-262 7.1.5) of a fromIndex argument. */
  function toInt(x: any): number {
    const n = Number(prim(normN(x)));
    return n !== n ? 0 : Math.trunc(n);
  }
  // Array.prototype.includes / indexOf / lastIndexOf (ECMA-262 23.1.3) on primal values; any other
  // receiver (strings, typed arrays, user objects) gets its own method with the same arguments.
  function incl(this: unknown, o: any, x?: any, from?: any): any {
    if (!Array.isArray(o)) return arguments.length > 2 ? o.includes(x, from) : o.includes(x);
    const len = o.length;
    if (len === 0) return false;
    let k = arguments.length > 2 ? toInt(from) : 0;
    if (k === Infinity) return false;
    if (k < 0) k = Math.max(len + k, 0);
    const v = prim(x);
    for (; k < len; k++) {
      const e = prim(o[k]);
      if (e === v || (e !== e && v !== v)) return true; // SameValueZero
    }
    return false;
  }
  function idx(this: unknown, o: any, x?: any, from?: any): any {
    if (!Array.isArray(o)) return arguments.length > 2 ? o.indexOf(x, from) : o.indexOf(x);
    const len = o.length;
    if (len === 0) return -1;
    let k = arguments.length > 2 ? toInt(from) : 0;
    if (k === Infinity) return -1;
    if (k < 0) k = Math.max(len + k, 0);
    const v = prim(x);
    for (; k < len; k++) if (k in o && prim(o[k]) === v) return k; // IsStrictlyEqual, holes skipped
    return -1;
  }
  function lidx(this: unknown, o: any, x?: any, from?: any): any {
    if (!Array.isArray(o)) return arguments.length > 2 ? o.lastIndexOf(x, from) : o.lastIndexOf(x);
    const len = o.length;
    if (len === 0) return -1;
    let k = arguments.length > 2 ? toInt(from) : len - 1;
    if (k === -Infinity) return -1;
    k = k >= 0 ? Math.min(k, len - 1) : len + k;
    const v = prim(x);
    for (; k >= 0; k--) if (k in o && prim(o[k]) === v) return k;
    return -1;
  }

  // Map / Set whose keys compare by primal value: the first key inserted with a value stands for it
  // (an AD value or a number, as inserted), so `has`/`get`/`delete` find it by number and iteration
  // yields what was inserted (gradients flow through it). One subclass per constructor, cached.
  const collections = new Map<unknown, unknown>();
  function coll(ctor: any, isMap: boolean): any {
    if (typeof ctor !== 'function') return ctor;
    let C = collections.get(ctor);
    if (C) return C;
    const keyOf = (reps: Map<number, unknown>, k: any, insert: boolean): any => {
      const pk = typeof k === 'number' ? k : isAd(k) ? val(k) : undefined;
      if (pk === undefined) return k;
      const r = reps.get(pk);
      if (r !== undefined) return r;
      if (insert) reps.set(pk, k);
      return k;
    };
    const unKey = (reps: Map<number, unknown>, k: any): void => {
      const pk = typeof k === 'number' ? k : isAd(k) ? val(k) : undefined;
      if (pk !== undefined) reps.delete(pk);
    };
    if (isMap) {
      C = class extends ctor {
        #reps = new Map<number, unknown>();
        constructor(entries?: any) {
          super();
          if (entries !== undefined && entries !== null) {
            for (const e of entries) {
              if (!isObj(e)) throw new TypeError(`Iterator value ${String(e)} is not an entry object`);
              this.set(e[0], e[1]);
            }
          }
        }
        get(k: any): any { return super.get(keyOf(this.#reps, k, false)); }
        has(k: any): boolean { return super.has(keyOf(this.#reps, k, false)); }
        set(k: any, v: any): any { return super.set(keyOf(this.#reps, k, true), v); }
        delete(k: any): boolean {
          const r = super.delete(keyOf(this.#reps, k, false));
          if (r) unKey(this.#reps, k);
          return r;
        }
        clear(): void { this.#reps.clear(); super.clear(); }
      };
    } else {
      C = class extends ctor {
        #reps = new Map<number, unknown>();
        constructor(values?: any) {
          super();
          if (values !== undefined && values !== null) for (const v of values) this.add(v);
        }
        has(k: any): boolean { return super.has(keyOf(this.#reps, k, false)); }
        add(k: any): any { return super.add(keyOf(this.#reps, k, true)); }
        delete(k: any): boolean {
          const r = super.delete(keyOf(this.#reps, k, false));
          if (r) unKey(this.#reps, k);
          return r;
        }
        clear(): void { this.#reps.clear(); super.clear(); }
      };
    }
    Object.defineProperty(C, 'name', { value: ctor.name });
    collections.set(ctor, C);
    return C;
  }

  /** Does the object graph of x hold an AD value (arrays, plain objects, Maps, Sets)? */
  function holdsAd(x: any, seen: Set<unknown>): boolean {
    if (isAd(x)) return true;
    if (!isObj(x) || seen.has(x)) return false;
    seen.add(x);
    const tag = Object.prototype.toString.call(x);
    if (tag === '[object Map]') {
      for (const [k, v] of Map.prototype.entries.call(x) as IterableIterator<[unknown, unknown]>) if (holdsAd(k, seen) || holdsAd(v, seen)) return true;
      return false;
    }
    if (tag === '[object Set]') {
      for (const v of Set.prototype.values.call(x) as IterableIterator<unknown>) if (holdsAd(v, seen)) return true;
      return false;
    }
    if (!Array.isArray(x) && tag !== '[object Object]') return false;
    for (const k of Object.keys(x)) if (holdsAd(x[k], seen)) return true;
    return false;
  }
  /**
   * structuredClone that keeps AD values (a number's clone is the number). Values without one go to
   * the native `structuredClone` unchanged; with one, arrays, plain objects (class instances become
   * plain objects, as structured cloning does), Maps and Sets are copied here (cycles kept) and any
   * other object (Date, RegExp, typed arrays, ...) is cloned natively.
   */
  function clone(native: any, value: any, options?: any): any {
    if (!holdsAd(value, new Set())) return arguments.length > 2 ? native(value, options) : native(value);
    const memo = new Map<unknown, unknown>();
    const copy = (x: any): any => {
      if (isAd(x) || !isObj(x)) return typeof x === 'symbol' ? native(x) : x;
      if (memo.has(x)) return memo.get(x);
      const tag = Object.prototype.toString.call(x);
      if (tag === '[object Map]') {
        const m = new (coll(Map, true))();
        memo.set(x, m);
        for (const [k, v] of Map.prototype.entries.call(x) as IterableIterator<[unknown, unknown]>) m.set(copy(k), copy(v));
        return m;
      }
      if (tag === '[object Set]') {
        const st = new (coll(Set, false))();
        memo.set(x, st);
        for (const v of Set.prototype.values.call(x) as IterableIterator<unknown>) st.add(copy(v));
        return st;
      }
      if (Array.isArray(x)) {
        const a: any = new Array(x.length);
        memo.set(x, a);
        for (const k of Object.keys(x)) a[k] = copy((x as unknown as Record<string, unknown>)[k]);
        return a;
      }
      if (tag === '[object Object]' && typeof x !== 'function') {
        const o: Record<string, unknown> = {};
        memo.set(x, o);
        for (const k of Object.keys(x)) o[k] = copy(x[k]);
        return o;
      }
      const c = native(x); // Date, RegExp, typed arrays, errors ...; a function throws DataCloneError as natively
      memo.set(x, c);
      return c;
    };
    return copy(value);
  }

  const fns: Record<string, unknown> = {
    abs, acos, acosh, asin, asinh, atan, atanh, atan2, cbrt, ceil, cos, cosh, exp, expm1, floor, fround,
    hypot, log, log10, log1p, log2, max, min, pow, round, sign, sin, sinh, sqrt, tan, tanh, trunc,
  };
  const mathObj: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(Math)) {
    const value = (Math as unknown as Record<string, unknown>)[name];
    if (name in fns) {
      // a value (`arr.map(Math.sqrt)`): extra arguments (index, array) must not reach the site parameter
      const f = fns[name] as (...a: unknown[]) => unknown;
      mathObj[name] = name === 'max' || name === 'min' || name === 'hypot' ? f : name === 'atan2' || name === 'pow' ? (a: unknown, b: unknown) => f(a, b) : (a: unknown) => f(a);
    }
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
    S, AD: AdNum, reserve, finish, nff,
    ois, incl, idx, lidx, coll, clone,
    Math: mathObj,
    tape,
  };
  return runtime;
}
