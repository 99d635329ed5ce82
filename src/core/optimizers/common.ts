// Shared machinery for every optimizer: hyperparameter validation and resolution, the pure
// `update` built on the in-place kernel, the learning-rate schedule and the numerical convention.
// Optimizer files only state their hyperparameters, their state and their kernel.

import {
  HyperparameterError,
  type Convention,
  type ConventionFormInfo,
  type ConventionName,
  type Dtype,
  type EquationTerm,
  type HyperValue,
  type HyperparameterSpec,
  type Hyperparameters,
  type LrFactorsDefinition,
  type Optimizer,
  type OptimizerDefinition,
  type OptimizerName,
  type OptimizerOptions,
  type OptimizerState,
  type StepContext,
  type StepDiagnostics,
} from '../types';

/** torch's `'momentum' in defaults` / `'betas' in defaults`: what a schedule's cycle_momentum cycles. */
export function momentumKindOf(specs: readonly HyperparameterSpec[]): 'momentum' | 'beta1' | null {
  if (specs.some((s) => s.name === 'momentum')) return 'momentum';
  if (specs.some((s) => s.name === 'betas')) return 'beta1';
  return null;
}

export const PYTORCH: Convention = Object.freeze({
  name: 'pytorch',
  description: 'torch.optim 1.13 (single-tensor path): the default and the reference',
  epsInsideSqrt: false,
  optimizers: null,
  dtypes: Object.freeze(['float64'] as const),
});
/** `sqrt(v + eps)` denominators in every kernel that has one (a plug-in for experiments; not user-facing). */
export const EPS_INSIDE_SQRT: Convention = Object.freeze({
  name: 'textbook-eps-inside',
  description: 'PyTorch forms with ε under every square root, √(v + ε)',
  epsInsideSqrt: true,
  optimizers: null,
  dtypes: Object.freeze(['float64'] as const),
});
/** TensorFlow.js 4.22 `tf.train.*` (tfjs-core optimizers, CPU backend), see README "Numerical conventions". */
export const TFJS: Convention = Object.freeze({
  name: 'tfjs',
  description: "TensorFlow.js 4.22 tf.train.* formulas, operation order and defaults (float32 = tfjs' CPU backend)",
  epsInsideSqrt: true,
  optimizers: Object.freeze(['sgd', 'adagrad', 'rmsprop', 'adam', 'adamax', 'adadelta'] as const),
  dtypes: Object.freeze(['float64', 'float32'] as const),
});
/** The forms of the lessons: RMSProp θ ← θ − η g/√(v + ε), Adam θ ← θ − η m̂/√(v̂ + ε). */
export const TEXTBOOK: Convention = Object.freeze({
  name: 'textbook',
  description: 'the lecture forms: RMSProp η g/√(v + ε), Adam η m̂/√(v̂ + ε); SGD, AdaGrad, Adadelta as PyTorch',
  epsInsideSqrt: true,
  optimizers: Object.freeze(['sgd', 'adagrad', 'rmsprop', 'adam', 'adamw', 'adadelta'] as const),
  dtypes: Object.freeze(['float64'] as const),
});

export const CONVENTIONS: Readonly<Record<ConventionName, Convention>> = Object.freeze({ pytorch: PYTORCH, tfjs: TFJS, textbook: TEXTBOOK });
export const CONVENTION_NAMES = Object.freeze(Object.keys(CONVENTIONS) as ConventionName[]);
export const DTYPES: readonly Dtype[] = Object.freeze(['float64', 'float32']);

export function isConventionName(name: string): name is ConventionName {
  return Object.prototype.hasOwnProperty.call(CONVENTIONS, name);
}

export function getConvention(name: string): Convention {
  if (!isConventionName(name)) throw new Error(`unknown convention "${name}" (known: ${CONVENTION_NAMES.join(', ')})`);
  return CONVENTIONS[name];
}

/** Rounding of every stored value and intermediate: Math.fround (float32) or the identity (float64). */
export type Round = (x: number) => number;
const identity: Round = (x) => x;
export const roundFor = (dtype: Dtype): Round => (dtype === 'float32' ? Math.fround : identity);

/**
 * One non-PyTorch convention's form of an optimizer. `kernel` builds the kernel for a rounding function
 * (tfjs forms run in float64 and float32); a form without `kernel` reuses the PyTorch kernel with the
 * convention's `epsInsideSqrt` replaced by the form's own.
 */
