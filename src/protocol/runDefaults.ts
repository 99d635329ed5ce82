// Starting hyperparameters of a new run and the optimizer schema sent to the webview. Pure; used by
// the host only (the webview receives the results as data and never imports the core).
//
// PyTorch's defaults are tuned for neural networks: on the 2-D teaching losses many of them crawl
// (Adam's lr = 1e-3 moves each coordinate ~1e-3 per step; 500 steps barely leave the start). So on a
// loss with a known scale (built-ins: start point, minima, suggestedLr) the learning rate is set
// per loss and per optimizer family; every other hyperparameter keeps PyTorch's default.

import { BUILTIN_LOSSES } from '../core/losses/builtins';
import { CONVENTIONS, CONVENTION_NAMES } from '../core/optimizers/common';
import { OPTIMIZERS } from '../core/optimizers/registry';
import type { HyperValue, OptimizerName } from '../core/types';
import type { ConventionSchema, OptimizerSchema } from './messages';
import type { LossInfo, LossRef } from './simulation';

/** What the defaults know about a loss: its scale (built-ins), its name, whether it is a loss file. */
export type LossHint = Pick<LossInfo, 'start' | 'minima' | 'window' | 'suggestedLr'> & { readonly name?: string; readonly file?: boolean };

/** The hint of a loss reference before it has been described (built-ins: their table entry; files: just "a file"). */
export function lossHintOf(ref: LossRef): LossHint | null {
  if (ref.kind === 'file') return { start: [], file: true };
  const b = BUILTIN_LOSSES[ref.name];
  // a built-in data problem (overparam-logistic) has no 2-D table entry: its name still finds its tuning
  return b ? { start: b.start, minima: b.minima, window: b.window, suggestedLr: b.suggestedLr, name: b.name } : { start: [], name: ref.name };
}

/** The hint of a described loss (the panel's LossInfo). */
export function lossHintOfInfo(info: LossInfo | null): LossHint | null {
  if (!info) return null;
  return { start: info.start, minima: info.minima, window: info.window, suggestedLr: info.suggestedLr, ...(info.ref.kind === 'builtin' ? { name: info.ref.name } : { file: true }) };
}

/**
 * Losses whose generic rule below shows too little (measured with the CLI, final f of each default):
 * Rosenbrock's curved valley needs more steps than the 500 default and larger rates than the distance
 * rule gives: in 2000 steps SGD (lr 1e-3) ends at f = 0.20, SGD + momentum 0.9 (same lr) 1.4e-8,
 * RMSprop (5e-3) 8.6e-3, Adam (0.02) 2.2e-5, against 5.2, 2.7 and 4.2 with 500 steps and the generic rates.
 * overparam-logistic (separable data: the loss only tends to 0) has no start → minimum distance for the generic
 * rule, so every optimizer began at PyTorch's 1e-3 (SGD: 0.69 → 0.47 in 500 steps). The rates below bring the
 * training loss under 1e-2 in 500 steps (CLI, final f): SGD 0.5 → 2.9e-3 (with momentum 0.9: 5.8e-5), AdaGrad
 * 0.1 → 1.9e-3, RMSprop 0.01 → 4.3e-4, Adam 0.05 → 2.0e-4, AdamW 4.0e-4, NAdam 2.5e-4, RAdam and Adamax 1.9e-3,
 * Lion 5e-3 → 3.0e-8, signSGD 0.01 → 8.0e-18.
 */
const LOSS_TUNING: Readonly<Record<string, { readonly steps?: number; readonly why: string; readonly lr: Partial<Record<OptimizerName, number>> }>> = {
  rosenbrock: { steps: 2000, why: 'tuned to reach its minimum in 2000 steps', lr: { sgd: 1e-3, rmsprop: 5e-3, adam: 0.02, adamw: 0.02, nadam: 0.02, radam: 0.02, adamax: 0.02 } },
  'overparam-logistic': {
    why: 'tuned to bring the training loss under 1e-2 in 500 steps',
    lr: { sgd: 0.5, adagrad: 0.1, rmsprop: 0.01, adam: 0.05, adamw: 0.05, nadam: 0.05, radam: 0.05, adamax: 0.05, lion: 5e-3, signsgd: 0.01 },
  },
};

