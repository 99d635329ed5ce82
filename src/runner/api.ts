// What the panel and the CLI need from the runner (src/runner/client.ts): the structural API, so the
// session and the benchmark can also drive an in-process runner, plus the LossError helpers used when
// a request is rejected (LossErrorException carries `error: LossError`).
import type { GradientMode, GridRequest, LossError, LossErrorKind, LossInfo, LossRef, RecordingColumns, SimulationRequest } from '../protocol/simulation';

export interface RunListener {
  onProgress?(runId: string, done: number, total: number): void;
  onRun?(rec: RecordingColumns): void;
}

export interface RunResult {
  readonly loss: LossInfo;
  readonly runs: RecordingColumns[];
  readonly cancelled: boolean;
  /** Why a cancelled run ended, in words (e.g. `stopped: the loss process was terminated at step 12`). */
  readonly note?: string;
}

export interface Runner {
  /** `signal` (Stop, panel closed) ends the request at once: a loss process busy with it is killed. */
  describe(loss: LossRef, gradientMode?: GradientMode, signal?: AbortSignal): Promise<LossInfo>;
  run(request: SimulationRequest, listener?: RunListener, signal?: AbortSignal): Promise<RunResult>;
  /** Plain loss values on a grid, computed in the loss process (see SimulationRunner.grid); optional for in-process runners. */
  grid?(req: Omit<GridRequest, 'requestId'>, signal?: AbortSignal): Promise<Float64Array>;
  /**
   * Stop: ends at once every loss process busy with this loss file (a run, its describe, a contour
   * grid), whatever it is doing; their requests fail or resolve as stopped. Like interrupting a kernel.
   */
  interrupt?(loss: LossRef): void;
  setTimeoutMs(ms: number): void;
  dispose(): void;
}

const KINDS: ReadonlySet<string> = new Set<LossErrorKind>([
  'syntax', 'missing-export', 'invalid-export', 'shape', 'not-a-number', 'non-finite', 'domain', 'threw', 'timeout',
  'autodiff', 'data', 'untrusted', 'hyperparameter', 'crashed', 'internal',
]);

export function isLossError(v: unknown): v is LossError {
  return typeof v === 'object' && v !== null && typeof (v as LossError).message === 'string' && KINDS.has((v as LossError).kind);
}

/** The LossError carried by a runner rejection (LossErrorException), or an 'internal' one for anything else. */
export function toLossError(e: unknown): LossError {
  if (typeof e === 'object' && e !== null && isLossError((e as { error?: unknown }).error)) return (e as { error: LossError }).error;
  if (isLossError(e)) return e;
  return { kind: 'internal', message: e instanceof Error ? e.message : String(e) };
}
