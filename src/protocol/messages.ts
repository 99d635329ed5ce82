// The host ↔ webview protocol of the diagnostics panel: ONE module, imported by the extension host
// (src/host/panel) and by the webview (webview/main.ts). Pure types + validation: no vscode, no DOM,
// no Node APIs (tsconfig.core.json checks it).
//
// Names are `scope/noun/verb`: requests from the webview are imperative (`run/start`), notifications
// to the webview are past tense (`run/didStart`). The webview posts `webview/ready`; the host then
// hydrates it with `run/snapshot` (everything so far, decimated) and streams `run/didAppendSteps`
// batches afterwards. Bulk data is columnar: exact-length Float64Arrays, never JSON number arrays.
// Every message FROM the webview is untrusted: `parseFromWebview` validates its shape.

import type { CurvaturePanel } from './curvatureSeries';
import type { ConventionName, Dtype, HyperparameterSpec, HyperValue, OptimizerName } from '../core/types';
import type { GradientMode, LossError, LossInfo, LossRef } from './simulation';
import type { EndpointReport } from '../core/curvature/endpoint';
import { parseGradientFields } from './gradientFields';
import { SCHEDULE_CLASSES, type ScheduleClassName, type ScheduleConfig, type ScheduleValue, type SchedulerConfig } from '../core/schedules/schema';
import type { SegmentConfig } from '../core/schedules/run';

// #region Shared data shapes

/** What the webview needs to build an optimizer's form: the registry entry as data (no math). */
export interface OptimizerSchema {
  readonly name: OptimizerName;
  readonly label: string;
  readonly torchName: string;
  readonly hyperparameters: readonly HyperparameterSpec[];
  /** The exact update, PyTorch's operation order (tooltips). */
  readonly equations: string;
  readonly effectiveLrDefinition: string;
  readonly stateNames: readonly string[];
  readonly extraDiagnosticNames: readonly string[];
  /** The update under the other conventions that define this optimizer (tooltips, "Update rule"). */
  readonly conventionEquations?: Readonly<Partial<Record<ConventionName, string>>>;
  /** Defaults that differ from PyTorch's under those conventions (e.g. tfjs' eps = 1e-7). */
  readonly conventionDefaults?: Readonly<Partial<Record<ConventionName, Readonly<Record<string, HyperValue>>>>>;
}

/**
 * A run's hyperparameters moved from one convention to another: every value still at the old convention's
 * default becomes the new one's (tfjs' RMSprop decay 0.9 for PyTorch's alpha 0.99, …); values the user
 * set stay. The panel sends explicit values, so this is where a convention's own defaults take effect.
 */
export function withConventionDefaults(schema: OptimizerSchema, hyper: Readonly<Record<string, HyperValue>>, from: ConventionName, to: ConventionName): Record<string, HyperValue> {
  const defaults = (c: ConventionName): Record<string, HyperValue> => {
    const out: Record<string, HyperValue> = {};
    for (const s of schema.hyperparameters) out[s.name] = s.default;
    return { ...out, ...(c !== 'pytorch' ? schema.conventionDefaults?.[c] ?? {} : {}) };
  };
  const a = defaults(from);
  const b = defaults(to);
  const same = (x: HyperValue | undefined, y: HyperValue | undefined) => JSON.stringify(x) === JSON.stringify(y);
  const out: Record<string, HyperValue> = { ...hyper };
  for (const k of Object.keys(b)) if (k in out && same(out[k], a[k])) out[k] = b[k]!;
  return out;
}

/** One optimizer configuration in a panel (a line on every chart). */
export interface RunSpec {
  readonly id: string;
  readonly optimizer: OptimizerName;
  /** Every hyperparameter the run uses (defaults filled in). */
  readonly hyperparameters: Readonly<Record<string, HyperValue>>;
  /** Its learning-rate schedule (torch.optim.lr_scheduler), if any. */
  readonly schedule?: ScheduleConfig;
  /** Optimizer switches of this run ("then switch to … at step k"). */
  readonly then?: readonly SegmentConfig[];
}

/**
 * The lr (and cycled momentum / β₁) a run's schedule gives each step, computed by the core on the host before
 * anything runs (answering run/validate), decimated; x = step t+1 that uses lr[t]. The webview only draws it.
 */
export interface SchedulePreview {
  readonly runId: string;
  readonly lr: SeriesColumn;
  readonly momentum: SeriesColumn | null;
  /** Steps at which the run switches optimizer. */
  readonly switches: readonly number[];
}

/** What a panel simulates: one loss, one start point, one or more optimizer runs. */
export interface SessionConfig {
  readonly loss: LossRef;
  readonly runs: readonly RunSpec[];
  readonly steps: number;
  readonly seed: number;
  /** Mini-batch size for loss files with data (undefined: the file's own). */
  readonly batchSize?: number;
  /** Numerical convention of every run (undefined: pytorch) and storage precision (undefined: float64). */
  readonly convention?: ConventionName;
  readonly dtype?: Dtype;
  /** σ of the Gaussian gradient noise (the CLI's --noise; undefined: 0) and the loss file's gradient mode (--gradient; undefined: auto). */
  readonly gradientNoise?: number;
  readonly gradientMode?: GradientMode;
}

/** A numerical convention as the panel's picker shows it (the core's CONVENTIONS as data). */
export interface ConventionSchema {
  readonly name: ConventionName;
  readonly description: string;
  /** The optimizers it defines (null: all). */
  readonly optimizers: readonly OptimizerName[] | null;
  readonly dtypes: readonly Dtype[];
}

