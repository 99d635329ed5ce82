// TypeScript/ES module → evaluable CommonJS, preserving line numbers (sucrase keeps every line where it
// was; type annotations only shorten lines), with syntax errors reported at the user's file, line and column.
//
//   source ──sucrase['typescript']──▶ ESM JavaScript ──acorn (syntax check)──▶ [rewriteForAutodiff] ──sucrase['imports']──▶ CommonJS
//
// Node 20's own SyntaxErrors from `import()`/`vm` carry no reliable position, so we parse ourselves:
// sucrase reports TypeScript syntax errors at exact source offsets; acorn then checks the JavaScript
// (early errors such as a redeclared `let`), whose lines are the source's lines.

import { parse, type Options as AcornOptions } from 'acorn';
import { transform } from 'sucrase';
import { lossError } from './errors';

/** Loss-file extensions, longest first. */
export const LOSS_FILE_SUFFIXES = ['.loss.ts', '.loss.mts', '.loss.js', '.loss.mjs', '.loss.py'] as const;

export function isLossFileName(fileName: string): boolean {
  return LOSS_FILE_SUFFIXES.some((s) => fileName.endsWith(s));
}

export function isTypeScriptFile(fileName: string): boolean {
  return /\.(c|m)?tsx?$/.test(fileName);
}

const ACORN: AcornOptions = { ecmaVersion: 'latest', sourceType: 'module', locations: true, allowHashBang: true };

/** 1-based line and column of a 0-based offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Column in the original line of a position in the transpiled line (1-based), always within the original
 * line (1 ..= length + 1). Equal lines map 1:1. Otherwise: a position inside a string literal maps to that
 * literal in the original (`require('lodash')` that sucrase wrote for `import _ from 'lodash'`); else the
 * token at the position is looked up in the original line at or after the same column (type annotations
 * removed before it shift it right in the original), then anywhere in it (code inserted before it shifts
 * it left); else the column is kept if it lies within the line, or the line's first non-blank column.
 */
export function mapColumn(originalLine: string, transpiledLine: string, column: number): number {
  const within = (c: number) => Math.min(Math.max(1, c), originalLine.length + 1);
  if (originalLine === transpiledLine) return within(column);
  const literal = stringLiteralAt(transpiledLine, column - 1);
  if (literal) {
    const at = originalLine.indexOf(literal);
    if (at >= 0) return at + 1;
  }
  const token = /^[\w$]+|^\S/.exec(transpiledLine.slice(column - 1))?.[0];
  if (token) {
    const after = originalLine.indexOf(token, column - 1);
    if (after >= 0) return after + 1;
    const any = originalLine.indexOf(token);
    if (any >= 0 && /[\w$]/.test(token)) return any + 1;
  }
  if (column <= originalLine.length) return within(column);
  const first = originalLine.search(/\S/);
  return first >= 0 ? first + 1 : 1;
}

/** The string literal (with its quotes) of `line` that contains 0-based `index`, or undefined. */
function stringLiteralAt(line: string, index: number): string | undefined {
  for (let i = 0; i < line.length && i <= index; i++) {
    const q = line[i]!;
    if (q !== "'" && q !== '"' && q !== '`') continue;
    let j = i + 1;
    while (j < line.length && line[j] !== q) j += line[j] === '\\' ? 2 : 1;
    if (index >= i && index <= j) return line.slice(i, j + 1);
    i = j;
  }
  return undefined;
}

/**
 * Source → plain ES module JavaScript with the same lines. Throws a LossErrorException of kind
 * 'syntax' with the file, line and column of the first syntax error.
 */
export function toJavaScript(source: string, file: string): string {
  let js = source;
  if (isTypeScriptFile(file)) {
    try {
      js = transform(source, { transforms: ['typescript'], disableESTransforms: true, filePath: file }).code;
    } catch (e) {
      const pos = (e as { pos?: unknown }).pos;
      const message = String((e as Error).message ?? e)
        .replace(/^Error transforming [^:]*: /, '')
        .replace(/ \(\d+:\d+\)$/, '');
      if (typeof pos === 'number') throw lossError('syntax', `syntax error: ${message}`, { file, ...positionOf(source, pos) });
      throw lossError('syntax', `syntax error: ${message}`, { file });
    }
  }
  checkSyntax(js, source, file);
  return js;
}

/** Acorn parse of the JavaScript; positions mapped back to the source lines. */
function checkSyntax(js: string, source: string, file: string): void {
  try {
    parse(js, ACORN);
  } catch (e) {
    const loc = (e as { loc?: { line: number; column: number } }).loc;
    const message = `syntax error: ${String((e as Error).message).replace(/ \(\d+:\d+\)$/, '')}`;
    if (!loc) throw lossError('syntax', message, { file });
    const srcLine = source.split('\n')[loc.line - 1] ?? '';
    const jsLine = js.split('\n')[loc.line - 1] ?? '';
    throw lossError('syntax', message, { file, line: loc.line, column: mapColumn(srcLine, jsLine, loc.column + 1) });
  }
}

/**
 * The free variable that stands for `import.meta` in CommonJS (same length, so columns stay put);
 * the module loader binds it to `{ url, filename, dirname }` of each file.
 */
export const IMPORT_META_BINDING = '__odMeta___';

/** `import.meta` → IMPORT_META_BINDING, at the positions acorn finds (not in strings or comments). */
function replaceImportMeta(js: string): string {
  if (!js.includes('import.meta')) return js;
  let ast: unknown;
  try {
    ast = parse(js, ACORN);
  } catch {
    return js; // the syntax check reports it
  }
  const starts: number[] = [];
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    const n = node as { type?: string; meta?: { name?: string }; start?: number };
    if (n.type === 'MetaProperty' && n.meta?.name === 'import' && typeof n.start === 'number') starts.push(n.start);
    for (const k of Object.keys(n)) if (k !== 'loc') visit((n as Record<string, unknown>)[k]);
  };
  visit(ast);
  let out = js;
  for (const at of starts.sort((a, b) => b - a)) out = out.slice(0, at) + IMPORT_META_BINDING + out.slice(at + 'import.meta'.length);
  return out;
}

/** ES module JavaScript → CommonJS (`exports.default = ...`), same lines. */
export function toCommonJs(js: string, file: string): string {
  js = replaceImportMeta(js);
  try {
    return transform(js, { transforms: ['imports'], disableESTransforms: true, filePath: file.replace(/\.(c|m)?tsx?$/, '.js') }).code;
  } catch (e) {
    const pos = (e as { pos?: unknown }).pos;
    throw lossError('syntax', `syntax error: ${String((e as Error).message).replace(/^Error transforming [^:]*: /, '')}`, {
      file,
      ...(typeof pos === 'number' ? positionOf(js, pos) : {}),
    });
  }
}

/** Whole pipeline without automatic differentiation: source → CommonJS with the source's lines. */
export function transpile(source: string, file: string): string {
  return toCommonJs(toJavaScript(source, file), file);
}
