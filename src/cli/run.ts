// The CLI's commands: simulate (one optimizer, trajectory as a table or JSON) and compare (a table).
// Runs go through the same runner as the extension (src/runner/client.ts): built-ins in-process, a
// loss file in a loss process of its own, whose watchdog stops a loss file that makes no progress for
// --timeout ms (its whole process group is killed, so the CLI exits within a second of the timeout
// whatever the loss is blocked in), and user-code errors come back as LossErrors.

import { join } from 'node:path';
import {
  BUILTIN_LOSSES,
  OPTIMIZERS,
  createOptimizer,
  HyperparameterError,
  type HyperValue,
  type OptimizerName,
} from '../core';
import { csvChunks, rowCount, trajectoryJsonChunks, type ColumnarRun } from '../core/export';
import { describeSampling, planRecording, recordedRows, rowBytes } from '../core/simulation';
import { csvChunks as runsCsvChunks } from '../protocol/exportFormat';
import { cliRunBudgetBytes } from '../protocol/memoryBudget';
import { formatLossError, type LossInfo, type LossRef, type RecordingColumns, type RunConfig } from '../protocol/simulation';
import { DEFAULT_MEMORY_LIMIT_MB, SimulationRunner } from '../runner/client';
import { resolveLossRef } from '../loss/cliErrors';
import { UsageError, type CommonOptions, type CompareArgs, type SimulateArgs } from './args';

/** What a command gets back: the loss and one recording per run, or the first user error. */
export interface Executed {
  readonly info: LossInfo;
  readonly runs: readonly RecordingColumns[];
}

export type Executor = (opts: CommonOptions, runs: readonly RunConfig[], trajectoryOnly: boolean) => Promise<Executed>;

