// The Python bridge of *.loss.py files (src/loss/python.ts ↔ media/python/bridge.py): the per-evaluation
// overhead of a round trip (binary float64 frames over two FIFOs) at n = 2, 1,000 and 100,000
// parameters — with a loss that costs nothing (plain Python, value only: transport + dispatch), and
// with torch.autograd (round trip minus the same forward + backward timed inside Python); and a
// 500-step Adam run of examples/logistic-regression.loss.py against the same loop in pure PyTorch
// (torch.optim.Adam in the same interpreter). Interpreter: OD_BENCH_PYTHON, default /usr/bin/python3.
//
// The machine this runs on is shared and loaded (other jobs). The overhead is the round trip minus the
// time the bridge itself spent in loss() + backward() on the same calls (OD_BRIDGE_TIMING=1, op 9), per
// round; the pure-PyTorch side (the same forward+backward, the Adam loop) runs in a second, persistent
// Python process in alternating rounds, so both see the same load. Printed: the best round (the least
// disturbed) and the median over rounds.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createOptimizer, Simulation } from '../src/core';
import { loadPythonLossFile } from '../src/loss/python';

const PYTHON = process.env['OD_BENCH_PYTHON'] ?? '/usr/bin/python3';
const ROOT = join(__dirname, '..', '..');
const ROUNDS = 9;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** µs per call of `f` over one round of `k` calls. */
function round(f: () => void, k: number): number {
  const t0 = performance.now();
  for (let i = 0; i < k; i++) f();
  return ((performance.now() - t0) * 1000) / k;
}

/** The pure-PyTorch side: a persistent Python process answering `grad n k` (µs per forward+backward) and `adam` (ms per 500 steps). */
const PURE = (csv: string) => `
import csv, sys, time, torch
xs = {}
rows = list(csv.DictReader(open(${JSON.stringify(csv)})))
X = torch.tensor([[float(r["x1"]), float(r["x2"]), float(r["x3"])] for r in rows], dtype=torch.float64)
y = torch.tensor([float(r["y"]) for r in rows], dtype=torch.float64)
def adam():
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([w, b], lr=0.01)
    t0 = time.perf_counter()
    for _ in range(500):
        opt.zero_grad()
        l = torch.nn.functional.binary_cross_entropy_with_logits(X @ w + b, y)
        l.backward()
        opt.step()
    return (time.perf_counter() - t0) * 1000
for line in sys.stdin:
    a = line.split()
    if a[0] == 'adam':
        print(adam(), flush=True)
        continue
    n, k = int(a[1]), int(a[2])
    if n not in xs:
        xs[n] = torch.full((n,), 0.5, dtype=torch.float64, requires_grad=True)
    x = xs[n]
    t0 = time.perf_counter()
    for _ in range(k):
        x.grad = None
        (x * x).sum().backward()
    print((time.perf_counter() - t0) / k * 1e6, flush=True)
`;

