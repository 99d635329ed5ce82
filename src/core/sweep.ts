// Hyperparameter sweeps: grid axes, the per-cell summary (final/best loss, steps to tolerance, diverged step,
// outcome) and the batched kernel that steps all K cells of a built-in sweep together.
//
// Definitions (README "Sweeps and the stability map"):
//   final loss       loss at the last row (step stepsCompleted)
//   best loss        smallest loss over all rows (NaN rows ignored; Infinity if none is a number)
//   steps to tol.    as `compare`: first step t with f(θ_t) − f* ≤ tol when f* is known, else ‖∇f(θ_t)‖₂ ≤ tol
//                    (t < stepsCompleted: the gradient at the last row is not part of the run); null if never
//   diverged step    first step t whose loss or parameters are not finite; null if none
//   outcome          the first that applies, in this order:
//     diverged     diverged step ≠ null
//     converged    f* known: f(θ_m) − f* ≤ tol; f* unknown: steps to tolerance ≠ null and f(θ_m) ≤ f(θ_tol) + tol
//     diverging    e_m > 10⁴·e_0, or e_t > e_{t−1} at each of the last W steps and e_m ≥ 2·e_{m−W}, where
//                  e_t = f(θ_t) − f_ref, f_ref = f* if known, else the best loss of the run
//     oscillating  in the dominant coordinate of the last W steps (largest Σ|Δθ_i|), Δθ changed sign at least
//                  (W − 1)/2 times (W ≥ 3)
//     slow         anything else (finite, not within tolerance, not blowing up, not flipping)
//   with m = stepsCompleted and W = min(OUTCOME_WINDOW, m).
//
// The batched kernel computes exactly the numbers a Simulation of each cell records, in the same floating-
// point operations and order (SGD and the Adam/AdamW kernels are written out over K×n; the other optimizers
// run their own kernel per cell over views of the same arrays), so a cell is bit-identical to `simulate`.

import { BUILTIN_LOSSES, type BuiltinLoss } from './losses/builtins';
import type { HyperValue, HyperparameterSpec, Optimizer } from './types';

export type AxisScale = 'log' | 'lin';

/** One sweep axis: `count` values of hyperparameter `name` (or a pair component, `betas.0`) from min to max. */
export interface SweepAxis {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly scale: AxisScale;
  readonly count: number;
}

/** Most values one axis may take. */
export const MAX_AXIS_COUNT = 1024;
/** Steps the outcome looks back over (W). */
export const OUTCOME_WINDOW = 20;
/** Factor over the start's excess loss above which a finite run is 'diverging'. */
export const DIVERGING_FACTOR = 1e4;

