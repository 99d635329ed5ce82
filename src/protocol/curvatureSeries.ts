// RecordingColumns.curvature (+ curvatureViews) → what the panel's curvature cards draw: the Curvature &
// stability chart, the α (step quality) chart with its histograms, the Hessian's eigen-directions on a
// 2-parameter contour and the eigen-decomposition of a quadratic (README "Curvature and stability", panel).
// The numbers are the CLI's (`simulate --curvature`: computeCurvature in the runner); this module only
// picks the computed points, decimates and counts. Pure (host and tests).

import type { HessianMethod } from '../core/types';
import { recordedRows } from '../core/simulation';
import { decimateMinMax } from './decimate';
import type { SeriesColumn } from './messages';
import type { RecordingColumns } from './simulation';

/**
 * n ≤ 2: eigenvalues at every point up to this many steps, else at every ⌈steps/2,000⌉-th (dense 2×2, ~5–25 µs a
 * point with λ_max(P⁻¹H) and the eigen-directions: ≤ ~50 ms a run on a loaded machine; about the chart's width).
 */
export const PANEL_DENSE_POINTS = 2_000;
/**
 * For n > 2 (Lanczos, ≤ 30 Hessian-vector products a point, each ~4–7 gradients on the mlp example): about
 * this many points per run, so the curvature costs a bounded ~1,000 gradient evaluations whatever the steps.
 */
export const PANEL_LANCZOS_POINTS = 8;
/** Above this many parameters the panel computes no curvature by default (the CLI's --curvature still does). */
export const PANEL_CURVATURE_MAX_DIM = 2000;
/**
 * Loss files get their second derivatives from the AD's Hessian-vector products (each costs several gradients,
 * README "Cost"): above this many parameters the panel computes neither the curvature nor the end point (whose
 * sharpness is a dense or Lanczos Hessian) by default. On the 193-parameter mlp example they took minutes for a
 * 3-run comparison on a loaded machine and tripped the 10 s no-progress watchdog; the CLI's --curvature and
 * --endpoint still compute them. Built-ins (analytic Hessians) keep PANEL_CURVATURE_MAX_DIM.
 */
export const PANEL_FILE_SECOND_ORDER_MAX_DIM = 20;

/** Most parameters for which the panel computes second-order extras by default (curvature, end point). */
export function panelSecondOrderMaxDim(lossKind: 'builtin' | 'file'): number {
  return lossKind === 'file' ? PANEL_FILE_SECOND_ORDER_MAX_DIM : PANEL_CURVATURE_MAX_DIM;
}
/** α histograms: bins of this width over [ALPHA_HIST_MIN, ALPHA_HIST_MAX]; values outside go to the end bins. */
export const ALPHA_HIST_MIN = -2;
export const ALPHA_HIST_MAX = 3;
export const ALPHA_HIST_BIN = 0.25;
/** The "last steps" histogram: the last 10 % of the steps with an α. */
export const ALPHA_LAST_SHARE = 0.1;
/** Most eigen-direction points sent for a 2-parameter run (the slider picks the nearest computed one). */
export const DIRECTIONS_MAX_POINTS = 4000;

/**
 * The panel's `every`: every point for n ≤ 2 (up to PANEL_DENSE_POINTS steps), about PANEL_LANCZOS_POINTS points
 * above; 0 (not computed) above panelSecondOrderMaxDim parameters (2,000 for built-ins, 20 for loss files).
 */
export function panelCurvatureEvery(dim: number, steps: number, lossKind: 'builtin' | 'file' = 'builtin'): number {
  if (dim > panelSecondOrderMaxDim(lossKind)) return 0;
  const points = dim <= 2 ? PANEL_DENSE_POINTS : PANEL_LANCZOS_POINTS;
  return Math.max(1, Math.ceil(Math.max(0, steps) / points));
}

export interface AlphaHistogram {
  /** Bin edges (length bins + 1). The first and last bins also count the values below / above the range. */
  readonly edges: Float64Array;
  /** Counts per bin: all steps with an α, and the last ALPHA_LAST_SHARE of them. */
  readonly all: Float64Array;
  readonly last: Float64Array;
  /** First step of the "last" histogram, and the number of steps in each. */
  readonly lastFrom: number;
  readonly countAll: number;
  readonly countLast: number;
  /** Values outside [min, max] (counted in the end bins). */
  readonly clippedAll: number;
  readonly clippedLast: number;
  /** Share of α > 0 (overshoot) among all steps and among the last ones. */
  readonly overshootAll: number;
  readonly overshootLast: number;
}

