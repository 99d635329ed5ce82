// The curvature cards' step charts (README "Curvature and stability", panel): Curvature & stability
// (λ_max(H), λ_max(P⁻¹H), the optimizer's threshold, shaded where the sharpness is above it, ▼ where
// λ_min < 0), the eigen-decomposition of a quadratic (|(θ_t − θ*)·q_i| beside the linear theory), and the
// Hessian's eigen-directions drawn on the 2-parameter landscape at the slider's step. Only drawing: every
// number comes from RunSeries.curvature (src/protocol/curvatureSeries.ts).
import type { ChartConfiguration, Plugin, Scale, ScatterDataPoint } from 'chart.js';
import { axisLayout } from '../../src/protocol/axes';
import { formatNumber } from '../../src/protocol/format';
import type { RunSeries } from '../../src/protocol/messages';
import { nearestIndex, styleIndex } from './charts';
import { cursor, stepMarkerPlugin } from './plugins';
import { Chart } from './registerChartJs';
import { stepPointer, stepTooltip, stepZoom } from './stepOptions';
import { DASHES, withAlpha, type Theme } from './theme';

type Pt = ScatterDataPoint;

/** What the step charts share: the step range (linked axis) and the hover / click callbacks. */
export interface StepAxis {
  readonly min: number;
  readonly max: number;
}
export interface StepCallbacks {
  hover(step: number | null): void;
  pick(step: number): void;
  /** A drag-zoom on one of these charts: the step range for every step chart (null: a double-click resets it). */
  zoom(range: [number, number] | null): void;
}

/** Extra data a curvature dataset carries for the plugins (and the e2e hook). */
export interface CurvatureDsExtra {
  /** Steps [from, to] (flat pairs) shaded: sharpness above the threshold. */
  odAbove?: Float64Array;
  /** Steps with λ_min < 0 (▼ at the bottom edge). */
  odNegative?: Float64Array;
  /** The run's colour. */
  odColor?: string;
}

/** Shading of the spans above the threshold and ▼ markers for λ_min < 0, under / over the datasets. */
export const curvatureMarksPlugin: Plugin<'line'> = {
  id: 'odCurvatureMarks',
  beforeDatasetsDraw(chart) {
    const x = chart.scales['x'];
    const a = chart.chartArea;
    if (!x || !a) return;
    const ctx = chart.ctx;
    ctx.save();
    const t = cursor.theme;
    const shaded = (chart.data.datasets as CurvatureDsExtra[]).filter((d) => d.odAbove && d.odAbove.length);
    let labelled = false;
    for (const d of chart.data.datasets as (CurvatureDsExtra & { hidden?: boolean })[]) {
      if (!d.odAbove || !d.odColor) continue;
      // one run: the theme's error colour; several: each run's own
      ctx.fillStyle = withAlpha(shaded.length > 1 || !t ? d.odColor : t.error, t?.highContrast ? 0.25 : 0.13);
      for (let k = 0; k + 1 < d.odAbove.length; k += 2) {
        const p0 = Math.max(a.left, x.getPixelForValue(d.odAbove[k]!));
        const p1 = Math.min(a.right, x.getPixelForValue(d.odAbove[k + 1]!));
        if (p1 >= p0) ctx.fillRect(p0, a.top, Math.max(1.5, p1 - p0), a.bottom - a.top);
        if (!labelled && t && p1 - p0 > 150) {
          labelled = true;
          const fill: string | CanvasGradient | CanvasPattern = ctx.fillStyle;
          ctx.fillStyle = withAlpha(t.foreground, 0.85);
          ctx.font = `${Math.max(10, t.fontSize - 1)}px ${t.fontFamily}`;
          ctx.fillText('shaded: sharpness above the threshold', p0 + 6, a.bottom - 12);
          ctx.fillStyle = fill;
        }
      }
    }
    ctx.restore();
  },
  afterDatasetsDraw(chart) {
    const x = chart.scales['x'];
    const a = chart.chartArea;
    if (!x || !a) return;
    const ctx = chart.ctx;
    ctx.save();
    for (const d of chart.data.datasets as CurvatureDsExtra[]) {
      if (!d.odNegative || !d.odColor) continue;
      ctx.fillStyle = d.odColor;
      let lastPx = -Infinity;
      for (const s of d.odNegative) {
        const px = x.getPixelForValue(s);
        if (px < a.left || px > a.right || px - lastPx < 4) continue;
        lastPx = px;
        ctx.beginPath();
        ctx.moveTo(px - 4, a.bottom - 8);
        ctx.lineTo(px + 4, a.bottom - 8);
        ctx.lineTo(px, a.bottom - 1);
        ctx.closePath();
        ctx.fill();
      }
    }
    ctx.restore();
  },
};

