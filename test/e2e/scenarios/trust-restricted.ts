// Workspace Trust for real: the other scenarios (and the integration tests) run with trust disabled,
// so this one starts its own code-server with Workspace Trust ON and a fresh folder, which VS Code
// opens in Restricted Mode. The folder holds loss files that write a marker file into a private /tmp
// folder when they are loaded (module evaluation) and when loss() is evaluated. The extension is the
// same one the other scenarios test (the installed .vsix, or the repo in --dev mode), linked in.
// Asserted, with the marker folder checked after each step:
//   - opening the folder (which activates the extension: workspaceContains:**/*.loss.*) runs nothing;
//   - opening a loss file, its CodeLens, hovering over its code run nothing;
//   - commands WITH arguments (from user keybindings, as any extension, task or link could send them)
//     run nothing, and clicking the CodeLens runs nothing;
//   - the panel says Restricted Mode and offers "Manage Workspace Trust" (a link);
// then clicking that link, trusting the folder in VS Code's Workspace Trust editor, re-runs the panel:
// now the loss file runs (the marker appears) and the panel finishes.
import { waitInWebview } from '../panelHelpers';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ScenarioContext } from '../context';
import { launchBrowser, type Browser } from '../../vscode/browser';
import { startCodeServer, type CodeServer } from '../../vscode/codeServer';
import { Workbench } from '../../vscode/workbench';

/** It starts its own code-server and workbench (60–100 s of it on a loaded 2-core machine). */
export const timeoutMs = 420_000;

const KEYS = { simulate: 'ctrl+alt+shift+f7', compare: 'ctrl+alt+shift+f8', inspect: 'ctrl+alt+shift+f9' };
const PRESS = { simulate: 'Control+Alt+Shift+F7', compare: 'Control+Alt+Shift+F8', inspect: 'Control+Alt+Shift+F9' };

