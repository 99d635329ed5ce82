// Typed access to the webview API. acquireVsCodeApi() is called once and kept in this module's
// closure (not on window), as the webview guide asks.
import type { FromWebview, SessionConfig } from '../src/protocol/messages';

/** What survives a reload (getState/setState): UI state + the config the serializer re-runs. */
export interface PersistedState {
  readonly panelId?: string;
  readonly config?: SessionConfig;
  readonly ui?: Partial<UiState>;
}

export interface UiState {
  step: number;
  activeRun: string | null;
  momentState: string | null;
  stepSizeMode: 'stepSize' | 'updateRatio';
  showGradNorm: boolean;
  convergenceScale: 'auto' | 'log' | 'linear';
  focus: string | null;
  /** Log step axis on every step chart (steps ≥ 1). */
  logSteps?: boolean;
  /** N-parameter losses: the landscape card shows the PCA plane (default) or θ over steps. */
  ndView?: 'plane' | 'params';
}

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi = acquireVsCodeApi();

export function post(msg: FromWebview): void {
  api.postMessage(msg);
}

export function getState(): PersistedState {
  const s = api.getState();
  return typeof s === 'object' && s !== null ? (s as PersistedState) : {};
}

/** Merges by key into the persisted state. */
export function setState(patch: PersistedState): void {
  const cur = getState();
  api.setState({ ...cur, ...patch, ui: { ...(cur.ui ?? {}), ...(patch.ui ?? {}) } });
}
