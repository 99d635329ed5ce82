// Command-line parsing for `optimizer-diagnostics`. Every valued flag accepts `--name=value` and
// `--name value` (negative numbers need `=`: `--init=-1.5,2`). Unknown flags and invalid values are
// `UsageError`s, printed as one line by main.ts with a non-zero exit.

import {
  OPTIMIZERS,
  getOptimizerDefinition,
  type HyperValue,
  type HyperparameterSpec,
  type OptimizerName,
} from '../core';
import { DEFAULT_MEMORY_BUDGET_MB, MAX_MEMORY_BUDGET_MB, MIN_MEMORY_BUDGET_MB } from '../protocol/memoryBudget';
import { DEFAULT_MEMORY_LIMIT_MB } from '../runner/client';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type GradientModeArg = 'auto' | 'autodiff' | 'numeric';

export interface CommonOptions {
  loss: string;
  steps: number;
  init?: number[];
  json: boolean;
  out?: string;
  batchSize?: number;
  seed?: number;
  gradientMode?: GradientModeArg;
  gradientNoise?: number;
  /** Watchdog: a run that reports nothing for this long (a loss that loops forever) is stopped. */
  timeoutMs: number;
  /** Write the per-step CSV to stdout instead of the table. */
  csv: boolean;
  /** One memory budget for the recordings of all runs (MB); longer runs are downsampled while recording. */
  memoryBudgetMb: number;
  /** Memory limit of a loss file's process (MB): heap (--max-old-space-size) and resident memory. */
  memoryLimitMb: number;
  /** Hyperparameters given on the command line (PyTorch names). */
  hyperparameters: Record<string, HyperValue>;
  /** Interpreter of *.loss.py files (--python; default: $OD_PYTHON, else python3 on PATH). */
  python?: string;
}

export interface SimulateArgs extends CommonOptions {
  command: 'simulate';
  optimizer: OptimizerName;
}

export interface RunSpec {
  optimizer: OptimizerName;
  hyperparameters: Record<string, HyperValue>;
  label: string;
}

export interface CompareArgs extends CommonOptions {
  command: 'compare';
  runs: RunSpec[];
  tolerance: number;
}

export type ParsedArgs = SimulateArgs | CompareArgs | { command: 'help'; topic?: string } | { command: 'list' } | { command: 'version' };

/** Every hyperparameter name of every optimizer → its spec (one flag serves all optimizers that take it). */
const HYPER_FLAGS: ReadonlyMap<string, HyperparameterSpec> = (() => {
  const m = new Map<string, HyperparameterSpec>();
  for (const def of Object.values(OPTIMIZERS)) for (const s of def.hyperparameters) if (!m.has(s.name)) m.set(s.name, s);
  return m;
})();

const flagName = (hyper: string) => hyper.replace(/_/g, '-');
const hyperName = (flag: string) => flag.replace(/-/g, '_');

const VALUED = new Set(['loss', 'optimizer', 'optimizers', 'run', 'steps', 'init', 'out', 'batch-size', 'seed', 'gradient', 'noise', 'tolerance', 'timeout', 'memory-budget-mb', 'memory-limit-mb', 'python']);
const SWITCHES = new Set(['json', 'csv', 'help']);

/** Most steps one run may take (a usage error above). Recordings past their memory budget are downsampled. */
export const MAX_STEPS = 1_000_000_000;
/** Node's timers hold at most 2^31 − 1 ms (about 24.8 days); a longer --timeout is refused. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Seeds are integers in [0, 2^53 − 1] (exact in a double). */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** A value as it appears in a one-line message: JSON-quoted (newlines and escape codes visible), shortened. */
export function quoteValue(text: string): string {
  const q = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  return q.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Decimal numbers only (`1`, `-1.5`, `.5`, `2e-3`): no hex, binary, octal, `Infinity` or separators. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseNumber(flag: string, text: string): number {
  const t = text.trim();
  const v = DECIMAL.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(v)) {
    const hint = /^[+-]?0[xXbBoO]/.test(t) ? ' (decimal numbers only: no hex, binary or octal)' : '';
    throw new UsageError(`--${flag}: expected a number, got ${quoteValue(text)}${hint}`);
  }
  return v;
}

function parseInteger(flag: string, text: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  const v = parseNumber(flag, text);
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new UsageError(`--${flag}: expected an integer from ${min} to ${max.toLocaleString('en-US')}, got ${quoteValue(text)}`);
  }
  return v;
}

function parseList(flag: string, text: string): number[] {
  if (text.trim() === '') throw new UsageError(`--${flag}: expected comma-separated numbers, got an empty value`);
  return text.split(',').map((p) => parseNumber(flag, p));
}

