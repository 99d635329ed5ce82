// Run files (`*.optdiag.json`, README "Run files"): everything a panel needs to reproduce what it shows,
// as a versioned JSON document. Pure (no vscode, DOM or Node): the parser/validator, the writer and the
// JSON Schema (media/optdiag.schema.json is this module's `runFileSchema()`, checked by a unit test).
//
// Errors are one line, located by the JSON path of the offending field (`runs[1].then[0].fromStep: …`).

import { BUILTIN_LOSSES } from '../core/losses/builtins';
import { OPTIMIZERS } from '../core/optimizers/registry';
import { HyperparameterError, type HyperValue, type OptimizerName } from '../core/types';
import { SCHEDULE_CLASSES, ScheduleError, type ScheduleClassName, type ScheduleConfig, type ScheduleValue, type SchedulerConfig } from '../core/schedules/schema';
import { checkSchedule } from '../core/schedules/schedulers';
import { createScheduledOptimizer, type SegmentConfig } from '../core/schedules/run';
import { getConvention } from '../core/optimizers/common';
import { CHART_IDS, CONVENTION_CHOICES, DTYPE_CHOICES, LIMITS, type RunSpec, type SessionConfig, type ViewSection } from './messages';
import type { LossRef } from './simulation';

/** The run-file format this build reads and writes. */
export const RUN_FILE_VERSION = 1;

/** What a run file holds: the panel's configuration plus what the panel shows of it. */
export interface RunFile {
  /** `loss.kind === 'file'`: the path as written, relative to the run file ('/'-separated). */
  readonly config: SessionConfig;
  /** Start point, flattened in declaration order (absent: the loss's own). */
  readonly start?: readonly number[];
  /** σ of Gaussian noise added to every gradient component (absent: none). */
  readonly gradientNoise?: number;
  /** The panel's selected step and the section it shows. */
  readonly view?: { readonly step?: number; readonly section?: ViewSection };
}