export const CONVENTION_CHOICES: readonly ConventionName[] = ['pytorch', 'tfjs', 'textbook'];
export const DTYPE_CHOICES: readonly Dtype[] = ['float64', 'float32'];

/** The convention/dtype fields of a config (absent when they are the defaults). */
function parseNumerics(v: Record<string, unknown>): { ok: boolean; value: { convention?: ConventionName; dtype?: Dtype } } {
  const c = v['convention'];
  const d = v['dtype'];
  const okC = c === undefined || (CONVENTION_CHOICES as readonly unknown[]).includes(c);
  const okD = d === undefined || (DTYPE_CHOICES as readonly unknown[]).includes(d);
  return {
    ok: okC && okD,
    value: { ...(okC && c !== undefined && c !== 'pytorch' ? { convention: c as ConventionName } : {}), ...(okD && d !== undefined && d !== 'float64' ? { dtype: d as Dtype } : {}) },
  };
}

/** x/y columns of one decimated series (exact-length arrays). */
export interface SeriesColumn {
  readonly x: Float64Array;
  readonly y: Float64Array;
}

/** Per-parameter series of one run (only for the parameters selected in the panel). */
export interface ParamSeries {
  readonly index: number;
  readonly name: string;
  /** θ_i over steps (x = 0..N). */
  readonly value: SeriesColumn;
  /** ∂f/∂θ_i at params[t] (x = 0..N−1). */
  readonly grad: SeriesColumn;
  /** α_i, the effective learning rate of step t (x = 1..N). */
  readonly effectiveLr: SeriesColumn;
  /** |Δθ_i| of step t (x = 1..N). */
  readonly stepSize: SeriesColumn;
  /** |Δθ_i| / |θ_i(t−1)| (x = 1..N). */
  readonly updateRatio: SeriesColumn;
  /** PyTorch state (`exp_avg`, `sum`, ...) and extra diagnostics (`exp_avg_hat`, ...) after step t (x = 1..N). */
  readonly state: Readonly<Record<string, SeriesColumn>>;
}

/** The 2-parameter trajectory θ_0 vs θ_1, decimated along the path; `step` gives each point's step. */
export interface PathSeries {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly step: Float64Array;
}

/** One run's data as the charts need it, decimated on the host. */
export interface RunSeries {
  readonly runId: string;
  readonly optimizer: OptimizerName;
  /** e.g. `Adam lr=0.05` (unique within the panel). */
  readonly label: string;
  readonly hyperparameters: Readonly<Record<string, HyperValue>>;
  readonly dim: number;
  readonly stepsRequested: number;
  readonly stepsCompleted: number;
  readonly diverged: boolean;
  readonly stopReason: string | null;
  readonly elapsedMs: number;
  /** First row this batch covers (0: the batch replaces anything the webview had for the run). */
  readonly fromStep: number;
  readonly finalLoss: number;
  readonly bestLoss: number;
  readonly loss: SeriesColumn;
  readonly validationLoss: SeriesColumn | null;
  /** ‖g‖₂ at params[t] (x = 0..N−1). */
  readonly gradNorm: SeriesColumn;
  /** ‖Δθ‖₂ of step t (x = 1..N). */
  readonly updateNorm: SeriesColumn;
  /** The lr step t used (x = 1..N), when it changes during the run (a schedule or a switch); absent when constant. */
  readonly lr?: SeriesColumn;
  /** Steps after which the run switched optimizer (a vertical marker on every chart), and to what. */
  readonly switches?: readonly { readonly step: number; readonly optimizer: OptimizerName }[];
  /** The end point's train/held-out gap, sharpness and ε-flatness (README "Generalisation"), when computed. */
  readonly endpoint?: EndpointReport;
  readonly path: PathSeries | null;
  readonly params: readonly ParamSeries[];
  /** State series names available for this run, in PyTorch's naming (state first, then extra). */
  readonly stateNames: readonly string[];
  /** Raw rows before decimation / points sent, for the status line and tests. */
  readonly rows: number;
  readonly pointsSent: number;
  /** Curvature & stability, step quality α, eigen-directions and modes (src/protocol/curvatureSeries.ts); absent: not computed. */
  readonly curvature?: CurvaturePanel;
}

/** The filled-contour background of a 2-parameter loss: values on a grid over the plot window. */
export interface Landscape {
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  readonly nx: number;
  readonly ny: number;
  /** Row-major, ny rows of nx values; row 0 is y = y[0] (bottom). Non-finite values allowed. */
  readonly values: Float64Array;
  /** Contour levels and their segments `x1 y1 x2 y2 ...` (one Float64Array per level). */
  readonly levels: Float64Array;
  readonly contours: readonly Float64Array[];
  readonly minima: readonly { readonly x: number; readonly y: number; readonly label?: string }[];
  readonly start: readonly [number, number];
  /** True when the colour scale is log(f − f_min). */
  readonly logScale: boolean;
  /** N-parameter losses: the landscape is over the trajectories' PCA plane (x, y = PC1, PC2 coordinates). */
  readonly plane?: PlaneInfo;
}

/** The PCA plane of an N-parameter landscape (README "Diagnostics: definitions", PCA plane). */
export interface PlaneInfo {
  /** Share of Σ‖θ_t − θ_final(run 1)‖² along PC1 and PC2. */
  readonly explained: readonly [number, number];
  /** Rows (points of every run's path) the plane was fitted to. */
  readonly rows: number;
  readonly runs: number;
  /** Which Gram matrix was decomposed: 'rows' (m × m) or 'params' (n × n). */
  readonly gram: 'rows' | 'params';
}

