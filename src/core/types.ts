// The optimizer core's contract. Pure TypeScript: no vscode, no DOM, no Node APIs
// (tsconfig.core.json type-checks this folder with no ambient types to keep it so).
//
// An optimizer is optax-style: `init(params) -> state` and a pure
// `update(grad, state, params) -> {params, state, diagnostics}` over Float64Arrays.
// For speed the same math is also exposed as an in-place kernel, `step`, which mutates
// preallocated buffers and allocates nothing; `update` is `step` applied to copies.

/** Names of the optimizers the core implements (CLI and UI use these). */
export type OptimizerName =
  | 'sgd'
  | 'adagrad'
  | 'rmsprop'
  | 'adam'
  | 'adamw'
  | 'adamax'
  | 'nadam'
  | 'radam'
  | 'adadelta'
  | 'rprop'
  | 'signsgd'
  | 'lion';

/** A hyperparameter value: a number, a flag, or a pair such as `betas`. */
export type HyperValue = number | boolean | readonly [number, number];

/** Resolved hyperparameters, keyed by PyTorch's names (`lr`, `betas`, `weight_decay`, ...). */
export type Hyperparameters = Readonly<Record<string, HyperValue>>;

/** Describes one hyperparameter: enough to build a CLI flag, a form field and a tooltip. */
export interface HyperparameterSpec {
  /** PyTorch's keyword, e.g. `weight_decay`. */
  readonly name: string;
  readonly kind: 'number' | 'boolean' | 'pair';
  readonly default: HyperValue;
  /** One line for tooltips and `--help`. */
  readonly description: string;
  /** Suggested UI step for number fields (log-scale sliders use it as a hint only). */
  readonly uiStep?: number;
}

/**
 * Optimizer state, a value (optax). Per-element tensors and scalars use PyTorch's own state names:
 * `momentum_buffer`, `sum`, `square_avg`, `grad_avg`, `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`,
 * `exp_inf`, `acc_delta`, `prev`, `step_size`; scalar `step` and e.g. `mu_product`.
 */
export interface OptimizerState {
  /** PyTorch's `state['step']`: number of updates applied so far. */
  step: number;
  readonly tensors: Record<string, Float64Array>;
  readonly scalars: Record<string, number>;
}

/**
 * Per-parameter diagnostics written by one step (all length = dim). Definitions (README, "Diagnostics"):
 *  - `update`       Δθ = θ_t − θ_{t−1}
 *  - `direction`    d_t, the vector the effective learning rate multiplies (SEMANTICS.md):
 *                   g_t (plain/adaptive), the momentum buffer, m̂_t (Adam family), sign(·) (sign methods)
 *  - `effectiveLr`  α_t with θ_t = θ_{t−1} − α_t ⊙ d_t (before any decoupled weight decay)
 *  - `extra`        optimizer-specific series, e.g. `exp_avg_hat` (m̂) and `exp_avg_sq_hat` (v̂)
 */
export interface StepDiagnostics {
  /**
   * Where row values go: parameter i of this step is written at index `offset + i` of each array. 0 for
   * dim-sized buffers (`createDiagnostics`); the simulation engine points the arrays at its recording
   * columns and sets `offset = t·dim`, so diagnostics land in the recording without a copy.
   */
  offset: number;
  readonly update: Float64Array;
  readonly direction: Float64Array;
  readonly effectiveLr: Float64Array;
  readonly extra: Readonly<Record<string, Float64Array>>;
}

/** What a step needs besides grad, state and params. Filled by the caller once per step. */
export interface StepContext {
  /** Learning rate for this step after any schedule (PyTorch: `group['lr']`). */
  lr: number;
  /**
   * SGD/RMSprop `momentum` or the Adam family's β₁ for this step when a schedule cycles it
   * (OneCycleLR/CyclicLR `cycle_momentum`); NaN: the optimizer's own hyperparameter.
   */
  momentum: number;
}

