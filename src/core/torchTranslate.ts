// Loss files → PyTorch (issue 13 §1): the `loss` of a loss file's default export, and the module-level
// declarations it uses, translated from the AD's own parse of the file (autodiff/rewrite.ts parseLossModule:
// the same acorn tree the automatic gradient rewrites) into Python over 0-d torch tensors. Pure.
//
// The translatable subset (README "Export as a PyTorch script"): numbers, strings, booleans, arithmetic
// `+ - * / % **`, comparisons, `&& || !`, `?:`, the differentiable `Math` functions and constants, `let/const/var`
// (destructuring of objects and arrays by name), assignments and compound assignments, `++/--` as statements,
// `if/else`, `for`, `for...of`, `while`, `do...while`, `break`, `continue`, `return`, helper functions (declarations,
// function expressions, arrows; closures assign outer variables through `nonlocal`), arrays (literals, spread,
// indexing, `.length`, `.push`, `.map`, `.reduce`, `.filter`, `.forEach`, `.some`, `.every`, `.slice`,
// `Array.from({ length: n }, f)`), objects and data rows (`r.x1`), reductions written as loops or `.reduce`.
// Anything else — `switch`, `try`, classes, `new`, `this`, template strings, `typeof`, `??`, getters, bitwise
// operators, assignments inside expressions, shadowing a name of an enclosing block — is refused with a
// `TorchTranslateError` at its file:line:column, never translated approximately.

import { parseLossModule } from './autodiff/rewrite';
import { analyzeScopes, type N } from './autodiff/scope';

export class TorchTranslateError extends Error {
  override readonly name = 'TorchTranslateError';
  constructor(
    readonly fileName: string,
    readonly line: number,
    readonly column: number,
    readonly construct: string,
    detail = '',
  ) {
    super(`${fileName}:${line}:${column}: cannot translate ${construct} to PyTorch${detail ? ` (${detail})` : ''}; the export supports the subset listed in the README (Export as a PyTorch script)`);
  }
}

export interface TranslatedLoss {
  /** Python: the needed module-level declarations, then `def loss(p, batch):`, then `DATA_ROWS = …` for inline data. */
  readonly python: string;
  /** The `data` of the default export: a file path as written, inline rows (DATA_ROWS in `python`), or none. */
  readonly data: { readonly kind: 'file'; readonly ref: string } | { readonly kind: 'code' } | undefined;
}

const MATH_FUNCTIONS = new Set(['exp', 'expm1', 'log', 'log1p', 'log2', 'log10', 'sqrt', 'cbrt', 'pow', 'abs', 'sign', 'sin', 'cos', 'tan',
  'asin', 'acos', 'atan', 'atan2', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh', 'max', 'min', 'hypot', 'floor', 'ceil', 'round', 'trunc', 'fround']);
const MATH_CONSTANTS = new Set(['PI', 'E', 'LN2', 'LN10', 'LOG2E', 'LOG10E', 'SQRT2', 'SQRT1_2']);
const ARRAY_HELPERS: Readonly<Record<string, string>> = {
  map: '_map', reduce: '_reduce', filter: '_filter', forEach: '_foreach', some: '_some', every: '_every', slice: '_slice',
};

/** Python keywords, builtins the script uses, and the script's own globals: a loss file's names are renamed `name_js`. */
const RESERVED = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except',
  'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try',
  'while', 'with', 'yield', 'match', 'case', 'print', 'len', 'range', 'float', 'int', 'abs', 'sum', 'list', 'dict', 'iter', 'next',
  'enumerate', 'zip', 'any', 'all', 'isinstance', 'str', 'min', 'max', 'round', 'bool', 'map', 'filter', 'sorted', 'pow', 'type', 'object',
  'torch', 'math', 'json', 'csv', 'os', 'sys', 'inspect', 'theta', 'optimizer', 'optimizer_step', 'main', 'loss', 'loss_at', 'grad',
  'TRAIN', 'ROWS', 'BATCHES', 'DATA_FILE', 'DATA_ROWS', 'OURS_PARAMS', 'OURS_LOSS', 'START', 'DIM', 'STEPS', 'PARAM_NAMES', 'OPTIMIZER',
  'HYPERPARAMETERS', 'H', 'BY_HAND', 'OPTIM_KWARGS', 'RTOL', 'ATOL', 'momentum_buffer', 'exp_avg', 'Math',
]);

