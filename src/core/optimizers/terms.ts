// Building blocks of the optimizers' step-inspector equations (EquationTerm) and effective-LR factors:
// the inputs every optimizer reads the same way (step, learning rate, hyperparameters, θ, ∇f) and the
// gradient as the kernels form it (maximize, coupled weight decay). Each optimizer file lists its own terms.

import type { EquationTerm, HyperValue, StepRecord } from '../types';

type Value = EquationTerm['value'];

/** An expression of earlier terms (`{symbol}` references) with the kernel's arithmetic. */
export function term(symbol: string, formula: EquationTerm['formula'], value: Value, opts: { name?: string; recorded?: (s: StepRecord) => number } = {}): EquationTerm {
  return { symbol, formula, value, ...opts };
}

/** A value read from the recording or the hyperparameters. */
export function input(symbol: string, from: string, value: Value, opts: { name?: string; recorded?: (s: StepRecord) => number } = {}): EquationTerm {
  return { symbol, formula: from, input: true, value, ...opts };
}

/** A number hyperparameter, or one half of a pair (`betas[0]`). */
export function hyper(symbol: string, key: string, index?: 0 | 1): EquationTerm {
  const from = index === undefined ? key : `${key}[${index}]`;
  return input(symbol, from, (s) => {
    const v: HyperValue | undefined = s.h[key];
    return index === undefined ? (v as number) : (v as readonly [number, number])[index];
  }, { name: from });
}

/** The inputs every optimizer shows first: the step t, the learning rate η_t, θ_{t−1} and ∇f. */
export function commonInputs(withLr = true): EquationTerm[] {
  return [
    input('t', 'state step', (s) => s.t, { name: 'step' }),
    ...(withLr ? [input('η', 'lr in effect at step t (after any schedule)', (s) => s.lr, { name: 'lr' })] : []),
    input('θ_{t−1}', 'parameter before the step (params[t−1])', (s) => s.theta),
    input('∇f', 'the loss gradient at θ_{t−1} (grad[t−1])', (s) => s.grad),
  ];
}

/** g as the kernels form it: ±∇f, plus λθ for coupled (L2) weight decay when λ ≠ 0. */
export function gradTerm(maximize: boolean, coupledDecay: boolean): EquationTerm {
  const base = maximize ? '−{∇f}' : '{∇f}';
  return term('g', coupledDecay ? `${base} + {λ}·{θ_{t−1}}` : base, (_s, x) => {
    const g = maximize ? -x('∇f') : x('∇f');
    return coupledDecay ? g + x('λ') * x('θ_{t−1}') : g;
  });
}

/** The same g without the term machinery (effective-LR factors). */
export function gradOf(s: StepRecord): number {
  let g = s.h['maximize'] === true ? -s.grad : s.grad;
  const wd = s.h['weight_decay'];
  if (typeof wd === 'number' && wd !== 0) g = g + wd * s.theta;
  return g;
}

/** θ_t and Δθ = θ_t − θ_{t−1}, exactly as every kernel records them. */
export function stepTerms(thetaFormula: string, thetaValue: Value, stepSymbol = 'Δθ'): EquationTerm[] {
  return [
    term('θ_t', thetaFormula, thetaValue, { recorded: (s) => s.next }),
    term(stepSymbol, '{θ_t} − {θ_{t−1}}', (_s, x) => x('θ_t') - x('θ_{t−1}'), { recorded: (s) => s.update }),
  ];
}

/** The effective learning rate α as the kernel records it. */
export function alphaTerm(formula: EquationTerm['formula'], value: Value): EquationTerm {
  return term('α', formula, value, { name: 'effective lr', recorded: (s) => s.effectiveLr });
}
