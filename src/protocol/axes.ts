// Axis ranges shared by linked panels ("side by side"): the union of every panel's data per chart.
// Pure. Log-scaled charts use positive values only.

import type { RunSeries, SeriesColumn } from './messages';

export type Range = [number, number];

function extend(r: Range | null, c: SeriesColumn | null | undefined, positiveOnly: boolean): Range | null {
  if (!c) return r;
  let [lo, hi] = r ?? [Infinity, -Infinity];
  for (let i = 0; i < c.y.length; i++) {
    const v = c.y[i]!;
    if (!plottable(v) || (positiveOnly && v <= 0)) continue;
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

// #region Axis layout of one chart (range + ticks), used by the webview's charts. Pure.

/** Values beyond ±OVERFLOW (and non-finite ones) are not plotted: the charts mark them at the top edge. */
export const OVERFLOW = 1e300;

/** A plottable value: finite and within ±OVERFLOW. */
export function plottable(v: number): boolean {
  return v === v && v <= OVERFLOW && v >= -OVERFLOW;
}

export interface AxisTick {
  readonly value: number;
  readonly label: string;
}

export interface AxisLayout {
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly AxisTick[];
  /** The bottom of a log axis was raised (values far below the largest are off the chart). */
  readonly clipped: boolean;
}

/** Smallest "nice" step ≥ raw: 1, 2, 2.5 or 5 × 10^k. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const e = Math.floor(Math.log10(raw));
  const base = 10 ** e;
  const m = raw / base;
  const nice = m <= 1 + 1e-9 ? 1 : m <= 2 + 1e-9 ? 2 : m <= 2.5 + 1e-9 ? 2.5 : m <= 5 + 1e-9 ? 5 : 10;
  return nice * base;
}

function clean(v: number): number {
  return v === 0 ? 0 : Number(v.toPrecision(12));
}

/** Significant digits that tell values `step` apart near `maxAbs`, then the labels (made distinct). */
function labels(values: readonly number[], step: number): string[] {
  const maxAbs = Math.max(...values.map(Math.abs), Math.abs(step));
  let digits = Math.max(1, Math.floor(Math.log10(maxAbs) + 1e-9) - Math.floor(Math.log10(step) + 1e-9) + 1);
  for (;;) {
    const out = values.map((v) => formatTick(v, digits));
    if (new Set(out).size === out.length || digits >= 12) return out;
    digits++;
  }
}

function formatTick(v: number, digits: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-2 && a < 1e5) return String(Number(v.toPrecision(Math.min(21, Math.max(1, digits)))));
  const [m, e] = v.toExponential(Math.max(0, digits - 1)).split('e');
  return `${String(Number(m))}e${Number(e)}`;
}

/** Evenly spaced, rounded ticks inside [min, max]: at most about `maxTicks`, at least two when the range allows. */
export function linearTicks(min: number, max: number, maxTicks = 5): AxisTick[] {
  if (!(max > min)) return Number.isFinite(min) ? [{ value: min, label: formatTick(min, 4) }] : [];
  let step = niceStep((max - min) / Math.max(1, maxTicks));
  let values: number[] = [];
  for (let guard = 0; guard < 4; guard++) {
    values = [];
    for (let k = Math.ceil(min / step - 1e-9); k * step <= max + step * 1e-9; k++) values.push(clean(k * step));
    if (values.length >= 2) break;
    step = niceStep(step / 2.1);
  }
  return values.map((value, i) => ({ value, label: labels(values, step)[i]! }));
}

/**
 * Ticks of a log axis over [min, max] (0 < min < max):
 *  - ≥ 2.5 decades: powers of ten, every 1, 2, 3, 5, 10, … decades (at most about 7);
 *  - 1.2–2.5 decades: 1, 2, 5 × 10^k (1, 3 × 10^k above 1.6 decades);
 *  - 0.6–1.2 decades: 1, 2, 3, 5 × 10^k;
 *  - under 0.6 decades (or fewer than two of the above): linear-looking ticks (`linearTicks`), so a
 *    range such as 3.62…3.95 reads 3.7 3.8 3.9, not a pile of 3.6 3.7 3.8 3.9 with every minor tick.
 */
export function logTicks(min: number, max: number): AxisTick[] {
  if (!(min > 0) || !(max > min) || !Number.isFinite(max)) return linearTicks(min, max);
  const lo = Math.log10(min);
  const hi = Math.log10(max);
  const span = hi - lo;
  if (span >= 2.5) {
    const step = [1, 2, 3, 5, 10, 20, 25, 50, 100].find((k) => span / k <= 7) ?? Math.ceil(span / 7);
    const values: number[] = [];
    for (let e = Math.ceil(lo / step - 1e-9) * step; e <= hi + 1e-9; e += step) values.push(10 ** e);
    if (values.length >= 2) return values.map((value) => ({ value, label: formatTick(value, 1) }));
  }
  if (span >= 0.6) {
    const mantissas = span >= 1.6 ? [1, 3] : span >= 1.2 ? [1, 2, 5] : [1, 2, 3, 5];
    const values: number[] = [];
    for (let e = Math.floor(lo) - 1; e <= Math.ceil(hi); e++) {
      for (const m of mantissas) {
        const v = clean(m * 10 ** e);
        if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) values.push(v);
      }
    }
    if (values.length >= 2) return values.map((value) => ({ value, label: formatTick(value, 2) }));
  }
  return linearTicks(min, max);
}

