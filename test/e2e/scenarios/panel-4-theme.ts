// Theme awareness: a comparison panel on a wide window, then the colour theme switches to Dark Modern
// through the palette; the webview re-reads --vscode-* colours (chart text, grid and series colours
// change, the landscape is redrawn) without a reload. Saves the README screenshot candidates.
import type { ScenarioContext } from '../context';
import { answerQuickPick, panelWebview, screenshot, waitInWebview, webviewScreenshot } from '../panelHelpers';

const COLORS = `(() => {
  const od = window.__optimizerDiagnostics;
  const c = od.chart('convergence');
  return JSON.stringify({
    body: document.body.className,
    text: od.Chart.defaults.color,
    series: c.data.datasets.filter((d) => / loss$/.test(d.label)).map((d) => d.borderColor),
  });
})()`;

/**
 * Pixels the effective-LR chart shows (device pixels of its canvas; it draws x grid lines) in the column of the step marker and
 * in the column of an x grid line, sampled down the plot area; the most common colour of each column and
 * how many pixels of the column are that colour (the line's dominant colour, where data lines cross).
 */
const MARKER_VS_GRID = `(() => {
  const od = window.__optimizerDiagnostics;
  const c = od.chart('effectiveLr');
  const x = c.scales.x, area = c.chartArea, dpr = c.currentDevicePixelRatio || 1;
  const g = c.ctx;
  const dominant = (dx) => {
    const counts = new Map();
    for (let y = Math.ceil((area.top + 2) * dpr); y < (area.bottom - 2) * dpr; y += 1) {
      const d = g.getImageData(dx, y, 1, 1).data;
      const k = d[0] + ',' + d[1] + ',' + d[2];
      counts.set(k, (counts.get(k) || 0) + 1);
    }
    return [...counts].sort((a, b) => b[1] - a[1])[0];
  };
  const dist = (a, b) => { const p = a.split(',').map(Number), q = b.split(',').map(Number); return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]); };
  const markerPx = x.getPixelForValue(od.ui().step);
  // the grid line farthest from the marker (and from the plot's edges)
  let gridPx = NaN, tick = -1;
  for (let i = 0; i < x.ticks.length; i++) {
    const p = x.getPixelForTick(i);
    if (p > area.left + 4 && p < area.right - 4 && (isNaN(gridPx) || Math.abs(p - markerPx) > Math.abs(gridPx - markerPx))) { gridPx = p; tick = i; }
  }
  // the plot's background: halfway between that grid line and its neighbour
  const other = x.getPixelForTick(tick > 0 ? tick - 1 : tick + 1);
  const background = dominant(Math.round(((gridPx + other) / 2) * dpr))[0];
  // a line is drawn on one or two device-pixel columns near its position: the one that stands out
  const column = (px) => {
    let best = null;
    for (let dx = Math.floor(px * dpr) - 2; dx <= Math.ceil(px * dpr) + 2; dx++) {
      const c = dominant(dx);
      if (!best || dist(c[0], background) > dist(best[0], background)) best = c;
    }
    return best;
  };
  return JSON.stringify({ marker: column(markerPx), grid: column(gridPx), markerPx, gridPx, background });
})()`;

const rgbDistance = (a: string, b: string): number => {
  const p = a.split(',').map(Number), q = b.split(',').map(Number);
  return Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!);
};

export default async function (ctx: ScenarioContext): Promise<void> {
  const before = ctx.page.viewportSize();
  await ctx.page.setViewportSize({ width: 1600, height: 1000 });
  try {
    await ctx.workbench.runCommand('View: Close Primary Side Bar');
    await ctx.workbench.runCommand('Optimizer Diagnostics: Compare Optimizers');
    await answerQuickPick(ctx, 'Canyon', { titleIncludes: 'choose a loss' });
    await ctx.page.locator('.quick-input-widget .quick-input-title', { hasText: 'optimizers to compare' }).waitFor({ state: 'visible', timeout: 20_000 });
    await ctx.page.waitForTimeout(200);
    await ctx.page.keyboard.press('Enter');
    const { frame, view } = await panelWebview(ctx);
    await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns().length === 3`);
    await view.frame.locator('#step-slider').fill('60');
    await waitInWebview(frame, `od.ui().step === 60`);
    await ctx.page.waitForTimeout(300);
    const light = JSON.parse((await frame.evaluate(COLORS)) as string) as { body: string; text: string; series: string[] };
    await webviewScreenshot(ctx, view, 'light');

    await ctx.workbench.runCommand('Preferences: Color Theme');
    await answerQuickPick(ctx, 'Dark Modern');
    await waitInWebview(frame, `document.body.classList.contains('vscode-dark')`, 20_000);
    await ctx.page.waitForTimeout(600);
    const dark = JSON.parse((await frame.evaluate(COLORS)) as string) as { body: string; text: string; series: string[] };
    ctx.log(`light: text ${light.text}, series ${light.series.slice(0, 3).join(' ')}; dark: text ${dark.text}, series ${dark.series.slice(0, 3).join(' ')}`);
    ctx.assert.notStrictEqual(dark.text, light.text, 'chart text colour follows the theme');
    ctx.assert.notDeepStrictEqual(dark.series, light.series, 'series colours follow the theme');
    ctx.assert.ok(dark.series.every((c) => /^rgb\(/.test(c)), `opaque series colours: ${dark.series.join(' ')}`);
    await webviewScreenshot(ctx, view, 'dark');
    await screenshot(ctx, 'dark-window');
    for (const id of ['landscape', 'effectiveLr']) {
      await view.frame.locator(`#card-${id}`).scrollIntoViewIfNeeded();
      await ctx.page.waitForTimeout(200);
      await webviewScreenshot(ctx, view, `dark-${id}`);
    }

    // High contrast: the step marker must not look like a grid line (grid lines are near-foreground there).
    await ctx.workbench.runCommand('Preferences: Color Theme');
    await answerQuickPick(ctx, 'Dark High Contrast');
    await waitInWebview(frame, `document.body.classList.contains('vscode-high-contrast')`, 20_000);
    await ctx.page.waitForTimeout(600);
    await view.frame.locator('#card-effectiveLr').scrollIntoViewIfNeeded();
    await ctx.page.waitForTimeout(300);
    const hc = JSON.parse((await frame.evaluate(MARKER_VS_GRID)) as string) as { marker: [string, number]; grid: [string, number]; markerPx: number; gridPx: number; background: string };
    ctx.log(`high contrast: step marker column ${hc.marker[0]} (${hc.marker[1]} px) at x=${hc.markerPx.toFixed(1)}, grid line column ${hc.grid[0]} (${hc.grid[1]} px) at x=${hc.gridPx.toFixed(1)}, background ${hc.background}`);
    ctx.assert.ok(rgbDistance(hc.grid[0], hc.background) > 30, `the sampled grid line (${hc.grid[0]}) is visible on the background (${hc.background})`);
    ctx.assert.ok(Number.isFinite(hc.gridPx), 'a grid line to compare with');
    ctx.assert.ok(rgbDistance(hc.marker[0], hc.grid[0]) > 60, `the step marker (${hc.marker[0]}) differs from a grid line (${hc.grid[0]}) in high contrast`);
    await webviewScreenshot(ctx, view, 'high-contrast');
  } finally {
    await ctx.workbench.runCommand('Preferences: Color Theme').catch(() => undefined);
    await answerQuickPick(ctx, 'Light Modern').catch(() => undefined);
    await ctx.workbench.runCommand('View: Toggle Primary Side Bar Visibility').catch(() => undefined);
    if (before) await ctx.page.setViewportSize(before);
  }
}
