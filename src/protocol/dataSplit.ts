// How many of a data set's rows a `validation` fraction holds out (pure; the loss loader's split and the
// panel's validation note both count with it).

/** Held-out rows of n rows at `fraction`: round(fraction·n), at least 1 and at most n − 1; 0 without a split (fraction 0 or n < 2). */
export function validationRowCount(n: number, fraction: number): number {
  if (!(fraction > 0) || n < 2) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
}
