// The CLI's commands: simulate (one optimizer, trajectory as a table or JSON) and compare (a table).
// Runs go through the same runner as the extension (src/runner/client.ts): built-ins in-process, a
// loss file in a loss process of its own, whose watchdog stops a loss file that makes no progress for
// --timeout ms (its whole process group is killed, so the CLI exits within a second of the timeout
// whatever the loss is blocked in), and user-code errors come back as LossErrors.

import { DATA_BUILTIN_NAMES, dataBuiltinInfo } from '../loss/dataBuiltins';
import { gradNormAt, lowestKnownMinimum, stepsToTolerance } from '../core/tune';
import { join } from 'node:path';
import {
  BUILTIN_LOSSES,
  OPTIMIZERS,
  createOptimizer,
  getConvention,
  type OptimizerOptions,
  createScheduledOptimizer,
  formatSchedulerSpec,
  unionNames,
  HyperparameterError,
  ScheduleError,
  type ScheduleConfig,
  type HyperValue,
  type OptimizerName,
} from '../core';
import { csvChunks, rowCount, trajectoryJsonChunks } from '../core/export';
import { describeSampling, planRecording, recordedRows, rowBytes } from '../core/simulation';
import { csvChunks as runsCsvChunks } from '../protocol/exportFormat';
import { cliRunBudgetBytes } from '../protocol/memoryBudget';
import { formatLossError, type LossInfo, type LossRef, type RecordingColumns, type RunConfig } from '../protocol/simulation';
import { DEFAULT_MEMORY_LIMIT_MB, SimulationRunner } from '../runner/client';
import { resolveLossRef } from '../loss/cliErrors';
import { isPythonLossFile } from '../loss/python';
import { refuseBeforeRun, torchExportScript, TorchExportError } from '../loss/torchExport';
import { UsageError, type CommonOptions, type CompareArgs, type HessianArgs, type SimulateArgs } from './args';
import { MAX_DENSE_HESSIAN, type CurvatureSeries, type EndpointReport, type HessianReport } from '../core/curvature';

/** What a command gets back: the loss and one recording per run, or the first user error. */
export interface Executed {
  readonly info: LossInfo;
  readonly runs: readonly RecordingColumns[];
}

export type Executor = (opts: CommonOptions, runs: readonly RunConfig[], trajectoryOnly: boolean, extra?: { curvature?: { every: number }; endpoint?: boolean }) => Promise<Executed>;

/** The optimizer options of --convention and --dtype. */
function optionsOf(opts: Pick<CommonOptions, 'convention' | 'dtype'>): OptimizerOptions {
  return { convention: getConvention(opts.convention ?? 'pytorch'), dtype: opts.dtype ?? 'float64' };
}

