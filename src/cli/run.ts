// The CLI's commands: simulate (one optimizer, trajectory as a table or JSON) and compare (a table).

import {
  createOptimizer,
  simulate,
  BUILTIN_LOSSES,
  HyperparameterError,
  OPTIMIZERS,
  type HyperValue,
  type Problem,
  type Recording,
} from '../core';
import { toTrajectoryJson } from '../core/export';
import { UsageError, type CommonOptions, type CompareArgs, type SimulateArgs } from './args';

/** A resolved loss: the problem plus what the output needs to describe it. */
export interface ResolvedLoss {
  problem: Problem;
  /** What `--json` writes as "loss": a built-in's name, or {name, path} for files. */
  description: unknown;
  start: Float64Array;
  /** Known minimum value, for "steps to tolerance". */
  fMin?: number;
}

export type LossResolver = (arg: string, opts: CommonOptions) => Promise<ResolvedLoss>;

function startPoint(loss: ResolvedLoss, init: number[] | undefined): Float64Array {
  if (!init) return loss.start;
  if (init.length !== loss.problem.dim) {
    throw new UsageError(`--init has ${init.length} values, but ${loss.problem.name} has ${loss.problem.dim} parameters (${loss.problem.paramNames.join(', ')})`);
  }
  return Float64Array.from(init);
}

function optimizerOrUsage(name: string, hp: Record<string, HyperValue>) {
  try {
    return createOptimizer(name, hp);
  } catch (e) {
    if (e instanceof HyperparameterError) throw new UsageError(e.message);
    throw e;
  }
}

const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e6) ? x.toExponential(6) : x.toPrecision(8)) : String(x));

function gradNorm(rec: Recording, t: number): number {
  let s = 0;
  for (let i = 0; i < rec.dim; i++) s += rec.grad[t * rec.dim + i]! ** 2;
  return Math.sqrt(s);
}

export interface Output {
  stdout(text: string): void;
  writeFile(path: string, text: string): void;
}

