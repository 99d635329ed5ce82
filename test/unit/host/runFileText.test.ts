// Save Run Configuration's text: the panel's SessionConfig as a run file, a loss file's absolute path made
// relative to the run file's folder; reading it back gives the configuration (with the path resolved).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { runFileFromText, runFileTextFor, textChange } from '../../../src/host/runFileText';
import { parseRunFile } from '../../../src/protocol/runFile';
import { torchDefaults } from '../../../src/protocol/runDefaults';
import type { SessionConfig } from '../../../src/protocol/messages';

const runs = [
  { id: 'r1', optimizer: 'adam' as const, hyperparameters: { ...torchDefaults('adam'), lr: 0.01 }, schedule: { schedulers: [{ name: 'StepLR' as const, args: { step_size: 10, gamma: 0.5 } }] } },
  { id: 'r2', optimizer: 'sgd' as const, hyperparameters: torchDefaults('sgd'), then: [{ optimizer: 'adam' as const, hyperparameters: torchDefaults('adam'), fromStep: 20 }] },
];

test('a loss file is written relative to the run file, and reads back to the same configuration', () => {
  const root = path.resolve('/work/project');
  const config: SessionConfig = { loss: { kind: 'file', path: path.join(root, 'losses', 'mlp.loss.ts') }, runs, steps: 50, seed: 3, batchSize: 8 };
  const runFile = path.join(root, 'runs', 'mlp.optdiag.json');
  const text = runFileTextFor(config, runFile);
  assert.deepEqual(JSON.parse(text).loss, { file: '../losses/mlp.loss.ts' });
  const back = parseRunFile(text);
  assert.deepEqual({ ...back.config, loss: { kind: 'file', path: path.resolve(path.dirname(runFile), (back.config.loss as { path: string }).path) } }, config);
});

test('a built-in loss, convention and dtype, and the view round-trip', () => {
  const config: SessionConfig = { loss: { kind: 'builtin', name: 'rosenbrock' }, runs: [{ id: 'a', optimizer: 'rmsprop', hyperparameters: { ...torchDefaults('rmsprop'), alpha: 0.9, eps: 1e-7 } }], steps: 100, seed: 0, convention: 'tfjs', dtype: 'float32' };
  const back = parseRunFile(runFileTextFor(config, '/tmp/x.optdiag.json', { step: 5, section: 'moments' }));
  assert.deepEqual(back, { config, view: { step: 5, section: 'moments' } });
});

test('the editor reads a loss file relative to the run file, and keeps the start point and noise when it rewrites', () => {
  const root = path.resolve('/work/project');
  const runFile = path.join(root, 'runs', 'q.optdiag.json');
  const text = '{"version": 1, "loss": {"file": "../losses/quad5.loss.ts"}, "start": [1, 2, 3, 4, 5], "gradientNoise": 0.1, "steps": 10, "runs": [{"optimizer": "sgd"}]}';
  const file = runFileFromText(text, runFile);
  assert.deepEqual(file.config.loss, { kind: 'file', path: path.join(root, 'losses', 'quad5.loss.ts') });
  const again = runFileFromText(runFileTextFor(file.config, runFile, undefined, { start: file.start!, gradientNoise: file.gradientNoise! }), runFile);
  assert.deepEqual(again, file);
  assert.equal(file.config.gradientNoise, 0.1, "the file's σ is the panel's gradient-noise field");
  const withoutExtras = runFileFromText(runFileTextFor(file.config, runFile), runFile);
  assert.equal(withoutExtras.gradientNoise, 0.1, 'written back at the top level from the panel config');
  assert.throws(() => runFileFromText('{"version": 1,', runFile), /^RunFileError: not valid JSON at line 1 column 15: unexpected end of file/);
});

test('textChange: the smallest replacement (common prefix and suffix kept), null when equal', () => {
  assert.equal(textChange('abc', 'abc'), null);
  assert.deepEqual(textChange('"lr": 0.05,', '"lr": 0.01,'), { start: 9, end: 10, text: '1' });
  assert.deepEqual(textChange('aXa', 'aa'), { start: 1, end: 2, text: '' });
  assert.deepEqual(textChange('aa', 'aXa'), { start: 1, end: 1, text: 'X' });
  assert.deepEqual(textChange('', 'new'), { start: 0, end: 0, text: 'new' });
  for (const [a, b] of [['abcabc', 'abc'], ['abc', 'abcabc'], ['xyz', 'q'], ['aaaa', 'aa']] as const) {
    const c = textChange(a, b)!;
    assert.equal(a.slice(0, c.start) + c.text + a.slice(c.end), b, `${a} → ${b}`);
  }
});
