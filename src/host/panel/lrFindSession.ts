// A panel's learning-rate range test (README "Find a learning rate in the panel"): the run's configuration
// (its optimizer and hyperparameters, the panel's loss, seed, batch size, convention, dtype) with an lr that
// grows exponentially per step from min to max (the request's lrRange, as `optimizer-diagnostics lr-find`),
// run on the runner pool (built-ins in-process, a loss file in a loss process with the watchdog), then the
// core's analysis (src/core/lrFind.ts: EMA β = 0.98 bias-corrected, stop at 4× the minimum, three
// suggestions). No vscode import.
import { analyzeLrRange } from '../../core/lrFind';
import { formatLossError } from '../../protocol/simulation';
import type { LrFindFinished, LrFindToWebview } from '../../protocol/lrFindMessages';
import { toLossError } from '../../runner/api';
import { untrustedError } from './session';
import type { PanelToolHost } from './sweepSession';

export type LrFindHost = PanelToolHost<LrFindToWebview>;

const EMPTY = new Float64Array(0);

export class LrFinder {
  private abort: AbortController | null = null;
  /** The last answer (tests). */
  last: LrFindFinished | null = null;

  constructor(private readonly host: LrFindHost) {}

  stop(): void {
    this.abort?.abort();
  }

  dispose(): void {
    this.abort?.abort();
  }

  async start(seq: number, runId: string, min: number, max: number, steps: number): Promise<void> {
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    const config = this.host.config();
    const run = config.runs.find((r) => r.id === runId);
    const label = this.host.labels().get(runId) ?? run?.optimizer ?? runId;
    const answer = (rest: Partial<LrFindFinished> & Pick<LrFindFinished, 'phase' | 'message'>): void => {
      const msg: LrFindFinished = { type: 'lrFind/didFinish', seq, runId, label, min, max, steps, lr: EMPTY, loss: EMPTY, smoothed: EMPTY, stop: null, steepest: null, valley: null, minOver10: null, ...rest };
      if (this.abort === abort || rest.phase !== 'cancelled') this.last = msg;
      this.host.post(msg);
    };
    if (!run) return answer({ phase: 'failed', message: `the panel has no run ${runId}` });
    if (config.loss.kind === 'file' && !this.host.trusted()) return answer({ phase: 'failed', message: untrustedError(config.loss.path).message });
    this.host.post({ type: 'lrFind/didStart', seq, runId });
    try {
      const r = await this.host.pool().run({
        requestId: `lr-find-${seq}`,
        loss: config.loss,
        runs: [{ id: 'lr-find', optimizer: run.optimizer, hyperparameters: run.hyperparameters }],
        steps,
        seed: config.seed,
        trajectoryOnly: true,
        lrRange: { min, max, steps },
        ...(config.batchSize !== undefined ? { batchSize: config.batchSize } : {}),
        ...(config.convention !== undefined ? { convention: config.convention } : {}),
        ...(config.dtype !== undefined ? { dtype: config.dtype } : {}),
      }, {}, abort.signal);
      if (abort.signal.aborted || r.cancelled) return answer({ phase: 'cancelled', message: 'stopped' });
      const rec = r.runs[0];
      if (!rec) return answer({ phase: 'failed', message: 'the range test produced no run' });
      const res = analyzeLrRange(rec.lr, rec.loss, steps);
      const col = (f: (p: (typeof res.points)[number]) => number) => Float64Array.from(res.points, f);
      const fmt = (x: number) => x.toPrecision(3);
      const parts = [res.steepest && `steepest ${fmt(res.steepest.lr)}`, res.valley && `valley ${fmt(res.valley.lr)}`, res.minOver10 && `minimum ÷ 10 ${fmt(res.minOver10.lr)}`].filter(Boolean);
      answer({
        phase: 'done',
        message: `${res.points.length} of ${steps} steps (${res.stop === 'diverged' ? 'stopped: smoothed loss above 4× its minimum' : res.stop === 'non-finite' ? 'stopped: non-finite' : 'all steps ran'})${parts.length ? `; ${parts.join(', ')}` : ''}${rec.error ? `; ${formatLossError(rec.error)}` : ''}`,
        lr: col((p) => p.lr), loss: col((p) => p.loss), smoothed: col((p) => p.smoothed),
        stop: res.stop, steepest: res.steepest, valley: res.valley, minOver10: res.minOver10,
      });
    } catch (e) {
      if (abort.signal.aborted) return answer({ phase: 'cancelled', message: 'stopped' });
      answer({ phase: 'failed', message: formatLossError(toLossError(e)) });
    } finally {
      if (this.abort === abort) this.abort = null;
    }
  }
}
