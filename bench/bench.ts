// `npm run bench`: every benchmark of the project in one process, printed. Benchmarks print numbers and
// ratios against a peer (TensorFlow.js) and against a hand-written ceiling; nothing here is a pass/fail test.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { runCoreBench } from './core.bench';

async function main(): Promise<void> {
  console.log(`Optimizer Diagnostics benchmarks — node ${process.version}, ${process.arch}`);
  console.log('\n== optimizer core ==');
  console.log((await runCoreBench()).join('\n'));
  // Benchmarks of other parts are bundled next to this file; run those that exist.
  const req = createRequire(__filename);
  for (const [title, file, fn] of [
    ['automatic differentiation', 'autodiff.bench.js', 'runAutodiffBench'],
    ['panel (host side)', 'panel.bench.js', 'runPanelBench'],
    ['runner (loss processes)', 'runner.bench.js', 'runRunnerBench'],
    ['memory budget (long runs, streamed CLI output)', 'budget.bench.js', 'runBudgetBench'],
    ['sweeps (batched kernel)', 'sweep.bench.js', 'runSweepBench'],
    ['curvature (Hessian-vector products, Lanczos)', 'curvature.bench.js', 'runCurvatureBench'],
    ['Python bridge (*.loss.py)', 'python.bench.js', 'runPythonBench'],
  ] as const) {
    const path = join(__dirname, file);
    if (!existsSync(path)) continue;
    console.log(`\n== ${title} ==`);
    const mod = req(path) as Record<string, () => Promise<string[]>>;
    console.log((await mod[fn]!()).join('\n'));
  }
}
void main();