/** A malformed run file: `message` is one line, starting with the JSON path of the offending field. */
export class RunFileError extends Error {
  override readonly name = 'RunFileError';
  constructor(readonly path: string, detail: string) {
    super(path ? `${path}: ${detail}` : detail);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  const s = v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
};
const fail = (path: string, detail: string): never => {
  throw new RunFileError(path, detail);
};
const SECTIONS: readonly ViewSection[] = CHART_IDS as readonly ViewSection[];
const TOP_FIELDS = ['$schema', 'version', 'loss', 'start', 'steps', 'seed', 'batchSize', 'gradientNoise', 'convention', 'dtype', 'runs', 'view'];

function checkFields(v: Obj, path: string, allowed: readonly string[]): void {
  for (const k of Object.keys(v)) if (!allowed.includes(k)) fail(path ? `${path}.${k}` : k, `unknown field (${path || 'a run file'} takes ${allowed.filter((a) => a !== '$schema').join(', ')})`);
}

function int(v: unknown, path: string, min: number, max: number): number {
  if (!(Number.isInteger(v) && (v as number) >= min && (v as number) <= max)) fail(path, `expected a whole number from ${min} to ${max.toLocaleString('en-US')}, got ${show(v)}`);
  return v as number;
}

function finite(v: unknown, path: string): number {
  if (!(typeof v === 'number' && Number.isFinite(v))) fail(path, `expected a number, got ${show(v)}`);
  return v as number;
}

function parseLoss(v: unknown): LossRef {
  if (!isObj(v)) return fail('loss', `expected {"builtin": NAME} or {"file": "relative/path.loss.ts"}, got ${show(v)}`);
  checkFields(v, 'loss', ['builtin', 'file']);
  if ('builtin' in v === 'file' in v) return fail('loss', 'give exactly one of "builtin" and "file"');
  if ('builtin' in v) {
    const n = v['builtin'];
    if (typeof n !== 'string' || !Object.hasOwn(BUILTIN_LOSSES, n)) fail('loss.builtin', `unknown built-in loss ${show(n)} (built-ins: ${Object.keys(BUILTIN_LOSSES).join(', ')})`);
    return { kind: 'builtin', name: n as string };
  }
  const p = v['file'];
  if (typeof p !== 'string' || p.trim() === '' || p.length > LIMITS.maxPathLength) return fail('loss.file', `expected a path relative to the run file, got ${show(p)}`);
  if (/^([/\\]|[A-Za-z]:)/.test(p)) fail('loss.file', `must be relative to the run file (so the file can be committed), got ${show(p)}`);
  return { kind: 'file', path: p.replace(/\\/g, '/') };
}

function parseHyper(v: unknown, path: string, optimizer: OptimizerName, convention: string): Record<string, HyperValue> {
  const def = OPTIMIZERS[optimizer];
  const out: Record<string, HyperValue> = {};
  for (const s of def.hyperparameters) out[s.name] = s.default;
  if (convention !== 'pytorch') Object.assign(out, def.conventions[convention as keyof typeof def.conventions]?.defaults ?? {});
  if (v === undefined) return out;
  if (!isObj(v)) return fail(path, `expected an object of hyperparameters, got ${show(v)}`);
  for (const [k, raw] of Object.entries(v)) {
    const spec = def.hyperparameters.find((s) => s.name === k);
    if (!spec) fail(`${path}.${k}`, `${optimizer} has no hyperparameter "${k}" (it takes ${def.hyperparameters.map((s) => s.name).join(', ')})`);
    const ok = spec!.kind === 'boolean' ? typeof raw === 'boolean' : spec!.kind === 'pair'
      ? Array.isArray(raw) && raw.length === 2 && raw.every((x) => typeof x === 'number' && Number.isFinite(x))
      : typeof raw === 'number' && Number.isFinite(raw);
    if (!ok) fail(`${path}.${k}`, `expected ${spec!.kind === 'boolean' ? 'true or false' : spec!.kind === 'pair' ? 'two numbers [a, b]' : 'a number'}, got ${show(raw)}`);
    out[k] = Array.isArray(raw) ? ([raw[0], raw[1]] as const) : (raw as HyperValue);
  }
  return out;
}

function parseOptimizer(v: unknown, path: string): OptimizerName {
  if (typeof v !== 'string' || !Object.hasOwn(OPTIMIZERS, v)) fail(path, `unknown optimizer ${show(v)} (one of ${Object.keys(OPTIMIZERS).join(', ')})`);
  return v as OptimizerName;
}

function parseSchedule(v: unknown, path: string): ScheduleConfig {
  if (!isObj(v)) return fail(path, `expected {"schedulers": [{"name": CLASS, "args": {...}}], "milestones"?: [...]}, got ${show(v)}`);
  checkFields(v, path, ['schedulers', 'milestones']);
  const list = v['schedulers'];
  if (!Array.isArray(list) || list.length < 1 || list.length > 8) fail(`${path}.schedulers`, `expected 1 to 8 schedulers, got ${show(list)}`);
  const schedulers: SchedulerConfig[] = (list as unknown[]).map((s, k) => {
    const p = `${path}.schedulers[${k}]`;
    if (!isObj(s)) return fail(p, `expected {"name": CLASS, "args": {...}}, got ${show(s)}`);
    checkFields(s, p, ['name', 'args']);
    const name = s['name'];
    if (typeof name !== 'string' || !Object.hasOwn(SCHEDULE_CLASSES, name)) fail(`${p}.name`, `unknown scheduler ${show(name)} (one of ${Object.keys(SCHEDULE_CLASSES).join(', ')})`);
    const spec = SCHEDULE_CLASSES[name as ScheduleClassName];
    const argsIn = s['args'] ?? {};
    if (!isObj(argsIn)) fail(`${p}.args`, `expected an object of keywords, got ${show(argsIn)}`);
    const args: Record<string, ScheduleValue> = {};
    for (const [k2, raw] of Object.entries(argsIn as Obj)) {
      if (!spec.params.some((q) => q.name === k2)) fail(`${p}.args.${k2}`, `${name} has no keyword "${k2}" (it takes ${spec.params.map((q) => q.name).join(', ')})`);
      const ok = raw === null || typeof raw === 'boolean' || typeof raw === 'string' || (typeof raw === 'number' && Number.isFinite(raw)) || (Array.isArray(raw) && raw.every((x) => typeof x === 'number' && Number.isFinite(x)));
      if (!ok) fail(`${p}.args.${k2}`, `expected a number, boolean, string, null or list of numbers, got ${show(raw)}`);
      args[k2] = Array.isArray(raw) ? [...(raw as number[])] : (raw as ScheduleValue);
    }
    return { name: name as ScheduleClassName, args };
  });
  const ms = v['milestones'];
  if (ms === undefined) return { schedulers };
  if (!Array.isArray(ms)) return fail(`${path}.milestones`, `expected a list of steps, got ${show(ms)}`);
  return { schedulers, milestones: ms.map((m, k) => int(m, `${path}.milestones[${k}]`, 0, LIMITS.maxSteps)) };
}

/** The core's checks of one optimizer (and its schedule over `len` steps), located at `path`. */
function coreCheck(optimizer: OptimizerName, hp: Readonly<Record<string, HyperValue>>, schedule: ScheduleConfig | undefined, len: number, path: string, convention: string, dtype: string): void {
  try {
    createScheduledOptimizer(optimizer, hp, schedule, { convention: getConvention(convention as never), dtype: dtype as never });
    if (schedule) checkSchedule(schedule, len);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (e instanceof HyperparameterError) fail(`${path}.hyperparameters.${e.parameter}`, msg);
    if (e instanceof ScheduleError) fail(`${path}.schedule`, msg);
    fail(path, msg);
  }
}

function parseRun(v: unknown, k: number, steps: number, convention: string, dtype: string): RunSpec {
  const path = `runs[${k}]`;
  if (!isObj(v)) return fail(path, `expected {"optimizer": NAME, "hyperparameters": {...}}, got ${show(v)}`);
  checkFields(v, path, ['id', 'optimizer', 'hyperparameters', 'schedule', 'then']);
  const idIn: unknown = v['id'] ?? `run${k + 1}`;
  if (!(typeof idIn === 'string' && /^[\w.:-]{1,64}$/.test(idIn))) fail(`${path}.id`, `expected 1 to 64 letters, digits, _ . : or -, got ${show(idIn)}`);
  const id = idIn as string;
  const optimizer = parseOptimizer(v['optimizer'], `${path}.optimizer`);
  const hyperparameters = parseHyper(v['hyperparameters'], `${path}.hyperparameters`, optimizer, convention);
  const schedule = v['schedule'] === undefined ? undefined : parseSchedule(v['schedule'], `${path}.schedule`);
  let then: SegmentConfig[] | undefined;
  if (v['then'] !== undefined) {
    if (!Array.isArray(v['then']) || v['then'].length > 8) fail(`${path}.then`, `expected a list of at most 8 switches, got ${show(v['then'])}`);
    let prev = 0;
    then = (v['then'] as unknown[]).map((s, j) => {
      const p = `${path}.then[${j}]`;
      if (!isObj(s)) return fail(p, `expected {"optimizer": NAME, "fromStep": K, "hyperparameters"?: {...}}, got ${show(s)}`);
      checkFields(s, p, ['optimizer', 'fromStep', 'hyperparameters', 'schedule']);
      const opt = parseOptimizer(s['optimizer'], `${p}.optimizer`);
      const fromStep = int(s['fromStep'], `${p}.fromStep`, 1, LIMITS.maxSteps);
      if (fromStep <= prev || fromStep >= steps) fail(`${p}.fromStep`, `must be after ${prev === 0 ? 'step 0' : `the previous switch (${prev})`} and before the last step (steps ${steps}), got ${fromStep}`);
      prev = fromStep;
      const hp = parseHyper(s['hyperparameters'], `${p}.hyperparameters`, opt, convention);
      const sch = s['schedule'] === undefined ? undefined : parseSchedule(s['schedule'], `${p}.schedule`);
      return { optimizer: opt, hyperparameters: hp, fromStep, ...(sch ? { schedule: sch } : {}) };
    });
    if (then.length === 0) then = undefined;
  }
  const ends = [...(then ?? []).map((t) => t.fromStep), steps];
  coreCheck(optimizer, hyperparameters, schedule, ends[0]!, path, convention, dtype);
  (then ?? []).forEach((t, j) => coreCheck(t.optimizer, t.hyperparameters, t.schedule, ends[j + 1]! - t.fromStep, `${path}.then[${j}]`, convention, dtype));
  return { id, optimizer, hyperparameters, ...(schedule ? { schedule } : {}), ...(then ? { then } : {}) };
}

/**
 * Offset of the first JSON syntax error in `text` (JSON.parse's messages name no position in newer V8s),
 * found by a small recursive-descent scan of the grammar.
 */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const bad = (): never => {
    throw i;
  };
  const lit = (w: string) => (text.startsWith(w, i) ? void (i += w.length) : bad());
  const str = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) bad();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) bad();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) bad();
      }
      i++;
    }
    if (i >= text.length) bad();
    i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') bad();
        str();
        ws();
        lit(':');
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else bad();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else bad();
      }
    }
    if (c === '"') return str();
    if (c === 't') return lit('true');
    if (c === 'f') return lit('false');
    if (c === 'n') return lit('null');
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') bad();
    i += m![0].length;
  };
  try {
    value();
    ws();
    return i < text.length ? i : text.length;
  } catch (at) {
    return typeof at === 'number' ? at : 0;
  }
}

