// Landscapes of 2-parameter losses, computed on the host for built-ins (pure core functions, ~20k
// evaluations, < 2 ms). Loss files are user code and never run on the extension host: their panel
// draws trajectories over the window without the filled contour until the worker can evaluate grids.
import { BUILTIN_LOSSES } from '../core';
import { buildLandscape } from '../protocol/contour';
import type { Landscape } from '../protocol/messages';
import type { LossInfo, LossRef } from '../protocol/simulation';

const cache = new Map<string, Landscape>();

export function landscapeFor(info: LossInfo): Landscape | null {
  if (info.dim !== 2 || info.ref.kind !== 'builtin') return null;
  const b = BUILTIN_LOSSES[info.ref.name];
  if (!b) return null;
  const hit = cache.get(b.name);
  if (hit) return hit;
  const scratch = new Float64Array(2);
  const l = buildLandscape((x, y) => b.evaluate(x, y, scratch), {
    window: b.window,
    minima: b.minima.map((m) => ({ x: m.x, y: m.y, f: m.f, ...(m.label ? { label: m.label } : {}) })),
    start: b.start,
  });
  cache.set(b.name, l);
  return l;
}

/** What run defaults need to know about a loss before it is described (built-ins only; files: null = PyTorch defaults). */
export function lossHint(ref: LossRef): Pick<LossInfo, 'start' | 'minima' | 'window' | 'suggestedLr'> | null {
  if (ref.kind !== 'builtin') return null;
  const b = BUILTIN_LOSSES[ref.name];
  return b ? { start: b.start, minima: b.minima, window: b.window, suggestedLr: b.suggestedLr } : null;
}
