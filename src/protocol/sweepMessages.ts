// The stability map's messages between host and webview (README "Stability map"): the webview asks for a
// sweep of one of its runs over one or two hyperparameter axes (`map/start`), the host streams the finished
// cells in batches (`map/didAppendCells`, columnar Float64Arrays: one message per chunk of cells, never one
// per cell) and ends with `map/didFinish`. Clicking a cell (`map/openCell`) runs that cell's configuration
// in the panel. Pure types + validation (no vscode, DOM or Node): host and webview import it.

import { OUTCOMES, MAX_AXIS_COUNT, type AxisScale, type Outcome } from '../core/sweep';
import type { OptimizerName } from '../core/types';

export { OUTCOMES, type Outcome };

/** One axis of a map: `count` values of hyperparameter `name` (or a pair component, `betas.0`). */
export interface MapAxis {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly scale: AxisScale;
  readonly count: number;
}

/** Most cells one map may have (48 × 48 is the default; 128 × 128 the most). */
export const MAX_MAP_CELLS = 128 * 128;
/** Cells per streamed batch (a 48 × 48 map arrives in 9 batches). */
export const MAP_BATCH_CELLS = 256;

/** Outcome codes in the columnar cell batches: index into OUTCOMES; -1 = the cell did not run (an error). */
export const OUTCOME_CODE: Readonly<Record<Outcome, number>> = Object.freeze(Object.fromEntries(OUTCOMES.map((o, i) => [o, i])) as Record<Outcome, number>);

export interface MapStarted {
  readonly type: 'map/didStart';
  readonly mapId: string;
  /** The panel run the map sweeps (its other hyperparameters, schedule and the panel's steps stay). */
  readonly runId: string;
  readonly optimizer: OptimizerName;
  readonly label: string;
  readonly axes: readonly MapAxis[];
  /** The values of each axis (exactly what the cells use). */
  readonly values: readonly Float64Array[];
  readonly steps: number;
  readonly total: number;
  /** f* used for "steps to tolerance" and the outcome (null: the gradient-norm criterion). */
  readonly fMin: number | null;
  readonly tolerance: number;
  /** How the cells run: the batched kernel, or the runner pool with N workers. */
  readonly kernel: string;
}

/** Cells that finished since the last batch; cell index = i0·count1 + i1 (axis 0 outer). NaN = null. */
export interface MapCells {
  readonly type: 'map/didAppendCells';
  readonly mapId: string;
  readonly index: Float64Array;
  /** OUTCOME_CODE, or -1 for a cell a user error ended. */
  readonly outcome: Float64Array;
  readonly finalLoss: Float64Array;
  readonly bestLoss: Float64Array;
  readonly stepsToTolerance: Float64Array;
  readonly divergedStep: Float64Array;
  readonly done: number;
  readonly total: number;
}

export interface MapFinished {
  readonly type: 'map/didFinish';
  readonly mapId: string;
  readonly phase: 'done' | 'cancelled' | 'failed';
  readonly message: string;
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
}

export type MapToWebview = MapStarted | MapCells | MapFinished;

/** What the webview drew of a map (tests read it on the host). */
export interface MapRenderSummary {
  readonly mapId: string;
  readonly cells: number;
  readonly total: number;
  readonly counts: Readonly<Record<string, number>>;
  /** The current run's position on the map (axis values), or null when it lies outside. */
  readonly marker: readonly number[] | null;
  readonly logX: boolean;
  readonly logY: boolean;
}

export type MapFromWebview =
  | { readonly type: 'map/start'; readonly runId: string; readonly axes: readonly MapAxis[] }
  | { readonly type: 'map/stop' }
  /** Run cell `index` of map `mapId` in the panel (that run's hyperparameters become the cell's). */
  | { readonly type: 'map/openCell'; readonly mapId: string; readonly index: number }
  | { readonly type: 'map/didRender'; readonly summary: MapRenderSummary };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 64 && /^[\w.:-]+$/.test(v);
