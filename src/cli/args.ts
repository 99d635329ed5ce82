// Command-line parsing for `optimizer-diagnostics`. Every valued flag accepts `--name=value` and
// `--name value` (negative numbers need `=`: `--init=-1.5,2`). Unknown flags and invalid values are
// `UsageError`s, printed as one line by main.ts with a non-zero exit.

import {
  CONVENTION_NAMES,
  OPTIMIZERS,
  SCHEDULE_CLASSES,
  ScheduleError,
  checkSchedule,
  parseSchedulerSpec,
  getOptimizerDefinition,
  isConventionName,
  type ConventionName,
  type Dtype,
  type ScheduleConfig,
  type SegmentConfig,
  type HyperValue,
  type HyperparameterSpec,
  type OptimizerName,
} from '../core';
import { DEFAULT_MEMORY_BUDGET_MB, MAX_MEMORY_BUDGET_MB, MIN_MEMORY_BUDGET_MB } from '../protocol/memoryBudget';
import { DEFAULT_MEMORY_LIMIT_MB } from '../runner/client';
import { axisProblem, type AxisScale, type SweepAxis } from '../core/sweep';

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
  /** --convention (absent: pytorch) and --dtype (absent: float64), for every run. */
  convention?: ConventionName;
  dtype?: Dtype;
  /** `simulate --export-torch FILE.py`: the run as a self-verifying PyTorch script. */
  exportTorch?: string;
  /** `--format csv|json`: what --out writes (default: by the file's extension, .csv → CSV). */
  format?: 'csv' | 'json';
  /** Interpreter of *.loss.py files (--python; default: $OD_PYTHON, else python3 on PATH). */
  python?: string;
}

export interface SimulateArgs extends CommonOptions {
  command: 'simulate';
  optimizer: OptimizerName;
  /** `--schedule` flags before any `--then` (the first optimizer's). */
  schedule?: ScheduleConfig;
  /** `--then "sgd lr=5e-4 momentum=0.9 @100"` switches, with the `--schedule` flags that follow each. */
  then: SegmentConfig[];
  /** `--curvature [--curvature-every K]`: trajectory.curvature, eigenvalues at every K-th point. */
  curvature?: { every: number };
  /** `--endpoint`: trajectory.endpoint, the end point's gap, sharpness and ε-flatness (README "Generalisation"). */
  endpoint?: boolean;
}

/** `hessian --loss L [--at v1,...] [--json] [--top-k K]`. */
export interface HessianArgs {
  command: 'hessian';
  loss: string;
  at?: number[];
  json: boolean;
  topK?: number;
  gradientMode?: GradientModeArg;
  timeoutMs: number;
  memoryLimitMb: number;
  /** Interpreter of *.loss.py files (--python; default: $OD_PYTHON, else python3 on PATH). */
  python?: string;
}

export interface RunSpec {
  optimizer: OptimizerName;
  hyperparameters: Record<string, HyperValue>;
  label: string;
  /** This run's own schedule and switches (run files; the flags give every run the same --schedule). */
  schedule?: ScheduleConfig;
  then?: SegmentConfig[];
}

export interface CompareArgs extends CommonOptions {
  command: 'compare';
  runs: RunSpec[];
  tolerance: number;
  /** `--tune lr`: each optimizer's lr is searched first (same number of runs for each). */
  tune?: 'lr';
  objective?: TuneObjective;
  workers?: number;
  /** `--schedule` flags: the same schedule for every run. */
  schedule?: ScheduleConfig;
}

/** `sweep`: one or two --grid axes over a hyperparameter of one optimizer. */
export interface SweepArgs extends CommonOptions {
  command: 'sweep';
  optimizer: OptimizerName;
  axes: SweepAxis[];
  tolerance: number;
  /** Pool size for loss files (default: the core count). */
  workers?: number;
  /** Print a script for another tool instead of running the sweep. */
  export?: 'ray-tune';
}

/** The objective `compare --tune lr` minimises. */
export type TuneObjective = 'final-loss' | 'steps' | 'distance';

/** `lr-find`: the learning-rate range test. */
export interface LrFindArgs extends CommonOptions {
  command: 'lr-find';
  optimizer: OptimizerName;
  minLr: number;
  maxLr: number;
}

