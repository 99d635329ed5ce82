// The "Optimizer Diagnostics" output channel: one line per run (loss, optimizers with their
// hyperparameters, steps, wall time, outcome), per worker restart and per error (file:line:column),
// as users of extensions expect to find in Output. extension.ts creates the channel
// (vscode.window.createOutputChannel(name, { log: true }): VS Code adds the timestamp and level);
// this module only formats and forwards, so it has no vscode import and is unit-tested in plain Node.
// Panels report runs through `observe(panelId, message)`: the run/didStart, run/didFinish and
// run/didFail messages every session already posts (one tap in DiagnosticsPanel, no session changes).
import type { HyperValue } from '../core/types';
import type { SessionConfig, ToWebview } from '../protocol/messages';
import { formatLossError, type LossError, type LossRef } from '../protocol/simulation';

/** What a LogOutputChannel (or a test double) offers. */
export interface LogSink {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogEntry {
  readonly level: LogLevel;
  readonly message: string;
}

/** Lines kept in memory for the testing API (the channel itself keeps everything). */
const KEEP = 500;

function showValue(v: HyperValue): string {
  return Array.isArray(v) ? `(${v.join(', ')})` : String(v);
}

/** `Adam(lr=0.01, betas=(0.9, 0.999), …)` for each run, in config order. */
export function describeRuns(config: SessionConfig): string {
  return config.runs
    .map((r) => `${r.optimizer}(${Object.entries(r.hyperparameters).map(([k, v]) => `${k}=${showValue(v)}`).join(', ')})`)
    .join(', ');
}

export function describeLoss(loss: LossRef, relative: (path: string) => string = (p) => p): string {
  return loss.kind === 'builtin' ? loss.name : relative(loss.path);
}

/** One line for an error: `file:line:column: message (at step n)` (the step once: messages may name it). */
export function describeError(e: LossError): string {
  const step = e.step !== undefined && !new RegExp(`\\bstep ${e.step}\\b`).test(e.message) ? ` (at step ${e.step})` : '';
  return `${formatLossError(e)}${step}`;
}

export class ExtensionLog {
  private readonly entries: LogEntry[] = [];
  /** panelId → the request in flight: its config and start time (from run/didStart). */
  private readonly inFlight = new Map<string, { requestId: string; config: SessionConfig; t0: number }>();

  constructor(
    private readonly sink: LogSink,
    private readonly relative: (path: string) => string = (p) => p,
    private readonly now: () => number = () => performance.now(),
  ) {}

  info(message: string): void {
    this.write('info', message);
  }
  warn(message: string): void {
    this.write('warn', message);
  }
  error(message: string): void {
    this.write('error', message);
  }

  /** The last lines written (newest last), for tests. */
  lines(): readonly LogEntry[] {
    return this.entries;
  }

  /** The simulation worker / loss process was stopped and starts again on the next run. */
  restart(reason: string): void {
    this.warn(`worker restarted: ${reason}`);
  }

  /** A message a panel's session posts to its webview: logs the runs it starts, finishes or fails. */
  observe(panelId: string, msg: ToWebview): void {
    if (msg.type === 'run/didStart') {
      // didStart is posted again after the loss was described: keep the first start time of a request.
      if (this.inFlight.get(panelId)?.requestId !== msg.requestId) this.inFlight.set(panelId, { requestId: msg.requestId, config: msg.config, t0: this.now() });
      return;
    }
    if (msg.type !== 'run/didFinish' && msg.type !== 'run/didFail') return;
    const run = this.inFlight.get(panelId);
    if (!run || run.requestId !== msg.requestId) return;
    this.inFlight.delete(panelId);
    const c = run.config;
    const ms = this.now() - run.t0;
    const what = `${describeLoss(c.loss, this.relative)} · ${describeRuns(c)} · ${c.steps} steps, seed ${c.seed}${c.batchSize !== undefined ? `, batch ${c.batchSize}` : ''}`;
    const took = `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
    if (msg.type === 'run/didFinish') {
      const outcome = msg.status.phase === 'cancelled' ? 'stopped' : msg.status.phase;
      this.info(`run ${outcome} in ${took}: ${what}${msg.status.message && msg.status.phase !== 'cancelled' ? ` (${msg.status.message})` : ''}`);
      return;
    }
    const e = msg.error;
    // Restricted Mode and a bad hyperparameter are the user's settings, not failures of the code.
    if (e.kind === 'untrusted' || e.kind === 'hyperparameter') this.warn(`run not started (${e.kind}): ${what}: ${describeError(e)}`);
    else this.error(`run failed after ${took} (${e.kind}): ${what}: ${describeError(e)}`);
  }

  /** A panel closed: forget its run in flight. */
  forget(panelId: string): void {
    this.inFlight.delete(panelId);
  }

  private write(level: LogLevel, message: string): void {
    this.sink[level](message);
    this.entries.push({ level, message });
    if (this.entries.length > KEEP) this.entries.splice(0, this.entries.length - KEEP);
  }
}
