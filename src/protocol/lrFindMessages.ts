// The panel's "Find a learning rate" (README "Find a learning rate in the panel"): the webview asks for the
// learning-rate range test of one of its runs (`lrFind/start`); the host runs it (src/host/panel/lrFindSession.ts,
// the same run and analysis as `optimizer-diagnostics lr-find`) and answers with the curve as columnar
// Float64Arrays and the three suggestions (`lrFind/didFinish`). Pure types + validation.

export interface LrFindSuggestionData {
  readonly lr: number;
  readonly step: number;
}

export interface LrFindFinished {
  readonly type: 'lrFind/didFinish';
  readonly seq: number;
  readonly runId: string;
  readonly label: string;
  readonly phase: 'done' | 'failed' | 'cancelled';
  readonly message: string;
  readonly min: number;
  readonly max: number;
  readonly steps: number;
  /** One point per step the test kept: its lr, f(θ) and the bias-corrected EMA (β = 0.98). */
  readonly lr: Float64Array;
  readonly loss: Float64Array;
  readonly smoothed: Float64Array;
  readonly stop: 'diverged' | 'non-finite' | 'completed' | null;
  readonly steepest: LrFindSuggestionData | null;
  readonly valley: LrFindSuggestionData | null;
  readonly minOver10: LrFindSuggestionData | null;
}

export type LrFindToWebview = { readonly type: 'lrFind/didStart'; readonly seq: number; readonly runId: string } | LrFindFinished;

export type LrFindFromWebview =
  | { readonly type: 'lrFind/start'; readonly seq: number; readonly runId: string; readonly min: number; readonly max: number; readonly steps: number }
  | { readonly type: 'lrFind/stop' };

/** The CLI's defaults (`lr-find --min 1e-7 --max 10 --steps 100`). */
export const LR_FIND_DEFAULTS = Object.freeze({ min: 1e-7, max: 10, steps: 100 });
export const LR_FIND_MAX_STEPS = 100_000;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** An lrFind/* message from the webview, or undefined. Never throws. */
export function parseLrFindFromWebview(raw: unknown): LrFindFromWebview | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const m = raw as Record<string, unknown>;
  if (m['type'] === 'lrFind/stop') return { type: 'lrFind/stop' };
  if (m['type'] !== 'lrFind/start') return undefined;
  const { seq, runId, min, max, steps } = m;
  if (!Number.isInteger(seq) || (seq as number) < 0) return undefined;
  if (typeof runId !== 'string' || !/^[\w.:-]{1,64}$/.test(runId)) return undefined;
  if (!isNum(min) || !isNum(max) || !(min > 0) || !(max > min)) return undefined;
  if (!Number.isInteger(steps) || (steps as number) < 2 || (steps as number) > LR_FIND_MAX_STEPS) return undefined;
  return { type: 'lrFind/start', seq: seq as number, runId, min, max, steps: steps as number };
}
