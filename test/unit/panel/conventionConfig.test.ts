// The panel's convention picker fields: SessionConfig.convention/dtype validated from the (untrusted)
// webview, kept through a restore, checked by the core per run, and offered from the core's registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSessionConfig, restoreSessionConfig, sessionConfigProblems } from '../../../src/protocol/messages';
import { conventionSchemas, optimizerSchemas } from '../../../src/protocol/runDefaults';
import { configProblems } from '../../../src/host/panel/validate';

const base = { loss: { kind: 'builtin', name: 'canyon' }, runs: [{ id: 'r1', optimizer: 'adam', hyperparameters: { lr: 0.1 } }], steps: 10, seed: 0 };

test('convention and dtype: valid values kept (defaults dropped), invalid ones refused with the field named', () => {
  assert.deepEqual(parseSessionConfig({ ...base, convention: 'tfjs', dtype: 'float32' })?.convention, 'tfjs');
  assert.deepEqual(parseSessionConfig({ ...base, convention: 'tfjs', dtype: 'float32' })?.dtype, 'float32');
  const d = parseSessionConfig({ ...base, convention: 'pytorch', dtype: 'float64' })!;
  assert.ok(!('convention' in d) && !('dtype' in d), 'the defaults are not stored');
  assert.equal(parseSessionConfig({ ...base, convention: 'jax' }), undefined);
  assert.deepEqual(sessionConfigProblems({ ...base, convention: 'jax' }), [{ field: 'convention', message: 'convention must be one of pytorch, tfjs, textbook, got jax' }]);
  assert.deepEqual(sessionConfigProblems({ ...base, dtype: 'float16' }), [{ field: 'dtype', message: 'dtype must be float64 or float32, got float16' }]);
  const restored = restoreSessionConfig({ ...base, convention: 'jax' }, { steps: 10 })!;
  assert.equal(restored.config.convention, undefined);
  assert.deepEqual(restored.dropped, ['an unknown convention or dtype (using pytorch, float64)']);
});

test('the core checks each run under the chosen convention (one reason per run)', () => {
  const cfg = parseSessionConfig({ ...base, convention: 'tfjs', runs: [...base.runs, { id: 'r2', optimizer: 'nadam', hyperparameters: {} }] })!;
  assert.deepEqual(configProblems(cfg), [{ runId: 'r2', field: 'convention', message: 'the tfjs convention does not define NAdam (it defines sgd, adagrad, rmsprop, adam, adamax, adadelta)' }]);
  const f32 = parseSessionConfig({ ...base, dtype: 'float32' })!;
  assert.equal(configProblems(f32)[0]?.field, 'dtype');
  assert.deepEqual(configProblems(parseSessionConfig({ ...base, convention: 'tfjs', dtype: 'float32' })!), []);
});

test('the picker is driven by the registry: every convention, with what it defines; schemas carry the convention forms', () => {
  assert.deepEqual(conventionSchemas().map((c) => [c.name, c.optimizers?.length ?? 'all', c.dtypes.join('/')]), [['pytorch', 'all', 'float64'], ['tfjs', 6, 'float64/float32'], ['textbook', 6, 'float64']]);
  const adam = optimizerSchemas().find((s) => s.name === 'adam')!;
  assert.match(adam.conventionEquations!['tfjs']!, /accBeta1/);
  assert.match(adam.conventionEquations!['textbook']!, /√\(v̂_t \+ ε\)/);
  assert.ok(adam.hyperparameters.some((h) => h.name === 'bias_correction' && h.kind === 'boolean' && h.default === true), 'the switch is a schema field');
});

test('switching convention in the panel moves values still at the old default to the new one; set values stay', async () => {
  const { withConventionDefaults } = await import('../../../src/protocol/messages');
  const rms = optimizerSchemas().find((s) => s.name === 'rmsprop')!;
  const torch = { lr: 0.01, alpha: 0.99, eps: 1e-8, weight_decay: 0, momentum: 0.5, centered: false, maximize: false };
  const tf = withConventionDefaults(rms, torch, 'pytorch', 'tfjs');
  assert.deepEqual(tf, { ...torch, alpha: 0.9, eps: 1e-7 });
  assert.deepEqual(withConventionDefaults(rms, tf, 'tfjs', 'pytorch'), torch, 'and back');
  assert.deepEqual(withConventionDefaults(rms, { ...torch, alpha: 0.95 }, 'pytorch', 'tfjs'), { ...torch, alpha: 0.95, eps: 1e-7 }, 'a value the user set stays');
  const adagrad = optimizerSchemas().find((s) => s.name === 'adagrad')!;
  assert.deepEqual(withConventionDefaults(adagrad, { lr: 0.1, initial_accumulator_value: 0, eps: 1e-10 }, 'pytorch', 'tfjs'), { lr: 0.1, initial_accumulator_value: 0.1, eps: 1e-7 });
});
