// Autodiff benchmark: ns per value-and-gradient evaluation, automatic (source rewrite + tape) vs a
// hand-written analytic gradient vs numeric central differences, on 2-D Rosenbrock and on logistic
// regression (3 features + bias, 64 rows, mean BCE via log1p/exp).
//
//   node esbuild.mjs --bench && node out/bench/autodiff.bench.js
//
// "hand-written (loss file)" is what the extension runs for a loss file that exports `grad`: build
// the structured p from the flat vector, call loss(p, batch) and grad(p, batch), flatten the
// gradient. "hand-written (flat kernel)" is a single fused function over the flat vector (a lower
// bound no loss file reaches). The automatic gradient goes through `makeValueAndGrad`.
// Each case runs in its own worker thread (a fresh V8 isolate, so one case's JIT feedback does
// not slow down the next), when the bundled file is found next to the caller; else in-process.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { parse } from 'acorn';
import { createRuntime, makeValueAndGrad, numericGradient, rewriteForAutodiff, type AdRuntime, type ParamShape } from '../src/core/autodiff';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Evaluates ES-module code (no imports) with `__ad` bound; `export default X` becomes an assignment. */
function evalModule(code: string, runtime: AdRuntime | undefined): any {
  const ast: any = parse(code, { ecmaVersion: 'latest', sourceType: 'module' });
  const d = ast.body.find((n: any) => n.type === 'ExportDefaultDeclaration');
  const body = code.slice(0, d.start) + '__exports.default = ' + code.slice(d.declaration.start);
  const exports: any = {};
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('__ad', '__exports', `"use strict";${body}`)(runtime, exports);
  return exports.default;
}

const ROSENBROCK = `
export default {
  params: { x: -1.2, y: 1 },
  loss(p) { return (1 - p.x) ** 2 + 100 * (p.y - p.x ** 2) ** 2; },
  grad(p) {
    const t = p.y - p.x * p.x;
    return { x: -2 * (1 - p.x) - 400 * p.x * t, y: 200 * t };
  },
};
`;

const LOGISTIC = `
export default {
  params: { w: [0.1, -0.2, 0.3], b: 0.05 },
  loss(p, batch) {
    let s = 0;
    for (const r of batch) {
      const z = p.w[0] * r.x1 + p.w[1] * r.x2 + p.w[2] * r.x3 + p.b;
      s += Math.log1p(Math.exp(-z)) + (1 - r.y) * z;
    }
    return s / batch.length;
  },
  grad(p, batch) {
    const g = { w: [0, 0, 0], b: 0 };
    for (const r of batch) {
      const z = p.w[0] * r.x1 + p.w[1] * r.x2 + p.w[2] * r.x3 + p.b;
      const d = (1 - r.y) - 1 / (1 + Math.exp(z)); // dBCE/dz = sigmoid(z) - y
      g.w[0] += d * r.x1; g.w[1] += d * r.x2; g.w[2] += d * r.x3; g.b += d;
    }
    const n = batch.length;
    return { w: [g.w[0] / n, g.w[1] / n, g.w[2] / n], b: g.b / n };
  },
};
`;

function makeBatch(rows: number): { x1: number; x2: number; x3: number; y: number }[] {
  let s = 12345;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const out = [];
  for (let i = 0; i < rows; i++) {
    const x1 = rnd(), x2 = rnd(), x3 = rnd();
    out.push({ x1, x2, x3, y: 0.7 * x1 - 0.4 * x2 + 0.2 * x3 + 0.3 * rnd() > 0 ? 1 : 0 });
  }
  return out;
}

type VG = (flat: Float64Array, batch: unknown, g: Float64Array) => number;

