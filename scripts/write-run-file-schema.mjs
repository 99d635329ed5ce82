// Rewrites media/optdiag.schema.json from src/protocol/runFile.ts's runFileSchema() (the registries'
// optimizer, hyperparameter and scheduler names). test/unit/protocol/runFile.test.ts checks they agree.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'od-schema-'));
try {
  const out = join(dir, 'runFile.cjs');
  await build({ entryPoints: ['src/protocol/runFile.ts'], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'error' });
  const { runFileSchema } = createRequire(import.meta.url)(out);
  writeFileSync('media/optdiag.schema.json', JSON.stringify(runFileSchema(), null, 2) + '\n');
  console.log('wrote media/optdiag.schema.json');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