/** `run FILE.optdiag.json [--json|--csv] [--out F]`: exactly what a run file says (README "Run files"). */
export interface RunFileArgs {
  command: 'run';
  file: string;
  json: boolean;
  csv: boolean;
  out?: string;
  timeoutMs: number;
  memoryBudgetMb: number;
  memoryLimitMb: number;
  python?: string;
}

export type ParsedArgs = SimulateArgs | CompareArgs | SweepArgs | LrFindArgs | HessianArgs | RunFileArgs | { command: 'help'; topic?: string } | { command: 'list' } | { command: 'version' };

/** Every hyperparameter name of every optimizer → its spec (one flag serves all optimizers that take it). */
const HYPER_FLAGS: ReadonlyMap<string, HyperparameterSpec> = (() => {
  const m = new Map<string, HyperparameterSpec>();
  for (const def of Object.values(OPTIMIZERS)) for (const s of def.hyperparameters) if (!m.has(s.name)) m.set(s.name, s);
  return m;
})();

const flagName = (hyper: string) => hyper.replace(/_/g, '-');
const hyperName = (flag: string) => flag.replace(/-/g, '_');

const VALUED = new Set(['schedule', 'schedule-milestones', 'then', 'loss', 'optimizer', 'optimizers', 'run', 'steps', 'init', 'out', 'batch-size', 'seed', 'gradient', 'noise', 'tolerance', 'timeout', 'memory-budget-mb', 'memory-limit-mb', 'grid', 'workers', 'export', 'tune', 'objective', 'min', 'max', 'convention', 'dtype', 'curvature-every', 'export-torch', 'format', 'python']);
const SWITCHES = new Set(['json', 'csv', 'help', 'curvature', 'endpoint']);
/** The flags of `hessian`. */
const HESSIAN_VALUED = new Set(['loss', 'at', 'top-k', 'gradient', 'timeout', 'memory-limit-mb', 'python']);

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
    return getOptimizerDefinition(text.trim().replace(/^torch\.optim\./i, '').toLowerCase()).name;
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

/** `--schedule` texts (and `--schedule-milestones`) of one optimizer → its ScheduleConfig, checked for `steps` steps. */
export function parseScheduleFlags(texts: readonly string[], milestones: string | undefined, steps: number | undefined, whose: string): ScheduleConfig | undefined {
  if (texts.length === 0) {
    if (milestones !== undefined) throw new UsageError(`--schedule-milestones${whose}: needs two or more --schedule flags (SequentialLR)`);
    return undefined;
  }
  try {
    const schedulers = texts.map((t) => parseSchedulerSpec(t));
    let ms: number[] | undefined;
    if (milestones !== undefined) {
      ms = parseList('schedule-milestones', milestones);
      if (texts.length < 2) throw new UsageError(`--schedule-milestones${whose}: SequentialLR needs two or more --schedule flags`);
    }
    const config: ScheduleConfig = { schedulers, ...(ms ? { milestones: ms } : {}) };
    checkSchedule(config, steps);
    return config;
  } catch (e) {
    if (e instanceof ScheduleError) throw new UsageError(`--schedule${whose}: ${e.message}`);
    throw e;
  }
}