/** A learning-rate schedule: multiplier or absolute value for step t (1-based). Plugged in per run. */
export type LrSchedule = (step: number, baseLr: number) => number;

/** The numerical conventions a user can pick (`--convention`, the panel's picker). */
export type ConventionName = 'pytorch' | 'tfjs' | 'textbook';

/** Storage precision of a run: float32 rounds every stored tensor and intermediate (Math.fround), as tfjs' CPU backend. */
export type Dtype = 'float64' | 'float32';

/**
 * A numerical convention: where implementations differ in floating-point form, not in intent.
 * Kernels read these flags once per step (never per element), so a new convention is a new
 * object here, not an edit of each optimizer. `pytorch` is the default and the reference. `tfjs` and
 * `textbook` select per-optimizer forms (`OptimizerDefinition.conventions`) when the optimizer is created;
 * an optimizer a convention does not define is refused with a one-line error.
 */
export interface Convention {
  readonly name: ConventionName | 'textbook-eps-inside';
  /** One line for --help, tooltips and the README. */
  readonly description: string;
  /** false: denominators are `sqrt(v) + eps` (PyTorch); true: `sqrt(v + eps)` (TF/tfjs, many textbooks). */
  readonly epsInsideSqrt: boolean;
  /** The optimizers this convention defines (null: every optimizer, in its PyTorch form). */
  readonly optimizers: readonly OptimizerName[] | null;
  /** The dtypes it can run in. */
  readonly dtypes: readonly Dtype[];
}

export interface OptimizerOptions {
  readonly convention?: Convention;
  readonly schedule?: LrSchedule;
  /** Default float64. float32 needs a convention that models it (tfjs). */
  readonly dtype?: Dtype;
}

/** One convention's form of an optimizer, for the docs (README table) and tooltips. */
export interface ConventionFormInfo {
  /** The exact update in this convention, plain text. */
  readonly equations: string;
  /** Defaults that differ from PyTorch's under this convention (e.g. tfjs' ε = 1e-7). */
  readonly defaults: Readonly<Record<string, HyperValue>>;
}

export interface UpdateResult {
  readonly params: Float64Array;
  readonly state: OptimizerState;
  readonly diagnostics: StepDiagnostics;
}

/** A configured optimizer (hyperparameters validated and resolved). */
export interface Optimizer {
  readonly name: OptimizerName;
  readonly hyperparameters: Hyperparameters;
  readonly convention: Convention;
  readonly dtype: Dtype;
  /** Per-element state names this optimizer keeps, in PyTorch's naming. */
  readonly stateNames: readonly string[];
  /** Scalar state names besides `step` (e.g. `mu_product`). */
  readonly scalarStateNames: readonly string[];
  /** Names of `StepDiagnostics.extra` series (e.g. `exp_avg_hat`, `exp_avg_sq_hat`). */
  readonly extraDiagnosticNames: readonly string[];
  /** Learning rate in effect at step t (1-based), after the schedule. */
  lrAt(step: number): number;
  init(params: Float64Array): OptimizerState;
  /** Pure: returns new params/state, never mutates its inputs. */
  update(grad: Float64Array, state: OptimizerState, params: Float64Array): UpdateResult;
  /**
   * In-place kernel: mutates `params` and `state`, writes `diag` (when given). Never mutates `grad`.
   * Allocates nothing; `diag` buffers are the caller's (see `createDiagnostics`). With `diag = null`
   * no diagnostics are written (large problems, benchmarks).
   */
  step(grad: Float64Array, state: OptimizerState, params: Float64Array, diag: StepDiagnostics | null): void;
  /**
   * `step` with the learning rate (and a cycled momentum / β₁) given by the caller, as a
   * torch.optim.lr_scheduler sets `group['lr']` before each step. Allocates nothing.
   */
  stepWith(grad: Float64Array, state: OptimizerState, params: Float64Array, diag: StepDiagnostics | null, ctx: StepContext): void;
  /** What cycle_momentum cycles: `momentum` (SGD, RMSprop…), `beta1` (betas[0], Adam family), or null. */
  readonly momentumKind: 'momentum' | 'beta1' | null;
  /** Buffers for `step`'s diagnostics, sized for `dim` parameters. */
  createDiagnostics(dim: number): StepDiagnostics;
}

