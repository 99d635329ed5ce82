// `optimizer-diagnostics sweep`: one optimizer over a grid of one or two hyperparameters. Built-ins (without
// gradient noise) step all cells together in the core's batched kernel (src/core/sweep.ts); loss files (and
// noisy built-ins) fan out over the runner pool (src/runner/pool.ts): chunks of cells per job, each job in a
// fresh loss process with the watchdog, every recording summarised as it arrives and dropped.

import { isDataBuiltinName } from '../loss/dataBuiltins';
import { join } from 'node:path';
import { BUILTIN_LOSSES, createOptimizer, getOptimizerDefinition, type HyperValue } from '../core';
import { jsonNumber } from '../core/export';
import { BatchedSweep, axisValues, summarizeRun, withHyper, OUTCOMES, type CellSummary, type Outcome, type SweepAxis } from '../core/sweep';
import type { LossInfo, LossRef, RunConfig, SimulationRequest } from '../protocol/simulation';
import { formatLossError } from '../protocol/simulation';
import { resolveLossRef } from '../loss/cliErrors';
import { builtinInfo } from '../loss/resolve';
import { DEFAULT_MEMORY_LIMIT_MB } from '../runner/client';
import { RunnerPool, defaultWorkers } from '../runner/pool';
import { UsageError, type CommonOptions, type SweepArgs } from './args';
import { RunError, type Output } from './run';
import { rayTuneScript } from './rayTune';
import { lowestKnownMinimum } from '../core/tune';

export interface SweepCell extends CellSummary {
  /** Index along each axis. */
  readonly index: readonly number[];
  /** The axis values of this cell, in axis order. */
  readonly values: readonly number[];
  /** The cell's full hyperparameters as given to the optimizer (defaults resolved by the optimizer). */
  readonly hyperparameters: Readonly<Record<string, HyperValue>>;
  /** A user error that ended the run (loss files), one line. */
  readonly error?: string;
}

export interface SweepResult {
  readonly info: LossInfo;
  readonly axes: readonly SweepAxis[];
  readonly values: readonly Float64Array[];
  readonly cells: readonly SweepCell[];
  readonly fMin: number | undefined;
  readonly kernel: string;
  readonly elapsedMs: number;
}

export interface SweepPlan {
  readonly optimizer: SweepArgs['optimizer'];
  readonly base: Readonly<Record<string, HyperValue>>;
  readonly axes: readonly SweepAxis[];
  readonly steps: number;
  readonly tolerance: number;
}

/** The cells of a plan, axis 0 outer (cell index = i0·count1 + i1). */
export function sweepCells(plan: SweepPlan): { index: number[]; values: number[]; hyperparameters: Record<string, HyperValue> }[] {
  const specs = getOptimizerDefinition(plan.optimizer).hyperparameters;
  const vals = plan.axes.map(axisValues);
  const out: { index: number[]; values: number[]; hyperparameters: Record<string, HyperValue> }[] = [];
  const rec = (d: number, index: number[], hp: Record<string, HyperValue>) => {
    if (d === plan.axes.length) {
      out.push({ index, values: index.map((i, a) => vals[a]![i]!), hyperparameters: hp });
      return;
    }
    for (let i = 0; i < vals[d]!.length; i++) rec(d + 1, [...index, i], withHyper(hp, plan.axes[d]!.name, vals[d]![i]!, specs));
  };
  rec(0, [], { ...plan.base });
  return out;
}

/** Most bytes of recordings one pooled sweep job holds before it ends (its runs are summarised, then dropped). */
const JOB_BYTES = 64 * 2 ** 20;

export interface SweepExecOptions {
  readonly workerPath: string;
  readonly workers?: number;
  readonly timeoutMs: number;
  readonly memoryLimitMb?: number;
  readonly onOutput?: (text: string) => void;
  /** Cells done of total (reported at least once per slice or job). */
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
  /** Force the pool even for built-ins (tests, the bench). */
  readonly viaPool?: boolean;
  /** Interpreter of *.loss.py files (--python; default $OD_PYTHON, else python3). */
  readonly pythonPath?: string;
}

