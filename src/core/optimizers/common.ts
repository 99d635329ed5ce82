// Shared machinery for every optimizer: hyperparameter validation and resolution, the pure
// `update` built on the in-place kernel, the learning-rate schedule and the numerical convention.
// Optimizer files only state their hyperparameters, their state and their kernel.

import {
  HyperparameterError,
  type Convention,
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
  type StepDiagnostics,
} from '../types';

export const PYTORCH: Convention = Object.freeze({ name: 'pytorch', epsInsideSqrt: false });
/** `sqrt(v + eps)` denominators (TF/tfjs placement, many textbooks). */
export const EPS_INSIDE_SQRT: Convention = Object.freeze({ name: 'textbook-eps-inside', epsInsideSqrt: true });

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
      out[s.name] = s.default;
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
    const h = resolve(spec.name, spec.hyperparameters, given) as H;
    spec.validate?.(h, (p, m) => {
      throw new HyperparameterError(spec.name, p, m);
    });
    Object.freeze(h);
    const convention = options.convention ?? PYTORCH;
    const schedule = options.schedule;
    const baseLr = (h['lr'] as number | undefined) ?? 0;
    const lrAt = schedule ? (t: number) => schedule(t, baseLr) : () => baseLr;
    const kernel = spec.kernel;
    const createDiagnostics = (dim: number): StepDiagnostics => {
      const extra: Record<string, Float64Array> = {};
      for (const n of extraDiagnosticNames) extra[n] = new Float64Array(dim);
      return { offset: 0, update: new Float64Array(dim), direction: new Float64Array(dim), effectiveLr: new Float64Array(dim), extra };
    };
    const step = (grad: Float64Array, state: OptimizerState, params: Float64Array, diag: StepDiagnostics | null): void => {
      if (grad.length !== params.length) throw new Error(`${spec.name}: gradient has ${grad.length} values, params ${params.length}`);
      state.step += 1;
      kernel(grad, state, params, diag, lrAt(state.step), h, convention);
    };
    const optimizer: Optimizer = {
      name: spec.name,
      hyperparameters: h as Hyperparameters,
      convention,
      stateNames: Object.freeze(spec.activeStateNames ? [...spec.activeStateNames(h)] : [...spec.stateNames]),
      scalarStateNames,
      extraDiagnosticNames,
      lrAt,
      init(params: Float64Array): OptimizerState {
        const tensors: Record<string, Float64Array> = spec.initTensors ? spec.initTensors(params, h) : {};
        for (const n of spec.stateNames) tensors[n] ??= new Float64Array(params.length);
        return { step: 0, tensors, scalars: spec.initScalars ? spec.initScalars(h) : {} };
      },
      update(grad, state, params) {
        const next = cloneState(state);
        const p = params.slice();
        const diagnostics = createDiagnostics(params.length);
        step(grad, next, p, diagnostics);
        return { params: p, state: next, diagnostics };
      },
      step,
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
