// The effective learning rate decomposed (schedule × bias correction × preconditioner, ε-dominance) and
// the step inspector's equations, both generated from the optimizer definitions: checked against hand
// arithmetic, and against the recording for every optimizer and the configurations that switch branches.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  builtinProblem, createOptimizer, decomposeEffectiveLr, EPS_INSIDE_SQRT, formulaParts, getBuiltinLoss, renderFormula, inspectStep, OPTIMIZER_NAMES, simulate,
  type HyperValue, type Problem,
} from '../../../src/core';

/** f = ½ Σ c_i θ_i², gradient c_i θ_i (hand arithmetic). */
function quadratic(c: readonly number[]): Problem {
  return {
    name: 'quad', dim: c.length, paramNames: c.map((_, i) => `w${i}`),
    evaluate(p, g) {
      let f = 0;
      for (let i = 0; i < c.length; i++) {
        g[i] = c[i]! * p[i]!;
        f += 0.5 * c[i]! * p[i]! * p[i]!;
      }
      return f;
    },
  };
}

const close = (got: number, want: number, what: string, rtol = 1e-14) =>
  assert.ok(Math.abs(got - want) <= rtol * Math.max(Math.abs(want), 1e-300) || (got !== got && want !== want) || got === want, `${what}: got ${got}, want ${want}`);

test('Adam step 1 decomposed by hand: 0.1 × 1/(1−0.9) × 1/(√v̂ + ε), ε-dominated where v̂ = 0', () => {
  // θ0 = (1, 0), c = (2, 1): g = (2, 0); m1 = 0.1·g = (0.2, 0), v1 = 0.001·g² = (0.004, 0);
  // v̂ = v1/0.001 = (4, 0), √v̂ = (2, 0); α = 0.1 · 10 · 1/(2 + 1e-8) on m, and 0.1·10·1/1e-8 for w1.
  const opt = createOptimizer('adam', { lr: 0.1 });
  const rec = simulate({ problem: quadratic([2, 1]), optimizer: opt, start: Float64Array.from([1, 0]), steps: 1 });
  const d = decomposeEffectiveLr(rec, opt);
  close(d.schedule[0]!, 0.1, 'schedule');
  close(d.biasCorrection[0]!, 1 / (1 - 0.9), 'bias correction', 1e-15);
  close(d.preconditioner[0]!, 1 / (2 + 1e-8), 'preconditioner w0');
  close(d.preconditioner[1]!, 1 / 1e-8, 'preconditioner w1');
  close(d.rawDirection[0]!, 0.2, 'u = m', 1e-15);
  close(d.alpha[0]! * d.rawDirection[0]!, -rec.update[0]!, 'α·m = −Δθ', 1e-12);
  assert.equal(d.epsDominance[0], 0.5, 'w1 (√v̂ = 0 < ε) is ε-dominated, w0 is not');
  // The product times (1 − β1ᵗ) is the recorded effective learning rate (which multiplies m̂, not m).
  close(d.alpha[0]! * (1 - 0.9), rec.effectiveLr[0]!, 'α·(1−β1) = effectiveLr');
});

test('ε-dominance: Adam with ε = 10 ≫ √v̂ = 2 is ε-dominated everywhere; the ε-inside-√ convention compares ε with v̂', () => {
  const opt = createOptimizer('adam', { lr: 0.1, eps: 10 });
  const rec = simulate({ problem: quadratic([2, 3]), optimizer: opt, start: Float64Array.from([1, 1]), steps: 1 });
  // √v̂ = |g| = (2, 3) < 10.
  assert.equal(decomposeEffectiveLr(rec, opt).epsDominance[0], 1);
  const inside = createOptimizer('adam', { lr: 0.1, eps: 5 }, { convention: EPS_INSIDE_SQRT });
  const r2 = simulate({ problem: quadratic([2, 3]), optimizer: inside, start: Float64Array.from([1, 1]), steps: 1 });
  // v̂ = g² = (4, 9): 5 > 4 only for w0; preconditioner 1/√(4 + 5) = 1/3.
  const d2 = decomposeEffectiveLr(r2, inside);
  assert.equal(d2.epsDominance[0], 0.5);
  close(d2.preconditioner[0]!, 1 / 3, 'ε-inside preconditioner');
});