const isInt = (v: unknown, lo: number, hi: number): v is number => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** An axis's shape (its hyperparameter and ranges are checked against the optimizer by the host, with the core's axisProblem). */
export function parseMapAxis(v: unknown): MapAxis | undefined {
  if (!isObj(v) || typeof v['name'] !== 'string' || !/^[a-z_][a-z0-9_]{0,40}(\.[01])?$/.test(v['name'])) return undefined;
  if (!isNum(v['min']) || !isNum(v['max']) || (v['scale'] !== 'log' && v['scale'] !== 'lin') || !isInt(v['count'], 1, MAX_AXIS_COUNT)) return undefined;
  return { name: v['name'], min: v['min'], max: v['max'], scale: v['scale'], count: v['count'] };
}

/** A map/* message from the webview, or undefined (not one, or malformed). Never throws. */
export function parseMapFromWebview(raw: unknown): MapFromWebview | undefined {
  if (!isObj(raw) || typeof raw['type'] !== 'string') return undefined;
  switch (raw['type']) {
    case 'map/start': {
      const a = raw['axes'];
      if (!isId(raw['runId']) || !Array.isArray(a) || a.length < 1 || a.length > 2) return undefined;
      const axes = a.map(parseMapAxis);
      if (axes.some((x) => !x)) return undefined;
      if (axes.reduce((n, x) => n * x!.count, 1) > MAX_MAP_CELLS) return undefined;
      if (axes.length === 2 && axes[0]!.name === axes[1]!.name) return undefined;
      return { type: 'map/start', runId: raw['runId'], axes: axes as MapAxis[] };
    }
    case 'map/stop':
      return { type: 'map/stop' };
    case 'map/openCell':
      return isId(raw['mapId']) && isInt(raw['index'], 0, MAX_MAP_CELLS - 1) ? { type: 'map/openCell', mapId: raw['mapId'], index: raw['index'] } : undefined;
    case 'map/didRender': {
      const s = raw['summary'];
      if (!isObj(s) || !isId(s['mapId']) || !isInt(s['cells'], 0, MAX_MAP_CELLS) || !isInt(s['total'], 0, MAX_MAP_CELLS)) return undefined;
      if (typeof s['logX'] !== 'boolean' || typeof s['logY'] !== 'boolean' || !isObj(s['counts'])) return undefined;
      const counts: Record<string, number> = {};
      for (const k of Object.keys(s['counts'])) {
        const c = s['counts'][k];
        if (!(OUTCOMES as readonly string[]).includes(k) && k !== 'error') return undefined;
        if (!isInt(c, 0, MAX_MAP_CELLS)) return undefined;
        counts[k] = c;
      }
      const m = s['marker'];
      if (m !== null && !(Array.isArray(m) && m.length <= 2 && m.every(isNum))) return undefined;
      return { type: 'map/didRender', summary: { mapId: s['mapId'], cells: s['cells'], total: s['total'], counts, marker: m as number[] | null, logX: s['logX'], logY: s['logY'] } };
    }
    default:
      return undefined;
  }
}

/**
 * The map axes the panel proposes for an optimizer (README "Stability map"): lr on a log grid 1e-4…1, and
 * its momentum-like hyperparameter (SGD's momentum, the Adam family's β₁, RMSprop's alpha, Lion's β₁) on a
 * linear grid 0…0.99, 48 values each — Distill's "Why Momentum Really Works" map for SGD with momentum.
 */
export function defaultMapAxes(numeric: readonly string[]): MapAxis[] {
  const out: MapAxis[] = [];
  if (numeric.includes('lr')) out.push({ name: 'lr', min: 1e-4, max: 1, scale: 'log', count: 48 });
  const second = ['momentum', 'betas.0', 'alpha', 'rho'].find((n) => numeric.includes(n));
  if (second) out.push({ name: second, min: 0, max: 0.99, scale: 'lin', count: 48 });
  if (!out.length && numeric.length) out.push({ name: numeric[0]!, min: 1e-4, max: 1, scale: 'log', count: 48 });
  return out;
}
