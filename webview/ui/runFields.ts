// The toolbar's run fields beyond steps/seed/batch (README "Panel"): the gradient noise σ field's rules
// (as the CLI's --noise: a finite number ≥ 0; empty or 0 is none) and, for losses with data, what the loss
// file holds out for validation (the file's `validation`; the CLI has no flag to change it, so neither has
// the panel: it is shown, read-only).
import type { SessionConfig } from '../../src/protocol/messages';
import type { LossInfo } from '../../src/protocol/simulation';
import { validationRowCount } from '../../src/protocol/dataSplit';
import { numberProblem, parseNumber } from './toolbar';

type Rules = {
  check(text: string): string | null;
  apply(draft: SessionConfig, text: string): SessionConfig;
  show(draft: SessionConfig): string;
  same(draft: SessionConfig, text: string): boolean;
};

/** σ as typed: '' and 0 mean no noise (the draft then has no gradientNoise). */
function sigmaOf(text: string): number {
  return text.trim() === '' ? 0 : parseNumber(text)!;
}

export const noiseFieldRules: Rules = {
  check: (t) => numberProblem(t, { min: 0, optional: true }),
  apply: (dr, t) => {
    const { gradientNoise: _old, ...rest } = dr;
    void _old;
    const v = sigmaOf(t);
    return v > 0 ? { ...rest, gradientNoise: v } : rest;
  },
  show: (dr) => (dr.gradientNoise !== undefined ? String(dr.gradientNoise) : ''),
  same: (dr, t) => sigmaOf(t) === (dr.gradientNoise ?? 0),
};

/** `20 % held out · 480 train / 120 validation rows` (the file's split), or that it has none. */
export function validationText(dl: NonNullable<LossInfo['dataLayout']>): string {
  const held = validationRowCount(dl.rows, dl.validation);
  if (held === 0) return `no validation split · ${dl.rows} rows`;
  return `${formatPercent(dl.validation)} held out · ${dl.rows - held} train / ${held} validation rows`;
}

function formatPercent(f: number): string {
  const p = f * 100;
  return `${Number.isInteger(p) ? p : p.toPrecision(3)} %`;
}

export function validationInfo(dl: NonNullable<LossInfo['dataLayout']>): HTMLElement {
  const w = document.createElement('div');
  w.className = 'field field-validation';
  w.title = "The loss file's validation split (its `validation` export, a fixed split of the data rows): the held-out loss is drawn on the convergence chart and gives the end point's gap. Set it in the file; simulate has no flag for it.";
  const label = document.createElement('span');
  label.className = 'field-label';
  label.textContent = 'validation';
  const value = document.createElement('span');
  value.className = 'field-static';
  value.id = 'validation-info';
  value.textContent = validationText(dl);
  w.append(label, value);
  return w;
}
