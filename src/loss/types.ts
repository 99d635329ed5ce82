// Loss-file types. The user-facing ones (LossDefinition, Row, ParamShape ...) live in the standalone
// declaration file users keep next to their loss files (types/optimizer-diagnostics.d.ts) and are
// re-exported here, so there is one definition; `dts.ts` holds the same text for the scaffold command.

import type { Problem } from '../core/types';
import type { GradientMode, LossInfo } from '../protocol/simulation';
import type { DataRow } from './data';

export type {
  Gradient,
  LossDefinition,
  ParamInit,
  Params,
  ParamShape,
  Row,
} from '../../types/optimizer-diagnostics';

export type { DataRow } from './data';

/** Options of `loadLossFile`. */
export interface LoadOptions {
  /**
   * Prepare the gradient of this mode while loading, so its errors (e.g. code automatic differentiation
   * cannot handle) surface now. Default: prepared on first use.
   */
  readonly gradientMode?: GradientMode;
  /** Source text to use instead of reading the file (e.g. an unsaved editor). */
  readonly source?: string;
}

/** Options of `LoadedLoss.createProblem`; the run's request supplies them. */
export interface ProblemOptions {
  /** Default 'auto'. */
  readonly gradientMode?: GradientMode;
  /** Mini-batch size override (default: the file's batchSize, else the whole training set). */
  readonly batchSize?: number;
  /** Mini-batch sampling and gradient-noise seed (default 0). */
  readonly seed?: number;
  /** σ of Gaussian noise added to every gradient component (default 0). */
  readonly gradientNoise?: number;
}

/** A loss file's Problem, with how its gradient is computed. */
export interface LossProblem extends Problem {
  readonly gradient: LossInfo['gradient'];
  /** Effective mini-batch size, null without data or for full batches. */
  readonly batchSize: number | null;
  readonly warnings: readonly string[];
}

/** A validated, evaluated loss file. */
export interface LoadedLoss {
  /** Absolute path. */
  readonly file: string;
  /** File name without the `.loss.ts` suffix. */
  readonly name: string;
  /** The file's `name`, else `name`. */
  readonly label: string;
  readonly dim: number;
  readonly paramNames: readonly string[];
  /** Flattened start point from `params`. */
  readonly start: readonly number[];
  readonly hasGrad: boolean;
  /** Training and held-out rows (null without data). */
  readonly data: { readonly train: readonly DataRow[]; readonly validation: readonly DataRow[]; readonly file: string | null } | null;
  /** The file's batchSize (undefined: full batch). */
  readonly batchSize: number | undefined;
  /** Every file this loss was built from (the loss file, imported files, the data file) with its mtime. */
  readonly dependencies: ReadonlyMap<string, number>;
  /** True when a dependency changed on disk since loading. */
  isStale(): boolean;
  /** What the UI shows; prepares the gradient of `gradientMode` (default 'auto') and runs the gradient check once. */
  info(opts?: { readonly gradientMode?: GradientMode }): LossInfo;
  createProblem(opts?: ProblemOptions): LossProblem;
  /** Plain loss(p, all training rows) at a flattened point (no gradient); throws a LossErrorException when it throws or is not finite. */
  value(flat: ArrayLike<number>): number;
}
