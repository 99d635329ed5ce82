// Loading a loss file: read → transpile (syntax errors at file:line:column) → evaluate as CommonJS
// (moduleLoader.ts: vm.compileFunction, limited require) → validate the default export
// (definition.ts) → load its data (data.ts) and split off the validation rows (sampler.ts).
// The automatic gradient is prepared lazily, by evaluating the file a second time rewritten for
// autodiff (autodiff.ts); `grad`, numeric gradients and plain values use the untouched module.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { GradientMode, LossInfo } from '../protocol/simulation';
import { prepareAutodiff, prepareAutodiffAsync, numericGradient, type PreparedAutodiff } from './autodiff';
import { checkRows, loadDataFile, type DataRow } from './data';
import { declaredMinima, defaultExport, normalizeDefinition, type NormalizedDefinition } from './definition';
import { lossError, LossErrorException } from './errors';
import { locateDefinition, type PropertyLocations } from './locate';
import { ModuleLoader, mtimeOf } from './moduleLoader';
import { createLossProblem, gradCheckWarning, gradientKind, plainLoss, type LossInternals, type ValueAndGrad } from './problem';
import { reportProgress } from './progress';
import { isPythonLossFile, loadPythonLossFile } from './python';
import { validationSplit } from './sampler';
import { LOSS_FILE_SUFFIXES, toCommonJs, toJavaScript, transpile } from './transpile';
import type { LoadedLoss, LoadOptions, LossProblem, ProblemOptions } from './types';

/** `a/b/iris.loss.ts` → `iris`. */
export function lossNameOf(file: string): string {
  const base = basename(file);
  const suffix = LOSS_FILE_SUFFIXES.find((s) => base.endsWith(s));
  return suffix ? base.slice(0, -suffix.length) : base.replace(/\.[^.]+$/, '');
}

/**
 * Loads, evaluates and validates a loss file (absolute path). Rejects with a LossErrorException
 * (kinds 'syntax', 'missing-export', 'invalid-export', 'shape', 'threw', 'data', 'autodiff' ...).
 */
export async function loadLossFile(absPath: string, opts: LoadOptions = {}): Promise<LoadedLoss> {
  if (isPythonLossFile(absPath)) return loadPythonLossFile(absPath);
  const { file, source, js, locs, modules } = begin(absPath, opts);
  const exports = await modules.loadAsync(file, source);
  const loaded = finish(file, source, js, locs, modules, exports, opts);
  // A graph with top-level await is evaluated again, rewritten, only asynchronously: prepare the
  // automatic gradient now (its errors surface where they always do, when the gradient is needed).
  if (modules.hasTopLevelAwait) await loaded.prepareAutodiffAsync();
  return loaded;
}

/**
 * Synchronous `loadLossFile` for callers between other synchronous work (tests, tools). A module graph
 * with top-level `await` is refused with a located error: use `loadLossFile`.
 */
export function loadLossFileSync(absPath: string, opts: LoadOptions = {}): LoadedLoss {
  if (isPythonLossFile(absPath)) return loadPythonLossFile(absPath);
  const { file, source, js, locs, modules } = begin(absPath, opts);
  const exports = modules.load(file, source);
  return finish(file, source, js, locs, modules, exports, opts);
}

function begin(file: string, opts: LoadOptions): { file: string; source: string; js: string; locs: PropertyLocations; modules: ModuleLoader } {
  let source = opts.source;
  if (source === undefined) {
    try {
      source = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw lossError('missing-export', code === 'ENOENT' ? `loss file not found: ${file}` : `cannot read the loss file: ${(e as Error).message}`, { file });
    }
  }
  const js = toJavaScript(source, file);
  const locs = locateDefinition(js, source);
  const modules = new ModuleLoader((src, f) => (f === file ? toCommonJs(js, f) : transpile(src, f)));
  return { file, source, js, locs, modules };
}

function finish(file: string, source: string, js: string, locs: PropertyLocations, modules: ModuleLoader, exports: unknown, opts: LoadOptions): FileLoss {
  const exported = defaultExport(exports);
  const def = normalizeDefinition(exported, file, locs);
  const loaded = new FileLoss(file, source, js, locs, def, exported, modules);
  if (opts.gradientMode) loaded.info({ gradientMode: opts.gradientMode });
  return loaded;
}