class PurePython {
  private readonly child;
  private readonly lines: AsyncIterator<string>;
  constructor(csv: string) {
    this.child = spawn(PYTHON, ['-c', PURE(csv)], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }
  async ask(cmd: string): Promise<number> {
    this.child.stdin.write(cmd + '\n');
    const r = await this.lines.next();
    return Number(r.value);
  }
  close(): void {
    this.child.stdin.end();
  }
}

export async function runPythonBench(): Promise<string[]> {
  const probe = spawnSync(PYTHON, ['-c', 'import sys, torch; print(sys.version.split()[0], torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return [`(${PYTHON} cannot import torch: Python bridge timings skipped; scripts/python/install.sh)`];
  const prev = process.env['OD_PYTHON'];
  process.env['OD_PYTHON'] = PYTHON;
  process.env['OD_PYTHON_BRIDGE'] ??= join(ROOT, 'media', 'python', 'bridge.py');
  const prevTiming = process.env['OD_BRIDGE_TIMING'];
  process.env['OD_BRIDGE_TIMING'] = '1'; // the bridge times loss() + backward() (op 9)
  const lines = [
    `interpreter ${PYTHON} (Python ${probe.stdout.trim().replace(' ', ', torch ')}); ${ROUNDS} alternating rounds per figure: best round, and the median over rounds`,
  ];
  const dir = mkdtempSync(join(tmpdir(), 'od-bench-py-'));
  const logregCsv = join(ROOT, 'examples', 'logistic-regression.csv');
  const pure = new PurePython(logregCsv);
  try {
    for (const n of [2, 1000, 100_000]) {
      const k = n >= 100_000 ? 100 : 2000;
      const plainFile = join(dir, `zero${n}.loss.py`);
      writeFileSync(plainFile, `params = {"x": [0.5] * ${n}}\n\ndef loss(p):\n    return 0.0\n`);
      const plain = loadPythonLossFile(plainFile);
      const x = Float64Array.from(plain.start);
      round(() => plain.value(x), Math.min(k, 100));
      const tPlain: number[] = [];
      for (let j = 0; j < ROUNDS; j++) tPlain.push(round(() => plain.value(x), k));
      plain.dispose();

      const torchFile = join(dir, `sq${n}.loss.py`);
      writeFileSync(torchFile, `import torch\nparams = {"x": [0.5] * ${n}}\n\ndef loss(p):\n    return (p["x"] * p["x"]).sum()\n`);
      const tl = loadPythonLossFile(torchFile);
      const prob = tl.createProblem();
      const g = new Float64Array(n);
      round(() => prob.evaluate(x, g, 0), Math.min(k, 100));
      await pure.ask(`grad ${n} ${Math.min(k, 100)}`);
      const tRound: number[] = [];
      const tIn: number[] = [];
      const tOwn: number[] = [];
      for (let j = 0; j < ROUNDS; j++) {
        tl.timing(); // reset
        tRound.push(round(() => prob.evaluate(x, g, 0), k));
        const t = tl.timing();
        tIn.push((t.seconds / t.calls) * 1e6);
        tOwn.push(await pure.ask(`grad ${n} ${k}`));
      }
      tl.dispose();
      const over = tRound.map((t, j) => t - tIn[j]!);
      lines.push(`n = ${String(n).padStart(6)}: value round trip, loss returning 0.0 (transport + dispatch): best ${Math.min(...tPlain).toFixed(1)} µs, median ${median(tPlain).toFixed(1)} µs`);
      lines.push(`          torch.autograd round trip minus loss()+backward() timed in the bridge on the same calls = overhead: best ${Math.min(...over).toFixed(1)} µs, median ${median(over).toFixed(1)} µs ` +
        `(round trip median ${median(tRound).toFixed(1)} µs, loss+backward median ${median(tIn).toFixed(1)} µs; the same forward+backward in a pure PyTorch loop: median ${median(tOwn).toFixed(1)} µs)`);
    }

    // 500 Adam steps on the logistic regression example vs pure PyTorch.
    const logreg = join(ROOT, 'examples', 'logistic-regression.loss.py');
    if (existsSync(logreg)) {
      const l = loadPythonLossFile(logreg);
      const ours = (): number => {
        const problem = l.createProblem();
        const t0 = performance.now();
        const sim = new Simulation({ problem, optimizer: createOptimizer('adam', { lr: 0.01 }), start: Float64Array.from(l.start), steps: 500 });
        sim.advance(500);
        return performance.now() - t0;
      };
      ours();
      await pure.ask('adam');
      const tOurs: number[] = [];
      const tPure: number[] = [];
      for (let j = 0; j < ROUNDS; j++) {
        tOurs.push(ours());
        tPure.push(await pure.ask('adam'));
      }
      l.dispose();
      lines.push(`logistic-regression.loss.py, Adam 500 steps (loss + grad in the bridge, optimizer in TypeScript): best ${Math.min(...tOurs).toFixed(1)} ms, median ${median(tOurs).toFixed(1)} ms; ` +
        `pure PyTorch (torch.optim.Adam loop, same interpreter): best ${Math.min(...tPure).toFixed(1)} ms, median ${median(tPure).toFixed(1)} ms; ` +
        `ratio ${(Math.min(...tOurs) / Math.min(...tPure)).toFixed(2)}× (best rounds), median per-round ratio ${median(tOurs.map((t, j) => t / tPure[j]!)).toFixed(2)}×`);
    }
  } finally {
    pure.close();
    rmSync(dir, { recursive: true, force: true });
    if (prevTiming === undefined) delete process.env['OD_BRIDGE_TIMING'];
    else process.env['OD_BRIDGE_TIMING'] = prevTiming;
    if (prev === undefined) delete process.env['OD_PYTHON'];
    else process.env['OD_PYTHON'] = prev;
  }
  return lines;
}
