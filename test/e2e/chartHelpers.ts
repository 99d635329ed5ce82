// Helpers of the chart scenarios (panel-8-diverge, panel-9-zoom): read axes, ticks and legend swatch
// pixels out of the webview's Chart.js instances, and type into toolbar fields like a person.
import type { Frame } from 'playwright-core';
import type { ScenarioContext } from './context';
import type { Webview } from '../vscode/workbench';

export const STEP_CHARTS = ['convergence', 'effectiveLr', 'moments', 'stepSize'];

export interface AxisInfo { type: string; min: number; max: number; ticks: { value: number; label: string }[] }

export async function axes(frame: Frame, id: string): Promise<{ x: AxisInfo; y: AxisInfo }> {
  return (await frame.evaluate(`(() => {
    const c = window.__optimizerDiagnostics.chart(${JSON.stringify(id)});
    const a = (s) => ({ type: s.type, min: s.min, max: s.max, ticks: s.ticks.map((t) => ({ value: t.value, label: String(t.label) })) });
    return { x: a(c.scales.x), y: a(c.scales.y) };
  })()`)) as { x: AxisInfo; y: AxisInfo };
}

/** Log-axis ticks: few, labelled, distinct (no "3.9 3.8 3.7…" pile-up). */
export function checkTicks(ctx: ScenarioContext, id: string, y: AxisInfo): void {
  const labels = y.ticks.map((t) => t.label).filter((l) => l !== '');
  ctx.assert.ok(labels.length >= 2 && labels.length <= 9, `${id}: ${labels.length} tick labels (${labels.join(' ')})`);
  ctx.assert.strictEqual(new Set(labels).size, labels.length, `${id}: distinct tick labels ${labels.join(' ')}`);
}

/** Types into a toolbar text field like a person: click, select all, type with a human delay. */
export async function typeInto(ctx: ScenarioContext, view: Webview, selector: string, text: string): Promise<void> {
  await view.frame.locator(selector).click();
  await ctx.page.keyboard.press('ControlOrMeta+a');
  await ctx.page.keyboard.type(text, { delay: 120 });
}

/**
 * Dash segments drawn in each legend swatch of a chart, read from the canvas pixels along the swatch's
 * middle row, with the item's own lineDash and colour.
 */
export async function legendSwatches(frame: Frame, id: string): Promise<{ text: string; dash: number[]; width: number; segments: number; color: string }[]> {
  return (await frame.evaluate(`(() => {
    const c = window.__optimizerDiagnostics.chart(${JSON.stringify(id)});
    const lg = c.legend; const r = window.devicePixelRatio || 1; const ctx = c.ctx;
    const box = lg.options.labels.pointStyleWidth; const half = (lg.options.labels.font && lg.options.labels.font.size ? lg.options.labels.font.size : c.options.font?.size ?? 12) / 2;
    return lg.legendItems.map((it, i) => {
      const hb = lg.legendHitBoxes[i];
      const y = Math.round((hb.top + hb.height / 2) * r);
      const x0 = Math.round(hb.left * r); const w = Math.round(box * r);
      const row = ctx.getImageData(x0, y - 1, w, 3).data;
      let segments = 0; let on = false; let colour = '';
      for (let k = 0; k < w; k++) {
        let a = 0; let o = 0;
        for (let dy = 0; dy < 3; dy++) { const q = (dy * w + k) * 4; if (row[q + 3] > a) { a = row[q + 3]; o = q; } }
        const painted = a > 60;
        if (painted && !on) { segments++; if (!colour) colour = row[o] + ',' + row[o + 1] + ',' + row[o + 2]; }
        on = painted;
      }
      void half;
      return { text: it.text, dash: it.lineDash || [], width: it.lineWidth, segments, color: colour };
    });
  })()`)) as { text: string; dash: number[]; width: number; segments: number; color: string }[];
}