/** Ticks of an axis layout (the panel's rounded log ticks). */
function layoutTicks(layout: ReturnType<typeof axisLayout>): { afterBuildTicks?: (s: Scale) => void; callback: (v: number | string) => string } {
  if (!layout) return { callback: (v) => formatNumber(Number(v), 3) };
  const byValue = new Map(layout.ticks.map((t) => [t.value, t.label]));
  return {
    afterBuildTicks: (scale: Scale) => {
      const ticks = layout.ticks.filter((t) => t.value >= scale.min && t.value <= scale.max);
      if (ticks.length) scale.ticks = ticks.map((t) => ({ value: t.value }));
    },
    callback: (v) => byValue.get(Number(v)) ?? formatNumber(Number(v), 3),
  };
}

/** A line chart on the linked step axis (the panel's step-chart conventions: no animation, parsed data, markers). */
export function stepLineChart(canvas: HTMLCanvasElement, t: Theme, cb: StepCallbacks, extraPlugins: Plugin<'line'>[] = []): Chart {
  const config: ChartConfiguration<'line', Pt[]> = {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: false,
      spanGaps: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      elements: { point: { radius: 0, hitRadius: 4, hoverRadius: 3 }, line: { borderWidth: 1.6, tension: 0 } },
      scales: {
        x: { type: 'linear', min: 0, title: { display: true, text: 'step', color: t.muted }, ticks: { maxRotation: 0, autoSkipPadding: 12 }, grid: { color: t.grid } },
        y: { type: 'logarithmic', grid: { color: t.grid } },
      },
      plugins: {
        legend: { display: true, position: 'top', align: 'start', labels: { usePointStyle: true, pointStyle: 'line', boxHeight: 6, padding: 8, color: t.foreground } },
        tooltip: stepTooltip(5),
        zoom: stepZoom(t, (chart) => {
          const x = chart.scales['x'];
          if (x) cb.zoom([Math.max(0, x.min), x.max]);
        }),
      } as never,
      ...stepPointer(cb),
    },
    plugins: [...extraPlugins, stepMarkerPlugin],
  };
  const chart = new Chart(canvas, config as unknown as ChartConfiguration);
  canvas.addEventListener('mouseleave', () => cb.hover(null));
  canvas.addEventListener('dblclick', () => cb.zoom(null));
  return chart;
}

/** Sets the linked step axis and a y axis over the datasets' plottable values (log: positive only). */
export function applyAxes(chart: Chart, t: Theme, steps: StepAxis, yTitle: string, log: boolean, fixed?: { min: number; max: number }): void {
  const scales = chart.options.scales!;
  scales['x'] = { ...(scales['x'] as object), type: 'linear', min: steps.min, max: steps.max, title: { display: true, text: 'step', color: t.muted }, grid: { color: t.grid } } as never;
  let lo = Infinity, hi = -Infinity;
  for (const d of chart.data.datasets) {
    for (const p of d.data as Pt[]) {
      if (p.x < steps.min || p.x > steps.max || !Number.isFinite(p.y) || (log && !(p.y > 0))) continue;
      if (p.y < lo) lo = p.y;
      if (p.y > hi) hi = p.y;
    }
  }
  if (fixed) {
    lo = fixed.min;
    hi = fixed.max;
  }
  const layout = fixed ? null : axisLayout(lo, hi, log, log ? { maxDecades: 18 } : {});
  const hooks = layoutTicks(layout);
  scales['y'] = {
    type: log ? 'logarithmic' : 'linear',
    title: { display: true, text: yTitle, color: t.muted },
    ticks: { callback: hooks.callback, autoSkip: !layout },
    grid: { color: t.grid },
    ...(hooks.afterBuildTicks ? { afterBuildTicks: hooks.afterBuildTicks } : {}),
    ...(layout ? { min: layout.min, max: layout.max } : fixed ? { min: fixed.min, max: fixed.max } : {}),
  } as never;
}

const col = (x: Float64Array, y: Float64Array): Pt[] => {
  const out: Pt[] = [];
  for (let i = 0; i < x.length; i++) out.push({ x: x[i]!, y: Number.isFinite(y[i]!) ? y[i]! : NaN });
  return out;
};

