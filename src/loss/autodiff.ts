// Adapter to the core's reverse-mode automatic differentiation (src/core/autodiff): evaluates the
// loss file a second time, rewritten so its arithmetic runs on the AD runtime (bound as the free
// identifier `__ad`), and wraps makeValueAndGrad with our checks and error mapping.
//
//   ESM JavaScript (from transpile.ts) ──rewriteForAutodiff──▶ ESM (same lines) ──sucrase imports──▶ CommonJS
//
// Imported user files go through the same rewrite (moduleLoader.ts). Errors:
//   - constructs that cannot be differentiated (rewrite time or run time) → kind 'autodiff' at the
//     user's file:line:column;
//   - anything else that fails only under AD → the plain module is evaluated at the same point, so
//     the user sees the same error (and line) as without AD; if the plain evaluation succeeds, the
//     failure is reported as kind 'autodiff'.
//
// The forward value is checked against the plain module (the user's own code, no rewrite) BIT FOR BIT
// at the start point (describe, step 0), at steps 1..3, every CHECK_EVERY-th step and whenever the value
// is not finite; a difference stops the run with kind 'autodiff' naming the construct (the rewriter's
// value risks) or "a value comparison on a parameter". A loss whose plain value changes between two
// identical calls (Math.random, state kept across calls) cannot be checked: the check then turns off.
//
// A NaN/±∞ loss at finite parameters is located: the tape remembers its first non-finite node (site id
// and operand values) and describeNonFinite names the operation, e.g. `Math.sqrt(-0.02)` at its line
// and column (kind 'domain' when its operands were finite: the loss left its domain).

import {
  AUTODIFF_ADVICE,
  AutodiffError,
  createRuntime,
  createTangentRuntime,
  describeNonFinite,
  makeHvp,
  locateAutodiffError,
  makeValueAndGrad,
  numericGradient as coreNumericGradient,
  originalPosition,
  rewriteForAutodiff,
  type RewriteResult,
} from '../core/autodiff';
import { defaultExport, type UserFunction } from './definition';
import { describeThrown, lossError, LossErrorException, userFrame } from './errors';
import { ModuleLoader } from './moduleLoader';
import { reportAlive } from './progress';
import { callUser, checkLossValue, NUMERIC_ADVICE, plainLoss, type LossInternals, type ValueAndGrad } from './problem';
import { mapColumn, toCommonJs, toJavaScript } from './transpile';

/** Operations whose ±∞ from finite operands is an overflow (large operands), not a singularity like 1/0 or log(0). */
const OVERFLOWING: ReadonlySet<string> = new Set(['+', '-', '*', '**', 'Math.pow', 'Math.exp', 'Math.expm1', 'Math.cosh', 'Math.sinh', 'Math.hypot']);

/** The forward value is compared with the plain loss at steps 0..CHECK_FIRST-1 and every CHECK_EVERY-th step. */
export const CHECK_FIRST = 4;
export const CHECK_EVERY = 100;

export interface PreparedAutodiff {
  readonly valueAndGrad: ValueAndGrad;
  /** Files evaluated (with mtimes), for cache invalidation. */
  readonly files: ReadonlyMap<string, number>;
  /** The rewriter's non-fatal findings, `file:line:col: message` (e.g. Math.random makes the loss non-deterministic). */
  readonly warnings: readonly string[];
  /**
   * Exact Hessian-vector products (reverse-over-forward, src/core/autodiff/hvp.ts): the rewritten module
   * evaluated a second time with the tangent runtime. Returns the loss; writes ∇f and H·v. Throws a
   * LossErrorException of kind 'autodiff' when the tangent runtime refuses a construct or its forward
   * value is not the plain loss (callers fall back to central differences, labelled `numeric`).
   */
  hvp(flat: Float64Array, v: Float64Array, batch: Parameters<ValueAndGrad>[1], gradOut: Float64Array | null, hvOut: Float64Array): number;
}

/**
 * Prepares the automatic gradient of a loaded loss. `source` is the loss file's text, `js` its
 * line-preserving JavaScript. Throws LossErrorExceptions (kind 'autodiff', or the module's own errors).
 */
export function prepareAutodiff(ctx: LossInternals, source: string, js: string): PreparedAutodiff {
  const steps = preparation(ctx, source, js);
  const modules = steps.next().value as ModuleLoader;
  let exports: unknown;
  try {
    exports = modules.load(ctx.file, source);
  } catch (e) {
    return finished(steps.throw(e));
  }
  return finished(steps.next(exports));
}

