// Evaluating user modules (a loss file and the files it imports).
//
// How user code runs: each file is transpiled to CommonJS (line-preserving, see transpile.ts) and
// compiled with `vm.compileFunction` under its absolute path, so stack traces name the user's file and
// line. It runs in the current realm (same globals, same `Math`): this is NOT a sandbox, loss files are
// arbitrary code and run only in trusted workspaces (the host checks workspace trust; the runner refuses
// `kind: 'file'` unless allowed). `require` (what `import` becomes) resolves:
//   - relative paths (`./helper`, `../lib/model.ts`, `./helper.js` for helper.ts): other user files,
//     transpiled and evaluated by this same loader (and rewritten for autodiff in that mode);
//   - `.json` files: parsed;
//   - Node built-in modules (`node:fs`, `path` ...);
//   - `./optimizer-diagnostics` (the types file): an empty module (its imports are type-only);
// anything else (packages from node_modules) is refused with a clear error at the import's line.
// Top-level code runs once per loader; the loader evaluates a loss file once for plain evaluation and,
// when automatic differentiation is needed, once more rewritten — so top-level code should be
// deterministic (seeded data generation, not Math.random()). Top-level `await` (valid in ES modules):
// `loadAsync` evaluates a file's static imports first, then runs a body that awaits as an async function.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { basename, dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileFunction } from 'node:vm';
import { readDataText } from './data';
import { IMPORT_META_BINDING, mapColumn } from './transpile';
import { describeThrown, lossError, LossErrorException, userFrame } from './errors';
import { mb, parseGraceMs, reportProgress } from './progress';

/** Turns a user file's source into CommonJS with the same lines. Throws LossErrorExceptions. */
export type Compile = (source: string, file: string) => string;

const RESOLVE_SUFFIXES = ['', '.ts', '.mts', '.js', '.mjs', '.cjs', '.json', '/index.ts', '/index.mts', '/index.js', '/index.mjs'];

interface ModuleRecord {
  exports: unknown;
  /** Settles when an async (top-level await) module's body has finished. */
  done?: Promise<void>;
}

export class ModuleLoader {
  /** Every user file evaluated (absolute paths), with its modification time: for stack mapping and cache checks. */
  readonly files = new Map<string, number>();
  private readonly cache = new Map<string, ModuleRecord>();
  /** Source and compiled code of each file, to map stack positions (compiled) back to the source. */
  private readonly code = new Map<string, { source: string; compiled: string }>();
  /** Modules whose bodies await at top level, and those `loadAsync` is evaluating now. */
  private readonly asyncModules = new Set<string>();
  private readonly evaluating = new Set<string>();

  constructor(
    private readonly compile: Compile,
    /** Extra free variables of every module (e.g. the autodiff runtime), by name. */
    private readonly bindings: Readonly<Record<string, unknown>> = {},
  ) {}

  /**
   * Evaluates `file` (absolute) and returns its `module.exports`. Synchronous: a module graph with
   * top-level `await` needs `loadAsync` (this refuses it with a located error).
   */
  load(file: string, source?: string): unknown {
    const cached = this.cache.get(file);
    if (cached) return cached.exports;
    const { code, module } = this.prepare(file, source);
    const result = this.evaluate(file, code, module, false);
    if (result instanceof Promise) throw new Error('unreachable: a synchronous module returned a promise');
    return module.exports;
  }

  /**
   * `load` for ES module graphs with top-level `await`: every relative import is evaluated (and awaited)
   * before the module that imports it, as ES modules are; a module whose body awaits runs as an async
   * function. Resolves to `module.exports` once the module's own top-level code has finished.
   */
  async loadAsync(file: string, source?: string): Promise<unknown> {
    const cached = this.cache.get(file);
    if (cached) {
      // a cycle reaches a module still evaluating: its exports so far, as CommonJS and ESM cycles do
      if (cached.done && !this.evaluating.has(file)) await cached.done;
      return cached.exports;
    }
    const { code, module } = this.prepare(file, source);
    this.evaluating.add(file);
    try {
      for (const dep of staticImports(code, file)) if (!this.cache.has(dep)) await this.loadAsync(dep);
      const done = this.evaluate(file, code, module, true);
      if (done instanceof Promise) {
        module.done = done;
        await done;
      }
    } finally {
      this.evaluating.delete(file);
    }
    return module.exports;
  }

  /** True when some module of the graph awaited at top level (it can only be loaded with `loadAsync`). */
  get hasTopLevelAwait(): boolean {
    return this.asyncModules.size > 0;
  }

  private prepare(file: string, source: string | undefined): { code: string; module: ModuleRecord } {
    const text = source ?? readFileSync(file, 'utf8');
    this.files.set(file, mtimeOf(file));
    const code = this.compile(text, file);
    this.code.set(file, { source: text, compiled: code });
    const module: ModuleRecord = { exports: {} };
    this.cache.set(file, module);
    return { code, module };
  }