/** The Curvature & stability chart's datasets, one group per run. */
export function curvatureDatasets(runs: readonly RunSeries[], t: Theme): object[] {
  const out: object[] = [];
  runs.forEach((r, k) => {
    const c = r.curvature;
    if (!c || c.error || c.computed === 0) return;
    const color = t.series[styleIndex(r.runId, k) % t.series.length]!;
    const dash = [...DASHES[styleIndex(r.runId, k) % DASHES.length]!];
    const many = runs.length > 1 ? `${r.label} · ` : '';
    const onP = c.stabilityOn === 'preconditioned';
    out.push({
      label: `${many}λ_max(H)`, data: col(c.step, c.hessianMax), borderColor: color, backgroundColor: color, borderDash: dash, borderWidth: onP ? 1.2 : 2,
      odAbove: c.above, odNegative: c.negative, odColor: color, odKind: 'hessianMax', odRun: r.runId,
    });
    if (onP && c.preconditionedMax.some((v) => Number.isFinite(v))) {
      out.push({ label: `${many}λ_max(P⁻¹H)`, data: col(c.step, c.preconditionedMax), borderColor: color, backgroundColor: color, borderDash: [6, 3], borderWidth: 2, odKind: 'preconditionedMax', odRun: r.runId });
    }
    if (c.hessianMin.some((v) => v > 0)) {
      out.push({ label: `${many}λ_min(H)`, data: col(c.step, c.hessianMin), borderColor: withAlpha(color, 0.55), backgroundColor: withAlpha(color, 0.55), borderDash: [2, 2], borderWidth: 1, odKind: 'hessianMin', odRun: r.runId });
    }
    if (c.thresholdLine.y.some((v) => Number.isFinite(v))) {
      out.push({
        label: `${many}threshold ${c.stabilityFormula}`, data: col(c.thresholdLine.x, c.thresholdLine.y), borderColor: runs.length > 1 ? color : t.foreground,
        backgroundColor: t.foreground, borderDash: [10, 4], borderWidth: 1.4, stepped: 'after', odKind: 'threshold', odRun: r.runId,
      });
    }
  });
  return out;
}

/** The eigen-decomposition chart's datasets: measured |c_i(t)| (solid) and the linear theory (dotted), per mode and run. */
export function eigenDatasets(runs: readonly RunSeries[], t: Theme): object[] {
  const out: object[] = [];
  const withModes = runs.filter((r) => r.curvature?.modes);
  withModes.forEach((r, k) => {
    const m = r.curvature!.modes!;
    const dash = [...DASHES[k % DASHES.length]!];
    const many = withModes.length > 1 ? `${r.label} · ` : '';
    m.components.forEach((c, i) => {
      const color = t.series[i % t.series.length]!;
      const rate = m.rates[i];
      out.push({ label: `${many}|e·q${sub(i + 1)}|  λ${sub(i + 1)} = ${formatNumber(m.lambdas[i]!, 4)}`, data: col(c.x, c.y), borderColor: color, backgroundColor: color, borderDash: dash, borderWidth: 1.8, order: 0, odKind: 'component', odMode: i, odRun: r.runId });
      // the theory as a wide translucent band under the measured line: the line inside its band = agreement
      const p = m.predicted[i];
      if (p) out.push({ label: `${many}theory |c${sub(i + 1)}(0)|·${rate !== null && rate !== undefined ? formatNumber(rate, 4) : '?'}ᵗ`, data: col(p.x, p.y), borderColor: withAlpha(color, t.highContrast ? 0.5 : 0.3), backgroundColor: withAlpha(color, 0.3), borderWidth: 7, borderCapStyle: 'round', order: 1, odKind: 'predicted', odMode: i, odRun: r.runId });
    });
  });
  return out;
}

const SUB = '₀₁₂₃₄₅₆₇₈₉';
export function sub(n: number): string {
  return String(n).split('').map((d) => SUB[Number(d)] ?? d).join('');
}

/** The eigen-directions the landscape shows now (read by the e2e hook), and the plugin that draws them. */
export const directionsState = {
  /** The run, step and values drawn (null: none). */
  drawn: null as null | { runId: string; step: number; at: [number, number]; l1: number; l2: number; q1: [number, number]; q2: [number, number] },
  theme: null as Theme | null,
  runs: [] as readonly RunSeries[],
  step: -1,
};

