// A panel's tuned comparison (README "Tuned comparison in the panel"): every run's lr searched exactly as
// `compare --tune lr` searches it (src/core/tune.ts: the log grid 1e-5…10, three per decade, then golden-section
// search in log lr; the same number of runs per optimizer; objective final loss, steps to tolerance or
// distance + mean loss, via the core's runFacts), each evaluation batch one job on the runner pool, the runs
// side by side; then the panel runs the comparison at the tuned lrs. No vscode import.
import { GOLDEN_RUNS, lrGrid, objectiveValue, runFacts, tuneLr, type Objective, type ObjectiveValue } from '../../core/tune';
import { formatLossError } from '../../protocol/simulation';
import type { TuneFinished, TuneToWebview, TunedRunData } from '../../protocol/tuneMessages';
import { toLossError } from '../../runner/api';
import { sameLossRef, untrustedError } from './session';
import { MAP_TOLERANCE, type PanelRunHost } from './sweepSession';

/** run(): the comparison at the tuned lrs. */
export type TuneHost = PanelRunHost<TuneToWebview>;

const GRID_TEXT = '1e-5…10, three per decade';
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

export class LrTuner {
  private abort: AbortController | null = null;
  last: TuneFinished | null = null;

  constructor(private readonly host: TuneHost) {}

  stop(): void {
    this.abort?.abort();
  }

  dispose(): void {
    this.abort?.abort();
  }

  async start(seq: number, objective: Objective): Promise<void> {
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    const config = this.host.config();
    const grid = lrGrid();
    const budget = { grid: grid.length, golden: GOLDEN_RUNS, runsPerOptimizer: grid.length + GOLDEN_RUNS, gridText: GRID_TEXT };
    const labels = this.host.labels();
    const answer = (phase: TuneFinished['phase'], message: string, runs: TunedRunData[] = []): void => {
      const msg: TuneFinished = { type: 'tune/didFinish', seq, phase, message, objective, steps: config.steps, budget, runs };
      this.last = msg;
      this.host.post(msg);
    };
    if (config.loss.kind === 'file' && !this.host.trusted()) return answer('failed', untrustedError(config.loss.path).message);
    if (config.runs.some((r) => r.schedule || r.then?.length)) return answer('failed', 'a run with a schedule or optimizer switches cannot be tuned here (the search sets a constant lr): remove them, or use the CLI');
    const pool = this.host.pool();
    try {
      let info = this.host.loss();
      if (!info || !sameLossRef(info.ref, config.loss)) info = await pool.describe(config.loss, undefined, abort.signal);
      if (objective === 'distance' && !(info.dim === 2 && info.minima && info.minima.length)) return answer('failed', `the distance objective needs a known minimum: ${info.name} declares none (use final loss or steps)`);
      const total = config.runs.length * budget.runsPerOptimizer;
      let done = 0;
      let n = 0;
      const tuned = await Promise.all(config.runs.map(async (spec) => {
        const evaluate = async (lrs: readonly number[]): Promise<ObjectiveValue[]> => {
          const r = await pool.run({
            requestId: `tune-${seq}-${++n}`,
            loss: config.loss,
            runs: lrs.map((lr, i) => ({ id: String(i), optimizer: spec.optimizer, hyperparameters: { ...spec.hyperparameters, lr } })),
            steps: config.steps,
            seed: config.seed,
            trajectoryOnly: true,
            ...(config.batchSize !== undefined ? { batchSize: config.batchSize } : {}),
            ...(config.convention !== undefined ? { convention: config.convention } : {}),
            ...(config.dtype !== undefined ? { dtype: config.dtype } : {}),
          }, {}, abort.signal);
          if (abort.signal.aborted || r.cancelled) throw new Error('cancelled');
          if (r.runs.length !== lrs.length) throw new Error(`${labels.get(spec.id) ?? spec.optimizer}: the tuning run stopped early${r.note ? ` (${r.note})` : ''}`);
          done += lrs.length;
          this.host.post({ type: 'tune/didProgress', seq, done, total });
          return r.runs.map((rec) => objectiveValue(objective, runFacts(rec, info!, MAP_TOLERANCE)));
        };
        return { spec, result: await tuneLr(evaluate) };
      }));
      if (abort.signal.aborted) return answer('cancelled', 'stopped');
      const runs: TunedRunData[] = tuned.map(({ spec, result }) => ({
        runId: spec.id,
        label: labels.get(spec.id) ?? spec.optimizer,
        tunedLr: result.lr,
        value: [finiteOrNull(result.value[0]), finiteOrNull(result.value[1])],
        lr: Float64Array.from(result.curve, (p) => p.lr),
        objective: Float64Array.from(result.curve, (p) => (Number.isFinite(p.value[0]) ? p.value[0] : NaN)),
        stage: Float64Array.from(result.curve, (p) => (p.stage === 'grid' ? 0 : 1)),
      }));
      answer('done', `${runs.length} optimizer(s) tuned, ${budget.runsPerOptimizer} runs of ${config.steps} steps each; comparing at the tuned learning rates`, runs);
      this.host.run({ ...config, runs: config.runs.map((r, k) => ({ ...r, hyperparameters: { ...r.hyperparameters, lr: tuned[k]!.result.lr } })) });
    } catch (e) {
      if (abort.signal.aborted) return answer('cancelled', 'stopped');
      answer('failed', e instanceof Error && !('error' in e) ? e.message : formatLossError(toLossError(e)));
    } finally {
      if (this.abort === abort) this.abort = null;
    }
  }
}
