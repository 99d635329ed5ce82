// Run files (*.optdiag.json): parser/validator, writer round trip, located errors, newer versions, and the
// JSON Schema the extension contributes (media/optdiag.schema.json) against the same definitions.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILE_VERSION, RunFileError, parseRunFile, parseRunFileValue, runFileSchema, writeRunFile, type RunFile } from '../../../src/protocol/runFile';
import { OPTIMIZERS } from '../../../src/core/optimizers/registry';
import { SCHEDULE_CLASSES } from '../../../src/core/schedules/schema';
import { BUILTIN_LOSSES } from '../../../src/core/losses/builtins';
import { torchDefaults } from '../../../src/protocol/runDefaults';
import { repoRoot } from '../helpers/reference';

// #region a tiny JSON Schema validator: exactly the keywords runFileSchema() uses
type Schema = Record<string, unknown>;
const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
function validate(s: Schema, v: unknown, path = ''): string[] {
  const known = new Set(['$schema', '$id', 'title', 'description', 'type', 'enum', 'const', 'required', 'properties', 'additionalProperties', 'propertyNames', 'items', 'minItems', 'maxItems', 'minimum', 'maximum', 'minLength', 'pattern', 'anyOf', 'oneOf']);
  for (const k of Object.keys(s)) if (!known.has(k)) throw new Error(`the test validator does not know keyword ${k}`);
  const errs: string[] = [];
  const t = typeOf(v);
  if (s['type'] !== undefined && !(s['type'] === t || (s['type'] === 'number' && t === 'integer'))) return [`${path}: expected ${String(s['type'])}, got ${t}`];
  if (s['enum'] && !(s['enum'] as unknown[]).includes(v)) errs.push(`${path}: not in enum`);
  if ('const' in s && s['const'] !== v) errs.push(`${path}: not ${String(s['const'])}`);
  if (typeof v === 'number') {
    if (typeof s['minimum'] === 'number' && v < s['minimum']) errs.push(`${path}: below minimum`);
    if (typeof s['maximum'] === 'number' && v > s['maximum']) errs.push(`${path}: above maximum`);
  }
  if (typeof v === 'string') {
    if (typeof s['minLength'] === 'number' && v.length < s['minLength']) errs.push(`${path}: too short`);
    if (typeof s['pattern'] === 'string' && !new RegExp(s['pattern'], 'u').test(v)) errs.push(`${path}: pattern`);
  }
  if (Array.isArray(v)) {
    if (typeof s['minItems'] === 'number' && v.length < s['minItems']) errs.push(`${path}: too few items`);
    if (typeof s['maxItems'] === 'number' && v.length > s['maxItems']) errs.push(`${path}: too many items`);
    if (s['items']) v.forEach((x, k) => errs.push(...validate(s['items'] as Schema, x, `${path}[${k}]`)));
  }
  if (t === 'object') {
    const o = v as Record<string, unknown>;
    for (const r of (s['required'] as string[] | undefined) ?? []) if (!(r in o)) errs.push(`${path}.${r}: required`);
    const props = (s['properties'] as Record<string, Schema> | undefined) ?? {};
    for (const [k, x] of Object.entries(o)) {
      if (s['propertyNames']) errs.push(...validate(s['propertyNames'] as Schema, k, `${path}.${k}(name)`));
      if (props[k]) errs.push(...validate(props[k]!, x, `${path}.${k}`));
      else if (s['additionalProperties'] === false) errs.push(`${path}.${k}: not allowed`);
      else if (typeof s['additionalProperties'] === 'object') errs.push(...validate(s['additionalProperties'] as Schema, x, `${path}.${k}`));
    }
  }
  if (s['anyOf'] && !(s['anyOf'] as Schema[]).some((x) => validate(x, v, path).length === 0)) errs.push(`${path}: matches none of anyOf`);
  if (s['oneOf'] && (s['oneOf'] as Schema[]).filter((x) => validate(x, v, path).length === 0).length !== 1) errs.push(`${path}: matches not exactly one of oneOf`);
  return errs;
}
// #endregion