/** `--then "sgd lr=5e-4 momentum=0.9 @100"`: the optimizer that takes over after 100 steps. */
export function parseThenSpec(text: string): { optimizer: OptimizerName; hyperparameters: Record<string, HyperValue>; fromStep: number } {
  const parts = text.trim().split(/\s+/).filter(Boolean);
  const at = parts.filter((p) => p.startsWith('@'));
  if (at.length !== 1) throw new UsageError(`--then: expected "OPTIMIZER [name=value ...] @STEP" such as "sgd lr=5e-4 momentum=0.9 @100", got ${quoteValue(text)}`);
  const stepText = at[0]!.slice(1);
  const fromStep = parseNumber('then', stepText);
  if (!Number.isSafeInteger(fromStep) || fromStep < 1) throw new UsageError(`--then: @STEP must be a positive integer, got ${quoteValue(at[0]!)}`);
  const rest = parts.filter((p) => !p.startsWith('@')).join(' ');
  if (!rest) throw new UsageError(`--then: expected an optimizer name before @${stepText}`);
  let spec: RunSpec;
  try {
    spec = parseRunSpec(rest);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(e.message.replace(/^--run/, '--then'));
    throw e;
  }
  return { optimizer: spec.optimizer, hyperparameters: spec.hyperparameters, fromStep };
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    return { command: 'help', ...(rest[0] ? { topic: rest[0] } : {}) };
  }
  if (command === '--version' || command === 'version') return { command: 'version' };
  if (command === 'list') return { command: 'list' };
  if (command === 'hessian') return parseHessianArgs(rest);
  if (command === 'run') return parseRunFileArgs(rest);
  if (command !== 'simulate' && command !== 'compare' && command !== 'sweep' && command !== 'lr-find') {
    throw new UsageError(`unknown command ${quoteValue(command)} (commands: simulate, compare, sweep, lr-find, hessian, run, list, help)`);
  }
  const values = new Map<string, string>();
  const runs: string[] = [];
  const grids: string[] = [];
  // --schedule / --schedule-milestones belong to the optimizer before them: the first, or the last --then.
  const scheduleGroups: { then?: string; schedules: string[]; milestones?: string }[] = [{ schedules: [] }];
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
      const group = scheduleGroups[scheduleGroups.length - 1]!;
      if (name === 'run') runs.push(v);
      else if (name === 'grid') grids.push(v);
      else if (name === 'then') scheduleGroups.push({ then: v, schedules: [] });
      else if (name === 'schedule') group.schedules.push(v);
      else if (name === 'schedule-milestones') {
        if (group.milestones !== undefined) throw new UsageError(`--schedule-milestones given twice${group.then ? ` for --then ${quoteValue(group.then)}` : ''}`);
        group.milestones = v;
      } else if (values.has(name)) throw new UsageError(`--${name} given twice`);
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
  if (!loss) throw new UsageError('--loss is required (a built-in name such as rosenbrock, or a path to a *.loss.ts or *.loss.py file)');
  const stepsText = values.get('steps') ?? (command === 'lr-find' ? '100' : undefined);
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
  if (values.has('export-torch')) {
    const f = values.get('export-torch')!;
    if (f.trim() === '') throw new UsageError('--export-torch needs a file name (got an empty value)');
    if (command !== 'simulate') throw new UsageError('--export-torch belongs to "simulate" (one run per script)');
    common.exportTorch = f;
  }
  if (values.has('format')) {
    const f = values.get('format')!;
    if (f !== 'csv' && f !== 'json') throw new UsageError(`--format: expected csv or json, got ${quoteValue(f)}`);
    if (!common.out) throw new UsageError('--format says what --out writes: give --out FILE too');
    common.format = f;
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
  if (values.has('convention')) {
    const c = values.get('convention')!.trim().toLowerCase();
    if (!isConventionName(c)) throw new UsageError(`--convention: expected ${CONVENTION_NAMES.join(', ')}, got ${quoteValue(values.get('convention')!)}`);
    common.convention = c;
  }
  if (values.has('dtype')) {
    const d = values.get('dtype')!.trim().toLowerCase();
    if (d !== 'float64' && d !== 'float32') throw new UsageError(`--dtype: expected float64 or float32, got ${quoteValue(values.get('dtype')!)}`);
    common.dtype = d;
  }
  for (const [name, h] of hyper) common.hyperparameters[name] = parseHyperValue(h.spec, h.flag, h.text);

  const only = (flags: string[], where: string) => {
    for (const f of flags) if (values.has(f) || (f === 'grid' && grids.length) || (f === 'run' && runs.length)) throw new UsageError(`--${f} belongs to ${where}`);
  };
  if (command !== 'sweep') only(['grid', 'export'], '"sweep"');
  if (command !== 'compare') only(['tune', 'objective'], '"compare --tune lr"');
  if (command !== 'lr-find') only(['min', 'max'], '"lr-find"');
  if (command !== 'sweep' && command !== 'compare') only(['workers'], '"sweep" and "compare --tune"');
  const workers = values.has('workers') ? parseInteger('workers', values.get('workers')!, 1, 64) : undefined;
  const tolerance = values.has('tolerance') ? parseNumber('tolerance', values.get('tolerance')!) : 1e-6;
  if (!(tolerance > 0)) throw new UsageError('--tolerance must be > 0');

  if (command === 'sweep' || command === 'lr-find') {
    if (scheduleGroups.length > 1 || scheduleGroups[0]!.schedules.length || scheduleGroups[0]!.milestones !== undefined) {
      throw new UsageError(`--schedule and --then do not apply to ${command} yet: its runs use a constant lr`);
    }
    if (common.csv || /\.csv$/i.test(common.out ?? '')) throw new UsageError(`--csv does not apply to ${command}: it writes JSON (--json, --out FILE.json)`);
    if (values.has('optimizers') || runs.length) throw new UsageError(`${command} takes one --optimizer (--optimizers and --run belong to "compare")`);
    const optText = values.get('optimizer');
    if (!optText) throw new UsageError('--optimizer is required (one of ' + Object.keys(OPTIMIZERS).join(', ') + ')');
    const optimizer = parseOptimizerName(optText);
    const def = getOptimizerDefinition(optimizer);
    for (const name of Object.keys(common.hyperparameters)) {
      if (!def.hyperparameters.some((s) => s.name === name)) {
        throw new UsageError(`--${flagName(name)} does not apply to ${optimizer} (it takes ${def.hyperparameters.map((s) => '--' + flagName(s.name)).join(', ')})`);
      }
    }
    if (command === 'lr-find') {
      if (values.has('tolerance')) throw new UsageError('--tolerance does not apply to lr-find');
      const minLr = values.has('min') ? parseNumber('min', values.get('min')!) : 1e-7;
      const maxLr = values.has('max') ? parseNumber('max', values.get('max')!) : 10;
      if (!(minLr > 0 && maxLr > minLr)) throw new UsageError(`--min and --max must satisfy 0 < min < max, got ${minLr} and ${maxLr}`);
      if (common.steps < 2) throw new UsageError('--steps: lr-find needs at least 2 steps');
      if ('lr' in common.hyperparameters) throw new UsageError('--lr does not apply to lr-find: the learning rate grows from --min to --max');
      return { ...common, command: 'lr-find', optimizer, minLr, maxLr };
    }
    if (grids.length < 1 || grids.length > 2) throw new UsageError(`sweep needs one or two --grid "NAME=MIN:MAX:log|lin:COUNT" axes, got ${grids.length}`);
    const axes = grids.map((g) => parseGridAxis(g, def.hyperparameters, optimizer));
    if (axes.length === 2 && axes[0]!.name === axes[1]!.name) throw new UsageError(`--grid: both axes are ${axes[0]!.name}`);
    for (const a of axes) if (a.name in common.hyperparameters) throw new UsageError(`--${flagName(a.name)} is also a --grid axis: give one or the other`);
    let exportTo: 'ray-tune' | undefined;
    if (values.has('export')) {
      if (values.get('export') !== 'ray-tune') throw new UsageError(`--export: expected ray-tune, got ${quoteValue(values.get('export')!)}`);
      exportTo = 'ray-tune';
    }
    return { ...common, command: 'sweep', optimizer, axes, tolerance, ...(workers !== undefined ? { workers } : {}), ...(exportTo ? { export: exportTo } : {}) };
  }

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
    const then: SegmentConfig[] = [];
    let prev = 0;
    for (let k = 1; k < scheduleGroups.length; k++) {
      const t = parseThenSpec(scheduleGroups[k]!.then!);
      if (t.fromStep <= prev || t.fromStep >= common.steps) {
        throw new UsageError(`--then ${quoteValue(scheduleGroups[k]!.then!)}: @${t.fromStep} must be after ${prev === 0 ? 'step 0' : `the previous switch (@${prev})`} and before the last step (--steps ${common.steps})`);
      }
      prev = t.fromStep;
      then.push(t);
    }
    const ends = [...then.map((t) => t.fromStep), common.steps];
    const starts = [0, ...then.map((t) => t.fromStep)];
    const schedules = scheduleGroups.map((g, k) =>
      parseScheduleFlags(g.schedules, g.milestones, ends[k]! - starts[k]!, g.then ? ` (for --then ${quoteValue(g.then)})` : ''));
    const withSchedules = then.map((t, k) => (schedules[k + 1] ? { ...t, schedule: schedules[k + 1]! } : t));
    if (values.has('curvature-every') && !switches.has('curvature')) throw new UsageError('--curvature-every needs --curvature');
    const curvature = switches.has('curvature') ? { every: values.has('curvature-every') ? parseInteger('curvature-every', values.get('curvature-every')!, 1) : 1 } : undefined;
    return { ...common, command: 'simulate', optimizer, ...(schedules[0] ? { schedule: schedules[0] } : {}), then: withSchedules, ...(curvature ? { curvature } : {}), ...(switches.has('endpoint') ? { endpoint: true } : {}) };
  }
  if (switches.has('endpoint')) throw new UsageError('--endpoint belongs to "simulate" (compare always reports the end point)');
  if (switches.has('curvature') || values.has('curvature-every')) throw new UsageError('--curvature belongs to "simulate"');
  if (scheduleGroups.length > 1) throw new UsageError('--then belongs to "simulate" (one run that switches optimizer); compare runs each optimizer throughout');

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
  const schedule = parseScheduleFlags(scheduleGroups[0]!.schedules, scheduleGroups[0]!.milestones, common.steps, '');
  let tune: 'lr' | undefined;
  let objective: TuneObjective | undefined;
  if (values.has('tune')) {
    if (values.get('tune') !== 'lr') throw new UsageError(`--tune: expected lr, got ${quoteValue(values.get('tune')!)} (tuning other hyperparameters is not built yet)`);
    tune = 'lr';
    if (schedule) throw new UsageError('--schedule does not apply to compare --tune lr yet: the tuned runs use a constant lr');
    if (common.csv || /\.csv$/i.test(common.out ?? '')) throw new UsageError('--csv does not apply to compare --tune lr: it writes JSON (--json, --out FILE.json)');
    for (const s of specs) if ('lr' in s.hyperparameters) throw new UsageError(`--tune lr searches the learning rate: do not also give lr (${s.label})`);
    const o = values.get('objective') ?? 'final-loss';
    if (o !== 'final-loss' && o !== 'steps' && o !== 'distance') throw new UsageError(`--objective: expected final-loss, steps or distance, got ${quoteValue(o)}`);
    objective = o;
  } else if (values.has('objective') || values.has('workers')) throw new UsageError('--objective and --workers go with --tune lr');
  return { ...common, command: 'compare', runs: specs, tolerance, ...(schedule ? { schedule } : {}), ...(tune ? { tune, objective, ...(workers !== undefined ? { workers } : {}) } : {}) };
}