  /** Runs a compiled module's body; a promise when it awaits at top level (only with `allowAwait`). */
  private evaluate(file: string, code: string, module: ModuleRecord, allowAwait: boolean): Promise<void> | void {
    const names = ['exports', 'require', 'module', '__filename', '__dirname', IMPORT_META_BINDING, ...Object.keys(this.bindings)];
    const meta = { url: pathToFileURL(file).href, filename: file, dirname: dirname(file) };
    let fn: (...args: unknown[]) => unknown;
    let isAsync = false;
    try {
      try {
        fn = compileFunction(code, names, { filename: file }) as (...args: unknown[]) => unknown;
      } catch (e) {
        if (!(e instanceof SyntaxError) || !/\bawait\b/.test(e.message)) throw e;
        if (!allowAwait) {
          throw lossError('syntax', 'top-level await needs the asynchronous loader (loadLossFile)', { file, ...lineOf(e, file) });
        }
        // Top-level await: the body runs as an async arrow function (same `this`, same lines; the
        // prefix on line 1 is taken back by columnOffset so columns stay the source's).
        const prefix = 'return (async () => {';
        fn = compileFunction(`${prefix}${code}\n})();`, names, { filename: file, columnOffset: -prefix.length }) as (...args: unknown[]) => unknown;
        isAsync = true;
        this.asyncModules.add(file);
      }
    } catch (e) {
      this.cache.delete(file);
      if (e instanceof LossErrorException) throw e;
      // The transpiler's own parse accepts some code V8 rejects.
      throw lossError('syntax', `syntax error: ${describeThrown(e)}`, { file, ...lineOf(e, file) });
    }
    const failed = (e: unknown): never => {
      this.cache.delete(file);
      if (e instanceof LossErrorException) throw e;
      const at = this.toSource(userFrame(e, this.files.keys()));
      throw lossError('threw', `the module threw while loading: ${describeThrown(e)}`, at ?? { file });
    };
    let result: unknown;
    try {
      result = fn(module.exports, (spec: string) => this.require(spec, file), module, file, dirname(file), meta, ...Object.values(this.bindings));
    } catch (e) {
      failed(e);
    }
    if (isAsync) return (result as Promise<unknown>).then(() => undefined, failed);
  }

  /** A stack position in a file's compiled code → the same line of its source, the column mapped into that line. */
  toSource<P extends { file: string; line: number; column?: number }>(at: P | undefined): P | undefined {
    if (!at || at.column === undefined) return at;
    const c = this.code.get(at.file);
    if (!c) return at;
    const src = c.source.split('\n')[at.line - 1] ?? '';
    const js = c.compiled.split('\n')[at.line - 1] ?? '';
    return { ...at, column: mapColumn(src, js, at.column) };
  }

  private require(spec: string, from: string): unknown {
    if (isBuiltin(spec)) return createRequire(from)(spec);
    if (!spec.startsWith('./') && !spec.startsWith('../') && !spec.startsWith('/')) {
      throw new Error(`cannot import "${spec}": loss files can import relative files (./helper), JSON files and Node built-in modules, not packages`);
    }
    const base = resolve(dirname(from), spec);
    if (/(^|\/)optimizer-diagnostics(\.d\.ts|\.js)?$/.test(spec) && !existsSync(base + '.ts') && !existsSync(base + '.js')) return {};
    const file = resolveFile(base);
    if (!file) throw new Error(`cannot import "${spec}": no such file next to ${from}`);
    if (extname(file) === '.json') {
      this.files.set(file, mtimeOf(file));
      // Read in chunks (progress for the watchdog; a FIFO is refused), then one JSON.parse with a grace period.
      const text = readDataText(spec, file, { file: from });
      reportProgress(`${basename(file)} (parsing ${mb(text.length)} of JSON)`, parseGraceMs(text.length));
      return JSON.parse(text);
    }
    return this.load(file);
  }
}

/** The line of a V8 SyntaxError in `file` (compileFunction puts `file:line` first in the stack). */
function lineOf(e: unknown, file: string): { line?: number } {
  const m = e instanceof Error && e.stack ? /^(.*):(\d+)\n/.exec(e.stack) : null;
  return m && m[1] === file ? { line: Number(m[2]) } : {};
}

/**
 * The user files a compiled module imports statically (`require('./x')` with a literal argument,
 * which is what the transpiler makes of `import`), resolved to absolute paths; JSON, built-ins and
 * unresolvable names are left to `require` (which reports them at run time).
 */
function staticImports(code: string, from: string): string[] {
  const out: string[] = [];
  const re = /\brequire\(\s*(['"])(\.{1,2}\/[^'"\n]*|\/[^'"\n]*)\1\s*\)/g;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    const file = resolveFile(resolve(dirname(from), m[2]!));
    if (file && extname(file) !== '.json' && !out.includes(file)) out.push(file);
  }
  return out;
}

function resolveFile(base: string): string | undefined {
  const candidates = RESOLVE_SUFFIXES.map((s) => base + s);
  // TypeScript's ESM convention: `import './helper.js'` names helper.ts.
  if (/\.m?js$/.test(base)) candidates.push(base.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts'));
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

export function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}
