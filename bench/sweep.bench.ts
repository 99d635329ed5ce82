// Sweep benchmark (issue 12 §2): cell-steps/s of a 64 × 64 × 500-step map on canyon and Rosenbrock, for SGD with
// momentum (lr × momentum) and Adam (lr × β1), three ways in the same process:
//   batched     the core's BatchedSweep: all 4,096 cells stepped together, one K×n pass per step
//   hand loop   one 2-parameter run, hand-written (scalar variables, gradient inlined): steps/s of a single run
//   one by one  every cell as its own Simulation (record 'trajectory'), as the panel runs a single run
// Prints numbers and ratios; asserts nothing.
import { BUILTIN_LOSSES, builtinProblem, createOptimizer, Simulation, type Optimizer } from '../src/core';
import { BatchedSweep, axisValues, withHyper } from '../src/core/sweep';
import { OPTIMIZERS } from '../src/core';
import { loadavg } from 'node:os';

const SIDE = 64;
const STEPS = 500;

function cellsFor(opt: 'sgd' | 'adam'): Optimizer[] {
  const specs = OPTIMIZERS[opt].hyperparameters;
  const lrs = axisValues({ name: 'lr', min: opt === 'sgd' ? 1e-4 : 1e-3, max: opt === 'sgd' ? 0.1 : 1, scale: 'log', count: SIDE });
  const second = axisValues({ name: opt === 'sgd' ? 'momentum' : 'betas.0', min: 0, max: 0.99, scale: 'lin', count: SIDE });
  const out: Optimizer[] = [];
  for (const lr of lrs) for (const v of second) out.push(createOptimizer(opt, withHyper(withHyper({}, 'lr', lr, specs), opt === 'sgd' ? 'momentum' : 'betas.0', v, specs)));
  return out;
}

/** Hand-written single runs (the practical ceiling of one 2-parameter run). */
function handSgd(loss: string, steps: number, lr: number, mu: number): number {
  let x = loss === 'canyon' ? -4 : -1.5;
  let y = loss === 'canyon' ? 1 : 2;
  let bx = 0, by = 0;
  for (let t = 1; t <= steps; t++) {
    let gx: number, gy: number;
    if (loss === 'canyon') {
      gx = 2 * x;
      gy = 20 * y;
    } else {
      const a = 1 - x;
      const b = y - x * x;
      gx = -2 * a - 400 * x * b;
      gy = 200 * b;
    }
    bx = t === 1 ? gx : mu * bx + gx;
    by = t === 1 ? gy : mu * by + gy;
    x -= lr * bx;
    y -= lr * by;
  }
  return x + y;
}

function handAdam(loss: string, steps: number, lr: number, b1: number): number {
  let x = loss === 'canyon' ? -4 : -1.5;
  let y = loss === 'canyon' ? 1 : 2;
  let m0 = 0, m1 = 0, v0 = 0, v1 = 0;
  const b2 = 0.999, eps = 1e-8;
  let p1 = 1, p2 = 1;
  for (let t = 1; t <= steps; t++) {
    let g0: number, g1: number;
    if (loss === 'canyon') {
      g0 = 2 * x;
      g1 = 20 * y;
    } else {
      const a = 1 - x;
      const b = y - x * x;
      g0 = -2 * a - 400 * x * b;
      g1 = 200 * b;
    }
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

/** Runs the contenders interleaved (a, b, c, a, b, c, …) `rounds` times after a warm-up; the best time of each, ms. */
function interleaved(fns: readonly (() => void)[], rounds: number): number[] {
  for (const f of fns) f();
  const bestMs = fns.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((f, k) => {
      const t0 = performance.now();
      f();
      bestMs[k] = Math.min(bestMs[k]!, performance.now() - t0);
    });
  }
  return bestMs;
}

export async function runSweepBench(): Promise<string[]> {
  const out: string[] = [];
  const fmt = (x: number) => (x >= 1e5 ? x.toExponential(2) : x.toPrecision(3));
  out.push(`64 × 64 cells × ${STEPS} steps = ${(SIDE * SIDE * STEPS).toLocaleString('en-US')} cell-steps per map (best of 3 interleaved rounds after a warm-up; load average at start: ${loadavg().map((x) => x.toFixed(1)).join(', ')})`);
  let sink = 0;
  for (const opt of ['sgd', 'adam'] as const) {
    const optimizers = cellsFor(opt);
    for (const loss of ['canyon', 'rosenbrock']) {
      const b = BUILTIN_LOSSES[loss]!;
      const start = Float64Array.from(b.start);
      const criteria = { tolerance: 1e-6, fMin: 0 };
      const handRuns = 400;
      const problem = builtinProblem(b);
      const [batchedMs, handTotalMs, oneMs] = interleaved([
        () => {
          const s = new BatchedSweep({ loss: b, optimizers, start, steps: STEPS, criteria, constantLr: true });
          s.advance();
          sink += s.summaries().length;
        },
        () => {
          for (let k = 0; k < handRuns; k++) sink += opt === 'sgd' ? handSgd(loss, STEPS, 1e-3, 0.9) : handAdam(loss, STEPS, 1e-2, 0.9);
        },
        () => {
          for (const o of optimizers) {
            const sim = new Simulation({ problem, optimizer: o, start, steps: STEPS, record: 'trajectory' });
            sim.advance();
            sink += sim.recording.stepsCompleted;
          }
        },
      ], 3) as [number, number, number];
      const handMs = handTotalMs / handRuns;
      const cellSteps = SIDE * SIDE * STEPS;
      const batched = cellSteps / (batchedMs / 1000);
      const hand = STEPS / (handMs / 1000);
      const one = cellSteps / (oneMs / 1000);
      out.push(`${opt === 'sgd' ? 'SGD+momentum (lr × momentum)' : 'Adam (lr × β1)'} on ${loss}:`);
      out.push(`    batched sweep:          ${fmt(batched)} cell-steps/s  (${fmt(batchedMs)} ms per map)`);
      out.push(`    hand-written single run: ${fmt(hand)} steps/s`);
      out.push(`    one by one (Simulation): ${fmt(one)} cell-steps/s  (${fmt(oneMs)} ms per map)`);
      out.push(`    ratios: batched / hand loop = ${(batched / hand).toFixed(2)}× (target ≥ 2×);  batched / one by one = ${(batched / one).toFixed(2)}× (target ≥ 5×)`);
    }
  }
  if (sink === 42) out.push('');
  return out;
}

if (require.main === module && /sweep\.bench\.js$/.test(__filename)) {
  void runSweepBench().then((lines) => console.log(lines.join('\n')));
}
