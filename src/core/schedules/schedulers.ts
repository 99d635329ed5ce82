// torch 1.13's torch.optim.lr_scheduler stepping, in float64, on one parameter group. Each scheduler
// reads and writes the group's `lr` (and, with cycle_momentum, its momentum / β₁) exactly as torch's does:
// construction sets the initial lr (torch's `_initial_step`, last_epoch −1 → 0), then `step()` follows every
// optimizer step. Chainable classes use torch's recursive `get_lr` (CosineAnnealingLR too, not its closed
// form); `step(epoch)` (what SequentialLR calls at a milestone) uses the closed form where torch has one.
// Formulas follow torch's operation order so results agree to the last bits. Nothing allocates per step.

import { SCHEDULE_CLASSES, ScheduleError, type ScheduleArgs, type ScheduleConfig, type SchedulerConfig, type ScheduleValue } from './schema';

/** torch's `optimizer.param_groups[0]`, the fields schedulers touch. */
export interface ParamGroup {
  lr: number;
  /** group['initial_lr'] (set once, by the first scheduler constructed; OneCycleLR overwrites it). */
  initialLr: number | undefined;
  /** SGD/RMSprop `momentum` or Adam-family β₁ (betas[0]); NaN when the optimizer has neither. */
  momentum: number;
  /** What `momentum` is: torch's `'momentum' in defaults` or `'betas' in defaults`. */
  readonly momentumKind: 'momentum' | 'beta1' | null;
  /** A scheduler writes `momentum` (cycle_momentum): the optimizer must read it every step. */
  momentumCycled: boolean;
}

/** What the simulation steps after each optimizer step. */
export interface Scheduler {
  /** torch: `scheduler.step()` (ReduceLROnPlateau: `step(loss)` with the loss the step used). */
  advance(loss: number): void;
}

const pymod = (a: number, b: number) => ((a % b) + b) % b;

/** bisect.bisect_right over a sorted list. */
function bisectRight(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < a[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** torch's _LRScheduler: base_lr from initial_lr, last_epoch, step()/step(epoch). */
abstract class LRScheduler implements Scheduler {
  lastEpoch = -1;
  baseLr: number;
  constructor(protected readonly g: ParamGroup) {
    if (g.initialLr === undefined) g.initialLr = g.lr; // group.setdefault('initial_lr', group['lr'])
    this.baseLr = g.initialLr;
  }
  /** The recursive (chainable) rule at `lastEpoch`. */
  protected abstract getLr(): number;
  /** torch's `_get_closed_form_lr`, used by step(epoch); absent: getLr. */
  protected closedForm?(): number;
  /** torch's `_initial_step`: called at the end of each constructor. */
  protected initialStep(): void {
    this.step();
  }
  step(epoch?: number): void {
    if (epoch === undefined) {
      this.lastEpoch += 1;
      this.g.lr = this.getLr();
    } else {
      this.lastEpoch = epoch;
      this.g.lr = this.closedForm ? this.closedForm() : this.getLr();
    }
  }
  advance(): void {
    this.step();
  }
}

class StepLR extends LRScheduler {
  constructor(g: ParamGroup, private readonly stepSize: number, private readonly gamma: number) {
    super(g);
    this.initialStep();
  }
  protected getLr(): number {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.g.lr;
    return this.g.lr * this.gamma;
  }
  protected override closedForm(): number {
    return this.baseLr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize);
  }
}

class MultiStepLR extends LRScheduler {
  private readonly sorted: number[];
  constructor(g: ParamGroup, milestones: readonly number[], private readonly gamma: number) {
    super(g);
    this.sorted = [...milestones].sort((a, b) => a - b);
    this.initialStep();
  }
  protected getLr(): number {
    let count = 0; // Counter(milestones)[last_epoch]
    for (const m of this.sorted) if (m === this.lastEpoch) count++;
    if (count === 0) return this.g.lr;
    return this.g.lr * this.gamma ** count;
  }
  protected override closedForm(): number {
    return this.baseLr * this.gamma ** bisectRight(this.sorted, this.lastEpoch);
  }
}

class ExponentialLR extends LRScheduler {
  constructor(g: ParamGroup, private readonly gamma: number) {
    super(g);
    this.initialStep();
  }
  protected getLr(): number {
    if (this.lastEpoch === 0) return this.g.lr;
    return this.g.lr * this.gamma;
  }
  protected override closedForm(): number {
    return this.baseLr * this.gamma ** this.lastEpoch;
  }
}

class ConstantLR extends LRScheduler {
  constructor(g: ParamGroup, private readonly factor: number, private readonly totalIters: number) {
    super(g);
    this.initialStep();
  }
  protected getLr(): number {
    if (this.lastEpoch === 0) return this.g.lr * this.factor;
    if (this.lastEpoch !== this.totalIters) return this.g.lr;
    return this.g.lr * (1.0 / this.factor);
  }
  protected override closedForm(): number {
    return this.baseLr * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor));
  }
}

