// The numerical conventions (README "Bias correction on/off and numerical conventions"): which optimizers
// each defines, the textbook forms by hand, the tfjs defaults, and float32 rounding.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONVENTIONS,
  OPTIMIZERS,
  PYTORCH,
  TEXTBOOK,
  TFJS,
  builtinProblem,
  createOptimizer,
  getBuiltinLoss,
  getConvention,
  simulate,
} from '../../../src/core';

const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-15 + 1e-12 * Math.abs(b), `${what}: ${a} vs ${b}`);

describe('conventions', () => {
  test('each convention lists exactly the optimizers that have a form for it', () => {
    for (const c of [TFJS, TEXTBOOK]) {
      const key = c.name as 'tfjs' | 'textbook';
      const defined = Object.values(OPTIMIZERS).filter((d) => d.conventions[key]).map((d) => d.name).sort();
      assert.deepEqual([...c.optimizers!].sort(), defined, c.name);
    }
    assert.equal(PYTORCH.optimizers, null);
    assert.deepEqual(Object.keys(CONVENTIONS), ['pytorch', 'tfjs', 'textbook']);
    assert.throws(() => getConvention('jax'), /unknown convention "jax" \(known: pytorch, tfjs, textbook\)/);
  });

  test('textbook RMSProp: θ ← θ − η g/√(v + ε) (ε inside), by hand', () => {
    const opt = createOptimizer('rmsprop', { lr: 0.1, alpha: 0.75, eps: 3 }, { convention: TEXTBOOK });
    const p = Float64Array.of(1, -2);
    // v₁ = 0.25·[4, 4] = [1, 1]; √(v + 3) = 2; θ₁ = [1 − 0.1·2/2, −2 + 0.1·2/2] = [0.9, −1.9]
    const r = opt.update(Float64Array.of(2, -2), opt.init(p), p);
    near(r.params[0]!, 0.9, 'θ₁[0]');
    near(r.params[1]!, -1.9, 'θ₁[1]');
    near(r.diagnostics.effectiveLr[0]!, 0.05, 'α');
    // PyTorch's form on the same numbers: D = √1 + 3 = 4 → θ₁ = [0.95, −1.95]
    const torch = createOptimizer('rmsprop', { lr: 0.1, alpha: 0.75, eps: 3 });
    near(torch.update(Float64Array.of(2, -2), torch.init(p), p).params[0]!, 0.95, 'pytorch θ₁[0]');
  });

  test('textbook Adam: θ ← θ − η m̂/√(v̂ + ε), by hand (and AdamW the same after the decay)', () => {
    const p = Float64Array.of(1, -2);
    const adam = createOptimizer('adam', { lr: 0.1, eps: 5 }, { convention: TEXTBOOK });
    // t = 1: m̂ = g = [2, −2], v̂ = g² = 4; √(4 + 5) = 3 → θ₁ = [1 − 0.2/3, −2 + 0.2/3]
    const r = adam.update(Float64Array.of(2, -2), adam.init(p), p);
    near(r.params[0]!, 1 - 0.2 / 3, 'θ₁[0]');
    near(r.params[1]!, -2 + 0.2 / 3, 'θ₁[1]');
    const adamw = createOptimizer('adamw', { lr: 0.1, eps: 5, weight_decay: 0.5 }, { convention: TEXTBOOK });
    near(adamw.update(Float64Array.of(2, -2), adamw.init(p), p).params[0]!, 0.95 - 0.2 / 3, 'AdamW θ₁[0] = 1·(1 − 0.05) − 0.2/3');
  });

  test('textbook SGD, AdaGrad and Adadelta are PyTorch\'s forms (identical runs)', () => {
    const b = getBuiltinLoss('rosenbrock');
    for (const [name, hp] of [['sgd', { lr: 5e-4, momentum: 0.9 }], ['adagrad', { lr: 0.1 }], ['adadelta', {}]] as const) {
      const run = (convention: typeof PYTORCH) =>
        simulate({ problem: builtinProblem(b), optimizer: createOptimizer(name, hp, { convention }), start: Float64Array.from(b.start), steps: 50 });
      assert.deepEqual([...run(TEXTBOOK).params], [...run(PYTORCH).params], name);
    }
  });

  test('tfjs defaults replace PyTorch\'s where tf.train.* has its own; given values win', () => {
    const h = (name: string, given = {}) => createOptimizer(name, given, { convention: TFJS }).hyperparameters;
    assert.deepEqual([h('adagrad')['initial_accumulator_value'], h('adagrad')['eps']], [0.1, 1e-7]);
    assert.deepEqual([h('rmsprop')['alpha'], h('rmsprop')['eps']], [0.9, 1e-7]);
    assert.equal(h('adam')['eps'], 1e-7);
    assert.equal(h('adamax')['eps'], 1e-7);
    assert.equal(h('rmsprop', { alpha: 0.99 })['alpha'], 0.99);
    assert.deepEqual(createOptimizer('rmsprop', {}, { convention: TFJS }).stateNames, ['rms', 'rms_momentum']);
    assert.deepEqual(createOptimizer('sgd', { momentum: 0.9 }, { convention: TFJS }).stateNames, ['momentum']);
    assert.deepEqual(createOptimizer('adam', {}, { convention: TFJS }).scalarStateNames, ['accBeta1', 'accBeta2']);
  });

  test('float32 stores float32 values: params, gradients, losses and state are all Math.fround-exact', () => {
    const b = getBuiltinLoss('beale');
    const rec = simulate({ problem: builtinProblem(b), optimizer: createOptimizer('adam', { lr: 0.01 }, { convention: TFJS, dtype: 'float32' }), start: Float64Array.of(1.1, 0.9), steps: 30 });
    for (const col of [rec.params, rec.grad, rec.loss, rec.state['m']!, rec.state['v']!, rec.scalarState['accBeta2']!]) {
      for (const v of col) assert.equal(v, Math.fround(v));
    }
    // the same run in float64 differs (in the last float32 bits) but agrees to float32 level
    const f64 = simulate({ problem: builtinProblem(b), optimizer: createOptimizer('adam', { lr: 0.01 }, { convention: TFJS }), start: Float64Array.of(1.1, 0.9), steps: 30 });
    assert.notDeepEqual([...f64.params], [...rec.params]);
    for (let i = 0; i < rec.params.length; i++) assert.ok(Math.abs(f64.params[i]! - rec.params[i]!) < 1e-5);
  });
});