/** Validates hyperparameters up front so that bad flags are usage errors (exit 2), not run failures. */
function checkHyperparameters(name: OptimizerName, hp: Readonly<Record<string, HyperValue>>, schedule?: ScheduleConfig, opts: Pick<CommonOptions, 'convention' | 'dtype'> = {}): void {
  try {
    createScheduledOptimizer(name, hp, schedule, optionsOf(opts));
  } catch (e) {
    if (e instanceof HyperparameterError || e instanceof ScheduleError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * Runs with the runner: built-ins in-process, a loss file in the bundled loss process (dist/worker.js
 * next to dist/cli.js) with the watchdog and a memory limit (MB). What a loss file prints goes to
 * stderr (stdout holds the CLI's table or JSON). Ctrl+C ends the loss process group too.
 */
export function workerExecutor(timeoutMs: number, memoryLimitMb: number = DEFAULT_MEMORY_LIMIT_MB, python?: string): Executor {
  return async (opts, runs, trajectoryOnly, extra) => {
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
      if (ref.kind === 'builtin' && !info.hasData && opts.batchSize !== undefined) {
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
        ...(opts.convention !== undefined ? { convention: opts.convention } : {}),
        ...(opts.dtype !== undefined ? { dtype: opts.dtype } : {}),
        trajectoryOnly,
        ...(extra?.curvature ? { curvature: extra.curvature } : {}),
        ...(extra?.endpoint ? { endpoint: true } : {}),
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
      const all = [createOptimizer(rc.optimizer, rc.hyperparameters, optionsOf(opts)), ...(rc.then ?? []).map((s) => createOptimizer(s.optimizer, s.hyperparameters, optionsOf(opts)))];
      planRecording(opts.steps, rowBytes(info.dim, unionNames(all), trajectoryOnly ? 'trajectory' : 'all', info.hasValidation), perRun);
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(`--memory-budget-mb ${opts.memoryBudgetMb} (${runs.length} run(s)): ${e.message}`);
      throw e;
    }
  }
}

function lossDescription(info: LossInfo): unknown {
  return info.ref.kind === 'builtin' ? info.name : { name: info.name, path: info.ref.path, gradient: info.gradient };
}

const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e6) ? x.toExponential(6) : x.toPrecision(8)) : String(x));

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

/** `--out FILE.csv` writes the CSV, any other name the JSON document; `--format` overrides the name. */
const isCsvOut = (args: { out?: string; format?: 'csv' | 'json' }) => (args.format ? args.format === 'csv' : /\.csv$/i.test(args.out ?? ''));

function* joinChunks(...parts: Iterable<string>[]): Generator<string> {
  for (const p of parts) yield* p;
}

/** The command line a script came from (shown in its header). */
function exportCommand(args: SimulateArgs): string {
  const hp = Object.entries(args.hyperparameters).map(([k, v]) => `--${k.replace(/_/g, '-')}${v === true ? '' : `=${Array.isArray(v) ? v.join(',') : v}`}`);
  return ['simulate', `--loss ${args.loss}`, `--optimizer ${args.optimizer}`, `--steps ${args.steps}`, ...hp,
    ...(args.seed !== undefined ? [`--seed ${args.seed}`] : []), ...(args.batchSize !== undefined ? [`--batch-size ${args.batchSize}`] : []),
    ...(args.init ? [`--init=${args.init.join(',')}`] : [])].join(' ');
}

/** `CosineAnnealingLR T_max=200 | LinearLR … (SequentialLR at 20)`: a schedule in one line. */
function scheduleLine(s: ScheduleConfig): string {
  const list = s.schedulers.map(formatSchedulerSpec).join(' ; ');
  return s.milestones ? `SequentialLR(${list}) milestones=${s.milestones.join(',')}` : s.schedulers.length > 1 ? `ChainedScheduler(${list})` : list;
}

export async function runSimulate(args: SimulateArgs, execute: Executor, out: Output): Promise<void> {
  checkHyperparameters(args.optimizer, args.hyperparameters, args.schedule, args);
  for (const t of args.then) checkHyperparameters(t.optimizer, t.hyperparameters, t.schedule, args);
  if (args.exportTorch) {
    // not exported yet (README "Export as a PyTorch script"): refused rather than exported wrongly
    const unsupported = args.schedule ? '--schedule' : args.then.length ? '--then' : args.convention && args.convention !== 'pytorch' ? `--convention ${args.convention}` : args.dtype && args.dtype !== 'float64' ? `--dtype ${args.dtype}` : null;
    if (unsupported) throw new UsageError(`--export-torch: ${unsupported} is not exported to PyTorch yet`);
    if (isPythonLossFile(args.loss)) throw new UsageError('--export-torch: a *.loss.py is not exported to a PyTorch script yet (it is PyTorch already; --out run.json or --csv export the run)');
    try {
      refuseBeforeRun(args.optimizer, args.loss, Object.prototype.hasOwnProperty.call(BUILTIN_LOSSES, args.loss), args.gradientNoise, args.hyperparameters);
    } catch (e) {
      if (e instanceof TorchExportError) throw new UsageError(e.message);
      throw e;
    }
  }
  const config = {
    id: args.optimizer,
    optimizer: args.optimizer,
    hyperparameters: args.hyperparameters,
    ...(args.schedule ? { schedule: args.schedule } : {}),
    ...(args.then.length ? { then: args.then } : {}),
  };
  const { info, runs } = await execute(args, [config], false, { ...(args.curvature ? { curvature: args.curvature } : {}), ...(args.endpoint ? { endpoint: true } : {}) });
  const rec = runs[0]!;
  const meta = { loss: lossDescription(info), optimizer: rec.optimizer, hyperparameters: rec.hyperparameters, paramNames: info.paramNames, ...conventionMeta(rec), ...(args.schedule ? { schedule: args.schedule } : {}) };
  const json = () => joinChunks(trajectoryJsonChunks(rec, meta), ['\n']);
  if (args.out) await out.writeFile(args.out, isCsvOut(args) ? csvChunks(rec, info.paramNames) : json());
  if (args.exportTorch) {
    const script = torchExportScript({
      info, recording: rec, scriptPath: args.exportTorch,
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      ...(args.batchSize !== undefined ? { batchSize: args.batchSize } : {}),
      ...(args.gradientNoise !== undefined ? { gradientNoise: args.gradientNoise } : {}),
      provenance: `optimizer-diagnostics ${exportCommand(args)}`,
    });
    await out.writeFile(args.exportTorch, [script]);
  }
  if (args.json) await out.stream(json());
  else if (args.csv) await out.stream(csvChunks(rec, info.paramNames));
  else {
    const names = info.paramNames;
    const showParams = names.length <= 6;
    const hp = Object.entries(rec.hyperparameters).map(([k, v]) => `${k}=${Array.isArray(v) ? `(${v.join(', ')})` : v}`).join(' ');
    const conv = rec.convention || rec.dtype ? `   convention: ${rec.convention ?? 'pytorch'} ${rec.dtype ?? 'float64'}` : '';
    const lines = [`loss: ${info.name} (${names.length} parameters, ${info.gradient} gradient)   optimizer: ${rec.optimizer} ${hp}${conv}`];
    if (args.schedule) lines.push(`schedule: ${scheduleLine(args.schedule)}`);
    for (const seg of rec.segments?.slice(1) ?? []) {
      const shp = Object.entries(seg.hyperparameters).map(([k, v]) => `${k}=${Array.isArray(v) ? `(${v.join(', ')})` : v}`).join(' ');
      lines.push(`then from step ${seg.fromStep}: ${seg.optimizer} ${shp}${seg.schedule ? `   schedule: ${scheduleLine(seg.schedule)}` : ''}`);
    }
    const showLr = !!(args.schedule || args.then.length);
    for (const w of info.warnings) lines.push(`warning: ${w}`);
    const sampled = describeSampling(rec);
    if (sampled) lines.push(`note: ${sampled}, to stay within --memory-budget-mb ${args.memoryBudgetMb}`);
    const header = ['step', 'loss', ...(showParams ? names : []), '|grad|', ...(showLr ? ['lr'] : []), ...(showParams ? names.map((n) => `eff_lr[${n}]`) : [])];
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
      // lr used by the step leaving row r
      if (showLr) row.push(r < m - 1 && r < rec.lr.length ? fmt(rec.lr[r]!) : '');
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
    if (rec.curvature) lines.push(...curvatureLines(rec.curvature, stepOf));
    if (rec.endpoint) lines.push(...endpointLines([{ label: rec.optimizer, endpoint: rec.endpoint }]));
    out.stdout(lines.join('\n') + '\n');
  }
  if (rec.error) throw new RunError(formatLossError(rec.error));
}

/** The table's curvature summary (the full series is in --json). */
function curvatureLines(c: CurvatureSeries, stepOf: Float64Array | null): string[] {
  const lines = [`curvature (${c.method} second derivatives; threshold ${c.stability_formula} on ${c.stability_on === 'preconditioned' ? 'λ_max(P⁻¹H)' : 'λ_max(H)'}${c.stability_reason ? `: none — ${c.stability_reason}` : ''}):`];
  const header = ['step', 'λ_max(H)', 'λ_min(H)', 'λ_max(P⁻¹H)', 'threshold', 'α'];
  const table: string[][] = [header];
  const cell = (v: number | null) => (v === null ? '' : fmt(v));
  const pts = c.hessian_max_eig.map((_, r) => r).filter((r) => c.hessian_max_eig[r] !== null);
  const every = Math.max(1, Math.ceil(pts.length / 12));
  pts.forEach((r, k) => {
    if (!(k % every === 0 || k === pts.length - 1)) return;
    table.push([String(stepOf ? stepOf[r]! : r), cell(c.hessian_max_eig[r]!), cell(c.hessian_min_eig[r]!), cell(c.preconditioned_max_eig[r]!), cell(c.stability_threshold[r]!), cell(c.alpha[r]!)]);
  });
  const widths = header.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
  for (const row of table) lines.push(row.map((x, col) => x.padStart(widths[col]!)).join('  '));
  return lines;
}

/** `hessian`: loss, gradient, Hessian and eigenvalues at a point (computed where the loss runs: the runner). */
export async function runHessian(args: HessianArgs, out: Output): Promise<void> {
  const ref: LossRef = resolveLossRef(args.loss);
  const runner = new SimulationRunner({
    workerPath: join(__dirname, 'worker.js'),
    timeoutMs: args.timeoutMs,
    memoryLimitMb: args.memoryLimitMb,
    allowWorkspaceCode: true,
    warmSpare: false,
    onOutput: (text) => process.stderr.write(text),
    ...(args.python ? { pythonPath: args.python } : {}),
  });
  let report: HessianReport;
  let info: LossInfo;
  try {
    info = await runner.describe(ref, args.gradientMode);
    if (args.at && args.at.length !== info.dim) throw new UsageError(`--at has ${args.at.length} values, but ${info.name} has ${info.dim} parameters (${info.paramNames.join(', ')})`);
    if (args.topK === undefined && info.dim > MAX_DENSE_HESSIAN) {
      throw new UsageError(`${info.name} has ${info.dim} parameters: the dense Hessian is printed for n ≤ ${MAX_DENSE_HESSIAN}; use --top-k K for the K largest and smallest eigenvalues (Lanczos)`);
    }
    report = await runner.hessian({ loss: ref, ...(args.at ? { at: args.at } : {}), ...(args.topK !== undefined ? { topK: args.topK } : {}), ...(args.gradientMode ? { gradientMode: args.gradientMode } : {}) });
  } finally {
    runner.dispose();
  }
  if (args.json) {
    const doc = {
      loss: report.loss,
      gradient: report.gradient,
      ...(report.hessian ? { hessian: report.hessian } : {}),
      eigenvalues: report.eigenvalues,
      method: report.method,
      ...(report.largest ? { largest: report.largest, smallest: report.smallest, lanczos_iterations: report.lanczos_iterations } : {}),
    };
    out.stdout(JSON.stringify(doc) + '\n');
    return;
  }
  const names = info.paramNames;
  const at = args.at ?? info.start;
  const lines = [`loss: ${info.name} (${names.length} parameters, full batch)   method: ${report.method}${at.length <= 8 ? `   at: (${at.map(fmt).join(', ')})` : ''}`];
  lines.push(`f = ${fmt(report.loss)}`);
  if (report.gradient.length <= 8) lines.push(`gradient: [${report.gradient.map(fmt).join(', ')}]`);
  else lines.push(`‖gradient‖ = ${fmt(Math.hypot(...report.gradient))} (all ${report.gradient.length} components: --json)`);
  if (report.hessian && report.hessian.length <= 8) {
    lines.push('Hessian:');
    const cells = report.hessian.map((row) => row.map(fmt));
    const w = Math.max(...cells.flat().map((c) => c.length));
    for (const row of cells) lines.push('  ' + row.map((c) => c.padStart(w)).join('  '));
    lines.push(`eigenvalues (ascending): ${report.eigenvalues.map(fmt).join(', ')}`);
  } else if (report.hessian) {
    const e = report.eigenvalues;
    lines.push(`Hessian: ${e.length} × ${e.length} (--json prints it)`);
    lines.push(`eigenvalues (ascending): ${e.slice(0, 5).map(fmt).join(', ')}, …, ${e.slice(-5).map(fmt).join(', ')}`);
  } else {
    lines.push(`largest ${report.largest!.length} eigenvalues: ${report.largest!.map(fmt).join(', ')}`);
    lines.push(`smallest ${report.smallest!.length} eigenvalues: ${report.smallest!.map(fmt).join(', ')}`);
    lines.push(`Lanczos: ${report.lanczos_iterations} Hessian-vector products`);
  }
  out.stdout(lines.join('\n') + '\n');
}

export interface CompareRow {
  label: string;
  finalLoss: number;
  bestLoss: number;
  stepsToTolerance: number | null;
  diverged: boolean;
  stopReason: string | null;
  stepsCompleted: number;
  /** Generalisation at the run's last row (README "Generalisation"); null when not computed (non-finite end point). */
  endpoint: EndpointReport | null;
}

export async function runCompare(args: CompareArgs, execute: Executor, out: Output): Promise<CompareRow[]> {
  for (const spec of args.runs) {
    checkHyperparameters(spec.optimizer, spec.hyperparameters, spec.schedule ?? args.schedule, args);
    for (const t of spec.then ?? []) checkHyperparameters(t.optimizer, t.hyperparameters, t.schedule, args);
  }
  const configs: RunConfig[] = args.runs.map((spec, k) => {
    const schedule = spec.schedule ?? args.schedule;
    return { id: `${k}`, optimizer: spec.optimizer, hyperparameters: spec.hyperparameters, label: spec.label, ...(schedule ? { schedule } : {}), ...(spec.then?.length ? { then: spec.then } : {}) };
  });
  const { info, runs } = await execute(args, configs, !(args.json || args.out || args.csv), { endpoint: true });
  const fMin = lowestKnownMinimum(info);
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
      endpoint: rec.endpoint ?? null,
    };
  });
  // { loss, tolerance, summary, runs: [one simulate document per run] }, streamed run by run.
  const doc = function* (): Generator<string> {
    yield `{"loss":${JSON.stringify(lossDescription(info))},"tolerance":${JSON.stringify(args.tolerance)},"summary":${JSON.stringify(rows)},"runs":[`;
    for (let k = 0; k < runs.length; k++) {
      const rec = runs[k]!;
      if (k) yield ',';
      const schedule = configs[k]!.schedule;
      yield* trajectoryJsonChunks(rec, { loss: lossDescription(info), optimizer: rec.optimizer, hyperparameters: rec.hyperparameters, paramNames: info.paramNames, ...conventionMeta(rec), ...(schedule ? { schedule } : {}) });
    }
    yield ']}\n';
  };
  const csv = () => runsCsvChunks(info.paramNames, runs.map((rec, k) => ({ label: configs[k]!.label!, recording: rec })));
  if (args.out) await out.writeFile(args.out, isCsvOut(args) ? csv() : doc());
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
    lines.push(...endpointLines(rows));
    out.stdout(lines.join('\n') + '\n');
  }
  const failed = runs.find((r) => r.error);
  if (failed) throw new RunError(formatLossError(failed.error!));
  return rows;
}

