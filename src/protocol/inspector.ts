// The step inspector's content: a recording, a step and a parameter → the optimizer's update equations with
// that step's numbers filled in, and the effective learning rate decomposed. Everything comes from the
// core's per-optimizer definitions (stepEquations, lrFactors); this module only picks the row and prints.
// Pure (host and tests).

import { createOptimizer, getOptimizerDefinition, inspectStep, renderFormula } from '../core';
import { RecordingCursor } from '../core/optimizers/explain';
import { formatNumber } from './format';
import type { InspectedFactors, InspectedLine, StepInspection } from './messages';
import type { RecordingColumns } from './simulation';

/** Significant digits of the numbers printed into the equations. */
export const INSPECTOR_DIGITS = 6;

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Per-step row of step `step` (1-based): the row with that step, or the nearest recorded one before it. */
function rowOf(rec: RecordingColumns, step: number): number {
  const col = rec.scalarState['step'];
  const rows = Math.min(rec.stepsCompleted, rec.lr.length);
  if (!col || rows === 0) return -1;
  if (rows === rec.stepsCompleted && col[step - 1] === step) return step - 1;
  let best = 0;
  for (let r = 0; r < rows && col[r]! <= step; r++) best = r;
  return best;
}

export function buildStepInspection(rec: RecordingColumns, label: string, paramNames: readonly string[], step: number, param: number): StepInspection {
  const base = { runId: rec.runId, label, optimizer: rec.optimizer, param, paramName: paramNames[param] ?? `θ[${param}]` };
  const empty = (note: string, shown = step): StepInspection => ({ ...base, step: shown, lines: [], factors: null, note });
  if (param < 0 || param >= rec.dim) return empty(`parameter ${param} is out of range (the loss has ${rec.dim})`);
  if (rec.stepsCompleted === 0) return empty('the run has no step yet');
  if (rec.effectiveLr.length === 0) return empty('per-parameter diagnostics were not recorded for this run (trajectory only)');
  // The inspector's equations are the PyTorch forms of the run's first optimizer (README "Step inspector").
  if ((rec.convention && rec.convention !== 'pytorch') || (rec.dtype && rec.dtype !== 'float64')) {
    return empty(`the step inspector shows PyTorch's equations; this run uses the ${rec.convention ?? 'pytorch'} convention in ${rec.dtype ?? 'float64'}, which it does not explain yet`);
  }
  if (rec.optimizer === 'nadam' && rec.hyperparameters['bias_correction'] === false) return empty('the step inspector does not explain NAdam with bias_correction = false yet');
  const switched = rec.segments && rec.segments.length > 1 ? rec.segments[1]!.fromStep : Infinity;
  if (step > switched) return empty(`step ${step} is after the switch to ${rec.segments![1]!.optimizer} at step ${switched}: the step inspector explains the first optimizer's steps only (1–${switched}) for now`);
  const asked = Math.max(1, Math.min(step, rec.stepsCompleted));
  const row = rowOf(rec, asked);
  if (row < 0) return empty('the run has no step yet');
  const optimizer = createOptimizer(rec.optimizer, rec.hyperparameters);
  const t = rec.scalarState['step']![row]!;
  const terms = inspectStep(rec, optimizer, row, param);
  const values = new Map(terms.map((x) => [x.symbol, x.value]));
  const show = (v: number) => (v !== v ? '—' : v < 0 ? `(${formatNumber(v, INSPECTOR_DIGITS)})` : formatNumber(v, INSPECTOR_DIGITS));
  const lines: InspectedLine[] = terms.map((x) => ({
    symbol: x.symbol,
    name: x.name,
    formula: x.input ? x.formula : renderFormula(x.formula, (s) => s),
    filled: x.input ? '' : renderFormula(x.formula, (s) => show(values.get(s) ?? NaN)),
    input: x.input,
    value: finite(x.value),
    recorded: finite(x.recorded),
  }));
  const def = getOptimizerDefinition(rec.optimizer).lrFactors;
  const out = new Float64Array(5);
  def.evaluate(new RecordingCursor(rec, optimizer).at(row, param), out);
  // The step's ε-dominance fraction over all parameters (one row of the decomposition).
  let dominated = 0;
  let counted = 0;
  const cur = new RecordingCursor(rec, optimizer);
  const o2 = new Float64Array(5);
  for (let i = 0; i < rec.dim; i++) {
    def.evaluate(cur.at(row, i), o2);
    if (o2[4] === o2[4]) {
      counted++;
      dominated += o2[4]!;
    }
  }
  const factors: InspectedFactors = {
    direction: def.direction,
    schedule: out[0]!, biasCorrection: out[1]!, preconditioner: out[2]!, rawDirection: out[3]!,
    alpha: out[0]! * out[1]! * out[2]!,
    epsDominance: counted ? dominated / counted : null,
    definitions: { schedule: def.schedule, biasCorrection: def.biasCorrection, preconditioner: def.preconditioner, epsDominance: def.epsDominance },
  };
  const note = t !== step ? (step < 1 ? `step ${step} is the start point: showing step ${t}, the first update` : `step ${step} is not recorded (downsampled or past the run's end): showing step ${t}`) : null;
  return { ...base, step: t, lines, factors, note };
}