test('AdaGrad by hand: the schedule factor carries lr_decay, the preconditioner 1/(√s + ε)', () => {
  // c = (1), θ0 = 2: g1 = 2, s1 = 4, α1 = 0.5·1/(2 + ε); θ1 = 2 − 0.5·2/2 = 1.5 (ε = 0); g2 = 1.5, s2 = 6.25,
  // step 2 schedule 0.5/(1 + 1·0.25) = 0.4, preconditioner 1/2.5.
  const opt = createOptimizer('adagrad', { lr: 0.5, lr_decay: 0.25, eps: 0 });
  const rec = simulate({ problem: quadratic([1]), optimizer: opt, start: Float64Array.from([2]), steps: 2 });
  const d = decomposeEffectiveLr(rec, opt);
  assert.deepEqual([...d.schedule], [0.5, 0.4]);
  assert.deepEqual([...d.preconditioner], [0.5, 0.4]);
  assert.deepEqual([...d.biasCorrection], [1, 1]);
  assert.deepEqual([...d.epsDominance], [0, 0]);
});

test('RMSprop by hand: α = η/(√v + ε) on g; with momentum the factors are η·1·1 on b_t', () => {
  // alpha 0.75, g1 = 2: v1 = 0.25·4 = 1, D = 1 (ε = 0): α = 0.01.
  const opt = createOptimizer('rmsprop', { lr: 0.01, alpha: 0.75, eps: 0 });
  const rec = simulate({ problem: quadratic([1]), optimizer: opt, start: Float64Array.from([2]), steps: 1 });
  const d = decomposeEffectiveLr(rec, opt);
  assert.deepEqual([d.schedule[0], d.biasCorrection[0], d.preconditioner[0], d.rawDirection[0]], [0.01, 1, 1, 2]);
  const mom = createOptimizer('rmsprop', { lr: 0.01, alpha: 0.75, eps: 0, momentum: 0.5 });
  const r2 = simulate({ problem: quadratic([1]), optimizer: mom, start: Float64Array.from([2]), steps: 1 });
  const d2 = decomposeEffectiveLr(r2, mom);
  // b1 = g/D = 2.
  assert.deepEqual([d2.schedule[0], d2.biasCorrection[0], d2.preconditioner[0], d2.rawDirection[0]], [0.01, 1, 1, 2]);
});

test('formulas: nested braces are one reference; rendering substitutes each', () => {
  assert.deepEqual(formulaParts('{β1}·{m_{t−1}} + 1'), [{ ref: 'β1' }, '·', { ref: 'm_{t−1}' }, ' + 1']);
  assert.equal(renderFormula('√{v*_t} / √{bias_correction2} + {ε}', (s) => `[${s}]`), '√[v*_t] / √[bias_correction2] + [ε]');
});

test('SGD, signSGD, Lion and Rprop have no ε: their ε-dominance is NaN (not applicable)', () => {
  for (const name of ['sgd', 'signsgd', 'lion', 'rprop']) {
    const opt = createOptimizer(name, { lr: 0.01 });
    const rec = simulate({ problem: quadratic([1, 2]), optimizer: opt, start: Float64Array.from([1, 1]), steps: 3 });
    assert.ok(decomposeEffectiveLr(rec, opt).epsDominance.every((v) => Number.isNaN(v)), name);
  }
});

/** The configurations that switch every branch of every kernel. */
const CONFIGS: readonly [string, Record<string, HyperValue>][] = [
  ['sgd', { lr: 0.002 }],
  ['sgd', { lr: 0.002, momentum: 0.9, dampening: 0.1, weight_decay: 0.01 }],
  ['sgd', { lr: 0.002, momentum: 0.9, nesterov: true, maximize: false }],
  ['signsgd', { lr: 0.01 }],
  ['signsgd', { lr: 0.01, momentum: 0.9, weight_decay: 0.01 }],
  ['adagrad', { lr: 0.1, lr_decay: 0.01, weight_decay: 0.01, initial_accumulator_value: 0.1 }],
  ['rmsprop', { lr: 0.01 }],
  ['rmsprop', { lr: 0.01, centered: true, momentum: 0.5, weight_decay: 0.01 }],
  ['adam', { lr: 0.05 }],
  ['adam', { lr: 0.05, amsgrad: true, weight_decay: 0.01 }],
  ['adamw', { lr: 0.05, weight_decay: 0.1 }],
  ['adamw', { lr: 0.05, amsgrad: true }],
  ['adamax', { lr: 0.05, weight_decay: 0.01 }],
  // bias_correction = false (the Adam family's switch): the correction factors are 1
  ['adam', { lr: 0.05, bias_correction: false }],
  ['adamw', { lr: 0.05, weight_decay: 0.1, bias_correction: false }],
  ['adamax', { lr: 0.05, bias_correction: false }],
  ['nadam', { lr: 0.05 }],
  ['nadam', { lr: 0.05, weight_decay: 0.01 }],
  ['radam', { lr: 0.001 }],
  ['radam', { lr: 0.001, weight_decay: 0.01 }],
  ['adadelta', { lr: 1 }],
  ['adadelta', { lr: 1, weight_decay: 0.01, maximize: false }],
  ['rprop', { lr: 0.01 }],
  ['lion', { lr: 0.001 }],
  ['lion', { lr: 0.001, weight_decay: 0.1 }],
];

