// Registry-driven tests (PyTorch optim_db / optax _OPTIMIZERS_UNDER_TEST style): every optimizer, the
// same checks. Diagnostic identities, purity of `update`, state round-trip, invalid hyperparameters,
// property tests with fast-check, convergence, schedule and convention plug-ins.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  BUILTIN_LOSSES,
  EPS_INSIDE_SQRT,
  HyperparameterError,
  OPTIMIZERS,
  OPTIMIZER_NAMES,
  builtinProblem,
  createOptimizer,
  getBuiltinLoss,
  simulate,
  type HyperValue,
  type OptimizerName,
  type Problem,
} from '../../../src/core';
import { repoRoot } from '../helpers/reference';

/** Configurations that exercise every branch of every kernel. */
const CONFIGS: readonly [OptimizerName, Record<string, HyperValue>][] = [
  ['sgd', { lr: 0.01 }],
  ['sgd', { lr: 0.01, momentum: 0.9, dampening: 0.1, weight_decay: 0.01 }],
  ['sgd', { lr: 0.01, momentum: 0.9, nesterov: true, maximize: true }],
  ['adagrad', { lr: 0.1, lr_decay: 0.01, weight_decay: 0.01, initial_accumulator_value: 0.1 }],
  ['rmsprop', { lr: 0.01, centered: true, momentum: 0.5, weight_decay: 0.01 }],
  ['rmsprop', { lr: 0.01 }],
  ['adam', { lr: 0.05 }],
  ['adam', { lr: 0.05, amsgrad: true, weight_decay: 0.01 }],
  ['adamw', { lr: 0.05, amsgrad: true }],
  ['adamax', { lr: 0.05, weight_decay: 0.01 }],
  ['nadam', { lr: 0.05, weight_decay: 0.01 }],
  ['radam', { lr: 0.05, weight_decay: 0.01 }],
  ['adadelta', { lr: 1, weight_decay: 0.01 }],
  ['rprop', { lr: 0.01 }],
  ['signsgd', { lr: 0.01 }],
  ['signsgd', { lr: 0.01, momentum: 0.9, weight_decay: 0.01 }],
  ['lion', { lr: 0.01 }],
];

const DECOUPLED: ReadonlySet<OptimizerName> = new Set(['adamw', 'lion']);