/** `f` throws a RunFileError whose message is one line matching `re`. */
function throwsLine(f: () => unknown, re: RegExp): void {
  assert.throws(f, (e: Error) => {
    assert.ok(e instanceof RunFileError, `not a RunFileError: ${e}`);
    assert.ok(!e.message.includes('\n'), `one line: ${JSON.stringify(e.message)}`);
    assert.match(e.message, re);
    return true;
  });
}

const base = () => ({
  version: 1,
  loss: { builtin: 'rosenbrock' },
  steps: 100,
  runs: [{ id: 'a', optimizer: 'adam', hyperparameters: { lr: 0.02 } }],
});

/** A file with every field: two runs, a SequentialLR schedule, a switch with its own schedule, the view. */
const full = (): Record<string, unknown> => ({
  version: 1,
  loss: { file: 'losses/mlp.loss.ts' },
  start: [0.5, -1.25],
  steps: 300,
  seed: 7,
  batchSize: 16,
  gradientNoise: 0.01,
  runs: [
    {
      id: 'adam-cos',
      optimizer: 'adam',
      hyperparameters: { lr: 0.02, betas: [0.8, 0.99], amsgrad: true },
      schedule: { schedulers: [{ name: 'LinearLR', args: { start_factor: 0.1, total_iters: 20 } }, { name: 'CosineAnnealingLR', args: { T_max: 80 } }], milestones: [20] },
      then: [{ optimizer: 'sgd', fromStep: 100, hyperparameters: { lr: 5e-4, momentum: 0.9 }, schedule: { schedulers: [{ name: 'StepLR', args: { step_size: 50, gamma: 0.5 } }] } }],
    },
    { id: 'sgd', optimizer: 'sgd', hyperparameters: { lr: 0.01 } },
  ],
  view: { step: 42, section: 'effectiveLr' },
});