/** Optimizers whose factors multiply m_t while the recorded direction is m̂_t = m_t/(1−β1ᵗ). */
const ON_RAW_M = new Set(['adam', 'adamw', 'adamax', 'radam']);

test('every optimizer is configured above', () => {
  assert.deepEqual([...new Set(CONFIGS.map((c) => c[0]))].sort(), [...OPTIMIZER_NAMES].sort());
});

for (const [name, hp] of CONFIGS) {
  for (const [conv, convention] of [['pytorch', undefined], ['eps inside √', EPS_INSIDE_SQRT]] as const) {
    const what = `${name} ${JSON.stringify(hp)} (${conv})`;
    const run = () => {
      const opt = createOptimizer(name, hp, convention ? { convention } : {});
      const problem = builtinProblem(getBuiltinLoss('rosenbrock'));
      const rec = simulate({ problem, optimizer: opt, start: Float64Array.from([-1.2, 1]), steps: 12 });
      return { opt, rec };
    };

    test(`step inspector reproduces the recording: ${what}`, () => {
      const { opt, rec } = run();
      assert.equal(rec.stepsCompleted, 12);
      let checked = 0;
      for (let row = 0; row < 12; row++) {
        for (let i = 0; i < 2; i++) {
          const terms = inspectStep(rec, opt, row, i);
          const symbols = terms.map((t) => t.symbol);
          for (const must of ['t', 'θ_{t−1}', '∇f', 'g', 'α', 'θ_t', 'Δθ']) assert.ok(symbols.includes(must), `${what}: no ${must} term`);
          for (const t of terms) {
            if (!Number.isNaN(t.recorded)) {
              // The kernel's own arithmetic: the same operations in the same order, so equal to the last bit.
              assert.equal(t.value, t.recorded, `${what} step ${row + 1} w${i}: ${t.symbol} = ${t.formula}`);
              checked++;
            }
            // Every formula refers only to terms defined before it.
            for (const ref of t.input ? [] : formulaParts(t.formula).flatMap((p) => (typeof p === 'string' ? [] : [p.ref]))) {
              assert.ok(symbols.indexOf(ref) >= 0 && symbols.indexOf(ref) < symbols.indexOf(t.symbol), `${what}: ${t.symbol} refers to {${ref}}`);
            }
          }
          const byName = new Map(terms.map((t) => [t.symbol, t]));
          assert.equal(byName.get('Δθ')!.value, rec.update[row * 2 + i], `${what}: Δθ`);
          assert.equal(byName.get('θ_t')!.value, rec.params[(row + 1) * 2 + i], `${what}: θ_t`);
          assert.equal(byName.get('α')!.value, rec.effectiveLr[row * 2 + i], `${what}: α`);
        }
      }
      assert.ok(checked >= 12 * 2 * 4, `${what}: only ${checked} recorded values checked`);
    });

    test(`effective LR factors multiply to the recorded α: ${what}`, () => {
      const { opt, rec } = run();
      const d = decomposeEffectiveLr(rec, opt);
      assert.equal(d.rows, 12);
      const b1 = Array.isArray(hp['betas']) ? (hp['betas'] as number[])[0]! : 0.9;
      for (let r = 0; r < 12; r++) {
        for (let i = 0; i < 2; i++) {
          const k = r * 2 + i;
          // without bias correction m̂ = m: the factors multiply the recorded direction itself
          const want = ON_RAW_M.has(name) && hp['bias_correction'] !== false ? rec.effectiveLr[k]! / (1 - b1 ** (r + 1)) : rec.effectiveLr[k]!;
          close(d.alpha[k]!, want, `${what} step ${r + 1} w${i}: schedule × bias × preconditioner`, 1e-13);
          // α·u is the step −Δθ (before decoupled decay): the same as the recorded effectiveLr·d.
          close(d.alpha[k]! * d.rawDirection[k]!, rec.effectiveLr[k]! * rec.direction[k]!, `${what} step ${r + 1} w${i}: α·u = effectiveLr·d`, 1e-12);
        }
        const e = d.epsDominance[r]!;
        assert.ok(Number.isNaN(e) || (e >= 0 && e <= 1), `${what}: ε-dominance ${e}`);
      }
    });
  }
}