class LinearLR extends LRScheduler {
  constructor(g: ParamGroup, private readonly start: number, private readonly end: number, private readonly totalIters: number) {
    super(g);
    this.initialStep();
  }
  protected getLr(): number {
    const { start, end, totalIters, lastEpoch } = this;
    if (lastEpoch === 0) return this.g.lr * start;
    if (lastEpoch > totalIters) return this.g.lr;
    return this.g.lr * (1.0 + (end - start) / (totalIters * start + (lastEpoch - 1) * (end - start)));
  }
  protected override closedForm(): number {
    return this.baseLr * (this.start + ((this.end - this.start) * Math.min(this.totalIters, this.lastEpoch)) / this.totalIters);
  }
}

class PolynomialLR extends LRScheduler {
  constructor(g: ParamGroup, private readonly totalIters: number, private readonly power: number) {
    super(g);
    this.initialStep();
  }
  protected getLr(): number {
    const { totalIters, lastEpoch } = this;
    if (lastEpoch === 0 || lastEpoch > totalIters) return this.g.lr;
    const decay = ((1.0 - lastEpoch / totalIters) / (1.0 - (lastEpoch - 1) / totalIters)) ** this.power;
    return this.g.lr * decay;
  }
  protected override closedForm(): number {
    return this.baseLr * (1.0 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters) ** this.power;
  }
}

