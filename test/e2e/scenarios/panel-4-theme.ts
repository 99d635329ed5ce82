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
  } finally {
    await ctx.workbench.runCommand('Preferences: Color Theme').catch(() => undefined);
    await answerQuickPick(ctx, 'Light Modern').catch(() => undefined);
    await ctx.workbench.runCommand('View: Toggle Primary Side Bar Visibility').catch(() => undefined);
    if (before) await ctx.page.setViewportSize(before);
  }
}
