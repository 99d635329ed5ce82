// Axis ranges shared by linked panels ("side by side"): the union of every panel's data per chart.
// Pure. Log-scaled charts use positive values only.

import type { RunSeries, SeriesColumn } from './messages';

export type Range = [number, number];

function extend(r: Range | null, c: SeriesColumn | null | undefined, positiveOnly: boolean): Range | null {
  if (!c) return r;
  let [lo, hi] = r ?? [Infinity, -Infinity];
  for (let i = 0; i < c.y.length; i++) {
    const v = c.y[i]!;
    if (!Number.isFinite(v) || (positiveOnly && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : r;
}

/**
 * Per chart key: `convergence`, `effectiveLr`, `stepSize`, `updateRatio`, `params` and `moments:<state>`.
 * `lossOffset` is subtracted from losses (f − f_min plots).
 */
export function linkedRanges(runs: readonly RunSeries[], lossOffset = 0): Record<string, Range> {
  const out: Record<string, Range | null> = {};
  const put = (k: string, c: SeriesColumn | null | undefined, pos: boolean): void => {
    out[k] = extend(out[k] ?? null, c, pos);
  };
  for (const r of runs) {
    if (lossOffset !== 0) {
      const shifted = { x: r.loss.x, y: r.loss.y.map((v) => v - lossOffset) };
      put('convergence', shifted, true);
    } else put('convergence', r.loss, true);
    put('convergence', r.gradNorm, true);
    for (const p of r.params) {
      put('effectiveLr', p.effectiveLr, true);
      put('stepSize', p.stepSize, true);
      put('updateRatio', p.updateRatio, true);
      put('params', p.value, false);
      for (const [k, c] of Object.entries(p.state)) put(`moments:${k}`, c, false);
    }
  }
  const res: Record<string, Range> = {};
  for (const [k, v] of Object.entries(out)) if (v) res[k] = v;
  return res;
}
