// Host side of the diagnostics panel: how long until a run's data is ready to post to the webview.
//   node esbuild.mjs --bench && node out/bench/panel.bench.js      (alone; `npm run bench` runs it too)
// Targets (README): 6 runs × 10,000 steps of a 2-D loss → decimated batch ready to post + webview paint
// ≤ 60 ms (the paint is measured in the webview by the e2e scenario panel-5-perf); a hyperparameter
// change re-run + decimate on a 2-D loss ≤ 50 ms; activation ≤ 50 ms. Numbers only, no pass/fail.
import { existsSync } from 'node:fs';
import Module from 'node:module';
import { join, resolve } from 'node:path';
import { BUILTIN_LOSSES, builtinProblem, createOptimizer, simulate } from '../src/core';
import type { OptimizerName } from '../src/core/types';
import { Session, type SessionHost } from '../src/host/panel/session';
import { SimulationRunner } from '../src/runner/client';
import type { Runner, RunListener, RunResult } from '../src/runner/api';
import { buildLandscape } from '../src/protocol/contour';
import type { RunSeries, SessionConfig, ToWebview } from '../src/protocol/messages';
import { defaultHyperparameters } from '../src/protocol/runDefaults';
import { buildRunSeries } from '../src/protocol/series';
import type { LossInfo, LossRef, RecordingColumns, SimulationRequest } from '../src/protocol/simulation';

const ROOT = resolve(__dirname, '..', '..');
const WORKER = join(ROOT, 'dist', 'worker.js');
const CANYON = BUILTIN_LOSSES['canyon']!;
const SIX: OptimizerName[] = ['sgd', 'rmsprop', 'adam', 'adamw', 'nadam', 'lion'];

function lossInfo(): LossInfo {
  const b = CANYON;
  return {
    ref: { kind: 'builtin', name: b.name }, name: b.name, label: b.label, formula: b.formula, dim: 2, paramNames: b.paramNames, start: b.start,
    window: b.window, minima: b.minima, suggestedLr: b.suggestedLr, hasData: false, hasValidation: false, gradient: 'analytic', warnings: [],
  };
}

/** The core run in this thread (a floor for the worker: no message passing). */
class InProcessRunner implements Runner {
  async describe(_loss: LossRef): Promise<LossInfo> {
    return lossInfo();
  }
  async run(req: SimulationRequest, listener?: RunListener): Promise<RunResult> {
    const runs: RecordingColumns[] = [];
    for (const rc of req.runs) {
      const opt = createOptimizer(rc.optimizer, rc.hyperparameters);
      const t0 = performance.now();
      const r = simulate({ problem: builtinProblem(CANYON), optimizer: opt, start: Float64Array.from(CANYON.start), steps: req.steps });
      const n = r.stepsCompleted;
      const cut = (a: Float64Array, rows: number): Float64Array => a.slice(0, rows * 2);
      const rec: RecordingColumns = {
        runId: rc.id, optimizer: rc.optimizer, hyperparameters: opt.hyperparameters, dim: 2, stepsRequested: req.steps, stepsCompleted: n,
        diverged: r.diverged, stopReason: r.stopReason, params: cut(r.params, n + 1), loss: r.loss.slice(0, n + 1), grad: cut(r.grad, n),
        validationLoss: null, update: cut(r.update, n), direction: cut(r.direction, n), effectiveLr: cut(r.effectiveLr, n), lr: r.lr.slice(0, n),
        state: Object.fromEntries(Object.entries(r.state).map(([k, v]) => [k, cut(v, n)])),
        scalarState: Object.fromEntries(Object.entries(r.scalarState).map(([k, v]) => [k, v.slice(0, n)])),
        extra: Object.fromEntries(Object.entries(r.extra).map(([k, v]) => [k, cut(v, n)])),
        elapsedMs: performance.now() - t0,
      };
      runs.push(rec);
      listener?.onRun?.(rec);
    }
    return { loss: lossInfo(), runs, cancelled: false };
  }
  setTimeoutMs(): void {}
  dispose(): void {}
}

