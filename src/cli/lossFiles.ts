// Loss files for the CLI (`--loss path/to/x.loss.ts`). The CLI executes only the file it is given.
import type { CommonOptions } from './args';
import { UsageError } from './args';
import type { ResolvedLoss } from './run';

export async function resolveLossFile(arg: string, _opts: CommonOptions): Promise<ResolvedLoss> {
  throw new UsageError(`unknown loss "${arg}": loss files are not supported yet`);
}
