// Datasets: CSV via papaparse (header, numbers converted, malformed input located), JSON, inline rows.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRows, loadDataFile, parseCsv, parseJsonRows } from '../../../src/loss/data';
import { LossErrorException } from '../../../src/loss/errors';
import { tempFiles } from './fixtures';

function errorOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (e instanceof LossErrorException) return e.error;
    throw e;
  }
  assert.fail('expected a LossError');
}

describe('data', () => {
  test('CSV: header row, numbers converted, strings kept, blank lines and BOM skipped, exact doubles', () => {
    const rows = parseCsv('\ufeffx, y ,name\n1,2.5e-3,a b\n\n-0.1,  7 ,"q,uoted"\n0.30000000000000004,1e300,NaN\n', 'd.csv');
    assert.deepEqual(rows, [
      { x: 1, y: 0.0025, name: 'a b' },
      { x: -0.1, y: 7, name: 'q,uoted' },
      { x: 0.30000000000000004, y: 1e300, name: NaN },
    ]);
    assert.ok(Object.isFrozen(rows[0]));
    assert.deepEqual(parseCsv('a\tb\n1\t2\n', 'd.tsv'), [{ a: 1, b: 2 }], 'tab-separated');
    assert.deepEqual(parseCsv('a\n1\n2\n', 'one.csv'), [{ a: 1 }, { a: 2 }], 'a single column');
  });

  test('malformed CSV: kind data with the CSV file and line', () => {
    const cases: [string, number | undefined, RegExp][] = [
      ['a,b\n1,2\n3,4,5\n', 3, /3 cells, but the header has 2 columns/],
      ['a,b\n1,2\n"3,4\n', 3, /malformed CSV: Quoted field unterminated/],
      ['a,,c\n1,2,3\n', 1, /column 2 of the header row has no name/],
      ['a,a\n1,2\n', 1, /duplicate column name "a"/],
      ['a,b\n1,\n', 2, /empty cell in column "b"/],
      ['', undefined, /empty/],
      ['a,b\n', undefined, /no rows/],
    ];
    for (const [text, line, message] of cases) {
      const e = errorOf(() => parseCsv(text, '/w/d.csv'));
      assert.equal(e.kind, 'data');
      assert.equal(e.file, '/w/d.csv');
      assert.equal(e.line, line, JSON.stringify(text));
      assert.match(e.message, message);
    }
  });

  test('JSON: an array of flat objects with the same columns', () => {
    assert.deepEqual(parseJsonRows('[{"x": 1, "c": "a"}, {"x": 2, "c": "b"}]', 'd.json'), [{ x: 1, c: 'a' }, { x: 2, c: 'b' }]);
    assert.match(errorOf(() => parseJsonRows('{"x": 1}', 'd.json')).message, /must be an array of rows/);
    assert.match(errorOf(() => parseJsonRows('[{"x": 1}, {"y": 2}]', 'd.json')).message, /row 1 has columns \(y\), row 0 has \(x\)/);
    assert.match(errorOf(() => parseJsonRows('[{"x": {"n": 1}}]', 'd.json')).message, /column "x" is an object/);
    const bad = errorOf(() => parseJsonRows('[\n{"x": 1},\n{"x": }\n]', 'd.json'));
    assert.match(bad.message, /malformed JSON/);
    assert.equal(bad.line, 3);
    assert.match(errorOf(() => checkRows([], { file: 'f' }, 'data')).message, /has no rows/);
  });

  test('data files resolve relative to the loss file; unsupported types and missing files are located at data', () => {
    const t = tempFiles({ 'rows.json': '[{"a": 1}]', 'rows.txt': 'a\n1\n' });
    try {
      assert.deepEqual(loadDataFile('./rows.json', t.path('x.loss.ts'), { file: 'x' }).rows, [{ a: 1 }]);
      const e = errorOf(() => loadDataFile('./rows.txt', t.path('x.loss.ts'), { file: t.path('x.loss.ts'), line: 7 }));
      assert.equal(e.line, 7);
      assert.match(e.message, /unsupported file type "\.txt"/);
      assert.match(errorOf(() => loadDataFile('missing.csv', t.path('x.loss.ts'), { file: 'x' })).message, /file not found/);
    } finally {
      t.cleanup();
    }
  });
});