/** The eigen-decomposition view of a constant-Hessian loss, decimated per mode. */
export interface ModesPanel {
  readonly lambdas: Float64Array;
  /** |(θ_t − θ*)·q_i| per mode (x = step). */
  readonly components: readonly SeriesColumn[];
  /** |c_i(0)|·Π ρ_i(η_s), the linear theory (empty array: none). */
  readonly predicted: readonly SeriesColumn[];
  readonly rates: readonly (number | null)[];
  readonly rateFormula: string;
  readonly rateReason?: string;
  readonly thetaStar: Float64Array;
  /** Probe points the Hessian was compared at, and the tolerance. */
  readonly probes: number;
  readonly rtol: number;
}

/** One run's curvature for the panel (RunSeries.curvature). */
export interface CurvaturePanel {
  readonly method: HessianMethod;
  readonly every: number;
  /** Lanczos (n > 2): the mean and largest Hessian-vector products per point, and points that did not converge. */
  readonly lanczos: { readonly meanIterations: number; readonly maxIterations: number; readonly unconverged: number } | null;
  /** Points with eigenvalues / rows. */
  readonly computed: number;
  readonly rows: number;
  readonly stabilityOn: 'hessian' | 'preconditioned';
  readonly stabilityFormula: string;
  readonly stabilityReason?: string;
  /** The computed points: step, λ_max(H), λ_min(H), λ_max(P⁻¹H) (NaN: none), threshold (NaN: none). */
  readonly step: Float64Array;
  readonly hessianMax: Float64Array;
  readonly hessianMin: Float64Array;
  readonly preconditionedMax: Float64Array;
  readonly threshold: Float64Array;
  /** The threshold at every row (decimated; the line across the chart). */
  readonly thresholdLine: SeriesColumn;
  /** Steps [from, to] (flat pairs) where the sharpness the threshold bounds is above it. */
  readonly above: Float64Array;
  /** Steps where λ_min < 0. */
  readonly negative: Float64Array;
  /** α per step (decimated min-max; x = step). */
  readonly alpha: SeriesColumn;
  readonly alphaHistogram: AlphaHistogram;
  /** 2-parameter runs: per computed point step, λ₁ ≥ λ₂ and λ₁'s unit eigenvector q₁ (q₂ = (−q₁y, q₁x)). */
  readonly directions?: { readonly step: Float64Array; readonly l1: Float64Array; readonly l2: Float64Array; readonly qx: Float64Array; readonly qy: Float64Array };
  readonly modes?: ModesPanel;
  readonly modesNote?: string;
  /** The curvature could not be computed for this run (the run itself is fine). */
  readonly error?: string;
}

const nan = (v: number | null | undefined): number => (v === null || v === undefined ? NaN : v);

/** Bin counts of the finite values of `a[from..to)`. */
function histogram(a: ArrayLike<number>, from: number, to: number, bins: number, into: Float64Array): { count: number; clipped: number; over: number } {
  let count = 0, clipped = 0, over = 0;
  for (let i = from; i < to; i++) {
    const v = a[i]!;
    if (!Number.isFinite(v)) continue;
    count++;
    if (v > 0) over++;
    let b = Math.floor((v - ALPHA_HIST_MIN) / ALPHA_HIST_BIN);
    if (v < ALPHA_HIST_MIN || v > ALPHA_HIST_MAX) clipped++;
    if (v === ALPHA_HIST_MAX) b = bins - 1;
    into[Math.max(0, Math.min(bins - 1, b))]! += 1;
  }
  return { count, clipped, over };
}