export const OUTCOMES = ['converged', 'oscillating', 'slow', 'diverging', 'diverged'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The values of an axis: 10^(a + i·(b − a)/(count−1)) with a, b = log10 min, max (log), or min + i·(max−min)/(count−1) (lin); endpoints exact. */
export function axisValues(axis: SweepAxis): Float64Array {
  const { min, max, count, scale } = axis;
  const out = new Float64Array(count);
  const a = Math.log10(min);
  const b = Math.log10(max);
  for (let i = 0; i < count; i++) {
    if (count === 1 || i === 0) out[i] = min;
    else if (i === count - 1) out[i] = max;
    else out[i] = scale === 'log' ? 10 ** (a + (i * (b - a)) / (count - 1)) : min + (i * (max - min)) / (count - 1);
  }
  return out;
}

/** Checks an axis against an optimizer's hyperparameters; returns an error message or null. */
export function axisProblem(axis: SweepAxis, specs: readonly HyperparameterSpec[], optimizerName: string): string | null {
  const [base, comp] = axis.name.split('.');
  const spec = specs.find((s) => s.name === base);
  if (!spec) return `${optimizerName} has no hyperparameter "${base}" (it takes ${specs.map((s) => s.name).join(', ')})`;
  if (spec.kind === 'boolean') return `"${base}" is a flag, not a number: it cannot be an axis`;
  if (spec.kind === 'pair' && comp !== '0' && comp !== '1') return `"${base}" is a pair: sweep one component, ${base}.0 or ${base}.1`;
  if (spec.kind === 'number' && comp !== undefined) return `"${base}" is a number, not a pair: write ${base}`;
  if (!Number.isInteger(axis.count) || axis.count < 1 || axis.count > MAX_AXIS_COUNT) return `the number of values must be an integer from 1 to ${MAX_AXIS_COUNT}, got ${axis.count}`;
  if (!(Number.isFinite(axis.min) && Number.isFinite(axis.max))) return 'min and max must be finite numbers';
  if (axis.max < axis.min) return `max (${axis.max}) is below min (${axis.min})`;
  if (axis.scale === 'log' && !(axis.min > 0)) return `a log axis needs min > 0, got ${axis.min}`;
  return null;
}

/** `hp` with `name` (or pair component `betas.0`) set to `value`; a pair's other component is taken from hp or the default. */
export function withHyper(
  hp: Readonly<Record<string, HyperValue>>,
  name: string,
  value: number,
  specs: readonly HyperparameterSpec[],
): Record<string, HyperValue> {
  const out: Record<string, HyperValue> = { ...hp };
  const [base, comp] = name.split('.') as [string, string | undefined];
  if (comp === undefined) {
    out[base] = value;
    return out;
  }
  const spec = specs.find((s) => s.name === base);
  const cur = (hp[base] ?? spec?.default) as readonly [number, number];
  out[base] = comp === '0' ? [value, cur[1]] : [cur[0], value];
  return out;
}

/** What one cell of a sweep reports. */
export interface CellSummary {
  readonly finalLoss: number;
  readonly bestLoss: number;
  readonly stepsToTolerance: number | null;
  readonly divergedStep: number | null;
  readonly outcome: Outcome;
  readonly stepsCompleted: number;
}

export interface SummaryCriteria {
  readonly tolerance: number;
  /** f*, the known minimum value (the smallest of the loss's minima), if any. */
  readonly fMin: number | undefined;
}

/** The columns a summary reads (a Recording or RecordingColumns recorded at every step). */
export interface SummaryInput {
  readonly dim: number;
  readonly stepsCompleted: number;
  readonly params: Float64Array;
  readonly loss: Float64Array;
  readonly grad: Float64Array;
}

/** Per-run statistics both the recording path and the batched kernel gather; `classify` turns them into a summary. */
interface Stats {
  m: number;
  loss0: number;
  finalLoss: number;
  best: number;
  tolStep: number;
  lossAtTol: number;
  divergedStep: number;
  /** e-window: losses of rows m−W..m (W+1 values, oldest first). */
  window: ArrayLike<number>;
  w: number;
  /** flips and |Δθ| sums per coordinate over the window. */
  flips: ArrayLike<number>;
  absSum: ArrayLike<number>;
}

function classify(s: Stats, c: SummaryCriteria, dim: number): CellSummary {
  const base = {
    finalLoss: s.finalLoss,
    bestLoss: s.best,
    stepsToTolerance: s.tolStep < 0 ? null : s.tolStep,
    divergedStep: s.divergedStep < 0 ? null : s.divergedStep,
    stepsCompleted: s.m,
  };
  const done = (outcome: Outcome): CellSummary => ({ ...base, outcome });
  if (s.divergedStep >= 0) return done('diverged');
  if (c.fMin !== undefined ? s.finalLoss - c.fMin <= c.tolerance : s.tolStep >= 0 && s.finalLoss <= s.lossAtTol + c.tolerance) return done('converged');
  const ref = c.fMin !== undefined ? c.fMin : s.best;
  const e0 = s.loss0 - ref;
  const em = s.finalLoss - ref;
  if (em > DIVERGING_FACTOR * e0) return done('diverging');
  const w = s.w;
  if (w >= 2) {
    let rising = true;
    for (let j = 1; j <= w; j++) if (!(s.window[j]! - ref > s.window[j - 1]! - ref)) rising = false;
    if (rising && em >= 2 * (s.window[0]! - ref)) return done('diverging');
  }
  if (w >= 3) {
    let dom = 0;
    for (let i = 1; i < dim; i++) if (s.absSum[i]! > s.absSum[dom]!) dom = i;
    if (s.flips[dom]! >= (w - 1) / 2) return done('oscillating');
  }
  return done('slow');
}

/** The summary of one recorded run (recorded at every step; the sweep's runs always are). */
export function summarizeRun(rec: SummaryInput, c: SummaryCriteria): CellSummary {
  const { dim } = rec;
  const m = Math.min(rec.stepsCompleted, rec.loss.length - 1);
  let best = Infinity;
  let tolStep = -1;
  let lossAtTol = NaN;
  let divergedStep = -1;
  for (let t = 0; t <= m; t++) {
    const f = rec.loss[t]!;
    if (f < best) best = f;
    if (tolStep < 0) {
      let ok: boolean;
      if (c.fMin !== undefined) ok = f - c.fMin <= c.tolerance;
      else if (t < m) {
        let s = 0;
        for (let i = 0; i < dim; i++) s += rec.grad[t * dim + i]! ** 2;
        ok = Math.sqrt(s) <= c.tolerance;
      } else ok = false;
      if (ok) {
        tolStep = t;
        lossAtTol = f;
      }
    }
    if (divergedStep < 0) {
      let finite = Number.isFinite(f);
      for (let i = 0; i < dim && finite; i++) finite = Number.isFinite(rec.params[t * dim + i]!);
      if (!finite) divergedStep = t;
    }
  }
  const w = Math.min(OUTCOME_WINDOW, m);
  const window = rec.loss.subarray(m - w, m + 1);
  const flips = new Float64Array(dim);
  const absSum = new Float64Array(dim);
  for (let t = m - w + 1; t <= m; t++) {
    for (let i = 0; i < dim; i++) {
      const d = rec.params[t * dim + i]! - rec.params[(t - 1) * dim + i]!;
      absSum[i] = absSum[i]! + Math.abs(d);
      if (t >= m - w + 2) {
        const dPrev = rec.params[(t - 1) * dim + i]! - rec.params[(t - 2) * dim + i]!;
        if (d * dPrev < 0) flips[i] = flips[i]! + 1;
      }
    }
  }
  return classify({ m, loss0: rec.loss[0]!, finalLoss: rec.loss[m]!, best, tolStep, lossAtTol, divergedStep, window, w, flips, absSum }, c, dim);
}

// ---------------------------------------------------------------- the batched kernel

export interface BatchedSweepSpec {
  readonly loss: BuiltinLoss;
  /** One configured optimizer per cell, all of the same kind. */
  readonly optimizers: readonly Optimizer[];
  readonly start: Float64Array;
  readonly steps: number;
  readonly criteria: SummaryCriteria;
  /**
   * True when the caller created the optimizers without a schedule, so each cell's lr is its `lr`
   * hyperparameter at every step (what `lrAt` returns then): the kernel reads it from an array instead of
   * calling `lrAt` per cell and step (a call that returns a boxed number, i.e. an allocation). Default false.
   */
  readonly constantLr?: boolean;
}

type Kind = 'sgd' | 'adam' | 'adamw' | 'generic';

/**
 * All K cells of a built-in sweep stepped together: params, grad and the state tensors are K×n Float64Arrays
 * (cell k's coordinate i at k·n + i), and one step of the sweep is one pass over them. `advance` runs in
 * slices (progress, cancellation); `summaries()` gives each cell's CellSummary once `finished`.
 */
export class BatchedSweep {
  readonly cells: number;
  private readonly n: number;
  private readonly kind: Kind;
  private readonly P: Float64Array;
  private readonly G: Float64Array;
  private readonly S0: Float64Array;
  private readonly S1: Float64Array;
  private readonly S2: Float64Array;
  /** Per-cell hyperparameters of the written-out kernels. */
  private readonly h: Float64Array[];
  private readonly flags: { nesterov: boolean; maximize: boolean; amsgrad: boolean; inside: boolean };
  /** generic: each cell's own state and views. */
  private readonly cellState: { state: ReturnType<Optimizer['init']>; p: Float64Array; g: Float64Array }[] = [];
  private t = 0;
  /** Per-cell lr when constant (spec.constantLr), else null. */
  private readonly lrs: Float64Array | null;
  private readonly active: Uint8Array;
  private activeCount: number;
  // statistics (see Stats)
  private readonly loss0: Float64Array;
  private readonly last: Float64Array;
  private readonly best: Float64Array;
  private readonly tolStep: Float64Array;
  private readonly lossAtTol: Float64Array;
  private readonly divStep: Float64Array;
  private readonly stepsDone: Float64Array;
  private readonly ring: Float64Array;
  private readonly prevD: Float64Array;
  private readonly flips: Float64Array;
  private readonly absSum: Float64Array;
  private readonly w: number;
  private readonly scratch = new Float64Array(2);

  constructor(private readonly spec: BatchedSweepSpec) {
    const K = spec.optimizers.length;
    const n = spec.start.length;
    if (n !== 2) throw new Error(`a built-in loss has 2 parameters, the start point has ${n}`);
    if (!Number.isInteger(spec.steps) || spec.steps < 0) throw new Error(`steps must be a non-negative integer, got ${spec.steps}`);
    this.cells = K;
    this.n = n;
    const o0 = spec.optimizers[0];
    const same = (k: string) => spec.optimizers.every((o) => o.hyperparameters[k] === o0!.hyperparameters[k]);
    const h0 = o0?.hyperparameters ?? {};
    let kind: Kind = 'generic';
    if (o0 && spec.optimizers.every((o) => o.name === o0.name && o.convention.epsInsideSqrt === o0.convention.epsInsideSqrt)) {
      if (o0.name === 'sgd' && same('nesterov') && same('maximize')) kind = 'sgd';
      else if ((o0.name === 'adam' || o0.name === 'adamw') && same('amsgrad') && same('maximize')) kind = o0.name;
    }
    this.kind = kind;
    this.flags = { nesterov: h0['nesterov'] === true, maximize: h0['maximize'] === true, amsgrad: h0['amsgrad'] === true, inside: o0?.convention.epsInsideSqrt === true };
    this.P = new Float64Array(K * n);
    this.G = new Float64Array(K * n);
    const sized = kind === 'generic' ? 0 : K * n;
    this.S0 = new Float64Array(sized);
    this.S1 = new Float64Array(kind === 'sgd' ? 0 : sized);
    this.S2 = new Float64Array(kind === 'sgd' || !this.flags.amsgrad ? 0 : sized);
    const col = (f: (o: Optimizer) => number) => Float64Array.from(spec.optimizers, f);
    const num = (k: string) => (o: Optimizer) => o.hyperparameters[k] as number;
    const beta = (j: 0 | 1) => (o: Optimizer) => (o.hyperparameters['betas'] as readonly [number, number])[j];
    this.h =
      kind === 'sgd' ? [col(num('momentum')), col(num('dampening')), col(num('weight_decay'))]
      : kind === 'generic' ? []
      : [col(beta(0)), col(beta(1)), col(num('eps')), col(num('weight_decay'))];
    this.lrs = spec.constantLr ? col((o) => o.hyperparameters['lr'] as number) : null;
    for (let k = 0; k < K; k++) this.P.set(spec.start, k * n);
    if (kind === 'generic') {
      for (let k = 0; k < K; k++) {
        const p = this.P.subarray(k * n, k * n + n);
        this.cellState.push({ state: spec.optimizers[k]!.init(p), p, g: this.G.subarray(k * n, k * n + n) });
      }
    }
    this.active = new Uint8Array(K).fill(1);
    this.activeCount = K;
    this.w = Math.min(OUTCOME_WINDOW, spec.steps);
    this.loss0 = new Float64Array(K);
    this.last = new Float64Array(K);
    this.best = new Float64Array(K).fill(Infinity);
    this.tolStep = new Float64Array(K).fill(-1);
    this.lossAtTol = new Float64Array(K).fill(NaN);
    this.divStep = new Float64Array(K).fill(-1);
    this.stepsDone = new Float64Array(K);
    this.ring = new Float64Array(K * (this.w + 1));
    this.prevD = new Float64Array(K * n);
    this.flips = new Float64Array(K * n);
    this.absSum = new Float64Array(K * n);
    // Row 0: the loss and gradient at the start (as Simulation: evaluated together).
    const b = spec.loss;
    const startFinite = Number.isFinite(spec.start[0]!) && Number.isFinite(spec.start[1]!);
    for (let k = 0; k < K; k++) {
      const f = b.evaluate(this.P[2 * k]!, this.P[2 * k + 1]!, this.scratch);
      this.G[2 * k] = this.scratch[0]!;
      this.G[2 * k + 1] = this.scratch[1]!;
      this.loss0[k] = f;
      this.record(k, 0, f, startFinite);
      if (!startFinite || spec.steps === 0) this.retire(k);
    }
  }

  get finished(): boolean {
    return this.activeCount === 0;
  }

  /** Steps completed by every cell still running. */
  get step(): number {
    return this.t;
  }

  /** Runs up to `maxSteps` more steps of every active cell; returns the steps taken. */
  advance(maxSteps = Number.POSITIVE_INFINITY): number {
    const { steps } = this.spec;
    let taken = 0;
    while (this.activeCount > 0 && taken < maxSteps && this.t < steps) {
      this.stepAll(++this.t); // t: PyTorch's state['step'] after the increment
      taken++;
    }
    return taken;
  }

  summaries(): CellSummary[] {
    const out: CellSummary[] = [];
    const n = this.n;
    const w0 = this.w;
    for (let k = 0; k < this.cells; k++) {
      const m = this.stepsDone[k]!;
      const w = Math.min(w0, m);
      // The ring holds rows m−w0..m at index (row mod (w0+1)); take the last w+1 in order.
      const window = new Float64Array(w + 1);
      for (let j = 0; j <= w; j++) window[j] = this.ring[k * (w0 + 1) + ((m - w + j) % (w0 + 1))]!;
      out.push(classify({
        m,
        loss0: this.loss0[k]!,
        finalLoss: this.last[k]!,
        best: this.best[k]!,
        tolStep: this.tolStep[k]!,
        lossAtTol: this.lossAtTol[k]!,
        divergedStep: this.divStep[k]!,
        window,
        w,
        flips: this.flips.subarray(k * n, k * n + n),
        absSum: this.absSum.subarray(k * n, k * n + n),
      }, this.spec.criteria, n));
    }
    return out;
  }

  /** The parameters of cell k now (tests). */
  paramsOf(k: number): Float64Array {
    return this.P.slice(k * this.n, k * this.n + this.n);
  }

  private retire(k: number): void {
    if (this.active[k]) {
      this.active[k] = 0;
      this.activeCount--;
    }
  }

  /** Row `t` of cell k: loss f at params P[k] (finite or not). */
  private record(k: number, t: number, f: number, paramsFinite: boolean): void {
    const c = this.spec.criteria;
    this.last[k] = f;
    this.stepsDone[k] = t;
    if (f < this.best[k]!) this.best[k] = f;
    const w0 = this.w;
    this.ring[k * (w0 + 1) + (t % (w0 + 1))] = f;
    if (this.tolStep[k]! < 0 && c.fMin !== undefined && f - c.fMin <= c.tolerance) {
      this.tolStep[k] = t;
      this.lossAtTol[k] = f;
    }
    if (this.divStep[k]! < 0 && !(paramsFinite && Number.isFinite(f))) this.divStep[k] = t;
  }

  /**
   * Step t of every active cell, in one pass over the K×n arrays: per cell, the gradient criterion of row t − 1,
   * the optimizer's update (SGD and Adam/AdamW written out; the others through their own kernel on the
   * cell's views), the loss and gradient at the new parameters (canyon and Rosenbrock inlined, the same
   * expressions as their evaluate; other built-ins through evaluate), then the cell's statistics.
   */
  private stepAll(t: number): void {
    const { P, G, S0, S1, S2, active, n, kind, cells } = this;
    const [H0, H1, H2, H3] = this.h as [Float64Array, Float64Array, Float64Array, Float64Array];
    const { nesterov, maximize, amsgrad, inside } = this.flags;
    const opts = this.spec.optimizers;
    const LR = this.lrs;
    const b = this.spec.loss;
    const gk = b === BUILTIN_LOSSES['canyon'] ? 1 : b === BUILTIN_LOSSES['rosenbrock'] ? 2 : 0;
    const { tolerance, fMin } = this.spec.criteria;
    const gradCriterion = fMin === undefined;
    const steps = this.spec.steps;
    const w0 = this.w;
    const ring = this.ring;
    const rw = w0 + 1;
    const inWindow = t > steps - w0;
    const flipWindow = t > steps - w0 + 1;
    const { last, best, tolStep, lossAtTol, divStep, stepsDone, prevD, flips, absSum } = this;
    const scratch = this.scratch;
    const first = t === 1;
    const decoupled = kind === 'adamw';
    let lastB1 = NaN, pow1 = NaN, lastB2 = NaN, pow2 = NaN;
    let d0 = 0, d1 = 0;
    for (let k = 0; k < cells; k++) {
      if (active[k] === 0) continue;
      const o = k * n;
      if (gradCriterion && tolStep[k]! < 0) {
        const g0 = G[o]!;
        const g1 = G[o + 1]!;
        if (Math.sqrt(g0 ** 2 + g1 ** 2) <= tolerance) {
          tolStep[k] = t - 1;
          lossAtTol[k] = ring[k * rw + ((t - 1) % rw)]!;
        }
      }
      // ---- the update (Δθ of each coordinate in d0, d1)
      if (kind === 'sgd') {
        const lr = LR !== null ? LR[k]! : opts[k]!.lrAt(t);
        const m = H0[k]!;
        const dk = H1[k]!;
        const wd = H2[k]!;
        for (let i = o; i < o + 2; i++) {
          const p = P[i]!;
          let d = maximize ? -G[i]! : G[i]!;
          if (wd !== 0) d = d + wd * p;
          if (m !== 0) {
            const bb = first ? d : m * S0[i]! + (1 - dk) * d;
            S0[i] = bb;
            d = nesterov ? d + m * bb : bb;
          }
          const next = p + -lr * d;
          P[i] = next;
          if (i === o) d0 = next - p;
          else d1 = next - p;
        }
      } else if (kind === 'adam' || kind === 'adamw') {
        const lr = LR !== null ? LR[k]! : opts[k]!.lrAt(t);
        const b1 = H0[k]!;
        const b2 = H1[k]!;
        const eps = H2[k]!;
        const wd = H3[k]!;
        if (b1 !== lastB1) { lastB1 = b1; pow1 = b1 ** t; }
        if (b2 !== lastB2) { lastB2 = b2; pow2 = b2 ** t; }
        const bc1 = 1 - pow1;
        const bc2 = 1 - pow2;
        const stepSize = lr / bc1;
        const bc2Sqrt = Math.sqrt(bc2);
        const decay = decoupled ? 1 - lr * wd : 1;
        for (let i = o; i < o + 2; i++) {
          const p0 = P[i]!;
          let g = maximize ? -G[i]! : G[i]!;
          let p = p0;
          if (decoupled) p = p * decay;
          else if (wd !== 0) g = g + wd * p;
          const mi = b1 * S0[i]! + (1 - b1) * g;
          S0[i] = mi;
          const vi = b2 * S1[i]! + (1 - b2) * (g * g);
          S1[i] = vi;
          let vUsed = vi;
          if (amsgrad) {
            vUsed = S2[i]! > vi ? S2[i]! : vi;
            if (vi !== vi) vUsed = vi;
            S2[i] = vUsed;
          }
          const denom = inside ? Math.sqrt(vUsed / bc2 + eps) : Math.sqrt(vUsed) / bc2Sqrt + eps;
          const next = p + -stepSize * (mi / denom);
          P[i] = next;
          if (i === o) d0 = next - p0;
          else d1 = next - p0;
        }
      } else {
        const c = this.cellState[k]!;
        const x0 = P[o]!;
        const y0 = P[o + 1]!;
        opts[k]!.step(c.g, c.state, c.p, null);
        d0 = P[o]! - x0;
        d1 = P[o + 1]! - y0;
      }
      // ---- the loss and gradient at the new parameters
      const x = P[o]!;
      const y = P[o + 1]!;
      const finite = Number.isFinite(x) && Number.isFinite(y);
      let f: number;
      if (gk === 1) {
        G[o] = 2 * x;
        G[o + 1] = 20 * y;
        f = x * x + 10 * (y * y);
      } else if (gk === 2) {
        const a = 1 - x;
        const bb = y - x * x;
        G[o] = -2 * a - 400 * x * bb;
        G[o + 1] = 200 * bb;
        f = a * a + 100 * (bb * bb);
      } else {
        f = b.evaluate(x, y, scratch);
        G[o] = scratch[0]!;
        G[o + 1] = scratch[1]!;
      }
      // ---- statistics of row t
      if (inWindow) {
        absSum[o] = absSum[o]! + Math.abs(d0);
        absSum[o + 1] = absSum[o + 1]! + Math.abs(d1);
        if (flipWindow) {
          if (d0 * prevD[o]! < 0) flips[o] = flips[o]! + 1;
          if (d1 * prevD[o + 1]! < 0) flips[o + 1] = flips[o + 1]! + 1;
        }
        prevD[o] = d0;
        prevD[o + 1] = d1;
      }
      last[k] = f;
      stepsDone[k] = t;
      if (f < best[k]!) best[k] = f;
      ring[k * rw + (t % rw)] = f;
      if (!gradCriterion && tolStep[k]! < 0 && f - fMin! <= tolerance) {
        tolStep[k] = t;
        lossAtTol[k] = f;
      }
      if (divStep[k]! < 0 && !(finite && Number.isFinite(f))) divStep[k] = t;
      if (!finite || t >= steps) {
        active[k] = 0;
        this.activeCount--;
      }
    }
  }
}