class CosineAnnealingLR extends LRScheduler {
  constructor(g: ParamGroup, private readonly tMax: number, private readonly etaMin: number) {
    super(g);
    this.initialStep();
  }
  protected getLr(): number {
    const { tMax, etaMin, lastEpoch } = this;
    const lr = this.g.lr;
    if (lastEpoch === 0) return lr;
    if (pymod(lastEpoch - 1 - tMax, 2 * tMax) === 0) return lr + ((this.baseLr - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
    return ((1 + Math.cos((Math.PI * lastEpoch) / tMax)) / (1 + Math.cos((Math.PI * (lastEpoch - 1)) / tMax))) * (lr - etaMin) + etaMin;
  }
  protected override closedForm(): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2;
  }
}

class CosineAnnealingWarmRestarts extends LRScheduler {
  private tI: number;
  private tCur: number;
  constructor(g: ParamGroup, private readonly t0: number, private readonly tMult: number, private readonly etaMin: number) {
    super(g);
    this.tI = t0;
    this.tCur = -1; // = last_epoch
    this.initialStep();
  }
  protected getLr(): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2;
  }
  override step(epoch?: number): void {
    let e = epoch;
    if (e === undefined && this.lastEpoch < 0) e = 0;
    if (e === undefined) {
      e = this.lastEpoch + 1;
      this.tCur = this.tCur + 1;
      if (this.tCur >= this.tI) {
        this.tCur = this.tCur - this.tI;
        this.tI = this.tI * this.tMult;
      }
    } else if (e >= this.t0) {
      if (this.tMult === 1) this.tCur = pymod(e, this.t0);
      else {
        const k = Math.floor(Math.log((e / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
        this.tCur = e - (this.t0 * (this.tMult ** k - 1)) / (this.tMult - 1);
        this.tI = this.t0 * this.tMult ** k;
      }
    } else {
      this.tI = this.t0;
      this.tCur = e;
    }
    this.lastEpoch = Math.floor(e);
    this.g.lr = this.getLr();
  }
}

interface Phase {
  readonly endStep: number;
  readonly startLr: 'initial' | 'max' | 'min';
  readonly endLr: 'initial' | 'max' | 'min';
  readonly startMomentum: 'max' | 'base';
  readonly endMomentum: 'max' | 'base';
}

class OneCycleLR extends LRScheduler {
  private readonly phases: readonly Phase[];
  private readonly lrs: { initial: number; max: number; min: number };
  private readonly moms: { max: number; base: number };
  private readonly cycle: boolean;
  private readonly cos: boolean;
  constructor(g: ParamGroup, readonly totalSteps: number, a: ScheduleArgs) {
    // torch sets group['initial_lr'] (overwriting) before _LRScheduler.__init__.
    const maxLr = a['max_lr'] as number;
    const initial = maxLr / (a['div_factor'] as number);
    g.initialLr = initial;
    super(g);
    this.lrs = { initial, max: maxLr, min: initial / (a['final_div_factor'] as number) };
    const pct = a['pct_start'] as number;
    this.phases = a['three_phase']
      ? [
          { endStep: pct * totalSteps - 1, startLr: 'initial', endLr: 'max', startMomentum: 'max', endMomentum: 'base' },
          { endStep: 2 * pct * totalSteps - 2, startLr: 'max', endLr: 'initial', startMomentum: 'base', endMomentum: 'max' },
          { endStep: totalSteps - 1, startLr: 'initial', endLr: 'min', startMomentum: 'max', endMomentum: 'max' },
        ]
      : [
          { endStep: pct * totalSteps - 1, startLr: 'initial', endLr: 'max', startMomentum: 'max', endMomentum: 'base' },
          { endStep: totalSteps - 1, startLr: 'max', endLr: 'min', startMomentum: 'base', endMomentum: 'max' },
        ];
    this.cos = a['anneal_strategy'] === 'cos';
    this.cycle = a['cycle_momentum'] as boolean;
    this.moms = { max: a['max_momentum'] as number, base: a['base_momentum'] as number };
    if (this.cycle) {
      if (g.momentumKind === null) throw new ScheduleError('OneCycleLR: optimizer must support momentum with `cycle_momentum` option enabled (it has neither momentum nor betas); pass cycle_momentum=false');
      g.momentum = this.moms.max;
      g.momentumCycled = true;
    }
    this.initialStep();
  }
  private anneal(start: number, end: number, pct: number): number {
    if (this.cos) return end + ((start - end) / 2.0) * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }
  protected getLr(): number {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new ScheduleError(`OneCycleLR: tried to step ${stepNum} times; the specified number of total steps is ${this.totalSteps}`);
    }
    let startStep = 0;
    const ps = this.phases;
    for (let k = 0; k < ps.length; k++) {
      const p = ps[k]!;
      if (stepNum <= p.endStep || k === ps.length - 1) {
        const pct = (stepNum - startStep) / (p.endStep - startStep);
        if (this.cycle) this.g.momentum = this.anneal(this.moms[p.startMomentum], this.moms[p.endMomentum], pct);
        return this.anneal(this.lrs[p.startLr], this.lrs[p.endLr], pct);
      }
      startStep = p.endStep;
    }
    return this.g.lr; // unreachable: the last phase always answers
  }
}

class CyclicLR extends LRScheduler {
  private readonly maxLr: number;
  private readonly totalSize: number;
  private readonly stepRatio: number;
  private readonly mode: string;
  private readonly gamma: number;
  private readonly cycle: boolean;
  private readonly baseMomentum: number;
  private readonly maxMomentum: number;
  constructor(g: ParamGroup, a: ScheduleArgs) {
    const baseLr = a['base_lr'] as number;
    g.lr = baseLr; // torch sets group['lr'] = base_lr before _LRScheduler.__init__ (which takes initial_lr from it if unset)
    const cycle = a['cycle_momentum'] as boolean;
    if (cycle) {
      if (g.momentumKind !== 'momentum') {
        throw new ScheduleError('CyclicLR: optimizer must support momentum with `cycle_momentum` option enabled (torch 1.13 cycles `momentum` only: SGD, RMSprop); pass cycle_momentum=false');
      }
      g.momentum = a['base_momentum'] as number;
      g.momentumCycled = true;
    }
    // Fields the first step reads are set on `this` after super(), then the initial step.
    super(g);
    this.maxLr = a['max_lr'] as number;
    const up = a['step_size_up'] as number;
    const down = a['step_size_down'] === null ? up : (a['step_size_down'] as number);
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    this.mode = a['mode'] as string;
    this.gamma = a['gamma'] as number;
    this.cycle = cycle;
    this.baseMomentum = cycle ? g.momentum : NaN;
    this.maxMomentum = a['max_momentum'] as number;
    // torch's initial step still uses base_lrs from initial_lr (super().__init__), then sets its own.
    this.initialStep();
    this.baseLr = baseLr;
  }
  private scale(cycle: number): number {
    if (this.mode === 'triangular') return 1.0;
    if (this.mode === 'triangular2') return 1 / 2.0 ** (cycle - 1);
    return this.gamma ** this.lastEpoch; // exp_range: scale_mode 'iterations'
  }
  protected getLr(): number {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1 + this.lastEpoch / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const s = this.scale(cycle);
    const lr = this.baseLr + (this.maxLr - this.baseLr) * scaleFactor * s;
    if (this.cycle) this.g.momentum = this.maxMomentum - (this.maxMomentum - this.baseMomentum) * scaleFactor * s;
    return lr;
  }
}

class ReduceLROnPlateau implements Scheduler {
  private best: number;
  private numBad = 0;
  private cooldownCounter = 0;
  lastEpoch = 0;
  constructor(private readonly g: ParamGroup, private readonly a: ScheduleArgs) {
    this.best = a['mode'] === 'min' ? Infinity : -Infinity;
  }
  private isBetter(x: number): boolean {
    const t = this.a['threshold'] as number;
    const rel = this.a['threshold_mode'] === 'rel';
    if (this.a['mode'] === 'min') return rel ? x < this.best * (1 - t) : x < this.best - t;
    return rel ? x > this.best * (t + 1) : x > this.best + t;
  }
  advance(loss: number): void {
    this.lastEpoch += 1;
    if (this.isBetter(loss)) {
      this.best = loss;
      this.numBad = 0;
    } else {
      this.numBad += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBad = 0;
    }
    if (this.numBad > (this.a['patience'] as number)) {
      const old = this.g.lr;
      const next = Math.max(old * (this.a['factor'] as number), this.a['min_lr'] as number);
      if (old - next > (this.a['eps'] as number)) this.g.lr = next;
      this.cooldownCounter = this.a['cooldown'] as number;
      this.numBad = 0;
    }
  }
}

class ChainedScheduler implements Scheduler {
  constructor(private readonly list: readonly LRScheduler[]) {}
  advance(): void {
    for (let k = 0; k < this.list.length; k++) this.list[k]!.step();
  }
}

class SequentialLR implements Scheduler {
  private lastEpoch = 0;
  constructor(g: ParamGroup, private readonly list: readonly LRScheduler[], private readonly milestones: readonly number[]) {
    g.lr = g.initialLr!; // reset to the initial lr
    for (const s of list) s.lastEpoch -= 1; // "undo" the constructors' steps
    list[0]!.step(); // the first scheduler's initial step
  }
  advance(): void {
    this.lastEpoch += 1;
    const idx = bisectRight(this.milestones, this.lastEpoch);
    const s = this.list[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
  }
}

// ---------------------------------------------------------------- validation and construction

const fmt = (v: ScheduleValue) => (Array.isArray(v) ? v.join(',') : String(v));

/** Keyword arguments checked against the schema and torch's constructor rules, defaults filled in. */
export function resolveScheduler(cfg: SchedulerConfig): ScheduleArgs {
  const spec = Object.hasOwn(SCHEDULE_CLASSES, cfg.name) ? SCHEDULE_CLASSES[cfg.name] : undefined;
  if (!spec) throw new ScheduleError(`unknown schedule class ${JSON.stringify(cfg.name)} (torch.optim.lr_scheduler: ${Object.keys(SCHEDULE_CLASSES).join(', ')})`);
  const name = spec.name;
  const fail = (k: string, m: string): never => {
    throw new ScheduleError(`${name}: invalid ${k}: ${m}`);
  };
  const out: Record<string, ScheduleValue> = {};
  for (const k of Object.keys(cfg.args)) {
    if (!spec.params.some((p) => p.name === k)) fail(k, `unknown keyword (${name} takes ${spec.params.map((p) => p.name).join(', ')})`);
  }
  for (const p of spec.params) {
    const v = Object.hasOwn(cfg.args, p.name) ? cfg.args[p.name] : undefined;
    if (v === undefined) {
      if (p.required) fail(p.name, 'required keyword is missing');
      out[p.name] = p.default!;
      continue;
    }
    if (v === null) {
      if (!p.optional) fail(p.name, 'cannot be None');
      out[p.name] = null;
      continue;
    }
    switch (p.kind) {
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v)) fail(p.name, `must be a finite number, got ${fmt(v)}`);
        break;
      case 'integer':
        if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(p.name, `must be an integer, got ${fmt(v)}`);
        break;
      case 'boolean':
        if (typeof v !== 'boolean') fail(p.name, `must be true or false, got ${fmt(v)}`);
        break;
      case 'choice':
        if (typeof v !== 'string' || !p.choices!.includes(v)) fail(p.name, `must be one of ${p.choices!.join(', ')}, got ${fmt(v)}`);
        break;
      case 'integers':
        if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isSafeInteger(x))) fail(p.name, `must be a comma-separated list of integers, got ${fmt(v)}`);
        break;
    }
    out[p.name] = Array.isArray(v) ? Object.freeze([...v]) : v;
  }
  const num = (k: string) => out[k] as number;
  const positive = (k: string) => {
    if (!(num(k) >= 1)) fail(k, `must be a positive integer, got ${num(k)}`);
  };
  switch (name) {
    case 'StepLR':
      positive('step_size');
      break;
    case 'ConstantLR':
      if (num('factor') > 1 || num('factor') < 0) fail('factor', `constant multiplicative factor expected to be between 0 and 1, got ${num('factor')}`);
      if (num('total_iters') < 0) fail('total_iters', `must be >= 0, got ${num('total_iters')}`);
      break;
    case 'LinearLR':
      if (num('start_factor') > 1 || num('start_factor') <= 0) fail('start_factor', `starting multiplicative factor expected to be greater than 0 and less or equal to 1, got ${num('start_factor')}`);
      if (num('end_factor') > 1 || num('end_factor') < 0) fail('end_factor', `ending multiplicative factor expected to be between 0 and 1, got ${num('end_factor')}`);
      positive('total_iters');
      break;
    case 'PolynomialLR':
      positive('total_iters');
      break;
    case 'CosineAnnealingLR':
      positive('T_max');
      break;
    case 'CosineAnnealingWarmRestarts':
      positive('T_0');
      if (!(num('T_mult') >= 1)) fail('T_mult', `expected an integer T_mult >= 1, got ${num('T_mult')}`);
      break;
    case 'OneCycleLR': {
      const ts = out['total_steps'];
      if (ts === null) {
        if (out['epochs'] === null || out['steps_per_epoch'] === null) fail('total_steps', 'you must define either total_steps OR (epochs AND steps_per_epoch)');
        positive('epochs');
        positive('steps_per_epoch');
      } else positive('total_steps');
      if (!(num('pct_start') >= 0 && num('pct_start') <= 1)) fail('pct_start', `expected float between 0 and 1, got ${num('pct_start')}`);
      if (!(num('max_lr') >= 0)) fail('max_lr', `must be >= 0, got ${num('max_lr')}`);
      break;
    }
    case 'CyclicLR':
      if (!(num('step_size_up') > 0)) fail('step_size_up', `must be > 0, got ${num('step_size_up')}`);
      if (out['step_size_down'] !== null && !(num('step_size_down') >= 0)) fail('step_size_down', `must be >= 0, got ${num('step_size_down')}`);
      break;
    case 'ReduceLROnPlateau':
      if (num('factor') >= 1) fail('factor', `factor should be < 1.0, got ${num('factor')}`);
      if (num('patience') < 0) fail('patience', `must be >= 0, got ${num('patience')}`);
      if (num('cooldown') < 0) fail('cooldown', `must be >= 0, got ${num('cooldown')}`);
      break;
    default:
      break;
  }
  return Object.freeze(out);
}

