// The API an end-to-end scenario gets. A scenario is a file test/e2e/scenarios/<name>.ts:
//
//   import type { ScenarioContext } from '../context';
//   export default async function (ctx: ScenarioContext): Promise<void> {
//     await ctx.workbench.runCommand('Optimizer Diagnostics: Simulate Optimizer');
//     const view = ctx.workbench.webview({ extensionId: ctx.extension.id });
//     await view.waitForReady('#chart');
//     await view.watchCsp();
//     ctx.assert.strictEqual(await view.frame.locator('h1').textContent(), 'Adam');
//     await ctx.screenshot('panel');
//   }
//
// Throwing (an assert) fails the scenario. The runner then saves <name>-FAILED.png, the
// console log of the scenario (webview frames and CSP violations included) and VS Code's logs.
// After every scenario the runner also fails it on any CSP violation or error notification
// (opt out per scenario with ctx.allow).
import * as assert from 'assert';
import type { Page } from 'playwright-core';
import type { ConsoleLog } from '../vscode/browser';
import type { CodeServer } from '../vscode/codeServer';
import type { ExtensionManifest } from '../vscode/paths';
import type { Workbench } from '../vscode/workbench';

export interface ScenarioContext {
  /** File name without extension, e.g. "commands". */
  name: string;
  page: Page;
  workbench: Workbench;
  console: ConsoleLog;
  /** Position in console.entries when this scenario started (console.since(ctx.consoleMark)). */
  consoleMark: number;
  server: CodeServer;
  extension: {
    /** `${publisher}.${name}` */
    id: string;
    /** package.json of the extension that runs (read at start). */
    manifest: ExtensionManifest;
    /** 'vsix': installed from the packaged .vsix; 'dev': loaded as extensionDevelopmentPath. */
    mode: 'vsix' | 'dev';
    /** The extension's folder: the repository (dev), or the installed copy of the .vsix (vsix). */
    root: string;
  };
  /** The copy of examples/ opened in the workbench (changes are thrown away). */
  workspace: string;
  /** test-results/e2e */
  outDir: string;
  /** Saves test-results/e2e/<scenario>-<label>.png and returns its path. */
  screenshot(label: string): Promise<string>;
  log(message: string): void;
  assert: typeof assert;
  /** Relax the runner's after-scenario checks. */
  allow: { cspViolations: boolean; errorNotifications: boolean };
}

export type Scenario = (ctx: ScenarioContext) => Promise<void>;
