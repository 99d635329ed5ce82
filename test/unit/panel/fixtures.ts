// Test data for the panel's pure helpers: RecordingColumns made with the core (what the worker sends).
import { BUILTIN_LOSSES, builtinProblem, createOptimizer, simulate } from '../../../src/core';
import type { HyperValue, OptimizerName } from '../../../src/core/types';
import type { LossInfo, RecordingColumns } from '../../../src/protocol/simulation';

export function recordingOf(loss: string, optimizer: OptimizerName, hyper: Record<string, HyperValue>, steps: number, runId = 'r1'): RecordingColumns {
  const b = BUILTIN_LOSSES[loss]!;
  const opt = createOptimizer(optimizer, hyper);
  const r = simulate({ problem: builtinProblem(b), optimizer: opt, start: Float64Array.from(b.start), steps });
  const n = r.stepsCompleted;
  const cut = (a: Float64Array, rows: number): Float64Array => a.slice(0, rows * r.dim);
  const map = (o: Readonly<Record<string, Float64Array>>, rows: (a: Float64Array) => Float64Array) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, rows(v)]));
  return {
    runId, optimizer, hyperparameters: opt.hyperparameters, dim: r.dim, stepsRequested: steps, stepsCompleted: n,
    diverged: r.diverged, stopReason: r.stopReason,
    params: cut(r.params, n + 1), loss: r.loss.slice(0, n + 1), grad: cut(r.grad, n), validationLoss: null,
    update: cut(r.update, n), direction: cut(r.direction, n), effectiveLr: cut(r.effectiveLr, n), lr: r.lr.slice(0, n),
    state: map(r.state, (v) => cut(v, n)), scalarState: map(r.scalarState, (v) => v.slice(0, n)), extra: map(r.extra, (v) => cut(v, n)),
    elapsedMs: 1,
  };
}

export function lossInfoOf(name: string): LossInfo {
  const b = BUILTIN_LOSSES[name]!;
  return {
    ref: { kind: 'builtin', name }, name, label: b.label, formula: b.formula, dim: 2, paramNames: b.paramNames, start: b.start,
    window: b.window, minima: b.minima, suggestedLr: b.suggestedLr, hasData: false, hasValidation: false, gradient: 'analytic', warnings: [],
  };
}

/** True when the typed array owns exactly its bytes (not a view over a bigger buffer). */
export function exactLength(a: Float64Array): boolean {
  return a.byteOffset === 0 && a.buffer.byteLength === a.length * 8;
}
