// The α (step quality) card (README "Curvature and stability", panel): Cockpit's α per step as dots on
// the linked step axis, and two histograms beside each other (all steps, the last 10 %), with the bands
// "undershoot" (α < 0: the step stopped short of the slice's minimum) and "overshoot" (α > 0: it went
// past it) labelled. Only drawing: α and the counts come from RunSeries.curvature.
import { BarController, BarElement, type ChartConfiguration, type Plugin, type ScatterDataPoint, type TooltipItem } from 'chart.js';
import { formatNumber } from '../../src/protocol/format';
import type { RunSeries } from '../../src/protocol/messages';
import type { AlphaHistogram } from '../../src/protocol/curvatureSeries';
import { styleIndex } from './charts';
import { Chart } from './registerChartJs';
import { withAlpha, type Theme } from './theme';

type Pt = ScatterDataPoint;
let registered = false;
export function registerBars(): void {
  if (registered) return;
  registered = true;
  Chart.register(BarController, BarElement);
}

/** The α range drawn on the dots chart: at least [−1.2, 1.2], at most [−3, 4] (values beyond are clipped at the edge). */
export const ALPHA_VIEW = { min: -3, max: 4 };

/** Bands behind the data: α < 0 undershoot, α > 0 overshoot, on the `axis` scale ('y' dots, 'x' histograms); lines at −1, 0, 1. */
export function alphaBandsPlugin(theme: () => Theme, axis: 'x' | 'y'): Plugin {
  return {
    id: `odAlphaBands-${axis}`,
    beforeDatasetsDraw(chart) {
      const s = chart.scales[axis];
      const a = chart.chartArea;
      const t = theme();
      if (!s || !a) return;
      const ctx = chart.ctx;
      const zero = s.getPixelForValue(0);
      ctx.save();
      const band = (from: number, to: number, color: string) => {
        if (axis === 'y') {
          const y0 = Math.max(a.top, Math.min(from, to)), y1 = Math.min(a.bottom, Math.max(from, to));
          if (y1 > y0) ctx.fillRect(a.left, y0, a.right - a.left, y1 - y0);
        } else {
          const x0 = Math.max(a.left, Math.min(from, to)), x1 = Math.min(a.right, Math.max(from, to));
          if (x1 > x0) ctx.fillRect(x0, a.top, x1 - x0, a.bottom - a.top);
        }
        void color;
      };
      const under = t.series[0]!, over = t.error;
      ctx.fillStyle = withAlpha(under, t.highContrast ? 0.18 : 0.08);
      band(axis === 'y' ? a.bottom : a.left, zero, under);
      ctx.fillStyle = withAlpha(over, t.highContrast ? 0.18 : 0.08);
      band(zero, axis === 'y' ? a.top : a.right, over);
      // reference lines: α = −1 (no move), 0 (the slice's minimum), 1 (the opposite side, same height)
      for (const v of [-1, 0, 1]) {
        const p = s.getPixelForValue(v);
        ctx.strokeStyle = withAlpha(t.foreground, v === 0 ? 0.6 : 0.3);
        ctx.setLineDash(v === 0 ? [] : [3, 3]);
        ctx.lineWidth = 1;
        ctx.beginPath();
        if (axis === 'y') { if (p < a.top || p > a.bottom) continue; ctx.moveTo(a.left, p); ctx.lineTo(a.right, p); }
        else { if (p < a.left || p > a.right) continue; ctx.moveTo(p, a.top); ctx.lineTo(p, a.bottom); }
        ctx.stroke();
      }
      ctx.setLineDash([]);
      ctx.font = `${Math.max(10, t.fontSize - 1)}px ${t.fontFamily}`;
      ctx.fillStyle = withAlpha(t.foreground, 0.8);
      if (axis === 'y') {
        if (zero - a.top > 14) ctx.fillText('overshoot α > 0', a.left + 4, a.top + 12);
        if (a.bottom - zero > 14) ctx.fillText('undershoot α < 0', a.left + 4, a.bottom - 4);
      } else {
        const labelUnder = 'under';
        const labelOver = 'over';
        if (zero - a.left > 40) ctx.fillText(labelUnder, a.left + 3, a.top + 11);
        if (a.right - zero > 36) ctx.fillText(labelOver, a.right - ctx.measureText(labelOver).width - 3, a.top + 11);
      }
      ctx.restore();
    },
  };
}

