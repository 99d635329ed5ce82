// The README's optimizer reference is generated from the registry (equations, defaults, effective-LR
// definitions), so the docs cannot drift from the code. `UPDATE_README=1 npm test` rewrites the block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPTIMIZERS, BUILTIN_LOSSES, type HyperValue } from '../../../src/core';
import { repoRoot } from '../helpers/reference';

const BEGIN = '<!-- BEGIN GENERATED: optimizers (test/unit/docs/readme.test.ts) -->';
const END = '<!-- END GENERATED: optimizers -->';
const BEGIN_L = '<!-- BEGIN GENERATED: losses (test/unit/docs/readme.test.ts) -->';
const END_L = '<!-- END GENERATED: losses -->';

const show = (v: HyperValue) => (Array.isArray(v) ? `(${v.join(', ')})` : String(v));

export function optimizerDocs(): string {
  const out: string[] = [];
  out.push('| name | optimizer | PyTorch | state (PyTorch names) |', '|---|---|---|---|');
  for (const d of Object.values(OPTIMIZERS)) {
    out.push(`| \`${d.name}\` | ${d.label} | ${d.torchName.startsWith('torch') ? `\`${d.torchName}\`` : d.torchName} | ${[...d.stateNames.map((s) => `\`${s}\``), ...d.scalarStateNames.map((s) => `\`${s}\` (scalar)`)].join(', ') || '—'} |`);
  }
  for (const d of Object.values(OPTIMIZERS)) {
    out.push('', `#### \`${d.name}\` — ${d.label}`, '');
    out.push('```text', d.equations, '```', '');
    out.push(`Effective learning rate: ${d.effectiveLrDefinition}`, '');
    out.push('| hyperparameter | default | meaning |', '|---|---|---|');
    for (const h of d.hyperparameters) out.push(`| \`${h.name}\` | ${show(h.default)} | ${h.description.replace(/\|/g, '\\|')} |`);
  }
  return out.join('\n');
}

export function lossDocs(): string {
  const out = ['| name | formula | start | minima | what it shows |', '|---|---|---|---|---|'];
  for (const b of Object.values(BUILTIN_LOSSES)) {
    const minima = b.minima.length ? b.minima.map((m) => `(${+m.x.toFixed(4)}, ${+m.y.toFixed(4)})${m.label ? ` ${m.label}` : ''}`).join(', ') : 'none (unbounded below)';
    out.push(`| \`${b.name}\` | ${b.formula} | (${b.start.join(', ')}) | ${minima} | ${b.lesson} |`);
  }
  return out.join('\n');
}

function splice(text: string, begin: string, end: string, body: string): string {
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  assert.ok(i >= 0 && j > i, `README.md lacks the markers ${begin} … ${end}`);
  return text.slice(0, i + begin.length) + '\n' + body + '\n' + text.slice(j);
}

test('README optimizer and loss reference is generated from the registry and up to date', () => {
  const path = join(repoRoot(), 'README.md');
  const text = readFileSync(path, 'utf8');
  const want = splice(splice(text, BEGIN, END, optimizerDocs()), BEGIN_L, END_L, lossDocs());
  if (process.env['UPDATE_README'] === '1' && want !== text) writeFileSync(path, want);
  else assert.equal(text, want, 'README.md is out of date: run `UPDATE_README=1 npm test`');
});
