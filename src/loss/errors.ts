// LossError plumbing shared by the loader, the problem, the worker, the runner and the CLI.
// A LossError (src/protocol/simulation.ts) is plain data that crosses the worker boundary;
// LossErrorException carries one through `throw` on either side.

import { basename } from 'node:path';
import { formatLossError, MAX_MESSAGE_CHARS, type LossError, type LossErrorKind } from '../protocol/simulation';

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
  if (typeof stack !== 'string') return undefined;
  // The frames follow the message; a path may hold `(`, `)`, spaces or even a newline, so each known path is
  // searched for literally (`<path>:line:col`), and the earliest frame wins.
  const at = stack.indexOf('\n    at ');
  const frames = at < 0 ? '' : stack.slice(at);
  let best: SourcePosition | undefined;
  let bestAt = Infinity;
  for (const file of files) {
    for (const name of [file, `file://${encodeURI(file)}`]) {
      let from = 0;
      for (;;) {
        const i = frames.indexOf(`${name}:`, from);
        if (i < 0 || i >= bestAt) break;
        const m = /^:(\d+):(\d+)/.exec(frames.slice(i + name.length, i + name.length + 24));
        const before = frames[i - 1];
        if (m && (before === ' ' || before === '(')) {
          best = { file, line: Number(m[1]), column: Number(m[2]) };
          bestAt = i;
          break;
        }
        from = i + 1;
      }
    }
  }
  return best;
}

/** `Error: boom` → `boom`-style one-liner of a thrown value (keeps the class name when it is not plain Error). */
export function describeThrown(e: unknown): string {
  return clip(describeWhole(e));
}

/**
 * A thrown value's text is cut where it is made (in the loss process), so a 50 MB message never
 * crosses the process boundary: MAX_THROWN_CHARS kept, the length counted. The margin under
 * MAX_MESSAGE_CHARS leaves room for the message's own prefix ("loss() threw at step 12: ").
 */
const MAX_THROWN_CHARS = MAX_MESSAGE_CHARS - 200;
function clip(s: string): string {
  return s.length > MAX_THROWN_CHARS ? `${s.slice(0, MAX_THROWN_CHARS)}… (${s.length.toLocaleString('en-US')} characters)` : s;
}

function describeWhole(e: unknown): string {
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
