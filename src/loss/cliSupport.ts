// The CLI's way in: a built-in name or a loss-file path → { problem, info }. The CLI runs exactly the
// file it is given (the user ran it explicitly), so there is no workspace-trust check here.
// LossErrors become one-line messages `file:line:col: message` (paths relative to the cwd).

import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { BUILTIN_LOSS_NAMES } from '../core/losses/builtins';
import type { Problem } from '../core/types';
import { formatLossError, type GradientMode, type LossError, type LossInfo, type LossRef } from '../protocol/simulation';
import { lossError, toLossError } from './errors';
import { loadLossFileSync } from './loader';
import { builtinInfo, builtinProblemWith, isBuiltinLossName } from './resolve';

export interface ResolveLossOptions {
  readonly batchSize?: number;
  readonly seed?: number;
  readonly gradientMode?: GradientMode;
  readonly gradientNoise?: number;
}

/** Thrown by resolveLoss: `message` is the one-line `file:line:col: message`; `lossError` the structured error. */
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

/**
 * `arg` is a built-in loss name (`rosenbrock`) or a path to a loss file (relative to the cwd).
 * Rejects with a CliLossError.
 */
export async function resolveLoss(arg: string, opts: ResolveLossOptions = {}): Promise<{ problem: Problem; info: LossInfo }> {
  try {
    if (isBuiltinLossName(arg)) return { problem: builtinProblemWith(arg, opts), info: builtinInfo(arg) };
    if (!existsSync(resolve(arg))) {
      throw lossError('missing-export', `unknown loss "${arg}": not a built-in (${BUILTIN_LOSS_NAMES.join(', ')}) and no such file`);
    }
    const loaded = loadLossFileSync(resolve(arg));
    const info = loaded.info(opts.gradientMode ? { gradientMode: opts.gradientMode } : {});
    return { problem: loaded.createProblem(opts), info };
  } catch (e) {
    throw new CliLossError(toLossError(e));
  }
}

/** The LossRef of a CLI `--loss` argument: a built-in name, or an existing file (relative to the cwd). */
export function resolveLossRef(arg: string): LossRef {
  if (isBuiltinLossName(arg)) return { kind: 'builtin', name: arg };
  if (!existsSync(resolve(arg))) {
    throw new CliLossError({ kind: 'missing-export', message: `unknown loss "${arg}": not a built-in (${BUILTIN_LOSS_NAMES.join(', ')}) and no such file` });
  }
  return { kind: 'file', path: resolve(arg) };
}