/** Settings the panel reads (settings.ts maps `optimizerDiagnostics.*` onto this). */
export interface PanelSettings {
  readonly liveUpdate: boolean;
  /** Max points per series sent to the webview (0: no decimation). */
  readonly decimationThreshold: number;
  /** Live re-run only when steps × runs × dim is at most this. */
  readonly liveUpdateMaxWork: number;
}

/** Fixed axis ranges shared by panels opened "side by side" (linked axes). */
export interface AxisLinks {
  readonly groupId: string;
  readonly steps: number;
  /** Per chart id: y range in data units. */
  readonly y: Readonly<Record<string, readonly [number, number]>>;
}

export type ChartId = 'convergence' | 'landscape' | 'effectiveLr' | 'moments' | 'stepSize';
export const CHART_IDS: readonly ChartId[] = ['convergence', 'landscape', 'effectiveLr', 'moments', 'stepSize'];

export type RunPhase = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

export interface RunStatus {
  readonly phase: RunPhase;
  readonly requestId: string | null;
  readonly message: string | null;
}

/** Everything a (re)loaded webview needs. */
export interface PanelSnapshot {
  readonly panelId: string;
  readonly config: SessionConfig;
  readonly optimizers: readonly OptimizerSchema[];
  /** The numerical conventions the picker offers (absent from an older host: pytorch only). */
  readonly conventions?: readonly ConventionSchema[];
  /** Per optimizer, the hyperparameters a new run starts with on this loss (PyTorch defaults, lr tuned per loss). */
  readonly suggested: Readonly<Record<string, Readonly<Record<string, HyperValue>>>>;
  readonly loss: LossInfo | null;
  readonly landscape: Landscape | null;
  readonly runs: readonly RunSeries[];
  /** Parameter indices whose per-parameter series are sent. */
  readonly selectedParams: readonly number[];
  /** Per parameter |θ_final| of the first run (parameter picker's top-k), empty for small problems. */
  readonly paramMagnitudes: Float64Array;
  readonly status: RunStatus;
  /** Last error (the charts keep the last good run). */
  readonly error: LossError | null;
  readonly settings: PanelSettings;
  readonly links: AxisLinks | null;
  readonly trusted: boolean;
  /** Per optimizer and hyperparameter, where `suggested`'s value comes from ("suggested for rosenbrock", "torch default"). */
  readonly suggestedSource?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** A notice to show (e.g. what a restored configuration had to drop), or null. */
  readonly notice?: string | null;
}

/** A problem with one field of the panel's form (hyperparameter of a run, or steps/seed/batch). */
export interface FieldProblem {
  /** Run id for hyperparameters; absent for steps/seed/batchSize. */
  readonly runId?: string;
  /** Hyperparameter name, or 'steps' | 'seed' | 'batchSize'. */
  readonly field: string;
  readonly message: string;
}

/** What the webview drew, reported after each render (tests read it through the extension's testing API). */
export interface ChartSummary {
  readonly datasets: number;
  readonly points: number;
  readonly labels: readonly string[];
  readonly xRange: readonly [number, number] | null;
  readonly yRange: readonly [number, number] | null;
  readonly yScale: 'linear' | 'logarithmic';
  readonly visible: boolean;
  /** Landscape chart: the filled contour drawn behind the trajectories (absent: none). `gaps` = NaN cells. */
  readonly contour?: ContourSummary;
}

export interface ContourSummary {
  readonly nx: number;
  readonly ny: number;
  readonly levels: number;
  readonly gaps: number;
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
}

export interface RenderSummary {
  readonly panelId: string;
  readonly runs: number;
  readonly runIds: readonly string[];
  readonly charts: Readonly<Record<string, ChartSummary>>;
  /** Message received → first frame painted, ms (performance.now in the webview). */
  readonly paintMs: number;
  /** The message that caused this render. */
  readonly cause: string;
  readonly step: number;
  readonly error: string | null;
  /** The panel's run status when it drew. */
  readonly phase: RunPhase;
  /** True when axis ranges are linked with other panels (side by side). */
  readonly linked: boolean;
  /** The notice the panel shows (a refused request, a partly restored configuration), or null. */
  readonly notice?: string | null;
  /** Schedules: the runs whose lr preview the toolbar draws, its points, and the switch markers drawn on the step charts. */
  readonly schedule?: { readonly previewRuns: readonly string[]; readonly previewPoints: number; readonly switches: readonly number[] };
}

export interface ChartImage {
  readonly chart: string;
  /** `data:image/png;base64,...` */
  readonly dataUrl: string;
}

/** `torch`: one self-verifying PyTorch script per run (README, Export as a PyTorch script). */
export type ExportFormat = 'csv' | 'json' | 'png' | 'torch';

/** Sections the host can ask the webview to reveal. */
export type ViewSection = 'effectiveLr' | 'convergence' | 'landscape' | 'moments' | 'stepSize';

/** One line of the step inspector: an equation of the optimizer with the step's numbers filled in. */
export interface InspectedLine {
  readonly symbol: string;
  /** PyTorch's name (`exp_avg`, `bias_correction1`, `step_size`, `denom`), or null. */
  readonly name: string | null;
  /** The formula (braces dropped) or, for inputs, where the value is read from. */
  readonly formula: string;
  /** The formula with every term replaced by its value at the step (empty for inputs). */
  readonly filled: string;
  readonly input: boolean;
  /** The value at the step (null: not finite, or not available, e.g. the state before a step of a downsampled run). Messages are JSON: NaN would arrive as null anyway. */
  readonly value: number | null;
  /** The value the recording holds for this term (null: it holds none). */
  readonly recorded: number | null;
}

