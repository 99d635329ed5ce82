// Memory budget: long runs complete within the budget (downsampled while recording), and the CLI streams
// its JSON. Each scenario runs in a child process of its own so that its peak RSS (process.resourceUsage()
// .maxRSS, worker thread included) is its own:
//   - a 10 M-step canyon run (Adam) through the real simulation worker, one panel, 1024 MB budget;
//   - a 12-run comparison on examples/mlp.loss.ts (193 parameters) at 100,000 steps, the 1024 MB budget
//     split 12 ways as the host splits it;
//   - the CLI's --json for 2,000,000 steps of a 2-D loss and for the mlp at 100,000 steps, piped and counted.
//   node esbuild.mjs --bench && node out/bench/budget.bench.js      (alone; `npm run bench` runs it too)
// Numbers only, no pass/fail. Needs dist/ (node esbuild.mjs).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createOptimizer, planRecording, recordedRows, rowBytes, describeSampling } from '../src/core';
import type { OptimizerName } from '../src/core/types';
import { SimulationRunner } from '../src/runner/client';
import { MemoryBudget } from '../src/protocol/memoryBudget';
import type { RunConfig } from '../src/protocol/simulation';

const ROOT = resolve(__dirname, '..', '..');
const WORKER = join(ROOT, 'dist', 'worker.js');
const CLI = join(ROOT, 'dist', 'cli.js');
const MLP = join(ROOT, 'examples', 'mlp.loss.ts');
const BUDGET_MB = 1024;
const MB = 2 ** 20;

const mb = (b: number) => `${(b / MB).toFixed(0)} MB`;

/** Runs `runs` × `steps` on the real worker with the host's split of the budget; prints one JSON line. */
async function scenario(loss: 'canyon' | 'mlp', steps: number, runs: RunConfig[]): Promise<void> {
  const budget = new MemoryBudget(() => BUDGET_MB);
  const perRun = budget.request('panel', runs.length);
  const runner = new SimulationRunner({ workerPath: WORKER, timeoutMs: 600_000, allowWorkspaceCode: true });
  const t0 = performance.now();
  try {
    const ref = loss === 'canyon' ? ({ kind: 'builtin', name: 'canyon' } as const) : ({ kind: 'file', path: MLP } as const);
    const result = await runner.run({ requestId: 'bench', loss: ref, runs, steps, recordBudgetBytes: perRun });
    const ms = performance.now() - t0;
    let recorded = 0;
    let allocated = 0;
    let sampling = '';
    for (const rec of result.runs) {
      const opt = createOptimizer(rec.optimizer, rec.hyperparameters);
      const rb = rowBytes(rec.dim, opt, 'all', rec.validationLoss !== null);
      recorded += rec.loss.length * rb;
      const plan = planRecording(steps, rb, perRun);
      allocated += plan ? (plan.capacity + 3) * rb : (steps + 1) * rb;
      sampling ||= describeSampling(rec) ?? '';
      if (recordedRows(rec)?.at(-1) !== steps && rec.stepsCompleted === steps && rec.loss.length !== steps + 1) throw new Error('last step not kept');
    }
    console.log(JSON.stringify({
      ms, runs: result.runs.length, steps: result.runs.map((r) => r.stepsCompleted), recorded, allocated, perRun,
      rows: result.runs.map((r) => r.loss.length), sampling, maxRssKb: process.resourceUsage().maxRSS,
    }));
  } finally {
    runner.dispose();
  }
}

function child(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [__filename, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', rej);
    p.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        res(JSON.parse(line) as Record<string, unknown>);
      } catch {
        rej(new Error(`scenario ${args.join(' ')} exited ${code}: ${out.slice(-500)}`));
      }
    });
  });
}

