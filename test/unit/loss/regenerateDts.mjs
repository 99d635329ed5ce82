// Copies types/optimizer-diagnostics.d.ts (the one source of the loss-file types) to the places that
// must hold the same text: src/loss/dts.ts (a string constant for the scaffold command) and
// examples/optimizer-diagnostics.d.ts. Run after editing the .d.ts:  node test/unit/loss/regenerateDts.mjs
// (types.test.ts fails until the copies match).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dts = readFileSync(join(root, 'types', 'optimizer-diagnostics.d.ts'), 'utf8');
const literal = dts.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
writeFileSync(
  join(root, 'src', 'loss', 'dts.ts'),
  `// The text of types/optimizer-diagnostics.d.ts (GENERATED copy; a unit test checks it is identical),
// written next to new loss files by the scaffold command so \`satisfies LossDefinition\` type-checks.
// Regenerate after editing the .d.ts: node test/unit/loss/regenerateDts.mjs

export const DTS_FILE_NAME = 'optimizer-diagnostics.d.ts';

export const OPTIMIZER_DIAGNOSTICS_DTS = \`${literal}\`;
`,
);
writeFileSync(join(root, 'examples', 'optimizer-diagnostics.d.ts'), dts);
console.log('src/loss/dts.ts and examples/optimizer-diagnostics.d.ts regenerated');
