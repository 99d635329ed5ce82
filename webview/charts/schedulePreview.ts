// The schedule preview: the lr (solid) and a cycled momentum / β₁ (dashed, own scale) over the run's steps,
// as the host computed them with the core before anything ran, and the switch steps. Draws only.
import type { SchedulePreview } from '../../src/protocol/messages';
import { formatNumber } from '../../src/protocol/format';
import { withAlpha, type Theme } from './theme';

export function drawSchedulePreview(c: HTMLCanvasElement, p: SchedulePreview, steps: number, t: Theme): void {
  const ctx = c.getContext('2d');
  if (!ctx) return;
  const w = c.width;
  const hgt = c.height;
  const pad = { l: 2, r: 2, t: 12, b: 2 };
  ctx.clearRect(0, 0, w, hgt);
  const range = (y: Float64Array): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of y) if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    if (!(hi > lo)) { const m = Number.isFinite(lo) ? lo : 0; return [m - (Math.abs(m) || 1) * 0.05, m + (Math.abs(m) || 1) * 0.05]; }
    return [lo, hi];
  };
  const X = (s: number) => pad.l + ((s - 1) / Math.max(1, steps - 1)) * (w - pad.l - pad.r);
  const line = (col: { x: Float64Array; y: Float64Array }, color: string, dash: number[]): [number, number] => {
    const [lo, hi] = range(col.y);
    const Y = (v: number) => hgt - pad.b - ((v - lo) / (hi - lo)) * (hgt - pad.t - pad.b);
    ctx.save();
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.setLineDash(dash);
    ctx.beginPath();
    for (let k = 0; k < col.x.length; k++) {
      const px = X(col.x[k]!);
      const py = Y(col.y[k]!);
      if (k === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    }
    ctx.stroke();
    ctx.restore();
    return [lo, hi];
  };
  for (const s of p.switches) {
    ctx.save();
    ctx.strokeStyle = withAlpha(t.foreground, 0.6);
    ctx.setLineDash([2, 2]);
    ctx.beginPath();
    ctx.moveTo(Math.round(X(s + 1)) + 0.5, pad.t);
    ctx.lineTo(Math.round(X(s + 1)) + 0.5, hgt - pad.b);
    ctx.stroke();
    ctx.restore();
  }
  if (p.momentum) line(p.momentum, withAlpha(t.foreground, 0.55), [3, 2]);
  const [lo, hi] = line(p.lr, t.series[0] ?? t.foreground, []);
  ctx.fillStyle = withAlpha(t.foreground, 0.8);
  ctx.font = '10px sans-serif';
  ctx.fillText(`lr ${formatNumber(lo, 3)} … ${formatNumber(hi, 3)}`, pad.l + 2, 10);
}