export async function runSimulate(args: SimulateArgs, resolve: LossResolver, out: Output): Promise<void> {
  const loss = await resolve(args.loss, args);
  const optimizer = optimizerOrUsage(args.optimizer, args.hyperparameters);
  const rec = simulate({ problem: loss.problem, optimizer, start: startPoint(loss, args.init), steps: args.steps });
  const json = toTrajectoryJson(rec, {
    loss: loss.description,
    optimizer: optimizer.name,
    hyperparameters: optimizer.hyperparameters,
    paramNames: loss.problem.paramNames,
  });
  if (args.out) out.writeFile(args.out, JSON.stringify(json) + '\n');
  if (args.json) {
    out.stdout(JSON.stringify(json) + '\n');
    return;
  }
  const names = loss.problem.paramNames;
  const showParams = names.length <= 6;
  const hp = Object.entries(optimizer.hyperparameters).map(([k, v]) => `${k}=${Array.isArray(v) ? `(${v.join(', ')})` : v}`).join(' ');
  const lines = [`loss: ${loss.problem.name} (${names.length} parameters)   optimizer: ${optimizer.name} ${hp}`];
  const header = ['step', 'loss', ...(showParams ? names : []), '|grad|', ...(showParams ? names.map((n) => `eff_lr[${n}]`) : [])];
  const table: string[][] = [header];
  const n = rec.stepsCompleted;
  const every = Math.max(1, Math.ceil(n / 20));
  for (let t = 0; t <= n; t++) {
    if (!(t < 3 || t % every === 0 || t === n)) continue;
    const row = [String(t), fmt(rec.loss[t]!)];
    if (showParams) for (let i = 0; i < rec.dim; i++) row.push(fmt(rec.params[t * rec.dim + i]!));
    row.push(t < n ? fmt(gradNorm(rec, t)) : '');
    // effective LR of the step that produced params[t]
    if (showParams) for (let i = 0; i < rec.dim; i++) row.push(t >= 1 && rec.effectiveLr.length ? fmt(rec.effectiveLr[(t - 1) * rec.dim + i]!) : '');
    table.push(row);
  }
  const widths = header.map((_, c) => Math.max(...table.map((r) => (r[c] ?? '').length)));
  for (const r of table) lines.push(r.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
  lines.push(
    rec.diverged
      ? `${rec.stopReason} (of ${rec.stepsRequested} requested); the ${n} steps before are kept`
      : `completed ${n} steps; final loss ${fmt(rec.loss[n]!)}`,
  );
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
}

/** First step t with f(θ_t) − f* ≤ tol when f* is known, else ‖∇f(θ_t)‖₂ ≤ tol; null if never. */
export function stepsToTolerance(rec: Recording, tol: number, fMin: number | undefined): number | null {
  for (let t = 0; t <= rec.stepsCompleted; t++) {
    if (fMin !== undefined) {
      if (rec.loss[t]! - fMin <= tol) return t;
    } else if (t < rec.stepsCompleted && gradNorm(rec, t) <= tol) return t;
  }
  return null;
}

export async function runCompare(args: CompareArgs, resolve: LossResolver, out: Output): Promise<CompareRow[]> {
  const loss = await resolve(args.loss, args);
  const start = startPoint(loss, args.init);
  const rows: CompareRow[] = [];
  const docs: unknown[] = [];
  for (const spec of args.runs) {
    const optimizer = optimizerOrUsage(spec.optimizer, spec.hyperparameters);
    const rec = simulate({ problem: loss.problem, optimizer, start, steps: args.steps, record: args.json || args.out ? 'all' : 'trajectory' });
    let best = Infinity;
    for (let t = 0; t <= rec.stepsCompleted; t++) if (rec.loss[t]! < best) best = rec.loss[t]!;
    rows.push({
      label: spec.label,
      finalLoss: rec.loss[rec.stepsCompleted]!,
      bestLoss: best,
      stepsToTolerance: stepsToTolerance(rec, args.tolerance, loss.fMin),
      diverged: rec.diverged,
      stopReason: rec.stopReason,
      stepsCompleted: rec.stepsCompleted,
    });
    if (args.json || args.out) {
      docs.push(toTrajectoryJson(rec, { loss: loss.description, optimizer: optimizer.name, hyperparameters: optimizer.hyperparameters, paramNames: loss.problem.paramNames }));
    }
  }
  if (args.out) out.writeFile(args.out, JSON.stringify({ runs: docs }) + '\n');
  if (args.json) {
    out.stdout(JSON.stringify({ loss: loss.description, tolerance: args.tolerance, summary: rows, runs: docs }) + '\n');
    return rows;
  }
  const criterion = loss.fMin !== undefined ? `f − f* ≤ ${args.tolerance}` : `‖∇f‖ ≤ ${args.tolerance}`;
  const header = ['optimizer', 'final loss', 'best loss', `steps to ${criterion}`, 'diverged?'];
  const table = [header, ...rows.map((r) => [
    r.label,
    fmt(r.finalLoss),
    fmt(r.bestLoss),
    r.stepsToTolerance === null ? `not within ${args.steps}` : String(r.stepsToTolerance),
    r.diverged ? `yes, at step ${r.stepsCompleted}` : 'no',
  ])];
  const widths = header.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  const lines = [`loss: ${loss.problem.name}   start: (${[...start].map(fmt).join(', ')})   steps: ${args.steps}`];
  table.forEach((r, k) => {
    lines.push(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    if (k === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  });
  out.stdout(lines.join('\n') + '\n');
  return rows;
}

export function listText(): string {
  const lines = ['optimizers:'];
  for (const d of Object.values(OPTIMIZERS)) lines.push(`  ${d.name.padEnd(9)} ${d.label.padEnd(26)} ${d.torchName}`);
  lines.push('', 'built-in losses:');
  for (const b of Object.values(BUILTIN_LOSSES)) lines.push(`  ${b.name.padEnd(11)} ${b.formula}`);
  return lines.join('\n') + '\n';
}
