// Shared helpers for the integration suites (test/integration/*.test.ts). They run inside the
// extension host, so they may use the vscode API.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

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
