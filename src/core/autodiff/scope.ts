// Lexical scope analysis for the autodiff rewriter: resolves every identifier reference to its
// binding (or to the global object), and infers which bindings can never hold an AD value
// ("non-AD": loop counters, lengths, strings, functions, ...) so the rewriter can leave plain
// arithmetic on them untouched. Pure TypeScript.

/* eslint-disable @typescript-eslint/no-explicit-any */
/** A loosely typed ESTree node (acorn output). */
export type N = any;

export type BindingKind =
  | 'var' | 'let' | 'const' | 'function' | 'class' | 'param' | 'catch' | 'import' | 'arguments' | 'fnexpr';

type Source =
  | { readonly kind: 'expr'; readonly node: N | null } // binding = node (null: undefined)
  | { readonly kind: 'op'; readonly node: N } // binding op= node
  | { readonly kind: 'update' } // ++ / --
  | { readonly kind: 'nonAD' } // e.g. for-in keys
  | { readonly kind: 'unknown' }; // destructuring, for-of, ...

export interface Binding {
  readonly name: string;
  readonly kind: BindingKind;
  readonly sources: Source[];
  /** Inferred: this binding never holds an AD value. */
  nonAD: boolean;
}

class Scope {
  readonly vars = new Map<string, Binding>();
  constructor(readonly parent: Scope | null, readonly isFunction: boolean) {}
  lookup(name: string): Binding | null {
    for (let s: Scope | null = this; s; s = s.parent) {
      const b = s.vars.get(name);
      if (b) return b;
    }
    return null;
  }
  declare(name: string, kind: BindingKind): Binding {
    let b = this.vars.get(name);
    if (!b) {
      b = { name, kind, sources: [], nonAD: true };
      this.vars.set(name, b);
    }
    return b;
  }
}

export interface ScopeInfo {
  /** Identifier reference (and binding-position) nodes → binding; null means a global (or undeclared) name. */
  readonly refs: Map<N, Binding | null>;
  readonly bindings: readonly Binding[];
  /** Is `e` an expression that can never evaluate to an AD value? */
  isNonAD(e: N): boolean;
  /** Is `node` an Identifier that refers to the global `name`? */
  isGlobal(node: N, name: string): boolean;
  /** `globalThis`, `window`, `self` or `global` (when not shadowed). */
  isGlobalObject(node: N): boolean;
  /** The global `Math` (`Math`, `globalThis.Math`, parenthesized or not). */
  isMathRef(node: N): boolean;
}

/** Name of a non-computed member (`a.b`) or of a string-literal computed one (`a['b']`), else null. */
export function memberName(m: N): string | null {
  if (!m.computed) return m.property.type === 'Identifier' ? m.property.name : null;
  const k = unparen(m.property);
  return k.type === 'Literal' && typeof k.value === 'string' ? k.value : null;
}

const isNode = (x: unknown): x is N => typeof x === 'object' && x !== null && typeof (x as N).type === 'string';
const SKIP_KEYS = new Set(['type', 'start', 'end', 'loc', 'range', 'raw', 'value', 'regex', 'bigint', 'operator', 'name', 'kind']);

/** Child nodes in source order (shorthand properties yield only their value). */
export function childNodes(node: N): N[] {
  if (node.type === 'Property' && node.shorthand) return [node.value];
  const out: N[] = [];
  for (const key of Object.keys(node)) {
    if (SKIP_KEYS.has(key) && !(key === 'value' && isNode(node.value))) continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const c of v) if (isNode(c)) out.push(c);
    } else if (isNode(v)) out.push(v);
  }
  out.sort((a, b) => a.start - b.start);
  return out;
}

/** Strips ParenthesizedExpression wrappers (the rewriter parses with `preserveParens`). */
export function unparen(node: N): N {
  while (node && node.type === 'ParenthesizedExpression') node = node.expression;
  return node;
}

/** Identifier nodes bound by a pattern. */
function patternNames(p: N, out: N[] = []): N[] {
  if (!p) return out;
  switch (p.type) {
    case 'Identifier': out.push(p); break;
    case 'ObjectPattern': for (const prop of p.properties) patternNames(prop.type === 'RestElement' ? prop.argument : prop.value, out); break;
    case 'ArrayPattern': for (const el of p.elements) patternNames(el, out); break;
    case 'AssignmentPattern': patternNames(p.left, out); break;
    case 'RestElement': patternNames(p.argument, out); break;
    case 'ParenthesizedExpression': patternNames(p.expression, out); break;
    default: break; // MemberExpression targets (in assignment patterns) bind nothing
  }
  return out;
}