/** α histograms of all steps and of the last ALPHA_LAST_SHARE of the steps with an α (steps = x). */
export function alphaHistogram(steps: ArrayLike<number>, alpha: ArrayLike<number>): AlphaHistogram {
  const bins = Math.round((ALPHA_HIST_MAX - ALPHA_HIST_MIN) / ALPHA_HIST_BIN);
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i <= bins; i++) edges[i] = ALPHA_HIST_MIN + i * ALPHA_HIST_BIN;
  const all = new Float64Array(bins);
  const last = new Float64Array(bins);
  const idx: number[] = [];
  for (let i = 0; i < alpha.length; i++) if (Number.isFinite(alpha[i]!)) idx.push(i);
  const a = histogram(alpha, 0, alpha.length, bins, all);
  const nLast = idx.length ? Math.max(1, Math.ceil(ALPHA_LAST_SHARE * idx.length)) : 0;
  const start = nLast ? idx[idx.length - nLast]! : alpha.length;
  const l = histogram(alpha, start, alpha.length, bins, last);
  return {
    edges, all, last,
    lastFrom: start < steps.length ? steps[start]! : NaN,
    countAll: a.count, countLast: l.count, clippedAll: a.clipped, clippedLast: l.clipped,
    overshootAll: a.count ? a.over / a.count : NaN,
    overshootLast: l.count ? l.over / l.count : NaN,
  };
}

/** The panel's curvature of one run, or null when the run has none. `threshold`: most points per decimated series (0: all). */
export function buildCurvaturePanel(rec: RecordingColumns, threshold: number): CurvaturePanel | null {
  const c = rec.curvature;
  const views = rec.curvatureViews;
  if (!c) {
    return views?.error ? { ...emptyPanel(), error: views.error } : null;
  }
  const rows = c.hessian_max_eig.length;
  const stepOf = recordedRows(rec);
  const stepAt = (r: number): number => (stepOf ? stepOf[r]! : r);
  // computed points
  const idx: number[] = [];
  for (let r = 0; r < rows; r++) if (c.hessian_max_eig[r] !== null || c.hessian_min_eig[r] !== null) idx.push(r);
  const m = idx.length;
  const step = new Float64Array(m), hmax = new Float64Array(m), hmin = new Float64Array(m), pmax = new Float64Array(m), thr = new Float64Array(m);
  let itSum = 0, itMax = 0, itN = 0, unconverged = 0;
  for (let k = 0; k < m; k++) {
    const r = idx[k]!;
    step[k] = stepAt(r);
    hmax[k] = nan(c.hessian_max_eig[r]);
    hmin[k] = nan(c.hessian_min_eig[r]);
    pmax[k] = nan(c.preconditioned_max_eig[r]);
    thr[k] = nan(c.stability_threshold[r]);
    const it = c.lanczos_iterations[r];
    if (it !== null && it !== undefined) { itSum += it; itN++; itMax = Math.max(itMax, it); }
    if (c.lanczos_converged[r] === false) unconverged++;
  }
  // threshold line over every row
  const thrAll = new Float64Array(rows);
  for (let r = 0; r < rows; r++) thrAll[r] = nan(c.stability_threshold[r]);
  const thresholdLine = decimateMinMax(thrAll, rows, threshold, 0);
  if (stepOf) for (let k = 0; k < thresholdLine.x.length; k++) thresholdLine.x[k] = stepOf[thresholdLine.x[k]!]!;
  // shaded spans: the sharpness the threshold bounds above it, from each such point to the next computed one
  const sharp = c.stability_on === 'preconditioned' ? pmax : hmax;
  const spans: number[] = [];
  const neg: number[] = [];
  for (let k = 0; k < m; k++) {
    if (hmin[k]! < 0) neg.push(step[k]!);
    if (!(sharp[k]! > thr[k]!)) continue;
    const a = step[k]!;
    const b = k + 1 < m ? step[k + 1]! : a;
    if (spans.length && spans[spans.length - 1] === a) spans[spans.length - 1] = b;
    else spans.push(a, b);
  }
  // α of every step (x = step)
  const alphaRaw = new Float64Array(rows);
  for (let r = 0; r < rows; r++) alphaRaw[r] = nan(c.alpha[r]);
  const alphaSteps = new Float64Array(rows);
  for (let r = 0; r < rows; r++) alphaSteps[r] = stepAt(r);
  const alphaAll = decimateMinMax(alphaRaw, rows, threshold, 0);
  if (stepOf) for (let k = 0; k < alphaAll.x.length; k++) alphaAll.x[k] = stepOf[alphaAll.x[k]!]!;
  const alphaFinite = keepFinite(alphaAll);
  const panel: CurvaturePanel = {
    method: c.method,
    every: c.every,
    lanczos: itN ? { meanIterations: itSum / itN, maxIterations: itMax, unconverged } : null,
    computed: m,
    rows,
    stabilityOn: c.stability_on,
    stabilityFormula: c.stability_formula,
    ...(c.stability_reason ? { stabilityReason: c.stability_reason } : {}),
    step, hessianMax: hmax, hessianMin: hmin, preconditionedMax: pmax, threshold: thr,
    thresholdLine,
    above: Float64Array.from(spans),
    negative: Float64Array.from(neg),
    alpha: alphaFinite,
    alphaHistogram: alphaHistogram(alphaSteps, alphaRaw),
    ...(views?.directions ? { directions: directionsOf(views.directions.values, stepAt) } : {}),
    ...(views?.modes ? { modes: modesOf(views.modes, rec.dim, threshold, stepOf) } : {}),
    ...(views?.modesNote ? { modesNote: views.modesNote } : {}),
    ...(views?.error ? { error: views.error } : {}),
  };
  return panel;
}