describe('every optimizer', () => {
  test('the registry covers all 12 optimizers and every one has docs', () => {
    assert.deepEqual([...OPTIMIZER_NAMES].sort(), ['adadelta', 'adagrad', 'adam', 'adamax', 'adamw', 'lion', 'nadam', 'radam', 'rmsprop', 'rprop', 'sgd', 'signsgd']);
    for (const d of Object.values(OPTIMIZERS)) {
      assert.ok(d.equations.includes('θ'), `${d.name}: equations`);
      assert.ok(d.effectiveLrDefinition.includes('α'), `${d.name}: effective LR definition`);
      assert.ok(d.hyperparameters.some((h) => h.name === 'lr'), `${d.name}: lr`);
      for (const h of d.hyperparameters) assert.ok(h.description.length > 5, `${d.name}.${h.name} description`);
    }
  });

  for (const [name, hp] of CONFIGS) {
    const label = `${name} ${JSON.stringify(hp)}`;
    test(`${label}: Δθ = −α ⊙ d (the effective-LR definition) at every step`, () => {
      const opt = createOptimizer(name, hp);
      const rec = simulate({ problem: builtinProblem(getBuiltinLoss('rosenbrock')), optimizer: opt, start: Float64Array.of(-1.5, 2), steps: 50 });
      const lr = hp['lr'] as number;
      const wd = DECOUPLED.has(name) ? ((opt.hyperparameters['weight_decay'] as number) ?? 0) : 0;
      assert.ok(rec.stepsCompleted >= 5, 'enough steps to check');
      for (let t = 0; t < rec.stepsCompleted; t++) {
        for (let i = 0; i < 2; i++) {
          const k = t * 2 + i;
          if (!Number.isFinite(rec.params[k + 2]!)) continue; // the diverged last step
          const decay = -lr * wd * rec.params[k]!; // θ(1 − ηλ) − θ
          const want = decay - rec.effectiveLr[k]! * rec.direction[k]!;
          const got = rec.update[k]!;
          assert.ok(Math.abs(got - want) <= 1e-12 + 1e-9 * Math.abs(want), `step ${t + 1} param ${i}: Δθ ${got} vs −α·d ${want}`);
          assert.ok(Math.abs(rec.params[k + 2]! - rec.params[k]! - got) <= 1e-15 * Math.max(1, Math.abs(rec.params[k]!)), 'Δθ = θ_t − θ_{t−1}');
        }
      }
    });

    test(`${label}: update is pure and equals the in-place kernel`, () => {
      const opt = createOptimizer(name, hp);
      const p0 = Float64Array.of(0.3, -0.7);
      const g = Float64Array.of(1.5, -0.25);
      const s0 = opt.init(p0);
      const snapshot = JSON.stringify({ p0: [...p0], g: [...g], s: Object.fromEntries(Object.entries(s0.tensors).map(([k, v]) => [k, [...v]])), sc: s0.scalars, step: s0.step });
      const r1 = opt.update(g, s0, p0);
      const r2 = opt.update(g, s0, p0);
      assert.equal(JSON.stringify({ p0: [...p0], g: [...g], s: Object.fromEntries(Object.entries(s0.tensors).map(([k, v]) => [k, [...v]])), sc: s0.scalars, step: s0.step }), snapshot, 'inputs not mutated');
      assert.deepEqual([...r1.params], [...r2.params], 'deterministic');
      const p = p0.slice();
      const s = opt.init(p);
      opt.step(g, s, p, null);
      assert.deepEqual([...p], [...r1.params], 'step(…, null) ≡ update');
    });

    test(`${label}: a run split in two with a copied state equals one run (state round-trip)`, () => {
      const problem = builtinProblem(getBuiltinLoss('beale'));
      const opt = createOptimizer(name, hp);
      const whole = simulate({ problem, optimizer: opt, start: Float64Array.of(1, 1), steps: 40 });
      const n = whole.stepsCompleted;
      let p = Float64Array.of(1, 1);
      let s = opt.init(p);
      const g = new Float64Array(2);
      for (let t = 0; t < n; t++) {
        problem.evaluate(p, g, t);
        // continue from a deep copy of the state, as if saved and restored mid-run
        const copy = { step: s.step, scalars: { ...s.scalars }, tensors: Object.fromEntries(Object.entries(s.tensors).map(([k, v]) => [k, Float64Array.from(v)])) };
        const r = opt.update(g, copy, p);
        p = r.params as Float64Array<ArrayBuffer>;
        s = r.state;
      }
      assert.deepEqual([...p], [...whole.params.subarray(2 * n, 2 * n + 2)]);
    });
  }
});

