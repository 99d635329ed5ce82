// The Python bridge of *.loss.py files (src/loss/python.ts ↔ media/python/bridge.py): the per-evaluation
// overhead of a round trip (binary float64 frames over two FIFOs) at n = 2, 1,000 and 100,000
// parameters — with a loss that costs nothing (plain Python, value only: transport + dispatch), and
// with torch.autograd (round trip minus the same forward + backward timed inside Python); and a
// 500-step Adam run of examples/logistic-regression.loss.py against the same loop in pure PyTorch
// (torch.optim.Adam in the same interpreter). Interpreter: OD_BENCH_PYTHON, default /usr/bin/python3.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOptimizer, Simulation } from '../src/core';
import { loadPythonLossFile } from '../src/loss/python';

const PYTHON = process.env['OD_BENCH_PYTHON'] ?? '/usr/bin/python3';
const ROOT = join(__dirname, '..', '..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median µs per call of `f`, over `rounds` rounds of `k` calls. */
function perCall(f: () => void, k: number, rounds = 7): number {
  for (let i = 0; i < Math.min(k, 20); i++) f();
  const r: number[] = [];
  for (let j = 0; j < rounds; j++) {
    const t0 = performance.now();
    for (let i = 0; i < k; i++) f();
    r.push(((performance.now() - t0) * 1000) / k);
  }
  return median(r);
}

export async function runPythonBench(): Promise<string[]> {
  const probe = spawnSync(PYTHON, ['-c', 'import sys, torch; print(sys.version.split()[0], torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return [`(${PYTHON} cannot import torch: Python bridge timings skipped; scripts/python/install.sh)`];
  const prev = process.env['OD_PYTHON'];
  process.env['OD_PYTHON'] = PYTHON;
  process.env['OD_PYTHON_BRIDGE'] ??= join(ROOT, 'media', 'python', 'bridge.py');
  const lines = [`interpreter ${PYTHON} (Python ${probe.stdout.trim().replace(' ', ', torch ')})`];
  const dir = mkdtempSync(join(tmpdir(), 'od-bench-py-'));
  try {
    for (const n of [2, 1000, 100_000]) {
      const k = n >= 100_000 ? 200 : 3000;
      const plainFile = join(dir, `zero${n}.loss.py`);
      writeFileSync(plainFile, `params = {"x": [0.5] * ${n}}\n\ndef loss(p):\n    return 0.0\n`);
      const plain = loadPythonLossFile(plainFile);
      const x = Float64Array.from(plain.start);
      const tPlain = perCall(() => plain.value(x), k);
      plain.dispose();

      const torchFile = join(dir, `sq${n}.loss.py`);
      writeFileSync(torchFile, `import torch\nparams = {"x": [0.5] * ${n}}\n\ndef loss(p):\n    return (p["x"] * p["x"]).sum()\n`);
      const tl = loadPythonLossFile(torchFile);
      const prob = tl.createProblem();
      const g = new Float64Array(n);
      const tRound = perCall(() => prob.evaluate(x, g, 0), k);
      (tl as unknown as { dispose(): void }).dispose();
      // The same forward + backward inside Python (the loss's own time).
      const own = spawnSync(PYTHON, ['-c', `
import time, torch
x = torch.full((${n},), 0.5, dtype=torch.float64, requires_grad=True)
def once():
    x.grad = None
    (x * x).sum().backward()
for _ in range(50): once()
r = []
for _ in range(7):
    t0 = time.perf_counter()
    for _ in range(${k}): once()
    r.append((time.perf_counter() - t0) / ${k} * 1e6)
print(sorted(r)[3])
`], { encoding: 'utf8' });
      const tOwn = Number(own.stdout.trim());
      lines.push(`n = ${String(n).padStart(6)}: value round trip, loss returning 0.0 (transport + dispatch): ${tPlain.toFixed(1)} µs; ` +
        `torch.autograd round trip ${tRound.toFixed(1)} µs − forward+backward in Python ${tOwn.toFixed(1)} µs = overhead ${(tRound - tOwn).toFixed(1)} µs`);
    }

    // 500 Adam steps on the logistic regression example vs pure PyTorch.
    const logreg = join(ROOT, 'examples', 'logistic-regression.loss.py');
    if (existsSync(logreg)) {
      const l = loadPythonLossFile(logreg);
      const times: number[] = [];
      for (let j = 0; j < 5; j++) {
        const problem = l.createProblem();
        const t0 = performance.now();
        const sim = new Simulation({ problem, optimizer: createOptimizer('adam', { lr: 0.01 }), start: Float64Array.from(l.start), steps: 500 });
        sim.advance(500);
        times.push(performance.now() - t0);
      }
      (l as unknown as { dispose(): void }).dispose();
      const pure = spawnSync(PYTHON, ['-c', `
import csv, time, torch
rows = list(csv.DictReader(open(${JSON.stringify(join(ROOT, 'examples', 'logistic-regression.csv'))})))
X = torch.tensor([[float(r["x1"]), float(r["x2"]), float(r["x3"])] for r in rows], dtype=torch.float64)
y = torch.tensor([float(r["y"]) for r in rows], dtype=torch.float64)
ts = []
for _ in range(5):
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([w, b], lr=0.01)
    t0 = time.perf_counter()
    for _ in range(500):
        opt.zero_grad()
        l = torch.nn.functional.binary_cross_entropy_with_logits(X @ w + b, y)
        l.backward()
        opt.step()
    ts.append((time.perf_counter() - t0) * 1000)
print(sorted(ts)[2])
`], { encoding: 'utf8' });
      const tPure = Number(pure.stdout.trim());
      const tOurs = median(times);
      lines.push(`logistic-regression.loss.py, Adam 500 steps (loss + grad in the bridge, optimizer in TypeScript): ${tOurs.toFixed(1)} ms; ` +
        `pure PyTorch (torch.optim.Adam loop, same interpreter): ${tPure.toFixed(1)} ms; ratio ${(tOurs / tPure).toFixed(2)}×`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (prev === undefined) delete process.env['OD_PYTHON'];
    else process.env['OD_PYTHON'] = prev;
  }
  return lines;
}
