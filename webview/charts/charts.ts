// The five charts of the panel. Every step chart shares one x axis range (linked steps), the hover
// crosshair and the slider marker. Data arrive decimated from the host as Float64Arrays and are
// turned into sorted {x, y} points once per message (parsing: false, normalized: true, no animation).
import type { ChartConfiguration, ChartDataset, Scale, ScatterDataPoint, TooltipItem } from 'chart.js';
import { formatNumber } from '../../src/protocol/format';
import type { ChartSummary, Landscape, RunSeries, SeriesColumn } from '../../src/protocol/messages';
import type { Model } from '../model';
import type { UiState } from '../vscodeApi';
import { cursor, landscapeImage, landscapeLayers, landscapePlugin, stepMarkerPlugin } from './plugins';
import { Chart } from './registerChartJs';
import { DASHES, withAlpha, type Theme } from './theme';

type Pt = ScatterDataPoint;
type LineDs = ChartDataset<'line', Pt[]>;
type ScatterDs = ChartDataset<'scatter', Pt[]>;

export const STATE_LABELS: Record<string, string> = {
  exp_avg: 'exp_avg  m (1st moment)',
  exp_avg_sq: 'exp_avg_sq  v (2nd moment)',
  exp_avg_hat: 'exp_avg_hat  m̂ = m/(1−β1ᵗ)',
  exp_avg_sq_hat: 'exp_avg_sq_hat  v̂ = v/(1−β2ᵗ)',
  max_exp_avg_sq: 'max_exp_avg_sq  max v (AMSGrad)',
  momentum_buffer: 'momentum_buffer  b',
  sum: 'sum  Σg² (AdaGrad)',
  square_avg: 'square_avg  E[g²]',
  grad_avg: 'grad_avg  E[g] (centered)',
  acc_delta: 'acc_delta  E[Δθ²]',
  exp_inf: 'exp_inf  u (∞-norm)',
  prev: 'prev  previous gradient',
  step_size: 'step_size  per-parameter step',
};

const STATE_ORDER = ['exp_avg', 'exp_avg_sq', 'exp_avg_hat', 'exp_avg_sq_hat', 'max_exp_avg_sq', 'momentum_buffer', 'sum', 'square_avg', 'grad_avg', 'acc_delta', 'exp_inf', 'step_size', 'prev'];