/** The effective learning rate of the inspected step and parameter, decomposed (README "Diagnostics: definitions"). */
export interface InspectedFactors {
  readonly direction: string;
  readonly schedule: number;
  readonly biasCorrection: number;
  readonly preconditioner: number;
  /** u_i, the raw direction the factors multiply. */
  readonly rawDirection: number;
  /** schedule × biasCorrection × preconditioner. */
  readonly alpha: number;
  /** Share of the parameters whose denominator is ε-dominated at this step (null: no ε, or ε not used at this step). */
  readonly epsDominance: number | null;
  readonly definitions: { readonly schedule: string; readonly biasCorrection: string; readonly preconditioner: string; readonly epsDominance: string | null };
}

/** The step inspector's content for one run, step and parameter, computed on the host from the recording. */
export interface StepInspection {
  readonly runId: string;
  readonly label: string;
  readonly optimizer: OptimizerName;
  /** The step t shown (1-based); the slider's step, or the nearest recorded step at or before it. */
  readonly step: number;
  readonly param: number;
  readonly paramName: string;
  readonly lines: readonly InspectedLine[];
  readonly factors: InspectedFactors | null;
  /** Why the step shown differs from the one asked for, or why there is nothing to show; null otherwise. */
  readonly note: string | null;
}

// #endregion

// #region Host → webview

/** A zoomed step axis: the steps shown, [first, last] (first < last). */
export type StepZoom = readonly [number, number];

export type ToWebview =
  | { readonly type: 'run/snapshot'; readonly snapshot: PanelSnapshot }
  | { readonly type: 'run/didStart'; readonly requestId: string; readonly config: SessionConfig }
  | { readonly type: 'run/didProgress'; readonly requestId: string; readonly runId: string; readonly done: number; readonly total: number }
  /** Runs (or rows of runs) that arrived since the last batch; flushed at most every ~100 ms and at the end of a request. */
  | { readonly type: 'run/didAppendSteps'; readonly requestId: string; readonly runs: readonly RunSeries[] }
  | {
      readonly type: 'run/didFinish';
      readonly requestId: string;
      readonly status: RunStatus;
      readonly paramMagnitudes: Float64Array;
      readonly selectedParams: readonly number[];
    }
  | { readonly type: 'run/didFail'; readonly requestId: string; readonly error: LossError; readonly status: RunStatus }
  /**
   * A prepared run (issue 8 item 18): the runs of the configuration checked by `run/validate` #seq, computed
   * while the edit's debounce was still running (small built-in problems only). Nothing is shown: when the
   * debounce ends on exactly that configuration, the webview draws these runs at once and posts `run/start`
   * with `prepared: seq`; the host then commits the same result (run/didStart + run/didFinish, no data again).
   * The runs are deterministic, so they equal what the run itself would send bit for bit.
   */
  | { readonly type: 'run/didPrepare'; readonly seq: number; readonly runs: readonly RunSeries[]; readonly message: string }
  | { readonly type: 'config/didChange'; readonly settings: PanelSettings; readonly trusted: boolean }
  | { readonly type: 'view/didLinkAxes'; readonly links: AxisLinks | null }
  | { readonly type: 'view/didReveal'; readonly section: ViewSection }
  /**
   * Side by side: another panel of the group moved its step slider (step), its hover crosshair (hover; null: left
   * the chart) or zoomed its step axis (zoom: the step range shown; null: reset).
   */
  | { readonly type: 'view/didLinkStep'; readonly step?: number; readonly hover?: number | null; readonly zoom?: StepZoom | null }
  /** The answer to `run/validate`: every problem of the configuration (empty: all valid), and the schedules' previews. */
  | { readonly type: 'run/didValidate'; readonly seq: number; readonly problems: readonly FieldProblem[]; readonly previews?: readonly SchedulePreview[] }
  /** A request from the panel was refused (nothing ran or changed): say why, in the panel. */
  | { readonly type: 'run/didReject'; readonly message: string; readonly problems: readonly FieldProblem[] }
  | { readonly type: 'export/captureCharts'; readonly requestId: string }
  /** The answer to `view/inspectStep` (null: no run with data). */
  | { readonly type: 'view/didInspectStep'; readonly seq: number; readonly inspection: StepInspection | null };

// #endregion

// #region Webview → host

export type FromWebview =
  | { readonly type: 'webview/ready'; readonly chartWidth: number }
  | { readonly type: 'webview/didRender'; readonly summary: RenderSummary }
  | { readonly type: 'webview/didError'; readonly message: string }
  /** Run (or re-run) with this configuration; `live` = triggered by a debounced edit; `prepared`: the webview drew run/didPrepare #seq. */
  | { readonly type: 'run/start'; readonly config: SessionConfig; readonly live: boolean; readonly prepared?: number }
  | { readonly type: 'run/stop' }
  /** Check a configuration without running it (answered by `run/didValidate` with the same seq). */
  | { readonly type: 'run/validate'; readonly seq: number; readonly config: SessionConfig }
  | { readonly type: 'run/addToComparison'; readonly optimizer: OptimizerName; readonly hyperparameters?: Readonly<Record<string, HyperValue>> }
  | { readonly type: 'run/remove'; readonly runId: string }
  | { readonly type: 'view/selectParams'; readonly indices: readonly number[] }
  | { readonly type: 'view/resize'; readonly chartWidth: number }
  | { readonly type: 'view/openSideBySide' }
  /** Side by side: this panel's step slider, hover crosshair or step-axis zoom moved (relayed to the group). */
  | { readonly type: 'view/linkStep'; readonly step?: number; readonly hover?: number | null; readonly zoom?: StepZoom | null }
  | { readonly type: 'export/run'; readonly format: ExportFormat }
  /** The step inspector: the update equations of run `runId` (null: the first run) at `step` for parameter `param`. */
  | { readonly type: 'view/inspectStep'; readonly seq: number; readonly runId: string | null; readonly step: number; readonly param: number }
  | { readonly type: 'export/didCaptureCharts'; readonly requestId: string; readonly images: readonly ChartImage[] };