/** `prepareAutodiff` for module graphs with top-level await (the rewritten modules are awaited). */
export async function prepareAutodiffAsync(ctx: LossInternals, source: string, js: string): Promise<PreparedAutodiff> {
  const steps = preparation(ctx, source, js);
  const modules = steps.next().value as ModuleLoader;
  let exports: unknown;
  try {
    exports = await modules.loadAsync(ctx.file, source);
  } catch (e) {
    return finished(steps.throw(e));
  }
  return finished(steps.next(exports));
}

function finished(r: IteratorResult<ModuleLoader, PreparedAutodiff>): PreparedAutodiff {
  if (!r.done) throw new Error('unreachable: the autodiff preparation yields once');
  return r.value;
}

/**
 * The preparation as a generator, so the one evaluation of the rewritten module graph can be
 * synchronous or awaited: it yields the module loader and is resumed with the loss file's exports
 * (or with the loader's error, thrown in at the same point).
 */
function* preparation(ctx: LossInternals, source: string, js: string): Generator<ModuleLoader, PreparedAutodiff, unknown> {
  const runtime = createRuntime();
  const rewrites = new Map<string, { result: RewriteResult; source: string; js: string }>();
  let nextSite = 0;
  const toOriginal = (file: string, line: number, column: number): { line: number; column: number } => {
    const r = rewrites.get(file);
    if (!r) return { line, column };
    const p = originalPosition(r.result, line, column);
    const srcLine = r.source.split('\n')[p.line - 1] ?? '';
    const jsLine = r.js.split('\n')[p.line - 1] ?? '';
    return { line: p.line, column: mapColumn(srcLine, jsLine, p.column) };
  };
  /** A position in the JavaScript handed to the rewriter (sites, value risks) → the user's source. */
  const jsToSource = (file: string, line: number, column: number): { line: number; column: number } => {
    const r = rewrites.get(file);
    if (!r) return { line, column };
    return { line, column: mapColumn(r.source.split('\n')[line - 1] ?? '', r.js.split('\n')[line - 1] ?? '', column) };
  };
  const autodiffError = (e: AutodiffError, step?: number): LossErrorException => {
    const file = e.fileName || ctx.file;
    const pos = e.line > 0 ? toOriginal(file, e.line, e.column) : undefined;
    const message = `cannot differentiate ${e.construct}${e.detail ? ` (${e.detail})` : ''}; ${AUTODIFF_ADVICE}`;
    return lossError('autodiff', message, { file, ...(pos ?? ctx.at('loss')), ...(step !== undefined ? { step } : {}) });
  };

  const modules = new ModuleLoader(
    (src, file) => {
      const plainJs = file === ctx.file ? js : toJavaScript(src, file);
      let result: RewriteResult;
      try {
        result = rewriteForAutodiff(plainJs, file, { siteBase: nextSite });
        nextSite += result.sites.length;
      } catch (e) {
        if (e instanceof AutodiffError) throw autodiffError(e);
        throw e;
      }
      rewrites.set(file, { result, source: src, js: plainJs });
      return toCommonJs(result.code, file);
    },
    { __ad: runtime },
  );
  let exported: unknown;
  try {
    exported = defaultExport(yield modules);
  } catch (e) {
    if (e instanceof AutodiffError) throw autodiffError(locate(e, rewrites, ctx.file) as AutodiffError);
    throw e;
  }
  const loss = (exported as { loss?: unknown } | undefined)?.loss;
  if (typeof loss !== 'function') {
    // The plain module had one: the rewritten module must be non-deterministic at top level.
    throw lossError('autodiff', 'the module rewritten for automatic differentiation has no loss function (is its top-level code non-deterministic?)', ctx.at('loss'));
  }
  const valueAndGrad = makeValueAndGrad(runtime, (loss as UserFunction).bind(exported), ctx.def.shape);

  // ---- the forward value must be the plain loss, bit for bit
  let checking = true;
  const stepAt = (step: number | undefined): string => (step !== undefined ? ` at step ${step}` : ' at the start point');
  const mismatch = (v: number, plain: number, step: number | undefined): LossErrorException => {
    // the first construct (loss file first, then its imports) that can make native code see value objects
    let culprit: { file: string; line: number; column: number; construct: string } | undefined;
    for (const [file, r] of [...rewrites].sort(([a], [b]) => Number(b === ctx.file) - Number(a === ctx.file))) {
      const risk = r.result.valueRisks[0];
      if (risk) { culprit = { file, ...jsToSource(file, risk.line, risk.column), construct: risk.construct }; break; }
    }
    const construct = culprit?.construct ?? 'a value comparison on a parameter (an identity check, a Map or Set key, or native code that sees the autodiff value objects instead of numbers)';
    return lossError('autodiff',
      `automatic differentiation changes the loss value${stepAt(step)}: ${v} instead of ${plain} (loss() without the rewrite), because of ${construct}; ${NUMERIC_ADVICE}`,
      { ...(culprit ? { file: culprit.file, line: culprit.line, column: culprit.column } : ctx.at('loss')), ...(step !== undefined ? { step } : {}) });
  };
  const same = (a: number, b: number): boolean => Object.is(a, b) || (a !== a && b !== b);
  /** Throws when the forward value `v` is not the plain loss at this point. */
  const checkAgainstPlain = (v: number, flat: Float64Array, batch: Parameters<ValueAndGrad>[1], step: number | undefined): void => {
    reportAlive('checking the automatic gradient\'s loss value against loss()');
    const plain = callUser(ctx, 'loss', ctx.def.loss, flat, batch, step);
    if (typeof plain !== 'number') checkLossValue(ctx, plain, step); // the plain loss's own error (not a number)
    if (same(v, plain as number)) return;
    const again = callUser(ctx, 'loss', ctx.def.loss, flat, batch, step);
    if (!same(plain as number, again as number)) {
      checking = false; // non-deterministic (Math.random, state across calls): the comparison cannot apply
      return;
    }
    throw mismatch(v, plain as number, step);
  };
  /** A located error for a non-finite forward value (equal to the plain one), or undefined. */
  const nonFiniteError = (v: number, flat: Float64Array, step: number | undefined): LossErrorException | undefined => {
    for (let i = 0; i < flat.length; i++) if (!Number.isFinite(flat[i]!)) return undefined; // diverged parameters: problem.ts says so
    const nf = runtime.tape.nonFinite();
    if (!nf || nf.site < 0) return undefined;
    for (const [file, r] of rewrites) {
      const op = describeNonFinite(r.result, nf.site, nf.operands);
      if (!op) continue;
      const pos = jsToSource(file, op.line, op.column);
      const where = { file, ...pos, ...(step !== undefined ? { step } : {}) };
      const result = Number.isNaN(op.value) ? 'NaN' : String(op.value);
      const huge = hugeParameter(flat);
      if (op.fromFinite && !Number.isNaN(op.value) && OVERFLOWING.has(op.op) && huge) {
        // an overflow of huge parameters: not the loss's domain, the parameters diverged
        return lossError('non-finite',
          `loss() returned ${v}${stepAt(step)} because the parameters diverged (${huge}): ${op.text} is ${result}; try a smaller learning rate`, where);
      }
      if (op.fromFinite) {
        return lossError('domain',
          `the loss left its domain${stepAt(step)}: ${op.text} is ${result} (finite operands, finite parameters); loss() returned ${v}`,
          { ...where });
      }
      return lossError(Number.isNaN(v) ? 'not-a-number' : 'non-finite',
        `loss() returned ${v}${stepAt(step)} (the parameters are finite): ${op.text} is ${result}, the first non-finite operation; its non-finite operand does not come from the parameters (data or a constant?)`,
        { ...where });
    }
    return undefined;
  };

  /** `name = value` of the largest parameter when it is huge (1e8 × the start's scale), else undefined. */
  const startScale = ctx.def.start.reduce((m, x) => Math.max(m, Math.abs(x)), 1);
  const hugeParameter = (flat: Float64Array): string | undefined => {
    let k = 0;
    for (let i = 1; i < flat.length; i++) if (Math.abs(flat[i]!) > Math.abs(flat[k]!)) k = i;
    return Math.abs(flat[k]!) > 1e8 * startScale ? `${ctx.def.paramNames[k] ?? k} = ${flat[k]}` : undefined;
  };

  const wrapped: ValueAndGrad = (flat, batch, out, step) => {
    let v: number;
    try {
      v = valueAndGrad(flat, batch, out);
    } catch (e) {
      // Same point without AD first: a genuine user error (a throw, a string result ...) surfaces with
      // its plain message and line, even when the AD evaluation tripped over it differently.
      plainLoss(ctx, flat, batch, step);
      const located = locate(e, rewrites, ctx.file);
      if (located instanceof AutodiffError) throw autodiffError(located, step);
      const at = userFrame(e, modules.files.keys());
      const pos = at ? { file: at.file, ...toOriginal(at.file, at.line, at.column ?? 1) } : ctx.at('loss');
      throw lossError('autodiff', `automatic differentiation failed${step !== undefined ? ` at step ${step}` : ''}: ${describeThrown(e)}; ${AUTODIFF_ADVICE}`, {
        ...pos,
        ...(step !== undefined ? { step } : {}),
      });
    }
    const finite = Number.isFinite(v);
    if (checking && (step === undefined || step < CHECK_FIRST || step % CHECK_EVERY === 0 || !finite)) checkAgainstPlain(v, flat, batch, step);
    if (!finite) {
      const located = nonFiniteError(v, flat, step);
      if (located) throw located;
    }
    return checkLossValue(ctx, v, step);
  };

  const warnings: string[] = [];
  for (const { result } of rewrites.values()) {
    for (const w of result.warnings) {
      const r = rewrites.get(w.fileName);
      const col = r ? mapColumn(r.source.split('\n')[w.line - 1] ?? '', r.js.split('\n')[w.line - 1] ?? '', w.column) : w.column;
      warnings.push(`${w.fileName}:${w.line}:${col}: ${w.message}`);
    }
  }
  // ---- Hessian-vector products: a second evaluation of the rewritten module on the tangent runtime
  let hvpFn: ReturnType<typeof makeHvp> | null = null;
  let hvpCalls = 0;
  const hvpRuntime = createRuntime();
  const tangent = createTangentRuntime(hvpRuntime);
  const prepareHvp = (): ReturnType<typeof makeHvp> => {
    if (hvpFn) return hvpFn;
    const second = new ModuleLoader(
      (src, file) => {
        let r = rewrites.get(file)?.result;
        if (!r) {
          r = rewriteForAutodiff(file === ctx.file ? js : toJavaScript(src, file), file, { siteBase: nextSite });
          nextSite += r.sites.length;
        }
        return toCommonJs(r.code, file);
      },
      { __ad: tangent },
    );
    const ex = defaultExport(second.load(ctx.file, source)) as { loss?: unknown } | undefined;
    if (typeof ex?.loss !== 'function') throw new Error('the module evaluated for Hessian-vector products has no loss function');
    hvpFn = makeHvp(hvpRuntime, (ex.loss as UserFunction).bind(ex), ctx.def.shape);
    return hvpFn;
  };
  const hvp: PreparedAutodiff['hvp'] = (flat, v, batch, gradOut, hvOut) => {
    let value: number;
    try {
      value = prepareHvp()(flat, v, batch, gradOut, hvOut);
    } catch (e) {
      const why = e instanceof AutodiffError ? `${e.construct}${e.detail ? ` (${e.detail})` : ''}` : describeThrown(e);
      throw lossError('autodiff', `exact Hessian-vector products are not available: ${why}`, ctx.at('loss'));
    }
    // the forward value must be the plain loss (checked like the gradient's: the first calls, then every 100th)
    if (hvpCalls++ >= CHECK_FIRST && hvpCalls % CHECK_EVERY !== 0) return value;
    const plain = callUser(ctx, 'loss', ctx.def.loss, flat, batch, undefined);
    if (!same(value, plain as number)) {
      throw lossError('autodiff', `exact Hessian-vector products are not available: the tangent evaluation's loss ${value} differs from loss() = ${String(plain)}`, ctx.at('loss'));
    }
    return value;
  };

  return { valueAndGrad: wrapped, files: modules.files, warnings, hvp };
}

/** Attaches a position to a run-time AutodiffError raised without one (native conversions). */
function locate(e: unknown, rewrites: ReadonlyMap<string, { result: RewriteResult }>, file: string): unknown {
  if (!(e instanceof AutodiffError) || e.line > 0) return e;
  for (const [f, r] of rewrites) {
    const located = locateAutodiffError(e, r.result, f);
    if (located !== e) return located;
  }
  return e.fileName ? e : e.at(file, 0, 0);
}

/** Central differences (h = ∛ε·max(1, |x_i|)), the core's implementation. */
export function numericGradient(f: (x: Float64Array) => number, x: Float64Array, out: Float64Array): void {
  coreNumericGradient(f, x, out);
}