export function stateNamesOf(runs: readonly RunSeries[]): string[] {
  const all = new Set<string>();
  for (const r of runs) for (const s of r.stateNames) all.add(s);
  return [...all].sort((a, b) => {
    const ia = STATE_ORDER.indexOf(a);
    const ib = STATE_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
}

function points(c: SeriesColumn | null | undefined, opts: { log?: boolean; offset?: number } = {}): Pt[] {
  if (!c) return [];
  const n = Math.min(c.x.length, c.y.length);
  const out: Pt[] = new Array(n);
  const off = opts.offset ?? 0;
  for (let i = 0; i < n; i++) {
    let y = c.y[i]! - off;
    if (opts.log && !(y > 0)) y = NaN;
    else if (!Number.isFinite(y)) y = NaN;
    out[i] = { x: c.x[i]!, y };
  }
  return out;
}

function finiteRange(values: Iterable<number>, positive = false): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (positive && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

function logTicks(this: Scale, value: number | string): string {
  const v = Number(value);
  const decades = Math.log10(Math.max(this.max, 1e-300)) - Math.log10(Math.max(this.min, 1e-300));
  if (decades >= 2.5) return formatNumber(v); // decadeTicks placed them
  const mantissa = Number((v / 10 ** Math.floor(Math.log10(v) + 1e-9)).toFixed(6));
  const keep = decades < 0.5 ? true : decades < 1.2 ? [1, 2, 3, 5].includes(mantissa) : [1, 2, 5].includes(mantissa);
  return keep ? formatNumber(v, 2) : '';
}
/** Log axes spanning many decades: one tick per 1, 2, 5, 10, … decades (Chart.js picks irregular powers). */
function decadeTicks(scale: Scale): void {
  const lo = Math.log10(scale.min);
  const hi = Math.log10(scale.max);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi - lo < 2.5) return;
  const span = hi - lo;
  const step = [1, 2, 3, 5, 10, 20, 25, 50, 100].find((k) => span / k <= 7) ?? Math.ceil(span / 7);
  const ticks: { value: number; major: boolean }[] = [];
  for (let e = Math.ceil(lo / step) * step; e <= hi + 1e-9; e += step) ticks.push({ value: 10 ** e, major: true });
  if (ticks.length >= 2) scale.ticks = ticks;
}

/** Lowest y of a log axis: at most 18 decades below the largest value (deeper values run off the bottom). */
export const LOG_AXIS_DECADES = 18;

function linTicks(value: number | string): string {
  return formatNumber(Number(value), 3);
}

export interface ChartCallbacks {
  /** The user hovered a step chart (crosshair on every chart). */
  hover(step: number | null): void;
  /** The user clicked a step chart (moves the slider). */
  pick(step: number): void;
}

interface StepChartSpec {
  readonly id: string;
  readonly yTitle: string;
}

/** A run's colour/dash slot: from its id (`r3` → 2), so a run keeps its look when others are removed and in side-by-side panels. */
export function styleIndex(runId: string, fallback: number): number {
  const m = /^r(\d+)$/.exec(runId);
  return m ? Math.max(0, Number(m[1]) - 1) : fallback;
}

/** Style of a series: colour by run (several runs) or by parameter (one run); dash by parameter / by run. */
export function seriesStyle(t: Theme, runIdx: number, runCount: number, paramPos: number | null): { color: string; dash: number[] } {
  if (paramPos === null) return { color: t.series[runIdx % t.series.length]!, dash: [...DASHES[runIdx % DASHES.length]!] };
  if (runCount === 1) return { color: t.series[paramPos % t.series.length]!, dash: [...DASHES[paramPos % DASHES.length]!] };
  return { color: t.series[runIdx % t.series.length]!, dash: [...DASHES[paramPos % DASHES.length]!] };
}

export class Charts {
  private readonly charts = new Map<string, Chart>();
  private theme: Theme;

  constructor(
    private readonly canvases: Record<'convergence' | 'landscape' | 'effectiveLr' | 'moments' | 'stepSize', HTMLCanvasElement>,
    theme: Theme,
    private readonly cb: ChartCallbacks,
  ) {
    this.theme = theme;
    cursor.theme = theme;
  }

  get(id: string): Chart | undefined {
    return this.charts.get(id);
  }
  all(): [string, Chart][] {
    return [...this.charts.entries()];
  }

  setTheme(t: Theme): void {
    this.theme = t;
    cursor.theme = t;
    // Colours live in datasets and options: rebuild everything on the next render.
    for (const c of this.charts.values()) c.destroy();
    this.charts.clear();
  }

  private stepChart(spec: StepChartSpec, canvas: HTMLCanvasElement): Chart {
    const existing = this.charts.get(spec.id);
    if (existing) return existing;
    const t = this.theme;
    const config: ChartConfiguration<'line', Pt[]> = {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        responsive: true,
        maintainAspectRatio: false,
        spanGaps: false,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        elements: { point: { radius: 0, hitRadius: 4, hoverRadius: 3 }, line: { borderWidth: 1.6, tension: 0 } },
        scales: {
          x: {
            type: 'linear', min: 0, title: { display: true, text: 'step', color: t.muted },
            ticks: { maxRotation: 0, autoSkipPadding: 12, callback: linTicks },
            grid: { color: t.grid },
          },
          y: { type: 'logarithmic', title: { display: true, text: spec.yTitle, color: t.muted }, ticks: { callback: logTicks, autoSkip: false }, grid: { color: t.grid }, afterBuildTicks: decadeTicks },
        },
        plugins: {
          legend: {
            display: true, position: 'top', align: 'start',
            labels: { usePointStyle: true, pointStyle: 'line', pointStyleWidth: 22, boxHeight: 6, padding: 8, color: t.foreground },
          },
          tooltip: {
            callbacks: {
              title: (items: TooltipItem<'line'>[]) => (items[0] ? `step ${formatNumber(items[0].parsed.x ?? 0, 6)}` : ''),
              label: (item: TooltipItem<'line'>) => ` ${item.dataset.label ?? ''}: ${formatNumber(item.parsed.y ?? NaN, 4)}`,
            },
          },
        },
        onHover: (evt, _els, chart) => {
          const x = chart.scales['x'];
          if (!x || evt.x === null || evt.y === null) return;
          const a = chart.chartArea;
          this.cb.hover(evt.x >= a.left && evt.x <= a.right ? Math.round(x.getValueForPixel(evt.x) ?? 0) : null);
        },
        onClick: (evt, _els, chart) => {
          const x = chart.scales['x'];
          if (x && evt.x !== null) this.cb.pick(Math.max(0, Math.round(x.getValueForPixel(evt.x) ?? 0)));
        },
      },
      plugins: [stepMarkerPlugin],
    };
    const chart = new Chart(canvas, config as unknown as ChartConfiguration);
    canvas.addEventListener('mouseleave', () => this.cb.hover(null));
    this.charts.set(spec.id, chart);
    return chart;
  }

  private landscapeChart(canvas: HTMLCanvasElement): Chart {
    const existing = this.charts.get('landscape');
    if (existing && chartType(existing) === 'scatter') return existing;
    existing?.destroy();
    const t = this.theme;
    const config: ChartConfiguration<'scatter', Pt[]> = {
      type: 'scatter',
      data: { datasets: [] },
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'θ₀', color: t.muted }, ticks: { maxRotation: 0, callback: linTicks }, grid: { color: withAlpha(t.foreground, 0.06) } },
          y: { type: 'linear', title: { display: true, text: 'θ₁', color: t.muted }, ticks: { callback: linTicks }, grid: { color: withAlpha(t.foreground, 0.06) } },
        },
        plugins: {
          legend: {
            display: true, position: 'top', align: 'start',
            labels: {
              usePointStyle: true, boxHeight: 7, padding: 8, color: t.foreground,
              filter: (item) => !/^·/.test(item.text),
            },
          },
          tooltip: {
            callbacks: {
              label: (item: TooltipItem<'scatter'>) => {
                const raw = item.raw as Pt & { step?: number };
                const step = raw.step !== undefined ? ` step ${raw.step}` : '';
                return ` ${(item.dataset.label ?? '').replace(/^·\s*/, '')}${step}: (${formatNumber(raw.x, 4)}, ${formatNumber(raw.y, 4)})`;
              },
            },
          },
        },
      },
      plugins: [landscapePlugin],
    };
    const chart = new Chart(canvas, config as unknown as ChartConfiguration);
    this.charts.set('landscape', chart);
    return chart;
  }

  /** ms spent per chart by the last render() that drew it (diagnostics, read through the perf hook). */
  readonly timings: Record<string, number> = {};

  /** Rebuilds the datasets of the charts in `only` (default all) from the model; returns their summaries. */
  render(model: Model, ui: UiState, visible: (id: string) => boolean, only?: ReadonlySet<string>): Record<string, ChartSummary> {
    const runs = model.orderedRuns();
    const maxStep = Math.max(1, model.links?.steps ?? 0, model.config.steps, ...runs.map((r) => r.stepsCompleted));
    const summaries: Record<string, ChartSummary> = {};
    const want = (id: string): boolean => !only || only.has(id);
    const timed = (id: string, f: () => ChartSummary): void => {
      const t = performance.now();
      summaries[id] = f();
      this.timings[id] = performance.now() - t;
    };
    if (want('convergence')) timed('convergence', () => this.renderConvergence(model, runs, ui, maxStep, visible('convergence')));
    if (want('landscape')) {
      timed('landscape', () => (model.loss?.dim === 2 || model.landscape
        ? this.renderLandscape(model, runs, ui, visible('landscape'))
        : this.renderParamValues(model, runs, maxStep, visible('landscape'))));
    }
    if (want('effectiveLr')) timed('effectiveLr', () => this.renderPerParam('effectiveLr', 'effective learning rate α', runs, maxStep, model, (p) => p.effectiveLr, true, visible('effectiveLr')));
    if (want('moments')) {
      const states = stateNamesOf(runs);
      const state = ui.momentState && states.includes(ui.momentState) ? ui.momentState : states[0] ?? null;
      timed('moments', () => this.renderPerParam('moments', state ? (STATE_LABELS[state] ?? state) : 'optimizer state', runs, maxStep, model,
        (p) => (state ? p.state[state] ?? null : null), 'auto', visible('moments'), state ? `moments:${state}` : 'moments'));
    }
    if (want('stepSize')) {
      const mode = ui.stepSizeMode;
      timed('stepSize', () => this.renderPerParam('stepSize', mode === 'stepSize' ? 'step size |Δθ|' : 'update ratio |Δθ| / |θ|', runs, maxStep, model,
        (p) => (mode === 'stepSize' ? p.stepSize : p.updateRatio), true, visible('stepSize'), mode === 'stepSize' ? 'stepSize' : 'updateRatio'));
    }
    return summaries;
  }

  private applyX(chart: Chart, maxStep: number): void {
    const x = chart.options.scales?.['x'];
    if (x) {
      x.min = 0;
      x.max = maxStep;
    }
  }

  private applyY(chart: Chart, type: 'logarithmic' | 'linear', title: string, link: readonly [number, number] | undefined, axis = 'y'): void {
    const scales = chart.options.scales!;
    const t = this.theme;
    const prev = scales[axis] as { position?: string; display?: boolean } | undefined;
    let range: { min?: number; max?: number } = {};
    if (link) {
      range = type === 'logarithmic'
        ? { min: link[0] / 1.3, max: link[1] * 1.3 }
        : { min: link[0] - 0.05 * (link[1] - link[0] || 1), max: link[1] + 0.05 * (link[1] - link[0] || 1) };
    }
    let clipped = false;
    if (type === 'logarithmic') {
      const data = dataRange(chart, axis, true);
      if (data && Math.log10(data[1]) - Math.log10(data[0]) > LOG_AXIS_DECADES) {
        range.min = Math.max(range.min ?? 0, data[1] * 10 ** -LOG_AXIS_DECADES);
        clipped = true;
      }
    }
    scales[axis] = {
      type,
      ...(prev?.position ? { position: prev.position as 'left' | 'right' } : {}),
      title: { display: true, text: clipped ? title.replace(/\(log\)$/, '') + ' (log, clipped)' : title, color: t.muted },
      ticks: type === 'logarithmic' ? { callback: logTicks, autoSkip: false } : { callback: linTicks, autoSkipPadding: 6 },
      grid: { color: t.grid, drawOnChartArea: axis === 'y' },
      ...(type === 'logarithmic' ? { afterBuildTicks: decadeTicks } : {}),
      ...range,
    } as never;
  }

  private renderConvergence(model: Model, runs: readonly RunSeries[], ui: UiState, maxStep: number, visible: boolean): ChartSummary {
    const chart = this.stepChart({ id: 'convergence', yTitle: 'loss' }, this.canvases.convergence);
    const t = this.theme;
    const fmins = (model.loss?.minima ?? []).map((m) => m.f).filter((f): f is number => typeof f === 'number' && Number.isFinite(f));
    const fmin = fmins.length ? Math.min(...fmins) : null;
    let lossMin = Infinity;
    for (const r of runs) for (const v of r.loss.y) if (v < lossMin) lossMin = v;
    let mode: 'log' | 'offset' | 'linear' = 'log';
    if (ui.convergenceScale === 'linear') mode = 'linear';
    else if (!(lossMin > 0)) mode = fmin !== null && lossMin - fmin >= -1e-12 && ui.convergenceScale !== 'log' ? 'offset' : ui.convergenceScale === 'log' ? 'log' : 'linear';
    const log = mode !== 'linear';
    const offset = mode === 'offset' ? fmin! : 0;
    const datasets: LineDs[] = [];
    runs.forEach((r, k) => {
      const s = seriesStyle(t, styleIndex(r.runId, k), runs.length, null);
      datasets.push({ label: `${r.label}${mode === 'offset' ? '  f − f*' : '  loss'}`, data: points(r.loss, { log, offset }), borderColor: s.color, backgroundColor: s.color, borderDash: s.dash, yAxisID: 'y' });
      if (r.validationLoss) {
        datasets.push({ label: `${r.label}  validation`, data: points(r.validationLoss, { log, offset }), borderColor: withAlpha(s.color, 0.75), backgroundColor: s.color, borderDash: [2, 2], borderWidth: 1.4, yAxisID: 'y' });
      }
      if (ui.showGradNorm) {
        datasets.push({ label: `${r.label}  ‖∇f‖`, data: points(r.gradNorm, { log: true }), borderColor: withAlpha(s.color, 0.5), backgroundColor: withAlpha(s.color, 0.5), borderDash: s.dash.length ? s.dash : [1, 0], borderWidth: 1, yAxisID: 'y2' });
      }
    });
    chart.data.datasets = datasets as never;
    this.applyX(chart, maxStep);
    const title = mode === 'offset' ? `f − f*  (f* = ${formatNumber(offset)})` : mode === 'log' ? 'loss f (log)' : 'loss f (linear)';
    this.applyY(chart, log ? 'logarithmic' : 'linear', title, log && model.links ? model.links.y['convergence'] : undefined);
    const scales = chart.options.scales!;
    if (ui.showGradNorm) {
      this.applyY(chart, 'logarithmic', '‖∇f‖ (log)', undefined, 'y2');
      (scales['y2'] as { position?: string }).position = 'right';
    } else delete scales['y2'];
    chart.update('none');
    return summarize(chart, visible, log ? 'logarithmic' : 'linear');
  }

  private renderLandscape(model: Model, runs: readonly RunSeries[], ui: UiState, visible: boolean): ChartSummary {
    const chart = this.landscapeChart(this.canvases.landscape);
    const t = this.theme;
    const l: Landscape | null = model.landscape;
    const layer = landscapeLayers.get(chart);
    if (!layer || layer.landscape !== l) landscapeLayers.set(chart, { landscape: l, image: l ? landscapeImage(l, t) : null });
    const names = model.loss?.paramNames ?? ['θ₀', 'θ₁'];
    const datasets: ScatterDs[] = [];
    runs.forEach((r, k) => {
      if (!r.path) return;
      const s = seriesStyle(t, styleIndex(r.runId, k), runs.length, null);
      const data: (Pt & { step: number })[] = [];
      for (let i = 0; i < r.path.x.length; i++) {
        const x = r.path.x[i]!;
        const y = r.path.y[i]!;
        data.push({ x: Number.isFinite(x) ? x : NaN, y: Number.isFinite(y) ? y : NaN, step: r.path.step[i]! });
      }
      datasets.push({ label: r.label, data, showLine: true, borderColor: s.color, backgroundColor: s.color, borderDash: s.dash, borderWidth: 1.8, pointRadius: 0, pointHitRadius: 3, pointStyle: 'line' });
    });
    // Slider markers: each run's point at the selected step.
    runs.forEach((r, k) => {
      if (!r.path || ui.step < 0) return;
      const i = nearestIndex(r.path.step, ui.step);
      if (i < 0) return;
      const s = seriesStyle(t, styleIndex(r.runId, k), runs.length, null);
      datasets.push({ label: `· ${r.label} @ step`, data: [{ x: r.path.x[i]!, y: r.path.y[i]!, step: r.path.step[i]! } as Pt], borderColor: t.background, backgroundColor: s.color, pointRadius: 5.5, pointBorderWidth: 1.5, pointStyle: 'circle' });
    });
    const start = l?.start ?? (model.loss && model.loss.start.length === 2 ? [model.loss.start[0]!, model.loss.start[1]!] : null);
    if (start) datasets.push({ label: 'start', data: [{ x: start[0]!, y: start[1]! }], pointStyle: 'circle', pointRadius: 5, borderColor: t.foreground, backgroundColor: t.background, pointBorderWidth: 2 });
    const minima = l?.minima ?? model.loss?.minima ?? [];
    if (minima.length) datasets.push({ label: minima.length > 1 ? 'minima' : 'minimum', data: minima.map((m) => ({ x: m.x, y: m.y })), pointStyle: 'star', pointRadius: 8, borderColor: t.foreground, backgroundColor: t.foreground, pointBorderWidth: 1.5 });
    chart.data.datasets = datasets as never;
    const sx = chart.options.scales!['x']!;
    const sy = chart.options.scales!['y']!;
    const w = l ? { x: l.x, y: l.y } : model.loss?.window ?? pathWindow(runs);
    if (w) {
      sx.min = w.x[0];
      sx.max = w.x[1];
      sy.min = w.y[0];
      sy.max = w.y[1];
    }
    (sx as { title: { text: string } }).title.text = names[0] ?? 'θ₀';
    (sy as { title: { text: string } }).title.text = names[1] ?? 'θ₁';
    chart.update('none');
    const summary = summarize(chart, visible, 'linear');
    if (!l) return summary;
    let gaps = 0;
    for (let i = 0; i < l.values.length; i++) if (!Number.isFinite(l.values[i]!)) gaps++;
    return { ...summary, contour: { nx: l.nx, ny: l.ny, levels: l.levels.length, gaps, x: [l.x[0], l.x[1]], y: [l.y[0], l.y[1]] } };
  }

  private renderParamValues(model: Model, runs: readonly RunSeries[], maxStep: number, visible: boolean): ChartSummary {
    const existing = this.charts.get('landscape');
    if (existing && chartType(existing) !== 'line') {
      existing.destroy();
      this.charts.delete('landscape');
    }
    return this.renderPerParam('landscape', 'parameter value θ', runs, maxStep, model, (p) => p.value, false, visible, 'params');
  }

  private renderPerParam(
    id: 'landscape' | 'effectiveLr' | 'moments' | 'stepSize', yTitle: string, runs: readonly RunSeries[], maxStep: number, model: Model,
    pick: (p: RunSeries['params'][number]) => SeriesColumn | null, log: boolean | 'auto', visible: boolean, linkKey: string = id,
  ): ChartSummary {
    const chart = this.stepChart({ id, yTitle }, this.canvases[id]);
    const t = this.theme;
    const datasets: LineDs[] = [];
    let allPositive = true;
    const cols: { run: RunSeries; k: number; pos: number; name: string; col: SeriesColumn }[] = [];
    runs.forEach((r, k) => {
      r.params.forEach((p, pos) => {
        const col = pick(p);
        if (!col || col.x.length === 0) return;
        for (const v of col.y) if (Number.isFinite(v) && v <= 0) allPositive = false;
        cols.push({ run: r, k, pos, name: p.name, col });
      });
    });
    const useLog = log === 'auto' ? allPositive && cols.length > 0 : log;
    for (const { run, k, pos, name, col } of cols) {
      const s = seriesStyle(t, styleIndex(run.runId, k), runs.length, pos);
      datasets.push({
        label: runs.length > 1 ? `${run.label} · ${name}` : name,
        data: points(col, { log: useLog }),
        borderColor: s.color, backgroundColor: s.color, borderDash: s.dash,
      });
    }
    chart.data.datasets = datasets as never;
    this.applyX(chart, maxStep);
    this.applyY(chart, useLog ? 'logarithmic' : 'linear', useLog ? `${yTitle} (log)` : yTitle, model.links?.y[linkKey]);
    chart.update('none');
    return summarize(chart, visible, useLog ? 'logarithmic' : 'linear');
  }

  /** Slider / hover moved: redraw markers only (and the landscape's step points). */
  redrawMarkers(model: Model, ui: UiState): void {
    for (const [id, c] of this.charts) {
      if (id === 'landscape' && chartType(c) === 'scatter') {
        const runs = model.orderedRuns();
        const ds = c.data.datasets as ScatterDs[];
        let k = 0;
        for (const d of ds) {
          if (!d.label?.startsWith('· ')) continue;
          const r = runs.filter((x) => x.path)[k++];
          if (!r?.path) continue;
          const i = nearestIndex(r.path.step, ui.step);
          if (i >= 0) d.data = [{ x: r.path.x[i]!, y: r.path.y[i]!, step: r.path.step[i]! } as Pt];
        }
        c.update('none');
      } else c.draw();
    }
  }

  /** PNG of each chart over the theme background (canvas.toDataURL). */
  capture(visible: (id: string) => boolean): { chart: string; dataUrl: string }[] {
    const out: { chart: string; dataUrl: string }[] = [];
    for (const [id, c] of this.charts) {
      if (!visible(id)) continue;
      const src = c.canvas;
      const off = document.createElement('canvas');
      off.width = src.width;
      off.height = src.height;
      const ctx = off.getContext('2d')!;
      ctx.fillStyle = this.theme.background;
      ctx.fillRect(0, 0, off.width, off.height);
      ctx.drawImage(src, 0, 0);
      out.push({ chart: id, dataUrl: off.toDataURL('image/png') });
    }
    return out;
  }
}

