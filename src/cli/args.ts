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
  /** Hyperparameters given on the command line (PyTorch names). */
  hyperparameters: Record<string, HyperValue>;
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

const VALUED = new Set(['loss', 'optimizer', 'optimizers', 'run', 'steps', 'init', 'out', 'batch-size', 'seed', 'gradient', 'noise', 'tolerance', 'timeout']);
const SWITCHES = new Set(['json', 'help']);

export function parseNumber(flag: string, text: string): number {
  const t = text.trim();
  const v = t === '' ? NaN : Number(t);
  if (!Number.isFinite(v)) throw new UsageError(`--${flag}: expected a number, got "${text}"`);
  return v;
}

function parseInteger(flag: string, text: string, min: number): number {
  const v = parseNumber(flag, text);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`--${flag}: expected an integer >= ${min}, got "${text}"`);
  return v;
}

function parseList(flag: string, text: string): number[] {
  if (text.trim() === '') throw new UsageError(`--${flag}: expected comma-separated numbers, got an empty value`);
  return text.split(',').map((p) => parseNumber(flag, p));
}

function parseBool(flag: string, text: string | undefined): boolean {
  if (text === undefined || text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new UsageError(`--${flag}: expected true or false, got "${text}"`);
}

/** Parses one hyperparameter value from text according to its spec. */
export function parseHyperValue(spec: HyperparameterSpec, flag: string, text: string | undefined): HyperValue {
  if (spec.kind === 'boolean') return parseBool(flag, text);
  if (text === undefined) throw new UsageError(`--${flag} needs a value`);
  if (spec.kind === 'pair') {
    const v = parseList(flag, text.replace(/[()[\]\s]/g, ''));
    if (v.length !== 2) throw new UsageError(`--${flag}: expected two numbers A,B, got "${text}"`);
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
    throw new UsageError(`unknown command "${command}" (commands: simulate, compare, list, help)`);
  }
  const values = new Map<string, string>();
  const runs: string[] = [];
  const switches = new Set<string>();
  const hyper = new Map<string, { spec: HyperparameterSpec; text: string | undefined; flag: string }>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new UsageError(`unexpected argument "${arg}" (flags look like --name value or --name=value)`);
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
    steps: parseInteger('steps', stepsText, 0),
    json: switches.has('json'),
    timeoutMs: values.has('timeout') ? parseInteger('timeout', values.get('timeout')!, 1) : 10_000,
    hyperparameters: {},
  };
  if (values.has('init')) common.init = parseList('init', values.get('init')!);
  if (values.has('out')) common.out = values.get('out')!;
  if (values.has('batch-size')) common.batchSize = parseInteger('batch-size', values.get('batch-size')!, 1);
  if (values.has('seed')) common.seed = parseInteger('seed', values.get('seed')!, 0);
  if (values.has('noise')) {
    common.gradientNoise = parseNumber('noise', values.get('noise')!);
    if (common.gradientNoise < 0) throw new UsageError('--noise: the standard deviation must be >= 0');
  }
  if (values.has('gradient')) {
    const g = values.get('gradient')!;
    if (g !== 'auto' && g !== 'autodiff' && g !== 'numeric') throw new UsageError(`--gradient: expected auto, autodiff or numeric, got "${g}"`);
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

export function helpText(topic?: string): string {
  const hyperLines = [...HYPER_FLAGS.values()].map((s) => {
    const arg = s.kind === 'boolean' ? '' : s.kind === 'pair' ? ' A,B' : ' X';
    const takers = Object.values(OPTIMIZERS).filter((d) => d.hyperparameters.some((h) => h.name === s.name)).map((d) => d.name);
    return `  --${flagName(s.name)}${arg}`.padEnd(36) + `${s.description} [${takers.join(', ')}]`;
  });
  const common = [
    '  --loss NAME|PATH                  built-in loss name (see `list`) or a *.loss.ts/.js file',
    '  --steps N                         number of optimizer steps',
    '  --init=V1,V2,...                  start point, flattened in declaration order (use = for negatives)',
    '  --batch-size N                    mini-batch size for loss files with data',
    '  --seed N                          seed for mini-batch sampling and gradient noise (default 0)',
    '  --noise SIGMA                     add Gaussian noise N(0, σ²) to every gradient component',
    '  --gradient auto|autodiff|numeric  loss files: grad export / automatic / central differences',
    '  --timeout MS                      stop a loss file that reports nothing for MS ms (default 10000)',
    '  --json                            write the full trajectory as JSON to stdout',
    '  --out FILE                        write the JSON document to FILE',
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