function keepFinite(col: { x: Float64Array; y: Float64Array }): SeriesColumn {
  let n = 0;
  for (let i = 0; i < col.y.length; i++) if (Number.isFinite(col.y[i]!)) n++;
  if (n === col.y.length) return col;
  const x = new Float64Array(n), y = new Float64Array(n);
  for (let i = 0, k = 0; i < col.y.length; i++) if (Number.isFinite(col.y[i]!)) { x[k] = col.x[i]!; y[k++] = col.y[i]!; }
  return { x, y };
}

function directionsOf(v: Float64Array, stepAt: (r: number) => number): NonNullable<CurvaturePanel['directions']> {
  const rows = Math.floor(v.length / 4);
  const idx: number[] = [];
  for (let r = 0; r < rows; r++) if (Number.isFinite(v[r * 4]!)) idx.push(r);
  const stride = Math.max(1, Math.ceil(idx.length / DIRECTIONS_MAX_POINTS));
  const keep = idx.filter((_, k) => k % stride === 0 || k === idx.length - 1);
  const out = { step: new Float64Array(keep.length), l1: new Float64Array(keep.length), l2: new Float64Array(keep.length), qx: new Float64Array(keep.length), qy: new Float64Array(keep.length) };
  keep.forEach((r, k) => {
    out.step[k] = stepAt(r);
    out.l1[k] = v[r * 4]!;
    out.l2[k] = v[r * 4 + 1]!;
    out.qx[k] = v[r * 4 + 2]!;
    out.qy[k] = v[r * 4 + 3]!;
  });
  return out;
}

function modesOf(m: NonNullable<NonNullable<RecordingColumns['curvatureViews']>['modes']>, dim: number, threshold: number, stepOf: Float64Array | null): ModesPanel {
  const rows = Math.floor(m.components.length / Math.max(1, dim));
  const col = (a: Float64Array, i: number): SeriesColumn => {
    const s = decimateMinMax(a, rows, threshold, 0, i, dim);
    if (stepOf) for (let k = 0; k < s.x.length; k++) s.x[k] = stepOf[s.x[k]!]!;
    return s;
  };
  const components = Array.from(m.lambdas, (_, i) => col(m.components, i));
  const predicted = m.predicted.length ? Array.from(m.lambdas, (_, i) => col(m.predicted, i)) : [];
  return {
    lambdas: m.lambdas, components, predicted, rates: m.rates, rateFormula: m.rateFormula,
    ...(m.rateReason ? { rateReason: m.rateReason } : {}),
    thetaStar: m.thetaStar, probes: m.probes, rtol: m.rtol,
  };
}

function emptyPanel(): CurvaturePanel {
  const z = new Float64Array(0);
  return {
    method: 'analytic', every: 1, lanczos: null, computed: 0, rows: 0, stabilityOn: 'hessian', stabilityFormula: 'none',
    step: z, hessianMax: z, hessianMin: z, preconditionedMax: z, threshold: z, thresholdLine: { x: z, y: z }, above: z, negative: z,
    alpha: { x: z, y: z }, alphaHistogram: alphaHistogram([], []),
  };
}