/** The loader's path for a loss file with `grad`: structured p in, structured gradient out. */
function handWritten(mod: any, shape: ParamShape): VG {
  const keys = Object.keys(shape);
  const sizes = keys.map((k) => (typeof shape[k] === 'number' ? -1 : (shape[k] as readonly number[]).length));
  const build = (flat: Float64Array): any => {
    const p: any = {};
    let k = 0;
    for (let j = 0; j < keys.length; j++) {
      if (sizes[j] < 0) p[keys[j]] = flat[k++];
      else { const a: number[] = []; for (let i = 0; i < sizes[j]; i++) a.push(flat[k++]); p[keys[j]] = a; }
    }
    return p;
  };
  return (flat, batch, g) => {
    const p = build(flat);
    const value = mod.loss(p, batch);
    const gr = mod.grad(p, batch);
    let k = 0;
    for (let j = 0; j < keys.length; j++) {
      const v = gr[keys[j]];
      if (sizes[j] < 0) g[k++] = v;
      else for (let i = 0; i < sizes[j]; i++) g[k++] = v[i];
    }
    return value;
  };
}

/** Numeric central differences through the same loader path (loss only). */
function numeric(mod: any, shape: ParamShape): VG {
  const keys = Object.keys(shape);
  const sizes = keys.map((k) => (typeof shape[k] === 'number' ? -1 : (shape[k] as readonly number[]).length));
  const f = (flat: Float64Array, batch: unknown): number => {
    const p: any = {};
    let k = 0;
    for (let j = 0; j < keys.length; j++) {
      if (sizes[j] < 0) p[keys[j]] = flat[k++];
      else { const a: number[] = []; for (let i = 0; i < sizes[j]; i++) a.push(flat[k++]); p[keys[j]] = a; }
    }
    return mod.loss(p, batch);
  };
  return (flat, batch, g) => {
    numericGradient((x) => f(x, batch), flat, g);
    return f(flat, batch);
  };
}

const rosenbrockFlat: VG = (x, _b, g) => {
  const a = 1 - x[0], t = x[1] - x[0] * x[0];
  g[0] = -2 * a - 400 * x[0] * t;
  g[1] = 200 * t;
  return a * a + 100 * t * t;
};
const logisticFlat: VG = (x, batch, g) => {
  const rows = batch as { x1: number; x2: number; x3: number; y: number }[];
  let s = 0, g0 = 0, g1 = 0, g2 = 0, g3 = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const z = x[0] * r.x1 + x[1] * r.x2 + x[2] * r.x3 + x[3];
    const e = Math.exp(-z);
    s += Math.log1p(e) + (1 - r.y) * z;
    const d = (1 - r.y) - e / (1 + e);
    g0 += d * r.x1; g1 += d * r.x2; g2 += d * r.x3; g3 += d;
  }
  const n = rows.length;
  g[0] = g0 / n; g[1] = g1 / n; g[2] = g2 / n; g[3] = g3 / n;
  return s / n;
};

let sink = 0;
/** CPU time of this process in ns (less sensitive than wall time to other processes on a busy machine). */
function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

/**
 * Interleaved timing: each round runs every variant for `iters` calls (after a warm-up), so load
 * changes hit all variants alike. Returns per-variant median ns/call and the median over rounds
 * of each variant's time divided by the first variant's.
 */
function timeVariants(variants: readonly VG[], x: Float64Array, batch: unknown, iters: number, rounds = 21): { ns: number[]; ratioToFirst: number[] } {
  const g = new Float64Array(x.length);
  const xs = [x, x.map((v) => v + 1e-3), x.map((v) => v - 2e-3)];
  for (const vg of variants) for (let i = 0; i < iters * 3; i++) sink += vg(xs[i % 3], batch, g);
  const samples: number[][] = variants.map(() => []);
  for (let r = 0; r < rounds; r++) {
    variants.forEach((vg, j) => {
      const t0 = cpuNs();
      for (let i = 0; i < iters; i++) sink += vg(xs[i % 3], batch, g);
      samples[j].push((cpuNs() - t0) / iters);
    });
  }
  const median = (a: number[]): number => [...a].sort((p, q) => p - q)[a.length >> 1];
  return {
    ns: samples.map(median),
    ratioToFirst: samples.map((s) => median(s.map((t, r) => t / samples[0][r]))),
  };
}