const ARITH = new Set(['+', '-', '*', '/', '%', '**']);
const NON_AD_MATH_CALLS = new Set(['floor', 'ceil', 'round', 'trunc', 'sign', 'random', 'clz32', 'imul']);
const NON_AD_GLOBAL_CALLS = new Set(['Number', 'String', 'Boolean', 'parseFloat', 'parseInt', 'isNaN', 'isFinite', 'BigInt', 'Symbol']);
const GLOBAL_OBJECT_NAMES = new Set(['globalThis', 'window', 'self', 'global']);

export function analyzeScopes(program: N): ScopeInfo {
  const refs = new Map<N, Binding | null>();
  const bindings: Binding[] = [];

  const declare = (scope: Scope, id: N, kind: BindingKind): Binding => {
    const existed = scope.vars.get(id.name);
    const b = scope.declare(id.name, kind);
    if (!existed) bindings.push(b);
    refs.set(id, b);
    return b;
  };
  const declarePattern = (scope: Scope, pattern: N, kind: BindingKind): void => {
    for (const id of patternNames(pattern)) declare(scope, id, kind);
  };

  /** Hoists `var` declarations (not into nested functions) into a function scope. */
  const hoistVars = (scope: Scope, node: N): void => {
    if (!isNode(node)) return;
    switch (node.type) {
      case 'FunctionDeclaration': case 'FunctionExpression': case 'ArrowFunctionExpression':
      case 'ClassDeclaration': case 'ClassExpression':
        return;
      case 'VariableDeclaration':
        if (node.kind === 'var') for (const d of node.declarations) declarePattern(scope, d.id, 'var');
        for (const d of node.declarations) if (d.init) hoistVars(scope, d.init);
        return;
      default:
        if (node.type.endsWith('Expression') && node.type !== 'SequenceExpression') return; // no declarations inside
        for (const c of childNodes(node)) hoistVars(scope, c);
    }
  };
  /** Declares let/const/class/function/import of a statement list in its block scope. */
  const hoistLexical = (scope: Scope, stmts: readonly N[]): void => {
    for (let s of stmts) {
      if ((s.type === 'ExportNamedDeclaration' || s.type === 'ExportDefaultDeclaration') && s.declaration) s = s.declaration;
      if (s.type === 'VariableDeclaration' && s.kind !== 'var') for (const d of s.declarations) declarePattern(scope, d.id, s.kind);
      else if (s.type === 'FunctionDeclaration' && s.id) declare(scope, s.id, 'function');
      else if (s.type === 'ClassDeclaration' && s.id) declare(scope, s.id, 'class');
      else if (s.type === 'ImportDeclaration') for (const sp of s.specifiers) declare(scope, sp.local, 'import');
    }
  };

  const resolve = (scope: Scope, id: N): Binding | null => {
    const b = scope.lookup(id.name);
    refs.set(id, b);
    return b;
  };

  /** Visits the expressions inside a binding/assignment pattern (defaults, computed keys, member targets). */
  const visitPattern = (scope: Scope, p: N, isAssignment: boolean): void => {
    if (!p) return;
    switch (p.type) {
      case 'Identifier':
        if (isAssignment) {
          const b = resolve(scope, p);
          if (b) b.sources.push({ kind: 'unknown' });
        }
        return;
      case 'ObjectPattern':
        for (const prop of p.properties) {
          if (prop.type === 'RestElement') visitPattern(scope, prop.argument, isAssignment);
          else {
            if (prop.computed) visit(scope, prop.key);
            visitPattern(scope, prop.value, isAssignment);
          }
        }
        return;
      case 'ArrayPattern': for (const el of p.elements) visitPattern(scope, el, isAssignment); return;
      case 'AssignmentPattern': visitPattern(scope, p.left, isAssignment); visit(scope, p.right); return;
      case 'RestElement': visitPattern(scope, p.argument, isAssignment); return;
      case 'ParenthesizedExpression': visitPattern(scope, p.expression, isAssignment); return;
      default: visit(scope, p); // MemberExpression target
    }
  };

  const visitFunction = (outer: Scope, fn: N): void => {
    const scope = new Scope(outer, true);
    if (fn.type === 'FunctionExpression' && fn.id) declare(scope, fn.id, 'fnexpr');
    if (fn.type !== 'ArrowFunctionExpression') scope.declare('arguments', 'arguments');
    for (const param of fn.params) declarePattern(scope, param, 'param');
    for (const b of scope.vars.values()) if (b.kind === 'param') b.sources.push({ kind: 'unknown' });
    for (const param of fn.params) visitPattern(scope, param, false);
    if (fn.body.type === 'BlockStatement') {
      hoistVars(scope, fn.body);
      hoistLexical(scope, fn.body.body);
      for (const s of fn.body.body) visit(scope, s);
    } else visit(scope, fn.body);
  };

  const visitClass = (scope: Scope, cls: N): void => {
    let inner = scope;
    if (cls.type === 'ClassExpression' && cls.id) {
      inner = new Scope(scope, false);
      declare(inner, cls.id, 'class');
    } else if (cls.id) resolve(scope, cls.id);
    if (cls.superClass) visit(inner, cls.superClass);
    for (const m of cls.body.body) {
      if (m.type === 'StaticBlock') {
        const s = new Scope(inner, true);
        hoistVars(s, { type: 'BlockStatement', body: m.body });
        hoistLexical(s, m.body);
        for (const st of m.body) visit(s, st);
        continue;
      }
      if (m.computed) visit(inner, m.key);
      if (m.value) {
        visit(inner, m.value);
      }
    }
  };

  const visitDeclarations = (scope: Scope, decl: N, loopSource: Source | null): void => {
    for (const d of decl.declarations) {
      visitPattern(scope, d.id, false);
      if (d.init) visit(scope, d.init);
      const ids = patternNames(d.id);
      for (const id of ids) {
        const b = refs.get(id) ?? resolve(scope, id);
        if (!b) continue;
        if (loopSource) b.sources.push(loopSource);
        else if (d.id.type === 'Identifier') b.sources.push({ kind: 'expr', node: d.init ?? null });
        else b.sources.push({ kind: 'unknown' });
      }
    }
  };

  const visit = (scope: Scope, node: N): void => {
    if (!isNode(node)) return;
    switch (node.type) {
      case 'Identifier':
        resolve(scope, node);
        return;
      case 'FunctionDeclaration':
        if (node.id) resolve(scope, node.id);
        visitFunction(scope, node);
        return;
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        visitFunction(scope, node);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression':
        visitClass(scope, node);
        return;
      case 'BlockStatement': {
        const s = new Scope(scope, false);
        hoistLexical(s, node.body);
        for (const st of node.body) visit(s, st);
        return;
      }
      case 'ForStatement': {
        const s = node.init?.type === 'VariableDeclaration' && node.init.kind !== 'var' ? new Scope(scope, false) : scope;
        if (s !== scope) hoistLexical(s, [node.init]);
        if (node.init?.type === 'VariableDeclaration') visitDeclarations(s, node.init, null);
        else visit(s, node.init);
        visit(s, node.test);
        visit(s, node.update);
        visit(s, node.body);
        return;
      }
      case 'ForInStatement':
      case 'ForOfStatement': {
        const src: Source = node.type === 'ForInStatement' ? { kind: 'nonAD' } : { kind: 'unknown' };
        const left = node.left;
        const s = left.type === 'VariableDeclaration' && left.kind !== 'var' ? new Scope(scope, false) : scope;
        if (s !== scope) hoistLexical(s, [left]);
        visit(s, node.right);
        if (left.type === 'VariableDeclaration') visitDeclarations(s, left, src);
        else if (unparen(left).type === 'Identifier') {
          const b = resolve(s, unparen(left));
          if (b) b.sources.push(src);
        } else visitPattern(s, left, true);
        visit(s, node.body);
        return;
      }
      case 'SwitchStatement': {
        visit(scope, node.discriminant);
        const s = new Scope(scope, false);
        hoistLexical(s, node.cases.flatMap((c: N) => c.consequent));
        for (const c of node.cases) {
          visit(s, c.test);
          for (const st of c.consequent) visit(s, st);
        }
        return;
      }
      case 'CatchClause': {
        const s = new Scope(scope, false);
        if (node.param) {
          declarePattern(s, node.param, 'catch');
          for (const b of s.vars.values()) b.sources.push({ kind: 'unknown' });
          visitPattern(s, node.param, false);
        }
        visit(s, node.body);
        return;
      }
      case 'VariableDeclaration':
        visitDeclarations(scope, node, null);
        return;
      case 'AssignmentExpression': {
        const left = unparen(node.left);
        if (left.type === 'Identifier') {
          const b = resolve(scope, left);
          if (b) b.sources.push(node.operator === '=' ? { kind: 'expr', node: node.right } : ARITH.has(node.operator) ? { kind: 'op', node: node.right } : { kind: 'unknown' });
        } else if (left.type === 'ObjectPattern' || left.type === 'ArrayPattern') visitPattern(scope, left, true);
        else visit(scope, left);
        visit(scope, node.right);
        return;
      }
      case 'UpdateExpression': {
        const arg = unparen(node.argument);
        if (arg.type === 'Identifier') {
          const b = resolve(scope, arg);
          if (b) b.sources.push({ kind: 'update' });
        } else visit(scope, arg);
        return;
      }
      case 'MemberExpression':
        visit(scope, node.object);
        if (node.computed) visit(scope, node.property);
        return;
      case 'Property':
        if (node.computed) visit(scope, node.key);
        visit(scope, node.value);
        return;
      case 'MethodDefinition':
      case 'PropertyDefinition':
        if (node.computed) visit(scope, node.key);
        visit(scope, node.value);
        return;
      case 'LabeledStatement':
        visit(scope, node.body);
        return;
      case 'BreakStatement': case 'ContinueStatement': case 'MetaProperty': case 'ThisExpression': case 'Super':
      case 'PrivateIdentifier': case 'ImportDeclaration': case 'Literal': case 'TemplateElement':
        return;
      case 'ExportNamedDeclaration':
        if (node.declaration) visit(scope, node.declaration);
        else if (!node.source) for (const sp of node.specifiers) resolve(scope, sp.local);
        return;
      case 'ExportAllDeclaration':
        return;
      default:
        for (const c of childNodes(node)) visit(scope, c);
    }
  };

  const top = new Scope(null, true);
  hoistVars(top, program);
  hoistLexical(top, program.body);
  for (const s of program.body) visit(top, s);

  // ---- non-AD inference: optimistic start, then remove bindings with a possibly-AD source until stable
  for (const b of bindings) {
    if (b.kind === 'param' || b.kind === 'catch' || b.kind === 'import') b.nonAD = false;
  }
  const isGlobal = (node: N, name: string): boolean =>
    node?.type === 'Identifier' && node.name === name && refs.has(node) && refs.get(node) === null;
  const isGlobalObject = (node: N): boolean => {
    node = unparen(node);
    return node?.type === 'Identifier' && GLOBAL_OBJECT_NAMES.has(node.name) && refs.get(node) === null;
  };
  const isMathRef = (node: N): boolean => {
    node = unparen(node);
    return isGlobal(node, 'Math') || (node?.type === 'MemberExpression' && isGlobalObject(unparen(node.object)) && memberName(node) === 'Math');
  };

  const isNonAD = (e: N): boolean => {
    if (!e) return true;
    switch (e.type) {
      case 'ParenthesizedExpression':
        return isNonAD(e.expression);
      case 'Literal': case 'TemplateLiteral': case 'ArrayExpression':
      case 'FunctionExpression': case 'ArrowFunctionExpression': case 'ClassExpression':
      case 'ThisExpression':
        return true;
      // An object is not an AD value, but arithmetic on it calls its valueOf / Symbol.toPrimitive, which
      // may return one (`{ valueOf: () => p.x * 3 } * 2`, a Date minus another): not provably non-AD.
      case 'ObjectExpression': case 'NewExpression':
        return false;
      case 'Identifier': {
        const b = refs.get(e);
        return b === undefined ? false : b === null ? true : b.nonAD;
      }
      case 'UnaryExpression':
        return e.operator === '-' || e.operator === '+' ? isNonAD(e.argument) : true;
      case 'BinaryExpression':
        return ARITH.has(e.operator) ? isNonAD(e.left) && isNonAD(e.right) : true;
      case 'LogicalExpression':
        return isNonAD(e.left) && isNonAD(e.right);
      case 'ConditionalExpression':
        return isNonAD(e.consequent) && isNonAD(e.alternate);
      case 'SequenceExpression':
        return isNonAD(e.expressions[e.expressions.length - 1]);
      case 'AssignmentExpression':
        if (e.operator === '=') return isNonAD(e.right);
        return unparen(e.left).type === 'Identifier' && isNonAD(unparen(e.left)) && isNonAD(e.right);
      case 'UpdateExpression':
        return unparen(e.argument).type === 'Identifier' && isNonAD(unparen(e.argument));
      case 'MemberExpression': {
        const name = memberName(e);
        if (name === 'length') return true;
        if (isMathRef(e.object) && name !== null && typeof (Math as unknown as Record<string, unknown>)[name] === 'number') return true;
        return false;
      }
      case 'CallExpression': {
        const c = unparen(e.callee);
        if (c.type === 'MemberExpression') {
          const name = memberName(c);
          if (name !== null && isMathRef(c.object)) return NON_AD_MATH_CALLS.has(name);
          if (name !== null && isGlobal(unparen(c.object), 'Number')) return true;
          return false;
        }
        return c.type === 'Identifier' && NON_AD_GLOBAL_CALLS.has(c.name) && refs.get(c) === null;
      }
      default:
        return false;
    }
  };
  const sourceNonAD = (s: Source): boolean => {
    switch (s.kind) {
      case 'expr': return isNonAD(s.node);
      case 'op': return isNonAD(s.node);
      case 'update': case 'nonAD': return true;
      default: return false;
    }
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const b of bindings) {
      if (b.nonAD && !b.sources.every(sourceNonAD)) {
        b.nonAD = false;
        changed = true;
      }
    }
  }
  return { refs, bindings, isNonAD, isGlobal, isGlobalObject, isMathRef };
}