/** Dots of α per step: one dataset per run. */
export function alphaDatasets(runs: readonly RunSeries[], t: Theme): object[] {
  const out: object[] = [];
  runs.forEach((r, k) => {
    const c = r.curvature;
    if (!c || c.alpha.x.length === 0) return;
    const color = t.series[styleIndex(r.runId, k) % t.series.length]!;
    const data: Pt[] = [];
    for (let i = 0; i < c.alpha.x.length; i++) {
      const v = c.alpha.y[i]!;
      data.push({ x: c.alpha.x[i]!, y: Math.max(ALPHA_VIEW.min, Math.min(ALPHA_VIEW.max, v)) });
    }
    out.push({
      label: runs.length > 1 ? `${r.label} α` : 'α', data, showLine: false, borderColor: color, backgroundColor: withAlpha(color, 0.7),
      pointRadius: c.alpha.x.length > 600 ? 1.3 : 2.2, pointHoverRadius: 4, pointStyle: 'circle', odRun: r.runId,
    });
  });
  return out;
}

/** A histogram bar chart over α (x linear, bins at their centres); fractions of the steps counted. */
export function histogramChart(canvas: HTMLCanvasElement, t: Theme, theme: () => Theme): Chart {
  registerBars();
  const config: ChartConfiguration<'bar', Pt[]> = {
    type: 'bar',
    data: { datasets: [] },
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { type: 'linear', min: -2, max: 3, title: { display: true, text: 'α', color: t.muted }, ticks: { stepSize: 1 }, grid: { color: t.grid } },
        y: { type: 'linear', min: 0, title: { display: true, text: 'share of steps', color: t.muted }, ticks: { callback: (v) => `${Math.round(Number(v) * 100)} %` }, grid: { color: t.grid } },
      },
      plugins: {
        legend: { display: true, position: 'top', align: 'start', labels: { boxWidth: 10, boxHeight: 8, padding: 6, color: t.foreground } },
        tooltip: { callbacks: { label: (item: TooltipItem<'bar'>) => ` ${item.dataset.label ?? ''}: ${formatNumber((item.parsed.y ?? 0) * 100, 3)} %` } },
      },
    },
    plugins: [alphaBandsPlugin(theme, 'x')],
  };
  return new Chart(canvas, config as unknown as ChartConfiguration);
}

/** Histogram datasets of `which` (all / last) per run, as shares of that run's counted steps. */
export function histogramDatasets(runs: readonly RunSeries[], t: Theme, which: 'all' | 'last'): object[] {
  const out: object[] = [];
  runs.forEach((r, k) => {
    const h: AlphaHistogram | undefined = r.curvature?.alphaHistogram;
    if (!h) return;
    const counts = which === 'all' ? h.all : h.last;
    const n = which === 'all' ? h.countAll : h.countLast;
    if (!n) return;
    const color = t.series[styleIndex(r.runId, k) % t.series.length]!;
    const data: Pt[] = [];
    for (let i = 0; i < counts.length; i++) data.push({ x: (h.edges[i]! + h.edges[i + 1]!) / 2, y: counts[i]! / n });
    const over = which === 'all' ? h.overshootAll : h.overshootLast;
    out.push({
      label: `${runs.length > 1 ? `${r.label}: ` : ''}${n} step${n === 1 ? '' : 's'}, ${Math.round(over * 100)} % overshoot`,
      data, backgroundColor: withAlpha(color, 0.65), borderColor: color, borderWidth: 1, barPercentage: 1, categoryPercentage: runs.length > 1 ? 0.9 : 1,
      odCounts: counts, odCount: n, odRun: r.runId,
    });
  });
  return out;
}