/** Runs a sweep (batched for built-ins, the pool otherwise). */
export async function executeSweep(plan: SweepPlan, common: CommonOptions, opts: SweepExecOptions): Promise<SweepResult> {
  const t0 = performance.now();
  const ref: LossRef = resolveLossRef(common.loss);
  const cells = sweepCells(plan);
  // Hyperparameters are checked before anything runs: a cell the optimizer refuses is a usage error.
  const optimizers = cells.map((c) => {
    try {
      return createOptimizer(plan.optimizer, c.hyperparameters);
    } catch (e) {
      throw new UsageError(`cell ${plan.axes.map((a, k) => `${a.name}=${c.values[k]}`).join(' ')}: ${(e as Error).message}`);
    }
  });
  const noisy = (common.gradientNoise ?? 0) !== 0;
  const dataBuiltin = ref.kind === 'builtin' && isDataBuiltinName(ref.name);
  if (ref.kind === 'builtin' && !dataBuiltin && common.batchSize !== undefined) throw new UsageError(`--batch-size applies to loss files with data, not to the built-in ${common.loss}`);
  if (ref.kind === 'builtin' && !dataBuiltin && !noisy && !opts.viaPool) {
    const info = builtinInfo(ref.name);
    const b = BUILTIN_LOSSES[ref.name]!;
    const start = Float64Array.from(common.init ?? b.start);
    if (start.length !== 2) throw new UsageError(`--init has ${start.length} values, but ${ref.name} has 2 parameters (x, y)`);
    const fMin = lowestKnownMinimum(info);
    // The optimizers were created without a schedule: each cell's lr is its lr hyperparameter.
    const sweep = new BatchedSweep({ loss: b, optimizers, start, steps: plan.steps, criteria: { tolerance: plan.tolerance, fMin }, constantLr: true });
    while (!sweep.finished) {
      if (opts.signal?.aborted) throw new RunError('the sweep was cancelled');
      sweep.advance(Math.max(1, Math.floor(2e6 / Math.max(1, cells.length))));
      opts.onProgress?.(sweep.finished ? cells.length : Math.floor((cells.length * sweep.step) / Math.max(1, plan.steps)), cells.length);
      await new Promise<void>((r) => setImmediate(r));
    }
    const sums = sweep.summaries();
    return {
      info, axes: plan.axes, values: plan.axes.map(axisValues), fMin,
      cells: cells.map((c, k) => ({ ...c, hyperparameters: optimizers[k]!.hyperparameters, ...sums[k]! })),
      kernel: 'batched (all cells in one pass per step)',
      elapsedMs: performance.now() - t0,
    };
  }
  const workers = Math.min(opts.workers ?? defaultWorkers(), cells.length);
  const pool = new RunnerPool({
    workerPath: opts.workerPath,
    timeoutMs: opts.timeoutMs,
    memoryLimitMb: opts.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB,
    allowWorkspaceCode: true,
    workers,
    ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
    ...(opts.pythonPath ? { pythonPath: opts.pythonPath } : {}),
  });
  const onSignal = (): void => {
    pool.dispose();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  try {
    const info = await pool.describe(ref, common.gradientMode, opts.signal);
    if (common.init && common.init.length !== info.dim) {
      throw new UsageError(`--init has ${common.init.length} values, but ${info.name} has ${info.dim} parameters (${info.paramNames.join(', ')})`);
    }
    const fMin = lowestKnownMinimum(info);
    // A few jobs per worker: a loss process per job (fresh realm), many cells per process.
    // A job's recordings are held until the job ends: at most JOB_BYTES of them per job (many parameters, many steps → smaller jobs).
    const jobs = Math.min(cells.length, workers * 4);
    const perRun = (plan.steps + 1) * (2 * info.dim + 4) * 8; // trajectory: params and grad per step, loss, lr, step
    const per = Math.max(1, Math.min(Math.ceil(cells.length / jobs), Math.floor(JOB_BYTES / perRun)));
    const requests: SimulationRequest[] = [];
    for (let j = 0; j * per < cells.length; j++) {
      const runs: RunConfig[] = [];
      for (let k = j * per; k < Math.min(cells.length, (j + 1) * per); k++) runs.push({ id: String(k), optimizer: plan.optimizer, hyperparameters: cells[k]!.hyperparameters });
      requests.push({
        requestId: `sweep-${j}`,
        loss: ref,
        runs,
        steps: plan.steps,
        trajectoryOnly: true,
        ...(common.init ? { start: common.init } : {}),
        ...(common.seed !== undefined ? { seed: common.seed } : {}),
        ...(common.batchSize !== undefined ? { batchSize: common.batchSize } : {}),
        ...(common.gradientNoise !== undefined ? { gradientNoise: common.gradientNoise } : {}),
        ...(common.gradientMode !== undefined ? { gradientMode: common.gradientMode } : {}),
      });
    }
    const sums: (SweepCell | undefined)[] = new Array(cells.length);
    let done = 0;
    const results = await pool.runAll(requests, {
      onRun: (rec) => {
        const k = Number(rec.runId);
        sums[k] = { ...cells[k]!, hyperparameters: rec.hyperparameters, ...summarizeRun(rec, { tolerance: plan.tolerance, fMin }), ...(rec.error ? { error: formatLossError(rec.error) } : {}) };
        opts.onProgress?.(++done, cells.length);
      },
    }, opts.signal);
    for (const r of results) if (!r.ok) throw r.error;
    return {
      info, axes: plan.axes, values: plan.axes.map(axisValues), fMin,
      cells: sums.map((s, k) => {
        if (!s) throw new RunError(`cell ${k} of the sweep did not finish`);
        return s;
      }),
      kernel: `runner pool (${workers} worker${workers === 1 ? '' : 's'}, ${requests.length} jobs)`,
      elapsedMs: performance.now() - t0,
    };
  } finally {
    process.off('SIGINT', onSignal);
    pool.dispose();
  }
}

const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e6) ? x.toExponential(4) : x.toPrecision(6)) : String(x));