export interface ConventionForm<H> extends ConventionFormInfo {
  readonly kernel?: (round: Round) => Kernel<H>;
  readonly epsInsideSqrt?: boolean;
  readonly stateNames?: readonly string[];
  readonly activeStateNames?: (h: H) => readonly string[];
  readonly scalarStateNames?: readonly string[];
  readonly extraDiagnosticNames?: readonly string[];
  readonly initTensors?: (params: Float64Array, h: H, round: Round) => Record<string, Float64Array>;
  readonly initScalars?: (h: H, round: Round) => Record<string, number>;
  /** What the other library cannot express (e.g. tfjs has no weight decay): one-line refusals. */
  readonly validate?: (h: H, fail: (parameter: string, message: string) => never) => void;
}

/** The kernel of one optimizer: per-element math over the whole parameter vector. */
export type Kernel<H> = (
  grad: Float64Array,
  state: OptimizerState,
  params: Float64Array,
  diag: StepDiagnostics | null,
  lr: number,
  h: H,
  convention: Convention,
) => void;

export interface OptimizerSpec<H> {
  readonly name: OptimizerName;
  readonly label: string;
  readonly torchName: string;
  readonly hyperparameters: readonly HyperparameterSpec[];
  readonly equations: string;
  readonly effectiveLrDefinition: string;
  /** Every per-element state tensor the kernel may use (all are allocated by init). */
  readonly stateNames: readonly string[];
  /** The state PyTorch actually keeps for this configuration (e.g. no momentum_buffer when momentum = 0). */
  readonly activeStateNames?: (h: H) => readonly string[];
  readonly scalarStateNames?: readonly string[];
  readonly extraDiagnosticNames?: readonly string[];
  /** Cross-parameter rules beyond each value's own range (e.g. nesterov needs momentum). */
  readonly validate?: (h: H, fail: (parameter: string, message: string) => never) => void;
  /** Initial state tensors (PyTorch's lazy init); zeros unless given. */
  readonly initTensors?: (params: Float64Array, h: H) => Record<string, Float64Array>;
  readonly initScalars?: (h: H) => Record<string, number>;
  readonly kernel: Kernel<H>;
  /** Forms under the tfjs and textbook conventions (absent: the convention does not define this optimizer). */
  readonly conventions?: Partial<Record<'tfjs' | 'textbook', ConventionForm<H>>>;
  /** The effective learning rate decomposed (schedule × bias correction × preconditioner). */
  readonly lrFactors: LrFactorsDefinition;
  /** The update equations of a configuration, for the step inspector. */
  readonly stepEquations: (h: H) => readonly EquationTerm[];
}

/** Hyperparameter spec shorthands. */
export const num = (name: string, dflt: number, description: string, uiStep?: number): HyperparameterSpec => ({
  name, kind: 'number', default: dflt, description, ...(uiStep !== undefined ? { uiStep } : {}),
});
export const flag = (name: string, dflt: boolean, description: string): HyperparameterSpec => ({
  name, kind: 'boolean', default: dflt, description,
});
export const pair = (name: string, dflt: readonly [number, number], description: string): HyperparameterSpec => ({
  name, kind: 'pair', default: dflt, description,
});

/** Common range checks (PyTorch's constructor messages, one line each). */
export const rules = {
  betas(h: Record<string, HyperValue>, fail: (p: string, m: string) => never, name = 'betas', closedTop = false): void {
    const [b1, b2] = h[name] as readonly [number, number];
    const ok = (b: number) => b >= 0 && (closedTop ? b <= 1 : b < 1);
    const range = closedTop ? '[0, 1]' : '[0, 1)';
    if (!ok(b1)) fail(name, `beta1 must be in ${range}, got ${b1}`);
    if (!ok(b2)) fail(name, `beta2 must be in ${range}, got ${b2}`);
  },
};

function resolve(
  name: string,
  specs: readonly HyperparameterSpec[],
  given: Readonly<Record<string, HyperValue | undefined>>,
  defaults: Readonly<Record<string, HyperValue>> = {},
): Record<string, HyperValue> {
  const fail = (p: string, m: string): never => {
    throw new HyperparameterError(name, p, m);
  };
  const out: Record<string, HyperValue> = {};
  const known = new Set(specs.map((s) => s.name));
  for (const key of Object.keys(given)) {
    if (given[key] !== undefined && !known.has(key)) {
      fail(key, `unknown hyperparameter (${name} takes ${[...known].join(', ')})`);
    }
  }
  for (const s of specs) {
    const v = given[s.name];
    if (v === undefined) {
      out[s.name] = s.name in defaults ? defaults[s.name]! : s.default;
      continue;
    }
    if (s.kind === 'boolean') {
      if (typeof v !== 'boolean') fail(s.name, `must be true or false, got ${JSON.stringify(v)}`);
    } else if (s.kind === 'number') {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(s.name, `must be a finite number, got ${JSON.stringify(v)}`);
    } else {
      if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        fail(s.name, `must be a pair of finite numbers, got ${JSON.stringify(v)}`);
      }
      const [a, b] = v as readonly [number, number];
      out[s.name] = Object.freeze([a, b] as const);
      continue;
    }
    out[s.name] = v;
  }
  if ('lr' in out && (out['lr'] as number) < 0) fail('lr', `learning rate must be >= 0, got ${out['lr']}`);
  if ('eps' in out && (out['eps'] as number) < 0) fail('eps', `must be >= 0, got ${out['eps']}`);
  if ('weight_decay' in out && (out['weight_decay'] as number) < 0) fail('weight_decay', `must be >= 0, got ${out['weight_decay']}`);
  return out;
}