/** `--grid "lr=1e-4:1:log:48"` → an axis, checked against the optimizer's hyperparameters. */
export function parseGridAxis(text: string, specs: readonly HyperparameterSpec[], optimizer: string): SweepAxis {
  const m = /^\s*([a-z_][a-z0-9_]*(?:\.[01])?)\s*=\s*([^:]+):([^:]+):(log|lin):([^:]+)\s*$/i.exec(text);
  if (!m) throw new UsageError(`--grid: expected NAME=MIN:MAX:log|lin:COUNT (e.g. lr=1e-4:1:log:48), got ${quoteValue(text)}`);
  const axis: SweepAxis = {
    name: hyperName(m[1]!),
    min: parseNumber(`grid ${m[1]} min`, m[2]!),
    max: parseNumber(`grid ${m[1]} max`, m[3]!),
    scale: m[4]!.toLowerCase() as AxisScale,
    count: parseInteger(`grid ${m[1]} count`, m[5]!, 1, 1024),
  };
  const problem = axisProblem(axis, specs, optimizer);
  if (problem) throw new UsageError(`--grid ${quoteValue(text)}: ${problem}`);
  return axis;
}

const RUN_VALUED = new Set(['out', 'timeout', 'memory-budget-mb', 'memory-limit-mb', 'python']);

