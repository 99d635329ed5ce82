// Chart.js plugins of the panel: the shared hover crosshair and the step-slider marker on every step
// chart, and the landscape's filled contours (drawn from the host's grid; the webview only draws).
import type { Chart, Plugin } from 'chart.js';
import type { Landscape } from '../../src/protocol/messages';
import { withAlpha, type Theme } from './theme';

/** Shared between all step charts: hovered step (crosshair) and the slider's step (marker). */
export const cursor = { hover: null as number | null, step: null as number | null, theme: null as Theme | null, switches: [] as { step: number; label: string }[] };

export const stepMarkerPlugin: Plugin<'line'> = {
  id: 'odStepMarker',
  afterDatasetsDraw(chart) {
    const x = chart.scales['x'];
    const area = chart.chartArea;
    const t = cursor.theme;
    if (!x || !area || !t) return;
    const ctx = chart.ctx;
    const line = (step: number, color: string, dash: number[], width: number): void => {
      const px = x.getPixelForValue(step);
      if (!(px >= area.left - 0.5 && px <= area.right + 0.5)) return;
      ctx.save();
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.setLineDash(dash);
      ctx.beginPath();
      ctx.moveTo(Math.round(px) + 0.5, area.top);
      ctx.lineTo(Math.round(px) + 0.5, area.bottom);
      ctx.stroke();
      ctx.restore();
    };
    // High contrast: grid lines are near-foreground too, so the marker takes the focus colour and is wider.
    // Optimizer switches: a dotted vertical line at the step after which the new optimizer took over, labelled.
    for (const s of cursor.switches) {
      line(s.step, withAlpha(t.foreground, 0.7), [1, 3], 1.5);
      const px = x.getPixelForValue(s.step);
      if (px >= area.left && px <= area.right) {
        ctx.save();
        ctx.fillStyle = withAlpha(t.foreground, 0.8);
        ctx.font = '10px sans-serif';
        ctx.fillText(s.label, Math.min(px + 3, area.right - ctx.measureText(s.label).width - 2), area.top + 10);
        ctx.restore();
      }
    }
    if (cursor.step !== null) line(cursor.step, t.highContrast ? t.focus : withAlpha(t.foreground, 0.75), [], t.highContrast ? 2.5 : 1.25);
    if (cursor.hover !== null) line(cursor.hover, withAlpha(t.foreground, 0.55), [3, 3], 1);
  },
};

/** Landscape background: banded fill (filled contours) from the grid + contour lines. */
export interface LandscapeLayer {
  landscape: Landscape | null;
  image: HTMLCanvasElement | null;
  /** Bands + contour lines rendered for one chart area and axis range (see landscapePlugin). */
  cache?: { key: string; canvas: HTMLCanvasElement };
}
export const landscapeLayers = new WeakMap<Chart, LandscapeLayer>();

