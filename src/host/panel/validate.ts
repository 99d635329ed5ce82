// Field-by-field checks of a panel configuration with the core's own validation (PyTorch's ranges and
// messages), so the panel can mark the offending field before anything runs; and the schedules' previews
// (the lr, and a cycled momentum / β₁, each step would use), computed by the core before running.
import { checkSchedule, createOptimizer, createScheduledOptimizer, getConvention, createSegments, HyperparameterError, previewSchedule, type OptimizerName, type ScheduleConfig } from '../../core';
import type { HyperValue } from '../../core/types';
import { decimateMinMax } from '../../protocol/decimate';
import { LIMITS, type FieldProblem, type RunSpec, type SchedulePreview, type SessionConfig } from '../../protocol/messages';

/** Throws the core's error (ScheduleError, RangeError, HyperparameterError) for a run's schedule or switches. */
export function checkRunSchedule(r: RunSpec, steps: number): void {
  if (r.schedule) {
    createScheduledOptimizer(r.optimizer, r.hyperparameters, r.schedule);
    checkSchedule(r.schedule, r.then?.[0]?.fromStep ?? steps);
  }
  if (r.then) createSegments(r.then, steps);
}

export function configProblems(config: SessionConfig): FieldProblem[] {
  const out: FieldProblem[] = [];
  const options = { convention: getConvention(config.convention ?? 'pytorch'), dtype: config.dtype ?? 'float64' } as const;
  for (const r of config.runs) {
    try {
      createOptimizer(r.optimizer, r.hyperparameters, options);
    } catch (e) {
      if (e instanceof HyperparameterError) out.push({ runId: r.id, field: e.parameter, message: e.message.replace(/^[^:]*: invalid [^:]*: /, '') });
      else out.push({ runId: r.id, field: 'run', message: e instanceof Error ? e.message : String(e) });
      continue;
    }
    try {
      checkRunSchedule(r, config.steps);
    } catch (e) {
      out.push({ runId: r.id, field: r.schedule && !(e instanceof RangeError) ? 'schedule' : 'then', message: e instanceof Error ? e.message : String(e) });
    }
  }
  if (!(Number.isInteger(config.steps) && config.steps >= 1 && config.steps <= LIMITS.maxSteps)) {
    out.push({ field: 'steps', message: `steps must be a whole number from 1 to ${LIMITS.maxSteps.toLocaleString('en-US')}` });
  }
  return out;
}

/** lr[t] (and momentum[t]) of one optimizer's segment of `len` steps; momentum NaN-free only when cycled. */
function segmentPreview(optimizer: OptimizerName, hp: Readonly<Record<string, HyperValue>>, schedule: ScheduleConfig | undefined, len: number) {
  const o = createOptimizer(optimizer, hp);
  const lr = (o.hyperparameters['lr'] as number | undefined) ?? 0;
  const own = o.momentumKind === 'momentum' ? (o.hyperparameters['momentum'] as number) : o.momentumKind === 'beta1' ? (o.hyperparameters['betas'] as readonly number[])[0]! : NaN;
  if (!schedule) return { lr: new Float64Array(len).fill(lr), momentum: null, own };
  const p = previewSchedule(schedule, lr, o.momentumKind, own, len);
  return { lr: p.lr, momentum: p.momentum, own };
}

/**
 * Previews of the runs that have a schedule or switches: the lr of every step (ReduceLROnPlateau, which
 * depends on the losses, shows its starting lr), decimated to `threshold` points. Invalid runs have none.
 */
export function schedulePreviews(config: SessionConfig, threshold: number): SchedulePreview[] {
  const out: SchedulePreview[] = [];
  const steps = config.steps;
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= LIMITS.maxSteps)) return out;
  for (const r of config.runs) {
    if (!r.schedule && !r.then?.length) continue;
    try {
      checkRunSchedule(r, steps);
      const parts = [{ optimizer: r.optimizer, hyperparameters: r.hyperparameters, schedule: r.schedule, fromStep: 0 }, ...(r.then ?? [])];
      const lr = new Float64Array(steps);
      const mom = new Float64Array(steps);
      let cycled = false;
      parts.forEach((p, k) => {
        const end = k + 1 < parts.length ? parts[k + 1]!.fromStep : steps;
        const seg = segmentPreview(p.optimizer, p.hyperparameters, p.schedule, end - p.fromStep);
        lr.set(seg.lr, p.fromStep);
        if (seg.momentum) {
          cycled = true;
          mom.set(seg.momentum, p.fromStep);
        } else mom.fill(seg.own, p.fromStep, end);
      });
      out.push({
        runId: r.id,
        lr: decimateMinMax(lr, steps, threshold, 1),
        momentum: cycled ? decimateMinMax(mom, steps, threshold, 1) : null,
        switches: (r.then ?? []).map((s) => s.fromStep),
      });
    } catch {
      // its problem is reported by configProblems
    }
  }
  return out;
}
