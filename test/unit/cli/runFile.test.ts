// `optimizer-diagnostics run FILE.optdiag.json` as a user runs it (node dist/cli.js …): the same numbers as
// the equivalent simulate / compare flags, and one located line with exit 2 for a malformed file.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/reference';

const CLI = join(repoRoot(), 'dist', 'cli.js');

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, cwd: repoRoot() });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function withDir<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'od-runfile-'));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const write = (dir: string, doc: unknown, name = 'a.optdiag.json') => {
  const p = join(dir, name);
  writeFileSync(p, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  return p;
};

const json = (r: { code: number; stdout: string; stderr: string }) => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

describe('optimizer-diagnostics run FILE.optdiag.json', () => {
  test('one run = simulate with the same flags (start, seed, noise, schedule, a switch with its own schedule)', () => {
    withDir((dir) => {
      const file = write(dir, {
        version: 1,
        loss: { builtin: 'rosenbrock' },
        start: [-1, 1.5],
        steps: 60,
        seed: 5,
        gradientNoise: 0.1,
        runs: [{
          optimizer: 'adam',
          hyperparameters: { lr: 0.01 },
          schedule: { schedulers: [{ name: 'StepLR', args: { step_size: 10, gamma: 0.5 } }] },
          then: [{ optimizer: 'sgd', fromStep: 30, hyperparameters: { lr: 0.001, momentum: 0.9 }, schedule: { schedulers: [{ name: 'ExponentialLR', args: { gamma: 0.9 } }] } }],
        }],
        view: { step: 12, section: 'landscape' },
      });
      const a = json(cli('run', file, '--json'));
      const b = json(cli('simulate', '--loss', 'rosenbrock', '--optimizer', 'adam', '--lr', '0.01', '--steps', '60', '--init=-1,1.5', '--seed', '5', '--noise', '0.1',
        '--schedule', 'StepLR step_size=10 gamma=0.5', '--then', 'sgd lr=0.001 momentum=0.9 @30', '--schedule', 'ExponentialLR gamma=0.9', '--json'));
      assert.deepEqual(a, b);
      assert.equal(a.steps_completed, 60);
      // the table form is simulate's too
      assert.equal(cli('run', file).stdout, cli('simulate', '--loss', 'rosenbrock', '--optimizer', 'adam', '--lr', '0.01', '--steps', '60', '--init=-1,1.5', '--seed', '5', '--noise', '0.1',
        '--schedule', 'StepLR step_size=10 gamma=0.5', '--then', 'sgd lr=0.001 momentum=0.9 @30', '--schedule', 'ExponentialLR gamma=0.9').stdout);
    });
  });

  test('several runs = compare; each run keeps its own schedule (its trajectory = simulate of that run alone)', () => {
    withDir((dir) => {
      const file = write(dir, {
        version: 1,
        loss: { builtin: 'rosenbrock' },
        steps: 80,
        runs: [
          { id: 'adam-step', optimizer: 'adam', hyperparameters: { lr: 0.02 }, schedule: { schedulers: [{ name: 'StepLR', args: { step_size: 20, gamma: 0.5 } }] } },
          { id: 'sgd', optimizer: 'sgd', hyperparameters: { lr: 0.001, momentum: 0.9 } },
        ],
      });
      const doc = json(cli('run', file, '--json'));
      assert.deepEqual(doc.summary.map((s: { label: string }) => s.label), ['adam-step', 'sgd']);
      const adam = json(cli('simulate', '--loss', 'rosenbrock', '--optimizer', 'adam', '--lr', '0.02', '--steps', '80', '--schedule', 'StepLR step_size=20 gamma=0.5', '--endpoint', '--json'));
      const sgd = json(cli('simulate', '--loss', 'rosenbrock', '--optimizer', 'sgd', '--lr', '0.001', '--momentum', '0.9', '--steps', '80', '--endpoint', '--json'));
      // compare reports every run's end point (gap, sharpness, flatness): simulate does with --endpoint
      assert.deepEqual(doc.runs[0], adam);
      assert.deepEqual(doc.runs[1], sgd);
      const table = cli('run', file);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^adam-step\s/m);
      assert.match(table.stdout, /^sgd\s/m);
    });
  });

  test('a loss file is found relative to the run file, whatever the working folder; --out writes the JSON', () => {
    withDir((dir) => {
      mkdirSync(join(dir, 'losses'));
      copyFileSync(join(repoRoot(), 'examples', 'quad5.loss.ts'), join(dir, 'losses', 'quad5.loss.ts'));
      mkdirSync(join(dir, 'runs'));
      const file = write(dir, { version: 1, loss: { file: '../losses/quad5.loss.ts' }, steps: 25, runs: [{ optimizer: 'rmsprop', hyperparameters: { lr: 0.01 } }] }, 'runs/q.optdiag.json');
      const outFile = join(dir, 'out.json');
      const r = cli('run', file, '--out', outFile);
      assert.equal(r.code, 0, r.stderr);
      const a = JSON.parse(readFileSync(outFile, 'utf8'));
      const b = json(cli('simulate', '--loss', join(dir, 'losses', 'quad5.loss.ts'), '--optimizer', 'rmsprop', '--lr', '0.01', '--steps', '25', '--json'));
      assert.deepEqual(a, b);
      assert.equal(a.steps_completed, 25);
    });
  });

  test('--csv and --out FILE.csv write the per-step CSV: the same bytes as simulate / compare with the same flags', () => {
    withDir((dir) => {
      const one = write(dir, { version: 1, loss: { builtin: 'canyon' }, steps: 12, seed: 0, runs: [{ id: 'a', optimizer: 'adam', hyperparameters: { lr: 0.05 } }] }, 'one.optdiag.json');
      const r = cli('run', one, '--csv');
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 14, 'a header and steps 0..12');
      assert.match(lines[0]!, /(^|,)exp_avg\[x\](,|$)/, 'PyTorch state names as columns');
      assert.equal(r.stdout, cli('simulate', '--loss', 'canyon', '--optimizer', 'adam', '--lr', '0.05', '--steps', '12', '--csv').stdout);
      const two = write(dir, { version: 1, loss: { builtin: 'canyon' }, steps: 12, runs: [{ id: 'sgd', optimizer: 'sgd', hyperparameters: { lr: 0.01 } }, { id: 'adam', optimizer: 'adam' }] }, 'two.optdiag.json');
      const out = join(dir, 'two.csv');
      const c = cli('run', two, '--out', out);
      assert.equal(c.code, 0, c.stderr);
      const csv = readFileSync(out, 'utf8').trimEnd().split('\n');
      assert.equal(csv.length, 1 + 2 * 13, 'one file, both runs');
      const runCol = csv[0]!.split(',').indexOf('run');
      assert.ok(runCol >= 0, csv[0]);
      assert.deepEqual([...new Set(csv.slice(1).map((l) => l.split(',')[runCol]))], ['sgd', 'adam']);
    });
  });

  test('a malformed file: exit 2, one line naming the file and the field', () => {
    withDir((dir) => {
      const cases: [unknown, RegExp][] = [
        [{ version: 1, loss: { builtin: 'rosenbrock' }, steps: 10, runs: [{ optimizer: 'adam', hyperparameters: { lr: -1 } }] }, /: runs\[0\]\.hyperparameters\.lr: adam: invalid lr: /],
        [{ version: 1, loss: { builtin: 'rosenbrock' }, steps: 10, runs: [{ optimizer: 'adamm' }] }, /: runs\[0\]\.optimizer: unknown optimizer "adamm"/],
        [{ version: 2, loss: { builtin: 'rosenbrock' }, steps: 10, runs: [] }, /: version: this file is version 2, newer than this build/],
        [{ version: 1, loss: { builtin: 'rosenbrock' }, steps: 10, batchSize: 4, runs: [{ optimizer: 'sgd' }] }, /: batchSize: applies to loss files with data, not to the built-in rosenbrock$/m],
        ['{"version": 1,\n "steps": 10,,}', /: not valid JSON at line 2 column 14: unexpected "," /],
      ];
      for (const [doc, re] of cases) {
        const file = write(dir, doc);
        const r = cli('run', file);
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stdout, '');
        assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
        assert.ok(r.stderr.includes(file), r.stderr);
        assert.match(r.stderr, re);
      }
    });
  });

  test('the README\'s example run file runs (compare of its two runs, the first switching to SGD at step 100)', () => {
    withDir((dir) => {
      const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
      const section = readme.slice(readme.indexOf('## Run files (`*.optdiag.json`)'));
      const example = /```json\n([\s\S]*?)```/.exec(section)![1]!;
      const doc = json(cli('run', write(dir, example), '--json'));
      assert.deepEqual(doc.summary.map((s: { label: string }) => s.label), ['adam', 'sgd']);
      assert.equal(doc.runs[0].steps_completed, 300);
    });
  });

  test('usage errors: no file, a missing file, a flag the file decides', () => {
    const none = cli('run');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /run needs a run file: optimizer-diagnostics run FILE\.optdiag\.json/);
    const missing = cli('run', join(tmpdir(), 'od-no-such-file.optdiag.json'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /od-no-such-file\.optdiag\.json: cannot read the run file \(no such file\)/);
    const flag = cli('run', 'x.optdiag.json', '--steps', '5');
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /unknown flag --steps for run .*everything else is in the file/);
  });
});
