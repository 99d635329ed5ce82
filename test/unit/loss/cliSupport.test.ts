// resolveLoss: the CLI's way to built-ins and loss files, errors as one-line `file:line:col: message`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { createOptimizer, simulate } from '../../../src/core';
import { CliLossError, resolveLoss } from '../../../src/loss/cliSupport';
import { example, fixture } from './fixtures';

async function messageOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CliLossError, String(e));
    return e.message;
  }
  assert.fail('expected a CliLossError');
}

describe('resolveLoss (CLI)', () => {
  test('a built-in by name, with gradient noise', async () => {
    const { problem, info } = await resolveLoss('rosenbrock');
    assert.equal(info.gradient, 'analytic');
    assert.equal(problem.dim, 2);
    const noisy = await resolveLoss('rosenbrock', { gradientNoise: 0.1, seed: 1 });
    const g1 = new Float64Array(2);
    const g2 = new Float64Array(2);
    problem.evaluate(Float64Array.of(0, 0), g1, 0);
    noisy.problem.evaluate(Float64Array.of(0, 0), g2, 0);
    assert.notDeepEqual(g1, g2);
  });

  test('a loss file by (relative) path, with batch size, seed and gradient mode', async () => {
    const { problem, info } = await resolveLoss(relative(process.cwd(), example('minibatch-noise.loss.ts')), { batchSize: 6, seed: 2, gradientMode: 'numeric' });
    assert.equal(info.gradient, 'numeric');
    assert.equal(info.name, 'minibatch-noise');
    const rec = simulate({ problem, optimizer: createOptimizer('sgd', { lr: 0.1 }), start: Float64Array.from(info.start), steps: 20 });
    assert.equal(rec.stepsCompleted, 20);
  });

  test('errors are one line: file:line:col: message, paths relative to the cwd', async () => {
    const rel = relative(process.cwd(), fixture('syntax-error.loss.mjs'));
    assert.equal(await messageOf(resolveLoss(fixture('syntax-error.loss.mjs'))), `${rel}:4:18: syntax error: Unexpected token`);
    const nan = await messageOf(resolveLoss(fixture('params-nan.loss.ts')));
    assert.match(nan, /params-nan\.loss\.ts:4:3: params\.w\[1\] must be a finite number, got NaN$/);
    assert.match(await messageOf(resolveLoss('no-such-loss')), /^unknown loss "no-such-loss": not a built-in \(canyon, rosenbrock, .*\) and no such file$/);
    const e = await resolveLoss(fixture('bitwise.loss.js')).catch((x: CliLossError) => x);
    assert.ok(e instanceof CliLossError);
    assert.equal(e.lossError.kind, 'autodiff');
    assert.ok(!e.message.includes('\n'));
  });
});
