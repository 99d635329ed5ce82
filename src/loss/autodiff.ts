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

import {
  AUTODIFF_ADVICE,
  AutodiffError,
  createRuntime,
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
import { checkLossValue, plainLoss, type LossInternals, type ValueAndGrad } from './problem';
import { mapColumn, toCommonJs, toJavaScript } from './transpile';

export interface PreparedAutodiff {
  readonly valueAndGrad: ValueAndGrad;
  /** Files evaluated (with mtimes), for cache invalidation. */
  readonly files: ReadonlyMap<string, number>;
  /** The rewriter's non-fatal findings, `file:line:col: message` (e.g. Math.random makes the loss non-deterministic). */
  readonly warnings: readonly string[];
}

/**
 * Prepares the automatic gradient of a loaded loss. `source` is the loss file's text, `js` its
 * line-preserving JavaScript. Throws LossErrorExceptions (kind 'autodiff', or the module's own errors).
 */
export function prepareAutodiff(ctx: LossInternals, source: string, js: string): PreparedAutodiff {
  const runtime = createRuntime();
  const rewrites = new Map<string, { result: RewriteResult; source: string; js: string }>();
  const toOriginal = (file: string, line: number, column: number): { line: number; column: number } => {
    const r = rewrites.get(file);
    if (!r) return { line, column };
    const p = originalPosition(r.result, line, column);
    const srcLine = r.source.split('\n')[p.line - 1] ?? '';
    const jsLine = r.js.split('\n')[p.line - 1] ?? '';
    return { line: p.line, column: mapColumn(srcLine, jsLine, p.column) };
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
        result = rewriteForAutodiff(plainJs, file);
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
    exported = defaultExport(modules.load(ctx.file, source));
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
  return { valueAndGrad: wrapped, files: modules.files, warnings };
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