class FileLoss implements LoadedLoss, LossInternals {
  readonly name: string;
  readonly label: string;
  readonly dim: number;
  readonly paramNames: readonly string[];
  readonly start: readonly number[];
  readonly hasGrad: boolean;
  readonly data: LoadedLoss['data'];
  readonly batchSize: number | undefined;
  readonly train: readonly DataRow[] | undefined;
  readonly validation: readonly DataRow[];
  private readonly deps = new Map<string, number>();
  private adResult: { ok: ValueAndGrad; warnings: readonly string[] } | { error: unknown } | null = null;
  private prepared: PreparedAutodiff | null = null;
  private hvpPrepared: PreparedAutodiff['hvp'] | null = null;
  private gradCheck: { warning: string | null } | null = null;
  private adChecked = false;

  constructor(
    readonly file: string,
    private readonly source: string,
    private readonly js: string,
    private readonly locs: PropertyLocations,
    readonly def: NormalizedDefinition,
    readonly self: unknown,
    private readonly modules: ModuleLoader,
  ) {
    this.name = lossNameOf(file);
    this.label = def.label ?? this.name;
    this.dim = def.dim;
    this.paramNames = def.paramNames;
    this.start = def.start;
    this.hasGrad = def.grad !== undefined;
    this.batchSize = def.batchSize;
    this.deps.set(file, mtimeOf(file));
    for (const [f, m] of modules.files) this.deps.set(f, m);
    let rows: DataRow[] | null = null;
    let dataFile: string | null = null;
    if (typeof def.data === 'string') {
      const loaded = loadDataFile(def.data, file, this.at('data'));
      rows = loaded.rows;
      dataFile = loaded.file;
      this.deps.set(dataFile, mtimeOf(dataFile));
    } else if (def.data !== undefined) {
      rows = checkRows(def.data, this.at('data'), 'data');
    }
    if (rows) {
      const split = validationSplit(rows.length, def.validation);
      const train = Object.freeze(Array.from(split.train, (i) => rows![i]!));
      const validation = Object.freeze(Array.from(split.validation, (i) => rows![i]!));
      if (def.batchSize !== undefined && def.batchSize > train.length) {
        // Not an error: a batch larger than the training set is the whole set (noted for the user).
        (def.warnings as string[]).push(`batchSize ${def.batchSize} exceeds the ${train.length} training rows: every step uses all of them`);
      }
      this.data = { train, validation, file: dataFile };
      this.train = train;
      this.validation = validation;
    } else {
      this.data = null;
      this.train = undefined;
      this.validation = [];
    }
  }

  get dependencies(): ReadonlyMap<string, number> {
    return this.deps;
  }

  isStale(): boolean {
    for (const [f, m] of this.deps) if (mtimeOf(f) !== m) return true;
    return false;
  }

  at(prop: string): { file: string; line?: number; column?: number } {
    const p = this.locs.properties.get(prop);
    if (p) return { file: this.file, line: p.line, column: p.column };
    return this.locs.exportLine !== undefined ? { file: this.file, line: this.locs.exportLine } : { file: this.file };
  }

  userFiles(): Iterable<string> {
    return this.modules.files.keys();
  }

  autodiff(): ValueAndGrad {
    if (!this.adResult) {
      if (this.modules.hasTopLevelAwait) {
        // loadLossFile prepares it; only loadLossFileSync's caller can get here
        throw lossError('autodiff', 'this loss file awaits at top level: its automatic gradient needs the asynchronous loader (loadLossFile)', this.at('loss'));
      }
      this.settleAutodiff(() => prepareAutodiff(this, this.source, this.js));
    }
    return this.autodiffResult();
  }

  /** Prepares the automatic gradient of a module graph with top-level await (`autodiff()` then returns it). */
  async prepareAutodiffAsync(): Promise<void> {
    if (this.adResult) return;
    let prepared: PreparedAutodiff | undefined;
    let error: unknown;
    try {
      prepared = await prepareAutodiffAsync(this, this.source, this.js);
    } catch (e) {
      error = e;
    }
    this.settleAutodiff(() => {
      if (!prepared) throw error;
      return prepared;
    });
  }

