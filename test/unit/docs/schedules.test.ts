// The README's schedule table is generated from the schedule schema (names, keywords, defaults), so the docs
// cannot drift from the code. `UPDATE_README=1` rewrites the block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEDULE_CLASSES, type ScheduleValue } from '../../../src/core';
import { repoRoot } from '../helpers/reference';

const BEGIN = '<!-- BEGIN GENERATED: schedules (test/unit/docs/schedules.test.ts) -->';
const END = '<!-- END GENERATED: schedules -->';

const show = (v: ScheduleValue | undefined) => (v === undefined ? '*required*' : v === null ? 'None' : Array.isArray(v) ? v.join(',') : String(v));

export function scheduleDocs(): string {
  const out = ['| class (torch.optim.lr_scheduler) | what it does | keywords (default) |', '|---|---|---|'];
  for (const c of Object.values(SCHEDULE_CLASSES)) {
    const kws = c.params.map((p) => `\`${p.name}\`=${show(p.default)}`).join(', ');
    out.push(`| \`${c.name}\` | ${c.summary.replace(/\|/g, '\\|')} | ${kws} |`);
  }
  out.push('| `ChainedScheduler` | several `--schedule` flags: each steps after every step | — |');
  out.push('| `SequentialLR` | several `--schedule` flags with `--schedule-milestones`: one after the other | `milestones` |');
  return out.join('\n');
}

test('README: the schedule table is the schema', () => {
  const path = join(repoRoot(), 'README.md');
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  assert.ok(a >= 0 && b > a, 'README has the generated schedules block');
  const want = `${BEGIN}\n${scheduleDocs()}\n${END}`;
  const got = text.slice(a, b + END.length);
  if (process.env['UPDATE_README'] === '1' && got !== want) writeFileSync(path, text.slice(0, a) + want + text.slice(b + END.length));
  else assert.equal(got, want, 'run UPDATE_README=1 to regenerate');
});
