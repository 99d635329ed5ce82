// packFloat64Arrays: every Float64Array of a host → webview message becomes a view of one buffer (the
// webview transport drops buffers past a few hundred per message), values and structure unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packFloat64Arrays } from '../../../src/protocol/packBuffers';

test('300 series of a message end up as views of a single buffer, with the same values, and the input is untouched', () => {
  const runs = Array.from({ length: 3 }, (_, r) => ({
    runId: `r${r + 1}`,
    label: 'Adam',
    loss: { x: Float64Array.from([0, 1, 2]), y: Float64Array.from([r, NaN, -Infinity]) },
    params: Array.from({ length: 50 }, (_, i) => ({ index: i, x: new Float64Array([i]), y: new Float64Array(0) })),
    path: null,
  }));
  const msg = { type: 'run/snapshot', snapshot: { runs, landscape: { contours: [Float64Array.of(1, 2, 3, 4)] }, flag: true, n: 3 } };
  const packed = packFloat64Arrays(msg);
  const arrays: Float64Array[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Float64Array) arrays.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(packed);
  assert.equal(arrays.length, 3 * (2 + 50 * 2) + 1);
  assert.equal(new Set(arrays.map((a) => a.buffer)).size, 1, 'one buffer');
  assert.deepEqual(packed, msg, 'same structure and values (NaN and ±∞ included)');
  assert.notEqual(packed.snapshot.runs[0]!.loss.y.buffer, msg.snapshot.runs[0]!.loss.y.buffer, 'a copy: the cached input keeps its own arrays');
  assert.equal(msg.snapshot.runs[2]!.loss.y[0], 2);
});

test('a message without Float64Arrays is passed through as it is', () => {
  const msg = { type: 'run/didProgress', requestId: 'q1', runId: 'r1', done: 3, total: 10 };
  assert.equal(packFloat64Arrays(msg), msg);
});

test('equal arrays are packed once: the x columns of a run share one view, and the buffer holds each distinct array once', () => {
  const steps = Float64Array.from({ length: 500 }, (_, i) => i + 1);
  const col = (k: number) => ({ x: Float64Array.from(steps), y: Float64Array.from(steps, (s) => Math.sin(s * k)) });
  const msg = { runs: [{ loss: col(1), gradNorm: col(2), params: [{ value: col(3), grad: col(4) }], path: { x: steps, y: steps, step: steps } }] };
  const packed = packFloat64Arrays(msg);
  const r = packed.runs[0]!;
  assert.deepEqual(packed, msg, 'same values everywhere');
  assert.equal(r.loss.x, r.gradNorm.x, 'equal contents → one view');
  assert.equal(r.loss.x, r.params[0]!.value.x);
  assert.equal(r.path.x, r.loss.x, 'the same object twice → one view');
  assert.equal(r.loss.x.buffer.byteLength, (500 + 4 * 500) * 8, 'x once + four distinct y columns');
  // Not merged: same length and ends but different inside; −0 vs 0; different NaN-free values.
  const a = Float64Array.of(1, 2, 3), b = Float64Array.of(1, 5, 3), z = Float64Array.of(0), nz = Float64Array.of(-0);
  const p2 = packFloat64Arrays({ a, b, z, nz });
  assert.notEqual(p2.a, p2.b);
  assert.deepEqual([...p2.b], [1, 5, 3]);
  assert.ok(Object.is(p2.nz[0], -0) && Object.is(p2.z[0], 0), '−0 keeps its sign');
});
