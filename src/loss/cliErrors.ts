// What the CLI needs to name a loss and to print its errors, without the loader: the CLI runs loss files
// in the simulation worker, so its own bundle need not carry the transpiler, parser and CSV reader.

import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { ALL_BUILTIN_NAMES, isBuiltinLossName } from './resolve';
import { displayText, formatLossError, MAX_MESSAGE_CHARS, type LossError, type LossRef } from '../protocol/simulation';

/**
 * A loss error as the CLI prints it: `message` is the one-line `file:line:col: message` (formatLossError: control
 * characters escaped, a huge message cut); `lossError` the structured error. `usage`: the command line named
 * something that does not exist (an unknown loss), exit status 2 like other usage errors.
 */
export class CliLossError extends Error {
  constructor(readonly lossError: LossError, readonly usage = false) {
    super(formatLossError(lossError.file ? { ...lossError, file: displayPath(lossError.file) } : lossError));
    this.name = 'CliLossError';
  }
}

/**
 * Any error message as the CLI's one stderr line: escaped control characters, at most ~4000 characters (a
 * loss error's own message is already cut to ~2000 by formatLossError; the margin keeps its location).
 */
export function cliErrorLine(message: string): string {
  return `optimizer-diagnostics: ${displayText(message, 2 * MAX_MESSAGE_CHARS)}`;
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/** The LossRef of a CLI `--loss` argument: a built-in name, or an existing file (relative to the cwd). */
export function resolveLossRef(arg: string): LossRef {
  if (isBuiltinLossName(arg)) return { kind: 'builtin', name: arg };
  if (!existsSync(resolve(arg))) {
    throw new CliLossError({ kind: 'missing-export', message: `unknown loss ${JSON.stringify(arg)}: not a built-in (${ALL_BUILTIN_NAMES.join(', ')}) and no such file` }, true);
  }
  return { kind: 'file', path: resolve(arg) };
}
