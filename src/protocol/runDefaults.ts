// Starting hyperparameters of a new run and the optimizer schema sent to the webview. Pure; used by
// the host only (the webview receives the results as data and never imports the core).
//
// PyTorch's defaults are tuned for neural networks: on the 2-D teaching losses many of them crawl
// (Adam's lr = 1e-3 moves each coordinate ~1e-3 per step; 500 steps barely leave the start). So on a
// loss with a known scale (built-ins: start point, minima, suggestedLr) the learning rate is set
// per loss and per optimizer family; every other hyperparameter keeps PyTorch's default.

import { OPTIMIZERS } from '../core/optimizers/registry';
import type { HyperValue, OptimizerName } from '../core/types';
import type { OptimizerSchema } from './messages';
import type { LossInfo } from './simulation';

export function optimizerSchemas(): OptimizerSchema[] {
  return Object.values(OPTIMIZERS).map((d) => ({
    name: d.name,
    label: d.label,
    torchName: d.torchName,
    hyperparameters: d.hyperparameters,
    equations: d.equations,
    effectiveLrDefinition: d.effectiveLrDefinition,
    stateNames: d.stateNames,
    extraDiagnosticNames: d.extraDiagnosticNames,
  }));
}

/** PyTorch's defaults for every hyperparameter. */
export function torchDefaults(name: OptimizerName): Record<string, HyperValue> {
  const out: Record<string, HyperValue> = {};
  for (const s of OPTIMIZERS[name].hyperparameters) out[s.name] = s.default;
  return out;
}

/** Rounds to 1, 2 or 5 × 10^k (the values a person would type). */
export function niceNumber(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return v;
  const e = Math.floor(Math.log10(v));
  const m = v / 10 ** e;
  const nm = m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10;
  return Number((nm * 10 ** e).toPrecision(12));
}

/** Distance the optimizer has to travel: start → nearest known minimum, else a quarter of the window diagonal. */
export function travelDistance(loss: Pick<LossInfo, 'start' | 'minima' | 'window'>): number | undefined {
  const s = loss.start;
  if (s.length !== 2) return undefined;
  if (loss.minima && loss.minima.length) {
    return Math.min(...loss.minima.map((m) => Math.hypot(m.x - s[0]!, m.y - s[1]!)));
  }
  if (loss.window) return Math.hypot(loss.window.x[1] - loss.window.x[0], loss.window.y[1] - loss.window.y[0]) / 4;
  return undefined;
}

/**
 * The learning rate a new run of `name` starts with on this loss, or undefined for PyTorch's default.
 *  - SGD/momentum: the loss's `suggestedLr` (stable for plain GD by construction).
 *  - Adam family, signSGD, Lion: each step moves a coordinate by about lr, so lr ≈ distance / (steps / 2.5).
 *  - RMSprop: the same, but its first steps move ~10·lr (v starts at 0 without bias correction): lr ≈ distance / steps.
 *  - AdaGrad: steps shrink like 1/√t, travel ≈ 2·lr·√T.
 *  - Adadelta and Rprop adapt their own step size: PyTorch's defaults.
 */
export function suggestedLr(name: OptimizerName, loss: Pick<LossInfo, 'start' | 'minima' | 'window' | 'suggestedLr'>, steps: number): number | undefined {
  if (name === 'sgd') return loss.suggestedLr;
  const d = travelDistance(loss);
  if (d === undefined || !(d > 0)) return undefined;
  const T = Math.max(10, steps);
  switch (name) {
    case 'adam': case 'adamw': case 'adamax': case 'nadam': case 'radam': case 'signsgd': case 'lion':
      return niceNumber((2.5 * d) / T);
    case 'rmsprop':
      return niceNumber(d / T);
    case 'adagrad':
      return niceNumber(d / (2 * Math.sqrt(T)));
    default:
      return undefined;
  }
}

/** Hyperparameters a new run starts with: PyTorch's defaults, lr tuned per loss where they would crawl. */
export function defaultHyperparameters(
  name: OptimizerName,
  loss: Pick<LossInfo, 'start' | 'minima' | 'window' | 'suggestedLr'> | null,
  steps: number,
): Record<string, HyperValue> {
  const h = torchDefaults(name);
  const lr = loss ? suggestedLr(name, loss, steps) : undefined;
  if (lr !== undefined && 'lr' in h) h['lr'] = lr;
  return h;
}

/** `defaultHyperparameters` for every optimizer (the snapshot's `suggested`). */
export function suggestedForAll(loss: Pick<LossInfo, 'start' | 'minima' | 'window' | 'suggestedLr'> | null, steps: number): Record<string, Record<string, HyperValue>> {
  const out: Record<string, Record<string, HyperValue>> = {};
  for (const name of Object.keys(OPTIMIZERS) as OptimizerName[]) out[name] = defaultHyperparameters(name, loss, steps);
  return out;
}
