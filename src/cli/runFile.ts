// `optimizer-diagnostics run FILE.optdiag.json`: reads a run file (src/protocol/runFile.ts), and runs exactly
// what it says through simulate (one run) or compare (several). A malformed file is a UsageError (exit 2),
// one line: `FILE: <json path>: <what is wrong>`.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RunFileError, parseRunFile, type RunFile } from '../protocol/runFile';
import { UsageError, type CommonOptions, type CompareArgs, type RunFileArgs, type SimulateArgs } from './args';
import { runCompare, runSimulate, workerExecutor, type Output } from './run';

/** The run file at `path`, parsed; unreadable or malformed: a UsageError naming the file. */
export function readRunFile(path: string): RunFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${path}: cannot read the run file${code === 'ENOENT' ? ' (no such file)' : code === 'EISDIR' ? ' (a folder)' : code ? ` (${code})` : ''}`);
  }
  try {
    return parseRunFile(text);
  } catch (e) {
    if (e instanceof RunFileError) throw new UsageError(`${path}: ${e.message}`);
    throw e;
  }
}

/** The CLI options a run file stands for (its loss file resolved against the run file's folder). */
export function runFileOptions(args: RunFileArgs, file: RunFile): CommonOptions {
  const c = file.config;
  return {
    loss: c.loss.kind === 'builtin' ? c.loss.name : resolve(dirname(resolve(args.file)), c.loss.path),
    steps: c.steps,
    json: args.json,
    csv: args.csv,
    ...(args.out !== undefined ? { out: args.out } : {}),
    ...(file.start ? { init: [...file.start] } : {}),
    seed: c.seed,
    ...(c.batchSize !== undefined ? { batchSize: c.batchSize } : {}),
    ...(file.gradientNoise !== undefined ? { gradientNoise: file.gradientNoise } : {}),
    ...(c.convention ? { convention: c.convention } : {}),
    ...(c.dtype ? { dtype: c.dtype } : {}),
    ...(args.python !== undefined ? { python: args.python } : {}),
    timeoutMs: args.timeoutMs,
    memoryBudgetMb: args.memoryBudgetMb,
    memoryLimitMb: args.memoryLimitMb,
    hyperparameters: {},
  };
}

export async function runRunFile(args: RunFileArgs, out: Output): Promise<void> {
  const file = readRunFile(args.file);
  if (file.config.loss.kind === 'builtin' && file.config.batchSize !== undefined) {
    throw new UsageError(`${args.file}: batchSize: applies to loss files with data, not to the built-in ${file.config.loss.name}`);
  }
  const common = runFileOptions(args, file);
  const execute = workerExecutor(args.timeoutMs, args.memoryLimitMb, args.python);
  const runs = file.config.runs;
  if (runs.length === 1) {
    const r = runs[0]!;
    const sim: SimulateArgs = {
      ...common,
      command: 'simulate',
      optimizer: r.optimizer,
      hyperparameters: { ...r.hyperparameters },
      ...(r.schedule ? { schedule: r.schedule } : {}),
      then: [...(r.then ?? [])],
    };
    await runSimulate(sim, execute, out);
    return;
  }
  const cmp: CompareArgs = {
    ...common,
    command: 'compare',
    tolerance: 1e-6,
    runs: runs.map((r) => ({
      optimizer: r.optimizer,
      hyperparameters: { ...r.hyperparameters },
      label: r.id,
      ...(r.schedule ? { schedule: r.schedule } : {}),
      ...(r.then?.length ? { then: [...r.then] } : {}),
    })),
  };
  await runCompare(cmp, execute, out);
}