function parseRunFileArgs(rest: readonly string[]): RunFileArgs {
  const values = new Map<string, string>();
  const files: string[] = [];
  let json = false;
  let csv = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) {
      if (arg.startsWith('-')) throw new UsageError(`unexpected argument ${quoteValue(arg)} (flags look like --name value or --name=value)`);
      files.push(arg);
      continue;
    }
    const name = m[1]!;
    const value = m[2];
    if (name === 'json' || name === 'csv') {
      const on = value === undefined ? true : parseBool(name, value);
      if (name === 'json') json = on;
      else csv = on;
      continue;
    }
    if (!RUN_VALUED.has(name)) throw new UsageError(`unknown flag --${name} for run (it takes FILE.optdiag.json, --json, --csv, --out, --timeout, --memory-budget-mb, --memory-limit-mb, --python; everything else is in the file)`);
    let v = value;
    if (v === undefined) {
      const next = rest[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      v = next;
      i++;
    }
    if (values.has(name)) throw new UsageError(`--${name} given twice`);
    values.set(name, v);
  }
  if (files.length !== 1) throw new UsageError(files.length ? `run takes one run file, got ${files.length}` : 'run needs a run file: optimizer-diagnostics run FILE.optdiag.json [--json] [--out F]');
  if (json && csv) throw new UsageError('--json and --csv both write to stdout: choose one (and --out FILE for a file)');
  const out: RunFileArgs = {
    command: 'run',
    file: files[0]!,
    json,
    csv,
    timeoutMs: values.has('timeout') ? parseInteger('timeout', values.get('timeout')!, 1, MAX_TIMEOUT_MS) : 10_000,
    memoryBudgetMb: values.has('memory-budget-mb')
      ? parseInteger('memory-budget-mb', values.get('memory-budget-mb')!, MIN_MEMORY_BUDGET_MB, MAX_MEMORY_BUDGET_MB)
      : DEFAULT_MEMORY_BUDGET_MB,
    memoryLimitMb: values.has('memory-limit-mb') ? parseInteger('memory-limit-mb', values.get('memory-limit-mb')!, 64, 65536) : DEFAULT_MEMORY_LIMIT_MB,
  };
  if (values.has('out')) {
    const o = values.get('out')!;
    if (o.trim() === '') throw new UsageError('--out needs a file name (got an empty value)');
    out.out = o;
  }
  if (values.has('python')) {
    const py = values.get('python')!;
    if (py.trim() === '') throw new UsageError('--python needs an interpreter path (got an empty value)');
    out.python = py;
  }
  return out;
}