function chartType(c: Chart): string | undefined {
  return (c.config as { type?: string }).type;
}

/** Index of the last x ≤ step (binary search over sorted steps); 0 when step precedes all. */
export function nearestIndex(xs: Float64Array, step: number): number {
  if (xs.length === 0) return -1;
  let lo = 0;
  let hi = xs.length - 1;
  if (step >= xs[hi]!) return hi;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (xs[mid]! <= step) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function pathWindow(runs: readonly RunSeries[]): { x: [number, number]; y: [number, number] } | null {
  const xr = finiteRange(runs.flatMap((r) => (r.path ? Array.from(r.path.x) : [])));
  const yr = finiteRange(runs.flatMap((r) => (r.path ? Array.from(r.path.y) : [])));
  if (!xr || !yr) return null;
  const pad = (r: [number, number]): [number, number] => {
    const d = (r[1] - r[0]) * 0.1 || 1;
    return [r[0] - d, r[1] + d];
  };
  return { x: pad(xr), y: pad(yr) };
}

/** Finite (positive) y range of the datasets on one axis. */
function dataRange(chart: Chart, axis: string, positive: boolean): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const d of chart.data.datasets) {
    if (((d as { yAxisID?: string }).yAxisID ?? 'y') !== axis) continue;
    for (const p of d.data as Pt[]) {
      const v = p.y;
      if (!Number.isFinite(v) || (positive && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

function summarize(chart: Chart, visible: boolean, yScale: 'linear' | 'logarithmic'): ChartSummary {
  let points = 0;
  const xs: number[] = [];
  const ys: number[] = [];
  const labels: string[] = [];
  for (const d of chart.data.datasets) {
    const data = d.data as Pt[];
    points += data.length;
    labels.push(String(d.label ?? ''));
    for (const p of data) {
      if (Number.isFinite(p.x)) xs.push(p.x);
      if (Number.isFinite(p.y)) ys.push(p.y);
    }
  }
  return {
    datasets: chart.data.datasets.length,
    points,
    labels,
    xRange: finiteRange(xs),
    yRange: finiteRange(ys),
    yScale,
    visible,
  };
}