/** OneCycleLR's total_steps (given, or epochs × steps_per_epoch). */
function oneCycleTotal(a: ScheduleArgs): number {
  return a['total_steps'] !== null ? (a['total_steps'] as number) : (a['epochs'] as number) * (a['steps_per_epoch'] as number);
}

function construct(g: ParamGroup, cfg: SchedulerConfig): LRScheduler | ReduceLROnPlateau {
  const a = resolveScheduler(cfg);
  const x = (k: string) => a[k] as number;
  switch (cfg.name) {
    case 'StepLR': return new StepLR(g, x('step_size'), x('gamma'));
    case 'MultiStepLR': return new MultiStepLR(g, a['milestones'] as readonly number[], x('gamma'));
    case 'ExponentialLR': return new ExponentialLR(g, x('gamma'));
    case 'ConstantLR': return new ConstantLR(g, x('factor'), x('total_iters'));
    case 'LinearLR': return new LinearLR(g, x('start_factor'), x('end_factor'), x('total_iters'));
    case 'PolynomialLR': return new PolynomialLR(g, x('total_iters'), x('power'));
    case 'CosineAnnealingLR': return new CosineAnnealingLR(g, x('T_max'), x('eta_min'));
    case 'CosineAnnealingWarmRestarts': return new CosineAnnealingWarmRestarts(g, x('T_0'), x('T_mult'), x('eta_min'));
    case 'OneCycleLR': return new OneCycleLR(g, oneCycleTotal(a), a);
    case 'CyclicLR': return new CyclicLR(g, a);
    case 'ReduceLROnPlateau': return new ReduceLROnPlateau(g, a);
  }
}