describe('run files: parser and writer', () => {
  test('a minimal file fills the defaults: seed 0, pytorch float64, every hyperparameter torch.optim\'s', () => {
    const f = parseRunFile(JSON.stringify(base()));
    assert.deepEqual(f.config.loss, { kind: 'builtin', name: 'rosenbrock' });
    assert.equal(f.config.seed, 0);
    assert.equal(f.config.convention, undefined);
    assert.equal(f.config.dtype, undefined);
    assert.deepEqual(f.config.runs[0]!.hyperparameters, { ...torchDefaults('adam'), lr: 0.02 });
    assert.equal(f.start, undefined);
    assert.equal(f.view, undefined);
  });

  test('run ids default to run1, run2, …', () => {
    const f = parseRunFile(JSON.stringify({ ...base(), runs: [{ optimizer: 'sgd' }, { optimizer: 'adam' }] }));
    assert.deepEqual(f.config.runs.map((r) => r.id), ['run1', 'run2']);
  });

  test('round trip: parse(write(f)) = f, and the written text is a fixed point', () => {
    for (const doc of [base(), full(), { ...base(), convention: 'tfjs', dtype: 'float32', runs: [{ id: 'r', optimizer: 'rmsprop' }] }]) {
      const f = parseRunFile(JSON.stringify(doc));
      const text = writeRunFile(f);
      assert.deepEqual(parseRunFile(text), f);
      assert.equal(writeRunFile(parseRunFile(text)), text);
    }
  });

  test('the tfjs convention\'s own defaults fill what the file leaves out (RMSprop decay 0.9, eps 1e-7)', () => {
    const f = parseRunFile(JSON.stringify({ ...base(), convention: 'tfjs', runs: [{ optimizer: 'rmsprop' }] }));
    const hp = f.config.runs[0]!.hyperparameters;
    assert.equal(f.config.convention, 'tfjs');
    assert.equal(hp['alpha'], OPTIMIZERS.rmsprop.conventions.tfjs!.defaults['alpha']);
    assert.notEqual(hp['alpha'], 0.99);
  });

  test('the writer writes a SessionConfig and the UI state as the documented fields', () => {
    const file: RunFile = {
      config: { loss: { kind: 'builtin', name: 'canyon' }, steps: 50, seed: 3, runs: [{ id: 'x', optimizer: 'sgd', hyperparameters: torchDefaults('sgd') }] },
      start: [1, 2],
      view: { step: 10, section: 'convergence' },
    };
    const text = writeRunFile(file);
    const doc = JSON.parse(text);
    assert.deepEqual(Object.keys(doc), ['version', 'loss', 'start', 'steps', 'seed', 'runs', 'view']);
    assert.equal(doc.version, RUN_FILE_VERSION);
    assert.deepEqual(doc.loss, { builtin: 'canyon' });
    assert.deepEqual(parseRunFile(text), file);
  });

  test('a newer version gets its own message; a missing or odd version too', () => {
    assert.throws(() => parseRunFile(JSON.stringify({ ...base(), version: 2 })), (e: Error) => e instanceof RunFileError && /^version: this file is version 2, newer than this build .* reads \(version 1\): update/.test(e.message));
    // a newer file is refused for its version before its (unknown) fields are looked at
    throwsLine(() => parseRunFile(JSON.stringify({ ...base(), version: 3, newField: 1 })), /^version: this file is version 3, newer/);
    throwsLine(() => parseRunFileValue({ ...base(), version: undefined }), /^version: required \(this build reads version 1\)$/);
    throwsLine(() => parseRunFileValue({ ...base(), version: '1' }), /^version: expected 1, got "1"$/);
  });

  test('JSON syntax errors give the line and column', () => {
    throwsLine(() => parseRunFile('{\n  "version": 1,\n  "steps": ,\n}'), /^not valid JSON at line 3 column 12: unexpected "," \(/);
    throwsLine(() => parseRunFile('{"version": 1, "steps": 3'), /^not valid JSON at line 1 column 26: unexpected end of file \(/);
    throwsLine(() => parseRunFile('{"version": 1,}'), /^not valid JSON at line 1 column 15: unexpected "}" \(/);
    throwsLine(() => parseRunFile('{"a": "x\ny"}'), /^not valid JSON at line 1 column 9: unexpected "\\n" \(/);
  });
});

/** [what is wrong, how to break a copy of full(), the expected message, whether the schema also catches it]. */
const MALFORMED: [string, (d: any) => void, RegExp, boolean][] = [
  ['not an object', (d) => { d.__replace = [1]; }, /^a run file is a JSON object with "version": 1, got \[1\]$/, true],
  ['unknown top-level field', (d) => { d.stepz = 3; }, /^stepz: unknown field \(a run file takes version, loss, /, true],
  ['loss missing', (d) => { delete d.loss; }, /^loss: expected \{"builtin": NAME\} or \{"file": /, true],
  ['loss with both', (d) => { d.loss = { builtin: 'rosenbrock', file: 'a.loss.ts' }; }, /^loss: give exactly one of "builtin" and "file"$/, true],
  ['unknown built-in', (d) => { d.loss = { builtin: 'rosenbrok' }; }, /^loss\.builtin: unknown built-in loss "rosenbrok" \(built-ins: /, true],
  ['absolute loss path', (d) => { d.loss = { file: '/home/x/a.loss.ts' }; }, /^loss\.file: must be relative to the run file/, false],
  ['empty loss path', (d) => { d.loss = { file: '' }; }, /^loss\.file: expected a path relative to the run file, got ""$/, true],
  ['steps not an integer', (d) => { d.steps = 2.5; }, /^steps: expected a whole number from 1 to 1,000,000, got 2\.5$/, true],
  ['steps missing', (d) => { delete d.steps; }, /^steps: expected a whole number from 1 to 1,000,000, got nothing$/, true],
  ['negative seed', (d) => { d.seed = -1; }, /^seed: expected a whole number from 0 to /, true],
  ['batch size 0', (d) => { d.batchSize = 0; }, /^batchSize: expected a whole number from 1 to /, true],
  ['unknown convention', (d) => { d.convention = 'keras'; }, /^convention: expected pytorch, tfjs, textbook, got "keras"$/, true],
  ['unknown dtype', (d) => { d.dtype = 'float16'; }, /^dtype: expected float64, float32, got "float16"$/, true],
  ['start not numbers', (d) => { d.start = [1, 'x']; }, /^start\[1\]: expected a number, got "x"$/, true],
  ['negative noise', (d) => { d.gradientNoise = -0.1; }, /^gradientNoise: the standard deviation must be >= 0, got -0\.1$/, true],
  ['no runs', (d) => { d.runs = []; }, /^runs: expected a list of 1 to 12 runs, got \[\]$/, true],
  ['unknown optimizer', (d) => { d.runs[1].optimizer = 'adamm'; }, /^runs\[1\]\.optimizer: unknown optimizer "adamm" \(one of sgd, /, true],
  ['unknown run field', (d) => { d.runs[1].lr = 1; }, /^runs\[1\]\.lr: unknown field \(runs\[1\] takes id, optimizer, hyperparameters, schedule, then\)$/, true],
  ['bad run id', (d) => { d.runs[1].id = 'a b'; }, /^runs\[1\]\.id: expected 1 to 64 letters/, true],
  ['duplicate run id', (d) => { d.runs[1].id = 'adam-cos'; }, /^runs\[1\]\.id: "adam-cos" is used by an earlier run: ids must be unique$/, false],
  ['hyperparameter of another optimizer', (d) => { d.runs[1].hyperparameters.betas = [0.9, 0.99]; }, /^runs\[1\]\.hyperparameters\.betas: sgd has no hyperparameter "betas" \(it takes lr, /, false],
  ['unknown hyperparameter', (d) => { d.runs[1].hyperparameters.learning_rate = 1; }, /^runs\[1\]\.hyperparameters\.learning_rate: sgd has no hyperparameter/, true],
  ['hyperparameter of the wrong kind', (d) => { d.runs[0].hyperparameters.betas = 0.9; }, /^runs\[0\]\.hyperparameters\.betas: expected two numbers \[a, b\], got 0\.9$/, false],
  ['boolean given a number', (d) => { d.runs[0].hyperparameters.amsgrad = 1; }, /^runs\[0\]\.hyperparameters\.amsgrad: expected true or false, got 1$/, false],
  ['hyperparameter out of range (the core\'s check)', (d) => { d.runs[1].hyperparameters.lr = -1; }, /^runs\[1\]\.hyperparameters\.lr: .*lr/, false],
  ['unknown scheduler', (d) => { d.runs[0].schedule.schedulers[1].name = 'Cosine'; }, /^runs\[0\]\.schedule\.schedulers\[1\]\.name: unknown scheduler "Cosine" \(one of StepLR, /, true],
  ['unknown scheduler keyword', (d) => { d.runs[0].schedule.schedulers[1].args.tmax = 3; }, /^runs\[0\]\.schedule\.schedulers\[1\]\.args\.tmax: CosineAnnealingLR has no keyword "tmax"/, true],
  ['scheduler out of range (the core\'s check)', (d) => { d.runs[0].then[0].schedule.schedulers[0].args.step_size = 0; }, /^runs\[0\]\.then\[0\]\.schedule: /, false],
  ['schedulers empty', (d) => { d.runs[0].schedule.schedulers = []; }, /^runs\[0\]\.schedule\.schedulers: expected 1 to 8 schedulers, got \[\]$/, true],
  ['switch without fromStep', (d) => { delete d.runs[0].then[0].fromStep; }, /^runs\[0\]\.then\[0\]\.fromStep: expected a whole number from 1 to /, true],
  ['switch after the last step', (d) => { d.runs[0].then[0].fromStep = 300; }, /^runs\[0\]\.then\[0\]\.fromStep: must be after step 0 and before the last step \(steps 300\), got 300$/, false],
  ['switches out of order', (d) => { d.runs[0].then.push({ optimizer: 'adam', fromStep: 50 }); }, /^runs\[0\]\.then\[1\]\.fromStep: must be after the previous switch \(100\)/, false],
  ['unknown view section', (d) => { d.view.section = 'hessian'; }, /^view\.section: expected convergence, landscape, effectiveLr, moments, stepSize, got "hessian"$/, true],
  ['view step after the last step', (d) => { d.view.step = 301; }, /^view\.step: expected a whole number from 0 to 300, got 301$/, false],
];

describe('run files: every malformed case is one located line', () => {
  for (const [what, breakIt, expected] of MALFORMED) {
    test(what, () => {
      const d = full();
      breakIt(d);
      const doc = '__replace' in d ? d['__replace'] : d;
      assert.throws(() => parseRunFile(JSON.stringify(doc)), (e: Error) => {
        assert.ok(e instanceof RunFileError, `not a RunFileError: ${e}`);
        assert.ok(!e.message.includes('\n'), 'one line');
        assert.match(e.message, expected);
        return true;
      });
    });
  }
});

describe('run files: the JSON Schema (media/optdiag.schema.json)', () => {
  const shipped = JSON.parse(readFileSync(join(repoRoot(), 'media', 'optdiag.schema.json'), 'utf8')) as Schema;

  test('the shipped schema is runFileSchema() (rewrite it with node scripts/write-run-file-schema.mjs)', () => {
    assert.deepEqual(shipped, runFileSchema());
  });

  test('its enums are the registries\' names', () => {
    const props = shipped['properties'] as Record<string, any>;
    const run = props['runs'].items.properties;
    assert.deepEqual(run.optimizer.enum, Object.keys(OPTIMIZERS));
    assert.deepEqual(run.then.items.properties.optimizer.enum, Object.keys(OPTIMIZERS));
    assert.deepEqual(run.schedule.properties.schedulers.items.properties.name.enum, Object.keys(SCHEDULE_CLASSES));
    assert.deepEqual(props['loss'].oneOf[0].properties.builtin.enum, Object.keys(BUILTIN_LOSSES));
    const hyper = new Set(Object.values(OPTIMIZERS).flatMap((d) => d.hyperparameters.map((h) => h.name)));
    assert.deepEqual(new Set(run.hyperparameters.propertyNames.enum), hyper);
  });

  test('it accepts what the writer writes', () => {
    for (const doc of [base(), full()]) {
      const written = JSON.parse(writeRunFile(parseRunFile(JSON.stringify(doc))));
      assert.deepEqual(validate(shipped, written), []);
      assert.deepEqual(validate(shipped, doc), []);
    }
  });

  test('it rejects the malformed cases it can see (shapes and names; ranges and cross-field rules are the parser\'s)', () => {
    for (const [what, breakIt, , schemaSees] of MALFORMED) {
      const d = full();
      breakIt(d);
      const doc = '__replace' in d ? d['__replace'] : d;
      assert.equal(validate(shipped, doc).length > 0, schemaSees, what);
    }
    assert.ok(validate(shipped, { ...base(), version: 2 }).length > 0, 'a newer version');
  });

  test('package.json contributes it for *.optdiag.json, and .vscodeignore ships it', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8'));
    assert.deepEqual(pkg.contributes.jsonValidation, [{ fileMatch: '*.optdiag.json', url: './media/optdiag.schema.json' }]);
    assert.match(readFileSync(join(repoRoot(), '.vscodeignore'), 'utf8'), /^!media\/optdiag\.schema\.json$/m);
  });
});
