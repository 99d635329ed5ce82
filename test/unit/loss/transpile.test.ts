// Transpiling loss files: syntax errors at the user's file, line and column; lines preserved.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLossFile } from '../../../src/loss/loader';
import { mapColumn, positionOf, toJavaScript, transpile } from '../../../src/loss/transpile';
import { assertLossError, fixture, lossErrorOf, tempFiles } from './fixtures';

describe('transpile', () => {
  test('TypeScript → CommonJS keeps every line where it was', () => {
    const src = ['const a: number = 1;', 'interface I { x: number }', 'export default {', '  params: { x: a as number },', '  loss(p: any): number { return p.x; },', '};', ''].join('\n');
    const out = transpile(src, '/x/a.loss.ts');
    const lines = out.split('\n');
    assert.equal(lines.length, src.split('\n').length);
    assert.match(lines[4]!, /loss\(p\)/);
    assert.match(lines[3]!, /params: \{ x: a/);
  });

  test('a TypeScript syntax error reports file, line and column (sucrase position)', async () => {
    const t = tempFiles({
      'broken.loss.ts': ['export default {', '  params: { x: 0 },', '  loss(p: { x: number }) {', '    const y: number = ;', '    return y;', '  },', '};', ''].join('\n'),
    });
    try {
      const e = await lossErrorOf(() => loadLossFile(t.path('broken.loss.ts')));
      assertLossError(e, 'syntax', { file: t.path('broken.loss.ts'), line: 4, column: 23, message: /^syntax error: Unexpected token/ });
    } finally {
      t.cleanup();
    }
  });

  test('a JavaScript syntax error reports file, line and column', async () => {
    const e = await lossErrorOf(() => loadLossFile(fixture('syntax-error.loss.mjs')));
    assertLossError(e, 'syntax', { file: fixture('syntax-error.loss.mjs'), line: 4, column: 18 });
  });

  test('early errors (a redeclared let) are syntax errors at the redeclaration', async () => {
    const e = await lossErrorOf(() => loadLossFile(fixture('redeclared.loss.js')));
    assertLossError(e, 'syntax', { line: 5, column: 9, message: /already been declared/ });
  });

  test('columns after removed type annotations map back to the TypeScript source', () => {
    const ts = 'let a: number = 1, b = ;';
    const t = tempFiles({});
    try {
      toJavaScript(ts, t.path('x.ts'));
      assert.fail('expected an error');
    } catch (e) {
      const err = (e as { error: { line: number; column: number } }).error;
      assert.deepEqual([err.line, err.column], [1, 24]);
    } finally {
      t.cleanup();
    }
    assert.equal(mapColumn('let a: number = 1, b = ;', 'let a = 1, b = ;', 16), 24);
    // Columns always land within the original line: a string literal maps to the same literal, a token
    // shifted left by inserted code is found anywhere in the line, and anything else stays in range.
    const cjs = '"use strict"; function _interopRequireDefault(obj) { return obj; }var _lodash = require(\'lodash\');';
    assert.equal(mapColumn("import _ from 'lodash';", cjs, cjs.indexOf("'lodash'") + 3), 15);
    assert.equal(mapColumn('  foo(1);', 'var x = 1;  foo(1);', 13), 3);
    assert.equal(mapColumn('  x;', 'var a_long_prefix = 1; x;', 200), 3);
    assert.equal(mapColumn('abc', 'abc', 50), 4);
    assert.deepEqual(positionOf('ab\ncd', 4), { line: 2, column: 2 });
  });
});
