// Curvature benchmark: the cost of one exact Hessian-vector product (reverse-over-forward on the AD tape)
// divided by the cost of one gradient, on examples/mlp.loss.ts (193 parameters, 160 rows) and
// examples/logistic-regression.loss.ts (full batch both); and the Lanczos Hessian-vector products per
// recorded point of `simulate --curvature` on the mlp (budget 30), with the error against the dense eigenvalues.
//
//   node esbuild.mjs --bench && node out/bench/curvature.bench.js
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createOptimizer, simulate, type OptimizerName, type Problem } from '../src/core';
import { computeCurvature, denseHessian, symmetricEigenvalues } from '../src/core/curvature';
import { loadLossFileSync } from '../src/loss/loader';

const ROOT = join(__dirname, '..', '..');
// each case in its own worker thread (a fresh V8 isolate: one case's JIT feedback does not slow the next)
const SELF = join(__dirname, 'curvature.bench.js');
const example = (f: string) => join(ROOT, 'examples', f);

function timePerCall(fn: () => void, minMs = 400): number {
  for (let i = 0; i < 5; i++) fn(); // warm-up
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    fn();
    n++;
    t = performance.now();
  }
  return (t - t0) / n;
}

function hvpRatio(file: string): string {
  const l = loadLossFileSync(example(file));
  const p = l.createProblem({ batchSize: Number.MAX_SAFE_INTEGER });
  const n = p.dim;
  const x = Float64Array.from(l.start);
  const g = new Float64Array(n), v = new Float64Array(n).map((_, i) => Math.sin(i + 1)), hv = new Float64Array(n);
  const tg = timePerCall(() => { p.evaluate(x, g, 0); });
  const th = timePerCall(() => p.hvp!(x, v, hv));
  return `${file.padEnd(28)} n = ${String(n).padStart(3)}: gradient ${(tg * 1000).toFixed(0).padStart(6)} µs, HVP ${(th * 1000).toFixed(0).padStart(6)} µs  →  HVP ÷ gradient = ${(th / tg).toFixed(2)}× (method ${p.hessianMethod})`;
}

function lanczosCounts(optimizer: OptimizerName, hp: Record<string, number>): string[] {
  const l = loadLossFileSync(example('mlp.loss.ts'));
  const p: Problem = l.createProblem({ batchSize: Number.MAX_SAFE_INTEGER });
  const o = createOptimizer(optimizer, hp);
  const rec = simulate({ problem: p, optimizer: o, start: Float64Array.from(l.start), steps: 100 });
  const t0 = performance.now();
  const c = computeCurvature(p, o, rec, { every: 10 });
  const ms = performance.now() - t0;
  const its: number[] = [];
  let errMax = 0, errMin = 0, conv = 0;
  const x = new Float64Array(p.dim);
  for (let t = 0; t < c.lanczos_iterations.length; t++) {
    const k = c.lanczos_iterations[t];
    if (k === null) continue;
    its.push(k);
    if (c.lanczos_converged[t]) conv++;
    for (let i = 0; i < p.dim; i++) x[i] = rec.params[t * p.dim + i]!;
    const ev = symmetricEigenvalues(denseHessian(p, x), p.dim);
    errMax = Math.max(errMax, Math.abs(c.hessian_max_eig[t]! - ev[p.dim - 1]!) / Math.abs(ev[p.dim - 1]!));
    errMin = Math.max(errMin, Math.abs(c.hessian_min_eig[t]! - ev[0]!) / Math.abs(ev[0]!));
  }
  const hpText = Object.entries(hp).map(([k, v]) => `${k}=${v}`).join(' ');
  return [
    `mlp, ${optimizer} ${hpText}, 100 steps, --curvature-every 10 (${its.length} points, ${ms.toFixed(0)} ms): HVPs per point ${its.join(', ')} (max ${Math.max(...its)}), converged ${conv}/${its.length}`,
    `    relative error vs dense eigenvalues: λ_max ${errMax.toExponential(1)}, λ_min ${errMin.toExponential(1)}`,
  ];
}

type Case = { kind: 'ratio'; file: string } | { kind: 'lanczos'; optimizer: OptimizerName; hp: Record<string, number> };
const CASES: Case[] = [
  { kind: 'ratio', file: 'mlp.loss.ts' },
  { kind: 'ratio', file: 'logistic-regression.loss.ts' },
  { kind: 'lanczos', optimizer: 'sgd', hp: { lr: 0.1 } },
  { kind: 'lanczos', optimizer: 'adam', hp: { lr: 0.01 } },
];
const runCase = (c: Case): string[] => (c.kind === 'ratio' ? [hvpRatio(c.file)] : lanczosCounts(c.optimizer, c.hp));

function inWorker(c: Case): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(SELF, { workerData: c });
    w.once('message', (m: string[]) => resolve(m));
    w.once('error', reject);
  });
}

export async function runCurvatureBench(): Promise<string[]> {
  const out: string[] = [];
  for (const c of CASES) out.push(...(existsSync(SELF) ? await inWorker(c) : runCase(c)));
  return out;
}

if (!isMainThread && workerData) parentPort!.postMessage(runCase(workerData as Case));
else if (require.main === module) void runCurvatureBench().then((lines) => console.log(lines.join('\n')));
