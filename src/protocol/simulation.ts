// The simulation protocol shared by the extension host (SimulationRunner), the simulation worker
// (Node worker_threads) and, for the data it carries, the webview. Pure types + tiny helpers:
// no vscode, no DOM, no Node APIs (checked by tsconfig.core.json).
//
// Flow: host `SimulationRunner.run(request)` → worker loads the loss (built-in or loss file),
// runs every RunConfig with the core's Simulation, streams `sim/didProgress`, and ends each run with
// `sim/didFinishRun` carrying the whole recording as exact-length Float64Arrays (transferred, not
// copied). Errors end the request with `sim/didFail` carrying a LossError with file and line.

import type { RecordingData } from '../core/simulation';
import type { HessianReport } from '../core/curvature';
import type { ConventionName, Dtype, HyperValue, OptimizerName, PlotWindow } from '../core/types';
import type { ScheduleConfig, SegmentConfig } from '../core/schedules';

/** Which loss to run: a built-in by name, or a loss file by absolute path. */
export type LossRef = { readonly kind: 'builtin'; readonly name: string } | { readonly kind: 'file'; readonly path: string };

/**
 * How gradients are obtained for loss files:
 *  'auto'     the file's `grad` export if present (checked once against the automatic gradient), else automatic differentiation;
 *  'autodiff' always automatic differentiation (ignores `grad`);
 *  'numeric'  central differences (explicit fallback, never chosen silently).
 * Built-ins always use their exact analytic gradient.
 */
export type GradientMode = 'auto' | 'autodiff' | 'numeric';

export interface RunConfig {
  /** Unique within a request; used to key results and chart series. */
  readonly id: string;
  readonly optimizer: OptimizerName;
  /** Only the hyperparameters that differ from defaults need to be given (PyTorch names). */
  readonly hyperparameters: Readonly<Record<string, HyperValue>>;
  readonly label?: string;
  /** The optimizer's learning-rate schedule (torch.optim.lr_scheduler), stepped after every step. */
  readonly schedule?: ScheduleConfig;
  /** Optimizer switches: after `fromStep` steps a new optimizer (fresh state, its own schedule) takes over. */
  readonly then?: readonly SegmentConfig[];
}

export interface SimulationRequest {
  readonly requestId: string;
  readonly loss: LossRef;
  readonly runs: readonly RunConfig[];
  readonly steps: number;
  /** Start point override, flattened in declaration order; default: the loss's own. */
  readonly start?: readonly number[];
  /** Mini-batch sampling and gradient noise seed (default 0). */
  readonly seed?: number;
  /** Mini-batch size override (loss files with data). */
  readonly batchSize?: number;
  /** Standard deviation σ of Gaussian noise added to every gradient component (default 0). */
  readonly gradientNoise?: number;
  readonly gradientMode?: GradientMode;
  /** Record only the trajectory (params, loss, grad, scalars), not per-parameter diagnostics. */
  readonly trajectoryOnly?: boolean;
  /**
   * Bytes each run's recording may hold (the host's memory budget split across the open runs, see
   * memoryBudget.ts). A longer run is downsampled while it records (RecordingData.sampling); absent: the
   * core's default (DEFAULT_RECORD_BUDGET_BYTES).
   */
  readonly recordBudgetBytes?: number;
  /**
   * The learning-rate range test (lr-find): every run's lr grows exponentially from min to max over `steps`
   * steps (src/core/lrFind.ts, lrRangeAt), replacing its own lr.
   */
  readonly lrRange?: { readonly min: number; readonly max: number; readonly steps: number };
  /** Numerical convention of every run (default 'pytorch'; see core CONVENTIONS). */
  readonly convention?: ConventionName;
  /** Storage precision of every run (default 'float64'; float32 needs the tfjs convention). */
  readonly dtype?: Dtype;
  /**
   * Curvature along each run (README "Curvature and stability"): eigenvalues at every `every`-th recorded
   * point, α at every step; returned as RecordingColumns.curvature. Absent: not computed.
   */
  readonly curvature?: { readonly every: number; /** Also the panel's views (RecordingColumns.curvatureViews); a failure is reported there instead of failing the run. */ readonly views?: boolean };
  /**
   * The end-point report of each run (README "Generalisation"): train/held-out gap, sharpness λ_max(H),
   * ε-flatness; returned as RecordingColumns.endpoint. Absent: not computed.
   */
  readonly endpoint?: boolean;
}

