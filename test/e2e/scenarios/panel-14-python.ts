// A *.loss.py in the panel (issue 14): the workspace setting optimizerDiagnostics.python.interpreterPath
// names the interpreter (OD_TEST_PYTHON, default /usr/bin/python3 with Debian's python3-torch); the
// CodeLens "Simulate" above `def loss` runs it through the Python bridge (torch.autograd); the panel
// header shows the chosen interpreter and the torch version; the 2-parameter file's contour is evaluated
// in the bridge over its `domain`. Skipped (logged) when that interpreter cannot import torch.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { ScenarioContext } from '../context';
import { panelWebview, screenshot, waitInWebview } from '../panelHelpers';

const PYTHON = process.env.OD_TEST_PYTHON ?? '/usr/bin/python3';

export const timeoutMs = 240_000;

export default async function (ctx: ScenarioContext): Promise<void> {
  const probe = spawnSync(PYTHON, ['-c', 'import sys, torch; print("%d.%d.%d" % sys.version_info[:3], torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    ctx.log(`skipped: ${PYTHON} cannot import torch (scripts/python/install.sh)`);
    return;
  }
  const [pyVersion, torchVersion] = probe.stdout.trim().split(' ');
  const settingsDir = path.join(ctx.workspace, '.vscode');
  fs.mkdirSync(settingsDir, { recursive: true });
  const settingsFile = path.join(settingsDir, 'settings.json');
  const settings = fs.existsSync(settingsFile) ? (JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Record<string, unknown>) : {};
  fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, 'optimizerDiagnostics.python.interpreterPath': PYTHON }, null, 2));
  fs.writeFileSync(path.join(ctx.workspace, 'bowl2.loss.py'), [
    'import torch',
    '',
    'params = {"x": -1.5, "y": 2.0}',
    'domain = {"x": [-2.0, 2.0], "y": [-2.0, 3.0]}',
    '',
    '',
    'def loss(p):',
    '    return (p["x"] - 1) ** 2 + 5 * (p["y"] + 0.5) ** 2',
    '',
  ].join('\n'));

  // Opened from the Explorer, where a new file shows as soon as the watcher sees it (Quick Open's file index can
  // lag behind a file written a moment ago: "No matching results" once in CI).
  const row = ctx.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'bowl2.loss.py' }).first();
  await row.waitFor({ state: 'visible', timeout: 60_000 });
  await row.click();
  const lens = ctx.page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Simulate' }).first();
  await lens.waitFor({ state: 'visible', timeout: 90_000 });
  await lens.click();

  const { frame, view } = await panelWebview(ctx);
  await waitInWebview(frame, `JSON.stringify(od.model().config.loss).includes('bowl2.loss.py') && od.model().status.phase === 'done' && od.model().loss && od.model().loss.runtime`, 150_000);
  const info = JSON.parse((await frame.evaluate(`JSON.stringify((() => { const m = window.__optimizerDiagnostics.model();
    return { runtime: m.loss.runtime, gradient: m.loss.gradient, meta: document.querySelector('.loss-meta') ? document.querySelector('.loss-meta').textContent : null,
      runs: m.orderedRuns().map((r) => ({ label: r.label, finalLoss: r.finalLoss })) }; })())`)) as string) as {
    runtime: string; gradient: string; meta: string | null; runs: { label: string; finalLoss: number }[];
  };
  ctx.log(`header: ${info.meta}; runs ${JSON.stringify(info.runs)}`);
  ctx.assert.strictEqual(info.gradient, 'autodiff');
  ctx.assert.strictEqual(info.runtime, `Python ${pyVersion} (${PYTHON}) · torch ${torchVersion}`);
  ctx.assert.ok(info.meta && info.meta.includes(`Python ${pyVersion} (${PYTHON}) · torch ${torchVersion}`), `the header shows the interpreter and torch: ${info.meta}`);
  ctx.assert.ok(info.meta!.includes('gradient: autodiff'));
  ctx.assert.strictEqual(info.runs.length, 1);
  ctx.assert.ok(Number.isFinite(info.runs[0]!.finalLoss) && info.runs[0]!.finalLoss < 31.5, `the run descends from f(start) = 6.25 + 31.25: ${info.runs[0]!.finalLoss}`);
  // The contour over the file's domain, evaluated in the bridge.
  await waitInWebview(frame, `window.__optimizerDiagnostics.lastRender().charts.landscape && window.__optimizerDiagnostics.lastRender().charts.landscape.contour`, 60_000);
  const contour = (await frame.evaluate(`window.__optimizerDiagnostics.lastRender().charts.landscape.contour`)) as { levels: number; gaps: number; x: number[]; y: number[] };
  ctx.assert.deepStrictEqual([contour.x, contour.y], [[-2, 2], [-2, 3]]);
  ctx.assert.ok(contour.levels > 5 && contour.gaps === 0, JSON.stringify(contour));
  await ctx.page.waitForTimeout(300);
  await screenshot(ctx, 'panel');
  await view.frame.locator('#card-landscape').scrollIntoViewIfNeeded();
  await ctx.page.waitForTimeout(300);
  await screenshot(ctx, 'landscape');
}