/** Checks a whole schedule (each scheduler, the composition, and its length against `steps`, when given). */
export function checkSchedule(config: ScheduleConfig, steps?: number): void {
  const list = config.schedulers;
  if (list.length === 0) throw new ScheduleError('a schedule needs at least one scheduler');
  const resolved = list.map((s) => resolveScheduler(s));
  if (list.length > 1 || config.milestones) {
    list.forEach((s) => {
      if (SCHEDULE_CLASSES[s.name].needsLoss) throw new ScheduleError(`ReduceLROnPlateau is stepped with a loss and cannot be part of a ${config.milestones ? 'SequentialLR' : 'ChainedScheduler'} (torch 1.13 neither)`);
    });
  }
  if (config.milestones) {
    const m = config.milestones;
    if (m.length !== list.length - 1) {
      throw new ScheduleError(`SequentialLR expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${list.length} and the number of milestones ${m.length}`);
    }
    for (let k = 0; k < m.length; k++) {
      if (!Number.isSafeInteger(m[k]) || m[k]! < 1 || (k > 0 && m[k]! <= m[k - 1]!)) throw new ScheduleError(`SequentialLR: milestones must be increasing positive integers, got ${m.join(',')}`);
    }
  }
  if (steps !== undefined) {
    resolved.forEach((a, k) => {
      if (list[k]!.name !== 'OneCycleLR') return;
      const total = oneCycleTotal(a);
      // torch raises when stepped past total_steps: the scheduler steps after each of the run's steps.
      if (steps > total) throw new ScheduleError(`OneCycleLR: total_steps=${total} is fewer than the ${steps} steps it would be stepped (torch raises "Tried to step ${total + 1} times")`);
    });
  }
}