/** Renders the grid into an nx × ny canvas: bands between contour levels, ramp from theme colours. */
export function landscapeImage(l: Landscape, t: Theme): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = l.nx;
  c.height = l.ny;
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(l.nx, l.ny);
  const levels = Array.from(l.levels);
  const bands = levels.length + 1;
  const [br, bg, bb] = t.bgRgb;
  const [fr, fg, fb] = t.fgRgb;
  const strength = t.highContrast ? 0.5 : 0.34;
  for (let j = 0; j < l.ny; j++) {
    const row = l.ny - 1 - j; // canvas row 0 is the top (y max)
    for (let i = 0; i < l.nx; i++) {
      const v = l.values[j * l.nx + i]!;
      const o = (row * l.nx + i) * 4;
      if (!Number.isFinite(v)) {
        img.data[o + 3] = 0;
        continue;
      }
      let band = 0;
      while (band < levels.length && v > levels[band]!) band++;
      // Low loss = strongest tint, high loss = background.
      const u = 1 - band / (bands - 1);
      const a = 0.05 + strength * u;
      img.data[o] = br + (fr - br) * a;
      img.data[o + 1] = bg + (fg - bg) * a;
      img.data[o + 2] = bb + (fb - bb) * a;
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

/**
 * Draws the bands and contour lines once into an offscreen canvas of the chart area (device pixels)
 * and reuses it until the grid, the axes, the area or the theme change: a re-render after a live edit
 * or a hover redraw costs one drawImage instead of re-stroking thousands of contour segments.
 */
export const landscapePlugin: Plugin<'scatter'> = {
  id: 'odLandscape',
  beforeDatasetsDraw(chart) {
    const layer = landscapeLayers.get(chart as unknown as Chart);
    const l = layer?.landscape;
    const t = cursor.theme;
    if (!l || !layer || !t) return;
    const xs = chart.scales['x']!;
    const ys = chart.scales['y']!;
    const area = chart.chartArea;
    const ctx = chart.ctx;
    const dpr = chart.currentDevicePixelRatio || 1;
    const w = Math.max(1, Math.round((area.right - area.left) * dpr));
    const hgt = Math.max(1, Math.round((area.bottom - area.top) * dpr));
    const key = [w, hgt, area.left, area.top, xs.min, xs.max, ys.min, ys.max, t.foreground, t.highContrast].join('|');
    if (!layer.cache || layer.cache.key !== key) {
      const c = layer.cache?.canvas ?? document.createElement('canvas');
      c.width = w;
      c.height = hgt;
      const g = c.getContext('2d')!;
      g.setTransform(dpr, 0, 0, dpr, -area.left * dpr, -area.top * dpr);
      g.clearRect(area.left, area.top, area.right - area.left, area.bottom - area.top);
      if (layer.image) {
        // Grid points are cell centres: extend by half a cell on each side.
        const hx = (l.x[1] - l.x[0]) / (l.nx - 1) / 2;
        const hy = (l.y[1] - l.y[0]) / (l.ny - 1) / 2;
        const x0 = xs.getPixelForValue(l.x[0] - hx);
        const x1 = xs.getPixelForValue(l.x[1] + hx);
        const y0 = ys.getPixelForValue(l.y[1] + hy);
        const y1 = ys.getPixelForValue(l.y[0] - hy);
        g.imageSmoothingEnabled = false;
        g.drawImage(layer.image, x0, y0, x1 - x0, y1 - y0);
      }
      g.strokeStyle = withAlpha(t.foreground, t.highContrast ? 0.6 : 0.22);
      g.lineWidth = 1;
      g.beginPath();
      for (const seg of l.contours) {
        for (let k = 0; k + 3 < seg.length; k += 4) {
          g.moveTo(xs.getPixelForValue(seg[k]!), ys.getPixelForValue(seg[k + 1]!));
          g.lineTo(xs.getPixelForValue(seg[k + 2]!), ys.getPixelForValue(seg[k + 3]!));
        }
      }
      g.stroke();
      layer.cache = { key, canvas: c };
    }
    ctx.save();
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(layer.cache.canvas, area.left, area.top, area.right - area.left, area.bottom - area.top);
    ctx.restore();
  },
};

/**
 * Values a step chart cannot plot (non-finite, or beyond ±1e300: a diverging run's last steps) are
 * marked at the top edge of the chart: a small filled triangle pointing up in the series' colour, with
 * an outline in the background colour. Datasets list the steps in `odOverflow`. What was drawn is kept
 * in `chart.$odMarks`: every marked step with the x pixel of the triangle that marks it (read by tests).
 */
export const overflowPlugin: Plugin<'line'> = {
  id: 'odOverflow',
  afterDatasetsDraw(chart) {
    const x = chart.scales['x'];
    const area = chart.chartArea;
    const t = cursor.theme;
    const drawn: { step: number; label: string; px: number }[] = [];
    (chart as unknown as { $odMarks: typeof drawn }).$odMarks = drawn;
    if (!x || !area || !t) return;
    const ctx = chart.ctx;
    ctx.save();
    chart.data.datasets.forEach((d, i) => {
      const steps = (d as { odOverflow?: number[] }).odOverflow;
      if (!steps?.length || !chart.isDatasetVisible(i)) return;
      ctx.fillStyle = String(d.borderColor ?? t.foreground);
      ctx.strokeStyle = t.background;
      ctx.lineWidth = 1;
      ctx.setLineDash([]);
      let lastPx = -Infinity;
      for (const step of steps) {
        const px = x.getPixelForValue(step);
        if (!(px >= area.left - 0.5 && px <= area.right + 0.5)) continue;
        // Steps closer than 3 px share the triangle already drawn.
        if (px - lastPx < 3) {
          drawn.push({ step, label: String(d.label ?? ''), px: lastPx });
          continue;
        }
        lastPx = px;
        ctx.beginPath();
        ctx.moveTo(px, area.top + 1);
        ctx.lineTo(px - 5, area.top + 9);
        ctx.lineTo(px + 5, area.top + 9);
        ctx.closePath();
        ctx.fill();
        ctx.stroke();
        drawn.push({ step, label: String(d.label ?? ''), px });
      }
    });
    ctx.restore();
  },
};