function cloneState(s: OptimizerState): OptimizerState {
  const tensors: Record<string, Float64Array> = {};
  for (const k of Object.keys(s.tensors)) tensors[k] = s.tensors[k]!.slice();
  return { step: s.step, tensors, scalars: { ...s.scalars } };
}

/** Turns an optimizer spec into its registry definition. */
export function defineOptimizer<H extends Record<string, HyperValue>>(spec: OptimizerSpec<H>): OptimizerDefinition {
  const scalarStateNames = spec.scalarStateNames ?? [];
  const extraDiagnosticNames = spec.extraDiagnosticNames ?? [];
  const create = (
    given: Readonly<Record<string, HyperValue | undefined>> = {},
    options: OptimizerOptions = {},
  ): Optimizer => {
    const convention = options.convention ?? PYTORCH;
    const dtype: Dtype = options.dtype ?? 'float64';
    const fail = (p: string, m: string): never => {
      throw new HyperparameterError(spec.name, p, m);
    };
    const formKey = convention.name === 'tfjs' || convention.name === 'textbook' ? convention.name : null;
    const form = formKey ? spec.conventions?.[formKey] : undefined;
    if (formKey && !form) {
      fail('convention', `the ${formKey} convention does not define ${spec.label} (it defines ${(convention.optimizers ?? []).join(', ')})`);
    }
    if (!convention.dtypes.includes(dtype)) {
      fail('dtype', `${dtype} is not modelled under the ${convention.name} convention (it runs in ${convention.dtypes.join(', ')}; float32 is tfjs' CPU backend: use the tfjs convention)`);
    }
    const h = resolve(spec.name, spec.hyperparameters, given, form?.defaults) as H;
    spec.validate?.(h, fail);
    form?.validate?.(h, fail);
    Object.freeze(h);
    const round = roundFor(dtype);
    const schedule = options.schedule;
    const baseLr = (h['lr'] as number | undefined) ?? 0;
    const lrAt = schedule ? (t: number) => schedule(t, baseLr) : () => baseLr;
    // The kernel is chosen once, here: per step it only reads its hyperparameters and the convention's flags.
    const kernel = form?.kernel ? form.kernel(round) : spec.kernel;
    const kernelConvention: Convention =
      form && !form.kernel && form.epsInsideSqrt !== undefined ? Object.freeze({ ...convention, epsInsideSqrt: form.epsInsideSqrt }) : convention;
    const allStateNames = (form?.kernel && form.stateNames) || spec.stateNames;
    const activeStateNames = form?.kernel ? (form.activeStateNames ?? (() => allStateNames)) : spec.activeStateNames;
    const scalarNames = form?.kernel ? (form.scalarStateNames ?? []) : scalarStateNames;
    const extraNames = form?.kernel ? (form.extraDiagnosticNames ?? []) : extraDiagnosticNames;
    const createDiagnostics = (dim: number): StepDiagnostics => {
      const extra: Record<string, Float64Array> = {};
      for (const n of extraNames) extra[n] = new Float64Array(dim);
      return { offset: 0, update: new Float64Array(dim), direction: new Float64Array(dim), effectiveLr: new Float64Array(dim), extra };
    };
    const step = (grad: Float64Array, state: OptimizerState, params: Float64Array, diag: StepDiagnostics | null): void => {
      if (grad.length !== params.length) throw new Error(`${spec.name}: gradient has ${grad.length} values, params ${params.length}`);
      state.step += 1;
      kernel(grad, state, params, diag, lrAt(state.step), h, kernelConvention);
    };
    const initTensors = (params: Float64Array): Record<string, Float64Array> =>
      form?.kernel ? (form.initTensors ? form.initTensors(params, h, round) : {}) : spec.initTensors ? spec.initTensors(params, h) : {};
    const initScalars = (): Record<string, number> =>
      form?.kernel ? (form.initScalars ? form.initScalars(h, round) : {}) : spec.initScalars ? spec.initScalars(h) : {};
    // A scheduled momentum / β₁ (cycle_momentum): the kernel reads a mutable copy of h whose momentum or
    // betas[0] is set each step (one array, reused: no allocation per step).
    const momentumKind = momentumKindOf(spec.hyperparameters);
    const cycled: Record<string, HyperValue> = { ...h };
    const cycledBetas = momentumKind === 'beta1' ? [...(h['betas'] as readonly [number, number])] : null;
    if (cycledBetas) cycled['betas'] = cycledBetas as unknown as readonly [number, number];
    const stepWith = (grad: Float64Array, state: OptimizerState, params: Float64Array, diag: StepDiagnostics | null, ctx: StepContext): void => {
      if (grad.length !== params.length) throw new Error(`${spec.name}: gradient has ${grad.length} values, params ${params.length}`);
      state.step += 1;
      let hh = h;
      const m = ctx.momentum;
      if (m === m && momentumKind !== null) {
        if (cycledBetas) cycledBetas[0] = m;
        else cycled['momentum'] = m;
        hh = cycled as H;
      }
      kernel(grad, state, params, diag, ctx.lr, hh, kernelConvention);
    };
    const optimizer: Optimizer = {
      name: spec.name,
      hyperparameters: h as Hyperparameters,
      convention,
      dtype,
      stateNames: Object.freeze(activeStateNames ? [...activeStateNames(h)] : [...allStateNames]),
      scalarStateNames: scalarNames,
      extraDiagnosticNames: extraNames,
      lrAt,
      momentumKind,
      init(params: Float64Array): OptimizerState {
        const tensors = initTensors(params);
        for (const n of allStateNames) tensors[n] ??= new Float64Array(params.length);
        return { step: 0, tensors, scalars: initScalars() };
      },
      update(grad, state, params) {
        const next = cloneState(state);
        const p = params.slice();
        const diagnostics = createDiagnostics(params.length);
        step(grad, next, p, diagnostics);
        return { params: p, state: next, diagnostics };
      },
      step,
      stepWith,
      createDiagnostics,
    };
    return Object.freeze(optimizer);
  };
  return Object.freeze({
    name: spec.name,
    label: spec.label,
    torchName: spec.torchName,
    hyperparameters: spec.hyperparameters,
    equations: spec.equations,
    effectiveLrDefinition: spec.effectiveLrDefinition,
    stateNames: spec.stateNames,
    scalarStateNames,
    extraDiagnosticNames,
    conventions: Object.freeze(
      Object.fromEntries(
        Object.entries(spec.conventions ?? {}).map(([k, f]) => [k, Object.freeze({ equations: f!.equations, defaults: Object.freeze({ ...f!.defaults }) })]),
      ),
    ),
    lrFactors: spec.lrFactors,
    stepEquations: (h: Hyperparameters) => spec.stepEquations(h as H),
    create,
  });
}

