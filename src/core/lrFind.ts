// The learning-rate range test (README "Learning-rate range test"), fastai's protocol:
//   step t = 1..N uses lr_t = min·(max/min)^((t−1)/(N−1)) (exponential growth per step);
//   point t is (lr_t, f(θ_{t−1})): the loss at which step t's gradient is taken, as fastai records the batch
//   loss of the step that uses lr_t;
//   smoothed loss: a_t = β a_{t−1} + (1 − β) f_t, a_0 = 0, s_t = a_t / (1 − β^t), β = 0.98 (bias-corrected EMA);
//   the test stops after the first point with s_t > 4·min_{u<t} s_u (or a non-finite loss), that point included.
// Suggestions, on the points kept:
//   steepest   the lr where the slope of s against log10 lr (central differences, np.gradient's interior formula)
//              is most negative, among points after a burn-in of 10 % of N (points t > ⌊N/10⌋, interior only);
//   valley     fastai's: on the points with index ⌊N/10⌋ … (kept − 5) (fastai's trim `[num_it//10 : −5]`), the
//              longest strictly decreasing run found by the longest-decreasing-subsequence recurrence
//              (ℓ_i = 1 + max ℓ_j over j < i with s_i < s_j; end = first i of the largest ℓ, start = end − ℓ_end),
//              then the point start + ⌊(end − start)/3⌋ + ⌊(end − start)/6⌋;
//   min/10     the lr at the smallest smoothed loss, divided by 10.

import type { LrSchedule } from './types';

export const LR_FIND_BETA = 0.98;
export const LR_FIND_STOP_FACTOR = 4;

/** The range test's learning rate of step t (1-based) for `steps` steps from min to max. */
export function lrRangeAt(t: number, min: number, max: number, steps: number): number {
  if (steps <= 1) return min;
  return min * (max / min) ** ((t - 1) / (steps - 1));
}

/** The range test as a schedule (the base lr is ignored). */
export function lrRangeSchedule(min: number, max: number, steps: number): LrSchedule {
  return (t) => lrRangeAt(Math.min(t, steps), min, max, steps);
}

export interface LrFindPoint {
  readonly step: number;
  readonly lr: number;
  readonly loss: number;
  readonly smoothed: number;
}

export interface LrSuggestion {
  readonly lr: number;
  readonly step: number;
}

export interface LrFindResult {
  readonly points: readonly LrFindPoint[];
  /** Why the test ended: 'diverged' (s_t > 4·min), 'non-finite', or 'completed' (all N steps). */
  readonly stop: 'diverged' | 'non-finite' | 'completed';
  readonly steepest: LrSuggestion | null;
  readonly valley: LrSuggestion | null;
  readonly minOver10: LrSuggestion | null;
}

/**
 * The test on a recorded run: `lrs[t−1]` is the lr of step t, `losses[t−1]` = f(θ_{t−1}) (the recording's
 * loss rows 0..N−1), `steps` = N requested.
 */
export function analyzeLrRange(lrs: ArrayLike<number>, losses: ArrayLike<number>, steps: number): LrFindResult {
  const points: LrFindPoint[] = [];
  let avg = 0;
  let best = Infinity;
  let stop: LrFindResult['stop'] = 'completed';
  const n = Math.min(lrs.length, losses.length);
  for (let t = 1; t <= n; t++) {
    const f = losses[t - 1]!;
    if (!Number.isFinite(f)) {
      stop = 'non-finite';
      break;
    }
    avg = LR_FIND_BETA * avg + (1 - LR_FIND_BETA) * f;
    const s = avg / (1 - LR_FIND_BETA ** t);
    points.push({ step: t, lr: lrs[t - 1]!, loss: f, smoothed: s });
    if (t > 1 && s > LR_FIND_STOP_FACTOR * best) {
      stop = 'diverged';
      break;
    }
    if (s < best) best = s;
  }
  if (stop === 'completed' && n < steps) stop = 'non-finite'; // the run itself stopped (non-finite parameters)
  const burn = Math.floor(steps / 10);
  const lr = points.map((p) => p.lr);
  const sm = points.map((p) => p.smoothed);
  const si = steepestIndex(lr, sm, burn);
  const steepest = si < 0 ? null : { lr: points[si]!.lr, step: points[si]!.step };
  const v = sm.slice(burn, Math.max(burn, points.length - 5));
  const vi = v.length >= 2 ? valleyIndex(v) : -1;
  const valley = vi < 0 ? null : { lr: points[burn + vi]!.lr, step: points[burn + vi]!.step };
  let minOver10: LrSuggestion | null = null;
  let kMin = -1;
  for (let i = 0; i < points.length; i++) if (kMin < 0 || points[i]!.smoothed < points[kMin]!.smoothed) kMin = i;
  if (kMin >= 0) minOver10 = { lr: points[kMin]!.lr / 10, step: points[kMin]!.step };
  return { points, stop, steepest, valley, minOver10 };
}

/** Index of the most negative central difference (y[i+1] − y[i−1]) / (log10 x[i+1] − log10 x[i−1]), interior i ≥ max(1, from); −1 if none. */
export function steepestIndex(x: readonly number[], y: readonly number[], from: number): number {
  let best = -1;
  let slopeMin = Infinity;
  for (let i = Math.max(1, from); i < y.length - 1; i++) {
    const slope = (y[i + 1]! - y[i - 1]!) / (Math.log10(x[i + 1]!) - Math.log10(x[i - 1]!));
    if (slope < slopeMin) {
      slopeMin = slope;
      best = i;
    }
  }
  return best;
}

/**
 * fastai's valley on y: ℓ_i = longest strictly decreasing subsequence ending at i (ℓ_i = 1 + max ℓ_j, j < i,
 * y_i < y_j); end = the first i with the largest ℓ, start = end − ℓ_end; the index start + ⌊(end − start)/3⌋ +
 * ⌊(end − start)/6⌋ (clamped to y's indices).
 */
export function valleyIndex(y: readonly number[]): number {
  const len = new Array<number>(y.length).fill(1);
  let end = 0;
  let start = 0;
  for (let i = 1; i < y.length; i++) {
    for (let j = 0; j < i; j++) {
      if (y[i]! < y[j]! && len[i]! < len[j]! + 1) len[i] = len[j]! + 1;
      if (len[end]! < len[i]!) {
        end = i;
        start = end - len[end]!;
      }
    }
  }
  const sections = (end - start) / 3;
  return Math.min(y.length - 1, Math.max(0, start + Math.trunc(sections) + Math.trunc(sections / 2)));
}
