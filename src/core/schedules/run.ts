// A run's optimizers with their schedules and switches, from plain configuration (names, hyperparameters,
// schedule configs): what the runner and the CLI both build before a Simulation.

import { createOptimizer } from '../optimizers/registry';
import { momentumKindOf } from '../optimizers/common';
import { getOptimizerDefinition } from '../optimizers/registry';
import type { SegmentSpec } from '../simulation';
import type { HyperValue, Optimizer, OptimizerName, OptimizerOptions } from '../types';
import { checkSchedule, createScheduler, paramGroup } from './schedulers';
import type { ScheduleConfig } from './schema';

/** A switch as configured: after `fromStep` steps, `optimizer` takes over with fresh state. */
export interface SegmentConfig {
  readonly optimizer: OptimizerName;
  readonly hyperparameters: Readonly<Record<string, HyperValue>>;
  readonly fromStep: number;
  readonly schedule?: ScheduleConfig;
}

/**
 * The optimizer of one segment. When its schedule cycles momentum / β₁ (cycle_momentum), the constructed
 * schedule's value replaces the hyperparameter, as torch's scheduler overwrites group['momentum'] /
 * group['betas'] at construction (so SGD with momentum 0 under OneCycleLR keeps a momentum buffer, as torch's does).
 */
export function createScheduledOptimizer(name: OptimizerName, hp: Readonly<Record<string, HyperValue>>, schedule: ScheduleConfig | undefined, options?: OptimizerOptions): Optimizer {
  const o = createOptimizer(name, hp, options);
  if (!schedule) return o;
  const kind = momentumKindOf(getOptimizerDefinition(name).hyperparameters);
  const own = kind === 'momentum' ? (o.hyperparameters['momentum'] as number) : kind === 'beta1' ? (o.hyperparameters['betas'] as readonly [number, number])[0] : NaN;
  const g = paramGroup((o.hyperparameters['lr'] as number | undefined) ?? 0, kind, own);
  createScheduler(schedule, g);
  if (!g.momentumCycled || g.momentum === own) return o;
  const betas = o.hyperparameters['betas'] as readonly [number, number] | undefined;
  return createOptimizer(name, { ...hp, ...(kind === 'momentum' ? { momentum: g.momentum } : { betas: [g.momentum, betas![1]] as const }) }, options);
}

/**
 * The segments of a run after its first optimizer, checked against the run's `steps`. `options` (the
 * run's convention and dtype) apply to every segment's optimizer; a learning-rate function in them
 * (`schedule`, the lr range test) belongs to the first optimizer only and is not passed on.
 */
export function createSegments(then: readonly SegmentConfig[], steps: number, options?: OptimizerOptions): SegmentSpec[] {
  const own: OptimizerOptions | undefined = options ? { ...(options.convention ? { convention: options.convention } : {}), ...(options.dtype ? { dtype: options.dtype } : {}) } : undefined;
  const out: SegmentSpec[] = [];
  let prev = 0;
  then.forEach((s, k) => {
    if (!Number.isSafeInteger(s.fromStep) || s.fromStep <= prev || s.fromStep >= steps) {
      throw new RangeError(`switch ${k + 1} (${s.optimizer} @${s.fromStep}): the step must be an integer after ${prev === 0 ? 'step 0' : `the previous switch (@${prev})`} and before the run's last step (${steps})`);
    }
    const end = k + 1 < then.length ? then[k + 1]!.fromStep : steps;
    if (s.schedule) checkSchedule(s.schedule, Math.max(0, end - s.fromStep));
    prev = s.fromStep;
    out.push({ optimizer: createScheduledOptimizer(s.optimizer, s.hyperparameters, s.schedule, own), fromStep: s.fromStep, ...(s.schedule ? { schedule: s.schedule } : {}) });
  });
  return out;
}