/** What the UI needs to know about a loss (labels, plot window, minima). */
export interface LossInfo {
  readonly ref: LossRef;
  readonly name: string;
  readonly label: string;
  readonly formula?: string;
  readonly dim: number;
  /** One per flattened parameter: `x`, `y`, `w[0]`, `b` ... */
  readonly paramNames: readonly string[];
  readonly start: readonly number[];
  /** 2-parameter losses: plot window (built-ins always; loss files from `domain`). */
  readonly window?: PlotWindow;
  readonly minima?: readonly { readonly x: number; readonly y: number; readonly f?: number; readonly label?: string }[];
  /** Suggested learning rate for plain GD (built-ins), undefined otherwise. */
  readonly suggestedLr?: number;
  readonly hasData: boolean;
  readonly hasValidation: boolean;
  /** Loss files with data: how many rows, the held-out fraction and the file's batch size (the PyTorch export replays the split and batches). */
  readonly dataLayout?: { readonly rows: number; readonly validation: number; readonly batchSize?: number };
  /** How gradients are computed for this run. */
  readonly gradient: 'analytic' | 'grad-export' | 'autodiff' | 'numeric';
  /** Non-fatal findings, e.g. a gradient check mismatch: `grad export differs from the automatic gradient (max rel. error 3e-2 at w[1])`. */
  readonly warnings: readonly string[];
  /** Where the loss runs when it is not this runtime, e.g. `Python 3.11.2 (/usr/bin/python3) · torch 1.13.0` (*.loss.py files). */
  readonly runtime?: string;
}

export type LossErrorKind =
  | 'syntax'
  | 'missing-export'
  | 'invalid-export'
  | 'shape'
  | 'not-a-number'
  | 'non-finite'
  /** An operation of the loss produced NaN/±∞ from finite operands at finite parameters (located at that operation). */
  | 'domain'
  | 'threw'
  | 'timeout'
  | 'autodiff'
  | 'data'
  | 'untrusted'
  | 'hyperparameter'
  /** A run file (`*.optdiag.json`) that does not parse or validate (its editor shows it). */
  | 'run-file'
  /** The loss process died: out of memory, killed by a signal, process.exit(), process.abort(). */
  | 'crashed'
  | 'internal';

/** A user-facing error: `file:line:column: message`. Rendered in notifications and the Problems view. */
export interface LossError {
  readonly kind: LossErrorKind;
  readonly message: string;
  readonly file?: string;
  /** 1-based. */
  readonly line?: number;
  /** 1-based. */
  readonly column?: number;
  /** The step at which evaluation failed, when it happened during a run. */
  readonly step?: number;
}

/**
 * A run's recording as transferable columns (see core `Recording` for row conventions; all Float64Array,
 * per-parameter columns row-major with `dim` values per row, exact length = rows actually completed).
 */
export interface RecordingColumns extends RecordingData {
  readonly runId: string;
  readonly optimizer: OptimizerName;
  /** Resolved hyperparameters (defaults filled in, the convention's where it has its own). */
  readonly hyperparameters: Readonly<Record<string, HyperValue>>;
  /** The run's convention and dtype when not the defaults (pytorch, float64). */
  readonly convention?: ConventionName;
  readonly dtype?: Dtype;
  /** Wall time of the simulation in the worker, ms. */
  readonly elapsedMs: number;
  /**
   * The user error that ended this run after at least one step (e.g. loss() returned NaN at step 40);
   * `stopReason` says the same in words. Absent for complete, diverged or cancelled runs. An error before
   * the first step fails the whole request (`sim/didFail`) instead.
   */
  readonly error?: LossError;
}

/**
 * The Hessian of a loss at a point (`optimizer-diagnostics hessian`), computed where the loss runs (the loss
 * process for loss files). `at` defaults to the loss's start point; `topK` switches to Lanczos.
 */
export interface HessianRequest {
  readonly requestId: string;
  readonly loss: LossRef;
  readonly at?: readonly number[];
  readonly topK?: number;
  readonly gradientMode?: GradientMode;
}

/** Host → worker (the loss process). */
export type ToWorkerMessage =
  | { readonly type: 'sim/describe'; readonly requestId: string; readonly loss: LossRef; readonly gradientMode?: GradientMode }
  | { readonly type: 'sim/run'; readonly request: SimulationRequest }
  | { readonly type: 'sim/cancel'; readonly requestId: string }
  /**
   * Loss values of a 2-parameter loss on an nx × ny grid over `window` (see `GridRequest`); answered
   * by sim/didGrid | sim/didFail. Built-ins are computed by the host itself and need not use it.
   */
  | ({ readonly type: 'sim/grid' } & GridRequest)
  /** The Hessian at a point (HessianRequest); answered by sim/didHessian | sim/didFail. */
  | ({ readonly type: 'sim/hessian' } & HessianRequest);

