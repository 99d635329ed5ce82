// `optimizer-diagnostics lr-find`: the learning-rate range test (src/core/lrFind.ts). One run through the
// runner (built-ins in-process, a loss file in its loss process with the watchdog) whose lr grows
// exponentially per step (the request's lrRange), then the smoothed curve, the stop and the suggestions.

import { join } from 'node:path';
import { analyzeLrRange, type LrFindResult, type LrSuggestion } from '../core/lrFind';
import { jsonNumber } from '../core/export';
import { formatLossError, type LossInfo } from '../protocol/simulation';
import { resolveLossRef } from '../loss/cliErrors';
import { SimulationRunner } from '../runner/client';
import { UsageError, type LrFindArgs } from './args';
import { RunError, type Output } from './run';

export async function lrFind(args: LrFindArgs, workerPath: string): Promise<{ info: LossInfo; result: LrFindResult; error?: string }> {
  const ref = resolveLossRef(args.loss);
  if (ref.kind === 'builtin' && args.batchSize !== undefined) throw new UsageError(`--batch-size applies to loss files with data, not to the built-in ${args.loss}`);
  const runner = new SimulationRunner({ workerPath, timeoutMs: args.timeoutMs, memoryLimitMb: args.memoryLimitMb, allowWorkspaceCode: true, warmSpare: false, onOutput: (t) => process.stderr.write(t), ...(args.python ? { pythonPath: args.python } : {}) });
  try {
    const r = await runner.run({
      requestId: 'lr-find',
      loss: ref,
      runs: [{ id: 'lr-find', optimizer: args.optimizer, hyperparameters: args.hyperparameters }],
      steps: args.steps,
      trajectoryOnly: true,
      lrRange: { min: args.minLr, max: args.maxLr, steps: args.steps },
      ...(args.init ? { start: args.init } : {}),
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      ...(args.batchSize !== undefined ? { batchSize: args.batchSize } : {}),
      ...(args.gradientNoise !== undefined ? { gradientNoise: args.gradientNoise } : {}),
      ...(args.gradientMode !== undefined ? { gradientMode: args.gradientMode } : {}),
    });
    const rec = r.runs[0];
    if (!rec) throw new RunError('the range test produced no run');
    return { info: r.loss, result: analyzeLrRange(rec.lr, rec.loss, args.steps), ...(rec.error ? { error: formatLossError(rec.error) } : {}) };
  } finally {
    runner.dispose();
  }
}

const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e6) ? x.toExponential(4) : x.toPrecision(6)) : String(x));
const STOP: Record<LrFindResult['stop'], string> = {
  diverged: 'the smoothed loss exceeded 4× its minimum',
  'non-finite': 'the loss or the parameters became non-finite',
  completed: 'all steps ran (the smoothed loss never exceeded 4× its minimum)',
};

export async function runLrFind(args: LrFindArgs, out: Output, workerPath = join(__dirname, 'worker.js')): Promise<LrFindResult> {
  const { info, result, error } = await lrFind(args, workerPath);
  const sug = (s: LrSuggestion | null) => (s ? { lr: s.lr, step: s.step } : null);
  const doc = () => JSON.stringify({
    loss: info.ref.kind === 'builtin' ? info.name : { name: info.name, path: info.ref.path },
    optimizer: args.optimizer,
    hyperparameters: args.hyperparameters,
    min_lr: args.minLr,
    max_lr: args.maxLr,
    steps: args.steps,
    stop: result.stop,
    suggestions: { steepest: sug(result.steepest), valley: sug(result.valley), min_over_10: sug(result.minOver10) },
    points: result.points.map((p) => ({ step: p.step, lr: p.lr, loss: jsonNumber(p.loss), smoothed: jsonNumber(p.smoothed) })),
  }) + '\n';
  if (args.out) await out.writeFile(args.out, [doc()]);
  if (args.json) out.stdout(doc());
  else {
    const lines = [`lr range test: ${info.name}, ${args.optimizer}, lr ${fmt(args.minLr)} → ${fmt(args.maxLr)} over ${args.steps} steps; stopped after ${result.points.length} points: ${STOP[result.stop]}`];
    const pts = result.points;
    const every = Math.max(1, Math.ceil(pts.length / 25));
    lines.push(`${'step'.padStart(5)}  ${'lr'.padStart(11)}  ${'loss'.padStart(11)}  ${'smoothed'.padStart(11)}`);
    pts.forEach((p, i) => {
      if (i % every === 0 || i === pts.length - 1) lines.push(`${String(p.step).padStart(5)}  ${fmt(p.lr).padStart(11)}  ${fmt(p.loss).padStart(11)}  ${fmt(p.smoothed).padStart(11)}`);
    });
    const s = (name: string, x: LrSuggestion | null) => `  ${name.padEnd(34)} ${x ? `${fmt(x.lr)}  (step ${x.step})` : 'none (too few points)'}`;
    lines.push('suggestions:', s('steepest descent (after 10 % burn-in)', result.steepest), s('valley (fastai)', result.valley), s('minimum ÷ 10', result.minOver10));
    out.stdout(lines.join('\n') + '\n');
  }
  if (error) throw new RunError(error);
  return result;
}
