// The piecewise stroke of long chart lines (webview/charts/chunkedLines.ts) draws the same line as one
// path would: every point once in order, pieces of at most CHUNK segments that join end to start, skipped
// points left out, the start/count window honoured, and the dash offset equal to the length drawn before
// each piece (hand arithmetic on a 3-4-5 polyline).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CHUNK, drawInPieces, drawsInPieces, strokeRange, type Drawn, type StrokeContext } from '../../../webview/charts/chunkedLines';

interface Piece { points: [number, number][]; dashOffset: number }

/** A canvas context that records the paths it strokes. */
function recorder(): { ctx: StrokeContext; pieces: Piece[]; state: Record<string, unknown> } {
  const pieces: Piece[] = [];
  let cur: Piece | null = null;
  const state: Record<string, unknown> = { lineDashOffset: 0 };
  const ctx = {
    set lineDashOffset(v: number) { state['lineDashOffset'] = v; },
    get lineDashOffset() { return state['lineDashOffset'] as number; },
    set lineWidth(v: number) { state['lineWidth'] = v; },
    set strokeStyle(v: string) { state['strokeStyle'] = v; },
    set lineCap(v: string) { state['lineCap'] = v; },
    set lineJoin(v: string) { state['lineJoin'] = v; },
    setLineDash(d: number[]) { state['dash'] = d; },
    save() {},
    restore() {},
    beginPath() { cur = { points: [], dashOffset: state['lineDashOffset'] as number }; },
    moveTo(x: number, y: number) { cur!.points.push([x, y]); },
    lineTo(x: number, y: number) { cur!.points.push([x, y]); },
    stroke() { pieces.push(cur!); },
  };
  return { ctx: ctx as unknown as StrokeContext, pieces, state };
}

describe('chunked line stroke', () => {
  test('pieces of at most CHUNK segments, joined end to start, every point once in order', () => {
    const n = 3 * CHUNK + 17;
    const pts = Array.from({ length: n }, (_, i) => ({ x: i, y: (i % 2) * 10 }));
    const { ctx, pieces } = recorder();
    strokeRange(ctx, pts, 0, n - 1, 0, false);
    assert.equal(pieces.length, 4);
    for (const p of pieces) assert.ok(p.points.length <= CHUNK + 1 && p.points.length >= 2);
    for (let k = 1; k < pieces.length; k++) assert.deepEqual(pieces[k]!.points[0], pieces[k - 1]!.points.at(-1));
    const drawn = pieces.flatMap((p, k) => (k === 0 ? p.points : p.points.slice(1)));
    assert.deepEqual(drawn, pts.map((p) => [p.x, p.y]));
  });

  test('the dash offset of each piece is the length drawn before it (3-4-5 segments)', () => {
    // every segment is (3, 4): length 5
    const n = 2 * CHUNK + 1;
    const pts = Array.from({ length: n }, (_, i) => ({ x: 3 * i, y: 4 * i }));
    const { ctx, pieces } = recorder();
    strokeRange(ctx, pts, 0, n - 1, 2, true);
    assert.deepEqual(pieces.map((p) => p.dashOffset), [2, 2 + 5 * CHUNK]);
  });

  test('skipped points are left out and the window is honoured', () => {
    const pts = Array.from({ length: 10 }, (_, i) => ({ x: i, y: i, skip: i === 4 }));
    const { ctx, pieces } = recorder();
    strokeRange(ctx, pts, 2, 7, 0, false);
    assert.deepEqual(pieces.map((p) => p.points.map(([x]) => x)), [[2, 3, 5, 6, 7]]);
  });

  test("a line's segments (gaps) start their dash afresh; short or curved lines are left to Chart.js", () => {
    const pts = Array.from({ length: 300 }, (_, i) => ({ x: i, y: 0, skip: i === 150 }));
    const line = {
      points: pts,
      segments: [{ start: 0, end: 149, loop: false }, { start: 151, end: 299, loop: false }],
      options: { borderWidth: 2, borderColor: 'red', borderDash: [4, 2], borderDashOffset: 1 },
    } as unknown as Drawn;
    assert.equal(drawsInPieces(line), true);
    const { ctx, pieces, state } = recorder();
    drawInPieces.call(line, ctx, {});
    const firstOf = (x: number): Piece => pieces.find((p) => p.points[0]![0] === x)!;
    assert.equal(firstOf(0).dashOffset, 1);
    assert.equal(firstOf(151).dashOffset, 1);
    assert.equal(firstOf(64).dashOffset, 1 + 64);
    assert.deepEqual(state['dash'], [4, 2]);
    assert.equal(state['lineWidth'], 2);
    assert.equal(pieces.flatMap((p) => p.points).filter(([x]) => x === 150).length, 0);
    assert.equal(drawsInPieces({ ...line, points: pts.slice(0, 50) } as unknown as Drawn), false);
    assert.equal(drawsInPieces({ ...line, options: { ...line.options, tension: 0.4 } } as unknown as Drawn), false);
  });
});