interface Case { name: string; src: string; batch: unknown; iters: number; flat: VG }

const CASES: readonly Case[] = [
  { name: 'rosenbrock (2 params)', src: ROSENBROCK, batch: undefined, iters: 200_000, flat: rosenbrockFlat },
  { name: 'logistic (4 params, 64 rows)', src: LOGISTIC, batch: makeBatch(64), iters: 20_000, flat: logisticFlat },
];

/** Measures one case (in the current isolate). */
function runCase(c: Case): string[] {
  const plain = evalModule(c.src, undefined);
  const shape: ParamShape = plain.params;
  const runtime = createRuntime();
  const rewritten = evalModule(rewriteForAutodiff(c.src, 'bench.js').code, runtime);
  const auto = makeValueAndGrad(runtime, rewritten.loss, shape);
  const hand = handWritten(plain, shape);
  const num = numeric(plain, shape);
  const x = Float64Array.from(Object.values(shape).flatMap((v) => (typeof v === 'number' ? [v] : [...v])));
  // sanity: the gradients agree
  const ga = new Float64Array(x.length), gh = new Float64Array(x.length);
  auto(x, c.batch, ga);
  hand(x, c.batch, gh);
  let maxRel = 0;
  for (let i = 0; i < x.length; i++) maxRel = Math.max(maxRel, Math.abs(ga[i] - gh[i]) / Math.max(Math.abs(gh[i]), 1e-300));
  const main = timeVariants([hand, auto, c.flat], x, c.batch, c.iters);
  const numTiming = timeVariants([auto, num], x, c.batch, Math.max(200, c.iters >> 3), 9);
  const [tHand, tAuto, tFlat] = main.ns;
  const tNum = numTiming.ns[1];
  const f = (t: number): string => `${t.toFixed(t < 100 ? 1 : 0).padStart(8)} ns`;
  const lines = [
    `  ${c.name}  (max rel. diff automatic vs hand-written gradient: ${maxRel.toExponential(1)})`,
    `    automatic                   ${f(tAuto)}`,
    `    hand-written (loss file)    ${f(tHand)}   automatic / hand-written = ${main.ratioToFirst[1].toFixed(2)}x`,
    `    hand-written (flat kernel)  ${f(tFlat)}   automatic / flat kernel  = ${(main.ratioToFirst[1] / main.ratioToFirst[2]).toFixed(2)}x`,
    `    numeric central differences ${f(tNum)}   numeric / automatic      = ${numTiming.ratioToFirst[1].toFixed(2)}x`,
  ];
  if (sink === 42) lines.push(''); // keep results observable
  return lines;
}

/** Runs case `index` in a worker thread on the bundled bench file; null if that file is not there. */
async function runCaseInWorker(index: number): Promise<string[] | null> {
  const file = join(__dirname, 'autodiff.bench.js');
  if (!existsSync(file)) return null;
  return new Promise((resolve, reject) => {
    const w = new Worker(file, { workerData: { autodiffBenchCase: index } });
    w.once('message', (lines: string[]) => resolve(lines));
    w.once('error', reject);
    w.once('exit', (code) => (code !== 0 ? reject(new Error(`autodiff bench worker exited with ${code}`)) : undefined));
  });
}

export async function runAutodiffBench(): Promise<string[]> {
  const lines: string[] = ['autodiff: ns per value-and-gradient evaluation (CPU time, median of interleaved rounds; ratios: median of per-round ratios)'];
  for (let i = 0; i < CASES.length; i++) {
    lines.push(...((await runCaseInWorker(i)) ?? runCase(CASES[i])));
  }
  return lines;
}

if (!isMainThread && typeof (workerData as { autodiffBenchCase?: unknown } | null)?.autodiffBenchCase === 'number') {
  parentPort?.postMessage(runCase(CASES[(workerData as { autodiffBenchCase: number }).autodiffBenchCase]));
} else if (require.main === module) {
  runAutodiffBench().then((lines) => console.log(lines.join('\n')), (e) => { console.error(e); process.exitCode = 1; });
}
