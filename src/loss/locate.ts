// Where things are in a loss file: the line (and column) of each property of the default export
// (`loss`, `params`, `data` ...), found by parsing the line-preserving JavaScript with acorn. Used to
// point errors such as "loss() returned NaN" or "params.w must be ..." at the user's source.

import { parse, type Node } from 'acorn';
import { mapColumn } from './transpile';

export interface PropertyLocations {
  /** Position of the default export's expression, when there is one. */
  readonly exportLine?: number;
  readonly properties: ReadonlyMap<string, { line: number; column: number }>;
}

type AnyNode = Node & Record<string, unknown>;

/** Locates the default export object's properties in `js` (the transpiled `source`). Never throws. */
export function locateDefinition(js: string, source: string): PropertyLocations {
  const properties = new Map<string, { line: number; column: number }>();
  let program: AnyNode;
  try {
    program = parse(js, { ecmaVersion: 'latest', sourceType: 'module', locations: true, allowHashBang: true }) as unknown as AnyNode;
  } catch {
    return { properties };
  }
  const jsLines = js.split('\n');
  const srcLines = source.split('\n');
  const pos = (n: AnyNode) => {
    const l = n.loc!.start.line;
    return { line: l, column: mapColumn(srcLines[l - 1] ?? '', jsLines[l - 1] ?? '', n.loc!.start.column + 1) };
  };
  const body = program['body'] as AnyNode[];
  // Top-level `const name = <init>` declarations, to follow `export default name`.
  const inits = new Map<string, AnyNode>();
  for (const stmt of body) {
    const decl = stmt.type === 'ExportNamedDeclaration' ? (stmt['declaration'] as AnyNode | null) : stmt;
    if (decl?.type !== 'VariableDeclaration') continue;
    for (const d of decl['declarations'] as AnyNode[]) {
      const id = d['id'] as AnyNode;
      if (id.type === 'Identifier' && d['init']) inits.set(id['name'] as string, d['init'] as AnyNode);
    }
  }
  let expr: AnyNode | undefined;
  let exportLine: number | undefined;
  for (const stmt of body) {
    if (stmt.type === 'ExportDefaultDeclaration') {
      expr = stmt['declaration'] as AnyNode;
      exportLine = stmt.loc!.start.line;
    } else if (stmt.type === 'ExpressionStatement') {
      // CommonJS: module.exports = {...}
      const e = stmt['expression'] as AnyNode;
      if (e.type === 'AssignmentExpression' && isModuleExports(e['left'] as AnyNode)) {
        expr = e['right'] as AnyNode;
        exportLine = stmt.loc!.start.line;
      }
    }
  }
  // Unwrap `name`, `(…)`, `defineX({...})`.
  for (let guard = 0; expr && guard < 8; guard++) {
    if (expr.type === 'Identifier' && inits.has(expr['name'] as string)) expr = inits.get(expr['name'] as string);
    else if (expr.type === 'CallExpression' && (expr['arguments'] as AnyNode[]).length >= 1) expr = (expr['arguments'] as AnyNode[])[0];
    else break;
  }
  if (expr?.type === 'ObjectExpression') {
    for (const p of expr['properties'] as AnyNode[]) {
      if (p.type !== 'Property') continue;
      const key = p['key'] as AnyNode;
      const name = key.type === 'Identifier' ? (key['name'] as string) : key.type === 'Literal' ? String(key['value']) : null;
      if (name !== null && !p['computed']) properties.set(name, pos(key));
    }
  }
  return exportLine !== undefined ? { exportLine, properties } : { properties };
}

function isModuleExports(n: AnyNode): boolean {
  if (n.type !== 'MemberExpression') return false;
  const o = n['object'] as AnyNode;
  const p = n['property'] as AnyNode;
  return o.type === 'Identifier' && o['name'] === 'module' && p.type === 'Identifier' && p['name'] === 'exports';
}
