// What the CLI needs to name a loss and to print its errors, without the loader: the CLI runs loss files
// in the simulation worker, so its own bundle need not carry the transpiler, parser and CSV reader.

import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { BUILTIN_LOSS_NAMES, BUILTIN_LOSSES } from '../core/losses/builtins';
import { formatLossError, type LossError, type LossRef } from '../protocol/simulation';

/** A loss error as the CLI prints it: `message` is the one-line `file:line:col: message`; `lossError` the structured error. */
export class CliLossError extends Error {
  constructor(readonly lossError: LossError) {
    super(formatLossError(lossError.file ? { ...lossError, file: displayPath(lossError.file) } : lossError));
    this.name = 'CliLossError';
  }
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/** The LossRef of a CLI `--loss` argument: a built-in name, or an existing file (relative to the cwd). */
export function resolveLossRef(arg: string): LossRef {
  if (Object.prototype.hasOwnProperty.call(BUILTIN_LOSSES, arg)) return { kind: 'builtin', name: arg };
  if (!existsSync(resolve(arg))) {
    throw new CliLossError({ kind: 'missing-export', message: `unknown loss "${arg}": not a built-in (${BUILTIN_LOSS_NAMES.join(', ')}) and no such file` });
  }
  return { kind: 'file', path: resolve(arg) };
}
