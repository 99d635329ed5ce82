// The CLI's way in: a built-in name or a loss-file path → { problem, info }. The CLI runs exactly the
// file it is given (the user ran it explicitly), so there is no workspace-trust check here.
// LossErrors become one-line messages `file:line:col: message` (paths relative to the cwd).

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Problem } from '../core/types';
import type { GradientMode, LossInfo } from '../protocol/simulation';
import { CliLossError } from './cliErrors';
import { lossError, toLossError } from './errors';
import { loadLossFile } from './loader';
import { ALL_BUILTIN_NAMES, builtinInfo, builtinProblemWith, isBuiltinLossName } from './resolve';

export { CliLossError, resolveLossRef } from './cliErrors';

export interface ResolveLossOptions {
  readonly batchSize?: number;
  readonly seed?: number;
  readonly gradientMode?: GradientMode;
  readonly gradientNoise?: number;
}

/**
 * `arg` is a built-in loss name (`rosenbrock`) or a path to a loss file (relative to the cwd).
 * Rejects with a CliLossError.
 */
export async function resolveLoss(arg: string, opts: ResolveLossOptions = {}): Promise<{ problem: Problem; info: LossInfo }> {
  try {
    if (isBuiltinLossName(arg)) return { problem: builtinProblemWith(arg, opts), info: builtinInfo(arg) };
    if (!existsSync(resolve(arg))) {
      throw lossError('missing-export', `unknown loss "${arg}": not a built-in (${ALL_BUILTIN_NAMES.join(', ')}) and no such file`);
    }
    const loaded = await loadLossFile(resolve(arg));
    const info = loaded.info(opts.gradientMode ? { gradientMode: opts.gradientMode } : {});
    return { problem: loaded.createProblem(opts), info };
  } catch (e) {
    throw new CliLossError(toLossError(e));
  }
}
