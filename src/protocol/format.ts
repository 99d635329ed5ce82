// Number formatting shared by the host (labels, exports) and the webview (ticks, tooltips). Pure.

import type { HyperValue } from '../core/types';

export function formatHyperValue(v: HyperValue): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return formatNumber(v);
  return `(${formatNumber(v[0])}, ${formatNumber(v[1])})`;
}

/** Compact number: 0.001 → 1e-3, 0.09 → 0.09, 12345 → 1.23e4. */
export function formatNumber(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-2 && a < 1e4) return String(Number(v.toPrecision(digits)));
  const [m, e] = v.toExponential(digits - 1).split('e');
  return `${String(Number(m))}e${Number(e)}`;
}