export type FromWebviewType = FromWebview['type'];
export type ToWebviewType = ToWebview['type'];

// #endregion

// #region Validation of untrusted input

const OPTIMIZER_NAMES_SET: ReadonlySet<string> = new Set<OptimizerName>([
  'sgd', 'adagrad', 'rmsprop', 'adam', 'adamw', 'adamax', 'nadam', 'radam', 'adadelta', 'rprop', 'signsgd', 'lion',
]);

export const LIMITS = Object.freeze({
  maxSteps: 1_000_000,
  maxRuns: 12,
  maxParams: 64,
  maxIdLength: 64,
  maxStringLength: 4096,
  maxImages: 16,
  maxDataUrlLength: 32 * 1024 * 1024,
  maxChartWidth: 16_384,
  maxHyperparameters: 32,
  maxPathLength: 4096,
});

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown, max: number = LIMITS.maxStringLength): v is string => typeof v === 'string' && v.length <= max;
const isFiniteNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown, min: number, max: number): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= LIMITS.maxIdLength && /^[\w.:-]+$/.test(v);

export function isOptimizerName(v: unknown): v is OptimizerName {
  return typeof v === 'string' && OPTIMIZER_NAMES_SET.has(v);
}

function parseHyperValue(v: unknown): HyperValue | undefined {
  if (typeof v === 'boolean') return v;
  if (isFiniteNum(v)) return v;
  if (Array.isArray(v) && v.length === 2 && isFiniteNum(v[0]) && isFiniteNum(v[1])) return [v[0], v[1]] as const;
  return undefined;
}

function parseLossRef(v: unknown): LossRef | undefined {
  if (!isObj(v)) return undefined;
  if (v['kind'] === 'builtin' && isStr(v['name'], 128) && /^[\w-]+$/.test(v['name'])) return { kind: 'builtin', name: v['name'] };
  if (v['kind'] === 'file' && isStr(v['path'], LIMITS.maxPathLength) && v['path'].length > 0) return { kind: 'file', path: v['path'] };
  return undefined;
}

function parseHyperparameters(v: unknown): Record<string, HyperValue> | undefined {
  if (!isObj(v)) return undefined;
  const h: Record<string, HyperValue> = {};
  const entries = Object.entries(v);
  if (entries.length > LIMITS.maxHyperparameters) return undefined;
  for (const [k, raw] of entries) {
    if (!/^[a-z_][a-z0-9_]{0,40}$/.test(k) || k === '__proto__' || k === 'constructor' || k === 'prototype') return undefined;
    const hv = parseHyperValue(raw);
    if (hv === undefined) return undefined;
    h[k] = hv;
  }
  return h;
}

function parseScheduleValue(v: unknown): ScheduleValue | undefined {
  if (v === null || typeof v === 'boolean' || isFiniteNum(v)) return v;
  if (isStr(v, 32)) return v;
  if (Array.isArray(v) && v.length <= 256 && v.every((x) => isFiniteNum(x))) return [...(v as number[])];
  return undefined;
}

/** A ScheduleConfig's shape (class names of the schema, keyword names, plain values); ranges are the core's job. */
export function parseScheduleConfig(v: unknown): ScheduleConfig | undefined {
  if (!isObj(v) || !Array.isArray(v['schedulers']) || v['schedulers'].length === 0 || v['schedulers'].length > 8) return undefined;
  const schedulers: SchedulerConfig[] = [];
  for (const s of v['schedulers']) {
    if (!isObj(s) || typeof s['name'] !== 'string' || !Object.hasOwn(SCHEDULE_CLASSES, s['name']) || !isObj(s['args'])) return undefined;
    const args: Record<string, ScheduleValue> = {};
    const entries = Object.entries(s['args']);
    if (entries.length > 16) return undefined;
    for (const [k, raw] of entries) {
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(k) || k === '__proto__' || k === 'constructor' || k === 'prototype') return undefined;
      const sv = parseScheduleValue(raw);
      if (sv === undefined) return undefined;
      args[k] = sv;
    }
    schedulers.push({ name: s['name'] as ScheduleClassName, args });
  }
  const ms = v['milestones'];
  if (ms !== undefined && !(Array.isArray(ms) && ms.length <= 8 && ms.every((x) => isInt(x, 0, LIMITS.maxSteps)))) return undefined;
  return { schedulers, ...(ms !== undefined ? { milestones: [...(ms as number[])] } : {}) };
}

/** Validates a RunSpec (shape only; hyperparameter and schedule ranges are the core's job). */
export function parseRunSpec(v: unknown): RunSpec | undefined {
  if (!isObj(v) || !isId(v['id']) || !isOptimizerName(v['optimizer'])) return undefined;
  const h = parseHyperparameters(v['hyperparameters']);
  if (!h) return undefined;
  let schedule: ScheduleConfig | undefined;
  if (v['schedule'] !== undefined) {
    schedule = parseScheduleConfig(v['schedule']);
    if (!schedule) return undefined;
  }
  let then: SegmentConfig[] | undefined;
  if (v['then'] !== undefined) {
    if (!Array.isArray(v['then']) || v['then'].length > 8) return undefined;
    then = [];
    for (const s of v['then']) {
      if (!isObj(s) || !isOptimizerName(s['optimizer']) || !isInt(s['fromStep'], 1, LIMITS.maxSteps)) return undefined;
      const sh = parseHyperparameters(s['hyperparameters']);
      if (!sh) return undefined;
      let ss: ScheduleConfig | undefined;
      if (s['schedule'] !== undefined) {
        ss = parseScheduleConfig(s['schedule']);
        if (!ss) return undefined;
      }
      then.push({ optimizer: s['optimizer'], hyperparameters: sh, fromStep: s['fromStep'], ...(ss ? { schedule: ss } : {}) });
    }
  }
  return { id: v['id'], optimizer: v['optimizer'], hyperparameters: h, ...(schedule ? { schedule } : {}), ...(then ? { then } : {}) };
}

