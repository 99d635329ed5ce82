// Loss resolution for the CLI: built-in names and loss files (`--loss path/to/x.loss.ts`), through the
// same loader the extension's worker uses. The CLI executes only the file it is given; loss-file errors
// become one-line `file:line:col: message` errors (exit status 1).
import { resolveLoss } from '../loss/cliSupport';
import { UsageError, type CommonOptions } from './args';
import type { ResolvedLoss } from './run';

export async function resolveCliLoss(arg: string, opts: CommonOptions): Promise<ResolvedLoss> {
  const { problem, info } = await resolveLoss(arg, {
    ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.gradientMode !== undefined ? { gradientMode: opts.gradientMode } : {}),
    ...(opts.gradientNoise !== undefined ? { gradientNoise: opts.gradientNoise } : {}),
  });
  if (info.ref.kind === 'builtin' && opts.batchSize !== undefined) {
    throw new UsageError(`--batch-size applies to loss files with data, not to the built-in ${arg}`);
  }
  const fMins = (info.minima ?? []).map((m) => m.f).filter((f): f is number => typeof f === 'number');
  for (const w of info.warnings) process.stderr.write(`optimizer-diagnostics: warning: ${w}\n`);
  return {
    problem,
    description: info.ref.kind === 'builtin' ? info.name : { name: info.name, path: info.ref.path, gradient: info.gradient },
    start: Float64Array.from(info.start),
    ...(fMins.length ? { fMin: Math.min(...fMins) } : {}),
  };
}
