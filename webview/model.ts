// The webview's copy of what the host sent (the host owns the data: this is rebuilt from every
// `run/snapshot`) plus the streaming updates.
import type { OptimizerName } from '../src/core/types';
import type {
  AxisLinks,
  ConventionSchema,
  Landscape,
  OptimizerSchema,
  PanelSettings,
  PanelSnapshot,
  RunSeries,
  RunStatus,
  SessionConfig,
} from '../src/protocol/messages';
import type { LossError, LossInfo } from '../src/protocol/simulation';

export class Model {
  panelId = '';
  config: SessionConfig = { loss: { kind: 'builtin', name: 'canyon' }, runs: [], steps: 500, seed: 0 };
  optimizers = new Map<OptimizerName, OptimizerSchema>();
  conventions: readonly ConventionSchema[] = [];
  suggested: PanelSnapshot['suggested'] = {};
  suggestedSource: PanelSnapshot['suggestedSource'] = {};
  loss: LossInfo | null = null;
  landscape: Landscape | null = null;
  runs = new Map<string, RunSeries>();
  selectedParams: readonly number[] = [];
  paramMagnitudes: Float64Array = new Float64Array(0);
  status: RunStatus = { phase: 'idle', requestId: null, message: null };
  error: LossError | null = null;
  settings: PanelSettings = { liveUpdate: true, decimationThreshold: 1000, liveUpdateMaxWork: 400_000 };
  links: AxisLinks | null = null;
  trusted = true;
  /** Per run id: steps done / total of the request in flight. */
  progress = new Map<string, { done: number; total: number }>();
  hydrated = false;

  applySnapshot(s: PanelSnapshot): void {
    this.panelId = s.panelId;
    this.config = s.config;
    this.optimizers = new Map(s.optimizers.map((o) => [o.name, o]));
    this.conventions = s.conventions ?? [];
    this.suggested = s.suggested;
    this.suggestedSource = s.suggestedSource ?? {};
    this.loss = s.loss;
    this.landscape = s.landscape;
    this.runs = new Map(s.runs.map((r) => [r.runId, r]));
    this.selectedParams = s.selectedParams;
    this.paramMagnitudes = s.paramMagnitudes;
    this.status = s.status;
    this.error = s.error;
    this.settings = s.settings;
    this.links = s.links;
    this.trusted = s.trusted;
    this.hydrated = true;
  }

  /** Runs with data, in the config's order. */
  orderedRuns(): RunSeries[] {
    return this.config.runs.map((r) => this.runs.get(r.id)).filter((r): r is RunSeries => !!r);
  }

  /** Drops data of runs no longer configured. */
  prune(): void {
    const ids = new Set(this.config.runs.map((r) => r.id));
    for (const id of [...this.runs.keys()]) if (!ids.has(id)) this.runs.delete(id);
  }

  maxStep(): number {
    return Math.max(1, this.config.steps, ...this.orderedRuns().map((r) => r.stepsCompleted));
  }
}
