// A run as one self-contained, self-verifying PyTorch script (issue 13 §1). Pure: text in, text out.
//
// The script: float64 and one thread; the loss as a torch function (a built-in's formula written in torch, or a
// loss file translated by torchTranslate.ts); the start point; the data (read by the script from the same CSV/JSON
// file, or the inline rows embedded); the torch.optim optimizer with every hyperparameter (or, without a torch
// class — signSGD, Lion — the update written out by hand, and the check says so); the loop; and the check: our
// trajectory is embedded and torch's is compared with it at rtol 1e-9 (atol 1e-12), printing
// `matches Optimizer Diagnostics: N steps, max rel. deviation X` or the first step that differs (exit 1).
//
// Extension points (not yet supported, refused by `torchExportRefusal`): learning-rate schedules (the `lr`
// column must be constant), optimizer switches, non-PyTorch conventions and float32. A schedule would become a
// `torch.optim.lr_scheduler` in `optimizerBlock` + `scheduler.step()` in the loop; a switch a second optimizer
// block taking over at its step; a convention a hand-written update like `handUpdate`.

import type { HyperValue } from './types';

/** Non-finite numbers the way Python reads them back (`float('nan')`, `math.inf`). */
export function pyNumber(x: number): string {
  if (Number.isNaN(x)) return "float('nan')";
  if (x === Infinity) return 'math.inf';
  if (x === -Infinity) return '-math.inf';
  if (Object.is(x, -0)) return '-0.0';
  const s = String(x);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** A Python string literal (JSON's escapes are valid Python). */
export const pyString = (s: string): string => JSON.stringify(s);

/** The loss of the script, as the exporter hands it over. */
export type TorchLoss =
  | { readonly kind: 'builtin'; readonly name: string }
  | {
      readonly kind: 'file';
      /** The loss file as the user names it (shown in the script's header). */
      readonly file: string;
      /** Translated Python definitions: module-level helpers and `def loss(p, batch):` (torchTranslate.ts). */
      readonly python: string;
      /** Parameter structure: entries in declaration order; size null = a scalar. */
      readonly entries: readonly { readonly name: string; readonly size: number | null }[];
      /** The data: a file the script reads (path as the script should open it), or rows embedded. */
      readonly data?: { readonly kind: 'file'; readonly path: string; readonly format: 'csv' | 'json' } | { readonly kind: 'code' };
      /** Training rows (indices into the data), when a validation split holds some out. */
      readonly train?: readonly number[];
      /** Per step k (0-based): the indices (into the training rows) of its mini-batch. Absent: full batch. */
      readonly batches?: readonly (readonly number[])[];
    };

export interface TorchExportInput {
  readonly loss: TorchLoss;
  readonly paramNames: readonly string[];
  readonly optimizer: string;
  readonly hyperparameters: Readonly<Record<string, HyperValue>>;
  /** Our recording: params rows (stepsCompleted + 1) × dim, row-major; loss rows (stepsCompleted + 1). */
  readonly params: ArrayLike<number>;
  readonly lossValues: ArrayLike<number>;
  readonly stepsCompleted: number;
  /** One line saying what produced this (tool, version, command). */
  readonly provenance?: string;
}

/** torch.optim class per optimizer; absent: written out by hand. */
const TORCH_CLASS: Readonly<Record<string, string>> = {
  sgd: 'SGD', adagrad: 'Adagrad', rmsprop: 'RMSprop', adam: 'Adam', adamw: 'AdamW', adamax: 'Adamax',
  nadam: 'NAdam', radam: 'RAdam', adadelta: 'Adadelta', rprop: 'Rprop',
};

/** Built-in losses in torch: the same operations in the same order as src/core/losses/builtins.ts. */
const BUILTIN_TORCH: Readonly<Record<string, string>> = {
  canyon: 'return x * x + 10 * (y * y)',
  rosenbrock: 'a = 1 - x\n    b = y - x * x\n    return a * a + 100 * (b * b)',
  beale: 'y2 = y * y\n    y3 = y2 * y\n    a = 1.5 - x + x * y\n    b = 2.25 - x + x * y2\n    c = 2.625 - x + x * y3\n    return a * a + b * b + c * c',
  himmelblau: 'a = x * x + y - 11\n    b = x + y * y - 7\n    return a * a + b * b',
  saddle: 'return x * x - y * y',
  booth: 'a = x + 2 * y - 7\n    b = 2 * x + y - 5\n    return a * a + b * b',
  rastrigin: 'TWO_PI = 2 * math.pi\n    return 20 + x * x - 10 * torch.cos(TWO_PI * x) + y * y - 10 * torch.cos(TWO_PI * y)',
  'flat-sharp':
    'def well(cx, cy, s2):\n        dx = x - cx\n        dy = y - cy\n        return torch.exp(-(dx * dx + dy * dy) / (2 * s2))\n' +
    '    a = well(-2.0, 0.0, 1.0)\n    b = well(2.0, 0.0, 0.04)\n    return 0.01 * (x * x + y * y) - a - b',
};

export class TorchExportUnsupported extends Error {
  override readonly name = 'TorchExportUnsupported';
}

/** Why this run cannot be exported yet (one line), or undefined. */
export function torchExportRefusal(input: {
  readonly optimizer: string;
  readonly loss: { readonly kind: 'builtin'; readonly name: string } | { readonly kind: 'file' };
  readonly lr?: ArrayLike<number>;
  readonly hyperparameters: Readonly<Record<string, HyperValue>>;
  readonly gradientNoise?: number;
  readonly gradient?: string;
  readonly sampled?: boolean;
}): string | undefined {
  if (!(input.optimizer in TORCH_CLASS) && input.optimizer !== 'signsgd' && input.optimizer !== 'lion') {
    return `--export-torch: no PyTorch translation for the optimizer ${input.optimizer} yet`;
  }
  if (input.loss.kind === 'builtin' && !(input.loss.name in BUILTIN_TORCH)) return `--export-torch: no torch formula for the built-in ${input.loss.name}`;
  if (input.gradientNoise !== undefined && input.gradientNoise > 0) return '--export-torch: gradient noise (--noise) is not exported yet';
  if (input.gradient === 'numeric') return '--export-torch: the run used central differences (numeric gradient); torch uses autograd, so the trajectories would differ: export an automatic-gradient run';
  if (input.sampled) return '--export-torch: the recording was downsampled (memory budget); the check needs every step: raise --memory-budget-mb';
  // bias_correction is ours (apex/DeepSpeed have it, torch.optim does not): torch always corrects
  if (input.hyperparameters['bias_correction'] === false) return '--export-torch: bias_correction = false has no torch.optim form; it is not exported yet';
  const lr = input.hyperparameters['lr'];
  if (input.lr && typeof lr === 'number') {
    for (let t = 0; t < input.lr.length; t++) {
      if (input.lr[t] !== lr) return `--export-torch: the learning rate changes during the run (step ${t + 1}: ${input.lr[t]}); schedules are not exported yet`;
    }
  }
  return undefined;
}

function pyValue(v: HyperValue): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumber(v);
  return `(${pyNumber(v[0])}, ${pyNumber(v[1])})`;
}

function pyKwargs(h: Readonly<Record<string, HyperValue>>): string {
  return `{${Object.entries(h).map(([k, v]) => `${pyString(k)}: ${pyValue(v)}`).join(', ')}}`;
}

/** JSON of numbers for Python's json.loads with our NaN/Infinity strings (decoded by _num); dim 0: a flat list. */
function jsonRows(values: ArrayLike<number>, rows: number, dim: number): string {
  const out: string[] = [];
  const num = (x: number) => (Number.isFinite(x) ? String(x) : Number.isNaN(x) ? '"NaN"' : x > 0 ? '"Infinity"' : '"-Infinity"');
  for (let t = 0; t < rows; t++) {
    const r: string[] = [];
    for (let i = 0; i < Math.max(1, dim); i++) r.push(num(values[t * Math.max(1, dim) + i]!));
    out.push(dim === 0 ? r[0]! : `[${r.join(',')}]`);
  }
  return `[${out.join(',\n')}]`;
}

/** The update of an optimizer without a torch class, written out (our kernels' equations, src/core/optimizers). */
function handUpdate(optimizer: string): string {
  if (optimizer === 'signsgd') {
    return `# signSGD / Signum has no torch.optim class: the update is written out (src/core/optimizers/sgd.ts).
H = HYPERPARAMETERS
momentum_buffer = torch.zeros(DIM)


@torch.no_grad()
def optimizer_step(grad):
    g = -grad if H["maximize"] else grad
    if H["weight_decay"] != 0:
        g = g + H["weight_decay"] * theta
    if H["momentum"] != 0:
        g = H["momentum"] * momentum_buffer + (1 - H["momentum"]) * g
        momentum_buffer.copy_(g)
    theta.add_(torch.sign(g), alpha=-H["lr"])
`;
  }
  return `# Lion has no torch.optim class: the update is written out (src/core/optimizers/lion.ts; lion-pytorch's order).
H = HYPERPARAMETERS
exp_avg = torch.zeros(DIM)


@torch.no_grad()
def optimizer_step(grad):
    b1, b2 = H["betas"]
    g = -grad if H["maximize"] else grad
    c = b1 * exp_avg + (1 - b1) * g
    theta.mul_(1 - H["lr"] * H["weight_decay"]).add_(torch.sign(c), alpha=-H["lr"])
    exp_avg.mul_(b2).add_(g, alpha=1 - b2)
`;
}

/** The whole script. */
export function torchScript(input: TorchExportInput): string {
  const d = input.paramNames.length;
  const n = input.stepsCompleted;
  const cls = TORCH_CLASS[input.optimizer];
  const L = input.loss;
  const lines: string[] = [];
  const hp = { ...input.hyperparameters };
  delete hp['bias_correction']; // true (refused when false): torch.optim's own behaviour, not one of its keywords
  const header = [
    '#!/usr/bin/env python3',
    `# Generated by Optimizer Diagnostics: ${input.optimizer} on ${L.kind === 'builtin' ? `the built-in ${L.name}` : L.file}, ${n} steps.`,
    ...(input.provenance ? [`# ${input.provenance}`] : []),
    '# Runs the same optimization in PyTorch (float64, one thread) and checks it against the trajectory',
    '# Optimizer Diagnostics computed (embedded below): every step\'s parameters and loss at rtol 1e-9 (atol 1e-12).',
    '# Prints "matches Optimizer Diagnostics: N steps, max rel. deviation X", or the first step that differs and exits 1.',
    'import csv',
    'import json',
    'import math',
    'import os',
    'import sys',
    '',
    'import torch',
    '',
    'torch.set_default_dtype(torch.float64)',
    'torch.set_num_threads(1)',
    '',
    `PARAM_NAMES = ${JSON.stringify(input.paramNames)}`,
    `DIM = ${d}`,
    `STEPS = ${n}`,
    `OPTIMIZER = ${pyString(input.optimizer)}`,
    `HYPERPARAMETERS = ${pyKwargs(hp)}`,
    '',
    '',
    'def _num(v):',
    '    """JSON numbers, with NaN/Infinity written as strings (as Optimizer Diagnostics writes them)."""',
    '    if isinstance(v, str):',
    '        return float(v.replace("Infinity", "inf"))',
    '    if isinstance(v, list):',
    '        return [_num(x) for x in v]',
    '    return v',
    '',
    '',
    '# Optimizer Diagnostics\' trajectory: OURS_PARAMS[t] = parameters after t steps (row 0 = start),',
    '# OURS_LOSS[t] = the loss at OURS_PARAMS[t] (with mini-batches: on step t\'s batch).',
    `OURS_PARAMS = _num(json.loads("""${jsonRows(input.params, n + 1, d)}"""))`,
    `OURS_LOSS = _num(json.loads("""${jsonRows(input.lossValues, n + 1, 0)}"""))`,
    'START = OURS_PARAMS[0]',
    '',
  ];
  lines.push(...header);

  // ---------------------------------------------------------------- the loss
  if (L.kind === 'builtin') {
    lines.push(
      '',
      `# The built-in loss ${L.name} (src/core/losses/builtins.ts), written in torch.`,
      'def loss_at(theta, step):',
      '    x, y = theta[0], theta[1]',
      `    ${BUILTIN_TORCH[L.name]}`,
      '',
    );
  } else {
    lines.push('', '# ---- runtime helpers: JavaScript semantics on floats and 0-d tensors', JS_HELPERS, '');
    lines.push('', `# ---- the loss file ${L.file}, translated from its JavaScript`, L.python, '');
    if (L.data) {
      if (L.data.kind === 'file') {
        lines.push(
          '# The data, read from the same file as the loss file reads it (numeric cells become numbers).',
          `DATA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), ${pyString(L.data.path)})`,
          L.data.format === 'csv' ? 'ROWS = _read_csv(DATA_FILE)' : 'ROWS = _read_json(DATA_FILE)',
        );
      } else {
        lines.push('# The loss file\'s inline rows, computed by its translated code above.', 'ROWS = DATA_ROWS');
      }
      lines.push(
        L.train ? `TRAIN = [ROWS[i] for i in ${JSON.stringify(L.train)}]  # the rows not held out for validation (our fixed split)` : 'TRAIN = ROWS',
      );
      if (L.batches) {
        lines.push("# Our sampled mini-batch of every step (indices into TRAIN), replayed exactly.", `BATCHES = json.loads("""${JSON.stringify(L.batches)}""")`);
      }
    } else lines.push('TRAIN = None');
    lines.push('');
    // p: the structure of params, built from views of the one flat parameter tensor.
    const parts: string[] = [];
    let off = 0;
    for (const e of L.entries) {
      if (e.size === null) parts.push(`${pyString(e.name)}: theta[${off++}]`);
      else {
        parts.push(`${pyString(e.name)}: [theta[i] for i in range(${off}, ${off + e.size})]`);
        off += e.size;
      }
    }
    lines.push(
      'def loss_at(theta, step):',
      `    p = {${parts.join(', ')}}`,
      L.batches ? '    batch = [TRAIN[i] for i in BATCHES[step]]' : '    batch = TRAIN',
      '    return _t(loss(p, batch))',
      '',
    );
  }

  // ---------------------------------------------------------------- the optimizer
  lines.push('', 'theta = torch.tensor([float(x) for x in START], dtype=torch.float64, requires_grad=True)');
  if (cls) {
    const extra = input.optimizer === 'nadam' ? ' foreach=True: torch 1.13\'s single-tensor NAdam multiplies by mu twice (fixed in PyTorch PR #92699); its foreach path is the corrected formula,' : '';
    lines.push(
      `# torch.optim.${cls} with every hyperparameter of the run.${extra}`,
      `OPTIM_KWARGS = dict(HYPERPARAMETERS${input.optimizer === 'nadam' ? ', foreach=True' : ''})`,
      'import inspect',
      `_accepted = inspect.signature(torch.optim.${cls}).parameters`,
      'for _k in list(OPTIM_KWARGS):',
      '    if _k not in _accepted:',
      '        _default = {"maximize": False, "weight_decay": 0.0, "momentum_decay": 0.004}.get(_k)',
      '        if OPTIM_KWARGS[_k] != _default:',
      `            sys.exit(f"this torch ({torch.__version__}) ${cls} has no {_k}={OPTIM_KWARGS[_k]!r}: cannot check this run")`,
      '        del OPTIM_KWARGS[_k]',
      `optimizer = torch.optim.${cls}([theta], **OPTIM_KWARGS)`,
      `BY_HAND = False`,
      '',
      '',
      'def optimizer_step(grad):',
      '    theta.grad = grad',
      '    optimizer.step()',
      '',
    );
  } else {
    lines.push('BY_HAND = True', handUpdate(input.optimizer));
  }

  // ---------------------------------------------------------------- loop and check
  lines.push(CHECK_LOOP);
  return lines.join('\n') + '\n';
}

const CHECK_LOOP = `
RTOL, ATOL = 1e-9, 1e-12


def _deviation(got, want):
    """|got - want| relative to |want| (atol 1e-12); NaN matches NaN, an infinity only the same one."""
    if math.isnan(want) or math.isnan(got):
        return 0.0 if math.isnan(want) and math.isnan(got) else math.inf
    if math.isinf(want) or math.isinf(got):
        return 0.0 if got == want else math.inf
    return abs(got - want) / (ATOL / RTOL + abs(want))


def main():
    worst = 0.0
    for t in range(STEPS + 1):
        if t > 0:
            optimizer_step(grad)
            for i, (g, w) in enumerate(zip(theta.detach().tolist(), OURS_PARAMS[t])):
                dev = _deviation(g, w)
                worst = max(worst, dev)
                if dev > RTOL:
                    print(f"differs from Optimizer Diagnostics at step {t}: {PARAM_NAMES[i]} = {g!r} in torch, {w!r} here "
                          f"(rel. deviation {dev:.3g} > {RTOL:g})")
                    return 1
        if t == STEPS:
            break
        with torch.enable_grad():
            if theta.grad is not None:
                theta.grad = None
            f = loss_at(theta, t)
            f.backward()
        dev = _deviation(f.item(), OURS_LOSS[t])
        worst = max(worst, dev)
        if dev > RTOL:
            print(f"differs from Optimizer Diagnostics at step {t}: loss = {f.item()!r} in torch, {OURS_LOSS[t]!r} here "
                  f"(rel. deviation {dev:.3g} > {RTOL:g})")
            return 1
        grad = theta.grad.detach().clone()
    how = " (update written out by hand: %s has no torch.optim class)" % OPTIMIZER if BY_HAND else ""
    print(f"matches Optimizer Diagnostics: {STEPS} steps, max rel. deviation {worst:.3g}{how}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
`;

/** Python helpers the translated loss files call: JavaScript's semantics on floats and 0-d tensors. */
const JS_HELPERS = `def _t(x):
    return x if isinstance(x, torch.Tensor) else torch.tensor(float(x))


def _m1(tf, mf):
    return lambda x: tf(x) if isinstance(x, torch.Tensor) else mf(x)


def _js_sign(x):
    return 0.0 if x == 0 else math.copysign(1.0, x) if not math.isnan(x) else x


def _js_round(x):
    return math.floor(x + 0.5)


class _Math:
    exp = staticmethod(_m1(torch.exp, math.exp))
    expm1 = staticmethod(_m1(torch.expm1, math.expm1))
    log = staticmethod(_m1(torch.log, lambda x: math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)))
    log1p = staticmethod(_m1(torch.log1p, lambda x: math.log1p(x) if x > -1 else (-math.inf if x == -1 else math.nan)))
    log2 = staticmethod(_m1(torch.log2, lambda x: math.log2(x) if x > 0 else (-math.inf if x == 0 else math.nan)))
    log10 = staticmethod(_m1(torch.log10, lambda x: math.log10(x) if x > 0 else (-math.inf if x == 0 else math.nan)))
    sqrt = staticmethod(_m1(torch.sqrt, lambda x: math.sqrt(x) if x >= 0 else math.nan))
    cbrt = staticmethod(_m1(lambda x: torch.sign(x) * torch.abs(x) ** (1.0 / 3.0), lambda x: math.copysign(abs(x) ** (1.0 / 3.0), x)))
    abs = staticmethod(_m1(torch.abs, abs))
    sign = staticmethod(_m1(torch.sign, _js_sign))
    sin = staticmethod(_m1(torch.sin, math.sin))
    cos = staticmethod(_m1(torch.cos, math.cos))
    tan = staticmethod(_m1(torch.tan, math.tan))
    asin = staticmethod(_m1(torch.asin, math.asin))
    acos = staticmethod(_m1(torch.acos, math.acos))
    atan = staticmethod(_m1(torch.atan, math.atan))
    sinh = staticmethod(_m1(torch.sinh, math.sinh))
    cosh = staticmethod(_m1(torch.cosh, math.cosh))
    tanh = staticmethod(_m1(torch.tanh, math.tanh))
    asinh = staticmethod(_m1(torch.asinh, math.asinh))
    acosh = staticmethod(_m1(torch.acosh, math.acosh))
    atanh = staticmethod(_m1(torch.atanh, math.atanh))
    floor = staticmethod(_m1(torch.floor, math.floor))
    ceil = staticmethod(_m1(torch.ceil, math.ceil))
    trunc = staticmethod(_m1(torch.trunc, math.trunc))
    round = staticmethod(_m1(lambda x: torch.floor(x + 0.5), _js_round))
    fround = staticmethod(lambda x: x)
    PI = math.pi
    E = math.e
    LN2 = math.log(2)
    LN10 = math.log(10)
    LOG2E = 1 / math.log(2)
    LOG10E = 1 / math.log(10)
    SQRT2 = math.sqrt(2)
    SQRT1_2 = math.sqrt(0.5)

    @staticmethod
    def pow(a, b):
        return _pow(a, b)

    @staticmethod
    def atan2(a, b):
        if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
            return torch.atan2(_t(a), _t(b))
        return math.atan2(a, b)

    @staticmethod
    def hypot(*xs):
        if any(isinstance(x, torch.Tensor) for x in xs):
            return torch.sqrt(sum((_t(x) * _t(x) for x in xs), torch.tensor(0.0)))
        return math.hypot(*xs)

    @staticmethod
    def max(*xs):
        """JavaScript's Math.max; at a tie the first argument that attains it (the gradient goes there)."""
        if not xs:
            return -math.inf
        best = xs[0]
        for x in xs[1:]:
            if x > best:
                best = x
        return best

    @staticmethod
    def min(*xs):
        if not xs:
            return math.inf
        best = xs[0]
        for x in xs[1:]:
            if x < best:
                best = x
        return best


Math = _Math


def _pow(a, b):
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return _t(a) ** b if not isinstance(b, torch.Tensor) else _t(a) ** b
    try:
        r = float(a) ** b
    except ZeroDivisionError:
        return math.inf
    except OverflowError:
        return math.inf
    return math.nan if isinstance(r, complex) else r


def _mod(a, b):
    """JavaScript's % (the sign of the dividend), torch.fmod on tensors."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return torch.fmod(_t(a), b)
    if b == 0:
        return math.nan
    r = math.fmod(a, b)
    return int(r) if isinstance(a, int) and isinstance(b, int) else r


def _div(a, b):
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return a / b
    if b == 0:
        return math.nan if a == 0 or a != a else math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _ix(i):
    """An array index: JavaScript numbers are floats, Python lists need an int."""
    if isinstance(i, float) and i.is_integer():
        return int(i)
    return i


def _len(a):
    return len(a)


def _reduce(a, f, *init):
    it = iter(enumerate(a))
    if init:
        acc = init[0]
    else:
        acc = next(it)[1]
    for i, x in it:
        acc = f(acc, x, i)
    return acc


def _map(a, f, *_):
    return [f(x, i, a) for i, x in enumerate(a)]


def _filter(a, f, *_):
    return [x for i, x in enumerate(a) if f(x, i, a)]


def _foreach(a, f, *_):
    for i, x in enumerate(a):
        f(x, i, a)


def _some(a, f, *_):
    return any(f(x, i, a) for i, x in enumerate(a))


def _every(a, f, *_):
    return all(f(x, i, a) for i, x in enumerate(a))


def _slice(a, start=None, end=None, *_):
    n = len(a)
    s = 0 if start is None else _ix(start)
    e = n if end is None else _ix(end)
    return a[s:e]


def _array_from(src, f=None, *_):
    """Array.from(arrayLike[, f]): an array, or { length: n }."""
    items = list(src) if isinstance(src, list) else [None] * _ix(src["length"])
    return [f(x, i) for i, x in enumerate(items)] if f is not None else items


def _cell(v):
    v = v.strip()
    try:
        return float(v) if v != "" else None
    except ValueError:
        return {"true": True, "false": False}.get(v, v)


def _read_csv(path):
    with open(path, newline="") as f:
        return [{k: _cell(v) for k, v in row.items()} for row in csv.DictReader(f)]


def _read_json(path):
    with open(path) as f:
        return json.load(f)`;