/** Validates a SessionConfig from the webview or from persisted webview state. */
export function parseSessionConfig(v: unknown): SessionConfig | undefined {
  if (!isObj(v)) return undefined;
  const loss = parseLossRef(v['loss']);
  if (!loss) return undefined;
  if (!Array.isArray(v['runs']) || v['runs'].length === 0 || v['runs'].length > LIMITS.maxRuns) return undefined;
  const runs: RunSpec[] = [];
  const ids = new Set<string>();
  for (const r of v['runs']) {
    const run = parseRunSpec(r);
    if (!run || ids.has(run.id)) return undefined;
    ids.add(run.id);
    runs.push(run);
  }
  if (!isInt(v['steps'], 1, LIMITS.maxSteps)) return undefined;
  if (!isInt(v['seed'], 0, 2 ** 31 - 1)) return undefined;
  const batch = v['batchSize'];
  if (batch !== undefined && !isInt(batch, 1, 1_000_000_000)) return undefined;
  const numerics = parseNumerics(v);
  if (!numerics.ok) return undefined;
  const gradient = parseGradientFields(v);
  if (!gradient.ok) return undefined;
  return { loss, runs, steps: v['steps'], seed: v['seed'], ...(batch !== undefined ? { batchSize: batch as number } : {}), ...numerics.value, ...gradient.value };
}

/**
 * Why `v` is not a valid SessionConfig, field by field (empty when parseSessionConfig accepts it): the
 * panel shows these instead of ignoring a refused request.
 */
export function sessionConfigProblems(v: unknown): FieldProblem[] {
  if (parseSessionConfig(v) !== undefined) return [];
  if (!isObj(v)) return [{ field: 'config', message: 'not a configuration' }];
  const out: FieldProblem[] = [];
  if (!parseLossRef(v['loss'])) out.push({ field: 'loss', message: 'unknown loss' });
  const runs = v['runs'];
  if (!Array.isArray(runs) || runs.length === 0) out.push({ field: 'runs', message: 'no run' });
  else if (runs.length > LIMITS.maxRuns) out.push({ field: 'runs', message: `a panel holds at most ${LIMITS.maxRuns} runs, got ${runs.length}` });
  else {
    const ids = new Set<string>();
    for (const r of runs) {
      const run = parseRunSpec(r);
      const id = isObj(r) && isId(r['id']) ? r['id'] : undefined;
      if (!run) out.push({ ...(id ? { runId: id } : {}), field: 'run', message: 'invalid run (optimizer or hyperparameters)' });
      else if (ids.has(run.id)) out.push({ runId: run.id, field: 'run', message: `duplicate run id ${run.id}` });
      else ids.add(run.id);
    }
  }
  if (!isInt(v['steps'], 1, LIMITS.maxSteps)) out.push({ field: 'steps', message: `steps must be a whole number from 1 to ${LIMITS.maxSteps.toLocaleString('en-US')}, got ${String(v['steps']).slice(0, 40)}` });
  if (!isInt(v['seed'], 0, 2 ** 31 - 1)) out.push({ field: 'seed', message: `seed must be a whole number from 0 to ${2 ** 31 - 1}, got ${String(v['seed']).slice(0, 40)}` });
  const batch = v['batchSize'];
  if (batch !== undefined && !isInt(batch, 1, 1_000_000_000)) out.push({ field: 'batchSize', message: `batch size must be a whole number from 1 to 1,000,000,000, got ${String(batch).slice(0, 40)}` });
  if (v['convention'] !== undefined && !(CONVENTION_CHOICES as readonly unknown[]).includes(v['convention'])) out.push({ field: 'convention', message: `convention must be one of ${CONVENTION_CHOICES.join(', ')}, got ${String(v['convention']).slice(0, 40)}` });
  if (v['dtype'] !== undefined && !(DTYPE_CHOICES as readonly unknown[]).includes(v['dtype'])) out.push({ field: 'dtype', message: `dtype must be float64 or float32, got ${String(v['dtype']).slice(0, 40)}` });
  out.push(...parseGradientFields(v).problems);
  return out.length ? out : [{ field: 'config', message: 'invalid configuration' }];
}

/**
 * A configuration restored after a reload, keeping everything valid: invalid or surplus runs are
 * dropped, an out-of-range steps/seed/batch size falls back to `fallback`'s. `dropped` says what was
 * not restored (shown in the panel). Undefined when nothing usable is left (no valid loss or run).
 */