/**
 * Loss files have no known scale. PyTorch's lr = 1e-3 barely moves the examples in 500 steps (mlp
 * 0.69 → 0.29 with Adam, linear regression 6.2 → 2.9); ten times that does (Adam lr 0.01: mlp → 0.010,
 * linear regression → 0.035 = its minimum), and plain SGD at 0.05 (mlp → 0.28, linear regression → 0.035).
 */
const FILE_LR: Partial<Record<OptimizerName, number>> = {
  sgd: 0.05, rmsprop: 0.01, adam: 0.01, adamw: 0.01, adamax: 0.01, nadam: 0.01, radam: 0.01, signsgd: 0.01, lion: 1e-3,
};

/** Steps a new run of this loss starts with when the steps setting is left at its default, or undefined. */
export function suggestedSteps(hint: LossHint | null): number | undefined {
  return hint?.name ? LOSS_TUNING[hint.name]?.steps : undefined;
}

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
    conventionEquations: Object.fromEntries(Object.entries(d.conventions).map(([k, f]) => [k, f!.equations])),
    conventionDefaults: Object.fromEntries(Object.entries(d.conventions).map(([k, f]) => [k, f!.defaults])),
  }));
}

/** The core's numerical conventions as the panel's picker shows them. */
export function conventionSchemas(): ConventionSchema[] {
  return CONVENTION_NAMES.map((n) => {
    const c = CONVENTIONS[n];
    return { name: n, description: c.description, optimizers: c.optimizers, dtypes: c.dtypes };
  });
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
export function suggestedLr(name: OptimizerName, loss: LossHint, steps: number): number | undefined {
  return suggestion(name, loss, steps)?.lr;
}

/** The suggested lr and where it comes from (shown next to the field), or undefined for PyTorch's default. */
export function suggestion(name: OptimizerName, loss: LossHint, steps: number): { lr: number; source: string } | undefined {
  const tuned = loss.name ? LOSS_TUNING[loss.name]?.lr[name] : undefined;
  if (tuned !== undefined) return { lr: tuned, source: `suggested for ${loss.name} (${LOSS_TUNING[loss.name!]!.why})` };
  if (loss.file) {
    const lr = FILE_LR[name];
    return lr !== undefined ? { lr, source: 'suggested for loss files (PyTorch\'s 1e-3 barely moves them)' } : undefined;
  }
  const lr = genericLr(name, loss, steps);
  if (lr === undefined) return undefined;
  return { lr, source: name === 'sgd' ? `suggested for ${loss.name ?? 'this loss'} (stable for plain gradient descent)` : `suggested for ${loss.name ?? 'this loss'} (distance start → minimum over ${steps} steps)` };
}

function genericLr(name: OptimizerName, loss: LossHint, steps: number): number | undefined {
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
  loss: LossHint | null,
  steps: number,
): Record<string, HyperValue> {
  const h = torchDefaults(name);
  const lr = loss ? suggestedLr(name, loss, steps) : undefined;
  if (lr !== undefined && 'lr' in h) h['lr'] = lr;
  return h;
}

/** `defaultHyperparameters` for every optimizer (the snapshot's `suggested`). */
export function suggestedForAll(loss: LossHint | null, steps: number): Record<string, Record<string, HyperValue>> {
  const out: Record<string, Record<string, HyperValue>> = {};
  for (const name of Object.keys(OPTIMIZERS) as OptimizerName[]) out[name] = defaultHyperparameters(name, loss, steps);
  return out;
}

/** Per optimizer and hyperparameter: where `suggestedForAll`'s value comes from. */
export function suggestedSources(loss: LossHint | null, steps: number): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const name of Object.keys(OPTIMIZERS) as OptimizerName[]) {
    const src: Record<string, string> = {};
    for (const spec of OPTIMIZERS[name].hyperparameters) src[spec.name] = 'PyTorch default';
    const s = loss ? suggestion(name, loss, steps) : undefined;
    if (s && 'lr' in src) src['lr'] = s.source;
    out[name] = src;
  }
  return out;
}