const LETTER: Record<Outcome, string> = { converged: 'C', oscillating: 'o', slow: '.', diverging: 'd', diverged: 'X' };

/** The sweep's JSON document. */
export function sweepJson(args: SweepArgs, r: SweepResult): string {
  const counts: Record<string, number> = {};
  for (const o of OUTCOMES) counts[o] = 0;
  for (const c of r.cells) counts[c.outcome]!++;
  const doc = {
    loss: r.info.ref.kind === 'builtin' ? r.info.name : { name: r.info.name, path: r.info.ref.path },
    optimizer: args.optimizer,
    hyperparameters: args.hyperparameters,
    steps: args.steps,
    tolerance: args.tolerance,
    criterion: r.fMin !== undefined ? `f - f* <= ${args.tolerance} (f* = ${r.fMin})` : `|grad f| <= ${args.tolerance}`,
    axes: r.axes.map((a, k) => ({ ...a, values: [...r.values[k]!] })),
    counts,
    kernel: r.kernel,
    elapsed_ms: Math.round(r.elapsedMs),
    cells: r.cells.map((c) => ({
      index: c.index,
      ...Object.fromEntries(r.axes.map((a, k) => [a.name, c.values[k]])),
      outcome: c.outcome,
      final_loss: jsonNumber(c.finalLoss),
      best_loss: jsonNumber(c.bestLoss),
      steps_to_tolerance: c.stepsToTolerance,
      diverged_step: c.divergedStep,
      steps_completed: c.stepsCompleted,
      ...(c.error ? { error: c.error } : {}),
    })),
  };
  return JSON.stringify(doc) + '\n';
}

