// Datasets: CSV via papaparse (header, numbers converted, malformed input located), JSON, inline rows.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRows, loadDataFile, parseCsv, parseJsonRows } from '../../../src/loss/data';
import { LossErrorException } from '../../../src/loss/errors';
import { tempFiles } from './fixtures';
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';

/** Rows as plain objects (they are null-prototype objects), for deepEqual. */
const plain = (rows: readonly object[]) => rows.map((r) => ({ ...r }));

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
    const rows = parseCsv('\ufeffx, y ,name\n1,2.5e-3,a b\n\n-0.1,  7 ,"q,uoted"\n0.30000000000000004,1e300,n/a\n', 'd.csv');
    assert.deepEqual(plain(rows), [
      { x: 1, y: 0.0025, name: 'a b' },
      { x: -0.1, y: 7, name: 'q,uoted' },
      { x: 0.30000000000000004, y: 1e300, name: 'n/a' },
    ]);
    assert.ok(Object.isFrozen(rows[0]));
    assert.equal(Object.getPrototypeOf(rows[0]), null, 'null-prototype rows');
    assert.deepEqual(plain(parseCsv('a\tb\n1\t2\n', 'd.tsv')), [{ a: 1, b: 2 }], 'tab-separated');
    assert.deepEqual(plain(parseCsv('a\n1\n2\n', 'one.csv')), [{ a: 1 }, { a: 2 }], 'a single column');
  });

  test('CSV: a column named __proto__ is a column; NaN and Infinity cells are reported with row, column and line', () => {
    const rows = parseCsv('x,__proto__,constructor\n1,2,3\n', 'd.csv');
    assert.deepEqual(Object.keys(rows[0]!), ['x', '__proto__', 'constructor']);
    assert.equal(rows[0]!['__proto__'], 2);
    assert.equal(rows[0]!['constructor'], 3);
    for (const [cell, shown] of [['NaN', 'NaN'], ['-Infinity', '-Infinity'], [' inf', 'inf'], ['1e999', '1e999']]) {
      const e = errorOf(() => parseCsv(`x,y\n1,2\n3,${cell}\n`, '/w/d.csv'));
      assert.equal(e.kind, 'data');
      assert.equal(e.line, 3);
      assert.equal(e.message, `row 2, column "y": the cell "${shown}" is not a finite number (remove the row or fill in a value)`);
    }
    assert.match(errorOf(() => checkRows([{ x: 1 }, { x: NaN }], { file: 'f' }, 'data')).message, /row 1, column "x" is NaN, expected a finite number/);
    const json = parseJsonRows('[{"__proto__": 1, "y": 2}]', 'd.json');
    assert.equal(json[0]!['__proto__'], 1, 'JSON too');
  });

  test('a data path that is not a regular file (a named pipe, a device) is refused before it is opened', { skip: process.platform === 'win32' }, () => {
    const t = tempFiles({});
    try {
      execFileSync('mkfifo', [t.path('pipe.csv')]);
      symlinkSync('/dev/zero', t.path('zero.csv'));
      // Opening a FIFO blocks until a writer comes: this would hang if it were opened.
      const fifo = errorOf(() => loadDataFile('./pipe.csv', t.path('a.loss.ts'), { file: t.path('a.loss.ts'), line: 3 }));
      assert.equal(fifo.kind, 'data');
      assert.equal(fifo.line, 3);
      assert.match(fifo.message, /^data "\.\/pipe\.csv": is not a regular file \(a named pipe\)/);
      const zero = errorOf(() => loadDataFile('./zero.csv', t.path('a.loss.ts'), { file: t.path('a.loss.ts'), line: 3 }));
      assert.match(zero.message, /^data "\.\/zero\.csv": is not a regular file \(a device\)/);
    } finally {
      t.cleanup();
    }
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
    assert.deepEqual(plain(parseJsonRows('[{"x": 1, "c": "a"}, {"x": 2, "c": "b"}]', 'd.json')), [{ x: 1, c: 'a' }, { x: 2, c: 'b' }]);
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
      assert.deepEqual(plain(loadDataFile('./rows.json', t.path('x.loss.ts'), { file: 'x' }).rows), [{ a: 1 }]);
      const e = errorOf(() => loadDataFile('./rows.txt', t.path('x.loss.ts'), { file: t.path('x.loss.ts'), line: 7 }));
      assert.equal(e.line, 7);
      assert.match(e.message, /unsupported file type "\.txt"/);
      assert.match(errorOf(() => loadDataFile('missing.csv', t.path('x.loss.ts'), { file: 'x' })).message, /file not found/);
    } finally {
      t.cleanup();
    }
  });
});