function parseHessianArgs(rest: readonly string[]): HessianArgs {
  const values = new Map<string, string>();
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new UsageError(`unexpected argument ${quoteValue(arg)} (flags look like --name value or --name=value)`);
    const name = m[1]!;
    const value = m[2];
    if (name === 'json') {
      json = value === undefined ? true : parseBool(name, value);
      continue;
    }
    if (!HESSIAN_VALUED.has(name)) throw new UsageError(`unknown flag --${name} for hessian (it takes --loss, --at, --top-k, --json, --gradient, --timeout, --memory-limit-mb, --python)`);
    let v = value;
    if (v === undefined) {
      const next = rest[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      v = next;
      i++;
    }
    if (values.has(name)) throw new UsageError(`--${name} given twice`);
    values.set(name, v);
  }
  const loss = values.get('loss');
  if (!loss) throw new UsageError('--loss is required (a built-in name such as rosenbrock, or a path to a *.loss.ts or *.loss.py file)');
  const out: HessianArgs = {
    command: 'hessian',
    loss,
    json,
    timeoutMs: values.has('timeout') ? parseInteger('timeout', values.get('timeout')!, 1, MAX_TIMEOUT_MS) : 10_000,
    memoryLimitMb: values.has('memory-limit-mb') ? parseInteger('memory-limit-mb', values.get('memory-limit-mb')!, 64, 65536) : DEFAULT_MEMORY_LIMIT_MB,
  };
  if (values.has('at')) out.at = parseList('at', values.get('at')!);
  if (values.has('top-k')) out.topK = parseInteger('top-k', values.get('top-k')!, 1);
  if (values.has('python')) {
    const py = values.get('python')!;
    if (py.trim() === '') throw new UsageError('--python needs an interpreter path (got an empty value)');
    out.python = py;
  }
  if (values.has('gradient')) {
    const g = values.get('gradient')!;
    if (g !== 'auto' && g !== 'autodiff' && g !== 'numeric') throw new UsageError(`--gradient: expected auto, autodiff or numeric, got ${quoteValue(g)}`);
    out.gradientMode = g;
  }
  return out;
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
    '  --loss NAME|PATH                  built-in loss name (see `list`) or a *.loss.ts/.js/.py file',
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
    '  --convention pytorch|tfjs|textbook numerical forms (default pytorch = torch.optim); tfjs = TensorFlow.js 4.22',
    '                                    tf.train.* (sgd, adagrad, rmsprop, adam, adamax, adadelta; tfjs defaults);',
    '                                    textbook = RMSProp g/√(v + ε), Adam m̂/√(v̂ + ε) (sgd, adagrad, rmsprop, adam, adamw, adadelta)',
    "  --dtype float64|float32           storage precision (default float64); float32 rounds every tensor and intermediate",
    "                                    (Math.fround) as tfjs' CPU backend does: needs --convention tfjs",
    '  --python PATH                     interpreter of *.loss.py files (default: $OD_PYTHON, else python3 on PATH)',
    '  --json                            write the full trajectory as JSON to stdout (streamed)',
    '  --csv                             write the per-step CSV to stdout (streamed; compare: one file, a run column)',
    '  --out FILE                        write the JSON document to FILE (FILE.csv: the CSV), atomically',
    '  --curvature                       simulate: add trajectory.curvature (λ_max, λ_min, preconditioned λ_max,',
    '                                    stability threshold, step quality α; README "Curvature and stability")',
    '  --curvature-every K               eigenvalues at every K-th recorded point only (default 1)',
    '  --endpoint                        simulate: add trajectory.endpoint (train/held-out gap, sharpness λ_max(H),',
    '                                    ε-flatness at the last step; README "Generalisation"); compare always has it',
    '  --schedule "CLASS k=v ..."        a torch.optim.lr_scheduler, e.g. "CosineAnnealingLR T_max=200 eta_min=1e-3",',
    '                                    stepped after every optimizer step; lists comma-separated (milestones=50,120).',
    '                                    Several --schedule flags: a ChainedScheduler, or with',
    '  --schedule-milestones M1,...      a SequentialLR switching scheduler at these steps',
    '  --format csv|json                 what --out writes, whatever the file name (default: .csv → CSV, else JSON)',
    '  --export-torch FILE.py            simulate: write the run as a PyTorch script that re-runs it and checks',
    '                                    torch.optim against this trajectory (rtol 1e-9); see README',
    '',
    `Numbers are decimal (no hex/binary/octal); --steps at most ${MAX_STEPS.toLocaleString('en-US')}; --seed an integer in [0, 2^53 − 1].`,
  ];
  if (topic === 'sweep') {
    return [
      'usage: optimizer-diagnostics sweep --loss NAME|PATH --optimizer NAME --steps N --grid "NAME=MIN:MAX:log|lin:COUNT" [--grid ...] [flags]',
      '',
      'Runs one optimizer on a grid of one or two hyperparameters (a pair component as betas.0) and prints, per cell,',
      'the outcome (converged, oscillating, slow, diverging, diverged; defined in README), final and best loss,',
      'steps to tolerance (as compare) and the diverged step. Built-ins step all cells together (batched kernel);',
      'loss files fan out over a pool of loss processes.',
      '--tolerance T        as compare (default 1e-6)',
      '--workers N          loss processes for loss files (default: the core count)',
      '--export ray-tune    print a Ray Tune + torch.optim script for the same grid instead (built-ins)',
      '',
      ...common,
      '',
      'Hyperparameters (fixed for every cell):',
      ...hyperLines,
    ].join('\n');
  }
  if (topic === 'lr-find') {
    return [
      'usage: optimizer-diagnostics lr-find --loss NAME|PATH --optimizer NAME [--min 1e-7] [--max 10] [--steps 100] [flags]',
      '',
      'The learning-rate range test: one run whose lr grows exponentially from --min to --max over --steps steps,',
      'stopped when the smoothed loss (EMA β = 0.98, bias-corrected) exceeds 4× its minimum. Prints the curve and',
      'three suggestions (steepest descent after a 10 % burn-in, valley, minimum ÷ 10; defined in README).',
      '',
      ...common,
    ].join('\n');
  }
  if (topic === 'compare') {
    return [
      'usage: optimizer-diagnostics compare --loss NAME|PATH --steps N --optimizers a,b,c [--run "NAME k=v ..."]... [flags]',
      '',
      'Runs several optimizers on one loss from the same start point and prints a table:',
      'final loss, best loss, steps to tolerance and whether the run diverged.',
      'Hyperparameter flags are shared: each applies to every optimizer that takes it.',
      '--run "sgd lr=0.01 momentum=0.9 nesterov" adds one configured run (repeatable).',
      '--tolerance T   "steps to tolerance" = first step with f − f* ≤ T (f* known) or ‖∇f‖₂ ≤ T (default 1e-6)',
      '--tune lr       tune each optimizer\'s lr first, with the same number of runs each: a log grid 1e-5…10 (three',
      '                points per decade), then golden-section search in log lr; prints the tuned lr and the sensitivity curve',
      '--objective O   what --tune minimises: final-loss (default), steps (steps to tolerance), distance',
      '                (final distance to the known minimum + mean loss along the path)',
      '--workers N     parallel loss processes for --tune on a loss file (default: the core count)',
      '--schedule applies the same schedule to every run.',
      '',
      ...common,
      '',
      'Hyperparameters:',
      ...hyperLines,
    ].join('\n');
  }
  if (topic === 'hessian') {
    return [
      'usage: optimizer-diagnostics hessian --loss NAME|PATH [--at V1,V2,...] [--top-k K] [--json]',
      '',
      'Prints the loss, the gradient, the Hessian (n ≤ 2,000) and all its eigenvalues (ascending) at a point,',
      'and how the second derivatives were computed: analytic (built-ins), autodiff (exact Hessian-vector',
      'products of the loss code) or numeric (central differences of the gradient, Richardson-extrapolated).',
      '  --at=V1,V2,...      the point, flattened in declaration order (default: the start point)',
      '  --top-k K           Lanczos: the K largest and K smallest eigenvalues only (any n)',
      '  --json              {"loss", "gradient": [...], "hessian": [[...]], "eigenvalues": [...], "method"}',
      '  --gradient auto|autodiff|numeric, --timeout MS, --memory-limit-mb MB, --python PATH   as for simulate',
      'A *.loss.py that imports torch: autodiff is torch double backward (torch.autograd.grad with create_graph).',
    ].join('\n');
  }
  if (topic === 'run') {
    return [
      'usage: optimizer-diagnostics run FILE.optdiag.json [--json|--csv] [--out FILE] [--timeout MS] [--memory-budget-mb MB] [--memory-limit-mb MB] [--python PATH]',
      '',
      'Runs exactly what a run file (README "Run files") says: its loss (a built-in, or a loss file relative to the',
      'run file), start point, steps, seed, batch size, gradient noise, convention, dtype and runs (optimizer,',
      'hyperparameters, schedule, switches). One run prints what simulate prints, several what compare prints',
      '(--json/--csv/--out as there). A malformed file is one line naming the field (exit 2).',
    ].join('\n');
  }
  if (topic === 'schedule' || topic === 'schedules') return scheduleHelp();
  return [
    'usage: optimizer-diagnostics <command> [flags]',
    '',
    'commands:',
    '  simulate   run one optimizer on a loss and print (or --json) its trajectory and diagnostics',
    '  compare    run several optimizers on one loss and print a comparison table (--tune lr: tuned first)',
    '  sweep      a stability map: one optimizer over a grid of one or two hyperparameters',
    '  lr-find    the learning-rate range test, with suggested learning rates',
    '  hessian    the Hessian and its eigenvalues at a point (help hessian)',
    '  run        run a *.optdiag.json run file (help run)',
    '  list       list the optimizers and built-in losses',
    '  help [compare|sweep|lr-find|hessian|run|schedule]',
    '',
    'usage: optimizer-diagnostics simulate --loss NAME|PATH --optimizer NAME --steps N [flags]',
    '',
    ...common,
    '  --then "NAME k=v ... @STEP"       after STEP steps a new optimizer takes over the parameters with fresh',
    '                                    state (repeatable); --schedule flags after a --then are its schedule',
    '',
    'Schedules: optimizer-diagnostics help schedule lists the classes and their keywords.',
    '',
    'Hyperparameters (PyTorch names with - for _; every valued flag also takes --name=value):',
    ...hyperLines,
  ].join('\n');
}

