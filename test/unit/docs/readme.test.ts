// The README's optimizer reference is generated from the registry (equations, defaults, effective-LR
// definitions), so the docs cannot drift from the code. `UPDATE_README=1 npm test` rewrites the block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPTIMIZERS, BUILTIN_LOSSES, type HyperValue } from '../../../src/core';
import { listCases, repoRoot } from '../helpers/reference';

const BEGIN = '<!-- BEGIN GENERATED: optimizers (test/unit/docs/readme.test.ts) -->';
const END = '<!-- END GENERATED: optimizers -->';
const BEGIN_L = '<!-- BEGIN GENERATED: losses (test/unit/docs/readme.test.ts) -->';
const END_L = '<!-- END GENERATED: losses -->';
const BEGIN_C = '<!-- BEGIN GENERATED: conventions (test/unit/docs/readme.test.ts) -->';
const END_C = '<!-- END GENERATED: conventions -->';

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
    const f = d.lrFactors;
    out.push(
      `Decomposed, α = schedule × bias correction × preconditioner on ${f.direction}:`, '',
      `- schedule: ${f.schedule}`,
      `- bias correction: ${f.biasCorrection}`,
      `- preconditioner: ${f.preconditioner}`,
      `- ε-dominated coordinate: ${f.epsDominance ?? 'not applicable (no ε)'}`, '',
    );
    out.push('| hyperparameter | default | meaning |', '|---|---|---|');
    for (const h of d.hyperparameters) out.push(`| \`${h.name}\` | ${show(h.default)} | ${h.description.replace(/\|/g, '\\|')} |`);
  }
  return out.join('\n');
}

/** Every optimizer × convention with its exact formula (the registry's equations; — where a convention has none). */
export function conventionDocs(): string {
  const cell = (text: string) => text.split('\n').map((l) => l.trim().replace(/\|/g, '\\|').replace(/\s{2,}/g, ' ')).join('<br>');
  const defaults = (d: Readonly<Record<string, HyperValue>>) => {
    const e = Object.entries(d);
    return e.length ? `<br>*defaults:* ${e.map(([k, v]) => `${k} = ${show(v)}`).join(', ')}` : '';
  };
  const out = [
    '| optimizer | `pytorch` (default) | `tfjs` (TensorFlow.js 4.22 `tf.train.*`) | `textbook` |',
    '|---|---|---|---|',
  ];
  for (const d of Object.values(OPTIMIZERS)) {
    const tf = d.conventions.tfjs;
    const tb = d.conventions.textbook;
    out.push(`| \`${d.name}\` | ${cell(d.equations)} | ${tf ? cell(tf.equations) + defaults(tf.defaults) : '— (not defined: an error)'} | ${tb ? cell(tb.equations) + defaults(tb.defaults) : '— (not defined: an error)'} |`);
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
  const want = splice(splice(splice(text, BEGIN, END, optimizerDocs()), BEGIN_L, END_L, lossDocs()), BEGIN_C, END_C, conventionDocs());
  if (process.env['UPDATE_README'] === '1' && want !== text) writeFileSync(path, want);
  else assert.equal(text, want, 'README.md is out of date: run `UPDATE_README=1 npm test`');
});

// Claims in the prose that can be checked against the code mechanically.
function readme(): string {
  return readFileSync(join(repoRoot(), 'README.md'), 'utf8');
}
/** The README without its generated blocks (they repeat descriptions by design). */
function prose(): string {
  let t = readme();
  for (const [b, e] of [[BEGIN, END], [BEGIN_L, END_L], [BEGIN_C, END_C]] as const) t = t.slice(0, t.indexOf(b)) + t.slice(t.indexOf(e) + e.length);
  return t;
}

test('README: the reference-trajectory counts match the fixtures and the conformance test', () => {
  const n = listCases('torch').length;
  const conformance = readFileSync(join(repoRoot(), 'test', 'unit', 'core', 'conformance.test.ts'), 'utf8');
  const skipped = /HISTORICAL_DISCREPANCIES = new Set\(\[([^\]]*)\]\)/.exec(conformance);
  assert.ok(skipped, 'conformance.test.ts declares HISTORICAL_DISCREPANCIES');
  const k = skipped[1]!.split(',').filter((s) => s.trim()).length;
  const text = readme();
  assert.match(text, new RegExp(`${n} PyTorch 1\\.13 float64 trajectories`));
  assert.match(text, new RegExp(`${n - k} of the ${n} cases are run\\s+\\*\\*closed loop\\*\\*`), `README must say that ${n - k} of ${n} run closed loop and replay`);
  assert.doesNotMatch(text, /Every case is run\s+\*\*closed loop/);
});

test('README: the automatic-gradient cost in the prose is the one in the Performance table', () => {
  const text = readme();
  const p = /on 2-D Rosenbrock the automatic gradient costs\s+([\d.]+)× the hand-written `grad` export, on the 64-row logistic regression ([\d.]+)×/.exec(text);
  assert.ok(p, 'the "How fast" paragraph states both ratios');
  const row = (name: string): string => {
    const m = new RegExp(`^\\| ${name}[^|]* \\| [\\d,]+ \\| [\\d,]+ \\| ([\\d.]+)× \\|`, 'm').exec(text);
    assert.ok(m, `the autodiff table has a "${name}" row`);
    return m[1]!;
  };
  assert.deepEqual([p[1], p[2]], [row('2-D Rosenbrock'), row('logistic regression')]);
});

test('README: no paragraph-length sentence is written twice (outside the generated reference)', () => {
  const sentences = prose().replace(/\s+/g, ' ').split(/(?<=[.;:])\s+/).filter((s) => s.length > 90 && !s.startsWith('|'));
  const seen = new Set<string>();
  const twice = sentences.filter((s) => (seen.has(s) ? true : (seen.add(s), false)));
  assert.deepEqual(twice, []);
  // The contour-window rule is described once.
  assert.equal(prose().match(/square (box )?centred between the start point and `minimum`/g)?.length ?? 0, 1);
});

test('README: the panel fields it names exist in the toolbar; every contributed command is documented', () => {
  const toolbar = readFileSync(join(repoRoot(), 'webview', 'ui', 'toolbar.ts'), 'utf8');
  if (!/gradientNoise|noise'/.test(toolbar)) assert.doesNotMatch(readme(), /the panel's noise field/, 'the panel has no noise field');
  const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
  for (const c of manifest.contributes.commands) assert.ok(readme().includes(`\`${c.command}\``), `README documents ${c.command}`);
});

test('README: tfjs\'s ε placement is stated as the reference SEMANTICS.md has it', () => {
  const text = readme();
  assert.doesNotMatch(text, /under the square root as in TF\/tfjs/);
  const semantics = readFileSync(join(repoRoot(), 'test', 'fixtures', 'reference', 'SEMANTICS.md'), 'utf8');
  // tfjs Adam: (m̂ / (sqrt(v̂) + ε)): ε outside, as torch; AdaGrad/RMSprop: sqrt(s + ε): inside.
  assert.match(semantics, /θ_t = \(m̂_t \/ \(sqrt\(v̂_t\) \+ ε\)\)/);
  assert.match(semantics, /ε \*\*inside\*\* the sqrt in tfjs/);
  assert.match(text, /tfjs's AdaGrad and RMSprop[^.]*tfjs's Adam keeps ε outside/s);
});