export default async function (ctx: ScenarioContext): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'od-trust-'));
  const markers = path.join(root, 'markers');
  const workspace = path.join(root, 'untrusted-project');
  fs.mkdirSync(markers);
  fs.mkdirSync(workspace);
  const jsFile = path.join(workspace, 'marker.loss.js');
  const tsFile = path.join(workspace, 'marker2.loss.ts');
  const m = JSON.stringify(markers);
  fs.writeFileSync(jsFile, [
    "import { writeFileSync } from 'node:fs';",
    `writeFileSync(${m} + '/js-loaded', 'module evaluated');`,
    'export default {',
    '  params: { x: 1.5, y: -1 },',
    '  loss(p) {',
    `    writeFileSync(${m} + '/js-evaluated', 'loss() called');`,
    '    return (p.x - 1) ** 2 + 3 * p.y ** 2;',
    '  },',
    '};',
    '',
  ].join('\n'));
  fs.writeFileSync(tsFile, [
    "import { writeFileSync } from 'node:fs';",
    `writeFileSync(${m} + '/ts-loaded', 'module evaluated');`,
    'export default {',
    '  params: { w: [0.5, -0.5] },',
    '  loss(p: { w: number[] }): number {',
    `    writeFileSync(${m} + '/ts-evaluated', 'loss() called');`,
    '    return p.w[0]! ** 2 + p.w[1]! ** 2;',
    '  },',
    '};',
    '',
  ].join('\n'));
  const ran = (): string[] => fs.readdirSync(markers).sort();
  const nothingRan = (when: string): void => ctx.assert.deepStrictEqual(ran(), [], `loss-file code ran ${when}`);

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await startCodeServer({
      workspace,
      workspaceTrust: true,
      linkExtensions: [ctx.extension.root],
      logFile: path.join(ctx.outDir, `${ctx.name}-code-server.log`),
    });
    const file = { kind: 'file', path: jsFile };
    fs.writeFileSync(path.join(server.userDataDir, 'User', 'keybindings.json'), JSON.stringify([
      { key: KEYS.simulate, command: 'optimizerDiagnostics.simulate', args: { loss: jsFile, optimizer: 'adam', steps: 20 } },
      { key: KEYS.compare, command: 'optimizerDiagnostics.compare', args: { loss: { kind: 'file', path: tsFile }, optimizers: ['sgd', 'adam'], steps: 20, newPanel: true } },
      { key: KEYS.inspect, command: 'optimizerDiagnostics.inspectStepSizes', args: { loss: file, steps: 20, newPanel: true } },
    ], null, 2));
    browser = await launchBrowser(server.scratch, { viewport: { width: 1400, height: 900 } });
    const wb = new Workbench(browser.page, browser.console, ctx.outDir);
    const page = browser.page;
    const shot = (label: string): Promise<string> => wb.screenshot(`${ctx.name}-${label}`);
    await page.goto(server.url(), { timeout: 180_000, waitUntil: 'domcontentloaded' });
    await wb.waitForReady(180_000);

    // 1. The folder opens in Restricted Mode, and the extension activates (its commands are listed).
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    ctx.assert.ok(await wb.hasCommand('Optimizer Diagnostics: Simulate Optimizer', 60_000), 'the extension is active in Restricted Mode');
    await page.waitForTimeout(2_000);
    nothingRan('when the folder opened');
    ctx.log('Restricted Mode; extension active; no marker after opening the folder');

    // 2. Open the loss file: CodeLens shows; hover over the code.
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget .quick-input-box input').waitFor({ state: 'visible', timeout: 10_000 });
    await page.keyboard.type('marker.loss.js', { delay: 40 });
    await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'marker.loss.js' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await page.keyboard.press('Enter');
    const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Simulate' }).first();
    await lens.waitFor({ state: 'visible', timeout: 30_000 });
    const code = page.locator('.monaco-editor .view-line', { hasText: 'loss(p)' }).first();
    await code.hover();
    await page.waitForTimeout(1_500);
    await page.locator('.monaco-editor .view-line', { hasText: 'params' }).first().hover();
    await page.waitForTimeout(1_500);
    await shot('codelens');
    nothingRan('on opening the file, its CodeLens or hover');
    ctx.log('CodeLens shown, hovered twice: no marker');

    // 3. Commands with arguments (keybindings) and a click on the CodeLens.
    // Each key opens one more panel tab (so the command did run, with its arguments), and runs no code.
    const panelTabs = page.locator('.tabs-container .tab', { hasText: /·/ });
    for (const k of ['simulate', 'compare', 'inspect'] as const) {
      const before = await panelTabs.count();
      await page.locator('.monaco-editor .view-line').first().click(); // keyboard focus in the editor
      await page.keyboard.press(PRESS[k]);
      const end = Date.now() + 20_000;
      while ((await panelTabs.count()) <= before && Date.now() < end) await page.waitForTimeout(200);
      ctx.assert.ok((await panelTabs.count()) > before, `optimizerDiagnostics.${k} (keybinding with arguments) opened a panel`);
      await page.waitForTimeout(1_000);
      nothingRan(`from optimizerDiagnostics.${k} with arguments`);
    }
    ctx.log(`panel tabs after the three commands: ${(await panelTabs.allInnerTexts()).map((t) => t.trim()).join(' | ')}`);
    await page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Simulate' }).first().click().catch(async () => {
      // the panel may cover the editor now: bring the file back and click its lens
      await wb.runCommand('View: Open Previous Editor').catch(() => undefined);
      await lens.click();
    });
    await page.waitForTimeout(2_000);
    nothingRan('from the CodeLens');
    ctx.log('simulate / compare / inspect with arguments and the CodeLens: no marker');

    // 4. The panel says Restricted Mode and offers Manage Workspace Trust.
    const view = wb.webview({ extensionId: ctx.extension.id });
    await view.waitForReady('.banner-error');
    const banner = view.frame.locator('.banner-error').first();
    const text = await banner.innerText();
    ctx.assert.match(text, /Restricted Mode/);
    const link = banner.locator('a', { hasText: 'Manage Workspace Trust' });
    ctx.assert.strictEqual(await link.count(), 1, `the banner offers "Manage Workspace Trust": ${text}`);
    await shot('panel-restricted');
    nothingRan('while the panel showed Restricted Mode');

    // 5. Trust the folder through the panel's link → VS Code's Workspace Trust editor → "Trust".
    await link.click();
    const trustButton = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first();
    await trustButton.waitFor({ state: 'visible', timeout: 20_000 });
    await shot('trust-editor');
    await trustButton.click();
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'hidden', timeout: 20_000 });
    const end = Date.now() + 30_000;
    while (!ran().includes('js-evaluated') && Date.now() < end) await page.waitForTimeout(250);
    ctx.assert.ok(ran().includes('js-loaded') && ran().includes('js-evaluated'), `after trusting, the panel re-runs the loss file (markers: ${ran().join(', ') || 'none'})`);
    ctx.log(`trusted: the refused panel re-ran; markers now ${ran().join(', ')}`);
    await wb.runCommand('View: Close Editor').catch(() => undefined); // the trust editor; the panel shows again
    // The panel's own state (its status line is folded away when the panel is narrow, as it is beside the editor).
    const frame = await view.contentFrame();
    const done = await waitInWebview(frame, `od.model().status.phase === 'done' && od.model().orderedRuns().length > 0`, 30_000).then(() => true, () => false);
    await shot('panel-trusted');
    ctx.assert.ok(done, 'the panel finished the run after trust was granted');
  } finally {
    await browser?.close();
    await server?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