/**
 * Constructs the schedule on `group` as torch does (each scheduler's constructor steps once; SequentialLR
 * then resets lr to initial_lr and re-steps only its first). The group's lr is the first step's lr on return.
 */
export function createScheduler(config: ScheduleConfig, group: ParamGroup): Scheduler {
  checkSchedule(config);
  const built = config.schedulers.map((s) => construct(group, s));
  if (built.length === 1 && !config.milestones) return built[0]!;
  const lrs = built as LRScheduler[];
  return config.milestones ? new SequentialLR(group, lrs, config.milestones) : new ChainedScheduler(lrs);
}

/** A fresh parameter group for an optimizer's lr and momentum / β₁ (see ParamGroup). */
export function paramGroup(lr: number, momentumKind: ParamGroup['momentumKind'], momentum: number): ParamGroup {
  return { lr, initialLr: undefined, momentum: momentumKind ? momentum : NaN, momentumKind, momentumCycled: false };
}

/**
 * lr[t] (and momentum[t] when cycled) used by step t+1, t = 0..steps−1, without running an optimizer.
 * ReduceLROnPlateau needs the losses: pass them (loss[t] used by step t+1), or it stays at lr.
 */
export function previewSchedule(
  config: ScheduleConfig,
  lr: number,
  momentumKind: ParamGroup['momentumKind'],
  momentum: number,
  steps: number,
  losses?: ArrayLike<number>,
): { lr: Float64Array; momentum: Float64Array | null } {
  checkSchedule(config, steps);
  const g = paramGroup(lr, momentumKind, momentum);
  const s = createScheduler(config, g);
  const out = new Float64Array(steps);
  const mom = g.momentumCycled ? new Float64Array(steps) : null;
  // Without losses a ReduceLROnPlateau has nothing to react to: its lr stays.
  const still = !losses && config.schedulers.some((c) => SCHEDULE_CLASSES[c.name].needsLoss);
  for (let t = 0; t < steps; t++) {
    out[t] = g.lr;
    if (mom) mom[t] = g.momentum;
    if (t + 1 < steps && !still) s.advance(losses ? losses[t]! : 0);
  }
  return { lr: out, momentum: mom };
}
