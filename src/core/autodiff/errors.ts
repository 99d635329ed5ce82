// Errors of the automatic differentiation (pure TypeScript, no Node/DOM APIs).

/** The advice every "cannot differentiate" message ends with. */
export const AUTODIFF_ADVICE = 'add a grad(p, batch) export or use the numeric gradient mode';

/**
 * Raised when a loss cannot be differentiated automatically: statically by `rewriteForAutodiff`
 * (e.g. `eval`, `new Function`) or at run time by the rewritten code (e.g. a bitwise operator or
 * `Number(x)` applied to a parameter-dependent value).
 *
 * `line` is 1-based and `column` 1-based, both in the user's source (the JavaScript handed to
 * `rewriteForAutodiff`); both are 0 when the position is not known (a conversion triggered by
 * native code, e.g. a `Float64Array` store; see `locateAutodiffError`).
 * Message: `${fileName}:${line}:${column}: cannot differentiate ${construct}${detail}; add a grad(p, batch) export or use the numeric gradient mode`.
 */
export class AutodiffError extends Error {
  readonly fileName: string;
  readonly line: number;
  readonly column: number;
  /** The offending construct, e.g. `eval`, `the bitwise operator |`, `Number(...)`. */
  readonly construct: string;
  /** Extra explanation between the construct and the advice (may be empty). */
  readonly detail: string;

  constructor(fileName: string, line: number, column: number, construct: string, detail = '') {
    const where = line > 0 ? `${fileName}:${line}:${column}` : fileName || '<loss>';
    super(`${where}: cannot differentiate ${construct}${detail ? ` (${detail})` : ''}; ${AUTODIFF_ADVICE}`);
    this.name = 'AutodiffError';
    this.fileName = fileName;
    this.line = line;
    this.column = column;
    this.construct = construct;
    this.detail = detail;
  }

  /** Same error at another position (used to attach a location found later). */
  at(fileName: string, line: number, column: number): AutodiffError {
    return new AutodiffError(fileName, line, column, this.construct, this.detail);
  }
}

/** Parses a site string `file:line:col` (as emitted into rewritten code) into its parts. */
export function parseSite(site: string): { fileName: string; line: number; column: number } {
  const c2 = site.lastIndexOf(':');
  const c1 = c2 > 0 ? site.lastIndexOf(':', c2 - 1) : -1;
  if (c1 < 0) return { fileName: site, line: 0, column: 0 };
  return { fileName: site.slice(0, c1), line: Number(site.slice(c1 + 1, c2)) || 0, column: Number(site.slice(c2 + 1)) || 0 };
}

/** Runtime error at a site string `file:line:col` emitted by the rewriter. */
export function siteError(site: string | undefined, construct: string, detail = ''): AutodiffError {
  const s = site ? parseSite(site) : { fileName: '', line: 0, column: 0 };
  return new AutodiffError(s.fileName, s.line, s.column, construct, detail);
}