/** Worker → host. */
export type FromWorkerMessage =
  /** Answers sim/describe; also the first result of a sim/run (same requestId): the loss as that run sees it. */
  | { readonly type: 'sim/didDescribe'; readonly requestId: string; readonly loss: LossInfo }
  | { readonly type: 'sim/didProgress'; readonly requestId: string; readonly runId: string; readonly stepsCompleted: number; readonly stepsRequested: number }
  | { readonly type: 'sim/didFinishRun'; readonly requestId: string; readonly recording: RecordingColumns }
  | { readonly type: 'sim/didFinish'; readonly requestId: string; readonly cancelled: boolean }
  | { readonly type: 'sim/didFail'; readonly requestId: string; readonly error: LossError }
  /**
   * Progress of the runner's own loop (never of user code, which has no channel to the host): loading
   * (bytes or rows of a data file), the first evaluation, steps, grid rows. The host's watchdog counts
   * "no progress for timeoutMs (+ graceMs)" from the last one.
   */
  | ({ readonly type: 'sim/heartbeat'; readonly requestId: string } & RunnerProgress)
  /** A loss file was loaded (answers sim/describe, sim/grid, sim/run first): what it was built from and where its `loss` is. */
  | { readonly type: 'sim/didLoad'; readonly requestId: string; readonly file: string; readonly dependencies: readonly (readonly [string, number])[]; readonly lossAt?: { readonly line: number; readonly column?: number } }
  /**
   * The loss process is about to end on the user's behalf (process.exit(), process.kill() of itself,
   * process.abort(), an unhandled rejection or exception): what happened, at which step and where.
   */
  | { readonly type: 'sim/dying'; readonly requestId: string; readonly reason: string; readonly kind: LossErrorKind; readonly step?: number; readonly file?: string; readonly line?: number; readonly column?: number }
  /** Answers sim/grid: row-major values (`values[j*nx + i] = f(x_i, y_j)`, row 0 at y min), buffer transferred; NaN where loss() threw or was not finite. */
  | { readonly type: 'sim/didGrid'; readonly requestId: string; readonly values: Float64Array }
  /** Answers sim/hessian. */
  | { readonly type: 'sim/didHessian'; readonly requestId: string; readonly report: HessianReport };

/** What the runner's loop is doing (the watchdog's progress, and the words of a timeout or crash message). */
export type RunnerPhase = 'loading' | 'describing' | 'first-evaluation' | 'stepping' | 'grid' | 'curvature';

export interface RunnerProgress {
  readonly phase?: RunnerPhase;
  /** The step being evaluated (phase 'stepping'). */
  readonly step?: number;
  /** e.g. `data.csv (40 of 170 MB)`. */
  readonly detail?: string;
  /** Extra allowance for the next silent phase the runner knows is long (JSON.parse of 170 MB). */
  readonly graceMs?: number;
}

/**
 * A grid of plain loss values (no gradient) of a 2-parameter loss: x_i = x0 + i·(x1−x0)/(nx−1), likewise y_j.
 * Loss files with data are evaluated on the full training set. A cell whose evaluation throws or is
 * not finite is NaN (the request still succeeds); only a loss that cannot be loaded, or is not
 * 2-parameter, fails the request.
 */
export interface GridRequest {
  readonly requestId: string;
  readonly loss: LossRef;
  readonly window: { readonly x: readonly [number, number]; readonly y: readonly [number, number] };
  /** 2 ≤ nx, ny ≤ MAX_GRID_SIDE. */
  readonly nx: number;
  readonly ny: number;
  /** Only decides how the file is described/loaded; the grid never evaluates a gradient. */
  readonly gradientMode?: GradientMode;
  /**
   * Wall-time budget in the worker (ms): a grid that takes longer fails with kind 'timeout' instead of
   * running into the watchdog (which would restart the worker). Default: no budget besides the watchdog.
   */
  readonly budgetMs?: number;
  /**
   * A plane through parameter space (N-parameter losses, the PCA landscape): cell (x_i, y_j) is the loss at
   * origin + x_i·u + y_j·v. Without it the loss must have 2 parameters and (x, y) are θ itself.
   */
  readonly plane?: GridPlane;
}

/** θ(a, b) = origin + a·u + b·v (all of the loss's length). */
export interface GridPlane {
  readonly origin: readonly number[];
  readonly u: readonly number[];
  readonly v: readonly number[];
}

export const MAX_GRID_SIDE = 1000;

/** Longest message formatLossError keeps (a loss can throw a 50 MB string); the rest is counted, not shown. */
export const MAX_MESSAGE_CHARS = 2000;

/**
 * Text safe for one line of a terminal, a notification or the Problems view: control characters (newline,
 * CR, tab, ESC and the rest of C0/C1, DEL, line/paragraph separators) become visible escapes (`\n`, `\u001b`),
 * so a file name or message can neither break the line nor reach a terminal raw. Longer than `max`: cut to
 * `…` + ` (N characters)`.
 */
export function displayText(s: string, max = MAX_MESSAGE_CHARS): string {
  const cut = s.length > max ? s.slice(0, max) : s;
  const safe = cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return s.length > max ? `${safe}… (${s.length.toLocaleString('en-US')} characters)` : safe;
}

/** A file name in a location: displayText (a newline or an escape code in the name is shown escaped). */
export function displayFile(file: string): string {
  return displayText(file, 1000);
}

/** `file:line:column: message` (parts omitted when unknown), one line, at most ~MAX_MESSAGE_CHARS characters. */
export function formatLossError(e: LossError): string {
  const where = e.file ? `${displayFile(e.file)}${e.line !== undefined ? `:${e.line}${e.column !== undefined ? `:${e.column}` : ''}` : ''}: ` : '';
  return `${where}${displayText(e.message)}`;
}