/** Validates hyperparameters up front so that bad flags are usage errors (exit 2), not run failures. */
function checkHyperparameters(name: OptimizerName, hp: Record<string, HyperValue>): void {
  try {
    createOptimizer(name, hp);
  } catch (e) {
    if (e instanceof HyperparameterError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * Runs with the runner: built-ins in-process, a loss file in the bundled loss process (dist/worker.js
 * next to dist/cli.js) with the watchdog and a memory limit (MB). What a loss file prints goes to
 * stderr (stdout holds the CLI's table or JSON). Ctrl+C ends the loss process group too.
 */
export function workerExecutor(timeoutMs: number, memoryLimitMb: number = DEFAULT_MEMORY_LIMIT_MB, python?: string): Executor {
  return async (opts, runs, trajectoryOnly) => {
    const ref: LossRef = resolveLossRef(opts.loss);
    const runner = new SimulationRunner({
      workerPath: join(__dirname, 'worker.js'),
      timeoutMs,
      memoryLimitMb,
      allowWorkspaceCode: true,
      warmSpare: false,
      ...(python ? { pythonPath: python } : {}),
      onOutput: (text) => process.stderr.write(text),
    });
    const onSignal = (signal: NodeJS.Signals): void => {
      runner.dispose();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const info = await runner.describe(ref, opts.gradientMode);
      if (ref.kind === 'builtin' && opts.batchSize !== undefined) {
        throw new UsageError(`--batch-size applies to loss files with data, not to the built-in ${opts.loss}`);
      }
      if (opts.init && opts.init.length !== info.dim) {
        throw new UsageError(`--init has ${opts.init.length} values, but ${info.name} has ${info.dim} parameters (${info.paramNames.join(', ')})`);
      }
      const recordBudgetBytes = cliRunBudgetBytes(opts.memoryBudgetMb, runs.length);
      checkBudget(opts, runs, info, trajectoryOnly, recordBudgetBytes);
      const result = await runner.run({
        recordBudgetBytes,
        requestId: 'cli',
        loss: ref,
        runs,
        steps: opts.steps,
        ...(opts.init ? { start: opts.init } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
        ...(opts.gradientNoise !== undefined ? { gradientNoise: opts.gradientNoise } : {}),
        ...(opts.gradientMode !== undefined ? { gradientMode: opts.gradientMode } : {}),
        trajectoryOnly,
      });
      return { info: result.loss, runs: result.runs };
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      runner.dispose();
    }
  };
}

/** A budget too small for even a downsampled recording is a usage error, found before anything runs. */
function checkBudget(opts: CommonOptions, runs: readonly RunConfig[], info: LossInfo, trajectoryOnly: boolean, perRun: number): void {
  for (const rc of runs) {
    try {
      planRecording(opts.steps, rowBytes(info.dim, createOptimizer(rc.optimizer, rc.hyperparameters), trajectoryOnly ? 'trajectory' : 'all', info.hasValidation), perRun);
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(`--memory-budget-mb ${opts.memoryBudgetMb} (${runs.length} run(s)): ${e.message}`);
      throw e;
    }
  }
}

function lossDescription(info: LossInfo): unknown {
  return info.ref.kind === 'builtin' ? info.name : { name: info.name, path: info.ref.path, gradient: info.gradient };
}

function fMinOf(info: LossInfo): number | undefined {
  const f = (info.minima ?? []).map((m) => m.f).filter((x): x is number => typeof x === 'number');
  return f.length ? Math.min(...f) : undefined;
}

const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e6) ? x.toExponential(6) : x.toPrecision(8)) : String(x));

/** ‖∇f‖₂ at the params of row r (the gradient the next step consumed), or NaN when that step was not kept. */
function gradNormAt(rec: ColumnarRun, r: number, rows: Float64Array | null): number {
  const m = rowCount(rec);
  if (r >= m - 1) return NaN;
  if (rows && rows[r + 1] !== rows[r]! + 1) return NaN; // downsampled: the step leaving row r was dropped
  let s = 0;
  for (let i = 0; i < rec.dim; i++) s += rec.grad[r * rec.dim + i]! ** 2;
  return Math.sqrt(s);
}

/** Thrown after the output is written when a user error ended a run: exit status 1 with that message. */
export class RunError extends Error {
  override readonly name = 'RunError';
}

export interface Output {
  stdout(text: string): void;
  /** Writes chunks to stdout in order, waiting when the pipe is full. */
  stream(chunks: Iterable<string>): Promise<void>;
  /** Writes chunks to `path` atomically (temporary file in the same folder, then rename); errors name the file. */
  writeFile(path: string, chunks: Iterable<string>): Promise<void>;
}

/** `--out FILE.csv` writes the CSV, any other name the JSON document. */
const isCsvPath = (path: string) => /\.csv$/i.test(path);

function* joinChunks(...parts: Iterable<string>[]): Generator<string> {
  for (const p of parts) yield* p;
}

export async function runSimulate(args: SimulateArgs, execute: Executor, out: Output): Promise<void> {
  checkHyperparameters(args.optimizer, args.hyperparameters);
  const { info, runs } = await execute(args, [{ id: args.optimizer, optimizer: args.optimizer, hyperparameters: args.hyperparameters }], false);
  const rec = runs[0]!;
  const meta = { loss: lossDescription(info), optimizer: rec.optimizer, hyperparameters: rec.hyperparameters, paramNames: info.paramNames };
  const json = () => joinChunks(trajectoryJsonChunks(rec, meta), ['\n']);
  if (args.out) await out.writeFile(args.out, isCsvPath(args.out) ? csvChunks(rec, info.paramNames) : json());
  if (args.json) await out.stream(json());
  else if (args.csv) await out.stream(csvChunks(rec, info.paramNames));
  else {
    const names = info.paramNames;
    const showParams = names.length <= 6;
    const hp = Object.entries(rec.hyperparameters).map(([k, v]) => `${k}=${Array.isArray(v) ? `(${v.join(', ')})` : v}`).join(' ');
    const lines = [`loss: ${info.name} (${names.length} parameters, ${info.gradient} gradient)   optimizer: ${rec.optimizer} ${hp}`];
    for (const w of info.warnings) lines.push(`warning: ${w}`);
    const sampled = describeSampling(rec);
    if (sampled) lines.push(`note: ${sampled}, to stay within --memory-budget-mb ${args.memoryBudgetMb}`);
    const header = ['step', 'loss', ...(showParams ? names : []), '|grad|', ...(showParams ? names.map((n) => `eff_lr[${n}]`) : [])];
    const table: string[][] = [header];
    const n = rec.stepsCompleted;
    const stepOf = recordedRows(rec);
    const m = rowCount(rec);
    const every = Math.max(1, Math.ceil((m - 1) / 20));
    for (let r = 0; r < m; r++) {
      if (!(r < 3 || r % every === 0 || r === m - 1)) continue;
      const row = [String(stepOf ? stepOf[r]! : r), fmt(rec.loss[r]!)];
      if (showParams) for (let i = 0; i < rec.dim; i++) row.push(fmt(rec.params[r * rec.dim + i]!));
      const g = gradNormAt(rec, r, stepOf);
      row.push(Number.isNaN(g) ? '' : fmt(g));
      // effective LR of the step that produced params[r] (per-step row r − 1)
      if (showParams) for (let i = 0; i < rec.dim; i++) row.push(r >= 1 && rec.effectiveLr.length ? fmt(rec.effectiveLr[(r - 1) * rec.dim + i]!) : '');
      table.push(row);
    }
    const widths = header.map((_, c) => Math.max(...table.map((r) => (r[c] ?? '').length)));
    for (const r of table) lines.push(r.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
    lines.push(
      rec.error
        ? // the worker's stopReason already reads "stopped at step k: <error>"
          (rec.stopReason ?? `stopped at step ${n}`)
        : rec.diverged
          ? `${rec.stopReason} (of ${rec.stepsRequested} requested); the ${n} steps before are kept`
          : `completed ${n} steps; final loss ${fmt(rec.loss[m - 1]!)}`,
    );
    out.stdout(lines.join('\n') + '\n');
  }
  if (rec.error) throw new RunError(formatLossError(rec.error));
}

export interface CompareRow {
  label: string;
  finalLoss: number;
  bestLoss: number;
  stepsToTolerance: number | null;
  diverged: boolean;
  stopReason: string | null;
  stepsCompleted: number;
}

/**
 * First step t with f(θ_t) − f* ≤ tol when f* is known, else ‖∇f(θ_t)‖₂ ≤ tol; null if never. A downsampled
 * recording answers with the first kept row that meets it (exact within the full-resolution prefix).
 */
export function stepsToTolerance(rec: ColumnarRun, tol: number, fMin: number | undefined): number | null {
  const stepOf = recordedRows(rec);
  const m = rowCount(rec);
  for (let r = 0; r < m; r++) {
    const ok = fMin !== undefined ? rec.loss[r]! - fMin <= tol : gradNormAt(rec, r, stepOf) <= tol;
    if (ok) return stepOf ? stepOf[r]! : r;
  }
  return null;
}

export async function runCompare(args: CompareArgs, execute: Executor, out: Output): Promise<CompareRow[]> {
  for (const spec of args.runs) checkHyperparameters(spec.optimizer, spec.hyperparameters);
  const configs: RunConfig[] = args.runs.map((spec, k) => ({ id: `${k}`, optimizer: spec.optimizer, hyperparameters: spec.hyperparameters, label: spec.label }));
  const { info, runs } = await execute(args, configs, !(args.json || args.out || args.csv));
  const fMin = fMinOf(info);
  const rows: CompareRow[] = runs.map((rec, k) => {
    let best = Infinity;
    const m = rowCount(rec);
    for (let t = 0; t < m; t++) if (rec.loss[t]! < best) best = rec.loss[t]!;
    return {
      label: configs[k]!.label!,
      finalLoss: rec.loss[m - 1]!,
      bestLoss: best,
      stepsToTolerance: stepsToTolerance(rec, args.tolerance, fMin),
      diverged: rec.diverged,
      stopReason: rec.stopReason,
      stepsCompleted: rec.stepsCompleted,
    };
  });
  // { loss, tolerance, summary, runs: [one simulate document per run] }, streamed run by run.
  const doc = function* (): Generator<string> {
    yield `{"loss":${JSON.stringify(lossDescription(info))},"tolerance":${JSON.stringify(args.tolerance)},"summary":${JSON.stringify(rows)},"runs":[`;
    for (let k = 0; k < runs.length; k++) {
      const rec = runs[k]!;
      if (k) yield ',';
      yield* trajectoryJsonChunks(rec, { loss: lossDescription(info), optimizer: rec.optimizer, hyperparameters: rec.hyperparameters, paramNames: info.paramNames });
    }
    yield ']}\n';
  };
  const csv = () => runsCsvChunks(info.paramNames, runs.map((rec, k) => ({ label: configs[k]!.label!, recording: rec })));
  if (args.out) await out.writeFile(args.out, isCsvPath(args.out) ? csv() : doc());
  if (args.json) await out.stream(doc());
  else if (args.csv) await out.stream(csv());
  else {
    const criterion = fMin !== undefined ? `f − f* ≤ ${args.tolerance}` : `‖∇f‖ ≤ ${args.tolerance}`;
    const header = ['optimizer', 'final loss', 'best loss', `steps to ${criterion}`, 'diverged?'];
    const table = [header, ...rows.map((r, k) => [
      r.label,
      fmt(r.finalLoss),
      fmt(r.bestLoss),
      r.stepsToTolerance === null ? `not within ${args.steps}` : String(r.stepsToTolerance),
      runs[k]!.error ? `stopped at step ${r.stepsCompleted} (error)` : r.diverged ? `yes, at step ${r.stepsCompleted}` : 'no',
    ])];
    const widths = header.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
    const start = runs[0] ? [...runs[0].params.subarray(0, info.dim)] : info.start;
    const lines = [`loss: ${info.name}   start: (${start.map(fmt).join(', ')})   steps: ${args.steps}`];
    const sampled = runs.map((r) => describeSampling(r)).find((d) => d);
    if (sampled) lines.push(`note: ${sampled}, to stay within --memory-budget-mb ${args.memoryBudgetMb}; steps to tolerance are then the first kept step`);
    table.forEach((r, k) => {
      lines.push(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
      if (k === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
    });
    out.stdout(lines.join('\n') + '\n');
  }
  const failed = runs.find((r) => r.error);
  if (failed) throw new RunError(formatLossError(failed.error!));
  return rows;
}

export function listText(): string {
  const lines = ['optimizers:'];
  for (const d of Object.values(OPTIMIZERS)) lines.push(`  ${d.name.padEnd(9)} ${d.label.padEnd(26)} ${d.torchName}`);
  lines.push('', 'built-in losses:');
  for (const b of Object.values(BUILTIN_LOSSES)) lines.push(`  ${b.name.padEnd(11)} ${b.formula}`);
  return lines.join('\n') + '\n';
}