export interface AxisLayoutOptions {
  /** Log axis: at most this many decades below the largest value, or below `keep` when that is smaller… */
  readonly maxDecades?: number;
  /** …the first step's value: a diverging run (1 → 1e80) keeps its whole history, a converging one is clipped far below its start. */
  readonly keep?: number;
}

/**
 * Range and ticks of a y axis for data in [lo, hi] (finite; positive for a log axis), padded so that no
 * series lies on an unlabelled edge. A constant series (lo = hi) gets a padded range with a tick at its
 * own value, labelled. Returns null without data.
 */
export function axisLayout(lo: number, hi: number, log: boolean, opts: AxisLayoutOptions = {}): AxisLayout | null {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi || (log && !(lo > 0))) return null;
  let clipped = false;
  if (log && opts.maxDecades !== undefined && Math.log10(hi / lo) > opts.maxDecades) {
    const keep = opts.keep !== undefined && opts.keep > 0 ? Math.min(opts.keep, hi) : hi;
    const bottom = Math.max(lo, keep * 10 ** -opts.maxDecades);
    clipped = bottom > lo;
    lo = bottom;
  }
  const constant = log ? hi / lo - 1 <= 1e-12 : hi - lo <= 1e-12 * Math.max(Math.abs(lo), Math.abs(hi));
  if (constant) {
    const v = (lo + hi) / 2;
    const [min, max] = log ? [v / 10 ** 0.15, v * 10 ** 0.15] : v === 0 ? [-1, 1] : [v - Math.abs(v) * 0.1, v + Math.abs(v) * 0.1];
    const around = linearTicks(min, max, 4);
    const step = around.length > 1 ? around[1]!.value - around[0]!.value : Math.abs(v) || 1;
    const others = around.filter((t) => Math.abs(t.value - v) > step * 0.4);
    const own: AxisTick = { value: v, label: formatTick(v, 6) };
    const ticks = [...others, own].sort((a, b) => a.value - b.value);
    return { min, max, ticks, clipped };
  }
  if (log) {
    const pad = Math.min(Math.max(0.04 * Math.log10(hi / lo), 0.01), 0.5); // 4 % of the decades, at most half a decade
    // Bounded: data reach ±1e300, and a padded 1e312 would be Infinity.
    const min = Math.max(lo / 10 ** pad, Number.MIN_VALUE * 1e10);
    const max = Math.min(hi * 10 ** pad, 1e306);
    return { min, max, ticks: logTicks(min, max), clipped };
  }
  const pad = 0.05 * (hi - lo);
  const min = lo - pad;
  const max = hi + pad;
  return { min, max, ticks: linearTicks(min, max), clipped };
}

// #endregion
