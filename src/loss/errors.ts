// LossError plumbing shared by the loader, the problem, the worker, the runner and the CLI.
// A LossError (src/protocol/simulation.ts) is plain data that crosses the worker boundary;
// LossErrorException carries one through `throw` on either side.

import { basename } from 'node:path';
import { formatLossError, type LossError, type LossErrorKind } from '../protocol/simulation';

/** An Error carrying a user-facing LossError (`file:line:column: message`). */
export class LossErrorException extends Error {
  constructor(readonly error: LossError) {
    super(formatLossError(error));
    this.name = 'LossErrorException';
  }
}

export function lossError(kind: LossErrorKind, message: string, where: Omit<LossError, 'kind' | 'message'> = {}): LossErrorException {
  const e: { -readonly [K in keyof LossError]: LossError[K] } = { kind, message };
  if (where.file !== undefined) e.file = where.file;
  if (where.line !== undefined && where.line > 0) e.line = where.line;
  if (where.column !== undefined && where.column > 0 && e.line !== undefined) e.column = where.column;
  if (where.step !== undefined) e.step = where.step;
  return new LossErrorException(e);
}

/** Is this a LossError-shaped object (e.g. one received from the worker)? */
export function isLossError(x: unknown): x is LossError {
  return typeof x === 'object' && x !== null && typeof (x as LossError).kind === 'string' && typeof (x as LossError).message === 'string';
}

/** Any thrown value as a LossError: LossErrorExceptions as they are, anything else as kind 'internal'. */
export function toLossError(e: unknown, file?: string): LossError {
  if (e instanceof LossErrorException) return e.error;
  if (isLossError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return file ? { kind: 'internal', message, file } : { kind: 'internal', message };
}

/** A position in a file, 1-based. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column?: number;
}

/**
 * The first stack frame that lies in one of `files` (absolute paths), e.g. for
 * `at Object.loss (/ws/a.loss.ts:12:11)` → {file, line: 12, column: 11}. Frames are matched by the
 * exact path, so other code on the stack (the loader, the optimizer) is skipped.
 */
export function userFrame(err: unknown, files: Iterable<string>): SourcePosition | undefined {
  const stack = err instanceof Error ? err.stack : undefined;
  if (!stack) return undefined;
  const known = [...files];
  for (const raw of stack.split('\n').slice(1)) {
    const line = raw.trim();
    if (!line.startsWith('at ')) continue;
    const m = /\(?([^()]+):(\d+):(\d+)\)?$/.exec(line.slice(3));
    if (!m) continue;
    let file = m[1]!;
    if (file.startsWith('file://')) file = decodeURI(file.slice('file://'.length));
    if (known.includes(file)) return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/** `Error: boom` → `boom`-style one-liner of a thrown value (keeps the class name when it is not plain Error). */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message;
  try {
    return typeof e === 'string' ? e : JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}

/** The short file name used in messages that have no line (`loss.ts: no result after 5000 ms`). */
export function shortName(file: string): string {
  return basename(file);
}