describe('invalid hyperparameters throw a clear HyperparameterError', () => {
  const cases: [OptimizerName, Record<string, HyperValue>, RegExp][] = [
    ['sgd', { lr: -0.1 }, /sgd: invalid lr: learning rate must be >= 0/],
    ['sgd', { lr: NaN }, /lr: must be a finite number/],
    ['sgd', { momentum: -1 }, /momentum: must be >= 0/],
    ['sgd', { nesterov: true }, /Nesterov momentum requires a momentum > 0 and zero dampening/],
    ['sgd', { nesterov: true, momentum: 0.9, dampening: 0.1 }, /zero dampening/],
    ['sgd', { weight_decay: -1 }, /weight_decay: must be >= 0/],
    ['sgd', { nesterov: 1 as unknown as boolean }, /must be true or false/],
    ['sgd', { betas: [0.9, 0.99] }, /unknown hyperparameter \(sgd takes lr, momentum/],
    ['adam', { betas: [1, 0.999] }, /betas: beta1 must be in \[0, 1\), got 1/],
    ['adam', { betas: [0.9, -0.1] }, /beta2 must be in \[0, 1\)/],
    ['adam', { betas: [0.9] as unknown as readonly [number, number] }, /must be a pair of finite numbers/],
    ['adam', { eps: -1e-8 }, /eps: must be >= 0/],
    ['adamw', { weight_decay: -0.01 }, /weight_decay/],
    ['adagrad', { lr_decay: -1 }, /lr_decay/],
    ['adagrad', { initial_accumulator_value: -1 }, /initial_accumulator_value/],
    ['rmsprop', { alpha: -0.5 }, /alpha/],
    ['rmsprop', { momentum: -0.5 }, /momentum/],
    ['adadelta', { rho: 1.5 }, /rho: must be in \[0, 1\]/],
    ['rprop', { etas: [1.5, 1.2] }, /need 0 < etaminus < 1 < etaplus/],
    ['rprop', { step_sizes: [1, 0.1] }, /need 0 <= min <= max/],
    ['nadam', { momentum_decay: -1 }, /momentum_decay/],
    ['lion', { betas: [1.5, 0.99] }, /beta1 must be in \[0, 1\]/],
    ['signsgd', { momentum: 1 }, /momentum: must be in \[0, 1\)/],
  ];
  for (const [name, hp, re] of cases) {
    test(`${name} ${JSON.stringify(hp)}`, () => {
      assert.throws(() => createOptimizer(name, hp), (e: unknown) => e instanceof HyperparameterError && re.test(e.message));
    });
  }
  test('unknown optimizer', () => assert.throws(() => createOptimizer('adamm'), /unknown optimizer "adamm" \(known: sgd, adagrad/));
});

/** Random valid hyperparameters for any optimizer. */
function arbConfig(): fc.Arbitrary<[OptimizerName, Record<string, HyperValue>]> {
  const unit = fc.double({ min: 0, max: 0.999, noNaN: true });
  const lr = fc.double({ min: 1e-6, max: 2, noNaN: true });
  return fc.constantFrom(...OPTIMIZER_NAMES).chain((name) => {
    const specs = OPTIMIZERS[name].hyperparameters;
    const fields: Record<string, fc.Arbitrary<HyperValue>> = {};
    for (const s of specs) {
      if (s.name === 'lr') fields[s.name] = lr;
      else if (s.name === 'nesterov') fields[s.name] = fc.constant(false);
      else if (s.name === 'etas') fields[s.name] = fc.tuple(fc.double({ min: 0.1, max: 0.9, noNaN: true }), fc.double({ min: 1.05, max: 2, noNaN: true }));
      else if (s.name === 'step_sizes') fields[s.name] = fc.tuple(fc.double({ min: 1e-8, max: 1e-3, noNaN: true }), fc.double({ min: 1, max: 50, noNaN: true }));
      else if (s.kind === 'pair') fields[s.name] = fc.tuple(unit, unit);
      else if (s.kind === 'boolean') fields[s.name] = fc.boolean();
      else if (s.name === 'eps') fields[s.name] = fc.double({ min: 0, max: 1e-3, noNaN: true });
      else fields[s.name] = unit;
    }
    return fc.record(fields).map((h) => [name, h] as [OptimizerName, Record<string, HyperValue>]);
  });
}

describe('property tests', () => {
  const problems = Object.values(BUILTIN_LOSSES).map(builtinProblem);
  test('random valid configurations never crash and flag divergence exactly when a parameter becomes non-finite', () => {
    fc.assert(
      fc.property(arbConfig(), fc.constantFrom(...problems), fc.tuple(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true })), ([name, hp], problem: Problem, [x, y]) => {
        const rec = simulate({ problem, optimizer: createOptimizer(name, hp), start: Float64Array.of(x, y), steps: 60 });
        const finiteRow = (t: number) => Number.isFinite(rec.params[2 * t]!) && Number.isFinite(rec.params[2 * t + 1]!);
        for (let t = 0; t < rec.stepsCompleted; t++) assert.ok(finiteRow(t), `row ${t} before the end is finite`);
        if (rec.diverged) {
          assert.ok(!finiteRow(rec.stepsCompleted), 'the last row of a diverged run is non-finite');
          assert.match(rec.stopReason!, new RegExp(`^diverged at step ${rec.stepsCompleted}: non-finite parameter [xy]$`));
          assert.ok(rec.stepsCompleted <= 60);
        } else {
          assert.equal(rec.stepsCompleted, 60);
          assert.ok(finiteRow(60));
          assert.equal(rec.stopReason, null);
        }
      }),
      { numRuns: 400, seed: 20261122 },
    );
  });

  test('a huge learning rate on the canyon diverges, and reports the first non-finite step', () => {
    const rec = simulate({ problem: builtinProblem(getBuiltinLoss('canyon')), optimizer: createOptimizer('sgd', { lr: 1e3 }), start: Float64Array.of(-4, 1), steps: 1000 });
    assert.equal(rec.diverged, true);
    const k = rec.stepsCompleted;
    assert.ok(!Number.isFinite(rec.params[2 * k + 1]!) || !Number.isFinite(rec.params[2 * k]!));
    assert.ok(Number.isFinite(rec.params[2 * (k - 1)]!));
  });
});

