// The schedule schema: every torch.optim.lr_scheduler class this project runs, under torch's names, with
// its keyword arguments, their kinds, torch 1.13's defaults and one line of description. The CLI's
// `--schedule` parser, its `--help` and the panel's schedule picker are driven from it, as the
// optimizers' hyperparameter specs drive theirs. Pure TypeScript (no vscode, DOM or Node).

/** torch.optim.lr_scheduler class names. */
export type ScheduleClassName =
  | 'StepLR'
  | 'MultiStepLR'
  | 'ExponentialLR'
  | 'ConstantLR'
  | 'LinearLR'
  | 'PolynomialLR'
  | 'CosineAnnealingLR'
  | 'CosineAnnealingWarmRestarts'
  | 'OneCycleLR'
  | 'CyclicLR'
  | 'ReduceLROnPlateau';

/** A keyword value: a number, a flag, a word (`mode=triangular2`), a list (`milestones=50,120`), or None (null). */
export type ScheduleValue = number | boolean | string | readonly number[] | null;

/** Resolved keyword arguments of one scheduler (every keyword of its schema present). */
export type ScheduleArgs = Readonly<Record<string, ScheduleValue>>;

export interface ScheduleParamSpec {
  /** torch's keyword, e.g. `T_max`. */
  readonly name: string;
  /**
   * number: a finite float; integer: a whole number; boolean: true/false; choice: one of `choices`;
   * integers: a comma-separated list of whole numbers. `optional` ones may be None (null, their default).
   */
  readonly kind: 'number' | 'integer' | 'boolean' | 'choice' | 'integers';
  /** torch's default; undefined for a required keyword; null for None. */
  readonly default?: ScheduleValue;
  readonly required?: boolean;
  /** The keyword may be None (`total_steps=None`): it is then its default null. */
  readonly optional?: boolean;
  readonly choices?: readonly string[];
  /** One line for tooltips and `--help`. */
  readonly description: string;
}

export interface ScheduleClassSpec {
  readonly name: ScheduleClassName;
  /** `torch.optim.lr_scheduler.StepLR` */
  readonly torchName: string;
  /** What it does, one line (torch 1.13's formula in words). */
  readonly summary: string;
  readonly params: readonly ScheduleParamSpec[];
  /** It may cycle the optimizer's momentum / β₁ (cycle_momentum). */
  readonly cyclesMomentum?: boolean;
  /** Stepped with the loss (ReduceLROnPlateau); cannot be composed. */
  readonly needsLoss?: boolean;
}

const n = (name: string, dflt: number | undefined, description: string): ScheduleParamSpec =>
  dflt === undefined ? { name, kind: 'number', required: true, description } : { name, kind: 'number', default: dflt, description };
const i = (name: string, dflt: number | undefined, description: string): ScheduleParamSpec =>
  dflt === undefined ? { name, kind: 'integer', required: true, description } : { name, kind: 'integer', default: dflt, description };
const b = (name: string, dflt: boolean, description: string): ScheduleParamSpec => ({ name, kind: 'boolean', default: dflt, description });
const c = (name: string, dflt: string, choices: readonly string[], description: string): ScheduleParamSpec => ({ name, kind: 'choice', default: dflt, choices, description });

const spec = (s: ScheduleClassSpec): ScheduleClassSpec => Object.freeze({ ...s, params: Object.freeze(s.params.map((p) => Object.freeze(p))) });

