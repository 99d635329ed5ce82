// Reading a recording step by step: the effective learning rate decomposed into schedule × bias
// correction × preconditioner (with the ε-dominance fraction of each step), and the step inspector's
// equations evaluated at one step. Both are generated from each optimizer's definition
// (`lrFactors`, `stepEquations`), so they hold for every optimizer and configuration.

import type { RecordingData } from '../simulation';
import type { EquationTerm, Optimizer, OptimizerState, StepRecord } from '../types';
import { getOptimizerDefinition } from './registry';

/**
 * A cursor over a recording: `at(row, i)` points it at per-step row `row` (step `scalarState.step[row]`)
 * and parameter i; it then reads that step as a StepRecord. One object per recording, no allocation per step.
 * The state before the step is the previous row's (the optimizer's initial state at row 0); in a downsampled
 * recording where the previous row is not the previous step, it and θ_{t−1} are NaN.
 */
export class RecordingCursor implements StepRecord {
  private row = 0;
  private i = 0;
  private readonly init: OptimizerState;
  private readonly stepCol: Float64Array;
  readonly h: StepRecord['h'];
  readonly epsInsideSqrt: boolean;

  constructor(readonly rec: RecordingData, optimizer: Optimizer) {
    this.h = optimizer.hyperparameters;
    this.epsInsideSqrt = optimizer.convention.epsInsideSqrt;
    this.init = optimizer.init(rec.params.subarray(0, rec.dim));
    this.stepCol = rec.scalarState['step'] ?? new Float64Array(0);
  }

  /** Per-step rows the recording holds (steps completed, or kept rows when downsampled). */
  get rows(): number {
    return Math.min(this.rec.lr.length, this.rec.stepsCompleted, Math.max(0, this.rec.params.length / Math.max(1, this.rec.dim) - 1));
  }

  at(row: number, i: number): this {
    this.row = row;
    this.i = i;
    return this;
  }

  /** True when row−1 holds step t−1 (always in a full recording). */
  private get contiguous(): boolean {
    const r = this.row;
    return r === 0 || this.stepCol[r - 1] === this.stepCol[r]! - 1;
  }
  private cell(col: Float64Array | undefined, row: number): number {
    const k = row * this.rec.dim + this.i;
    return col && k < col.length ? col[k]! : NaN;
  }

  get t(): number {
    return this.stepCol[this.row] ?? this.row + 1;
  }
  get lr(): number {
    return this.rec.lr[this.row] ?? NaN;
  }
  get theta(): number {
    return this.contiguous ? this.cell(this.rec.params, this.row) : NaN;
  }
  get next(): number {
    return this.cell(this.rec.params, this.row + 1);
  }
  get grad(): number {
    return this.cell(this.rec.grad, this.row);
  }
  get update(): number {
    return this.cell(this.rec.update, this.row);
  }
  get direction(): number {
    return this.cell(this.rec.direction, this.row);
  }
  get effectiveLr(): number {
    return this.cell(this.rec.effectiveLr, this.row);
  }
  state(name: string): number {
    return this.cell(this.rec.state[name], this.row);
  }
  prev(name: string): number {
    if (this.row === 0) return this.init.tensors[name]?.[this.i] ?? NaN;
    return this.contiguous ? this.cell(this.rec.state[name], this.row - 1) : NaN;
  }
  scalar(name: string): number {
    return this.rec.scalarState[name]?.[this.row] ?? NaN;
  }
  prevScalar(name: string): number {
    if (this.row === 0) return this.init.scalars[name] ?? NaN;
    return this.contiguous ? (this.rec.scalarState[name]?.[this.row - 1] ?? NaN) : NaN;
  }
  extra(name: string): number {
    return this.cell(this.rec.extra[name], this.row);
  }
}

/**
 * The effective learning rate decomposed over a whole recording (per-step row r, parameter i at r·dim + i):
 * α = schedule × biasCorrection × preconditioner on the raw direction u, and per step the ε-dominance
 * fraction (share of the parameters with ε-dominated denominators; NaN when the optimizer has no ε or
 * does not use it at that step). Every array is allocated once.
 */
export interface LrDecomposition {
  readonly rows: number;
  readonly dim: number;
  /** Per step. */
  readonly schedule: Float64Array;
  readonly biasCorrection: Float64Array;
  readonly epsDominance: Float64Array;
  /** Per step and parameter. */
  readonly preconditioner: Float64Array;
  readonly rawDirection: Float64Array;
  /** schedule × biasCorrection × preconditioner. */
  readonly alpha: Float64Array;
}