/** Sign with sign(0) = 0 and sign(NaN) = NaN, as torch.sign. */
export function sign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN;
}

/**
 * β^t for integer t ≥ 0, bit-identical to `beta ** t` (it IS `beta ** t`, computed once per (β, t) and
 * memoized). Bias corrections 1 − β^t are needed every step, and V8's `Math.pow` costs about as much as
 * a whole 2-parameter Adam step; a running product would be faster still but drifts by up to t ulps from
 * PyTorch's `beta ** step`. Tables are kept for a few distinct β (the defaults 0.9/0.999 in practice).
 */
export function powInt(beta: number, t: number): number {
  if (t >= POW_TABLE_LIMIT || !Number.isInteger(t) || t < 0) return beta ** t;
  let table = powTables.get(beta);
  if (table === undefined) {
    // A β seen for the first time is answered directly: a cycled β₁ (OneCycleLR) differs every step, and
    // filling a table up to t for each would cost O(t) per step. The second request of a β builds its table.
    if (!seenOnce.has(beta)) {
      if (seenOnce.size >= 64) seenOnce.clear();
      seenOnce.add(beta);
      return beta ** t;
    }
    if (powTables.size >= 16) powTables.clear();
    table = { values: new Float64Array(256), filled: 0 };
    powTables.set(beta, table);
  }
  if (t >= table.filled) {
    if (t >= table.values.length) {
      const bigger = new Float64Array(Math.min(POW_TABLE_LIMIT, Math.max(t + 1, table.values.length * 2)));
      bigger.set(table.values.subarray(0, table.filled));
      table.values = bigger;
    }
    for (let k = table.filled; k <= t; k++) table.values[k] = beta ** k;
    table.filled = t + 1;
  }
  return table.values[t]!;
}
const POW_TABLE_LIMIT = 1 << 22;
const powTables = new Map<number, { values: Float64Array; filled: number }>();
const seenOnce = new Set<number>();
