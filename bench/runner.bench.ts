// The runner's costs (src/runner): a built-in re-run (in-process), a loss-file re-run in a fresh loss
// process (with and without a warm spare), the cost of the process boundary per evaluation (the same
// 500 steps in this process vs in a loss process), one IPC round trip, and a cold start.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOptimizer, Simulation } from '../src/core';
import { loadLossFileSync } from '../src/loss/loader';
import type { SimulationRequest } from '../src/protocol/simulation';
import { SimulationRunner } from '../src/runner/client';

const WORKER = join(__dirname, '..', '..', 'dist', 'worker.js');

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${q(0.5).toFixed(2)} ms (min ${s[0]!.toFixed(2)}, p90 ${q(0.9).toFixed(2)}, n=${s.length})`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const BOWL = `export default {
  params: { x: -1.5, y: 2 },
  loss(p) {
    return (p.x - 1) ** 2 + 5 * (p.y + 0.5) ** 2;
  },
};
`;

function request(loss: SimulationRequest['loss'], k: number): SimulationRequest {
  return { requestId: `b${k}`, loss, runs: [{ id: 'adam', optimizer: 'adam', hyperparameters: { lr: 0.01 + k * 1e-4 } }], steps: 500 };
}

export async function runRunnerBench(): Promise<string[]> {
  const lines: string[] = [];
  if (!existsSync(WORKER)) return ['(dist/worker.js not built: runner timings skipped)'];
  const dir = mkdtempSync(join(tmpdir(), 'od-bench-runner-'));
  const bowl = join(dir, 'bowl.loss.js');
  writeFileSync(bowl, BOWL);
  const file = { kind: 'file' as const, path: bowl };
  try {
    // Built-in: in-process (the host's realm), what a live hyperparameter edit costs.
    const r = new SimulationRunner({ workerPath: WORKER, timeoutMs: 30_000, allowWorkspaceCode: true, warmSpare: true });
    const canyon: number[] = [];
    for (let k = 0; k < 40; k++) {
      const t0 = performance.now();
      await r.run(request({ kind: 'builtin', name: 'canyon' }, k));
      canyon.push(performance.now() - t0);
    }
    lines.push(`built-in canyon, Adam 500 steps, re-run through the runner (in-process): ${stats(canyon.slice(5))}`);

    // Loss file: every run in a fresh loss process; a spare loads ahead while a run runs.
    await r.describe(file);
    await r.run(request(file, 0));
    const paced: number[] = [];
    for (let k = 1; k <= 10; k++) {
      await sleep(1500); // the spare has surely loaded
      const t0 = performance.now();
      await r.run(request(file, k));
      paced.push(performance.now() - t0);
    }
    lines.push(`2-parameter loss file, Adam 500 steps, re-run 1.5 s after the previous (warm spare loaded): ${stats(paced)}`);
    const quick: number[] = [];
    for (let k = 1; k <= 10; k++) {
      await sleep(400); // a quick edit: the spare may still be loading
      const t0 = performance.now();
      await r.run(request(file, 50 + k));
      quick.push(performance.now() - t0);
    }
    lines.push(`same, re-run 400 ms after the previous: ${stats(quick)}`);
    const back: number[] = [];
    for (let k = 1; k <= 10; k++) {
      const t0 = performance.now();
      await r.run(request(file, 100 + k));
      back.push(performance.now() - t0);
    }
    lines.push(`same, back to back (the spare is still starting: spawn + load on the critical path): ${stats(back)}`);

    // One IPC round trip: a 2 × 2 grid in a warm service process.
    await r.grid({ loss: file, window: { x: [-1, 1], y: [-1, 1] }, nx: 2, ny: 2 });
    const rt: number[] = [];
    for (let k = 0; k < 30; k++) {
      const t0 = performance.now();
      await r.grid({ loss: file, window: { x: [-1, 1], y: [-1, 1] }, nx: 2, ny: 2 });
      rt.push(performance.now() - t0);
    }
    lines.push(`one request round trip to a warm loss process (2 × 2 grid): ${stats(rt)}`);
    r.dispose();

    // The process boundary per evaluation: the same 500 steps in this process vs in a loss process.
    const loaded = loadLossFileSync(bowl);
    const inProc: number[] = [];
    for (let k = 0; k < 30; k++) {
      const problem = loaded.createProblem({});
      const t0 = performance.now();
      new Simulation({ problem, optimizer: createOptimizer('adam', { lr: 0.01 }), start: Float64Array.from(loaded.start), steps: 500 }).advance();
      inProc.push(performance.now() - t0);
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const inMed = med(inProc);
    lines.push(`the same 500 steps evaluated in this (warm) process, no boundary: ${stats(inProc)}`);
    lines.push(`process boundary per evaluation: one round trip (${med(rt).toFixed(2)} ms) carries all 500 steps → ≈ ${((med(rt) * 1000) / 500).toFixed(1)} µs per evaluation; ` +
      `a fresh realm per run (a new process whose JIT is cold) adds ≈ ${(med(paced) - inMed - med(rt)).toFixed(0)} ms per run on top`);

    // Cold: no spare (the CLI's case): spawn + load + run.
    const cold: number[] = [];
    for (let k = 0; k < 5; k++) {
      const c = new SimulationRunner({ workerPath: WORKER, timeoutMs: 30_000, allowWorkspaceCode: true, warmSpare: false });
      const t0 = performance.now();
      await c.run(request(file, k));
      cold.push(performance.now() - t0);
      c.dispose();
    }
    lines.push(`cold loss-file run without a spare (spawn + load + 500 steps; the CLI's case): ${stats(cold)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

if (require.main === module) {
  void runRunnerBench().then((l) => console.log(l.join('\n')));
}