export function decomposeEffectiveLr(rec: RecordingData, optimizer: Optimizer): LrDecomposition {
  const def = getOptimizerDefinition(optimizer.name).lrFactors;
  const cur = new RecordingCursor(rec, optimizer);
  const rows = rec.effectiveLr.length ? cur.rows : 0;
  const dim = rec.dim;
  const out = new Float64Array(5);
  const d: LrDecomposition = {
    rows, dim,
    schedule: new Float64Array(rows),
    biasCorrection: new Float64Array(rows),
    epsDominance: new Float64Array(rows),
    preconditioner: new Float64Array(rows * dim),
    rawDirection: new Float64Array(rows * dim),
    alpha: new Float64Array(rows * dim),
  };
  for (let r = 0; r < rows; r++) {
    let dominated = 0;
    let counted = 0;
    for (let i = 0; i < dim; i++) {
      def.evaluate(cur.at(r, i), out);
      const k = r * dim + i;
      if (i === 0) {
        d.schedule[r] = out[0]!;
        d.biasCorrection[r] = out[1]!;
      }
      d.preconditioner[k] = out[2]!;
      d.rawDirection[k] = out[3]!;
      d.alpha[k] = out[0]! * out[1]! * out[2]!;
      const e = out[4]!;
      if (e === e) {
        counted++;
        dominated += e;
      }
    }
    d.epsDominance[r] = counted ? dominated / counted : NaN;
  }
  return d;
}

/** One evaluated line of the step inspector. */
export interface InspectedTerm {
  readonly symbol: string;
  readonly name: string | null;
  /** The formula with `{symbol}` references (or, for inputs, where the value comes from). */
  readonly formula: string;
  readonly input: boolean;
  readonly value: number;
  /** What the recording holds for this term (NaN when it holds nothing for it). */
  readonly recorded: number;
}

/**
 * The optimizer's update equations at per-step row `row` for parameter i, every term evaluated from the
 * recording with the kernel's arithmetic. Terms with a `recorded` value must reproduce it (unit-tested
 * for every optimizer).
 */
export function inspectStep(rec: RecordingData, optimizer: Optimizer, row: number, i: number): InspectedTerm[] {
  const terms: readonly EquationTerm[] = getOptimizerDefinition(optimizer.name).stepEquations(optimizer.hyperparameters);
  const cur = new RecordingCursor(rec, optimizer).at(row, i);
  const values = new Map<string, number>();
  const x = (symbol: string): number => {
    const v = values.get(symbol);
    if (v === undefined) throw new Error(`${optimizer.name}: step equation refers to {${symbol}} before it is defined`);
    return v;
  };
  return terms.map((t) => {
    const value = t.value(cur, x);
    values.set(t.symbol, value);
    return {
      symbol: t.symbol,
      name: t.name ?? null,
      formula: typeof t.formula === 'function' ? t.formula(cur) : t.formula,
      input: t.input === true,
      value,
      recorded: t.recorded ? t.recorded(cur) : NaN,
    };
  });
}

/**
 * A formula split into text and `{symbol}` references (braces nest: `{θ_{t−1}}` is one reference to
 * `θ_{t−1}`). `render(formula, f)` joins it back with each reference replaced by `f(symbol)`.
 */
export function formulaParts(formula: string): (string | { readonly ref: string })[] {
  const out: (string | { ref: string })[] = [];
  let text = '';
  for (let k = 0; k < formula.length; k++) {
    if (formula[k] !== '{') {
      text += formula[k];
      continue;
    }
    let depth = 1;
    let j = k + 1;
    while (j < formula.length && depth > 0) {
      if (formula[j] === '{') depth++;
      else if (formula[j] === '}') depth--;
      j++;
    }
    if (depth !== 0) {
      text += formula.slice(k);
      break;
    }
    if (text) out.push(text);
    text = '';
    out.push({ ref: formula.slice(k + 1, j - 1) });
    k = j - 1;
  }
  if (text) out.push(text);
  return out;
}

export function renderFormula(formula: string, f: (symbol: string) => string): string {
  return formulaParts(formula).map((p) => (typeof p === 'string' ? p : f(p.ref))).join('');
}