export function restoreSessionConfig(v: unknown, fallback: { steps: number; seed?: number }): { config: SessionConfig; dropped: string[] } | undefined {
  const strict = parseSessionConfig(v);
  if (strict) return { config: strict, dropped: [] };
  if (!isObj(v)) return undefined;
  const loss = parseLossRef(v['loss']);
  if (!loss || !Array.isArray(v['runs'])) return undefined;
  const dropped: string[] = [];
  const runs: RunSpec[] = [];
  const ids = new Set<string>();
  v['runs'].forEach((r: unknown, i: number) => {
    const run = parseRunSpec(r);
    if (!run || ids.has(run.id)) dropped.push(`run ${i + 1} (${!run ? 'invalid' : 'duplicate id'})`);
    else if (runs.length >= LIMITS.maxRuns) dropped.push(`run ${i + 1} (${run.optimizer}: over the limit of ${LIMITS.maxRuns} runs)`);
    else {
      ids.add(run.id);
      runs.push(run);
    }
  });
  if (runs.length === 0) return undefined;
  let steps = v['steps'];
  if (!isInt(steps, 1, LIMITS.maxSteps)) {
    dropped.push(`steps ${String(steps).slice(0, 40)} (must be 1 to ${LIMITS.maxSteps}; using ${fallback.steps})`);
    steps = fallback.steps;
  }
  let seed = v['seed'];
  if (!isInt(seed, 0, 2 ** 31 - 1)) {
    dropped.push(`seed ${String(seed).slice(0, 40)} (using ${fallback.seed ?? 0})`);
    seed = fallback.seed ?? 0;
  }
  let batch = v['batchSize'];
  if (batch !== undefined && !isInt(batch, 1, 1_000_000_000)) {
    dropped.push(`batch size ${String(batch).slice(0, 40)} (using the file's own)`);
    batch = undefined;
  }
  const numerics = parseNumerics(v);
  if (!numerics.ok) dropped.push('an unknown convention or dtype (using pytorch, float64)');
  const gradient = parseGradientFields(v);
  for (const p of gradient.problems) dropped.push(`${p.message} (using the default)`);
  return { config: { loss, runs, steps: steps as number, seed: seed as number, ...(batch !== undefined ? { batchSize: batch as number } : {}), ...(numerics.ok ? numerics.value : {}), ...gradient.value }, dropped };
}

function parseRange(v: unknown): readonly [number, number] | null | undefined {
  if (v === null) return null;
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') return [v[0], v[1]];
  return undefined;
}

function parseChartSummary(v: unknown): ChartSummary | undefined {
  if (!isObj(v)) return undefined;
  const xRange = parseRange(v['xRange']);
  const yRange = parseRange(v['yRange']);
  if (!isInt(v['datasets'], 0, 1e6) || !isInt(v['points'], 0, 1e9) || xRange === undefined || yRange === undefined) return undefined;
  if (v['yScale'] !== 'linear' && v['yScale'] !== 'logarithmic') return undefined;
  if (!Array.isArray(v['labels']) || v['labels'].length > 1000 || !v['labels'].every((l) => isStr(l, 256))) return undefined;
  if (typeof v['visible'] !== 'boolean') return undefined;
  let contour: ContourSummary | undefined;
  if (v['contour'] !== undefined) {
    const c = v['contour'];
    if (!isObj(c) || !isInt(c['nx'], 2, 1e4) || !isInt(c['ny'], 2, 1e4) || !isInt(c['levels'], 0, 1e4) || !isInt(c['gaps'], 0, 1e8)) return undefined;
    const x = parseRange(c['x']);
    const y = parseRange(c['y']);
    if (!x || !y) return undefined;
    contour = { nx: c['nx'], ny: c['ny'], levels: c['levels'], gaps: c['gaps'], x, y };
  }
  return { datasets: v['datasets'], points: v['points'], labels: v['labels'] as string[], xRange, yRange, yScale: v['yScale'], visible: v['visible'], ...(contour ? { contour } : {}) };
}

function parseRenderSummary(v: unknown): RenderSummary | undefined {
  if (!isObj(v) || !isStr(v['panelId'], 128) || !isInt(v['runs'], 0, 1000) || !isObj(v['charts'])) return undefined;
  if (!Array.isArray(v['runIds']) || !v['runIds'].every((r) => isStr(r, LIMITS.maxIdLength))) return undefined;
  if (!isFiniteNum(v['paintMs']) || !isStr(v['cause'], 64) || !isFiniteNum(v['step'])) return undefined;
  if (v['error'] !== null && !isStr(v['error'])) return undefined;
  if (!PHASES.has(v['phase'] as string) || typeof v['linked'] !== 'boolean') return undefined;
  const notice = v['notice'];
  if (notice !== undefined && notice !== null && !isStr(notice)) return undefined;
  const sch = v['schedule'];
  let schedule: RenderSummary['schedule'];
  if (sch !== undefined) {
    if (!isObj(sch) || !Array.isArray(sch['previewRuns']) || sch['previewRuns'].length > LIMITS.maxRuns || !sch['previewRuns'].every((r) => isStr(r, LIMITS.maxIdLength))) return undefined;
    if (!isInt(sch['previewPoints'], 0, 1e9) || !Array.isArray(sch['switches']) || sch['switches'].length > 1000 || !sch['switches'].every((x) => isInt(x, 0, LIMITS.maxSteps))) return undefined;
    schedule = { previewRuns: sch['previewRuns'] as string[], previewPoints: sch['previewPoints'], switches: sch['switches'] as number[] };
  }
  const charts: Record<string, ChartSummary> = {};
  for (const [k, c] of Object.entries(v['charts'])) {
    if (!isStr(k, 64)) return undefined;
    const s = parseChartSummary(c);
    if (!s) return undefined;
    charts[k] = s;
  }
  return {
    panelId: v['panelId'], runs: v['runs'], runIds: v['runIds'] as string[], charts,
    paintMs: v['paintMs'], cause: v['cause'], step: v['step'], error: v['error'] as string | null,
    phase: v['phase'] as RunPhase, linked: v['linked'], ...(typeof notice === 'string' ? { notice } : {}), ...(schedule ? { schedule } : {}),
  };
}

