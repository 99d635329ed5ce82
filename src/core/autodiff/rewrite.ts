// Source rewrite for reverse-mode AD: arithmetic, comparisons, truthiness tests and Math calls of
// the WHOLE module are routed through the runtime object `__ad` (runtime.ts), so they work on AD
// values. The rewrite splices the original text (it never re-prints the program): every line of
// the output is the same line of the input, only columns move, and a location map records how.
//
// Pure TypeScript (acorn is pure JS): no Node, DOM or vscode APIs.

import { parse } from 'acorn';
import { AutodiffError } from './errors';
import { DIFFERENTIABLE_MATH } from './runtime';
import { analyzeScopes, childNodes, memberName, unparen, type N, type ScopeInfo } from './scope';

/** The identifier rewritten code uses for the runtime. */
export const AD_IDENTIFIER = '__ad';
/** Global the prologue reads in `runtimeBinding: 'global'` mode. */
export const AD_GLOBAL = '__optimizerDiagnosticsAd';

export interface AutodiffWarning {
  readonly fileName: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  readonly message: string;
}

export interface RewriteOptions {
  /**
   * How the rewritten code reaches the runtime:
   *  - `'free'` (default): it references a free identifier `__ad`; the evaluator must bind it
   *    (a parameter of a wrapper function, or a global property named `__ad`).
   *  - `'global'`: the code starts with `const __ad = globalThis.__optimizerDiagnosticsAd;`
   *    (on line 1, so lines still match); set that global before evaluating the module.
   */
  readonly runtimeBinding?: 'free' | 'global';
  /**
   * First site id this module's operations get (default 0). Modules that share one runtime (a loss
   * file and the files it imports) need disjoint ids: pass the previous module's `siteBase + sites.length`.
   */
  readonly siteBase?: number;
}

/**
 * An arithmetic operation or Math call of the user's code, by site id (`RewriteResult.sites[id - siteBase]`):
 * what `tape.nonFinite()` names when a value becomes NaN or ±∞. Positions are 1-based, in the JavaScript
 * handed to `rewriteForAutodiff`.
 */
export type AdSite =
  | { readonly kind: 'op'; readonly op: string; readonly line: number; readonly column: number }
  | { readonly kind: 'fused'; readonly line: number; readonly column: number; readonly tree: SiteTree };

/** A fused expression tree: leaves (operand index), constants, operations with their positions. */
export type SiteTree =
  | { readonly leaf: number }
  | { readonly c: number }
  | { readonly op: string; readonly line: number; readonly column: number; readonly args: readonly SiteTree[] };

/**
 * A construct that can make the automatic gradient's forward value differ from the plain loss
 * (native code that sees value objects instead of numbers); named when the check finds a difference.
 */
export interface ValueRisk {
  readonly line: number;
  readonly column: number;
  readonly construct: string;
}

/**
 * Output of `rewriteForAutodiff`. Plain data (structured-cloneable, e.g. across a worker boundary).
 * Line N of `code` is line N of the input; `originalPosition` maps columns exactly.
 */
export interface RewriteResult {
  /** Rewritten JS, still an ES module (imports, `export default` ... kept as written). */
  readonly code: string;
  readonly fileName: string;
  /** Non-fatal findings, e.g. `Math.random()` (a non-deterministic loss). */
  readonly warnings: readonly AutodiffWarning[];
  /**
   * Location map, flat triples `[generatedOffset, originalOffset, length]` sorted by generated
   * offset: `length >= 0` is text copied from the original, `-1` is inserted text attributed to
   * `originalOffset`. Use `originalPosition`.
   */
  readonly map: readonly number[];
  /** Offsets at which each line of the original source starts. */
  readonly sourceLineStarts: readonly number[];
  /** First site id of this module (`RewriteOptions.siteBase`). */
  readonly siteBase: number;
  /** Operations by site id − siteBase (see `describeNonFinite`). */
  readonly sites: readonly AdSite[];
  /** Constructs that may make the forward value differ from the plain loss, in source order. */
  readonly valueRisks: readonly ValueRisk[];
}

const VALUE = 0;
const TEST = 1;
const DISCARD = 2;
type Ctx = typeof VALUE | typeof TEST | typeof DISCARD;

const ARITH_FN: Readonly<Record<string, string>> = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '%': 'mod', '**': 'pow' };
const CMP_FN: Readonly<Record<string, string>> = {
  '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '==': 'eq', '!=': 'ne', '===': 'seq', '!==': 'sne',
};
const BIT_FN: Readonly<Record<string, string>> = { '&': 'band', '|': 'bor', '^': 'bxor', '<<': 'shl', '>>': 'shr', '>>>': 'ushr' };
const SEARCH_METHODS: Readonly<Record<string, string>> = { includes: 'incl', indexOf: 'idx', lastIndexOf: 'lidx' };
/** Math functions whose runtime call takes a site id after its fixed arguments. */
const SITED_MATH_ARITY: ReadonlyMap<string, number> = new Map([
  ...['abs', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cbrt', 'cos', 'cosh', 'exp', 'expm1',
    'log', 'log10', 'log1p', 'log2', 'sin', 'sinh', 'sqrt', 'tan', 'tanh'].map((n): [string, number] => [n, 1]),
  ['atan2', 2], ['pow', 2], ['hypot', 2],
]);
const CONVERSION_METHODS = new Set(['toFixed', 'toPrecision', 'toExponential', 'toString', 'toLocaleString', 'valueOf']);
const BOOLEAN_METHODS = new Set(['isArray', 'isFinite', 'isNaN', 'isInteger', 'isSafeInteger', 'includes', 'some', 'every', 'has', 'startsWith', 'endsWith', 'test']);
const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!=', '===', '!==', 'in', 'instanceof']);

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 0x2028 || c === 0x2029 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return starts;
}
const countNewlines = (text: string): number => lineStarts(text).length - 1;

/** Output buffer with a generated → original location map. */
class Out {
  private readonly parts: string[] = [];
  len = 0;
  readonly map: number[] = [];
  constructor(private readonly src: string) {}
  copy(from: number, to: number): void {
    if (to <= from) return;
    const m = this.map, last = m.length - 3;
    if (last >= 0 && m[last + 2] >= 0 && m[last] + m[last + 2] === this.len && m[last + 1] + m[last + 2] === from) m[last + 2] += to - from;
    else m.push(this.len, from, to - from);
    this.parts.push(this.src.slice(from, to));
    this.len += to - from;
  }
  synth(text: string, origin: number): void {
    if (!text) return;
    this.map.push(this.len, origin, -1);
    this.parts.push(text);
    this.len += text.length;
  }
  toString(): string {
    return this.parts.join('');
  }
}

/**
 * Rewrites a loss module so that its arithmetic runs on AD values (see README.md in this folder).
 * Throws `AutodiffError` (with the user's file, line and column) for constructs that can never be
 * differentiated (`eval`, `new Function`, `with`, the reserved identifier `__ad`, a syntax error).
 */
export function rewriteForAutodiff(jsSource: string, fileName: string, options: RewriteOptions = {}): RewriteResult {
  const src = jsSource;
  const program = parseLossModule(src, fileName);
  const info: ScopeInfo = analyzeScopes(program);
  return rewriteParsed(src, fileName, program, info, options);
}

