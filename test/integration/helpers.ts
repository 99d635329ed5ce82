// Shared helpers for the integration suites (test/integration/*.test.ts). They run inside the
// extension host, so they may use the vscode API.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExtensionApi, PanelTestInfo } from '../../src/host/extension';
import type { RenderSummary } from '../../src/protocol/messages';

export interface Manifest {
  name: string;
  publisher: string;
  contributes?: { commands?: { command: string; title: string; category?: string }[] };
  [key: string]: unknown;
}

/** The extension's package.json, read from the extension folder at test time. */
export function readManifest(): Manifest {
  // This file is bundled into out/test/integration/*.test.js: the repo root is three levels up.
  const root = process.env.OD_EXTENSION_ROOT ?? path.resolve(__dirname, '..', '..', '..');
  return JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
}

/** `${publisher}.${name}` */
export function extensionId(): string {
  const m = readManifest();
  return `${m.publisher}.${m.name}`;
}

/** Activates the extension under test and returns its exports (whatever activate() returns). */
export async function activateExtension<T = unknown>(): Promise<T> {
  const ext = vscode.extensions.getExtension<T>(extensionId());
  if (!ext) throw new Error(`extension ${extensionId()} is not installed in this VS Code`);
  return ext.isActive ? ext.exports : await ext.activate();
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 20_000, what = 'condition'): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The extension's testing API (the suite activated the extension in its suiteSetup). */
function testing(): ExtensionApi['testing'] {
  const ext = vscode.extensions.getExtension<ExtensionApi>(extensionId());
  if (!ext?.isActive) throw new Error('the extension is not active: call activateExtension() in suiteSetup');
  return ext.exports.testing;
}

/** The open panel `id` (fails the test when it is not open). */
export function panel(id: string): PanelTestInfo {
  const p = testing().panels().find((x) => x.id === id);
  if (!p) throw new Error(`panel ${id} is not open`);
  return p;
}

/** Waits for a render of panelId whose summary passes `accept` (the latest one may already match). */
export async function rendered(panelId: string, accept: (s: RenderSummary) => boolean, what: string, timeoutMs = 30_000): Promise<RenderSummary> {
  const api = testing();
  const last = api.lastRender(panelId);
  if (last && accept(last)) return last;
  try {
    return await api.waitForRender(panelId, accept, timeoutMs);
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  }
}
