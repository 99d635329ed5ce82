// The loss-file types: one source (types/optimizer-diagnostics.d.ts), identical copies for the
// scaffold command (src/loss/dts.ts) and the examples; the scaffold templates load and run.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOptimizer, simulate } from '../../../src/core';
import { OPTIMIZER_DIAGNOSTICS_DTS } from '../../../src/loss/dts';
import { loadLossFileSync } from '../../../src/loss/loader';
import { SCAFFOLD_KINDS, scaffoldLossFile } from '../../../src/loss/scaffold';
import type { LossDefinition } from '../../../src/loss/types';
import { EXAMPLES, ROOT, tempFiles } from './fixtures';

const REGENERATE = 'regenerate with: node test/unit/loss/regenerateDts.mjs';

describe('loss-file types', () => {
  const dts = readFileSync(join(ROOT, 'types', 'optimizer-diagnostics.d.ts'), 'utf8');

  test('src/loss/dts.ts holds the text of types/optimizer-diagnostics.d.ts', () => {
    assert.equal(OPTIMIZER_DIAGNOSTICS_DTS, dts, REGENERATE);
  });

  test('examples/optimizer-diagnostics.d.ts is the same file', () => {
    assert.equal(readFileSync(join(EXAMPLES, 'optimizer-diagnostics.d.ts'), 'utf8'), dts, REGENERATE);
  });

  test('the .d.ts is standalone and declares what src/loss/types.ts re-exports', () => {
    assert.ok(!/^\s*import /m.test(dts), 'no imports');
    const exported = [...dts.matchAll(/^export (?:type|interface) (\w+)/gm)].map((m) => m[1]).sort();
    const src = readFileSync(join(ROOT, 'src', 'loss', 'types.ts'), 'utf8');
    const block = /export type \{([^}]*)\} from '..\/..\/types\/optimizer-diagnostics';/.exec(src);
    assert.ok(block, 'src/loss/types.ts re-exports the .d.ts');
    assert.deepEqual(block[1]!.split(',').map((s) => s.trim()).filter(Boolean).sort(), exported);
    // A compile-time use of the types (type-checked by tsc -p tsconfig.json).
    const def = { params: { w: [0, 0], b: 0 }, loss: (p: { w: number[]; b: number }) => p.w[0]! + p.b } satisfies LossDefinition;
    assert.equal(def.loss({ w: [1, 2], b: 3 }), 4);
  });

  const python = process.env['OD_TEST_PYTHON'] ?? '/usr/bin/python3';
  const torch = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  test('scaffold "python": a *.loss.py that loads and runs (torch.autograd)', { skip: torch ? false : `${python} cannot import torch (scripts/python/install.sh)` }, () => {
    const s = scaffoldLossFile('python');
    assert.match(s.suggestedFileName, /\.loss\.py$/);
    const t = tempFiles({ [s.suggestedFileName]: s.source });
    const prev = process.env['OD_PYTHON'];
    process.env['OD_PYTHON'] = python;
    try {
      const l = loadLossFileSync(t.path(s.suggestedFileName));
      const info = l.info();
      assert.equal(info.gradient, 'autodiff');
      assert.deepEqual(info.warnings, []);
      const rec = simulate({ problem: l.createProblem(), optimizer: createOptimizer('adam', { lr: 0.05 }), start: Float64Array.from(l.start), steps: 100 });
      assert.equal(rec.diverged, false);
      assert.ok(rec.loss[100]! < rec.loss[0]!);
      (l as unknown as { dispose(): void }).dispose();
    } finally {
      if (prev === undefined) delete process.env['OD_PYTHON'];
      else process.env['OD_PYTHON'] = prev;
      t.cleanup();
    }
  });

  for (const { kind } of SCAFFOLD_KINDS.filter((k) => k.kind !== 'python')) {
    test(`scaffold "${kind}": a loss file that loads and runs, with the types next to it`, () => {
      const s = scaffoldLossFile(kind);
      assert.equal(s.declarations, dts);
      assert.equal(s.declarationsFileName, 'optimizer-diagnostics.d.ts');
      assert.match(s.suggestedFileName, /\.loss\.ts$/);
      assert.match(s.source, /from '\.\/optimizer-diagnostics'/);
      const t = tempFiles({ [s.suggestedFileName]: s.source, [s.declarationsFileName]: s.declarations });
      try {
        const l = loadLossFileSync(t.path(s.suggestedFileName));
        const info = l.info();
        assert.deepEqual(info.warnings, []);
        const rec = simulate({ problem: l.createProblem(), optimizer: createOptimizer('adam', { lr: 0.05 }), start: Float64Array.from(l.start), steps: 100 });
        assert.equal(rec.diverged, false);
        assert.ok(rec.loss[100]! < rec.loss[0]!);
      } finally {
        t.cleanup();
      }
    });
  }
});
