// Loading and validating loss files: every error case has its kind, file and line.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLossFile, loadLossFileSync } from '../../../src/loss/loader';
import { assertLossError, example, fixture, lossErrorOf, tempFiles } from './fixtures';

describe('loadLossFile: valid files', () => {
  test('TypeScript with a relative import, plot window and minimum', async () => {
    const l = await loadLossFile(fixture('circle.loss.ts'));
    assert.equal(l.name, 'circle');
    assert.equal(l.label, 'Shifted bowl');
    assert.deepEqual(l.paramNames, ['x', 'y']);
    assert.deepEqual(l.start, [-1, 2]);
    const info = l.info();
    assert.equal(info.gradient, 'autodiff');
    assert.deepEqual(info.window, { x: [-3, 3], y: [-2, 3] });
    assert.equal(info.minima?.length, 1);
    assert.equal(info.minima![0]!.x, 1);
    assert.ok(Math.abs(info.minima![0]!.f! - 0.1 * Math.sin(1) ** 2) < 1e-15);
    assert.deepEqual(info.ref, { kind: 'file', path: fixture('circle.loss.ts') });
    assert.ok(l.dependencies.has(fixture('helpers/sq.ts')), 'the imported helper is a dependency');
    assert.equal(l.isStale(), false);
  });

  test('CommonJS and plain ES module JavaScript', async () => {
    const cjs = await loadLossFile(fixture('commonjs.loss.js'));
    assert.deepEqual(cjs.paramNames, ['v[0]', 'v[1]', 'v[2]']);
    const esm = await loadLossFile(fixture('esm.loss.mjs'));
    assert.equal(esm.data?.train.length, 4);
    const p = esm.createProblem();
    const g = new Float64Array(1);
    assert.equal(p.evaluate(Float64Array.of(0), g, 0), (1 + 4 + 9 + 16) / 4);
    assert.ok(Math.abs(g[0]! - -5) < 1e-12);
  });

  test('ES modules with top-level await: dependencies first, then the awaiting body; autodiff of the same graph', async () => {
    const l = await loadLossFile(fixture('top-level-await.loss.mjs'));
    assert.deepEqual(l.start, [10, -1]); // the awaited readFile of data.csv (10 rows)
    assert.equal(l.info().gradient, 'autodiff');
    const p = l.createProblem();
    const g = new Float64Array(2);
    // scale = 0.5 comes from the imported helper's own top-level await: its importer waited for it
    assert.equal(p.evaluate(Float64Array.of(2, 1), g, 0), 0.5 * (4 + 3));
    assert.deepEqual([...g], [2, 3]);
    assert.ok(l.dependencies.has(fixture('helpers/awaited-scale.mjs')));
  });

  test('top-level await: a throw after the await keeps its line; the synchronous loader refuses with the line', async () => {
    assertLossError(await lossErrorOf(() => loadLossFile(fixture('top-level-await-throws.loss.mjs'))), 'threw', {
      line: 4, column: 31, message: /RangeError: the awaited table is empty/,
    });
    assertLossError(await lossErrorOf(() => loadLossFileSync(fixture('top-level-await.loss.mjs'))), 'syntax', {
      line: 4, message: /top-level await needs the asynchronous loader/,
    });
  });

  test('CSV data with a string column, validation split and mini-batches', async () => {
    const l = await loadLossFile(fixture('regression.loss.ts'));
    assert.equal(l.data!.train.length + l.data!.validation.length, 10);
    assert.equal(l.data!.validation.length, 2);
    assert.equal(typeof l.data!.train[0]!['label'], 'string');
    assert.equal(typeof l.data!.train[0]!['x'], 'number');
    const info = l.info();
    assert.equal(info.hasData, true);
    assert.equal(info.hasValidation, true);
    assert.equal(l.createProblem().batchSize, 3);
  });

  test('every example loads and has a finite loss at its start', async () => {
    for (const name of ['quad5', 'logistic-regression', 'linear-regression', 'mlp', 'minibatch-noise', 'rosenbrock-with-grad']) {
      const l = await loadLossFile(example(`${name}.loss.ts`));
      const info = l.info();
      assert.deepEqual(info.warnings, [], name);
      const p = l.createProblem();
      const g = new Float64Array(l.dim);
      assert.ok(Number.isFinite(p.evaluate(Float64Array.from(l.start), g, 0)), name);
    }
  });

  test('unknown properties are warnings, not errors', () => {
    const t = tempFiles({ 'typo.loss.js': 'export default { params: { x: 1 }, loss: (p) => p.x ** 2, batchsize: 4 };\n' });
    try {
      assert.match(loadLossFileSync(t.path('typo.loss.js')).info().warnings[0]!, /unknown property "batchsize"/);
    } finally {
      t.cleanup();
    }
  });
});