  private settleAutodiff(prepare: () => PreparedAutodiff): void {
    try {
      const prepared = prepare();
      this.prepared = prepared;
      for (const [f, m] of prepared.files) this.deps.set(f, m);
      this.adResult = { ok: prepared.valueAndGrad, warnings: prepared.warnings };
    } catch (e) {
      this.adResult = { error: e };
    }
  }

  private autodiffResult(): ValueAndGrad {
    if (!this.adResult) throw new Error('unreachable: the automatic gradient was not prepared');
    if ('error' in this.adResult) throw this.adResult.error;
    return this.adResult.ok;
  }

  /**
   * Surfaces 'autodiff' errors when the loss is described rather than at step 0: prepares the
   * automatic gradient and evaluates it once at the start point (full batch). Other errors of that
   * evaluation are left to the run, which reports them with its step.
   */
  private checkAutodiffAtStart(): void {
    if (this.adChecked) return;
    const valueAndGrad = this.autodiff();
    try {
      valueAndGrad(Float64Array.from(this.start), this.train, new Float64Array(this.dim), undefined);
    } catch (e) {
      if (e instanceof LossErrorException && e.error.kind === 'autodiff') throw e;
    }
    this.adChecked = true;
  }

  numericGradient(f: (x: Float64Array) => number, x: Float64Array, out: Float64Array): void {
    numericGradient(f, x, out);
  }

  hvp(flat: Float64Array, v: Float64Array, batch: readonly DataRow[] | undefined, gradOut: Float64Array | null, hvOut: Float64Array): number {
    if (!this.hvpPrepared) {
      try {
        this.autodiff();
      } catch {
        // the gradient's rewrite failed: no exact second derivatives either
      }
      if (!this.adResult || !('ok' in this.adResult) || !this.prepared) throw lossError('autodiff', 'exact Hessian-vector products are not available: the loss cannot be differentiated automatically', this.at('loss'));
      this.hvpPrepared = this.prepared.hvp;
    }
    return this.hvpPrepared(flat, v, batch, gradOut, hvOut);
  }

  info(opts: { readonly gradientMode?: GradientMode } = {}): LossInfo {
    const mode = opts.gradientMode ?? 'auto';
    const gradient = gradientKind(this, mode);
    // Each check evaluates user code once: a heartbeat before each (a loss that takes seconds per call is not a loop).
    if (gradient === 'autodiff') {
      reportProgress('the automatic gradient at the start point', undefined, 'describing');
      this.checkAutodiffAtStart();
    }
    const warnings = [...this.def.warnings];
    if (gradient === 'autodiff' && this.adResult && 'ok' in this.adResult) warnings.push(...this.adResult.warnings);
    if (gradient === 'grad-export') {
      reportProgress('the grad export against the automatic gradient', undefined, 'describing');
      this.gradCheck ??= { warning: gradCheckWarning(this) };
      if (this.gradCheck.warning) warnings.push(this.gradCheck.warning);
    }
    const { window, minimum } = this.def;
    const minima = declaredMinima(minimum, (at) => {
      reportProgress('the loss at the minimum', undefined, 'describing');
      return plainLoss(this, at, this.train, undefined);
    });
    return {
      ref: { kind: 'file', path: this.file },
      name: this.name,
      label: this.label,
      dim: this.dim,
      paramNames: this.paramNames,
      start: this.start,
      ...(window ? { window } : {}),
      ...(minima ? { minima } : {}),
      hasData: this.data !== null,
      hasValidation: this.validation.length > 0,
      ...(this.data ? { dataLayout: { rows: this.data.train.length + this.data.validation.length, validation: this.def.validation, ...(this.batchSize !== undefined ? { batchSize: this.batchSize } : {}) } } : {}),
      gradient,
      warnings,
    };
  }

  createProblem(opts: ProblemOptions = {}): LossProblem {
    return createLossProblem(this, opts);
  }

  value(flat: ArrayLike<number>): number {
    return plainLoss(this, flat, this.train, undefined);
  }
}
