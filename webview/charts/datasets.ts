// What every chart of the panel does with its datasets on a render: hand Chart.js the new series
// while keeping the dataset objects of the series that stay, and summarise what is drawn.
//
// Chart.js keys a dataset's state (its controller and one PointElement per point) by the dataset
// object: a fresh object each render made it build ~1,000 elements per series and collect the old
// ones (6 runs × 10,000 steps: most of a render's script time). Kept objects keep their elements,
// and a series the user hid from the legend stays hidden after a re-run.
import type { Chart, ChartDataset } from 'chart.js';
import type { ChartSummary } from '../../src/protocol/messages';

type Ds = ChartDataset & Record<string, unknown>;

/**
 * Sets `chart.data.datasets` to `next`. A dataset whose label matches one already in the chart takes
 * that object (its properties replaced by the new ones); the others are added as they are.
 */
export function setDatasets(chart: Chart, next: readonly ChartDataset[]): void {
  const old = new Map<string, Ds>();
  for (const d of chart.data.datasets as Ds[]) {
    const k = String(d.label ?? '');
    if (!old.has(k)) old.set(k, d);
  }
  chart.data.datasets = (next as Ds[]).map((d) => {
    const k = String(d.label ?? '');
    const prev = old.get(k);
    if (!prev) return d;
    old.delete(k);
    for (const p of Object.keys(prev)) if (!Object.hasOwn(d, p)) delete prev[p];
    Object.assign(prev, d);
    return prev;
  });
}

/** Datasets, points and data ranges of a chart (the render summary tests and the perf log read). */
export function summarizeChart(chart: Chart, visible: boolean, yScale: 'linear' | 'logarithmic'): ChartSummary {
  let points = 0;
  let xlo = Infinity;
  let xhi = -Infinity;
  let ylo = Infinity;
  let yhi = -Infinity;
  const labels: string[] = [];
  for (const d of chart.data.datasets) {
    labels.push(String(d.label ?? ''));
    for (const p of d.data as { x: number; y: number }[]) {
      points++;
      const x = p.x;
      const y = p.y;
      if (Number.isFinite(x)) {
        if (x < xlo) xlo = x;
        if (x > xhi) xhi = x;
      }
      if (Number.isFinite(y)) {
        if (y < ylo) ylo = y;
        if (y > yhi) yhi = y;
      }
    }
  }
  return { datasets: chart.data.datasets.length, points, labels, xRange: xlo <= xhi ? [xlo, xhi] : null, yRange: ylo <= yhi ? [ylo, yhi] : null, yScale, visible };
}