/** A JSON.parse failure as one line: where (line and column) and what. */
function jsonErrorLine(text: string, e: unknown): string {
  const msg = (e instanceof Error ? e.message : String(e)).replace(/\r?\n/g, '\\n');
  const at = jsonErrorOffset(text);
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const col = at - (before.lastIndexOf('\n') + 1) + 1;
  const found = at < text.length ? `unexpected ${JSON.stringify(text[at])}` : 'unexpected end of file';
  return `not valid JSON at line ${line} column ${col}: ${found} (${msg.length > 120 ? msg.slice(0, 120) + '…' : msg})`;
}

/** Parses and validates a run file's text (throws RunFileError: one located line). */
export function parseRunFile(text: string): RunFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return fail('', jsonErrorLine(text, e));
  }
  return parseRunFileValue(v);
}

/** Validates an already-parsed run file. */
export function parseRunFileValue(v: unknown): RunFile {
  if (!isObj(v)) return fail('', `a run file is a JSON object with "version": ${RUN_FILE_VERSION}, got ${show(v)}`);
  const version = v['version'];
  if (version === undefined) fail('version', `required (this build reads version ${RUN_FILE_VERSION})`);
  if (typeof version === 'number' && Number.isInteger(version) && version > RUN_FILE_VERSION) {
    fail('version', `this file is version ${version}, newer than this build of Optimizer Diagnostics reads (version ${RUN_FILE_VERSION}): update the extension / CLI`);
  }
  if (version !== RUN_FILE_VERSION) fail('version', `expected ${RUN_FILE_VERSION}, got ${show(version)}`);
  checkFields(v, '', TOP_FIELDS);
  const loss = parseLoss(v['loss']);
  const steps = int(v['steps'], 'steps', 1, LIMITS.maxSteps);
  const seed = v['seed'] === undefined ? 0 : int(v['seed'], 'seed', 0, Number.MAX_SAFE_INTEGER);
  const batchSize = v['batchSize'] === undefined ? undefined : int(v['batchSize'], 'batchSize', 1, Number.MAX_SAFE_INTEGER);
  const c = v['convention'] ?? 'pytorch';
  if (!(CONVENTION_CHOICES as readonly unknown[]).includes(c)) fail('convention', `expected ${CONVENTION_CHOICES.join(', ')}, got ${show(c)}`);
  const d = v['dtype'] ?? 'float64';
  if (!(DTYPE_CHOICES as readonly unknown[]).includes(d)) fail('dtype', `expected ${DTYPE_CHOICES.join(', ')}, got ${show(d)}`);
  let start: number[] | undefined;
  if (v['start'] !== undefined) {
    if (!Array.isArray(v['start']) || v['start'].length === 0) fail('start', `expected a non-empty list of numbers, got ${show(v['start'])}`);
    start = (v['start'] as unknown[]).map((x, k) => finite(x, `start[${k}]`));
  }
  let gradientNoise: number | undefined;
  if (v['gradientNoise'] !== undefined) {
    gradientNoise = finite(v['gradientNoise'], 'gradientNoise');
    if (gradientNoise < 0) fail('gradientNoise', `the standard deviation must be >= 0, got ${gradientNoise}`);
  }
  const runsIn = v['runs'];
  if (!Array.isArray(runsIn) || runsIn.length < 1 || runsIn.length > LIMITS.maxRuns) fail('runs', `expected a list of 1 to ${LIMITS.maxRuns} runs, got ${show(runsIn)}`);
  const runs = (runsIn as unknown[]).map((r, k) => parseRun(r, k, steps, c as string, d as string));
  const ids = new Set<string>();
  runs.forEach((r, k) => {
    if (ids.has(r.id)) fail(`runs[${k}].id`, `${show(r.id)} is used by an earlier run: ids must be unique`);
    ids.add(r.id);
  });
  let view: RunFile['view'];
  if (v['view'] !== undefined) {
    const w = v['view'];
    if (!isObj(w)) fail('view', `expected {"step"?: K, "section"?: NAME}, got ${show(w)}`);
    checkFields(w as Obj, 'view', ['step', 'section']);
    const step = (w as Obj)['step'] === undefined ? undefined : int((w as Obj)['step'], 'view.step', 0, steps);
    const section = (w as Obj)['section'];
    if (section !== undefined && !(SECTIONS as readonly unknown[]).includes(section)) fail('view.section', `expected ${SECTIONS.join(', ')}, got ${show(section)}`);
    view = { ...(step !== undefined ? { step } : {}), ...(section !== undefined ? { section: section as ViewSection } : {}) };
  }
  const config: SessionConfig = {
    loss, runs, steps, seed,
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(c !== 'pytorch' ? { convention: c as SessionConfig['convention'] } : {}),
    ...(d !== 'float64' ? { dtype: d as SessionConfig['dtype'] } : {}),
  };
  return { config, ...(start ? { start } : {}), ...(gradientNoise !== undefined ? { gradientNoise } : {}), ...(view ? { view } : {}) };
}

