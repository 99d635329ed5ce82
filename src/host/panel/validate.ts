// Field-by-field checks of a panel configuration with the core's own validation (PyTorch's ranges and
// messages), so the panel can mark the offending field before anything runs.
import { createOptimizer, getConvention, HyperparameterError } from '../../core';
import { LIMITS, type FieldProblem, type SessionConfig } from '../../protocol/messages';

export function configProblems(config: SessionConfig): FieldProblem[] {
  const out: FieldProblem[] = [];
  const options = { convention: getConvention(config.convention ?? 'pytorch'), dtype: config.dtype ?? 'float64' } as const;
  for (const r of config.runs) {
    try {
      createOptimizer(r.optimizer, r.hyperparameters, options);
    } catch (e) {
      if (e instanceof HyperparameterError) out.push({ runId: r.id, field: e.parameter, message: e.message.replace(/^[^:]*: invalid [^:]*: /, '') });
      else out.push({ runId: r.id, field: 'run', message: e instanceof Error ? e.message : String(e) });
    }
  }
  if (!(Number.isInteger(config.steps) && config.steps >= 1 && config.steps <= LIMITS.maxSteps)) {
    out.push({ field: 'steps', message: `steps must be a whole number from 1 to ${LIMITS.maxSteps.toLocaleString('en-US')}` });
  }
  return out;
}