/** The sweep as text: a table (one axis) or an outcome map (two axes), then the counts and the best cells. */
export function sweepText(args: SweepArgs, r: SweepResult): string {
  const lines: string[] = [];
  const hp = Object.entries(args.hyperparameters).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`).join(' ');
  lines.push(`loss: ${r.info.name}   optimizer: ${args.optimizer}${hp ? ' ' + hp : ''}   steps: ${args.steps}   cells: ${r.cells.length}   (${r.kernel}, ${Math.round(r.elapsedMs)} ms)`);
  lines.push(`steps to tolerance: first step with ${r.fMin !== undefined ? `f − f* ≤ ${args.tolerance}` : `‖∇f‖ ≤ ${args.tolerance}`}`);
  if (r.axes.length === 1) {
    const a = r.axes[0]!;
    const header = [a.name, 'outcome', 'final loss', 'best loss', 'steps to tol', 'diverged at'];
    const table = [header, ...r.cells.map((c) => [fmt(c.values[0]!), c.outcome, fmt(c.finalLoss), fmt(c.bestLoss), c.stepsToTolerance === null ? '-' : String(c.stepsToTolerance), c.divergedStep === null ? '-' : String(c.divergedStep)])];
    const widths = header.map((_, k) => Math.max(...table.map((row) => row[k]!.length)));
    for (const row of table) lines.push(row.map((cell, k) => cell.padStart(widths[k]!)).join('  '));
  } else {
    const [a0, a1] = r.axes as [SweepAxis, SweepAxis];
    const v0 = r.values[0]!;
    const v1 = r.values[1]!;
    lines.push(`outcome map: ${a0.name} across (${a0.scale}, ${fmt(a0.min)} … ${fmt(a0.max)}), ${a1.name} up (${a1.scale}, ${fmt(a1.min)} … ${fmt(a1.max)})`);
    lines.push(`  C converged   o oscillating   . slow   d diverging   X diverged`);
    const label = (x: number) => fmt(x).padStart(11);
    for (let j = v1.length - 1; j >= 0; j--) {
      let row = '';
      for (let i = 0; i < v0.length; i++) row += LETTER[r.cells[i * v1.length + j]!.outcome];
      lines.push(`${label(v1[j]!)} |${row}`);
    }
    lines.push(`${' '.repeat(11)} +${'-'.repeat(v0.length)}`);
    lines.push(`${' '.repeat(13)}${fmt(v0[0]!)} … ${fmt(v0[v0.length - 1]!)}`);
  }
  const counts = OUTCOMES.map((o) => `${o} ${r.cells.filter((c) => c.outcome === o).length}`).join(', ');
  lines.push(`outcomes: ${counts}`);
  const name = (c: SweepCell) => r.axes.map((a, k) => `${a.name}=${fmt(c.values[k]!)}`).join(' ');
  let best: SweepCell | undefined;
  let fastest: SweepCell | undefined;
  for (const c of r.cells) {
    if (Number.isFinite(c.finalLoss) && (!best || c.finalLoss < best.finalLoss)) best = c;
    if (c.outcome === 'converged' && c.stepsToTolerance !== null && (!fastest || c.stepsToTolerance < fastest.stepsToTolerance!)) fastest = c;
  }
  if (best) lines.push(`lowest final loss: ${fmt(best.finalLoss)} at ${name(best)}`);
  if (fastest) lines.push(`fastest converged: ${fastest.stepsToTolerance} steps at ${name(fastest)}`);
  const failed = r.cells.find((c) => c.error);
  if (failed) lines.push(`note: ${r.cells.filter((c) => c.error).length} cell(s) ended with an error, e.g. at ${name(failed)}: ${failed.error}`);
  return lines.join('\n') + '\n';
}

export async function runSweep(args: SweepArgs, out: Output, workerPath = join(__dirname, 'worker.js')): Promise<SweepResult | null> {
  const plan: SweepPlan = { optimizer: args.optimizer, base: args.hyperparameters, axes: args.axes, steps: args.steps, tolerance: args.tolerance };
  if (args.export === 'ray-tune') {
    const ref = resolveLossRef(args.loss);
    if (ref.kind !== 'builtin') throw new UsageError('--export ray-tune works for built-in losses (loss files need the PyTorch export of the reproduce issue, not built yet)');
    out.stdout(rayTuneScript(plan, ref.name, args.init));
    return null;
  }
  const r = await executeSweep(plan, args, {
    workerPath,
    ...(args.workers !== undefined ? { workers: args.workers } : {}),
    timeoutMs: args.timeoutMs,
    memoryLimitMb: args.memoryLimitMb,
    onOutput: (t) => process.stderr.write(t),
    ...(args.python ? { pythonPath: args.python } : {}),
  });
  if (args.out) await out.writeFile(args.out, [sweepJson(args, r)]);
  if (args.json) out.stdout(sweepJson(args, r));
  else out.stdout(sweepText(args, r));
  return r;
}
