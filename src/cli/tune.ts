// `compare ... --tune lr`: every optimizer's learning rate tuned with the same budget (src/core/tune.ts: a log
// grid 1e-5…10, three points per decade, then golden-section search in log lr), runs fanned out over the
// runner pool (each optimizer's search is a chain of jobs; the optimizers run side by side), then the usual
// comparison table at the tuned learning rates.

import { join } from 'node:path';
import { jsonNumber } from '../core/export';
import { GOLDEN_RUNS, lrGrid, objectiveValue, runFacts, tuneLr, type Objective, type ObjectiveValue, type TuneResult } from '../core/tune';
import type { LossInfo, LossRef, SimulationRequest } from '../protocol/simulation';
import { resolveLossRef } from '../loss/cliErrors';
import { DEFAULT_MEMORY_LIMIT_MB } from '../runner/client';
import { RunnerPool, defaultWorkers } from '../runner/pool';
import { UsageError, type CompareArgs } from './args';
import { RunError, runCompare, workerExecutor, type CompareRow, type Output } from './run';

export interface TunedOptimizer {
  readonly label: string;
  readonly result: TuneResult;
}

export interface TuneOptions {
  readonly workerPath: string;
  readonly workers?: number;
}

/** Tunes every run of `args` (their lr); the pool runs each evaluation batch as one job. */
export async function tuneAll(args: CompareArgs, opts: TuneOptions): Promise<{ info: LossInfo; tuned: TunedOptimizer[] }> {
  const objective: Objective = args.objective ?? 'final-loss';
  const ref: LossRef = resolveLossRef(args.loss);
  const pool = new RunnerPool({
    workerPath: opts.workerPath,
    timeoutMs: args.timeoutMs,
    memoryLimitMb: args.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB,
    allowWorkspaceCode: true,
    workers: Math.max(1, Math.min(opts.workers ?? defaultWorkers(), args.runs.length)),
    onOutput: (t) => process.stderr.write(t),
    ...(args.python ? { pythonPath: args.python } : {}),
  });
  try {
    const info = await pool.describe(ref, args.gradientMode);
    if (args.init && args.init.length !== info.dim) throw new UsageError(`--init has ${args.init.length} values, but ${info.name} has ${info.dim} parameters (${info.paramNames.join(', ')})`);
    if (objective === 'distance' && !(info.dim === 2 && info.minima && info.minima.length)) {
      throw new UsageError(`--objective distance needs a known minimum: ${info.name} declares none (use final-loss or steps)`);
    }
    let n = 0;
    const tuned = await Promise.all(args.runs.map(async (spec, k) => {
      const evaluate = async (lrs: readonly number[]): Promise<ObjectiveValue[]> => {
        const req: SimulationRequest = {
          requestId: `tune-${k}-${++n}`,
          loss: ref,
          runs: lrs.map((lr, i) => ({ id: String(i), optimizer: spec.optimizer, hyperparameters: { ...spec.hyperparameters, lr } })),
          steps: args.steps,
          trajectoryOnly: true,
          ...(args.init ? { start: args.init } : {}),
          ...(args.seed !== undefined ? { seed: args.seed } : {}),
          ...(args.batchSize !== undefined ? { batchSize: args.batchSize } : {}),
          ...(args.gradientNoise !== undefined ? { gradientNoise: args.gradientNoise } : {}),
          ...(args.gradientMode !== undefined ? { gradientMode: args.gradientMode } : {}),
        };
        const r = await pool.run(req);
        if (r.runs.length !== lrs.length) throw new RunError(`${spec.label}: the tuning run stopped early${r.note ? ` (${r.note})` : ''}`);
        return r.runs.map((rec) => objectiveValue(objective, runFacts(rec, info, args.tolerance)));
      };
      return { label: spec.label, result: await tuneLr(evaluate) };
    }));
    return { info, tuned };
  } finally {
    pool.dispose();
  }
}

