// Templates for the "New Loss File" command: the text of a new loss file and of the types file that
// goes next to it (optimizer-diagnostics.d.ts), so the editor type-checks `satisfies LossDefinition`.

import { DTS_FILE_NAME, OPTIMIZER_DIAGNOSTICS_DTS } from './dts';

export type ScaffoldKind = 'function' | 'dataset' | 'with-grad' | 'python';

export interface ScaffoldKindInfo {
  readonly kind: ScaffoldKind;
  readonly label: string;
  readonly detail: string;
}

/** For a quick pick. */
export const SCAFFOLD_KINDS: readonly ScaffoldKindInfo[] = [
  { kind: 'function', label: 'Function of named parameters', detail: 'loss(p) → number on a 2-D plot window, automatic gradient' },
  { kind: 'dataset', label: 'Model fitted to data', detail: 'loss(p, batch) over rows, mini-batches and a validation split' },
  { kind: 'with-grad', label: 'Function with an exact gradient', detail: 'loss and grad exports; grad is checked against the automatic gradient' },
  { kind: 'python', label: 'Python (PyTorch) loss file', detail: 'a *.loss.py: params and loss(p) in PyTorch, gradient by torch.autograd' },
];

/** The Python template (*.loss.py: no types file). */
const PYTHON_TEMPLATE = `# A Python loss file for Optimizer Diagnostics: params are the start values, loss(p) the function to
# minimize (p["x"], p["y"]: float64 tensors; the gradient is torch.autograd's). The optimizers run in the
# extension exactly as torch.optim does. Interpreter: the Python extension's environment, else the setting
# optimizerDiagnostics.python.interpreterPath, else python3.
import torch

params = {"x": -1.5, "y": 2.0}
domain = {"x": [-2.0, 2.0], "y": [-1.0, 3.0]}  # the contour plot's window
minimum = {"x": 1.0, "y": 1.0}


def loss(p):
    x, y = p["x"], p["y"]
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2  # Rosenbrock
`;

export interface ScaffoldResult {
  /** The new loss file's text. */
  readonly source: string;
  /** The types file's text, to write as `declarationsFileName` in the same folder (unless present). */
  readonly declarations: string;
  readonly declarationsFileName: string;
  /** A file name for the new loss file, e.g. `my-loss.loss.ts`. */
  readonly suggestedFileName: string;
}

const HEADER = `// A loss file for Optimizer Diagnostics: the default export declares the parameters with their
// start values and the loss to minimize. Open the Optimizer Diagnostics panel to run optimizers on it.
import type { LossDefinition } from './optimizer-diagnostics';
`;

const TEMPLATES: Record<Exclude<ScaffoldKind, 'python'>, { name: string; body: string }> = {
  function: {
    name: 'my-function',
    body: `
export default {
  name: 'Himmelblau',
  params: { x: 0, y: 0 }, // start point
  // The gradient is computed automatically (reverse-mode autodiff of this code).
  loss(p) {
    const a = p.x * p.x + p.y - 11;
    const b = p.x + p.y * p.y - 7;
    return a * a + b * b;
  },
  domain: { x: [-5, 5], y: [-5, 5] }, // contour plot window (two-parameter losses)
  minimum: { x: 3, y: 2 }, // one of its four minima, drawn on the plot
} satisfies LossDefinition;
`,
  },
  dataset: {
    name: 'my-model',
    body: `
// Rows can also come from a file: data: './my-data.csv' (header row) or './my-data.json' (array of objects).
const rows = Array.from({ length: 40 }, (_, i) => {
  const x = -2 + (4 * i) / 39;
  return { x, y: 0.5 * x - 1 + 0.3 * Math.sin(7 * i) }; // deterministic "noise"
});

const params = { w: 0, b: 0 };

export default {
  name: 'Linear regression',
  params,
  // Mean squared error over the current mini-batch.
  loss(p, batch) {
    let s = 0;
    for (const r of batch) {
      const e = p.w * r.x + p.b - r.y;
      s += e * e;
    }
    return s / batch.length;
  },
  data: rows,
  batchSize: 8, // mini-batches, reshuffled every epoch (seeded: the same seed gives the same run)
  validation: 0.2, // 20% held out, reported as the validation loss
} satisfies LossDefinition<typeof params>;
`,
  },
  'with-grad': {
    name: 'my-function-with-grad',
    body: `
export default {
  name: 'Rosenbrock with an exact gradient',
  params: { x: -1.5, y: 2 },
  loss(p) {
    return (1 - p.x) ** 2 + 100 * (p.y - p.x ** 2) ** 2;
  },
  // Optional: the exact gradient, same shape as params. It is checked once against the automatic
  // gradient; a mismatch is reported as a warning with the largest relative error.
  grad(p) {
    return {
      x: -2 * (1 - p.x) - 400 * p.x * (p.y - p.x ** 2),
      y: 200 * (p.y - p.x ** 2),
    };
  },
  domain: { x: [-2, 2], y: [-1, 3] },
  minimum: { x: 1, y: 1 },
} satisfies LossDefinition;
`,
  },
};

/** The text of a new loss file of `kind`, and the types file to put next to it. */
export function scaffoldLossFile(kind: ScaffoldKind | string = 'function'): ScaffoldResult {
  if (kind === 'python') {
    return { source: PYTHON_TEMPLATE, declarations: OPTIMIZER_DIAGNOSTICS_DTS, declarationsFileName: DTS_FILE_NAME, suggestedFileName: 'my-function.loss.py' };
  }
  const t = TEMPLATES[kind as Exclude<ScaffoldKind, 'python'>] ?? TEMPLATES.function;
  return {
    source: HEADER + t.body,
    declarations: OPTIMIZER_DIAGNOSTICS_DTS,
    declarationsFileName: DTS_FILE_NAME,
    suggestedFileName: `${t.name}.loss.ts`,
  };
}
