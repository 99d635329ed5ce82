// Core benchmark: the optimizer core against @tensorflow/tfjs (CPU backend, same process) and against a
// plain hand-written Float64Array loop (the practical ceiling). Prints numbers, asserts nothing.
//   (a) 2-D Rosenbrock, Adam, 10,000 steps, exact gradients, ALL diagnostics recorded
//   (b) one Adam step over 1,000,000 float64 parameters, recording off

import { builtinProblem, createOptimizer, getBuiltinLoss, simulate } from '../src/core';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs fn repeatedly for about `budgetMs` (after a warm-up) and returns the median time per call in ms. */
function time(fn: () => void, budgetMs = 1500, minRuns = 5): number {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  const end = performance.now() + budgetMs;
  while (times.length < minRuns || performance.now() < end) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
    if (times.length > 10_000) break;
  }
  return median(times);
}

/**
 * Times several contenders interleaved (a, b, a, b, …) for about `budgetMs`, so that load changes on a
 * shared machine hit all of them alike; returns the median ms per call of each.
 */
function timeInterleaved(fns: readonly (() => void)[], budgetMs = 3000): number[] {
  for (const f of fns) for (let i = 0; i < 3; i++) f();
  const times = fns.map(() => [] as number[]);
  const end = performance.now() + budgetMs;
  while (times[0]!.length < 7 || performance.now() < end) {
    fns.forEach((f, k) => {
      const t0 = performance.now();
      f();
      times[k]!.push(performance.now() - t0);
    });
    if (times[0]!.length > 5000) break;
  }
  return times.map(median);
}

/** Hand-written Adam on 2-D Rosenbrock: the ceiling (no recording, no abstraction). */
function handRosenbrockAdam(steps: number): number {
  let x = -1.5;
  let y = 2;
  let m0 = 0, m1 = 0, v0 = 0, v1 = 0;
  const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  let p1 = 1, p2 = 1;
  for (let t = 1; t <= steps; t++) {
    const a = 1 - x;
    const b = y - x * x;
    const g0 = -2 * a - 400 * x * b;
    const g1 = 200 * b;
    m0 = b1 * m0 + (1 - b1) * g0;
    m1 = b1 * m1 + (1 - b1) * g1;
    v0 = b2 * v0 + (1 - b2) * g0 * g0;
    v1 = b2 * v1 + (1 - b2) * g1 * g1;
    p1 *= b1;
    p2 *= b2;
    const ss = lr / (1 - p1);
    const bc2 = Math.sqrt(1 - p2);
    x -= (ss * m0) / (Math.sqrt(v0) / bc2 + eps);
    y -= (ss * m1) / (Math.sqrt(v1) / bc2 + eps);
  }
  return x + y;
}

/** Hand-written Adam step over n parameters (PyTorch's formula), the ceiling for (b). */
function handAdamStep(p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, t: number): void {
  const lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const ss = lr / (1 - b1 ** t);
  const bc2 = Math.sqrt(1 - b2 ** t);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!;
    const mi = b1 * m[i]! + (1 - b1) * gi;
    const vi = b2 * v[i]! + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! - (ss * mi) / (Math.sqrt(vi) / bc2 + eps);
  }
}

type Tf = typeof import('@tensorflow/tfjs');

function loadTf(): Tf | null {
  try {
    // The union package registers the CPU backend and the gradients (tfjs-core alone has no gradients under Node).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tf = require('@tensorflow/tfjs') as Tf;
    tf.setBackend('cpu');
    return tf;
  } catch (e) {
    return null;
  }
}