function parseBool(flag: string, text: string | undefined): boolean {
  if (text === undefined || text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new UsageError(`--${flag}: expected true or false, got ${quoteValue(text)}`);
}

/** Parses one hyperparameter value from text according to its spec. */
export function parseHyperValue(spec: HyperparameterSpec, flag: string, text: string | undefined): HyperValue {
  if (spec.kind === 'boolean') return parseBool(flag, text);
  if (text === undefined) throw new UsageError(`--${flag} needs a value`);
  if (spec.kind === 'pair') {
    const v = parseList(flag, text.replace(/[()[\]\s]/g, ''));
    if (v.length !== 2) throw new UsageError(`--${flag}: expected two numbers A,B, got ${quoteValue(text)}`);
    return [v[0]!, v[1]!] as const;
  }
  return parseNumber(flag, text);
}

function parseOptimizerName(text: string): OptimizerName {
  try {
    return getOptimizerDefinition(text.trim().toLowerCase()).name;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** `--run "sgd lr=0.01 momentum=0.9 nesterov"`: one optimizer with its own hyperparameters. */
export function parseRunSpec(text: string): RunSpec {
  const parts = text.trim().split(/\s+/);
  if (!parts[0]) throw new UsageError('--run: expected "OPTIMIZER [name=value ...]"');
  const optimizer = parseOptimizerName(parts[0]);
  const def = getOptimizerDefinition(optimizer);
  const hyperparameters: Record<string, HyperValue> = {};
  for (const kv of parts.slice(1)) {
    const eq = kv.indexOf('=');
    const key = hyperName(eq < 0 ? kv : kv.slice(0, eq));
    const spec = def.hyperparameters.find((s) => s.name === key);
    if (!spec) throw new UsageError(`--run: ${optimizer} has no hyperparameter "${key}" (it takes ${def.hyperparameters.map((s) => s.name).join(', ')})`);
    hyperparameters[key] = parseHyperValue(spec, `run ${key}`, eq < 0 ? undefined : kv.slice(eq + 1));
  }
  return { optimizer, hyperparameters, label: text.trim() };
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    return { command: 'help', ...(rest[0] ? { topic: rest[0] } : {}) };
  }
  if (command === '--version' || command === 'version') return { command: 'version' };
  if (command === 'list') return { command: 'list' };
  if (command !== 'simulate' && command !== 'compare') {
    throw new UsageError(`unknown command ${quoteValue(command)} (commands: simulate, compare, list, help)`);
  }
  const values = new Map<string, string>();
  const runs: string[] = [];
  const switches = new Set<string>();
  const hyper = new Map<string, { spec: HyperparameterSpec; text: string | undefined; flag: string }>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new UsageError(`unexpected argument ${quoteValue(arg)} (flags look like --name value or --name=value)`);
    const name = m[1]!;
    let value = m[2];
    if (name === 'help') return { command: 'help', topic: command };
    const takeValue = (): string => {
      if (value !== undefined) return value;
      const next = rest[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      i++;
      return next;
    };
    const spec = HYPER_FLAGS.get(hyperName(name));
    if (VALUED.has(name)) {
      const v = takeValue();
      if (name === 'run') runs.push(v);
      else if (values.has(name)) throw new UsageError(`--${name} given twice`);
      else values.set(name, v);
    } else if (SWITCHES.has(name)) {
      if (value !== undefined && !parseBool(name, value)) continue;
      switches.add(name);
    } else if (spec) {
      if (spec.kind !== 'boolean') value = takeValue();
      if (hyper.has(spec.name)) throw new UsageError(`--${name} given twice`);
      hyper.set(spec.name, { spec, text: value, flag: name });
    } else {
      throw new UsageError(`unknown flag --${name} (see optimizer-diagnostics help ${command})`);
    }
  }

  const loss = values.get('loss');
  if (!loss) throw new UsageError('--loss is required (a built-in name such as rosenbrock, or a path to a *.loss.ts file)');
  const stepsText = values.get('steps');
  if (stepsText === undefined) throw new UsageError('--steps is required');
  const common: CommonOptions = {
    loss,
    steps: parseInteger('steps', stepsText, 0, MAX_STEPS),
    json: switches.has('json'),
    csv: switches.has('csv'),
    timeoutMs: values.has('timeout') ? parseInteger('timeout', values.get('timeout')!, 1, MAX_TIMEOUT_MS) : 10_000,
    memoryBudgetMb: values.has('memory-budget-mb')
      ? parseInteger('memory-budget-mb', values.get('memory-budget-mb')!, MIN_MEMORY_BUDGET_MB, MAX_MEMORY_BUDGET_MB)
      : DEFAULT_MEMORY_BUDGET_MB,
    memoryLimitMb: values.has('memory-limit-mb') ? parseInteger('memory-limit-mb', values.get('memory-limit-mb')!, 64, 65536) : DEFAULT_MEMORY_LIMIT_MB,
    hyperparameters: {},
  };
  if (common.json && common.csv) throw new UsageError('--json and --csv both write to stdout: choose one (and --out FILE for a file)');
  if (values.has('python')) {
    const py = values.get('python')!;
    if (py.trim() === '') throw new UsageError('--python needs an interpreter path (got an empty value)');
    common.python = py;
  }
  if (values.has('init')) common.init = parseList('init', values.get('init')!);
  if (values.has('out')) {
    const out = values.get('out')!;
    if (out.trim() === '') throw new UsageError('--out needs a file name (got an empty value)');
    common.out = out;
  }
  if (values.has('batch-size')) common.batchSize = parseInteger('batch-size', values.get('batch-size')!, 1);
  if (values.has('seed')) common.seed = parseInteger('seed', values.get('seed')!, 0, MAX_SEED);
  if (values.has('noise')) {
    common.gradientNoise = parseNumber('noise', values.get('noise')!);
    if (common.gradientNoise < 0) throw new UsageError('--noise: the standard deviation must be >= 0');
  }
  if (values.has('gradient')) {
    const g = values.get('gradient')!;
    if (g !== 'auto' && g !== 'autodiff' && g !== 'numeric') throw new UsageError(`--gradient: expected auto, autodiff or numeric, got ${quoteValue(g)}`);
    common.gradientMode = g;
  }
  for (const [name, h] of hyper) common.hyperparameters[name] = parseHyperValue(h.spec, h.flag, h.text);

  if (command === 'simulate') {
    if (values.has('optimizers') || runs.length || values.has('tolerance')) {
      throw new UsageError('--optimizers, --run and --tolerance belong to "compare"; simulate takes one --optimizer');
    }
    const optText = values.get('optimizer');
    if (!optText) throw new UsageError('--optimizer is required (one of ' + Object.keys(OPTIMIZERS).join(', ') + ')');
    const optimizer = parseOptimizerName(optText);
    const def = getOptimizerDefinition(optimizer);
    for (const name of Object.keys(common.hyperparameters)) {
      if (!def.hyperparameters.some((s) => s.name === name)) {
        throw new UsageError(`--${flagName(name)} does not apply to ${optimizer} (it takes ${def.hyperparameters.map((s) => '--' + flagName(s.name)).join(', ')})`);
      }
    }
    return { ...common, command: 'simulate', optimizer };
  }

  if (values.has('optimizer')) throw new UsageError('compare takes --optimizers a,b,c and/or --run "name k=v ..."; not --optimizer');
  const specs: RunSpec[] = [];
  for (const name of (values.get('optimizers') ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const optimizer = parseOptimizerName(name);
    const def = getOptimizerDefinition(optimizer);
    // Shared flags apply to every optimizer that takes them.
    const hp: Record<string, HyperValue> = {};
    for (const [k, v] of Object.entries(common.hyperparameters)) if (def.hyperparameters.some((s) => s.name === k)) hp[k] = v;
    specs.push({ optimizer, hyperparameters: hp, label: optimizer });
  }
  for (const r of runs) {
    const spec = parseRunSpec(r);
    const def = getOptimizerDefinition(spec.optimizer);
    const shared: Record<string, HyperValue> = {};
    for (const [k, v] of Object.entries(common.hyperparameters)) if (def.hyperparameters.some((s) => s.name === k)) shared[k] = v;
    specs.push({ ...spec, hyperparameters: { ...shared, ...spec.hyperparameters } });
  }
  if (specs.length === 0) throw new UsageError('compare needs --optimizers a,b,c and/or --run "name k=v ..."');
  const tolerance = values.has('tolerance') ? parseNumber('tolerance', values.get('tolerance')!) : 1e-6;
  if (!(tolerance > 0)) throw new UsageError('--tolerance must be > 0');
  return { ...common, command: 'compare', runs: specs, tolerance };
}

/**
 * Help lines of one hyperparameter flag: its description per optimizer that takes it, grouped where they
 * agree (e.g. --eps: AdaGrad adds ε to √s, Adadelta puts it inside both square roots), with the defaults.
 */
export function hyperHelp(name: string): string[] {
  const groups = new Map<string, { spec: HyperparameterSpec; takers: string[] }>();
  for (const d of Object.values(OPTIMIZERS)) {
    const spec = d.hyperparameters.find((h) => h.name === name);
    if (!spec) continue;
    const key = `${spec.description}\u0000${JSON.stringify(spec.default)}`;
    const g = groups.get(key);
    if (g) g.takers.push(d.name);
    else groups.set(key, { spec, takers: [d.name] });
  }
  const list = [...groups.values()];
  if (list.length === 0) return [];
  const s0 = list[0]!.spec;
  const arg = s0.kind === 'boolean' ? '' : s0.kind === 'pair' ? ' A,B' : ' X';
  const num = (x: number) => (x !== 0 && Math.abs(x) < 1e-4 ? x.toExponential() : String(x));
  const dflt = (v: HyperValue) => (Array.isArray(v) ? (v as readonly number[]).map(num).join(',') : typeof v === 'number' ? num(v) : String(v));
  return list.map(({ spec, takers }, k) =>
    (k === 0 ? `  --${flagName(name)}${arg}` : '').padEnd(36) +
    `${spec.description}${list.length > 1 && spec.kind !== 'boolean' ? ` (default ${dflt(spec.default)})` : ''} [${takers.join(', ')}]`,
  );
}

export function helpText(topic?: string): string {
  const hyperLines = [...HYPER_FLAGS.values()].flatMap((s) => hyperHelp(s.name));
  const common = [
    '  --loss NAME|PATH                  built-in loss name (see `list`) or a *.loss.ts/.js file',
    '  --steps N                         number of optimizer steps',
    '  --init=V1,V2,...                  start point, flattened in declaration order (use = for negatives)',
    '  --batch-size N                    mini-batch size for loss files with data',
    '  --seed N                          seed for mini-batch sampling and gradient noise (default 0)',
    '  --noise SIGMA                     add Gaussian noise N(0, σ²) to every gradient component',
    '  --gradient auto|autodiff|numeric  loss files: grad export / automatic / central differences',
    `  --timeout MS                      stop a loss file that reports nothing for MS ms (default 10000, at most ${MAX_TIMEOUT_MS})`,
    `  --memory-budget-mb MB             memory for the recordings of all runs (default ${DEFAULT_MEMORY_BUDGET_MB}); longer runs`,
    '                                    keep every step at first, then the min and max loss of each bucket of steps',
    `  --memory-limit-mb MB              memory limit of a loss file's process (default ${DEFAULT_MEMORY_LIMIT_MB}, 64-65536)`,
    '  --python PATH                     interpreter of *.loss.py files (default: $OD_PYTHON, else python3 on PATH)',
    '  --json                            write the full trajectory as JSON to stdout (streamed)',
    '  --csv                             write the per-step CSV to stdout (streamed; compare: one file, a run column)',
    '  --out FILE                        write the JSON document to FILE (FILE.csv: the CSV), atomically',
    '',
    `Numbers are decimal (no hex/binary/octal); --steps at most ${MAX_STEPS.toLocaleString('en-US')}; --seed an integer in [0, 2^53 − 1].`,
  ];
  if (topic === 'compare') {
    return [
      'usage: optimizer-diagnostics compare --loss NAME|PATH --steps N --optimizers a,b,c [--run "NAME k=v ..."]... [flags]',
      '',
      'Runs several optimizers on one loss from the same start point and prints a table:',
      'final loss, best loss, steps to tolerance and whether the run diverged.',
      'Hyperparameter flags are shared: each applies to every optimizer that takes it.',
      '--run "sgd lr=0.01 momentum=0.9 nesterov" adds one configured run (repeatable).',
      '--tolerance T   "steps to tolerance" = first step with f − f* ≤ T (f* known) or ‖∇f‖₂ ≤ T (default 1e-6)',
      '',
      ...common,
      '',
      'Hyperparameters:',
      ...hyperLines,
    ].join('\n');
  }
  return [
    'usage: optimizer-diagnostics <command> [flags]',
    '',
    'commands:',
    '  simulate   run one optimizer on a loss and print (or --json) its trajectory and diagnostics',
    '  compare    run several optimizers on one loss and print a comparison table',
    '  list       list the optimizers and built-in losses',
    '  help [compare]',
    '',
    'usage: optimizer-diagnostics simulate --loss NAME|PATH --optimizer NAME --steps N [flags]',
    '',
    ...common,
    '',
    'Hyperparameters (PyTorch names with - for _; every valued flag also takes --name=value):',
    ...hyperLines,
  ].join('\n');
}
