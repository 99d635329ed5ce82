// Learning-rate schedules (torch.optim.lr_scheduler): the schema, the text form shared by the CLI's
// `--schedule` and the panel, and the schedulers themselves.

export * from './schema';
export { checkSchedule, createScheduler, paramGroup, previewSchedule, resolveScheduler, type ParamGroup, type Scheduler } from './schedulers';
import { SCHEDULE_CLASSES, ScheduleError, type ScheduleClassName, type ScheduleParamSpec, type SchedulerConfig, type ScheduleValue } from './schema';

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseNum(cls: string, p: ScheduleParamSpec, text: string): number {
  const t = text.trim();
  const v = DECIMAL.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(v)) throw new ScheduleError(`${cls}: invalid ${p.name}: expected a number, got ${JSON.stringify(text)}`);
  if (p.kind === 'integer' && !Number.isSafeInteger(v)) throw new ScheduleError(`${cls}: invalid ${p.name}: expected an integer, got ${JSON.stringify(text)}`);
  return v;
}

/** One keyword's value from text, by its schema kind (`None` for optional ones; lists comma-separated). */
export function parseScheduleValue(cls: string, p: ScheduleParamSpec, text: string): ScheduleValue {
  if (p.optional && (text === 'None' || text === 'none' || text === 'null')) return null;
  switch (p.kind) {
    case 'boolean':
      if (text === 'true' || text === 'True' || text === '1') return true;
      if (text === 'false' || text === 'False' || text === '0') return false;
      throw new ScheduleError(`${cls}: invalid ${p.name}: expected true or false, got ${JSON.stringify(text)}`);
    case 'choice':
      if (!p.choices!.includes(text)) throw new ScheduleError(`${cls}: invalid ${p.name}: expected one of ${p.choices!.join(', ')}, got ${JSON.stringify(text)}`);
      return text;
    case 'integers': {
      const parts = text.replace(/[[\]()\s]/g, '').split(',');
      if (parts.length === 0 || parts.some((x) => x === '')) throw new ScheduleError(`${cls}: invalid ${p.name}: expected comma-separated integers such as 50,120, got ${JSON.stringify(text)}`);
      return Object.freeze(parts.map((x) => parseNum(cls, { ...p, kind: 'integer' }, x)));
    }
    default:
      return parseNum(cls, p, text);
  }
}

/** `CosineAnnealingLR T_max=200 eta_min=1e-3` → a SchedulerConfig (class and keywords checked). */
export function parseSchedulerSpec(text: string): SchedulerConfig {
  const parts = text.trim().split(/\s+/).filter(Boolean);
  const cls = parts[0];
  if (!cls) throw new ScheduleError('expected "ClassName key=value ..." such as "CosineAnnealingLR T_max=200 eta_min=1e-3"');
  const bare = cls.replace(/^(torch\.optim\.)?(lr_scheduler\.)?/, '');
  const spec = Object.hasOwn(SCHEDULE_CLASSES, bare) ? SCHEDULE_CLASSES[bare as ScheduleClassName] : undefined;
  if (!spec) throw new ScheduleError(`unknown schedule class ${JSON.stringify(cls)} (torch.optim.lr_scheduler: ${Object.keys(SCHEDULE_CLASSES).join(', ')})`);
  const args: Record<string, ScheduleValue> = {};
  for (const kv of parts.slice(1)) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new ScheduleError(`${spec.name}: expected key=value, got ${JSON.stringify(kv)}`);
    const key = kv.slice(0, eq);
    const p = spec.params.find((q) => q.name === key);
    if (!p) throw new ScheduleError(`${spec.name}: unknown keyword ${JSON.stringify(key)} (it takes ${spec.params.map((q) => q.name).join(', ')})`);
    if (Object.hasOwn(args, key)) throw new ScheduleError(`${spec.name}: ${key} given twice`);
    args[key] = parseScheduleValue(spec.name, p, kv.slice(eq + 1));
  }
  return { name: spec.name, args };
}

/** The text form of a scheduler (what parseSchedulerSpec reads), keywords as given. */
export function formatSchedulerSpec(cfg: SchedulerConfig): string {
  const kv = Object.entries(cfg.args).map(([k, v]) => `${k}=${v === null ? 'None' : Array.isArray(v) ? v.join(',') : String(v)}`);
  return [cfg.name, ...kv].join(' ');
}
export { createScheduledOptimizer, createSegments, type SegmentConfig } from './run';