const PHASES: ReadonlySet<string> = new Set<RunPhase>(['idle', 'running', 'done', 'cancelled', 'failed']);
const CHART_NAME = /^[a-zA-Z][\w-]{0,40}$/;

/**
 * Returns the message if it is a well-formed FromWebview, else undefined (unknown types, missing or
 * ill-typed fields, oversized strings). Never throws.
 */
export function parseFromWebview(raw: unknown): FromWebview | undefined {
  if (!isObj(raw) || typeof raw['type'] !== 'string') return undefined;
  const m = raw;
  switch (m['type'] as FromWebviewType) {
    case 'webview/ready':
      return isInt(m['chartWidth'], 0, LIMITS.maxChartWidth) ? { type: 'webview/ready', chartWidth: m['chartWidth'] } : undefined;
    case 'webview/didRender': {
      const summary = parseRenderSummary(m['summary']);
      return summary ? { type: 'webview/didRender', summary } : undefined;
    }
    case 'webview/didError':
      return isStr(m['message']) ? { type: 'webview/didError', message: m['message'] } : undefined;
    case 'run/start': {
      const config = parseSessionConfig(m['config']);
      if (!config || typeof m['live'] !== 'boolean') return undefined;
      if (m['prepared'] === undefined) return { type: 'run/start', config, live: m['live'] };
      return isInt(m['prepared'], 0, Number.MAX_SAFE_INTEGER) ? { type: 'run/start', config, live: m['live'], prepared: m['prepared'] } : undefined;
    }
    case 'run/stop':
      return { type: 'run/stop' };
    case 'run/validate': {
      const config = parseSessionConfig(m['config']);
      return config && isInt(m['seq'], 0, Number.MAX_SAFE_INTEGER) ? { type: 'run/validate', seq: m['seq'], config } : undefined;
    }
    case 'run/addToComparison': {
      if (!isOptimizerName(m['optimizer'])) return undefined;
      if (m['hyperparameters'] === undefined) return { type: 'run/addToComparison', optimizer: m['optimizer'] };
      const spec = parseRunSpec({ id: 'new', optimizer: m['optimizer'], hyperparameters: m['hyperparameters'] });
      return spec ? { type: 'run/addToComparison', optimizer: m['optimizer'], hyperparameters: spec.hyperparameters } : undefined;
    }
    case 'run/remove':
      return isId(m['runId']) ? { type: 'run/remove', runId: m['runId'] } : undefined;
    case 'view/selectParams': {
      const ix = m['indices'];
      if (!Array.isArray(ix) || ix.length > LIMITS.maxParams || !ix.every((i) => isInt(i, 0, 1e9))) return undefined;
      return { type: 'view/selectParams', indices: [...new Set(ix as number[])] };
    }
    case 'view/resize':
      return isInt(m['chartWidth'], 0, LIMITS.maxChartWidth) ? { type: 'view/resize', chartWidth: m['chartWidth'] } : undefined;
    case 'view/openSideBySide':
      return { type: 'view/openSideBySide' };
    case 'view/linkStep': {
      const step = m['step'];
      const hover = m['hover'];
      if (step !== undefined && !isInt(step, 0, LIMITS.maxSteps)) return undefined;
      if (hover !== undefined && hover !== null && !isInt(hover, 0, LIMITS.maxSteps)) return undefined;
      const zoom = m['zoom'];
      const zoomOk = zoom === undefined || zoom === null || (Array.isArray(zoom) && zoom.length === 2 && zoom.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= LIMITS.maxSteps) && (zoom[0] as number) < (zoom[1] as number));
      if (!zoomOk) return undefined;
      if (step === undefined && hover === undefined && zoom === undefined) return undefined;
      return {
        type: 'view/linkStep',
        ...(step !== undefined ? { step: step as number } : {}),
        ...(hover !== undefined ? { hover: hover as number | null } : {}),
        ...(zoom !== undefined ? { zoom: zoom === null ? null : [zoom[0] as number, zoom[1] as number] as const } : {}),
      };
    }
    case 'view/inspectStep': {
      const runId = m['runId'];
      if (!isInt(m['seq'], 0, Number.MAX_SAFE_INTEGER) || !isInt(m['step'], 0, LIMITS.maxSteps) || !isInt(m['param'], 0, 1e9)) return undefined;
      if (runId !== null && !isId(runId)) return undefined;
      return { type: 'view/inspectStep', seq: m['seq'], runId: runId as string | null, step: m['step'], param: m['param'] };
    }
    case 'export/run':
      return m['format'] === 'csv' || m['format'] === 'json' || m['format'] === 'png' || m['format'] === 'torch' ? { type: 'export/run', format: m['format'] } : undefined;
    case 'export/didCaptureCharts': {
      const imgs = m['images'];
      if (!isId(m['requestId']) || !Array.isArray(imgs) || imgs.length > LIMITS.maxImages) return undefined;
      const images: ChartImage[] = [];
      for (const im of imgs) {
        if (!isObj(im) || !isStr(im['chart'], 64) || !CHART_NAME.test(im['chart'])) return undefined;
        const url = im['dataUrl'];
        if (!isStr(url, LIMITS.maxDataUrlLength) || !url.startsWith('data:image/png;base64,')) return undefined;
        images.push({ chart: im['chart'], dataUrl: url });
      }
      return { type: 'export/didCaptureCharts', requestId: m['requestId'], images };
    }
    default:
      return undefined;
  }
}

/** Exhaustiveness helper for `switch (msg.type)`. */
export function assertNever(x: never): never {
  throw new Error(`unhandled message ${JSON.stringify(x)}`);
}

// #endregion