/** The schema URI a written file points at (the extension contributes it for `*.optdiag.json` too). */
export const RUN_FILE_SCHEMA_ID = 'https://optimizer-diagnostics.invalid/optdiag.schema.json';

/** The run file's text (2-space JSON, a trailing newline); `parseRunFile` of it gives `file` back. */
export function writeRunFile(file: RunFile): string {
  const c = file.config;
  const sched = (s: ScheduleConfig) => ({ schedulers: s.schedulers.map((x) => ({ name: x.name, args: x.args })), ...(s.milestones ? { milestones: s.milestones } : {}) });
  const doc = {
    version: RUN_FILE_VERSION,
    loss: c.loss.kind === 'builtin' ? { builtin: c.loss.name } : { file: c.loss.path },
    ...(file.start ? { start: file.start } : {}),
    steps: c.steps,
    seed: c.seed,
    ...(c.batchSize !== undefined ? { batchSize: c.batchSize } : {}),
    ...(file.gradientNoise !== undefined ? { gradientNoise: file.gradientNoise } : {}),
    ...(c.convention && c.convention !== 'pytorch' ? { convention: c.convention } : {}),
    ...(c.dtype && c.dtype !== 'float64' ? { dtype: c.dtype } : {}),
    runs: c.runs.map((r) => ({
      id: r.id,
      optimizer: r.optimizer,
      hyperparameters: r.hyperparameters,
      ...(r.schedule ? { schedule: sched(r.schedule) } : {}),
      ...(r.then?.length ? { then: r.then.map((t) => ({ optimizer: t.optimizer, fromStep: t.fromStep, hyperparameters: t.hyperparameters, ...(t.schedule ? { schedule: sched(t.schedule) } : {}) })) } : {}),
    })),
    ...(file.view && (file.view.step !== undefined || file.view.section !== undefined) ? { view: file.view } : {}),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/**
 * The JSON Schema (draft-07) of a run file, built from the registries (optimizer names, hyperparameter
 * names and kinds, scheduler classes and keywords, conventions, dtypes, sections). media/optdiag.schema.json
 * is exactly this (`node scripts/write-run-file-schema.mjs` rewrites it; a unit test compares them).
 * The schema checks shapes and names for the editor; ranges and cross-field rules are the parser's.
 */
export function runFileSchema(): Record<string, unknown> {
  const hyperNames = [...new Set(Object.values(OPTIMIZERS).flatMap((d) => d.hyperparameters.map((h) => h.name)))].sort();
  const num = { type: 'number' };
  const hyperValue = { anyOf: [num, { type: 'boolean' }, { type: 'array', items: num, minItems: 2, maxItems: 2 }] };
  const hyper = {
    type: 'object',
    description: 'PyTorch keyword → value (defaults: torch.optim\'s, or the convention\'s).',
    propertyNames: { enum: hyperNames },
    additionalProperties: hyperValue,
  };
  const scheduleArgNames = [...new Set(Object.values(SCHEDULE_CLASSES).flatMap((c) => c.params.map((p) => p.name)))].sort();
  const schedule = {
    type: 'object',
    description: 'A torch.optim.lr_scheduler: one scheduler, several = ChainedScheduler, several with milestones = SequentialLR.',
    required: ['schedulers'],
    additionalProperties: false,
    properties: {
      schedulers: {
        type: 'array', minItems: 1, maxItems: 8,
        items: {
          type: 'object', required: ['name'], additionalProperties: false,
          properties: {
            name: { enum: Object.keys(SCHEDULE_CLASSES) },
            args: { type: 'object', propertyNames: { enum: scheduleArgNames }, additionalProperties: { anyOf: [num, { type: 'boolean' }, { type: 'string' }, { type: 'null' }, { type: 'array', items: num }] } },
          },
        },
      },
      milestones: { type: 'array', items: { type: 'integer', minimum: 0 } },
    },
  };
  const optimizer = { enum: Object.keys(OPTIMIZERS) };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: RUN_FILE_SCHEMA_ID,
    title: 'Optimizer Diagnostics run file (*.optdiag.json)',
    type: 'object',
    required: ['version', 'loss', 'steps', 'runs'],
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      version: { const: RUN_FILE_VERSION, description: 'Run-file format version.' },
      loss: {
        description: 'A built-in loss, or a loss file relative to this run file.',
        oneOf: [
          { type: 'object', required: ['builtin'], additionalProperties: false, properties: { builtin: { enum: Object.keys(BUILTIN_LOSSES) } } },
          { type: 'object', required: ['file'], additionalProperties: false, properties: { file: { type: 'string', minLength: 1 } } },
        ],
      },
      start: { type: 'array', minItems: 1, items: num, description: 'Start point, flattened in declaration order.' },
      steps: { type: 'integer', minimum: 1, maximum: LIMITS.maxSteps },
      seed: { type: 'integer', minimum: 0 },
      batchSize: { type: 'integer', minimum: 1 },
      gradientNoise: { type: 'number', minimum: 0, description: 'σ of Gaussian noise added to every gradient component.' },
      convention: { enum: [...CONVENTION_CHOICES] },
      dtype: { enum: [...DTYPE_CHOICES] },
      runs: {
        type: 'array', minItems: 1, maxItems: LIMITS.maxRuns,
        items: {
          type: 'object', required: ['optimizer'], additionalProperties: false,
          properties: {
            id: { type: 'string', pattern: '^[\\w.:-]{1,64}$' },
            optimizer,
            hyperparameters: hyper,
            schedule,
            then: {
              type: 'array', maxItems: 8,
              items: {
                type: 'object', required: ['optimizer', 'fromStep'], additionalProperties: false,
                properties: { optimizer, fromStep: { type: 'integer', minimum: 1 }, hyperparameters: hyper, schedule },
              },
            },
          },
        },
      },
      view: {
        type: 'object', additionalProperties: false,
        properties: { step: { type: 'integer', minimum: 0 }, section: { enum: [...SECTIONS] } },
      },
    },
  };
}
