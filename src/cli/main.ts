// `optimizer-diagnostics` — the headless CLI (dist/cli.js). Exit codes: 0 ok (a diverged run is a
// result, not an error), 1 a loss or runtime error, 2 a usage error (a bad flag or value, an unknown loss,
// a memory budget too small). Errors are one line on stderr (control characters escaped, long ones cut).
// JSON and CSV are streamed, to stdout and to --out (written atomically).

import { once } from 'node:events';
import { UsageError, helpText, parseArgs } from './args';
import { listText, runCompare, runHessian, runSimulate, workerExecutor, type Output } from './run';
import { runSweep } from './sweep';
import { runTunedCompare } from './tune';
import { runLrFind } from './lrFind';
import { runRunFile } from './runFile';
import { writeFileAtomic } from '../host/util/atomicWrite';
import { CliLossError, cliErrorLine } from '../loss/cliErrors';
import { LossErrorException } from '../loss/errors';

declare const PACKAGE_VERSION: string | undefined;

export async function main(argv: readonly string[], out: Output): Promise<number> {
  try {
    const args = parseArgs(argv);
    switch (args.command) {
      case 'help':
        out.stdout(helpText(args.topic) + '\n');
        return 0;
      case 'version':
        out.stdout(`${typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev'}\n`);
        return 0;
      case 'list':
        out.stdout(listText());
        return 0;
      case 'simulate':
        await runSimulate(args, workerExecutor(args.timeoutMs, args.memoryLimitMb, args.python), out);
        return 0;
      case 'compare':
        if (args.tune) await runTunedCompare(args, out);
        else await runCompare(args, workerExecutor(args.timeoutMs, args.memoryLimitMb, args.python), out);
        return 0;
      case 'sweep':
        await runSweep(args, out);
        return 0;
      case 'lr-find':
        await runLrFind(args, out);
        return 0;
      case 'hessian':
        await runHessian(args, out);
        return 0;
      case 'run':
        await runRunFile(args, out);
        return 0;
    }
  } catch (e) {
    // Errors of user code during the run (a throw, NaN at step k) are LossErrors too: same one-line form.
    const err = e instanceof LossErrorException ? new CliLossError(e.error) : e;
    const msg = err instanceof Error ? err.message : String(err);
    // One line whatever the message holds: newlines and escape codes are shown escaped, a huge one is cut.
    process.stderr.write(cliErrorLine(msg) + '\n');
    return e instanceof UsageError || (e instanceof CliLossError && e.usage) ? 2 : 1;
  }
}

if (require.main === module) {
  // `optimizer-diagnostics ... | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const out: Output = {
    stdout: (t) => void process.stdout.write(t),
    stream: async (chunks) => {
      for (const c of chunks) if (!process.stdout.write(c)) await once(process.stdout, 'drain');
    },
    writeFile: (p, chunks) => writeFileAtomic(p, chunks),
  };
  void main(process.argv.slice(2), out).then((code) => {
    process.exitCode = code;
  });
}