/** `help schedule`: every scheduler class with its keywords and torch's defaults (from the schedule schema). */
export function scheduleHelp(): string {
  const val = (v: unknown) => (v === null ? 'None' : Array.isArray(v) ? v.join(',') : typeof v === 'number' && v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v));
  const lines = [
    'usage: --schedule "CLASS key=value ..." (torch.optim.lr_scheduler names and keywords; torch 1.13 semantics)',
    'The schedule is constructed before the first step (setting its lr) and stepped after every optimizer step;',
    'ReduceLROnPlateau is stepped with the loss that step used. Several --schedule flags make a ChainedScheduler,',
    'or a SequentialLR with --schedule-milestones M1,... (one fewer than schedulers). Lists are comma-separated.',
    '',
  ];
  for (const c of Object.values(SCHEDULE_CLASSES)) {
    lines.push(`${c.name}: ${c.summary}`);
    for (const p of c.params) {
      const kind = p.kind === 'choice' ? p.choices!.join('|') : p.kind === 'integers' ? 'N1,N2,...' : p.kind === 'boolean' ? 'true|false' : p.kind === 'integer' ? 'N' : 'X';
      lines.push(`  ${`${p.name}=${kind}`.padEnd(34)}${p.description}${p.required ? ' (required)' : ` (default ${val(p.default)})`}`);
    }
  }
  return lines.join('\n');
}