/**
 * One recorded step t of one parameter i, as the effective-LR decomposition and the step inspector read it
 * (`src/core/optimizers/explain.ts` builds it over a recording). Values that the recording does not hold
 * (the state before a step in a downsampled recording) are NaN.
 */
export interface StepRecord {
  /** PyTorch's step t (1-based). */
  readonly t: number;
  /** Learning rate in effect at step t (after the schedule; the recording's `lr`). */
  readonly lr: number;
  readonly h: Hyperparameters;
  readonly epsInsideSqrt: boolean;
  /** θ_{t−1,i} (before the step) and θ_{t,i} (after it). */
  readonly theta: number;
  readonly next: number;
  /** ∂f/∂θ_i at θ_{t−1} as the loss returned it (before maximize / weight decay). */
  readonly grad: number;
  /** Δθ_i, d_i and α_i as the kernel recorded them. */
  readonly update: number;
  readonly direction: number;
  readonly effectiveLr: number;
  /** Per-element state after step t / before it (the initial state at t = 1). */
  state(name: string): number;
  prev(name: string): number;
  /** Scalar state after step t / before it. */
  scalar(name: string): number;
  prevScalar(name: string): number;
  extra(name: string): number;
}

/**
 * The effective learning rate of one optimizer, decomposed (README "Diagnostics: definitions"):
 * α_i = schedule × bias correction × preconditioner_i, the factor of the raw direction u_i the step
 * multiplies (m_t for the Adam family, where the recorded direction is m̂_t = m_t/(1−β1ᵗ)), so that
 * −α_i·u_i is the step before any decoupled weight decay.
 */
export interface LrFactorsDefinition {
  /** The raw direction u the factors multiply, e.g. `m_t (exp_avg)`. */
  readonly direction: string;
  readonly schedule: string;
  readonly biasCorrection: string;
  readonly preconditioner: string;
  /** When a coordinate counts as ε-dominated, or null when the optimizer has no ε. */
  readonly epsDominance: string | null;
  /**
   * Writes [schedule, bias correction, preconditioner, u_i, ε-dominated (1 | 0 | NaN: not applicable)]
   * for one step and parameter into `out` (length ≥ 5). Allocates nothing.
   */
  evaluate(s: StepRecord, out: Float64Array): void;
}

/**
 * One line of an optimizer's update equations, as the step inspector shows it. `formula` names other
 * terms and hyperparameters as `{symbol}` (e.g. `{β1}·{m_{t−1}} + (1−{β1})·{g}`): the inspector prints it
 * with the braces dropped, and again with each `{symbol}` replaced by that term's value at the step.
 */
export interface EquationTerm {
  readonly symbol: string;
  /** PyTorch's name where it has one (`exp_avg`, `bias_correction1`, `step_size`, `denom`, `lr`). */
  readonly name?: string;
  /** The expression, or for inputs (`input: true`) where the value is read from; a function when it depends on the step. */
  readonly formula: string | ((s: StepRecord) => string);
  /** True when `formula` is a description of where the value comes from, not an expression of terms. */
  readonly input?: boolean;
  /** The value at the step: `x(symbol)` gives an earlier term's value. Mirrors the kernel's arithmetic. */
  value(s: StepRecord, x: (symbol: string) => number): number;
  /** The value the recording holds for this term (state after the step, Δθ), when it holds one. */
  recorded?(s: StepRecord): number;
}

