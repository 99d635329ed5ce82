// Long lines stroked in short pieces. The webview's canvas is rasterised in software wherever the
// browser has no GPU (code-server in a VM, remote desktops), and there a 2 px stroke of one path with
// ~1,000 points costs a lot: the stroker builds one outline polygon for the whole path and scan-
// converts it with every self-overlap (a zigzag loss curve, GD oscillating across a canyon). The same
// points stroked as paths of CHUNK points each cost about what a 1 px hairline costs. Measured in the
// project's Chromium 6 × 1,600-point series, 2 px, oscillating: 71 ms → 15 ms to the painted frame.
//
// The picture is the same line: the dash pattern continues across pieces (lineDashOffset carries the
// length drawn so far), gaps (skipped points) and the start/count window are honoured as Chart.js
// does. What differs: at a piece boundary the two segments meet with butt ends instead of a join
// (invisible at these widths), and a translucent line that crosses an earlier piece of itself is
// blended twice there. Lines Chart.js would draw differently (curves, steps, per-segment styles, a
// closed loop) keep its own drawing.
import { LineElement, type Plugin } from 'chart.js';

/** Points per stroked piece. */
export const CHUNK = 64;
/** Lines with fewer points are left to Chart.js (one path is cheap there). */
const MIN_POINTS = 2 * CHUNK;

/** The part of a canvas 2D context the stroke uses (also what the unit test records). */
export interface StrokeContext {
  lineDashOffset: number;
  lineWidth: number;
  strokeStyle: unknown;
  lineCap: string;
  lineJoin: string;
  setLineDash(segments: number[]): void;
  save(): void;
  restore(): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
}

interface LineOptions {
  borderWidth: number;
  borderColor: unknown;
  borderDash?: number[];
  borderDashOffset?: number;
  borderCapStyle?: string;
  borderJoinStyle?: string;
  tension?: number;
  stepped?: unknown;
  cubicInterpolationMode?: string;
  segment?: unknown;
}
interface Pt { x: number; y: number; skip?: boolean }
interface Segment { start: number; end: number; loop: boolean }
export type Drawn = LineElement & { points: Pt[]; segments: Segment[]; options: LineOptions; _loop?: boolean };

const chartJsDraw = LineElement.prototype.draw;

/** Whether `line` is drawn in pieces by drawInPieces (else by Chart.js). */
export function drawsInPieces(line: Drawn): boolean {
  const o = line.options;
  return !!o && line.points.length >= MIN_POINTS && !o.tension && !o.stepped && o.cubicInterpolationMode !== 'monotone' && !o.segment && !line._loop;
}

/** Strokes points[from..to] (skipped points left out, as Chart.js's pathSegment does) in pieces of CHUNK points. */
export function strokeRange(ctx: StrokeContext, pts: readonly Pt[], from: number, to: number, dash0: number, dashed: boolean): void {
  let len = 0;
  let n = 0;
  let px = 0;
  let py = 0;
  for (let i = from; i <= to; i++) {
    const p = pts[i]!;
    if (p.skip) continue;
    if (n === 0) {
      if (dashed) ctx.lineDashOffset = dash0 + len;
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
    } else {
      ctx.lineTo(p.x, p.y);
      if (dashed) len += Math.hypot(p.x - px, p.y - py);
    }
    px = p.x;
    py = p.y;
    if (++n === CHUNK + 1 && i < to) {
      ctx.stroke();
      // the next piece starts at this point
      if (dashed) ctx.lineDashOffset = dash0 + len;
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      n = 1;
    }
  }
  if (n > 1) ctx.stroke();
}

export function drawInPieces(this: Drawn, ctx: StrokeContext, area: unknown, start?: number, count?: number): void {
  if (!drawsInPieces(this)) {
    (chartJsDraw as (this: Drawn, ...a: unknown[]) => void).call(this, ctx, area, start, count);
    return;
  }
  const o = this.options;
  const pts = this.points;
  if (!o.borderWidth) return;
  const first = start ?? 0;
  const last = count ? Math.min(pts.length - 1, first + count - 1) : pts.length - 1;
  const dash = o.borderDash ?? [];
  ctx.save();
  ctx.lineCap = o.borderCapStyle ?? 'butt';
  ctx.lineJoin = o.borderJoinStyle ?? 'miter';
  ctx.lineWidth = o.borderWidth;
  ctx.strokeStyle = o.borderColor;
  ctx.setLineDash(dash);
  const dashed = dash.length > 0;
  // Each segment (a run of points between gaps) is a subpath of its own in Chart.js's path, and a
  // canvas starts the dash pattern afresh on every subpath: so does each segment here.
  for (const s of this.segments) {
    const a = Math.max(first, s.start);
    const b = Math.min(last, s.end);
    if (b > a) strokeRange(ctx, pts, a, b, o.borderDashOffset ?? 0, dashed);
  }
  ctx.restore();
}

/** Gives every line dataset's element the piecewise stroke (registered once, for every chart of the webview). */
export const chunkedLinesPlugin: Plugin = {
  id: 'odChunkedLines',
  afterDatasetUpdate(_chart, args) {
    const line = (args as { meta: { dataset?: LineElement } }).meta.dataset;
    if (line && line instanceof LineElement && line.draw !== (drawInPieces as unknown as LineElement['draw'])) {
      (line as unknown as { draw: unknown }).draw = drawInPieces;
    }
  },
};
