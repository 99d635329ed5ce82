// A loss file with 193 parameters, opened from its CodeLens: open examples/mlp.loss.ts in the editor,
// click "Simulate" above `export default`; the panel shows parameters over steps (the landscape card's
// "θ over steps" view) and per-parameter
// charts for the top 6 by |θ| (not 193 lines); the parameter picker adds the output bias b2.
import type { ScenarioContext } from '../context';
import { panelWebview, readCharts, screenshot, waitInWebview, webviewScreenshot } from '../panelHelpers';

export default async function (ctx: ScenarioContext): Promise<void> {
  await ctx.page.keyboard.press('ControlOrMeta+p');
  const input = ctx.page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 20_000 });
  await input.fill('mlp.loss.ts');
  // the row of that file, not just any first row: until the filter applies, the list shows recently opened files
  await ctx.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'mlp.loss.ts' }).first().waitFor({ state: 'visible', timeout: 20_000 });
  await ctx.page.waitForTimeout(200);
  await ctx.page.keyboard.press('Enter');
  const lens = ctx.page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Simulate' }).first();
  await lens.waitFor({ state: 'visible', timeout: 30_000 });
  await ctx.page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Compare' }).first().waitFor({ state: 'visible', timeout: 5_000 });
  await screenshot(ctx, 'codelens');
  await lens.click();

  const { frame, view } = await panelWebview(ctx);
  await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().loss && od.model().loss.dim === 193 && od.chart('effectiveLr').data.datasets.length === 6`, 90_000);
  // N parameters: the card shows the PCA-plane landscape (panel-13-pca-landscape); θ over steps is its other view.
  await waitInWebview(frame, `!!document.getElementById('nd-view')`, 60_000);
  await frame.evaluate(`(() => { const d = document.getElementById('nd-view'); d.value = 'params'; d.dispatchEvent(new Event('change')); })()`);
  await waitInWebview(frame, `od.chart('landscape').config.type === 'line'`, 20_000);
  const charts = await readCharts(frame);
  ctx.assert.strictEqual(charts['landscape']!.type, 'line', 'N parameters, θ over steps chosen: values over steps');
  ctx.assert.strictEqual(charts['landscape']!.datasets.length, 6);
  ctx.assert.ok(await view.frame.locator('.param-picker').isVisible(), 'parameter picker shown');
  const boxes = await view.frame.locator('.picker-list vscode-checkbox').count();
  ctx.assert.strictEqual(boxes, 193);
  ctx.log(`top-6 parameters: ${charts['effectiveLr']!.datasets.map((d) => d.label).join(', ')}`);
  // Add the output bias through the picker: open it, filter, tick, show.
  await view.frame.locator('.param-picker summary').click();
  await view.frame.locator('.picker-head vscode-text-field').locator('input').fill('b2');
  await view.frame.locator('.picker-list vscode-checkbox', { hasText: /^b2\s/ }).click();
  await view.frame.locator('.picker-head vscode-button', { hasText: 'Show selected' }).click();
  await waitInWebview(frame, `od.chart('effectiveLr').data.datasets.length === 7 && od.chart('effectiveLr').data.datasets.some((d) => d.label === 'b2')`, 30_000);
  ctx.log('picker: b2 added → 7 per-parameter series');
  await ctx.page.waitForTimeout(200);
  await screenshot(ctx, 'panel');
  await webviewScreenshot(ctx, view, 'webview');
}
