// `optimizer-diagnostics` — the headless CLI (dist/cli.js). Exit codes: 0 ok (a diverged run is a
// result, not an error), 1 a loss or runtime error, 2 a usage error. Errors are one line on stderr.

import { writeFileSync } from 'node:fs';
import { UsageError, helpText, parseArgs } from './args';
import { listText, runCompare, runSimulate, workerExecutor, type Output } from './run';
import { CliLossError } from '../loss/cliErrors';
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
        await runSimulate(args, workerExecutor(args.timeoutMs), out);
        return 0;
      case 'compare':
        await runCompare(args, workerExecutor(args.timeoutMs), out);
        return 0;
    }
  } catch (e) {
    // Errors of user code during the run (a throw, NaN at step k) are LossErrors too: same one-line form.
    const err = e instanceof LossErrorException ? new CliLossError(e.error) : e;
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`optimizer-diagnostics: ${msg.split('\n')[0]}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) {
  // `optimizer-diagnostics ... | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const out: Output = {
    stdout: (t) => process.stdout.write(t),
    writeFile: (p, t) => writeFileSync(p, t),
  };
  void main(process.argv.slice(2), out).then((code) => {
    process.exitCode = code;
  });
}