/** A JavaScript identifier as a Python name. */
function pyName(name: string): string {
  if (name.startsWith('_')) return `v${name}`;
  if (name.includes('$')) return name.replace(/\$/g, '_S_');
  return RESERVED.has(name) ? `${name}_js` : name;
}

const unparen = (n: N): N => (n && n.type === 'ParenthesizedExpression' ? unparen(n.expression) : n);

interface FnCtx {
  /** Names declared in this function (params and declarations). */
  readonly declared: Set<string>;
  /** Names assigned in this function that it does not declare: nonlocal/global. */
  readonly assignedOuter: Set<string>;
  readonly topLevel: boolean;
}

export function translateLossModule(js: string, fileName: string): TranslatedLoss {
  const program = parseLossModule(js, fileName);
  const scopes = analyzeScopes(program);
  const fail = (node: N, construct: string, detail = ''): never => {
    throw new TorchTranslateError(fileName, node?.loc?.start.line ?? 0, (node?.loc?.start.column ?? -1) + 1, construct, detail);
  };

  // ---- the module's top level: declarations by name
  const topDecls = new Map<string, N>(); // name → VariableDeclarator | FunctionDeclaration
  let exported: N | null = null;
  for (const st of program.body) {
    const decl = st.type === 'ExportNamedDeclaration' ? st.declaration : st;
    if (st.type === 'ExportDefaultDeclaration') exported = st.declaration;
    else if (decl?.type === 'VariableDeclaration') {
      for (const d of decl.declarations) if (d.id.type === 'Identifier') topDecls.set(d.id.name, d);
    } else if (decl?.type === 'FunctionDeclaration' && decl.id) topDecls.set(decl.id.name, decl);
  }
  if (!exported) {
    // CommonJS `module.exports = { … }` (plain .js loss files).
    for (const st of program.body) {
      const e = st.type === 'ExpressionStatement' ? st.expression : null;
      if (e?.type === 'AssignmentExpression' && e.left.type === 'MemberExpression' && e.left.object.name === 'module' && e.left.property.name === 'exports') exported = e.right;
    }
  }
  if (!exported) return fail(program, 'this file', 'no `export default { params, loss }` found');
  let obj = unparen(exported);
  if (obj.type === 'Identifier' && topDecls.get(obj.name)?.type === 'VariableDeclarator') obj = unparen(topDecls.get(obj.name).init);
  if (obj?.type !== 'ObjectExpression') return fail(exported, 'a default export that is not an object literal', 'write export default { params, loss(p, batch) { … } }');
  const prop = (key: string): N | undefined => obj.properties.find((p: N) => p.type === 'Property' && !p.computed && (p.key.name === key || p.key.value === key));
  const lossProp = prop('loss');
  if (!lossProp) return fail(obj, 'a default export without loss');
  const lossFn = unparen(lossProp.value);
  if (!['FunctionExpression', 'ArrowFunctionExpression'].includes(lossFn.type)) return fail(lossProp, 'a loss that is not a function literal');
  const dataProp = prop('data');

  // ---- translation
  let tmp = 0;
  const fresh = (base: string) => `_${base}${tmp++}`;
  const needTop = new Set<string>(); // top-level names the translated code uses

  // The bindings of the module's top-level names (a reference resolves to one of them, or to a local).
  const topBindings = new Map<unknown, string>();
  for (const [name, d] of topDecls) {
    const b = scopes.refs.get(d.id);
    if (b) topBindings.set(b, name);
  }
  const refName = (id: N): string => {
    const b = scopes.refs.get(id);
    if (b === null || b === undefined) {
      if (id.name === 'undefined') return 'None';
      if (id.name === 'Infinity') return 'math.inf';
      if (id.name === 'NaN') return "float('nan')";
      return fail(id, `the global ${id.name}`, 'only Math and the loss file\'s own names are known to the export');
    }
    const top = topBindings.get(b);
    if (top !== undefined) needTop.add(top);
    else if (b.kind === 'import') return fail(id, `the imported ${id.name}`, 'imports are not translated yet');
    return pyName(id.name);
  };

  type Block = string[];
  const INDENT = '    ';

  /** Expression → Python; statements it needs first (hoisted function definitions) go to `pre`. */
  const expr = (node: N, pre: Block, ctx: FnCtx, indent: string): string => {
    const e = (n: N) => expr(n, pre, ctx, indent);
    switch (node.type) {
      case 'ParenthesizedExpression':
        return e(node.expression);
      case 'Literal':
        if (typeof node.value === 'number') {
          const raw: string = node.raw ?? String(node.value);
          return /^[0-9]+$/.test(raw) && Number.isSafeInteger(node.value) ? raw : pyNum(node.value);
        }
        if (typeof node.value === 'string') return JSON.stringify(node.value);
        if (typeof node.value === 'boolean') return node.value ? 'True' : 'False';
        if (node.value === null) return 'None';
        return fail(node, 'this literal (a regular expression or a BigInt)');
      case 'Identifier':
        return refName(node);
      case 'BinaryExpression': {
        const a = e(node.left), b = e(node.right);
        switch (node.operator) {
          case '+': case '-': case '*':
            return `(${a} ${node.operator} ${b})`;
          case '/': return `_div(${a}, ${b})`;
          case '%': return `_mod(${a}, ${b})`;
          case '**': return `_pow(${a}, ${b})`;
          case '<': case '<=': case '>': case '>=': return `(${a} ${node.operator} ${b})`;
          case '===': case '==': return `(${a} == ${b})`;
          case '!==': case '!=': return `(${a} != ${b})`;
          default: return fail(node, `the operator ${node.operator}`);
        }
      }
      case 'LogicalExpression':
        if (node.operator === '&&') return `(${e(node.left)} and ${e(node.right)})`;
        if (node.operator === '||') return `(${e(node.left)} or ${e(node.right)})`;
        return fail(node, `the operator ${node.operator}`);
      case 'UnaryExpression':
        if (node.operator === '-') return `(-${e(node.argument)})`;
        if (node.operator === '+') return e(node.argument);
        if (node.operator === '!') return `(not ${e(node.argument)})`;
        return fail(node, `the operator ${node.operator}`);
      case 'ConditionalExpression':
        return `(${e(node.consequent)} if ${e(node.test)} else ${e(node.alternate)})`;
      case 'ArrayExpression':
        return `[${node.elements.map((x: N) => (x === null ? fail(node, 'an array with holes') : x.type === 'SpreadElement' ? `*${e(x.argument)}` : e(x))).join(', ')}]`;
      case 'ObjectExpression':
        return `{${node.properties.map((p: N) => {
          if (p.type !== 'Property' || p.kind !== 'init' || p.method || p.computed) return fail(p, p.type === 'SpreadElement' ? 'an object spread' : 'this object property (a method, getter or computed key)');
          const key = p.key.type === 'Identifier' ? p.key.name : String(p.key.value);
          return `${JSON.stringify(key)}: ${e(p.value)}`;
        }).join(', ')}}`;
      case 'MemberExpression': {
        if (scopes.isMathRef(node.object)) {
          const name = node.computed ? null : node.property.name;
          if (name && MATH_CONSTANTS.has(name)) return `Math.${name}`;
          return fail(node, `Math.${name ?? '[…]'} as a value`);
        }
        if (node.optional) return fail(node, 'optional chaining ?.');
        if (!node.computed && node.property.name === 'length') return `len(${e(node.object)})`;
        if (node.computed) {
          const k = unparen(node.property);
          const idx = k.type === 'Literal' && typeof k.value === 'number' && Number.isInteger(k.value) ? String(k.value) : `_ix(${e(k)})`;
          return `${e(node.object)}[${idx}]`;
        }
        return `${e(node.object)}[${JSON.stringify(node.property.name)}]`;
      }
      case 'CallExpression': {
        const callee = unparen(node.callee);
        if (node.optional) return fail(node, 'optional call ?.()');
        const args = node.arguments.map((a: N) => (a.type === 'SpreadElement' ? `*${e(a.argument)}` : e(a))).join(', ');
        if (callee.type === 'MemberExpression' && scopes.isMathRef(callee.object)) {
          const name = callee.computed ? null : callee.property.name;
          if (!name || !MATH_FUNCTIONS.has(name)) return fail(node, `Math.${name ?? '[…]'}`, name === 'random' ? 'a random loss cannot be checked' : '');
          return `Math.${name}(${args})`;
        }
        if (callee.type === 'MemberExpression' && !callee.computed && callee.object.type === 'Identifier' && callee.object.name === 'Array' && scopes.refs.get(callee.object) == null) {
          if (callee.property.name === 'from') return `_array_from(${args})`;
          if (callee.property.name === 'isArray') return `isinstance(${args}, list)`;
          return fail(node, `Array.${callee.property.name}`);
        }
        if (callee.type === 'MemberExpression' && !callee.computed) {
          const m = callee.property.name;
          if (m === 'push') return fail(node, '.push(…) inside an expression', 'use it as a statement');
          const h = ARRAY_HELPERS[m];
          if (h) return `${h}(${e(callee.object)}${args ? `, ${args}` : ''})`;
          return fail(node, `the method .${m}(…)`);
        }
        if (callee.type === 'Identifier') return `${refName(callee)}(${args})`;
        if (callee.type === 'FunctionExpression' || callee.type === 'ArrowFunctionExpression') return `${e(callee)}(${args})`;
        return fail(node, 'this call');
      }
      case 'FunctionExpression':
      case 'ArrowFunctionExpression': {
        const name = fresh('fn');
        pre.push(...fnDef(node, name, ctx, indent));
        return name;
      }
      case 'AssignmentExpression':
      case 'UpdateExpression':
        return fail(node, `${node.type === 'UpdateExpression' ? node.operator : 'an assignment'} inside an expression`, 'write it as a statement of its own');
      case 'TemplateLiteral':
        return fail(node, 'a template string');
      case 'NewExpression':
        return fail(node, `new ${node.callee.name ?? '…'}(…)`);
      case 'ThisExpression':
        return fail(node, 'this');
      case 'SequenceExpression':
        return fail(node, 'the comma operator');
      default:
        return fail(node, `this expression (${node.type})`);
    }
  };

  const pyNum = (x: number): string => {
    if (x === Infinity) return 'math.inf';
    const s = String(x);
    return /[.eE]/.test(s) ? s : `${s}.0`;
  };

  /** Declared names of a pattern. */
  const patternNames = (pat: N, out: string[] = []): string[] => {
    if (pat.type === 'Identifier') out.push(pat.name);
    else if (pat.type === 'ObjectPattern') for (const p of pat.properties) patternNames(p.type === 'RestElement' ? p.argument : p.value, out);
    else if (pat.type === 'ArrayPattern') for (const p of pat.elements) if (p) patternNames(p.type === 'RestElement' ? p.argument : p, out);
    else if (pat.type === 'AssignmentPattern') patternNames(pat.left, out);
    return out;
  };

  /** `pattern = value` as Python statements. */
  const bindPattern = (pat: N, value: string, out: Block, indent: string, pre: Block, ctx: FnCtx): void => {
    if (pat.type === 'Identifier') {
      out.push(`${indent}${pyName(pat.name)} = ${value}`);
      return;
    }
    const holder = /^[A-Za-z_][A-Za-z0-9_]*$/.test(value) ? value : fresh('v');
    if (holder !== value) out.push(`${indent}${holder} = ${value}`);
    if (pat.type === 'ObjectPattern') {
      for (const p of pat.properties) {
        if (p.type !== 'Property' || p.computed) return fail(p, 'this destructuring (a rest element or a computed key)');
        const key = p.key.type === 'Identifier' ? p.key.name : String(p.key.value);
        if (p.value.type === 'AssignmentPattern') return fail(p, 'a destructuring default');
        bindPattern(p.value, `${holder}[${JSON.stringify(key)}]`, out, indent, pre, ctx);
      }
    } else if (pat.type === 'ArrayPattern') {
      pat.elements.forEach((p: N, i: number) => {
        if (!p) return;
        if (p.type === 'RestElement' || p.type === 'AssignmentPattern') fail(p, 'this destructuring (a rest element or a default)');
        bindPattern(p, `${holder}[${i}]`, out, indent, pre, ctx);
      });
    } else fail(pat, 'this pattern');
  };

  interface Loop { readonly update: Block | null; readonly doWhile: boolean }

  /** Names declared by `let/const/var` and functions anywhere in a function body (not nested functions). */
  const collectDeclared = (body: N, into: Set<string>, blockNames: Map<string, N>[]): void => {
    void blockNames;
    const walk = (n: N): void => {
      if (!n || typeof n.type !== 'string') return;
      if (n.type === 'FunctionDeclaration') {
        if (n.id) into.add(n.id.name);
        return;
      }
      if (n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression') return;
      if (n.type === 'VariableDeclaration') for (const d of n.declarations) for (const x of patternNames(d.id)) into.add(x);
      for (const k of Object.keys(n)) {
        if (k === 'loc' || k === 'type') continue;
        const v = n[k];
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v.type === 'string') walk(v);
      }
    };
    walk(body);
  };

  /** Assigned identifiers of a function body (not nested functions). */
  const collectAssigned = (body: N): N[] => {
    const out: N[] = [];
    const walk = (n: N): void => {
      if (!n || typeof n.type !== 'string') return;
      if (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression') return;
      if (n.type === 'AssignmentExpression' && n.left.type === 'Identifier') out.push(n.left);
      if (n.type === 'UpdateExpression' && n.argument.type === 'Identifier') out.push(n.argument);
      for (const k of Object.keys(n)) {
        if (k === 'loc' || k === 'type') continue;
        const v = n[k];
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v.type === 'string') walk(v);
      }
    };
    walk(body);
    return out;
  };

  /** A function literal/declaration → `def name(...)` lines at `indent`. */
  const fnDef = (fn: N, name: string, outer: FnCtx | null, indent: string): Block => {
    if (fn.async || fn.generator) return fail(fn, fn.async ? 'an async function' : 'a generator function');
    const declared = new Set<string>();
    const params: string[] = [];
    const prologue: Block = [];
    const inner = indent + INDENT;
    const ctx: FnCtx = { declared, assignedOuter: new Set(), topLevel: false };
    fn.params.forEach((p: N, i: number) => {
      if (p.type === 'Identifier') {
        declared.add(p.name);
        params.push(`${pyName(p.name)}=None`);
      } else if (p.type === 'ObjectPattern' || p.type === 'ArrayPattern') {
        const holder = `_arg${i}`;
        params.push(`${holder}=None`);
        for (const x of patternNames(p)) declared.add(x);
        bindPattern(p, holder, prologue, inner, prologue, ctx);
      } else fail(p, p.type === 'RestElement' ? 'a rest parameter' : 'a default parameter value');
    });
    collectDeclared(fn.body, declared, []);
    for (const id of collectAssigned(fn.body)) if (!declared.has(id.name)) ctx.assignedOuter.add(id.name);
    const body: Block = [];
    void outer;
    for (const n of ctx.assignedOuter) {
      const id = collectAssigned(fn.body).find((x) => x.name === n);
      const b = scopes.refs.get(id);
      if (!b) return fail(id, `an assignment to the global ${n}`);
      body.push(`${inner}${topBindings.has(b) ? 'global' : 'nonlocal'} ${pyName(n)}`);
    }
    body.push(...prologue);
    if (fn.body.type === 'BlockStatement') stmts(fn.body.body, body, ctx, inner, [], [new Set(declaredParams(fn))]);
    else {
      const pre: Block = [];
      const v = expr(fn.body, pre, ctx, inner);
      body.push(...pre, `${inner}return ${v}`);
    }
    if (body.length === 0) body.push(`${inner}pass`);
    return [`${indent}def ${name}(${[...params, '*_rest'].join(', ')}):`, ...body];
  };
  const declaredParams = (fn: N): string[] => fn.params.flatMap((p: N) => patternNames(p));

  /** Statements → Python lines. `blocks`: names declared per enclosing block (shadowing is refused). */
  const stmts = (list: readonly N[], out: Block, ctx: FnCtx, indent: string, loops: Loop[], blocks: Set<string>[]): void => {
    const mine = new Set<string>();
    const chain = [...blocks, mine];
    const declare = (node: N, names: string[]) => {
      for (const n of names) {
        if (blocks.some((b) => b.has(n))) fail(node, `a declaration of ${n} that shadows the ${n} of an enclosing block`, 'rename one of them');
        mine.add(n);
      }
    };
    for (const st of list) stmt(st, out, ctx, indent, loops, chain, declare);
  };

  const body = (st: N, out: Block, ctx: FnCtx, indent: string, loops: Loop[], blocks: Set<string>[]): void => {
    const start = out.length;
    stmts(st.type === 'BlockStatement' ? st.body : [st], out, ctx, indent, loops, blocks);
    if (out.length === start) out.push(`${indent}pass`);
  };

  const assignTarget = (node: N, pre: Block, ctx: FnCtx, indent: string): string => {
    const t = unparen(node);
    if (t.type === 'Identifier') {
      refName(t);
      return pyName(t.name);
    }
    if (t.type === 'MemberExpression' && !t.optional) {
      if (!t.computed && t.property.name === 'length') return fail(t, 'an assignment to .length');
      return expr(t, pre, ctx, indent);
    }
    return fail(t, 'this assignment target');
  };

  const ARITH: Readonly<Record<string, (a: string, b: string) => string>> = {
    '+=': (a, b) => `(${a} + ${b})`, '-=': (a, b) => `(${a} - ${b})`, '*=': (a, b) => `(${a} * ${b})`,
    '/=': (a, b) => `_div(${a}, ${b})`, '%=': (a, b) => `_mod(${a}, ${b})`, '**=': (a, b) => `_pow(${a}, ${b})`,
  };

  /** An expression statement's effect (assignment, update, push, call) as lines. */
  const effect = (node: N, out: Block, ctx: FnCtx, indent: string): void => {
    const pre: Block = [];
    const n = unparen(node);
    let line: string;
    if (n.type === 'AssignmentExpression') {
      if (n.left.type === 'ObjectPattern' || n.left.type === 'ArrayPattern') {
        const v = expr(n.right, pre, ctx, indent);
        out.push(...pre);
        bindPattern(n.left, v, out, indent, out, ctx);
        return;
      }
      const target = assignTarget(n.left, pre, ctx, indent);
      const value = expr(n.right, pre, ctx, indent);
      if (n.operator === '=') line = `${target} = ${value}`;
      else if (ARITH[n.operator]) line = `${target} = ${ARITH[n.operator]!(target, value)}`;
      else return fail(n, `the operator ${n.operator}`);
    } else if (n.type === 'UpdateExpression') {
      const target = assignTarget(n.argument, pre, ctx, indent);
      line = `${target} = (${target} ${n.operator === '++' ? '+' : '-'} 1)`;
    } else if (n.type === 'CallExpression' && unparen(n.callee).type === 'MemberExpression' && !unparen(n.callee).computed && unparen(n.callee).property.name === 'push') {
      const c = unparen(n.callee);
      const target = expr(c.object, pre, ctx, indent);
      line = `${target}.extend([${n.arguments.map((a: N) => (a.type === 'SpreadElement' ? `*${expr(a.argument, pre, ctx, indent)}` : expr(a, pre, ctx, indent))).join(', ')}])`;
    } else if (n.type === 'CallExpression') {
      line = expr(n, pre, ctx, indent);
    } else if (n.type === 'SequenceExpression') {
      for (const x of n.expressions) effect(x, out, ctx, indent);
      return;
    } else if (n.type === 'Literal' && n.value === 'use strict') return;
    else return fail(n, 'an expression statement without effect');
    out.push(...pre, `${indent}${line}`);
  };

  const stmt = (st: N, out: Block, ctx: FnCtx, indent: string, loops: Loop[], blocks: Set<string>[], declare: (node: N, names: string[]) => void): void => {
    const pre: Block = [];
    const flush = () => { out.push(...pre); pre.length = 0; };
    switch (st.type) {
      case 'EmptyStatement':
        return;
      case 'VariableDeclaration':
        for (const d of st.declarations) {
          declare(d, patternNames(d.id));
          const v = d.init ? expr(d.init, pre, ctx, indent) : 'None';
          flush();
          bindPattern(d.id, v, out, indent, out, ctx);
        }
        return;
      case 'FunctionDeclaration':
        declare(st, [st.id.name]);
        out.push(...fnDef(st, pyName(st.id.name), ctx, indent));
        return;
      case 'ExpressionStatement':
        effect(st.expression, out, ctx, indent);
        return;
      case 'ReturnStatement': {
        const v = st.argument ? expr(st.argument, pre, ctx, indent) : 'None';
        flush();
        out.push(`${indent}return ${v}`);
        return;
      }
      case 'IfStatement': {
        const t = expr(st.test, pre, ctx, indent);
        flush();
        out.push(`${indent}if ${t}:`);
        body(st.consequent, out, ctx, indent + INDENT, loops, blocks);
        if (st.alternate) {
          out.push(`${indent}else:`);
          body(st.alternate, out, ctx, indent + INDENT, loops, blocks);
        }
        return;
      }
      case 'BlockStatement':
        stmts(st.body, out, ctx, indent, loops, blocks);
        return;
      case 'ForStatement': {
        const loopBlock = new Set<string>();
        const chain = [...blocks, loopBlock];
        if (st.init) {
          if (st.init.type === 'VariableDeclaration') {
            for (const d of st.init.declarations) {
              for (const n of patternNames(d.id)) {
                if (blocks.some((b) => b.has(n))) fail(d, `a declaration of ${n} that shadows the ${n} of an enclosing block`, 'rename one of them');
                loopBlock.add(n);
              }
              const v = d.init ? expr(d.init, pre, ctx, indent) : 'None';
              flush();
              bindPattern(d.id, v, out, indent, out, ctx);
            }
          } else effect(st.init, out, ctx, indent);
        }
        const update: Block = []; // at indent '': placed where it runs (loop end, before a continue)
        if (st.update) effect(st.update, update, ctx, '');
        const t = st.test ? expr(st.test, pre, ctx, indent) : 'True';
        if (pre.length) return fail(st.test, 'a function defined in a loop condition');
        out.push(`${indent}while ${t}:`);
        body(st.body, out, ctx, indent + INDENT, [...loops, { update, doWhile: false }], chain);
        out.push(...update.map((l) => indent + INDENT + l));
        return;
      }
      case 'ForOfStatement': {
        if (st.await) return fail(st, 'for await');
        const it = expr(st.right, pre, ctx, indent);
        flush();
        const loopBlock = new Set<string>();
        const left = st.left.type === 'VariableDeclaration' ? st.left.declarations[0].id : st.left;
        for (const n of patternNames(left)) {
          if (st.left.type === 'VariableDeclaration' && blocks.some((b) => b.has(n))) fail(st.left, `a declaration of ${n} that shadows the ${n} of an enclosing block`, 'rename one of them');
          loopBlock.add(n);
        }
        if (left.type === 'Identifier') {
          out.push(`${indent}for ${pyName(left.name)} in ${it}:`);
          body(st.body, out, ctx, indent + INDENT, [...loops, { update: null, doWhile: false }], [...blocks, loopBlock]);
        } else {
          const v = fresh('item');
          out.push(`${indent}for ${v} in ${it}:`);
          bindPattern(left, v, out, indent + INDENT, out, ctx);
          body(st.body, out, ctx, indent + INDENT, [...loops, { update: null, doWhile: false }], [...blocks, loopBlock]);
        }
        return;
      }
      case 'WhileStatement': {
        const t = expr(st.test, pre, ctx, indent);
        if (pre.length) return fail(st.test, 'a function defined in a loop condition');
        out.push(`${indent}while ${t}:`);
        body(st.body, out, ctx, indent + INDENT, [...loops, { update: null, doWhile: false }], blocks);
        return;
      }
      case 'DoWhileStatement': {
        const t = expr(st.test, pre, ctx, indent + INDENT);
        if (pre.length) return fail(st.test, 'a function defined in a loop condition');
        out.push(`${indent}while True:`);
        body(st.body, out, ctx, indent + INDENT, [...loops, { update: null, doWhile: true }], blocks);
        out.push(`${indent}${INDENT}if not ${t}:`, `${indent}${INDENT}${INDENT}break`);
        return;
      }
      case 'BreakStatement':
        if (st.label) return fail(st, 'a labelled break');
        out.push(`${indent}break`);
        return;
      case 'ContinueStatement': {
        if (st.label) return fail(st, 'a labelled continue');
        const loop = loops[loops.length - 1];
        if (loop?.doWhile) return fail(st, 'continue in a do...while loop');
        // A for loop's update runs before the next test, as in JavaScript.
        if (loop?.update) for (const l of loop.update) out.push(indent + l);
        out.push(`${indent}continue`);
        return;
      }
      default: {
        const names: Record<string, string> = {
          SwitchStatement: 'a switch statement', TryStatement: 'try/catch', ThrowStatement: 'throw', ClassDeclaration: 'a class',
          ForInStatement: 'for...in', LabeledStatement: 'a labelled statement', WithStatement: 'with',
        };
        return fail(st, names[st.type] ?? `this statement (${st.type})`);
      }
    }
  };

  // The loss itself.
  const lossLines = fnDef(lossFn, 'loss', null, '');
  // Inline data: its expression, as DATA_ROWS.
  let data: TranslatedLoss['data'];
  const dataLines: Block = [];
  if (dataProp) {
    const v = unparen(dataProp.value);
    if (v.type === 'Literal' && typeof v.value === 'string') data = { kind: 'file', ref: v.value };
    else {
      const top: FnCtx = { declared: new Set(), assignedOuter: new Set(), topLevel: true };
      const pre: Block = [];
      const x = expr(v, pre, top, '');
      dataLines.push(...pre, `DATA_ROWS = ${x}`);
      data = { kind: 'code' };
    }
  }
  // Module-level declarations used (transitively), in source order.
  const emitted = new Set<string>();
  const topLines = new Map<string, Block>();
  const pending = () => [...needTop].filter((n) => !emitted.has(n));
  for (let guard = 0; pending().length && guard < 1000; guard++) {
    for (const name of pending()) {
      emitted.add(name);
      const d = topDecls.get(name)!;
      const top: FnCtx = { declared: new Set(topDecls.keys()), assignedOuter: new Set(), topLevel: true };
      const lines: Block = [];
      if (d.type === 'FunctionDeclaration') lines.push(...fnDef(d, pyName(name), top, ''));
      else {
        const pre: Block = [];
        const v = d.init ? expr(d.init, pre, top, '') : 'None';
        lines.push(...pre, `${pyName(name)} = ${v}`);
      }
      topLines.set(name, lines);
    }
  }
  // Function declarations first (JavaScript hoists them: a constant may call one declared below it), then the
  // constants in source order.
  const hoisted = (d: N) => (d.type === 'FunctionDeclaration' ? 0 : 1);
  const ordered = [...topDecls.entries()].filter(([n]) => topLines.has(n)).sort((a, b) => hoisted(a[1]) - hoisted(b[1]) || a[1].start - b[1].start);
  const python = [
    ...ordered.flatMap(([n]) => [...topLines.get(n)!, '']),
    ...lossLines,
    '',
    ...dataLines,
  ].join('\n');
  return { python, data };
}