function config(optimizers: OptimizerName[], steps: number, lr?: number): SessionConfig {
  return {
    loss: { kind: 'builtin', name: 'canyon' },
    runs: optimizers.map((o, i) => ({ id: `r${i + 1}`, optimizer: o, hyperparameters: { ...defaultHyperparameters(o, lossInfo(), steps), ...(lr !== undefined ? { lr } : {}) } })),
    steps,
    seed: 0,
  };
}

function bytesOf(s: RunSeries): number {
  let n = 0;
  const add = (c: { x: Float64Array; y: Float64Array } | null): void => {
    if (c) n += c.x.byteLength + c.y.byteLength;
  };
  add(s.loss);
  add(s.gradNorm);
  add(s.updateNorm);
  add(s.validationLoss);
  if (s.path) n += s.path.x.byteLength * 3;
  for (const p of s.params) [p.value, p.grad, p.effectiveLr, p.stepSize, p.updateRatio, ...Object.values(p.state)].forEach(add);
  return n;
}

/** A session with a fake panel: records when each message would be posted. */
function benchSession(runner: Runner, cfg: SessionConfig): { session: Session; posted: { t: number; msg: ToWebview }[] } {
  const posted: { t: number; msg: ToWebview }[] = [];
  const landscape = buildLandscape((x, y) => CANYON.evaluate(x, y), { window: CANYON.window, minima: CANYON.minima, start: CANYON.start });
  const host: SessionHost = {
    post: (msg) => posted.push({ t: performance.now(), msg }),
    runner: () => runner,
    settings: () => ({ liveUpdate: true, decimationThreshold: 1000, liveUpdateMaxWork: 400_000 }),
    trusted: () => true,
    landscape: () => landscape,
  };
  const session = new Session(cfg, host);
  session.setChartWidth(1000);
  return { session, posted };
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${q(0.5).toFixed(1)} ms (min ${s[0]!.toFixed(1)}, p90 ${q(0.9).toFixed(1)}, n=${s.length})`;
}

async function sessionRun(runner: Runner, cfg: SessionConfig): Promise<{ total: number; lastPost: number; bytes: number; points: number; simMs: number }> {
  const { session, posted } = benchSession(runner, cfg);
  // Warm: the loss is described once per panel; a re-run reuses it (what a live edit does).
  await session.start(cfg);
  posted.length = 0;
  const t0 = performance.now();
  await session.start({ ...cfg, seed: 1 });
  const total = performance.now() - t0;
  const appends = posted.filter((p) => p.msg.type === 'run/didAppendSteps');
  const last = appends.length ? appends[appends.length - 1]!.t - t0 : NaN;
  let bytes = 0;
  let points = 0;
  for (const p of appends) {
    for (const run of (p.msg as unknown as { runs: RunSeries[] }).runs) {
      bytes += bytesOf(run);
      points += run.pointsSent;
    }
  }
  const simMs = session.runs.reduce((s, r) => s + r.elapsedMs, 0);
  session.dispose();
  return { total, lastPost: last, bytes, points, simMs };
}

/** Loads dist/extension.js against a do-nothing `vscode` module and calls activate(). */
function activationMs(): number[] | string {
  const file = join(ROOT, 'dist', 'extension.js');
  if (!existsSync(file)) return 'dist/extension.js not built';
  const stub: unknown = new Proxy(function () {}, {
    get: (_t, k) => (k === 'then' ? undefined : k === Symbol.toPrimitive ? () => 'stub' : stub),
    apply: () => stub,
    construct: () => stub as object,
  });
  const NAMES = ['workspace', 'window', 'commands', 'languages', 'env', 'extensions', 'Uri', 'EventEmitter', 'ViewColumn', 'ProgressLocation',
    'DiagnosticSeverity', 'ConfigurationTarget', 'CodeLens', 'Range', 'Diagnostic', 'QuickPickItemKind', 'Disposable'];
  const vscodeModule = Object.fromEntries(NAMES.map((n) => [n, stub]));
  const M = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const orig = M._load;
  M._load = function (request: string, parent: unknown, isMain: boolean) {
    return request === 'vscode' ? vscodeModule : orig.call(this, request, parent, isMain);
  };
  const out: number[] = [];
  try {
    for (let i = 0; i < 15; i++) {
      delete require.cache[require.resolve(file)];
      const t0 = performance.now();
      const ext = require(file) as { activate(ctx: unknown): unknown };
      ext.activate(stub);
      out.push(performance.now() - t0);
    }
  } finally {
    M._load = orig;
  }
  return out;
}

export async function runPanelBench(): Promise<string[]> {
  const lines: string[] = [];
  const runners: [string, Runner][] = [['in-process core', new InProcessRunner()]];
  if (existsSync(WORKER)) runners.push(['simulation worker', new SimulationRunner({ workerPath: WORKER, timeoutMs: 30_000, allowWorkspaceCode: false })]);
  else lines.push(`(dist/worker.js not built: worker timings skipped)`);

  // Pure decimation of 6 × 10,000-step recordings.
  const recs = SIX.map((o, i) => {
    const cfg = config([o], 10_000).runs[0]!;
    const r = simulate({ problem: builtinProblem(CANYON), optimizer: createOptimizer(o, cfg.hyperparameters), start: Float64Array.from(CANYON.start), steps: 10_000 });
    return { ...r, runId: `r${i + 1}`, optimizer: o, hyperparameters: cfg.hyperparameters, elapsedMs: 0 } as unknown as RecordingColumns;
  });
  const dec: number[] = [];
  for (let k = 0; k < 20; k++) {
    const t0 = performance.now();
    for (const r of recs) buildRunSeries(r, { threshold: 1000, paramNames: ['x', 'y'], selected: [0, 1], label: r.optimizer, window: CANYON.window });
    dec.push(performance.now() - t0);
  }
  lines.push(`decimate 6 runs × 10,000 steps (2-D, ~25 series each, min-max to ≤1,000 points): ${stats(dec)}`);
  const series = recs.map((r) => buildRunSeries(r, { threshold: 1000, paramNames: ['x', 'y'], selected: [0, 1], label: r.optimizer, window: CANYON.window }));
  const clone: number[] = [];
  for (let k = 0; k < 20; k++) {
    const t0 = performance.now();
    structuredClone(series);
    clone.push(performance.now() - t0);
  }
  lines.push(`structured clone of that batch (what postMessage serialises, ${(series.reduce((n, s) => n + bytesOf(s), 0) / 1024).toFixed(0)} KiB of Float64Arrays): ${stats(clone)}`);

  for (const [name, runner] of runners) {
    const big: number[] = [];
    const post: number[] = [];
    let last = { bytes: 0, points: 0, simMs: 0 };
    for (let k = 0; k < 7; k++) {
      const r = await sessionRun(runner, config(SIX, 10_000));
      big.push(r.total);
      post.push(r.lastPost);
      last = r;
    }
    lines.push(`${name}: 6 runs × 10,000 steps → decimated batch ready to post: ${stats(post)}; run resolved ${stats(big)}; ` +
      `simulation ${last.simMs.toFixed(1)} ms, ${last.points} points, ${(last.bytes / 1024).toFixed(0)} KiB`);
    const small: number[] = [];
    for (let k = 0; k < 30; k++) {
      const r = await sessionRun(runner, config(['adam'], 500, 0.01 + k * 1e-4));
      small.push(r.lastPost);
    }
    lines.push(`${name}: hyperparameter change, Adam 500 steps on canyon → re-run + decimate, ready to post: ${stats(small)}`);
    runner.dispose();
  }

  const act = activationMs();
  lines.push(typeof act === 'string' ? `activation: ${act}` : `activation (load dist/extension.js + activate() against a stub vscode, Node): ${stats(act)}; in the real extension host see the integration log "activate(): … ms"`);
  lines.push('webview paint of the 6 × 10,000 batch: measured in the webview by the e2e scenario panel-5-perf (printed in its log)');
  return lines;
}

if (require.main === module) {
  void runPanelBench().then((l) => console.log(l.join('\n')));
}