export const SCHEDULE_CLASSES: Readonly<Record<ScheduleClassName, ScheduleClassSpec>> = Object.freeze({
  StepLR: spec({
    name: 'StepLR',
    torchName: 'torch.optim.lr_scheduler.StepLR',
    summary: 'multiply lr by gamma every step_size steps',
    params: [i('step_size', undefined, 'period of the decay, in steps (≥ 1)'), n('gamma', 0.1, 'multiplicative factor of the decay')],
  }),
  MultiStepLR: spec({
    name: 'MultiStepLR',
    torchName: 'torch.optim.lr_scheduler.MultiStepLR',
    summary: 'multiply lr by gamma at each milestone step',
    params: [{ name: 'milestones', kind: 'integers', required: true, description: 'steps at which lr is multiplied by gamma (comma-separated, increasing)' }, n('gamma', 0.1, 'multiplicative factor of the decay')],
  }),
  ExponentialLR: spec({
    name: 'ExponentialLR',
    torchName: 'torch.optim.lr_scheduler.ExponentialLR',
    summary: 'multiply lr by gamma every step',
    params: [n('gamma', undefined, 'multiplicative factor of the decay, every step')],
  }),
  ConstantLR: spec({
    name: 'ConstantLR',
    torchName: 'torch.optim.lr_scheduler.ConstantLR',
    summary: 'lr × factor until step total_iters, then lr',
    params: [n('factor', 1 / 3, 'factor applied until total_iters (in [0, 1])'), i('total_iters', 5, 'steps the factor is applied')],
  }),
  LinearLR: spec({
    name: 'LinearLR',
    torchName: 'torch.optim.lr_scheduler.LinearLR',
    summary: 'lr × a factor moving linearly from start_factor to end_factor over total_iters steps (warmup)',
    params: [
      n('start_factor', 1 / 3, 'factor at step 0 (in (0, 1])'),
      n('end_factor', 1.0, 'factor from step total_iters on (in [0, 1])'),
      i('total_iters', 5, 'steps of the linear change'),
    ],
  }),
  PolynomialLR: spec({
    name: 'PolynomialLR',
    torchName: 'torch.optim.lr_scheduler.PolynomialLR',
    summary: 'lr × (1 − t/total_iters)^power until total_iters, then 0',
    params: [i('total_iters', 5, 'steps of the decay'), n('power', 1.0, 'power of the polynomial')],
  }),
  CosineAnnealingLR: spec({
    name: 'CosineAnnealingLR',
    torchName: 'torch.optim.lr_scheduler.CosineAnnealingLR',
    summary: "cosine from lr to eta_min over T_max steps, by torch's recursive (chainable) formula",
    params: [i('T_max', undefined, 'half period of the cosine, in steps'), n('eta_min', 0, 'minimum learning rate')],
  }),
  CosineAnnealingWarmRestarts: spec({
    name: 'CosineAnnealingWarmRestarts',
    torchName: 'torch.optim.lr_scheduler.CosineAnnealingWarmRestarts',
    summary: 'cosine from lr to eta_min, restarted after T_0, T_0·T_mult, … steps (SGDR)',
    params: [
      i('T_0', undefined, 'steps of the first cycle (≥ 1)'),
      i('T_mult', 1, 'factor by which each cycle is longer (≥ 1)'),
      n('eta_min', 0, 'minimum learning rate'),
    ],
  }),
  OneCycleLR: spec({
    name: 'OneCycleLR',
    torchName: 'torch.optim.lr_scheduler.OneCycleLR',
    summary: 'lr from max_lr/div_factor up to max_lr, then down to max_lr/(div_factor·final_div_factor) (1cycle); momentum / β₁ the other way',
    cyclesMomentum: true,
    params: [
      n('max_lr', undefined, 'peak learning rate'),
      { name: 'total_steps', kind: 'integer', optional: true, default: null, description: 'steps of the cycle (default: epochs × steps_per_epoch)' },
      { name: 'epochs', kind: 'integer', optional: true, default: null, description: 'with steps_per_epoch: total_steps = epochs × steps_per_epoch' },
      { name: 'steps_per_epoch', kind: 'integer', optional: true, default: null, description: 'with epochs: total_steps = epochs × steps_per_epoch' },
      n('pct_start', 0.3, 'fraction of the cycle spent increasing lr'),
      c('anneal_strategy', 'cos', ['cos', 'linear'], 'annealing: cos or linear'),
      b('cycle_momentum', true, "cycle the optimizer's momentum (SGD, RMSprop) or β₁ (Adam family) inversely to lr"),
      n('base_momentum', 0.85, 'lowest momentum / β₁ (at peak lr)'),
      n('max_momentum', 0.95, 'highest momentum / β₁ (at the start and end)'),
      n('div_factor', 25.0, 'initial lr = max_lr / div_factor'),
      n('final_div_factor', 1e4, 'final lr = initial lr / final_div_factor'),
      b('three_phase', false, 'three phases: up, back down to the initial lr, then annihilate'),
    ],
  }),
  CyclicLR: spec({
    name: 'CyclicLR',
    torchName: 'torch.optim.lr_scheduler.CyclicLR',
    summary: 'lr cycling between base_lr and max_lr (triangular, triangular2, exp_range); momentum the other way',
    cyclesMomentum: true,
    params: [
      n('base_lr', undefined, 'lower learning rate of the cycle (also the initial lr)'),
      n('max_lr', undefined, 'upper learning rate of the cycle'),
      n('step_size_up', 2000, 'steps of the increasing half of a cycle'),
      { name: 'step_size_down', kind: 'number', optional: true, default: null, description: 'steps of the decreasing half (default: step_size_up)' },
      c('mode', 'triangular', ['triangular', 'triangular2', 'exp_range'], 'triangular: constant amplitude; triangular2: halved each cycle; exp_range: × gamma^step'),
      n('gamma', 1.0, 'exp_range: amplitude × gamma^(step)'),
      c('scale_mode', 'cycle', ['cycle', 'iterations'], "torch ignores it without a scale_fn (the mode decides); accepted for torch's signature"),
      b('cycle_momentum', true, "cycle the optimizer's momentum inversely to lr (torch 1.13: SGD/RMSprop only, not Adam's β₁)"),
      n('base_momentum', 0.8, 'lower momentum of the cycle (at peak lr)'),
      n('max_momentum', 0.9, 'upper momentum of the cycle'),
    ],
  }),
  ReduceLROnPlateau: spec({
    name: 'ReduceLROnPlateau',
    torchName: 'torch.optim.lr_scheduler.ReduceLROnPlateau',
    summary: 'multiply lr by factor when the loss (that each step used) has not improved for patience steps',
    needsLoss: true,
    params: [
      c('mode', 'min', ['min', 'max'], 'min: the loss should decrease; max: increase'),
      n('factor', 0.1, 'factor of a reduction (< 1)'),
      i('patience', 10, 'steps without improvement before a reduction'),
      n('threshold', 1e-4, 'least change that counts as an improvement'),
      c('threshold_mode', 'rel', ['rel', 'abs'], 'rel: best·(1 ∓ threshold); abs: best ∓ threshold'),
      i('cooldown', 0, 'steps after a reduction before counting again'),
      n('min_lr', 0, 'lower bound of lr'),
      n('eps', 1e-8, 'a reduction smaller than eps is skipped'),
    ],
  }),
});

