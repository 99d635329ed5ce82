// Reverse-mode automatic differentiation of users' plain JavaScript loss code.
//
// Contract with the loss loader:
//  1. `rewriteForAutodiff(js, fileName)` returns `{ code, ... }`: the module with its arithmetic,
//     comparisons, truthiness tests and Math calls routed through a runtime object. The rewritten
//     code references a FREE IDENTIFIER `__ad` (default `runtimeBinding: 'free'`): evaluate it
//     with `__ad` bound to `createRuntime()`, e.g. as a parameter of a wrapper function, or as a
//     global property `__ad` of the realm/context it runs in. Alternatively pass
//     `{ runtimeBinding: 'global' }` and the code starts with
//     `const __ad = globalThis.__optimizerDiagnosticsAd;` (set that global before evaluating).
//     Line N of `code` is line N of the input (stack-trace lines are the user's lines);
//     `originalPosition(result, line, col)` maps columns too. Generated helper functions
//     (`__ad_f0`, `__ad_f0x`, ...: fused expression trees) are appended after the last line;
//     identifiers `__ad` and `__ad_*` are reserved in user code.
//  2. `makeValueAndGrad(runtime, module.default.loss, module.default.params)` gives
//     `(flat, batch, gradOut) => loss` with the exact gradient written into gradOut.
//  3. One runtime per loaded loss (modules it imports, rewritten too, share it); it is not
//     reentrant (one evaluation at a time). AD values are valid for one evaluation only.
//  4. Run-time AutodiffErrors raised by native code (typed-array stores, ...) have line 0:
//     `locateAutodiffError(err, result, evaluatedFileName, lineOffset)` reads the stack.
// See README.md in this folder for supported constructs and the kink conventions.
export { AutodiffError, AUTODIFF_ADVICE } from './errors';
export {
  rewriteForAutodiff, originalPosition, AD_IDENTIFIER, AD_GLOBAL,
  type RewriteResult, type RewriteOptions, type AutodiffWarning, type AdSite, type SiteTree, type ValueRisk,
} from './rewrite';
export { describeNonFinite, type NonFiniteOperation } from './nonfinite';
export { createRuntime, DIFFERENTIABLE_MATH, MAX_TAPE_NODES, type AdRuntime, type AdValue, type Tape } from './runtime';
export {
  makeValueAndGrad, flattenShape, unflattenParams, numericGradient, gradCheck, gradCheckAt, locateAutodiffError,
  type ParamShape, type ValueAndGrad, type GradCheckOptions, type GradCheckResult,
} from './gradient';
export { createTangentRuntime, makeHvp, Dual, type ValueGradHvp } from './hvp';