export async function runCoreBench(): Promise<string[]> {
  const out: string[] = [];
  const fmt = (x: number, d = 3) => (x >= 1e5 ? x.toExponential(2) : x.toPrecision(d));
  const tf = loadTf();
  if (tf) await tf.ready();

  // (a)
  const STEPS = 10_000;
  const rosen = builtinProblem(getBuiltinLoss('rosenbrock'));
  const start = Float64Array.of(-1.5, 2);
  let sink = 0;
  const [coreMs, handMs] = timeInterleaved([
    () => {
      simulate({ problem: rosen, optimizer: createOptimizer('adam', { lr: 0.01 }), start, steps: STEPS });
    },
    () => {
      sink += handRosenbrockAdam(STEPS);
    },
  ]) as [number, number];
  out.push('(a) 2-D Rosenbrock, Adam lr 0.01, 10,000 steps, exact gradients');
  out.push(`    hand-written Float64 loop (no recording):     ${fmt(STEPS / (handMs / 1000))} steps/s  (${fmt(handMs)} ms per run)`);
  out.push(`    optimizer core, ALL diagnostics recorded:     ${fmt(STEPS / (coreMs / 1000))} steps/s  (${fmt(coreMs)} ms per run)`);
  let tfStepsPerSec = NaN;
  if (tf) {
    const TF_STEPS = 500;
    const xv = tf.variable(tf.tensor1d([-1.5, 2], 'float32'));
    const opt = tf.train.adam(0.01, 0.9, 0.999, 1e-8);
    const f = () => {
      const x = xv.slice(0, 1);
      const y = xv.slice(1, 1);
      return tf.add(tf.square(tf.sub(1, x)), tf.mul(100, tf.square(tf.sub(y, tf.square(x))))).sum() as import('@tensorflow/tfjs').Scalar;
    };
    const tfMs = time(() => {
      for (let i = 0; i < TF_STEPS; i++) tf.tidy(() => { opt.minimize(f); });
    }, 2000, 3);
    tfStepsPerSec = TF_STEPS / (tfMs / 1000);
    out.push(`    @tensorflow/tfjs ${tf.version.tfjs} (cpu backend, float32):  ${fmt(tfStepsPerSec)} steps/s`);
    xv.dispose();
    opt.dispose();
  } else out.push('    @tensorflow/tfjs: not installed (npm install), skipped');
  const coreRate = STEPS / (coreMs / 1000);
  out.push(`    ratio core/hand-written = ${(coreRate / (STEPS / (handMs / 1000))).toFixed(3)}  (target ≥ 0.25)` +
    (tf ? `;  core/tfjs = ${fmt(coreRate / tfStepsPerSec)}×  (target ≈ 1,000×)` : ''));

  // (b)
  const N = 1_000_000;
  const rnd = (n: number, s: number) => { const a = new Float64Array(n); for (let i = 0; i < n; i++) a[i] = Math.sin(i * s) * 0.5; return a; };
  const g = rnd(N, 0.37);
  const p1 = rnd(N, 0.11), m1 = new Float64Array(N), v1 = new Float64Array(N);
  let t1 = 0;
  const adam = createOptimizer('adam');
  const p2 = rnd(N, 0.11);
  const st = adam.init(p2);
  const [handStepMs, coreStepMs] = timeInterleaved([() => handAdamStep(p1, g, m1, v1, ++t1), () => adam.step(g, st, p2, null)], 4000) as [number, number];
  out.push('(b) one Adam step over 1,000,000 float64 parameters, recording off');
  out.push(`    hand-written Float64 loop:   ${(handStepMs * 1e6 / N).toFixed(2)} ns/param`);
  out.push(`    optimizer core (step):        ${(coreStepMs * 1e6 / N).toFixed(2)} ns/param`);
  if (tf) {
    const pv = tf.variable(tf.tensor1d(Float32Array.from(rnd(N, 0.11))));
    const gt = tf.tensor1d(Float32Array.from(g));
    const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
    const tfStepMs = time(() => tf.tidy(() => opt.applyGradients([{ name: pv.name, tensor: gt }])), 3000, 5);
    out.push(`    @tensorflow/tfjs (cpu, float32): ${(tfStepMs * 1e6 / N).toFixed(2)} ns/param`);
    out.push(`    ratio core/hand-written = ${(coreStepMs / handStepMs).toFixed(3)}× the time (target ≤ 1.0);  tfjs/core = ${(tfStepMs / coreStepMs).toFixed(1)}× (target ≥ 50)`);
    pv.dispose(); gt.dispose(); opt.dispose();
  } else out.push(`    ratio core/hand-written = ${(coreStepMs / handStepMs).toFixed(3)}× the time (target ≤ 1.0)`);
  if (sink === 42) out.push('');
  return out;
}

// Run alone only as out/bench/core.bench.js (bench.js bundles this module, where require.main === module too).
if (require.main === module && /core\.bench\.js$/.test(__filename)) {
  void runCoreBench().then((lines) => console.log(lines.join('\n')));
}