/** Static description of an optimizer, for the registry, the CLI, the UI and the docs. */
export interface OptimizerDefinition {
  readonly name: OptimizerName;
  readonly label: string;
  /** e.g. `torch.optim.Adam`, or a note where torch has none (signSGD, Lion). */
  readonly torchName: string;
  readonly hyperparameters: readonly HyperparameterSpec[];
  /** The exact update, PyTorch's operation order, plain text (tooltips, README). */
  readonly equations: string;
  /** Definition of the effective learning rate and its direction for this optimizer. */
  readonly effectiveLrDefinition: string;
  readonly stateNames: readonly string[];
  readonly scalarStateNames: readonly string[];
  readonly extraDiagnosticNames: readonly string[];
  /** The forms of the non-PyTorch conventions that define this optimizer. */
  readonly conventions: Readonly<Partial<Record<'tfjs' | 'textbook', ConventionFormInfo>>>;
  /** The effective learning rate as schedule × bias correction × preconditioner (README "Diagnostics: definitions"). */
  readonly lrFactors: LrFactorsDefinition;
  /** The update equations of a configuration, in order, for the step inspector (resolved hyperparameters). */
  stepEquations(h: Hyperparameters): readonly EquationTerm[];
  /** Validates (throws `HyperparameterError`) and resolves defaults. */
  create(hyperparameters?: Readonly<Record<string, HyperValue | undefined>>, options?: OptimizerOptions): Optimizer;
}

/** Thrown for invalid hyperparameters; message names the optimizer, the parameter and the rule. */
export class HyperparameterError extends Error {
  constructor(
    readonly optimizer: string,
    readonly parameter: string,
    message: string,
  ) {
    super(`${optimizer}: invalid ${parameter}: ${message}`);
    this.name = 'HyperparameterError';
  }
}

/**
 * A differentiable objective as the simulation engine sees it. Built-in losses, loss files
 * (automatic, hand-written or numeric gradients, mini-batches) and reference replays all
 * implement it.
 */
export interface Problem {
  readonly name: string;
  readonly dim: number;
  /** One label per flattened parameter, e.g. `x`, `y`, `w[0]`, `b`. */
  readonly paramNames: readonly string[];
  /**
   * Loss at `params`, and the gradient written into `gradOut` (length dim).
   * `step` is the 0-based index of the optimizer step that will consume this gradient
   * (mini-batch sampling and replay use it; deterministic problems ignore it).
   */
  evaluate(params: Float64Array, gradOut: Float64Array, step: number): number;
  /**
   * Optional float32 evaluation (every operation rounded, as float32 tensor ops would): used by float32 runs
   * instead of `evaluate` + rounding. Built-ins with a tfjs reference formula have it.
   */
  evaluateFloat32?(params: Float64Array, gradOut: Float64Array, step: number): number;
  /** Loss only (the final point of a run); defaults to evaluate with a scratch gradient. */
  value?(params: Float64Array, step: number): number;
  /** Held-out loss (loss files with `validation`), recorded as a second curve when present. */
  validationLoss?(params: Float64Array): number;
  /**
   * How second derivatives are computed (README "Curvature and stability"): `analytic` (built-ins),
   * `autodiff` (exact Hessian-vector products of a loss file's loss code) or `numeric` (central
   * differences of the gradient, Richardson-extrapolated). Absent: no second derivatives.
   */
  readonly hessianMethod?: HessianMethod;
  /** Hessian-vector product H(params)·v into `out` (full batch, deterministic). */
  hvp?(params: Float64Array, v: Float64Array, out: Float64Array): void;
  /** The dense Hessian, row-major into `out` (length dim²), when it is known in closed form. */
  hessian?(params: Float64Array, out: Float64Array): void;
  /**
   * The deterministic loss and gradient (all training rows, no gradient noise) when `evaluate` is stochastic
   * (mini-batches, noise); absent: `evaluate` is already deterministic. Used by the step-quality α.
   */
  evaluateFull?(params: Float64Array, gradOut: Float64Array): number;
}

/** How a Hessian was computed. */
export type HessianMethod = 'analytic' | 'autodiff' | 'numeric';

/** A 2-D plot window and known minima for 2-parameter problems. */
export interface PlotWindow {
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
}