/** The CLI with `args`, stdout piped and counted; its peak RSS via a preload that reports it on exit. */
function cliJson(args: string[], preload: string): Promise<{ bytes: number; ms: number; code: number | null; maxRssKb: number; tail: string }> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, ['-r', preload, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let tail = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      tail = (tail + d.toString('latin1')).slice(-200);
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', rej);
    p.on('close', (code) => {
      const m = /MAXRSS (\d+)/.exec(err);
      res({ bytes, ms: performance.now() - t0, code, maxRssKb: m ? Number(m[1]) : NaN, tail });
    });
  });
}

export async function runBudgetBench(): Promise<string[]> {
  const lines: string[] = [`memory budget ${BUDGET_MB} MB (optimizerDiagnostics.memoryBudgetMb / --memory-budget-mb default)`];
  const fmtScenario = (title: string, r: Record<string, unknown>) => {
    const rss = (r['maxRssKb'] as number) * 1024;
    return [
      `${title}: ${((r['ms'] as number) / 1000).toFixed(1)} s; peak RSS ${mb(rss)}; recorded ${mb(r['recorded'] as number)} ` +
        `(allocated ${mb(r['allocated'] as number)}) of ${mb((r['perRun'] as number) * (r['runs'] as number))} budget; ` +
        `rows kept per run ${[...new Set(r['rows'] as number[])].join('/')}`,
      `  ${r['sampling'] || 'every step recorded'}`,
    ];
  };
  lines.push(...fmtScenario('canyon, Adam, 10,000,000 steps (worker)', await child(['--scenario', 'canyon'])));
  lines.push(...fmtScenario('mlp.loss.ts, 12 runs × 100,000 steps (worker, budget split 12 ways)', await child(['--scenario', 'mlp'])));
  const dir = mkdtempSync(join(tmpdir(), 'od-bench-'));
  try {
    const preload = join(dir, 'rss.js');
    writeFileSync(preload, "process.on('exit', () => process.stderr.write('MAXRSS ' + process.resourceUsage().maxRSS + '\\n'));\n");
    for (const [title, args] of [
      ['CLI simulate --json, canyon Adam, 2,000,000 steps', ['simulate', '--loss', 'canyon', '--optimizer', 'adam', '--steps', '2000000', '--json']],
      ['CLI simulate --json, mlp.loss.ts Adam, 100,000 steps', ['simulate', '--loss', MLP, '--optimizer', 'adam', '--steps', '100000', '--json']],
    ] as const) {
      const r = await cliJson([...args], preload);
      const ok = r.code === 0 && r.tail.endsWith('}\n');
      lines.push(`${title}: ${ok ? 'ok' : `FAILED (exit ${r.code})`}, ${mb(r.bytes)} of JSON streamed in ${(r.ms / 1000).toFixed(1)} s; peak RSS ${mb(r.maxRssKb * 1024)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

const TWELVE: [OptimizerName, Record<string, number | boolean>][] = [
  ['sgd', { lr: 0.1 }], ['sgd', { lr: 0.1, momentum: 0.9 }], ['sgd', { lr: 0.1, momentum: 0.9, nesterov: true }], ['adagrad', { lr: 0.05 }],
  ['rmsprop', { lr: 0.003 }], ['adam', { lr: 0.003 }], ['adamw', { lr: 0.003 }], ['adamax', { lr: 0.003 }],
  ['nadam', { lr: 0.003 }], ['radam', { lr: 0.003 }], ['adam', { lr: 0.003, amsgrad: true }], ['lion', { lr: 0.0003 }],
];

if (require.main === module) {
  const k = process.argv.indexOf('--scenario');
  if (k >= 0) {
    const which = process.argv[k + 1];
    const runs: RunConfig[] = which === 'canyon'
      ? [{ id: 'a', optimizer: 'adam', hyperparameters: { lr: 0.01 } }]
      : TWELVE.map(([optimizer, hyperparameters], i) => ({ id: `r${i}`, optimizer, hyperparameters }));
    scenario(which === 'canyon' ? 'canyon' : 'mlp', which === 'canyon' ? 10_000_000 : 100_000, runs).catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
  } else {
    void runBudgetBench().then((l) => console.log(l.join('\n')));
  }
}

