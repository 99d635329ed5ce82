// The options every chart on the linked step axis shares (the main step charts in charts.ts and the
// curvature charts in curvature.ts): the tooltip's step title, drag-zoom on the step axis, and the pointer
// handlers that move the linked crosshair and pick a step. One place, so the two kinds of chart behave alike.

import type { Chart, ChartEvent, TooltipItem } from 'chart.js';
import { formatNumber } from '../../src/protocol/format';
import { withAlpha, type Theme } from './theme';

/** Tooltip callbacks: "step N" over "label: value" with `digits` significant digits. */
export function stepTooltip(digits: number): object {
  return {
    callbacks: {
      title: (items: TooltipItem<'line'>[]) => (items[0] ? `step ${formatNumber(items[0].parsed.x ?? 0, 6)}` : ''),
      label: (item: TooltipItem<'line'>) => ` ${item.dataset.label ?? ''}: ${formatNumber(item.parsed.y ?? NaN, digits)}`,
    },
  };
}

/** chartjs-plugin-zoom options: drag (or Ctrl + wheel) zooms the step axis only; `done` hears each zoom. */
export function stepZoom(t: Theme, done: (chart: Chart) => void, limits?: object): object {
  return {
    zoom: {
      mode: 'x',
      drag: { enabled: true, threshold: 6, backgroundColor: withAlpha(t.focus, 0.12), borderColor: withAlpha(t.focus, 0.8), borderWidth: 1 },
      wheel: { enabled: true, modifierKey: 'ctrl' },
      pinch: { enabled: false },
      onZoomComplete: ({ chart }: { chart: unknown }) => done(chart as Chart),
    },
    pan: { enabled: false },
    ...(limits ? { limits } : {}),
  };
}

/** onHover / onClick: the step under the pointer (inside the plot area) to the linked crosshair; a click picks it. */
export function stepPointer(cb: { hover(step: number | null): void; pick(step: number): void }): {
  onHover: (evt: ChartEvent, els: unknown, chart: Chart) => void;
  onClick: (evt: ChartEvent, els: unknown, chart: Chart) => void;
} {
  return {
    onHover: (evt, _els, chart) => {
      const x = chart.scales['x'];
      if (!x || evt.x === null || evt.y === null) return;
      const a = chart.chartArea;
      cb.hover(evt.x >= a.left && evt.x <= a.right ? Math.round(x.getValueForPixel(evt.x) ?? 0) : null);
    },
    onClick: (evt, _els, chart) => {
      const x = chart.scales['x'];
      if (x && evt.x !== null) cb.pick(Math.max(0, Math.round(x.getValueForPixel(evt.x) ?? 0)));
    },
  };
}