describe('loadLossFile: errors', () => {
  test('missing default export', async () => {
    assertLossError(await lossErrorOf(() => loadLossFile(fixture('no-default.loss.ts'))), 'missing-export', {
      file: fixture('no-default.loss.ts'),
      message: /no default export/,
    });
  });

  test('a non-finite start value in params (line of params)', async () => {
    assertLossError(await lossErrorOf(() => loadLossFile(fixture('params-nan.loss.ts'))), 'shape', { line: 4, column: 3, message: /params\.w\[1\] must be a finite number, got NaN/ });
  });

  test('a string parameter, a nested array', async () => {
    assertLossError(await lossErrorOf(() => loadLossFile(fixture('params-bad.loss.js'))), 'shape', { line: 2, message: /params\.w must be a number or an array of numbers, got "zero"/ });
    assertLossError(await lossErrorOf(() => loadLossFile(fixture('params-nested.loss.js'))), 'shape', { line: 2, message: /nested arrays are not supported/ });
  });

  test('the module throws while loading: kind threw at the line of the throw', async () => {
    assertLossError(await lossErrorOf(() => loadLossFile(fixture('module-throws.loss.ts'))), 'threw', { line: 3, message: /RangeError: the table is empty/ });
  });

  test('importing a package is refused at the import line', async () => {
    const pkg = await lossErrorOf(() => loadLossFile(fixture('imports-package.loss.js')));
    assertLossError(pkg, 'threw', { line: 1, message: /cannot import "lodash"/ });
    // `import _ from 'lodash';` is 23 characters: the column (of the CommonJS require sucrase wrote) lies within it.
    assert.ok(pkg.column !== undefined && pkg.column >= 1 && pkg.column <= 24, `column ${pkg.column}`);
  });

  test('a data path that does not exist (line of data)', async () => {
    assertLossError(await lossErrorOf(() => loadLossFile(fixture('bad-data-path.loss.ts'))), 'data', {
      file: fixture('bad-data-path.loss.ts'),
      line: 5,
      message: /data "\.\/does-not-exist\.csv": file not found/,
    });
  });

  test('malformed CSV: the CSV file and line', async () => {
    assertLossError(await lossErrorOf(() => loadLossFile(fixture('malformed-csv.loss.ts'))), 'data', {
      file: fixture('malformed.csv'),
      line: 4,
      message: /1 cell, but the header has 2 columns \(x, y\)/,
    });
  });

  test('invalid batchSize, domain keys', async () => {
    assertLossError(await lossErrorOf(() => loadLossFile(fixture('invalid-batch.loss.ts'))), 'invalid-export', { line: 4, message: /batchSize must be a positive integer, got 0/ });
    assertLossError(await lossErrorOf(() => loadLossFile(fixture('invalid-domain.loss.ts'))), 'invalid-export', { line: 4, message: /domain must have exactly the keys x and y/ });
  });

  test('missing params / loss, wrong types, validation range, domain on a 5-D loss', () => {
    const cases: [string, string, RegExp][] = [
      ['export default { loss: () => 1 };', 'invalid-export', /params is missing/],
      ['export default { params: { x: 1 } };', 'invalid-export', /loss is missing/],
      ['export default { params: {}, loss: () => 1 };', 'shape', /declares no parameters/],
      ['export default { params: { x: 1 }, loss: 3 };', 'invalid-export', /loss must be a function/],
      ['export default { params: { x: 1 }, loss: () => 1, grad: {} };', 'invalid-export', /grad must be a function/],
      ['export default { params: { x: 1 }, loss: () => 1, data: [{ a: 1 }], validation: 1 };', 'invalid-export', /validation must be a fraction in \[0, 1\)/],
      ['export default { params: { x: 1 }, loss: () => 1, validation: 0.5 };', 'invalid-export', /validation needs data/],
      ['export default { params: { v: [1, 2, 3, 4, 5] }, loss: () => 1, domain: { a: [0, 1] } };', 'invalid-export', /only used by losses with exactly two parameters \(this one has 5/],
      ['export default { params: { x: 1, y: 2 }, loss: () => 1, domain: { x: [1, 0], y: [0, 1] } };', 'invalid-export', /domain\.x must be \[min, max\]/],
      ['export default { params: { x: 1 }, loss: () => 1, data: [{ a: 1 }, [2]] };', 'data', /row 1 is an array/],
      ['export default 42;', 'invalid-export', /must be an object \{ params, loss \}, got 42/],
    ];
    for (const [src, kind, message] of cases) {
      const t = tempFiles({ 'c.loss.js': src + '\n' });
      try {
        assert.throws(
          () => loadLossFileSync(t.path('c.loss.js')),
          (e: { error: { kind: string; message: string; line?: number } }) => {
            assert.equal(e.error.kind, kind, `${src}: ${e.error.message}`);
            assert.match(e.error.message, message, src);
            assert.equal(e.error.line, 1, src);
            return true;
          },
        );
      } finally {
        t.cleanup();
      }
    }
  });

  test('a loss file that does not exist', async () => {
    assertLossError(await lossErrorOf(() => loadLossFile('/nonexistent/x.loss.ts')), 'missing-export', { message: /loss file not found/ });
  });

  test('isStale follows the file and its data', async () => {
    const t = tempFiles({ 'd.csv': 'a\n1\n2\n', 's.loss.js': "export default { params: { x: 1 }, data: './d.csv', loss: (p, b) => p.x * b.length };\n" });
    try {
      const l = await loadLossFile(t.path('s.loss.js'));
      assert.equal(l.isStale(), false);
      const { utimesSync } = await import('node:fs');
      utimesSync(t.path('d.csv'), new Date(), new Date(Date.now() + 5000));
      assert.equal(l.isStale(), true);
    } finally {
      t.cleanup();
    }
  });
});