describe('convergence (table-driven, optax alias_test style)', () => {
  // optimizer, hyperparameters, loss, steps, tolerance on f − f*
  const table: [OptimizerName, Record<string, HyperValue>, string, number, number][] = [
    ['sgd', { lr: 0.05 }, 'canyon', 500, 1e-8],
    ['sgd', { lr: 0.02, momentum: 0.9 }, 'canyon', 500, 1e-8],
    ['sgd', { lr: 0.02, momentum: 0.9, nesterov: true }, 'canyon', 500, 1e-8],
    ['adagrad', { lr: 1 }, 'canyon', 2000, 1e-8],
    ['rmsprop', { lr: 0.01 }, 'booth', 3000, 1e-3], // constant-lr RMSprop hovers at a scale set by η
    ['adam', { lr: 0.05 }, 'canyon', 2000, 1e-8],
    ['adam', { lr: 0.02 }, 'rosenbrock', 5000, 1e-6],
    ['adamw', { lr: 0.05, weight_decay: 0 }, 'booth', 3000, 1e-8],
    ['adamax', { lr: 0.05 }, 'canyon', 3000, 1e-8],
    ['nadam', { lr: 0.05 }, 'canyon', 3000, 1e-8],
    ['radam', { lr: 0.05 }, 'canyon', 3000, 1e-8],
    ['adadelta', { lr: 1 }, 'canyon', 20000, 0.1], // torch defaults: slow, then oscillating (26 → 0.05)
    ['rprop', { lr: 0.01 }, 'rosenbrock', 3000, 1e-4],
    ['signsgd', { lr: 1e-3 }, 'canyon', 6000, 1e-4],
    ['lion', { lr: 1e-3, weight_decay: 0 }, 'canyon', 6000, 1e-4],
  ];
  for (const [name, hp, lossName, steps, tol] of table) {
    test(`${name} ${JSON.stringify(hp)} on ${lossName} reaches f − f* ≤ ${tol} in ${steps} steps`, () => {
      const b = getBuiltinLoss(lossName);
      const rec = simulate({ problem: builtinProblem(b), optimizer: createOptimizer(name, hp), start: Float64Array.from(b.start), steps });
      assert.equal(rec.diverged, false);
      assert.ok(rec.loss[steps]! - b.minima[0]!.f <= tol, `final f − f* = ${rec.loss[steps]! - b.minima[0]!.f}`);
    });
  }
});

describe('plug-ins: learning-rate schedule and numerical convention', () => {
  test('a schedule changes lr_t, the effective LR and the steps, without touching the optimizer', () => {
    const schedule = (t: number, base: number) => base / t; // 1/t decay
    const opt = createOptimizer('sgd', { lr: 0.1 }, { schedule });
    const rec = simulate({ problem: builtinProblem(getBuiltinLoss('canyon')), optimizer: opt, start: Float64Array.of(-4, 1), steps: 3 });
    assert.deepEqual([...rec.lr], [0.1, 0.05, 0.1 / 3]);
    assert.deepEqual([rec.effectiveLr[2], rec.effectiveLr[3]], [0.05, 0.05]);
    assert.equal(rec.params[2], -4 - 0.1 * -8); // θ₁ = θ₀ − 0.1·2x
  });
  test('EPS_INSIDE_SQRT puts ε under the root (tfjs/textbook placement)', () => {
    const g = Float64Array.of(1e-4, 1);
    const torch = createOptimizer('adam', { lr: 1, eps: 1e-6 });
    const inside = createOptimizer('adam', { lr: 1, eps: 1e-6 }, { convention: EPS_INSIDE_SQRT });
    const p = Float64Array.of(0, 0);
    const a = torch.update(g, torch.init(p), p);
    const b = inside.update(g, inside.init(p), p);
    // t = 1: m̂ = g, v̂ = g²: torch α = 1/(|g| + ε), inside α = 1/√(g² + ε)
    assert.ok(Math.abs(a.diagnostics.effectiveLr[0]! - 1 / (1e-4 + 1e-6)) < 1e-6);
    assert.ok(Math.abs(b.diagnostics.effectiveLr[0]! - 1 / Math.sqrt(1e-8 + 1e-6)) < 1e-6);
    assert.equal(inside.convention.name, 'textbook-eps-inside');
  });
});

test('src/core and src/protocol import nothing from vscode, the DOM or Node', () => {
  const root = repoRoot();
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(join(root, 'src', 'core'));
  walk(join(root, 'src', 'protocol'));
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    assert.doesNotMatch(text, /from ['"](vscode|node:[a-z_]+|fs|path|os|worker_threads|child_process)['"]/, f);
    assert.doesNotMatch(text, /\brequire\(/, f);
  }
});
