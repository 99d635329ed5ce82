// Learning-rate schedules and optimizer switches through the CLI as a user runs it (`node dist/cli.js`):
// every torch 1.13 reference of test/fixtures/reference/torch-schedules, closed loop, and the one-line
// usage errors (exit 2) of bad --schedule / --then flags.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helpText } from '../../../src/cli/args';
import { SCHEDULE_CLASS_NAMES } from '../../../src/core';
import { close, FIXTURES, repoRoot } from '../helpers/reference';

const CLI = join(repoRoot(), 'dist', 'cli.js');
const DIR = join(FIXTURES, 'torch-schedules');

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface TorchOpt {
  name: string;
  constructor_kwargs: Record<string, number | boolean | number[]>;
}
interface ScheduleCase {
  case_id: string;
  function: { name: string };
  start: number[];
  optimizer: TorchOpt;
  schedule?: { specs: string[]; milestones: number[] | null };
  then?: (TorchOpt & { at_step: number })[];
  steps_requested: number;
  steps_completed: number;
  trajectory: { params: number[][]; loss: number[]; lr: number[]; momentum_or_beta1?: number[] };
}

const optName = (torchName: string) => torchName.replace(/^torch\.optim\./, '').toLowerCase();
const kwText = (kw: TorchOpt['constructor_kwargs']) => Object.entries(kw).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`);

/** The reference's configuration as CLI flags: kwargs → --name=value, specs → --schedule, then → --then "… @k". */
function argsFor(c: ScheduleCase): string[] {
  const args = ['simulate', '--loss', c.function.name, '--optimizer', optName(c.optimizer.name), `--steps=${c.steps_requested}`, `--init=${c.start.join(',')}`, '--json'];
  for (const [k, v] of Object.entries(c.optimizer.constructor_kwargs)) args.push(`--${k.replace(/_/g, '-')}=${Array.isArray(v) ? v.join(',') : v}`);
  for (const s of c.schedule?.specs ?? []) args.push('--schedule', s);
  if (c.schedule?.milestones) args.push('--schedule-milestones', c.schedule.milestones.join(','));
  for (const t of c.then ?? []) args.push('--then', `${optName(t.name)} ${kwText(t.constructor_kwargs).join(' ')} @${t.at_step}`);
  return args;
}

const RTOL = 1e-9;
const ATOL = 1e-12;

describe('torch 1.13 schedule and switch references through the CLI (closed loop)', () => {
  const files = readdirSync(DIR).filter((f) => /^(sched|switch)__.*\.json$/.test(f)).sort();
  test('the fixtures are there (5 schedule cases, 1 switch case at least)', () => {
    assert.ok(files.filter((f) => f.startsWith('sched__')).length >= 5);
    assert.ok(files.filter((f) => f.startsWith('switch__')).length >= 1);
  });
  for (const f of files) {
    test(`${f}: params, loss and lr at rtol 1e-9 / atol 1e-12`, () => {
      const c = JSON.parse(readFileSync(join(DIR, f), 'utf8')) as ScheduleCase;
      const r = cli(...argsFor(c));
      assert.equal(r.code, 0, `${c.case_id}: ${r.stderr}`);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.steps_completed, c.steps_completed);
      const t = doc.trajectory;
      assert.equal(t.params.length, c.trajectory.params.length);
      assert.equal(t.lr.length, c.trajectory.lr.length);
      c.trajectory.params.forEach((row, k) =>
        row.forEach((v, i) => assert.ok(close(t.params[k][i], v, RTOL, ATOL), `${c.case_id} params[${k}][${i}]: ${t.params[k][i]} vs torch ${v}`)));
      c.trajectory.loss.forEach((v, k) => assert.ok(close(t.loss[k], v, RTOL, ATOL), `${c.case_id} loss[${k}]: ${t.loss[k]} vs torch ${v}`));
      c.trajectory.lr.forEach((v, k) => assert.ok(close(t.lr[k], v, RTOL, ATOL), `${c.case_id} lr[${k}]: ${t.lr[k]} vs torch ${v}`));
      // A cycled momentum / β₁ is recorded (trajectory.momentum) and matches torch's group value.
      if (t.momentum) {
        c.trajectory.momentum_or_beta1!.forEach((v, k) => assert.ok(close(t.momentum[k], v, RTOL, ATOL), `${c.case_id} momentum[${k}]: ${t.momentum[k]} vs torch ${v}`));
      }
      if (c.case_id.includes('onecycle')) assert.ok(t.momentum, 'OneCycleLR cycles momentum: trajectory.momentum is present');
      if (c.schedule) assert.deepEqual(doc.schedule.specs, c.schedule.specs.map((s) => s.trim()));
      if (c.then) {
        assert.equal(doc.segments.length, 1 + c.then.length);
        assert.equal(doc.segments[0].optimizer, optName(c.optimizer.name));
        assert.equal(doc.segments[0].from_step, 0);
        c.then.forEach((s, k) => {
          assert.equal(doc.segments[k + 1].optimizer, optName(s.name));
          assert.equal(doc.segments[k + 1].from_step, s.at_step);
          for (const [kk, v] of Object.entries(s.constructor_kwargs)) assert.deepEqual(doc.segments[k + 1].hyperparameters[kk], v);
        });
      }
    });
  }
});

describe('--schedule / --then in the CLI', () => {
  const base = ['simulate', '--loss', 'canyon', '--optimizer', 'sgd', '--lr', '0.01', '--steps', '10'];
  const usage = (what: string, ...more: string[]) => {
    const r = cli(...base, ...more);
    assert.equal(r.code, 2, `${what}: exit ${r.code}, stderr ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line, got ${r.stderr}`);
    return r.stderr;
  };
  test('unknown classes, keywords and invalid values are one-line usage errors (exit 2)', () => {
    assert.match(usage('class', '--schedule', 'FooLR gamma=0.5'), /unknown schedule class "FooLR".*StepLR/);
    assert.match(usage('keyword', '--schedule', 'StepLR step_size=3 foo=1'), /StepLR: unknown keyword "foo" \(it takes step_size, gamma\)/);
    assert.match(usage('number', '--schedule', 'StepLR step_size=abc'), /StepLR: invalid step_size: expected a number, got "abc"/);
    assert.match(usage('integer', '--schedule', 'StepLR step_size=2.5'), /StepLR: invalid step_size: expected an integer/);
    assert.match(usage('required', '--schedule', 'StepLR gamma=0.5'), /StepLR: invalid step_size: required keyword is missing/);
    assert.match(usage('choice', '--schedule', 'CyclicLR base_lr=0.01 max_lr=0.1 mode=sawtooth'), /invalid mode: expected one of triangular, triangular2, exp_range/);
    assert.match(usage('list', '--schedule', 'MultiStepLR milestones=3,,5'), /invalid milestones: expected comma-separated integers/);
    assert.match(usage('range', '--schedule', 'LinearLR start_factor=0'), /LinearLR: invalid start_factor: starting multiplicative factor expected to be greater than 0/);
    assert.match(usage('key=value', '--schedule', 'StepLR 3'), /expected key=value/);
  });
  test('compositions: milestones must fit, ReduceLROnPlateau cannot be composed, OneCycleLR must cover the steps', () => {
    assert.match(usage('milestones count', '--schedule', 'LinearLR', '--schedule', 'ExponentialLR gamma=0.9', '--schedule-milestones', '2,4'), /SequentialLR expects number of schedulers provided to be one more/);
    assert.match(usage('milestones alone', '--schedule', 'LinearLR', '--schedule-milestones', '2'), /--schedule-milestones: SequentialLR needs two or more --schedule flags/);
    assert.match(usage('plateau chained', '--schedule', 'ReduceLROnPlateau', '--schedule', 'ExponentialLR gamma=0.9'), /ReduceLROnPlateau .* cannot be part of a ChainedScheduler/);
    assert.match(usage('onecycle short', '--schedule', 'OneCycleLR max_lr=0.1 total_steps=5'), /OneCycleLR: total_steps=5 is fewer than the 10 steps/);
    assert.match(usage('onecycle none', '--schedule', 'OneCycleLR max_lr=0.1'), /you must define either total_steps OR \(epochs AND steps_per_epoch\)/);
  });
  test('CyclicLR cycle_momentum needs a momentum optimizer, as in torch 1.13 (Adam: cycle_momentum=false)', () => {
    const adam = ['simulate', '--loss', 'canyon', '--optimizer', 'adam', '--steps', '5'];
    const bad = cli(...adam, '--schedule', 'CyclicLR base_lr=0.01 max_lr=0.1 step_size_up=2');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /CyclicLR: optimizer must support momentum with `cycle_momentum` option enabled/);
    const ok = cli(...adam, '--schedule', 'CyclicLR base_lr=0.01 max_lr=0.1 step_size_up=2 cycle_momentum=false', '--json');
    assert.equal(ok.code, 0, ok.stderr);
    const t = JSON.parse(ok.stdout).trajectory;
    // triangular, step_size_up 2: 0.01, 0.055, 0.1, 0.055, 0.01
    [0.01, 0.055, 0.1, 0.055, 0.01].forEach((v, k) => assert.ok(close(t.lr[k], v, 1e-12, 1e-15), `lr[${k}] ${t.lr[k]}`));
    assert.equal(t.momentum, undefined);
  });
  test('--then errors: missing @STEP, a step outside the run, an unknown optimizer or hyperparameter; compare has no --then', () => {
    assert.match(usage('no @', '--then', 'adam lr=0.1'), /--then: expected "OPTIMIZER \[name=value \.\.\.\] @STEP"/);
    assert.match(usage('@ past the end', '--then', 'adam lr=0.1 @10'), /@10 must be after step 0 and before the last step \(--steps 10\)/);
    assert.match(usage('@ order', '--then', 'adam @5', '--then', 'sgd @3'), /@3 must be after the previous switch \(@5\)/);
    assert.match(usage('optimizer', '--then', 'adamm @3'), /unknown optimizer "adamm"/);
    assert.match(usage('hyperparameter', '--then', 'adam momentum=0.9 @3'), /--then: adam has no hyperparameter "momentum"/);
    const r = cli('compare', '--loss', 'canyon', '--optimizers', 'sgd,adam', '--steps', '10', '--then', 'sgd @3');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--then belongs to "simulate"/);
  });
  test('a --schedule after a --then is that optimizer\'s schedule; the first optimizer keeps a constant lr', () => {
    const r = cli('simulate', '--loss', 'canyon', '--optimizer', 'adam', '--lr', '0.1', '--steps', '6', '--then', 'sgd lr=0.02 momentum=0.9 @3', '--schedule', 'ExponentialLR gamma=0.5', '--json');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.trajectory.lr, [0.1, 0.1, 0.1, 0.02, 0.01, 0.005]);
    assert.equal(doc.schedule, undefined);
    assert.deepEqual(doc.segments[1].schedule, { specs: ['ExponentialLR gamma=0.5'], milestones: null });
    assert.deepEqual(doc.trajectory.scalar_state.step, [1, 2, 3, 4, 5, 6]);
    // state columns per segment: Adam's rows of momentum_buffer and SGD's rows of exp_avg are NaN
    assert.deepEqual(doc.trajectory.state.momentum_buffer[2], ['NaN', 'NaN']);
    assert.deepEqual(doc.trajectory.state.exp_avg[3], ['NaN', 'NaN']);
    assert.ok(typeof doc.trajectory.state.exp_avg[2][0] === 'number' && typeof doc.trajectory.state.momentum_buffer[3][0] === 'number');
  });
  test('compare --schedule applies the schedule to every run; the table shows the lr column in simulate', () => {
    const r = cli('compare', '--loss', 'canyon', '--optimizers', 'sgd,adam', '--lr', '0.05', '--steps', '6', '--schedule', 'StepLR step_size=2 gamma=0.5', '--json');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    for (const run of doc.runs) assert.deepEqual(run.trajectory.lr, [0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125]);
    const table = cli(...base, '--schedule', 'StepLR step_size=2 gamma=0.5');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^schedule: StepLR step_size=2 gamma=0.5$/m);
    assert.match(table.stdout, / lr /);
  });
  test('help lists every schedule class with its keywords; simulate help names the flags', () => {
    const h = helpText('schedule');
    for (const n of SCHEDULE_CLASS_NAMES) assert.match(h, new RegExp(`^${n}: `, 'm'));
    assert.match(h, /^ {2}T_max=N +half period/m);
    assert.match(h, /milestones=N1,N2,\.\.\. .*\(required\)/);
    const s = helpText();
    assert.match(s, /--schedule "CLASS k=v \.\.\."/);
    assert.match(s, /--schedule-milestones M1,\.\.\./);
    assert.match(s, /--then "NAME k=v \.\.\. @STEP"/);
  });
});