/** Picks the first run with eigen-directions and its computed point nearest (≤) the slider's step. */
export function updateDirections(runs: readonly RunSeries[], step: number, t: Theme): void {
  directionsState.runs = runs;
  directionsState.step = step;
  directionsState.theme = t;
  directionsState.drawn = null;
  for (const r of runs) {
    const d = r.curvature?.directions;
    if (!d || !r.path || d.step.length === 0 || step < 0) continue;
    const i = nearestIndex(d.step, step);
    const j = nearestIndex(r.path.step, d.step[i]!);
    if (i < 0 || j < 0) continue;
    const ax = r.path.x[j]!, ay = r.path.y[j]!;
    if (!Number.isFinite(ax) || !Number.isFinite(ay)) continue;
    directionsState.drawn = { runId: r.runId, step: d.step[i]!, at: [ax, ay], l1: d.l1[i]!, l2: d.l2[i]!, q1: [d.qx[i]!, d.qy[i]!], q2: [-d.qy[i]!, d.qx[i]!] };
    return;
  }
}

/**
 * On the 2-parameter landscape (canvas #chart-landscape): a segment through the selected point along each
 * eigenvector, its half-length √(|λ_i|/max|λ|) × 12 % of the plot's smaller side (min ¼ of that), dashed for
 * λ < 0, labelled λ₁ / λ₂ with the value.
 */
export const directionsPlugin: Plugin = {
  id: 'odEigenDirections',
  afterDatasetsDraw(chart) {
    const d = directionsState.drawn;
    const t = directionsState.theme;
    if (!d || !t || chart.canvas.id !== 'chart-landscape' || (chart.config as { type?: string }).type !== 'scatter') return;
    const x = chart.scales['x'], y = chart.scales['y'], a = chart.chartArea;
    if (!x || !y || !a) return;
    const px = x.getPixelForValue(d.at[0]), py = y.getPixelForValue(d.at[1]);
    if (!(px >= a.left && px <= a.right && py >= a.top && py <= a.bottom)) return;
    const big = Math.max(Math.abs(d.l1), Math.abs(d.l2)) || 1;
    const full = 0.12 * Math.min(a.right - a.left, a.bottom - a.top);
    const ctx = chart.ctx;
    ctx.save();
    const draw = (q: [number, number], l: number, name: string, color: string): void => {
      // the eigenvector's direction in pixels (axes have their own scales)
      const h = 1e-6 * Math.max(1, Math.abs(x.max - x.min), Math.abs(y.max - y.min));
      let dx = x.getPixelForValue(d.at[0] + h * q[0]) - px;
      let dy = y.getPixelForValue(d.at[1] + h * q[1]) - py;
      const len = Math.hypot(dx, dy);
      if (!(len > 0)) return;
      const half = full * Math.max(0.25, Math.sqrt(Math.abs(l) / big));
      dx = (dx / len) * half;
      dy = (dy / len) * half;
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 2;
      ctx.setLineDash(l < 0 ? [5, 3] : []);
      ctx.beginPath();
      ctx.moveTo(px - dx, py - dy);
      ctx.lineTo(px + dx, py + dy);
      ctx.stroke();
      ctx.setLineDash([]);
      for (const s of [1, -1]) {
        const ex = px + s * dx, ey = py + s * dy;
        const ux = (s * dx) / half, uy = (s * dy) / half;
        ctx.beginPath();
        ctx.moveTo(ex, ey);
        ctx.lineTo(ex - 7 * ux - 3.5 * uy, ey - 7 * uy + 3.5 * ux);
        ctx.lineTo(ex - 7 * ux + 3.5 * uy, ey - 7 * uy - 3.5 * ux);
        ctx.closePath();
        ctx.fill();
      }
      const label = `${name} = ${formatNumber(l, 4)}`;
      ctx.font = `${t.fontSize}px ${t.fontFamily}`;
      const w = ctx.measureText(label).width;
      const lx = Math.min(a.right - w - 2, Math.max(a.left + 2, px + dx + (dx >= 0 ? 4 : -w - 4)));
      const ly = Math.min(a.bottom - 4, Math.max(a.top + 12, py + dy + (dy >= 0 ? 12 : -4)));
      ctx.fillStyle = withAlpha(t.background, 0.8);
      ctx.fillRect(lx - 2, ly - t.fontSize, w + 4, t.fontSize + 4);
      ctx.fillStyle = color;
      ctx.fillText(label, lx, ly);
    };
    draw(d.q1, d.l1, 'λ₁', t.highContrast ? t.focus : t.series[1]!);
    draw(d.q2, d.l2, 'λ₂', t.highContrast ? t.foreground : t.series[3]!);
    ctx.restore();
  },
};

export { cursor };
