// The panel's "tune learning rates first (fair comparison)" (README "Tuned comparison in the panel"): the
// webview asks to tune every run's lr (`tune/start`); the host runs `compare --tune lr`'s search per run on
// the runner pool (src/host/panel/tuneSession.ts), reports progress, answers with each run's sensitivity
// curve (columnar) and tuned lr (`tune/didFinish`), then runs the comparison at the tuned lrs. Pure.
import type { Objective } from '../core/tune';

export const OBJECTIVES: readonly Objective[] = ['final-loss', 'steps', 'distance'];

export interface TunedRunData {
  readonly runId: string;
  readonly label: string;
  readonly tunedLr: number;
  /** The objective at the tuned lr: [primary, tie-breaker]. */
  readonly value: readonly [number | null, number | null];
  /** Every evaluated point, sorted by lr: lr, primary objective (NaN for +∞ / not finite), stage (0 grid, 1 golden). */
  readonly lr: Float64Array;
  readonly objective: Float64Array;
  readonly stage: Float64Array;
}

export interface TuneFinished {
  readonly type: 'tune/didFinish';
  readonly seq: number;
  readonly phase: 'done' | 'failed' | 'cancelled';
  readonly message: string;
  readonly objective: Objective;
  readonly steps: number;
  /** The budget every optimizer got: grid runs + golden-section runs. */
  readonly budget: { readonly grid: number; readonly golden: number; readonly runsPerOptimizer: number; readonly gridText: string };
  readonly runs: readonly TunedRunData[];
}

export type TuneToWebview =
  | { readonly type: 'tune/didProgress'; readonly seq: number; readonly done: number; readonly total: number }
  | TuneFinished;

export type TuneFromWebview =
  | { readonly type: 'tune/start'; readonly seq: number; readonly objective: Objective }
  | { readonly type: 'tune/stop' };

/** A tune/* message from the webview, or undefined. Never throws. */
export function parseTuneFromWebview(raw: unknown): TuneFromWebview | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const m = raw as Record<string, unknown>;
  if (m['type'] === 'tune/stop') return { type: 'tune/stop' };
  if (m['type'] !== 'tune/start') return undefined;
  if (!Number.isInteger(m['seq']) || (m['seq'] as number) < 0) return undefined;
  if (!(OBJECTIVES as readonly unknown[]).includes(m['objective'])) return undefined;
  return { type: 'tune/start', seq: m['seq'] as number, objective: m['objective'] as Objective };
}
