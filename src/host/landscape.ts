// Landscapes of 2-parameter losses. Built-ins: computed on the host (pure core functions, ~20k
// evaluations, < 2 ms). Loss files are user code and never run on the extension host: the simulation
// worker evaluates their grid (`Runner.grid`, plain loss values, full training set) and the host
// turns it into levels and contour segments here. Window of a loss file: its `domain`, else
// `defaultWindow(start, minimum)` (src/protocol/contour.ts). Cells where loss() throws or is not
// finite are NaN and drawn as gaps; a grid that fails as a whole (load error, timeout) gives null:
// trajectories without a background, never a failed run.
import { statSync } from 'node:fs';
import { BUILTIN_LOSSES } from '../core';
import { buildLandscape, defaultWindow, LANDSCAPE_NX, LANDSCAPE_NY, landscapeFromGrid } from '../protocol/contour';
import type { Landscape } from '../protocol/messages';
import type { LossInfo, LossRef } from '../protocol/simulation';
import type { Runner } from './run/runnerApi';

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

const fileCache = new Map<string, { key: string; landscape: Landscape }>();

/**
 * The landscape of a 2-parameter loss file, evaluated by the worker. Cached per file until its
 * modification time, window or minima change (a save re-runs the panel, which asks again).
 * Resolves null (never rejects) when the grid cannot be computed or has no finite value.
 */
export async function fileLandscape(info: LossInfo, runner: Pick<Runner, 'grid'>, log?: (message: string) => void): Promise<Landscape | null> {
  if (info.dim !== 2 || info.ref.kind !== 'file' || !runner.grid) return null;
  const path = info.ref.path;
  const start: [number, number] = [info.start[0]!, info.start[1]!];
  const minimum = info.minima?.[0];
  const window = info.window ?? defaultWindow(start, minimum);
  let mtime = 0;
  try {
    mtime = statSync(path).mtimeMs;
  } catch {
    // Missing file: the worker reports it.
  }
  const key = JSON.stringify([mtime, window, info.minima ?? []]);
  const hit = fileCache.get(path);
  if (hit && hit.key === key) return hit.landscape;
  const nx = LANDSCAPE_NX;
  const ny = LANDSCAPE_NY;
  let values: Float64Array;
  try {
    values = await runner.grid({ loss: info.ref, window, nx, ny });
  } catch (e) {
    log?.(`No contour for ${path}: ${(e as { error?: { message?: string } }).error?.message ?? (e instanceof Error ? e.message : String(e))}`);
    return null;
  }
  if (values.length !== nx * ny || !values.some((v) => Number.isFinite(v))) {
    log?.(`No contour for ${path}: loss() gave no finite value on the ${nx} × ${ny} grid over x ∈ [${window.x.join(', ')}], y ∈ [${window.y.join(', ')}]`);
    return null;
  }
  const landscape = landscapeFromGrid({ x: [window.x[0], window.x[1]], y: [window.y[0], window.y[1]], nx, ny, values }, {
    minima: (info.minima ?? []).map((m) => ({ x: m.x, y: m.y, ...(m.f !== undefined ? { f: m.f } : {}), ...(m.label ? { label: m.label } : {}) })),
    start,
  });
  fileCache.set(path, { key, landscape });
  return landscape;
}

/** What run defaults need to know about a loss before it is described (built-ins only; files: null = PyTorch defaults). */
export function lossHint(ref: LossRef): Pick<LossInfo, 'start' | 'minima' | 'window' | 'suggestedLr'> | null {
  if (ref.kind !== 'builtin') return null;
  const b = BUILTIN_LOSSES[ref.name];
  return b ? { start: b.start, minima: b.minima, window: b.window, suggestedLr: b.suggestedLr } : null;
}