/** compare's end-point table: train/held-out gap, sharpness λ_max(H) and ε-flatness of every run. */
function endpointLines(rows: readonly Pick<CompareRow, 'label' | 'endpoint'>[]): string[] {
  const e0 = rows.find((r) => r.endpoint)?.endpoint;
  if (!e0) return [];
  const held = rows.some((r) => r.endpoint?.heldout_loss !== null && r.endpoint?.heldout_loss !== undefined);
  const method = e0.sharpness_method ? `${e0.sharpness_method} Hessian, ${e0.sharpness_solver}` : 'no second derivatives';
  const lines = ['', `end point (train loss full batch; λ_max(H): ${method}; ε-flatness: mean f(θ+δ) − f(θ) over ${e0.samples} seeded directions, ‖δ‖ = ${e0.rho_fraction}‖θ‖, seed ${e0.seed}):`];
  const header = ['optimizer', 'train loss', ...(held ? ['held-out loss', 'gap'] : []), 'λ_max(H)', 'ε-flatness', 'ρ'];
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? '' : fmt(v));
  const table = [header, ...rows.map((r) => {
    const e = r.endpoint;
    if (!e) return [r.label, 'not finite', ...(held ? ['', ''] : []), '', '', ''];
    return [r.label, fmt(e.train_loss), ...(held ? [cell(e.heldout_loss), cell(e.gap)] : []), e.sharpness_converged === false ? `≥ ${cell(e.sharpness)} (Lanczos not converged)` : cell(e.sharpness), fmt(e.flatness), fmt(e.rho)];
  })];
  const widths = header.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  for (const r of table) lines.push(r.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join('  '));
  return lines;
}

/** The run's convention and dtype for the JSON document (written only when not the defaults). */
function conventionMeta(rec: RecordingColumns): { convention?: string; dtype?: string } {
  return { ...(rec.convention ? { convention: rec.convention } : {}), ...(rec.dtype ? { dtype: rec.dtype } : {}) };
}

export function listText(): string {
  const lines = ['optimizers:'];
  for (const d of Object.values(OPTIMIZERS)) lines.push(`  ${d.name.padEnd(9)} ${d.label.padEnd(26)} ${d.torchName}`);
  lines.push('', 'built-in losses:');
  for (const b of Object.values(BUILTIN_LOSSES)) lines.push(`  ${b.name.padEnd(11)} ${b.formula}`);
  for (const name of DATA_BUILTIN_NAMES) lines.push(`  ${name}  ${dataBuiltinInfo(name).formula} (data: ${dataBuiltinInfo(name).dataLayout!.rows} rows, ${dataBuiltinInfo(name).dataLayout!.validation * 100} % held out)`);
  return lines.join('\n') + '\n';
}
