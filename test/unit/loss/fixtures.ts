// Paths and small helpers shared by the loss tests.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LossError, LossErrorKind } from '../../../src/protocol/simulation';
import { LossErrorException } from '../../../src/loss/errors';
import { repoRoot } from '../helpers/reference';

export const ROOT = repoRoot();
export const LOSSES = join(ROOT, 'test', 'fixtures', 'losses');
export const EXAMPLES = join(ROOT, 'examples');
export const WORKER = join(ROOT, 'dist', 'worker.js');

export const fixture = (name: string): string => join(LOSSES, name);
export const example = (name: string): string => join(EXAMPLES, name);

/** Runs `fn` and returns the LossError it throws (sync or async); fails if it does not. */
export async function lossErrorOf(fn: () => unknown): Promise<LossError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof LossErrorException) return e.error;
    const err = (e as { error?: unknown; lossError?: unknown }).error ?? (e as { lossError?: unknown }).lossError;
    if (err && typeof err === 'object') return err as LossError;
    throw e;
  }
  assert.fail('expected a LossError');
}

export function assertLossError(e: LossError, kind: LossErrorKind, where: { file?: string; line?: number; column?: number; step?: number; message?: RegExp }): void {
  assert.equal(e.kind, kind, `kind (message: ${e.message})`);
  if (where.file !== undefined) assert.equal(e.file, where.file, 'file');
  if (where.line !== undefined) assert.equal(e.line, where.line, `line (message: ${e.message})`);
  if (where.column !== undefined) assert.equal(e.column, where.column, 'column');
  if (where.step !== undefined) assert.equal(e.step, where.step, 'step');
  if (where.message) assert.match(e.message, where.message);
}

/** A temporary folder with files; removed by the returned cleanup. */
export function tempFiles(files: Record<string, string>): { dir: string; path(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'od-loss-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