/**
 * The AD's parse of a loss module (acorn ESTree with locations and parentheses kept): shared by the rewrite and
 * by the PyTorch export's translator (src/core/torchTranslate.ts). Throws `AutodiffError` for a `with` statement
 * or a file that does not parse.
 */
export function parseLossModule(jsSource: string, fileName: string): N {
  try {
    return parse(jsSource, { ecmaVersion: 'latest', sourceType: 'module', locations: true, preserveParens: true, allowHashBang: true });
  } catch (e) {
    const loc = (e as { loc?: { line: number; column: number } }).loc;
    const msg = (e instanceof Error ? e.message : String(e)).replace(/ \(\d+:\d+\)$/, '');
    if (/'with' in strict mode/.test(msg)) {
      throw new AutodiffError(fileName, loc?.line ?? 0, (loc?.column ?? -1) + 1, 'a with statement', 'its scope is only known at run time');
    }
    throw new AutodiffError(fileName, loc?.line ?? 0, (loc?.column ?? -1) + 1, 'this file', `it does not parse as an ES module: ${msg}`);
  }
}

function rewriteParsed(src: string, fileName: string, program: N, info: ScopeInfo, options: RewriteOptions): RewriteResult {
  const out = new Out(src);
  const warnings: AutodiffWarning[] = [];

  const posOf = (node: N): { line: number; column: number } => ({ line: node.loc.start.line, column: node.loc.start.column + 1 });
  const site = (node: N): string => {
    const p = posOf(node);
    return JSON.stringify(`${fileName}:${p.line}:${p.column}`);
  };
  const fail = (node: N, construct: string, detail = ''): never => {
    const p = posOf(node);
    throw new AutodiffError(fileName, p.line, p.column, construct, detail);
  };
  const siteBase = options.siteBase ?? 0;
  const sites: AdSite[] = [];
  const valueRisks: ValueRisk[] = [];
  const addSite = (site: AdSite): number => sites.push(site) - 1 + siteBase;
  const opSite = (node: N, op: string): number => addSite({ kind: 'op', op, ...posOf(node) });
  const risk = (node: N, construct: string): void => { valueRisks.push({ ...posOf(node), construct }); };
  const warnedAt = new Set<number>();
  const warn = (node: N, message: string): void => {
    if (warnedAt.has(node.start)) return;
    warnedAt.add(node.start);
    const p = posOf(node);
    warnings.push({ fileName, line: p.line, column: p.column, message });
  };
  const isGlobalRef = (node: N, name: string): boolean => info.isGlobal(unparen(node), name);

  /** Position of operator `op` in src[from, to) (skipping whitespace, comments and parentheses). */
  const findOp = (from: number, to: number, op: string): number => {
    let i = from;
    while (i < to) {
      const ch = src[i];
      if (ch === '(' || ch === ')' || /\s/.test(ch)) { i++; continue; }
      if (ch === '/' && src[i + 1] === '/') {
        while (i < to && !/[\n\r\u2028\u2029]/.test(src[i])) i++;
        continue;
      }
      if (ch === '/' && src[i + 1] === '*') {
        const e = src.indexOf('*/', i + 2);
        i = e < 0 ? to : e + 2;
        continue;
      }
      if (src.startsWith(op, i)) return i;
      break;
    }
    throw new Error(`autodiff rewriter: operator ${op} not found at offset ${from} of ${fileName}`);
  };
  const replaceOp = (from: number, to: number, op: string, text: string): void => {
    const i = findOp(from, to, op);
    if (!/^[ \t]*$/.test(src.slice(from, i))) out.copy(from, i); // `a + b` → `add(a, b)`, not `add(a , b)`
    out.synth(text, i);
    out.copy(i + op.length, to);
  };
  /** Position of the `(` that opens a call's arguments, at or after `from` (skipping whitespace and comments). */
  const findParen = (from: number): number => {
    let i = from;
    while (i < src.length) {
      const ch = src[i];
      if (ch === '(') return i;
      if (ch === '/' && src[i + 1] === '/') {
        while (i < src.length && !/[\n\r\u2028\u2029]/.test(src[i])) i++;
        continue;
      }
      if (ch === '/' && src[i + 1] === '*') {
        const e = src.indexOf('*/', i + 2);
        i = e < 0 ? src.length : e + 2;
        continue;
      }
      i++;
    }
    throw new Error(`autodiff rewriter: no ( after offset ${from} of ${fileName}`);
  };
  /**
   * A call `callee(args)` emitted as `head first, args)`: `emitFirst` writes the first argument of the
   * runtime function (the receiver, or the native function), the original arguments follow as written.
   */
  const callWith = (node: N, head: string, firstEnd: number, emitFirst: () => void, calleeEnd: number): void => {
    out.synth(head, node.start);
    emitFirst();
    const paren = findParen(calleeEnd);
    keepLines(firstEnd, paren);
    const args: N[] = node.arguments;
    if (args.length) out.synth(', ', paren);
    let cur = paren + 1;
    for (const a of args) {
      out.copy(cur, a.start);
      emit(a);
      cur = a.end;
    }
    out.copy(cur, node.end);
  };
  /** Re-inserts the line breaks of src[from, to) that the rewrite drops, minus those of `kept` ranges. */
  const keepLines = (from: number, to: number, kept: readonly N[] = []): void => {
    let k = countNewlines(src.slice(from, to));
    for (const n of kept) k -= countNewlines(src.slice(n.start, n.end));
    if (k > 0) out.synth('\n'.repeat(k), to);
  };

  // ------------------------------------------------------------------ classification helpers
  const isStringConstant = (e: N): boolean => {
    const u = unparen(e);
    return (u.type === 'Literal' && typeof u.value === 'string') || u.type === 'TemplateLiteral';
  };
  const isBoolean = (e: N): boolean => {
    const u = unparen(e);
    switch (u.type) {
      case 'BinaryExpression': return COMPARISONS.has(u.operator);
      case 'UnaryExpression': return u.operator === '!' || u.operator === 'delete';
      case 'Literal': return typeof u.value === 'boolean';
      case 'LogicalExpression': return u.operator !== '??' && isBoolean(u.left) && isBoolean(u.right);
      case 'ConditionalExpression': return isBoolean(u.consequent) && isBoolean(u.alternate);
      case 'CallExpression': {
        const c = unparen(u.callee);
        if (c.type === 'MemberExpression') {
          const name = memberName(c);
          return name !== null && BOOLEAN_METHODS.has(name);
        }
        return c.type === 'Identifier' && (c.name === 'isNaN' || c.name === 'isFinite') && info.refs.get(c) === null;
      }
      default: return false;
    }
  };
  /** Operand for which a native comparison equals the comparison of primal values. */
  const isNonNumericConstant = (e: N, loose: boolean): boolean => {
    const u = unparen(e);
    if (u.type === 'Identifier') return u.name === 'undefined' && info.refs.get(u) === null;
    if (u.type === 'UnaryExpression') return u.operator === 'void' || (!loose && u.operator === 'typeof');
    if (u.type === 'Literal') return loose ? u.value === null : u.value === null || typeof u.value === 'string' || typeof u.value === 'boolean' || u.regex !== undefined || u.bigint !== undefined;
    return !loose && u.type === 'TemplateLiteral';
  };
  const isSimpleObject = (o: N): boolean => {
    const u = unparen(o);
    return u.type === 'Identifier' || u.type === 'ThisExpression' || (u.type === 'MemberExpression' && isSimpleMember(u));
  };
  const isSimpleMember = (m: N): boolean => {
    if (m.type !== 'MemberExpression' || m.optional || unparen(m.object).type === 'Super' || !isSimpleObject(m.object)) return false;
    if (!m.computed) return true;
    const k = unparen(m.property);
    return k.type === 'Identifier' || k.type === 'Literal';
  };
  const canUseRuntimeMember = (m: N): boolean =>
    m.type === 'MemberExpression' && !m.optional && unparen(m.object).type !== 'Super' && m.property.type !== 'PrivateIdentifier';
  const emitKey = (m: N): void => {
    if (m.computed) emit(m.property);
    else out.synth(JSON.stringify(m.property.name), m.property.start);
  };

  // ------------------------------------------------------------------ fused expression trees
  // A maximal tree of arithmetic ops and Math calls with >= 2 ops becomes a call of a generated
  // module-level helper `__ad_fK(leaf0, leaf1, ...)` (leaves evaluated in source order, exactly
  // as JS would). The helper computes the primal natively (same operations, same order: the same
  // bits) and the local partials of the whole tree symbolically, and records ONE tape node.
  const fusionEnabled = !info.bindings.some((b) => b.name === 'Math');
  const helpers = new Map<string, string>(); // helper body → name
  const helperOrder: string[] = [];
  const isNumLiteral = (u: N): boolean => u.type === 'Literal' && typeof u.value === 'number';
  const fusableMath = (u: N): string | null => {
    if (u.type !== 'CallExpression' || u.optional) return null;
    const c = unparen(u.callee);
    if (c.type !== 'MemberExpression' || c.optional || c !== u.callee) return null;
    const name = memberName(c);
    if (name === null || !info.isMathRef(c.object) || !FUSED_MATH_ARITY.has(name)) return null;
    const args: N[] = u.arguments;
    if (args.some((a) => a.type === 'SpreadElement')) return null;
    const arity = FUSED_MATH_ARITY.get(name)!;
    if (arity > 0 ? args.length !== arity : args.length === 0) return null;
    return name;
  };
  const buildTree = (node: N, leaves: N[]): FNode => {
    const u = unparen(node);
    if (isNumLiteral(u)) return { kind: 'const', text: u.raw };
    if (u.type === 'UnaryExpression' && u.operator === '-' && isNumLiteral(unparen(u.argument))) return { kind: 'const', text: `(-${unparen(u.argument).raw})` };
    if (u.type === 'BinaryExpression' && ARITH_FN[u.operator] && !info.isNonAD(u)) {
      return { kind: 'op', op: u.operator, at: u, args: [buildTree(u.left, leaves), buildTree(u.right, leaves)] };
    }
    if (u.type === 'UnaryExpression' && (u.operator === '-' || u.operator === '+') && !info.isNonAD(u.argument)) {
      return { kind: 'op', op: u.operator === '-' ? 'neg' : 'pos', at: u, args: [buildTree(u.argument, leaves)] };
    }
    const math = fusableMath(u);
    if (math !== null) return { kind: 'op', op: `Math.${math}`, at: u, args: u.arguments.map((a: N) => buildTree(a, leaves)) };
    leaves.push(node);
    return { kind: 'leaf', index: leaves.length - 1 };
  };
  const countOps = (t: FNode): number => (t.kind === 'op' ? 1 + t.args.reduce((n, a) => n + countOps(a), 0) : 0);
  // leaf CSE: a side-effect-free reference (x, a.b, a[i], this.w[0]) that occurs twice in a tree
  // whose leaves are all such references is passed once, its partials summed
  const bindingIds = new Map<unknown, number>();
  const pureKey = (node: N): string | null => {
    const u = unparen(node);
    if (u.type === 'ThisExpression') return 'this';
    if (u.type === 'Identifier') {
      const b = info.refs.get(u);
      if (b === undefined) return null;
      if (b === null) return `global:${u.name}`;
      let id = bindingIds.get(b);
      if (id === undefined) bindingIds.set(b, (id = bindingIds.size));
      return `b${id}`;
    }
    if (u.type === 'MemberExpression' && !u.optional && u.property.type !== 'PrivateIdentifier') {
      const obj = pureKey(u.object);
      if (obj === null) return null;
      if (!u.computed) return `${obj}.${u.property.name}`;
      const k = unparen(u.property);
      if (k.type === 'Literal' && (typeof k.value === 'number' || typeof k.value === 'string')) return `${obj}[${JSON.stringify(k.value)}]`;
      const key = pureKey(k);
      return key === null ? null : `${obj}[${key}]`;
    }
    return null;
  };
  /** Merges repeated pure leaves (only when every leaf is pure, so no leaf can change another). */
  const dedupeLeaves = (tree: FNode, leaves: N[]): { tree: FNode; leaves: N[] } => {
    const keys = leaves.map(pureKey);
    if (keys.some((k) => k === null) || new Set(keys).size === keys.length) return { tree, leaves };
    const first = new Map<string, number>();
    const kept: N[] = [];
    const remap = keys.map((k, j) => {
      let idx = first.get(k!);
      if (idx === undefined) {
        first.set(k!, (idx = kept.length));
        kept.push(leaves[j]);
      }
      return idx;
    });
    const re = (t: FNode): FNode => (t.kind === 'leaf' ? { kind: 'leaf', index: remap[t.index] } : t.kind === 'op' ? { ...t, args: t.args.map(re) } : t);
    return { tree: re(tree), leaves: kept };
  };

  /** Emits a fused call for `tree` if it is worth it; returns false to fall back to single ops. */
  function tryFuse(tree0: FNode, leaves0: N[], node: N): boolean {
    if (!fusionEnabled || leaves0.length === 0 || countOps(tree0) < 2) return false;
    const { tree, leaves } = dedupeLeaves(tree0, leaves0);
    const { fast, adBody, slowBody } = generateHelper(tree, leaves.length);
    let name = helpers.get(fast + adBody + slowBody);
    if (!name) {
      name = `__ad_f${helpers.size}`;
      helpers.set(fast + adBody + slowBody, name);
      const params = leaves.map((_, j) => `a${j}`).join(', ');
      helperOrder.push(`function ${name}(s, ${params}) {${fast.replace('NAMEx(', `${name}x(s, `)}}`);
      helperOrder.push(`function ${name}x(s, ${params}) {${adBody.replace('NAMEo(', `${name}o(`)}}`);
      helperOrder.push(`function ${name}o(${params}) {${slowBody}}`);
    }
    const toSite = (t: FNode): SiteTree => (t.kind === 'leaf' ? { leaf: t.index } : t.kind === 'const' ? { c: Number(t.text.replace(/[()]/g, '')) }
      : { op: t.op, ...posOf(t.at ?? node), args: t.args.map(toSite) });
    const sid = addSite({ kind: 'fused', ...posOf(node), tree: toSite(tree) });
    out.synth(`${name}(${sid}, `, node.start);
    let prev = node.start;
    leaves.forEach((leaf, j) => {
      if (j > 0) out.synth(', ', leaf.start);
      if (leaf.start >= prev) keepLines(prev, leaf.start); // (a compound assignment's target lies before `node`)
      emit(leaf);
      prev = Math.max(prev, leaf.end);
    });
    keepLines(prev, node.end);
    out.synth(')', node.end);
    return true;
  }

  // ------------------------------------------------------------------ emitters
  /**
   * Copies node's text from `from`, emitting each child (in source order) with the context
   * `ctxOf(child)`; `special(child)` may emit a child itself and return true.
   */
  function generic(node: N, from: number = node.start, ctxOf?: (c: N) => Ctx, special?: (c: N) => boolean): void {
    let cur = from;
    for (const c of childNodes(node)) {
      if (c.start < cur) continue;
      out.copy(cur, c.start);
      if (!special || !special(c)) emitIn(c, ctxOf ? ctxOf(c) : VALUE);
      cur = c.end;
    }
    out.copy(cur, node.end);
  }
  function emitIn(node: N, ctx: Ctx): void {
    if (ctx === TEST) emitTest(node);
    else emit(node, ctx);
  }
  /** Emits `__ad.<fn>(` child `<suffix>)` in place of a child. */
  function wrap(c: N, fn: string, suffix = ''): void {
    out.synth(`__ad.${fn}(`, c.start);
    emit(c);
    out.synth(`${suffix})`, c.end);
  }

  /** An expression whose truthiness is tested: AD values are truthy iff their value is nonzero. */
  function emitTest(node: N): void {
    if (node.type === 'ParenthesizedExpression') {
      out.copy(node.start, node.expression.start);
      emitTest(node.expression);
      out.copy(node.expression.end, node.end);
    } else if (node.type === 'LogicalExpression' && node.operator !== '??') {
      generic(node, node.start, () => TEST);
    } else if (node.type === 'ConditionalExpression') {
      generic(node, node.start, () => TEST);
    } else if (isBoolean(node) || info.isNonAD(node)) {
      emit(node);
    } else {
      wrap(node, 'truthy');
    }
  }

  function emit(node: N, ctx: Ctx = VALUE): void {
    switch (node.type) {
      case 'Identifier': return emitIdentifier(node);
      case 'ParenthesizedExpression':
        out.copy(node.start, node.expression.start);
        emitIn(node.expression, ctx);
        out.copy(node.expression.end, node.end);
        return;
      case 'BinaryExpression': return emitBinary(node);
      case 'UnaryExpression': return emitUnary(node);
      case 'UpdateExpression': return emitUpdate(node, ctx === DISCARD);
      case 'AssignmentExpression': return emitAssignment(node);
      case 'LogicalExpression': return emitLogical(node);
      case 'ConditionalExpression':
        return generic(node, node.start, (c) => (c === node.test ? TEST : ctx));
      case 'IfStatement': case 'WhileStatement': case 'DoWhileStatement':
        return generic(node, node.start, (c) => (c === node.test ? TEST : VALUE));
      case 'ForStatement':
        return generic(node, node.start, (c) => (c === node.test ? TEST : c === node.init || c === node.update ? DISCARD : VALUE));
      case 'ExpressionStatement':
        return generic(node, node.start, () => DISCARD);
      case 'SequenceExpression': {
        const last = node.expressions[node.expressions.length - 1];
        return generic(node, node.start, (c) => (c === last ? ctx : DISCARD));
      }
      case 'CallExpression': return emitCall(node);
      case 'NewExpression': return emitNew(node);
      case 'MemberExpression': return emitMember(node);
      case 'TemplateLiteral':
        return generic(node, node.start, undefined, (c) => {
          if (c.type === 'TemplateElement' || info.isNonAD(c)) return false;
          wrap(c, 'chk', `, "a template literal \`\${...}\` of a parameter-dependent value", ${site(c)}`);
          return true;
        });
      case 'TaggedTemplateExpression': // the tag receives the values themselves: no conversion
        return generic(node, node.start, undefined, (c) => {
          if (c !== node.quasi) return false;
          generic(c);
          return true;
        });
      case 'SwitchStatement':
        return generic(node, node.start, undefined, (c) => {
          if (c !== node.discriminant || info.isNonAD(c)) return false;
          wrap(c, 'sw');
          return true;
        });
      case 'SwitchCase':
        return generic(node, node.start, undefined, (c) => {
          if (c !== node.test || info.isNonAD(c)) return false;
          wrap(c, 'sw');
          return true;
        });
      case 'Property':
        if (node.shorthand && node.value.type === 'Identifier' && info.isGlobal(node.value, 'Math')) {
          out.copy(node.start, node.end);
          out.synth(': __ad.Math', node.end);
          return;
        }
        return generic(node);
      case 'WithStatement':
        return fail(node, 'a with statement', 'its scope is only known at run time');
      case 'ImportDeclaration': {
        const from = String(node.source.value);
        if (/^(node:)?(util|assert)(\/strict)?$/.test(from)) risk(node, `a function of the Node module '${from}' (it is not rewritten and sees value objects, not numbers)`);
        return generic(node);
      }
      default:
        return generic(node);
    }
  }

  function emitIdentifier(node: N): void {
    const b = info.refs.get(node);
    if ((node.name === AD_IDENTIFIER || node.name.startsWith(`${AD_IDENTIFIER}_`)) && b !== undefined) {
      fail(node, `the identifier ${node.name}`, `names starting with ${AD_IDENTIFIER} are reserved for the autodiff runtime; rename it`);
    }
    if (b === null) {
      if (node.name === 'Math') return out.synth('__ad.Math', node.start);
      if (node.name === 'Set' || node.name === 'Map') risk(node, `a ${node.name} not created by new ${node.name}(...) (e.g. a subclass or an alias: its keys compare value objects, not numbers)`);
      else if (node.name === 'WeakMap' || node.name === 'WeakSet') risk(node, `a ${node.name} (its keys compare value objects, not numbers)`);
      else if (node.name === 'structuredClone') risk(node, 'structuredClone through an alias (it copies value objects into plain objects)');
      if (node.name === 'eval') fail(node, 'eval', 'code evaluated at run time cannot be rewritten');
    }
    out.copy(node.start, node.end);
  }

  function emitBinary(node: N): void {
    const op: string = node.operator;
    const arith = ARITH_FN[op], cmp = CMP_FN[op], bit = BIT_FN[op];
    const fn = arith ?? cmp ?? bit;
    if (!fn || (info.isNonAD(node.left) && info.isNonAD(node.right))) return generic(node);
    if (arith) {
      const leaves: N[] = [];
      if (tryFuse(buildTree(node, leaves), leaves, node)) return;
    }
    if (cmp) {
      const loose = op === '==' || op === '!=';
      if (isNonNumericConstant(node.left, loose) || isNonNumericConstant(node.right, loose)) return generic(node);
    }
    out.synth(`__ad.${fn}(`, node.start);
    emit(node.left);
    replaceOp(node.left.end, node.right.start, op, ',');
    emit(node.right);
    out.copy(node.right.end, node.end);
    out.synth(bit ? `, ${site(node)})` : arith ? `, ${opSite(node, op)})` : ')', node.end);
  }

  function emitUnary(node: N): void {
    const op: string = node.operator, arg = node.argument;
    const opEnd = node.start + op.length;
    const around = (prefix: string, suffix: string, inner: () => void): void => {
      out.synth(prefix, node.start);
      out.copy(opEnd, arg.start);
      inner();
      out.copy(arg.end, node.end);
      out.synth(suffix, node.end);
    };
    switch (op) {
      case '-': case '+': {
        if (info.isNonAD(arg)) return generic(node);
        const leaves: N[] = [];
        if (tryFuse(buildTree(node, leaves), leaves, node)) return;
        return around(op === '-' ? '__ad.neg(' : '__ad.pos(', ')', () => emit(arg));
      }
      case '!':
        if (info.isNonAD(arg) || isBoolean(arg)) return generic(node);
        out.copy(node.start, arg.start);
        emitTest(arg);
        out.copy(arg.end, node.end);
        return;
      case '~':
        if (info.isNonAD(arg)) return generic(node);
        return around('__ad.bnot(', `, ${site(node)})`, () => emit(arg));
      case 'typeof': {
        const u = unparen(arg);
        if (info.isNonAD(arg) || (u.type === 'Identifier' && info.refs.get(u) === null)) return generic(node);
        return around('__ad.typeOf(', ')', () => emit(arg));
      }
      default:
        return generic(node);
    }
  }

  function emitUpdate(node: N, discard: boolean): void {
    const target = unparen(node.argument);
    if (target.type === 'Identifier' && info.isNonAD(target)) return generic(node);
    const fn = node.operator === '++' ? 'inc' : 'dec';
    if (target.type === 'Identifier' || isSimpleMember(target)) {
      const T = (): void => emit(target);
      if (discard) {
        T(); out.synth(` = __ad.${fn}(`, node.start); T(); out.synth(')', node.end);
      } else if (node.prefix) {
        out.synth('__ad.id(', node.start); T(); out.synth(` = __ad.${fn}(`, node.start); T(); out.synth('))', node.end);
      } else {
        out.synth('__ad.post(', node.start); T(); out.synth(', ', node.start); T();
        out.synth(` = __ad.${fn}(`, node.start); T(); out.synth('))', node.end);
      }
      keepLines(node.start, node.end, [target]);
      return;
    }
    if (canUseRuntimeMember(target)) {
      out.synth('__ad.upd(', node.start);
      emit(target.object);
      out.synth(', ', target.object.end);
      emitKey(target);
      out.synth(`, ${fn === 'inc' ? 1 : -1}, ${node.prefix ? 'true' : 'false'})`, node.end);
      keepLines(node.start, node.end, target.computed ? [target.object, target.property] : [target.object]);
      return;
    }
    generic(node);
  }

  function emitAssignment(node: N): void {
    const op: string = node.operator;
    const target = unparen(node.left);
    if (op === '=' || op === '??=') return generic(node);
    if (target.type === 'Identifier' && info.isNonAD(target) && info.isNonAD(node.right)) return generic(node);
    const base = op.slice(0, -1);
    const fn = ARITH_FN[base] ?? BIT_FN[base];
    if (fn) {
      const bit = BIT_FN[base] !== undefined;
      if (target.type === 'Identifier' || isSimpleMember(target)) {
        if (!bit) {
          // T op= R  →  T = __ad_fK(T, leaves of R...) when R is itself an expression tree
          const leaves: N[] = [target];
          const tree: FNode = { kind: 'op', op: base, at: node, args: [{ kind: 'leaf', index: 0 }, buildTree(node.right, leaves)] };
          if (countOps(tree) >= 2 && fusionEnabled) {
            emit(node.left);
            const i = findOp(node.left.end, node.right.start, op);
            out.copy(node.left.end, i);
            out.synth('= ', i);
            out.copy(i + op.length, node.right.start);
            tryFuse(tree, leaves, node.right);
            out.copy(node.right.end, node.end);
            return;
          }
        }
        // T op= R  →  T = __ad.fn(T, R)
        emit(node.left);
        const i = findOp(node.left.end, node.right.start, op);
        out.copy(node.left.end, i);
        out.synth(`= __ad.${fn}(`, i);
        emit(target);
        out.synth(', ', i);
        out.copy(i + op.length, node.right.start);
        emit(node.right);
        out.copy(node.right.end, node.end);
        out.synth(bit ? `, ${site(node)})` : `, ${opSite(node, base)})`, node.end);
        return;
      }
      if (!bit && canUseRuntimeMember(target)) {
        // obj[key] op= R  →  __ad.cput(__ad.cget(obj, key), __ad.fn, R): obj and key evaluated once, in order
        out.synth('__ad.cput(__ad.cget(', node.start);
        emit(target.object);
        out.synth(', ', target.object.end);
        emitKey(target);
        out.synth(`), __ad.${fn}, `, node.right.start);
        keepLines(node.start, node.right.start, target.computed ? [target.object, target.property] : [target.object]);
        emit(node.right);
        out.copy(node.right.end, node.end);
        out.synth(')', node.end);
        return;
      }
      return generic(node);
    }
    if ((op === '||=' || op === '&&=') && (target.type === 'Identifier' || isSimpleMember(target))) {
      // T ||= R  →  __ad.id(__ad.truthy(T) ? T : T = R);  T &&= R  →  __ad.id(__ad.truthy(T) ? T = R : T)
      const assign = (): void => {
        emit(node.left);
        replaceOp(node.left.end, node.right.start, op, '=');
        emit(node.right);
        out.copy(node.right.end, node.end);
      };
      out.synth('__ad.id(__ad.truthy(', node.start);
      emit(target);
      out.synth(') ? ', node.start);
      if (op === '||=') { emit(target); out.synth(' : ', node.start); assign(); } else { assign(); out.synth(' : ', node.end); emit(target); }
      out.synth(')', node.end);
      return;
    }
    generic(node);
  }

  function emitLogical(node: N): void {
    const op: string = node.operator;
    if (op === '??' || info.isNonAD(node.left) || isBoolean(node.left)) return generic(node);
    // the left operand may be an AD value: its truthiness must follow the primal value
    out.synth('__ad.id(__ad.truthy(__ad.$ = ', node.start);
    emit(node.left);
    const i = findOp(node.left.end, node.right.start, op);
    out.copy(node.left.end, i);
    out.synth(op === '||' ? ') ? __ad.$ : ' : ') ? ', i);
    out.copy(i + op.length, node.right.start);
    emit(node.right);
    out.copy(node.right.end, node.end);
    out.synth(op === '||' ? ')' : ' : __ad.$)', node.end);
  }

  /** Call or `new` whose first argument is wrapped in `__ad.chk` (conversions) or `__ad.sw` (predicates). */
  function wrapFirstArg(node: N, fn: 'chk' | 'sw', construct = ''): void {
    const a = node.arguments[0];
    if (!a || a.type === 'SpreadElement' || info.isNonAD(a)) return generic(node);
    generic(node, node.start, undefined, (c) => {
      if (c !== a) return false;
      wrap(c, fn, fn === 'chk' ? `, ${JSON.stringify(construct)}, ${site(node)}` : '');
      return true;
    });
  }

  function emitCall(node: N): void {
    const callee = unparen(node.callee);
    if (callee.type === 'Identifier' && info.refs.get(callee) === null) {
      switch (callee.name) {
        case 'eval': return fail(node, 'eval(...)', 'code evaluated at run time cannot be rewritten');
        case 'Function': return fail(node, 'Function(...)', 'code built at run time cannot be rewritten');
        case 'Number': case 'String': case 'parseFloat': case 'parseInt': case 'BigInt':
          return wrapFirstArg(node, 'chk', `${callee.name}(...) on a parameter-dependent value`);
        case 'isNaN': case 'isFinite':
          return wrapFirstArg(node, 'sw');
        case 'structuredClone':
          // structuredClone(x) → __ad.clone(structuredClone, x): AD values are kept, not copied into plain objects
          if (node.optional || node.callee !== callee) break;
          return callWith(node, '__ad.clone(', callee.end, () => out.copy(callee.start, callee.end), callee.end);
        default: break;
      }
    }
    if (callee.type === 'MemberExpression' && !node.optional && !callee.optional && node.callee === callee && unparen(callee.object).type !== 'Super') {
      const name = memberName(callee);
      if (name === 'is' && isGlobalRef(callee.object, 'Object')) {
        // Object.is(a, b) → __ad.ois(a, b): on the numbers, as plain JS sees them
        out.synth('__ad.ois', callee.start);
        return generic(node, callee.end);
      }
      if (name !== null && Object.hasOwn(SEARCH_METHODS, name) && !isStringConstant(callee.object)) {
        // a.includes(x) → __ad.incl(a, x): arrays are searched by value (a parameter's value object is not the number)
        return callWith(node, `__ad.${SEARCH_METHODS[name]}(`, callee.object.end, () => emit(callee.object), callee.end);
      }
    }
    if (callee.type === 'MemberExpression' && (node.optional || callee.optional)) {
      const name = memberName(callee);
      if (name !== null && Object.hasOwn(SEARCH_METHODS, name)) risk(node, `an optional call ?.${name}(...) (it compares value objects, not numbers)`);
    }
    if (callee.type === 'MemberExpression') {
      const name = memberName(callee);
      if (name !== null && info.isMathRef(callee.object)) return emitMathCall(node, name);
      if (name !== null && isGlobalRef(callee.object, 'Number')) {
        if (name === 'parseFloat' || name === 'parseInt') return wrapFirstArg(node, 'chk', `Number.${name}(...) on a parameter-dependent value`);
        if (name === 'isFinite' || name === 'isNaN' || name === 'isInteger' || name === 'isSafeInteger') return wrapFirstArg(node, 'sw');
      }
      if (name !== null && (name === 'eval' || name === 'Function') && info.isGlobalObject(callee.object)) {
        return fail(node, `${name}(...)`, 'code evaluated at run time cannot be rewritten');
      }
      if (name !== null && !callee.computed && CONVERSION_METHODS.has(name) && node.callee === callee
        && unparen(callee.object).type !== 'Super' && !info.isNonAD(callee.object)) {
        // x.toFixed(...)  →  __ad.chk(x, "...", site).toFixed(...)
        out.synth('__ad.chk(', callee.start);
        emit(callee.object);
        out.synth(`, ${JSON.stringify(`x.${name}(...) on a parameter-dependent value`)}, ${site(callee.property)})`, callee.object.end);
        generic(callee, callee.object.end);
        generic(node, callee.end);
        return;
      }
    }
    generic(node);
  }

  function emitMathCall(node: N, name: string): void {
    if (name === 'random') {
      warn(node, 'Math.random() makes the loss non-deterministic: each evaluation (and each numeric-gradient probe) sees other random numbers');
      return out.copy(node.start, node.end);
    }
    if (DIFFERENTIABLE_MATH.has(name)) {
      const leaves: N[] = [];
      if (tryFuse(buildTree(node, leaves), leaves, node)) return;
      const args: N[] = node.arguments;
      const fixed = args.length === 2 && !args.some((a) => a.type === 'SpreadElement');
      const fn = fixed && (name === 'max' || name === 'min' || name === 'hypot') ? `${name}2` : name;
      out.synth(`__ad.${fn}`, node.callee.start);
      if (args.length > 0 && SITED_MATH_ARITY.get(name) === args.length && !args.some((a) => a.type === 'SpreadElement')) {
        // __ad.sqrt(x, <site>): the site id follows the fixed arguments
        const last = args[args.length - 1];
        generic(node, node.callee.end, undefined, (c) => {
          emit(c);
          if (c === last) out.synth(`, ${opSite(node, `Math.${name}`)}`, c.end);
          return true;
        });
        return;
      }
      generic(node, node.callee.end);
      return;
    }
    // a Math function without a derivative rule: native call, arguments checked
    out.copy(node.start, node.callee.end);
    generic(node, node.callee.end, undefined, (c) => {
      if (c.type === 'SpreadElement' || info.isNonAD(c)) return false;
      wrap(c, 'chk', `, ${JSON.stringify(`Math.${name}(...) on a parameter-dependent value`)}, ${site(node)}`);
      return true;
    });
  }

  function emitNew(node: N): void {
    const callee = unparen(node.callee);
    if (callee.type === 'Identifier' && info.refs.get(callee) === null) {
      if (callee.name === 'Function') return fail(node, 'new Function(...)', 'code built at run time cannot be rewritten');
      if (callee.name === 'Number' || callee.name === 'String') return wrapFirstArg(node, 'chk', `new ${callee.name}(...) on a parameter-dependent value`);
      if ((callee.name === 'Set' || callee.name === 'Map') && node.callee === callee) {
        // new Set(...) → new (__ad.coll(Set, false))(...): keys compare by value
        out.copy(node.start, callee.start);
        out.synth('(__ad.coll(', callee.start);
        out.copy(callee.start, callee.end);
        out.synth(`, ${callee.name === 'Map'}))`, callee.end);
        return generic(node, callee.end);
      }
    }
    generic(node);
  }

  function emitMember(node: N): void {
    if (info.isMathRef(node)) return out.synth('__ad.Math', node.start); // globalThis.Math
    const name = memberName(node);
    if (info.isMathRef(node.object)) {
      if (name === 'random') warn(node, 'Math.random makes the loss non-deterministic: each evaluation (and each numeric-gradient probe) sees other random numbers');
      if (name !== null && typeof (Math as unknown as Record<string, unknown>)[name] === 'number') return out.copy(node.start, node.end);
      return generic(node); // Math.exp as a value → __ad.Math.exp (AD-aware)
    }
    if (name !== null && (name === 'eval' || name === 'Function') && info.isGlobalObject(node.object)) {
      return fail(node, name, 'code evaluated at run time cannot be rewritten');
    }
    if (name === 'is' && isGlobalRef(node.object, 'Object')) risk(node, 'Object.is through an alias (it compares value objects, not numbers)');
    else if (name !== null && Object.hasOwn(SEARCH_METHODS, name) && !node.computed && !isStringConstant(node.object)) risk(node, `.${name} used as a value or through call/apply (it compares value objects, not numbers)`);
    generic(node);
  }

  // ------------------------------------------------------------------ run
  if (options.runtimeBinding === 'global') {
    // on the first line (after a hashbang line, if any), so every line keeps its number
    let at = 0;
    if (src.startsWith('#!')) {
      const m = /\r\n|[\n\r\u2028\u2029]/.exec(src);
      at = m ? m.index + m[0].length : src.length;
    }
    out.copy(0, at);
    out.synth(`${at === src.length && at > 0 ? '\n' : ''}const ${AD_IDENTIFIER} = globalThis.${AD_GLOBAL}; `, at);
    generic(program, at);
  } else {
    generic(program);
  }
  if (helperOrder.length) out.synth(`\n${helperOrder.join('\n')}\n`, src.length);

  return {
    code: out.toString(),
    fileName,
    warnings,
    map: out.map,
    sourceLineStarts: lineStarts(src),
    siteBase,
    sites,
    valueRisks,
  };
}

// ------------------------------------------------------------------ fused helper generation
type FNode =
  | { readonly kind: 'leaf'; readonly index: number }
  | { readonly kind: 'const'; readonly text: string }
  | { readonly kind: 'op'; readonly op: string; readonly args: readonly FNode[]; /** the AST node (position only) */ readonly at?: unknown };

/** Math functions a fused tree may contain, with their arity (0: variadic, at least one argument). */
const FUSED_MATH_ARITY: ReadonlyMap<string, number> = new Map([
  ...['abs', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cbrt', 'cos', 'cosh', 'exp', 'expm1', 'fround',
    'log', 'log10', 'log1p', 'log2', 'sin', 'sinh', 'sqrt', 'tan', 'tanh'].map((n): [string, number] => [n, 1]),
  ['atan2', 2], ['pow', 2], ['max', 0], ['min', 0], ['hypot', 0],
]);
const BINARY_RUNTIME_FN: Readonly<Record<string, string>> = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '%': 'mod', '**': 'pow' };

const hasLeaf = (t: FNode): boolean => t.kind === 'leaf' || (t.kind === 'op' && t.args.some(hasLeaf));

/** `g * e` with the trivial factors folded (multiplying by 1 is exact, so folding changes no bits). */
function times(g: string, e: string): string {
  if (g === '1') return e;
  if (e === '1') return g;
  return `${g} * ${e}`;
}

/**
 * Bodies of the two functions of a fused helper for `tree` over parameters a0..a{k-1}: `fast`
 * (native arithmetic when every operand is a number, else a call of NAMEx; NAME is replaced by
 * the helper's name) and `adBody` (primal + symbolic reverse sweep over the tree + one tape node,
 * or the op-by-op runtime path for operands that are neither numbers nor AD values).
 */
function generateHelper(tree: FNode, k: number): { fast: string; adBody: string; slowBody: string } {
  const params = Array.from({ length: k }, (_, j) => `a${j}`);
  // all-number operands: the original expression, natively
  const native = (t: FNode): string => {
    if (t.kind === 'leaf') return `a${t.index}`;
    if (t.kind === 'const') return t.text;
    const a = t.args.map(native);
    if (t.op === 'neg') return `(-${a[0]})`;
    if (t.op === 'pos') return `(+${a[0]})`;
    if (t.op.startsWith('Math.')) return `${t.op}(${a.join(', ')})`;
    return `(${a[0]} ${t.op} ${a[1]})`;
  };
  // exotic operands (strings, objects, ...): the op-by-op runtime keeps JS semantics and errors
  const opByOp = (t: FNode): string => {
    if (t.kind === 'leaf') return `a${t.index}`;
    if (t.kind === 'const') return t.text;
    const a = t.args.map(opByOp);
    if (t.op === 'neg' || t.op === 'pos') return `__ad.${t.op}(${a[0]})`;
    if (t.op.startsWith('Math.')) {
      const name = t.op.slice(5);
      const fn = a.length === 2 && (name === 'max' || name === 'min' || name === 'hypot') ? `${name}2` : name;
      return `__ad.${fn}(${a.join(', ')})`;
    }
    return `__ad.${BINARY_RUNTIME_FN[t.op]}(${a[0]}, ${a[1]})`;
  };

  const lines: string[] = [];
  lines.push('const S = __ad.S, VAL = S.VAL, AD = __ad.AD;');
  params.forEach((p) => lines.push(`if (typeof ${p} !== 'number' && !(${p} instanceof AD && ${p}.s === S)) break ad;`));
  lines.push(`const ${params.map((p, j) => `v${j} = typeof ${p} === 'number' ? ${p} : VAL[${p}.i]`).join(', ')};`);

  // primal, post-order: each op node gets a temp
  let temps = 0;
  const valueOf = new Map<FNode, string>();
  const primal = (t: FNode): string => {
    if (t.kind === 'leaf') return `v${t.index}`;
    if (t.kind === 'const') return t.text;
    const a = t.args.map(primal);
    const name = `t${temps++}`;
    let expr: string;
    if (t.op === 'neg') expr = `-${a[0]}`;
    else if (t.op === 'pos') expr = a[0];
    else if (t.op.startsWith('Math.')) expr = `${t.op}(${a.join(', ')})`;
    else expr = `${a[0]} ${t.op} ${a[1]}`;
    lines.push(`const ${name} = ${expr};`);
    valueOf.set(t, name);
    return name;
  };
  const root = primal(tree);
  // the first NaN/±∞ of the evaluation: remember the site and the leaf values (nothing allocated otherwise)
  lines.push(`if (${root} - ${root} !== 0) __ad.nff(s, ${params.map((_, j) => `v${j}`).join(', ')});`);

  // reverse sweep over the tree (each node has one parent, so each adjoint is one expression)
  const leafAdjoint: string[] = params.map(() => '0');
  let gtemps = 0;
  const sweep = (t: FNode, g: string): void => {
    if (t.kind === 'const') return;
    if (t.kind === 'leaf') { leafAdjoint[t.index] = leafAdjoint[t.index] === '0' ? g : `${leafAdjoint[t.index]} + ${g}`; return; }
    const x = t.args.map((a) => (a.kind === 'op' ? valueOf.get(a)! : a.kind === 'leaf' ? `v${a.index}` : a.text));
    const v = valueOf.get(t)!;
    const neg = (e: string): string => (e === '1' ? '-1' : e === '-1' ? '1' : `-(${e})`);
    const child = (j: number, expr0: string): void => {
      const c = t.args[j];
      if (!hasLeaf(c)) return;
      // a zero adjoint never propagates (0 × ∞ is taken as 0), as in the tape's reverse sweep
      const expr = g === '1' || g === '-1' || expr0 === g || expr0 === neg(g) ? expr0 : `${g} === 0 ? 0 : ${expr0}`;
      if (c.kind === 'leaf') { sweep(c, expr === expr0 ? expr : `(${expr})`); return; }
      if (expr === '1' || /^g\d+$/.test(expr)) { sweep(c, expr); return; }
      const name = `g${gtemps++}`;
      lines.push(`const ${name} = ${expr};`);
      sweep(c, name);
    };
    switch (t.op) {
      case '+': child(0, g); child(1, g); return;
      case '-': child(0, g); child(1, neg(g)); return;
      case '*': child(0, times(g, x[1])); child(1, times(g, x[0])); return;
      case '/': child(0, `${g} / ${x[1]}`); child(1, `${neg(g)} * ${v} / ${x[1]}`); return;
      case '%': child(0, g); child(1, times(neg(g), `Math.trunc(${x[0]} / ${x[1]})`)); return;
      case '**': case 'Math.pow': {
        const c = t.args[1];
        let dx: string;
        if (c.kind === 'const' && Number.isFinite(Number(c.text.replace(/[()]/g, '')))) {
          const y = Number(c.text.replace(/[()]/g, ''));
          dx = y === 0 ? '0' : y === 1 ? '1' : y === 2 ? `2 * ${x[0]}` : `${y} * ${x[0]} ** ${y - 1}`;
        } else dx = `(${x[1]} === 0 ? 0 : ${x[1]} * ${x[0]} ** (${x[1]} - 1))`;
        child(0, times(g, dx));
        child(1, times(g, `(${x[0]} === 0 && ${x[1]} >= 0 ? 0 : ${v} * Math.log(${x[0]}))`));
        return;
      }
      case 'neg': child(0, neg(g)); return;
      case 'pos': case 'Math.fround': child(0, g); return;
      case 'Math.exp': child(0, times(g, v)); return;
      case 'Math.expm1': child(0, times(g, `Math.exp(${x[0]})`)); return;
      case 'Math.log': child(0, `${g} / ${x[0]}`); return;
      case 'Math.log1p': child(0, `${g} / (1 + ${x[0]})`); return;
      case 'Math.log2': child(0, `${g} / (${x[0]} * Math.LN2)`); return;
      case 'Math.log10': child(0, `${g} / (${x[0]} * Math.LN10)`); return;
      case 'Math.sqrt': child(0, `${g} / (2 * ${v})`); return;
      case 'Math.cbrt': child(0, `${g} / (3 * ${v} * ${v})`); return;
      case 'Math.abs': child(0, times(g, `(${x[0]} > 0 ? 1 : ${x[0]} < 0 ? -1 : ${x[0]} === 0 ? 0 : NaN)`)); return;
      case 'Math.sin': child(0, times(g, `Math.cos(${x[0]})`)); return;
      case 'Math.cos': child(0, times(g, `-Math.sin(${x[0]})`)); return;
      case 'Math.tan': child(0, times(g, `(1 + ${v} * ${v})`)); return;
      case 'Math.asin': child(0, `${g} / Math.sqrt(1 - ${x[0]} * ${x[0]})`); return;
      case 'Math.acos': child(0, `${neg(g)} / Math.sqrt(1 - ${x[0]} * ${x[0]})`); return;
      case 'Math.atan': child(0, `${g} / (1 + ${x[0]} * ${x[0]})`); return;
      case 'Math.sinh': child(0, times(g, `Math.cosh(${x[0]})`)); return;
      case 'Math.cosh': child(0, times(g, `Math.sinh(${x[0]})`)); return;
      case 'Math.tanh': child(0, times(g, `(1 - ${v} * ${v})`)); return;
      case 'Math.asinh': child(0, `${g} / Math.sqrt(${x[0]} * ${x[0]} + 1)`); return;
      case 'Math.acosh': child(0, `${g} / Math.sqrt((${x[0]} - 1) * (${x[0]} + 1))`); return;
      case 'Math.atanh': child(0, `${g} / (1 - ${x[0]} * ${x[0]})`); return;
      case 'Math.atan2': {
        const q = `q${gtemps++}`;
        lines.push(`const ${q} = ${x[1]} * ${x[1]} + ${x[0]} * ${x[0]};`);
        child(0, `${g} * ${x[1]} / ${q}`);
        child(1, `${neg(g)} * ${x[0]} / ${q}`);
        return;
      }
      case 'Math.max': case 'Math.min': {
        // the gradient goes to the first argument attaining the result (ties: first)
        const sel = `k${gtemps++}`;
        const pick = x.slice(0, -1).map((xi, j) => `${xi} === ${v} || ${xi} !== ${xi} ? ${j} : `).join('');
        lines.push(`const ${sel} = ${pick}${x.length - 1};`);
        x.forEach((_, j) => child(j, `(${sel} === ${j} ? ${g} : 0)`));
        return;
      }
      case 'Math.hypot':
        x.forEach((xi, j) => child(j, `(${v} === 0 ? 0 : ${g} * ${xi} / ${v})`));
        return;
      default:
        throw new Error(`autodiff rewriter: no fused rule for ${t.op}`);
    }
  };
  sweep(tree, '1');
  // record one node: an edge per AD operand (at least one operand is AD on this path)
  lines.push(`let e = S.ec;`);
  lines.push(`if (e + ${k} > S.ecap) __ad.reserve(${k});`);
  lines.push('const EP = S.EP, EW = S.EW;');
  params.forEach((p, j) => lines.push(`if (typeof ${p} !== 'number') { EP[e] = ${p}.i; EW[e] = ${leafAdjoint[j]}; e++; }`));
  lines.push('S.ec = e;');
  lines.push(`return __ad.finish(${root});`);
  // operands that are neither numbers nor AD values (strings, objects, ...): op by op, JS semantics
  const adBody = `\n  ad: {\n    ${lines.join('\n    ')}\n  }\n  return NAMEo(${params.join(', ')});\n`;
  const slowBody = `\n  return ${opByOp(tree)};\n`;
  // all-number operands: the original expression, natively (small enough for V8 to inline)
  const fast = `\n  return ${params.map((p) => `typeof ${p} === 'number'`).join(' && ')} ? ${native(tree)} : NAMEx(${params.join(', ')});\n`;
  return { fast, adBody, slowBody };
}

/**
 * Maps a position in `result.code` (1-based line and column, e.g. from a stack trace of the
 * evaluated module) to the user's source. Lines are unchanged by the rewrite; columns are mapped.
 */
export function originalPosition(result: RewriteResult, line: number, column: number): { line: number; column: number } {
  const genStarts = lineStarts(result.code);
  const l = Math.min(Math.max(line, 1), genStarts.length);
  const gen = genStarts[l - 1] + Math.max(column - 1, 0);
  const m = result.map;
  let lo = 0, hi = m.length / 3 - 1, k = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (m[mid * 3] <= gen) { k = mid; lo = mid + 1; } else hi = mid - 1;
  }
  let orig = 0;
  if (k >= 0) {
    const len = m[k * 3 + 2];
    orig = m[k * 3 + 1] + (len >= 0 ? Math.min(gen - m[k * 3], len) : 0);
  }
  const starts = result.sourceLineStarts;
  let lo2 = 0, hi2 = starts.length - 1;
  while (lo2 < hi2) {
    const mid = (lo2 + hi2 + 1) >> 1;
    if (starts[mid] <= orig) lo2 = mid; else hi2 = mid - 1;
  }
  return { line: lo2 + 1, column: orig - starts[lo2] + 1 };
}