const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e6) ? x.toExponential(4) : x.toPrecision(6)) : String(x));
const OBJECTIVE_TEXT: Record<Objective, string> = {
  'final-loss': 'final loss',
  steps: 'steps to tolerance (never: steps + 1; ties: final loss)',
  distance: 'final distance to the known minimum + mean loss along the path',
};

export async function runTunedCompare(args: CompareArgs, out: Output, workerPath = join(__dirname, 'worker.js')): Promise<void> {
  const objective: Objective = args.objective ?? 'final-loss';
  const { info, tuned } = await tuneAll(args, { workerPath, ...(args.workers !== undefined ? { workers: args.workers } : {}) });
  const grid = lrGrid();
  const budget = `${grid.length} grid runs (1e-5…10, three per decade) + ${GOLDEN_RUNS} golden-section runs = ${grid.length + GOLDEN_RUNS} runs of ${args.steps} steps per optimizer`;
  // The comparison at the tuned learning rates (the ordinary compare, its table or its runs).
  const tunedArgs: CompareArgs = {
    ...args,
    runs: args.runs.map((s, k) => ({ ...s, hyperparameters: { ...s.hyperparameters, lr: tuned[k]!.result.lr }, label: `${s.label} (lr ${fmt(tuned[k]!.result.lr)})` })),
  };
  const quiet: Output = { stdout: () => undefined, stream: async () => undefined, writeFile: out.writeFile };
  const doc = (rows: CompareRow[]) => JSON.stringify({
    loss: info.ref.kind === 'builtin' ? info.name : { name: info.name, path: info.ref.path },
    steps: args.steps,
    tolerance: args.tolerance,
    objective,
    budget: { grid: grid.length, golden: GOLDEN_RUNS, runs_per_optimizer: grid.length + GOLDEN_RUNS },
    optimizers: tuned.map((t, k) => ({
      label: t.label,
      tuned_lr: t.result.lr,
      objective: t.result.value.map(jsonNumber),
      summary: rows[k],
      sensitivity: t.result.curve.map((p) => ({ lr: p.lr, objective: p.value.map(jsonNumber), stage: p.stage })),
    })),
  }) + '\n';
  if (args.json || args.out) {
    let rows: CompareRow[] = [];
    let failure: unknown;
    try {
      rows = await runCompare({ ...tunedArgs, json: false, csv: false, out: undefined } as CompareArgs, workerExecutor(args.timeoutMs, args.memoryLimitMb, args.python), quiet);
    } catch (e) {
      failure = e;
    }
    if (args.out) await out.writeFile(args.out, [doc(rows)]);
    if (args.json) out.stdout(doc(rows));
    if (failure) throw failure;
    return;
  }
  const lines = [`tuned comparison: each optimizer's lr minimises ${OBJECTIVE_TEXT[objective]}`, `budget: ${budget}`, ''];
  const header = ['lr', ...tuned.map((t) => t.label)];
  const rowsText = [header];
  for (const lr of grid) {
    rowsText.push([fmt(lr), ...tuned.map((t) => {
      const p = t.result.curve.find((q) => q.stage === 'grid' && q.lr === lr)!;
      return fmt(p.value[0]) + (t.result.lr === lr ? ' *' : '');
    })]);
  }
  const widths = header.map((_, c) => Math.max(...rowsText.map((r) => r[c]!.length)));
  lines.push('sensitivity (objective on the grid; * = tuned point):');
  for (const r of rowsText) lines.push('  ' + r.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
  for (const t of tuned) {
    const g = t.result.curve.filter((p) => p.stage === 'golden');
    lines.push(`${t.label}: tuned lr ${fmt(t.result.lr)}, objective ${fmt(t.result.value[0])}; golden-section points ${g.map((p) => `${fmt(p.lr)}→${fmt(p.value[0])}`).join(', ')}`);
  }
  lines.push('', 'at the tuned learning rates:');
  out.stdout(lines.join('\n') + '\n');
  await runCompare(tunedArgs, workerExecutor(args.timeoutMs, args.memoryLimitMb, args.python), out);
}