export const SCHEDULE_CLASS_NAMES = Object.freeze(Object.keys(SCHEDULE_CLASSES) as ScheduleClassName[]);

/** One scheduler: class and keyword arguments as given (the rest default). */
export interface SchedulerConfig {
  readonly name: ScheduleClassName;
  readonly args: Readonly<Record<string, ScheduleValue>>;
}

/**
 * A run's schedule: one scheduler; several = torch's ChainedScheduler; several with `milestones`
 * (one fewer than schedulers) = torch's SequentialLR.
 */
export interface ScheduleConfig {
  readonly schedulers: readonly SchedulerConfig[];
  readonly milestones?: readonly number[];
}

/** Invalid schedule: one line naming the class, the keyword and the rule. */
export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

/**
 * Starting values for a class's required keywords in a run of `steps` steps at learning rate `lr` (the
 * panel's picker fills these in when a class is chosen; the user edits them). Optional keywords keep
 * torch's defaults.
 */
export function suggestedScheduleArgs(name: ScheduleClassName, steps: number, lr: number, momentumKind: 'momentum' | 'beta1' | null = 'momentum'): Record<string, ScheduleValue> {
  const q = Math.max(1, Math.round(steps / 4));
  switch (name) {
    case 'StepLR': return { step_size: q, gamma: 0.5 };
    case 'MultiStepLR': return { milestones: [Math.max(1, Math.round(steps / 2)), Math.max(2, Math.round((3 * steps) / 4))], gamma: 0.1 };
    case 'ExponentialLR': return { gamma: 0.99 };
    case 'ConstantLR': return {};
    case 'LinearLR': return { start_factor: 0.1, total_iters: Math.max(1, Math.round(steps / 10)) };
    case 'PolynomialLR': return { total_iters: Math.max(1, steps) };
    case 'CosineAnnealingLR': return { T_max: Math.max(1, steps), eta_min: 0 };
    case 'CosineAnnealingWarmRestarts': return { T_0: q, T_mult: 1 };
    case 'OneCycleLR': return { max_lr: lr, total_steps: Math.max(1, steps), ...(momentumKind === null ? { cycle_momentum: false } : {}) };
    case 'CyclicLR': return { base_lr: lr / 10, max_lr: lr, step_size_up: q / 2 >= 1 ? Math.round(q / 2) : 1, ...(momentumKind !== 'momentum' ? { cycle_momentum: false } : {}) };
    case 'ReduceLROnPlateau': return { factor: 0.5, patience: 10 };
  }
}
