// Chart colours and fonts from the VS Code theme (--vscode-* variables), re-read whenever the body's
// class changes (theme switch). Series colours are made opaque (Dark Modern's charts-orange is 33 %
// alpha) and every series also gets a dash pattern, so lines stay distinguishable without colour.
import { Chart } from 'chart.js';

export interface Theme {
  readonly foreground: string;
  readonly muted: string;
  readonly grid: string;
  readonly background: string;
  readonly fontFamily: string;
  readonly fontSize: number;
  readonly series: readonly string[];
  readonly error: string;
  readonly focus: string;
  readonly highContrast: boolean;
  readonly dark: boolean;
  /** RGB of background / foreground, for the landscape ramp. */
  readonly bgRgb: readonly [number, number, number];
  readonly fgRgb: readonly [number, number, number];
}

export const DASHES: readonly (readonly number[])[] = [[], [7, 4], [2, 3], [10, 3, 2, 3], [4, 4], [12, 4], [2, 2, 8, 2], [6, 2, 2, 2, 2, 2]];

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

/** Parses #rgb, #rrggbb, #rrggbbaa, rgb(), rgba() → [r, g, b, a]. */
export function parseColor(c: string): [number, number, number, number] | null {
  const s = c.trim();
  let m = /^#([0-9a-f]{3,8})$/i.exec(s);
  if (m) {
    let h = m[1]!;
    if (h.length === 3 || h.length === 4) h = h.split('').map((x) => x + x).join('');
    const n = (i: number): number => parseInt(h.slice(i, i + 2), 16);
    return [n(0), n(2), n(4), h.length === 8 ? n(6) / 255 : 1];
  }
  m = /^rgba?\(([^)]+)\)$/i.exec(s);
  if (m) {
    const p = m[1]!.split(/[,\s/]+/).filter(Boolean).map((x) => (x.endsWith('%') ? (parseFloat(x) / 100) * 255 : parseFloat(x)));
    return [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] !== undefined ? (m[1]!.split(/[,\s/]+/).filter(Boolean)[3]!.endsWith('%') ? p[3] / 255 : p[3]) : 1];
  }
  return null;
}

function opaque(c: string, bg: [number, number, number]): string {
  const p = parseColor(c);
  if (!p) return c;
  const [r, g, b, a] = p;
  if (a >= 0.95) return `rgb(${r}, ${g}, ${b})`;
  // Translucent theme colour: use it at full strength rather than blended into the background.
  void bg;
  return `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`;
}

export function withAlpha(c: string, alpha: number): string {
  const p = parseColor(c);
  return p ? `rgba(${p[0]}, ${p[1]}, ${p[2]}, ${alpha})` : c;
}

export function readTheme(): Theme {
  const style = getComputedStyle(document.body);
  const cls = document.body.classList;
  const dark = cls.contains('vscode-dark') || cls.contains('vscode-high-contrast') && !cls.contains('vscode-high-contrast-light');
  const highContrast = cls.contains('vscode-high-contrast') || cls.contains('vscode-high-contrast-light');
  const background = cssVar(style, '--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff');
  const bgP = parseColor(background) ?? (dark ? [30, 30, 30, 1] : [255, 255, 255, 1]);
  const bgRgb: [number, number, number] = [bgP[0], bgP[1], bgP[2]];
  const foreground = cssVar(style, '--vscode-charts-foreground', cssVar(style, '--vscode-foreground', dark ? '#cccccc' : '#333333'));
  const fgP = parseColor(foreground) ?? (dark ? [204, 204, 204, 1] : [51, 51, 51, 1]);
  const fallbacks = dark
    ? ['#3794ff', '#f14c4c', '#89d185', '#cca700', '#b180d7', '#f38518']
    : ['#1a85ff', '#e51400', '#388a34', '#bf8803', '#652d90', '#d18616'];
  const names = ['blue', 'red', 'green', 'yellow', 'purple', 'orange'];
  const series = names.map((n, i) => opaque(cssVar(style, `--vscode-charts-${n}`, fallbacks[i]!), bgRgb));
  // Two more that stay distinct: the terminal's cyan and magenta.
  series.push(opaque(cssVar(style, '--vscode-terminal-ansiCyan', dark ? '#29b8db' : '#0598bc'), bgRgb));
  series.push(opaque(cssVar(style, '--vscode-terminal-ansiMagenta', dark ? '#d670d6' : '#bc05bc'), bgRgb));
  const grid = cssVar(style, '--vscode-charts-lines', dark ? 'rgba(128,128,128,0.35)' : 'rgba(128,128,128,0.35)');
  return {
    foreground,
    muted: cssVar(style, '--vscode-descriptionForeground', foreground),
    grid: withAlpha(grid, highContrast ? 0.8 : 0.35),
    background,
    fontFamily: cssVar(style, '--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: Math.max(10, Math.min(14, parseFloat(cssVar(style, '--vscode-font-size', '13')) - 1)),
    series,
    error: cssVar(style, '--vscode-errorForeground', '#f14c4c'),
    focus: cssVar(style, '--vscode-focusBorder', '#007fd4'),
    highContrast,
    dark,
    bgRgb,
    fgRgb: [fgP[0], fgP[1], fgP[2]],
  };
}

/** Chart.js global defaults from the theme. */
export function applyChartDefaults(t: Theme): void {
  Chart.defaults.color = t.foreground;
  Chart.defaults.borderColor = t.grid;
  Chart.defaults.font.family = t.fontFamily;
  Chart.defaults.font.size = t.fontSize;
}

/** Calls `onChange` after the VS Code theme changes (body class / style attribute). */
export function watchTheme(onChange: () => void): void {
  let pending = false;
  const obs = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      onChange();
    });
  });
  obs.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  obs.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
}

/**
 * Tick labels of a logarithmic axis that stay readable in a narrow column: over more than two decades only the
 * powers of ten are labelled (Chart.js labels 1, 2, 5 of every decade, which collide), else every tick.
 */
export function logTickLabel(format: (v: number) => string): (this: { min: number; max: number }, v: number | string) => string {
  return function (this: { min: number; max: number }, v: number | string): string {
    const x = Number(v);
    const span = Math.log10(this.max / this.min);
    if (span > 2 && Math.abs(Math.log10(x) - Math.round(Math.log10(x))) > 1e-9) return '';
    return format(x);
  };
}
