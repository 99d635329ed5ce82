// The five charts of the panel. Every step chart shares one x axis range (linked steps), the hover
// crosshair and the slider marker. Data arrive decimated from the host as Float64Arrays and are
// turned into sorted {x, y} points once per message (parsing: false, normalized: true, no animation).
import type { ChartConfiguration, ChartDataset, LegendElement, LegendItem, Scale, ScatterDataPoint, TooltipItem } from 'chart.js';
import { axisLayout, linearTicks, logTicks as logTickValues, plottable, type AxisLayout } from '../../src/protocol/axes';
import { formatNumber } from '../../src/protocol/format';
import type { ChartSummary, Landscape, RunSeries, SeriesColumn } from '../../src/protocol/messages';
import type { Model } from '../model';
import type { UiState } from '../vscodeApi';
import { cursor, landscapeImage, landscapeLayers, landscapePlugin, overflowPlugin, stepMarkerPlugin } from './plugins';
import { Chart } from './registerChartJs';
import { stepPointer, stepTooltip, stepZoom } from './stepOptions';
import { DASHES, withAlpha, type Theme } from './theme';
import { setDatasets, summarizeChart } from './datasets';

type Pt = ScatterDataPoint;
/** One half of a legend group: the run (colour) or the parameter / series kind (dash, width). */
interface GroupPart { readonly key: string; readonly label: string; readonly color: string; readonly dash: readonly number[]; readonly width: number }
type LineDs = ChartDataset<'line', Pt[]> & {
  /** Steps whose value is non-finite or beyond ±1e300: not plotted, marked at the top edge. */
  odOverflow?: number[];
  /** Legend grouping (more than MAX_LEGEND entries): [run, parameter or kind]. */
  odGroup?: readonly [GroupPart, GroupPart];
};
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

function points(c: SeriesColumn | null | undefined, opts: { log?: boolean; offset?: number; overflow?: number[]; minX?: number } = {}): Pt[] {
  if (!c) return [];
  const n = Math.min(c.x.length, c.y.length);
  const out: Pt[] = [];
  const off = opts.offset ?? 0;
  const minX = opts.minX ?? -Infinity;
  for (let i = 0; i < n; i++) {
    const x = c.x[i]!;
    if (x < minX) continue;
    const raw = c.y[i]!;
    let y = raw - off;
    if (!plottable(raw)) {
      opts.overflow?.push(x);
      y = NaN;
    } else if (opts.log && !(y > 0)) y = NaN;
    else if (!Number.isFinite(y)) y = NaN;
    out.push({ x, y });
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

/** Lowest y of a log axis: at most 18 decades below the first step's value (or the largest, if smaller). */
export const LOG_AXIS_DECADES = 18;
/** Most legend entries shown one per dataset; more are grouped (run colour × parameter dash) or compacted. */
export const MAX_LEGEND = 8;
/** Width of a series line (legend swatches use the same). */
const LINE_WIDTH = 1.6;
/** Short names of state tensors in legends of the raw + bias-corrected view. */
const SHORT_STATE: Record<string, string> = { exp_avg: 'm', exp_avg_hat: 'm̂', exp_avg_sq: 'v', exp_avg_sq_hat: 'v̂', max_exp_avg_sq: 'max v' };

/** Ticks (values + labels) of an axis layout for Chart.js: replaces the scale's ticks after it built its own. */
function tickHooks(layout: AxisLayout | null): { afterBuildTicks?: (scale: Scale) => void; callback: (v: number | string) => string } {
  if (!layout) return { callback: linTicks };
  const byValue = new Map(layout.ticks.map((t) => [t.value, t.label]));
  return {
    afterBuildTicks: (scale: Scale) => {
      const ticks = layout.ticks.filter((t) => t.value >= scale.min && t.value <= scale.max);
      if (ticks.length) scale.ticks = ticks.map((t) => ({ value: t.value }));
    },
    callback: (v: number | string) => byValue.get(Number(v)) ?? formatNumber(Number(v), 3),
  };
}

/** Moment views: every state tensor, plus "raw + bias-corrected" overlays (m with m̂, v with v̂) for the Adam family. */
export const MOMENT_OVERLAYS: Record<string, { readonly label: string; readonly axis: string; readonly hat: string; readonly raw: readonly string[] }> = {
  'exp_avg+exp_avg_hat': { label: 'm and m̂ = m/(1−β1ᵗ)  (raw + bias-corrected)', axis: 'm (thin), m̂ (bold)', hat: 'exp_avg_hat', raw: ['exp_avg'] },
  'exp_avg_sq+exp_avg_sq_hat': { label: 'v and v̂ = v/(1−β2ᵗ)  (raw + bias-corrected)', axis: 'v (thin), v̂ (bold)', hat: 'exp_avg_sq_hat', raw: ['max_exp_avg_sq', 'exp_avg_sq'] },
};

export function momentViews(runs: readonly RunSeries[]): { value: string; label: string }[] {
  const states = stateNamesOf(runs);
  const out = states.map((s) => ({ value: s, label: STATE_LABELS[s] ?? s }));
  const overlays = Object.entries(MOMENT_OVERLAYS).filter(([, o]) => states.includes(o.hat)).map(([value, o]) => ({ value, label: o.label }));
  // Overlays right after the raw states they combine.
  const at = out.findIndex((o) => o.value.endsWith('_hat'));
  out.splice(at < 0 ? out.length : at, 0, ...overlays);
  return out;
}

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
        elements: { point: { radius: 0, hitRadius: 4, hoverRadius: 3 }, line: { borderWidth: LINE_WIDTH, tension: 0 } },
        scales: {
          x: {
            type: 'linear', min: 0, title: { display: true, text: 'step', color: t.muted },
            ticks: { maxRotation: 0, autoSkipPadding: 12, callback: linTicks },
            grid: { color: t.grid },
          },
          y: { type: 'logarithmic', title: { display: true, text: spec.yTitle, color: t.muted }, ticks: { autoSkip: false }, grid: { color: t.grid } },
        },
        plugins: {
          legend: {
            display: true, position: 'top', align: 'start',
            labels: { usePointStyle: true, pointStyle: 'line', pointStyleWidth: 28, boxHeight: 6, padding: 8, color: t.foreground, generateLabels: (chart: unknown) => legendItems(chart as Chart, this.theme) },
            onClick: (_e: unknown, item: LegendItem, legend: LegendElement<'line'>) => legendToggle(legend, item),
            onHover: (_e: unknown, item: LegendItem, legend: LegendElement<'line'>) => {
              const more = (item as OdLegendItem).odMore;
              if (more) legend.chart.canvas.title = more;
            },
            onLeave: (_e: unknown, _item: LegendItem, legend: LegendElement<'line'>) => {
              legend.chart.canvas.title = '';
            },
          },
          tooltip: stepTooltip(4),
          // Drag (or Ctrl + wheel) zooms the step axis of every step chart; double-click resets.
          zoom: stepZoom(t, (chart) => this.zoomed(chart), { x: { min: 0, max: 'original', minRange: 2 } }),
        } as never,
        ...stepPointer(this.cb),
      },
      plugins: [stepMarkerPlugin, overflowPlugin],
    };
    const chart = new Chart(canvas, config as unknown as ChartConfiguration);
    canvas.addEventListener('mouseleave', () => this.cb.hover(null));
    canvas.addEventListener('dblclick', () => this.setStepWindow(null));
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

  /** Called when the step window changes (charts outside this class that share the step axis). */
  onStepWindow: (() => void) | null = null;
  /** The zoomed step range of every step chart (drag to zoom, double-click resets); null = the whole run. */
  stepWindow: [number, number] | null = null;
  private last: { model: Model; ui: UiState; visible: (id: string) => boolean } | null = null;

  /** A chart was zoomed by the plugin: the same step range on every step chart. */
  private zoomed(chart: Chart): void {
    const x = chart.scales['x'];
    if (!x) return;
    this.setStepWindow([Math.max(0, x.min), x.max]);
  }

  /** Sets (or with null resets) the step range shown by every step chart and redraws them. */
  setStepWindow(w: [number, number] | null): void {
    if (w && !(w[1] > w[0])) return;
    if (!w && !this.stepWindow) return;
    this.stepWindow = w;
    this.onStepWindow?.();
    if (!this.last) return;
    const { model, ui, visible } = this.last;
    const ids = new Set(['convergence', 'effectiveLr', 'moments', 'stepSize']);
    if (!showsLandscape(model, ui)) ids.add('landscape');
    this.render(model, ui, visible, ids);
  }

  /** Rebuilds the datasets of the charts in `only` (default all) from the model; returns their summaries. */
  render(model: Model, ui: UiState, visible: (id: string) => boolean, only?: ReadonlySet<string>): Record<string, ChartSummary> {
    this.last = { model, ui, visible };
    const runs = model.orderedRuns();
    cursor.switches = runs.flatMap((r) => (r.switches ?? []).map((s) => ({ step: s.step, label: `${runs.length > 1 ? `${r.label} ` : ''}→ ${model.optimizers.get(s.optimizer)?.label ?? s.optimizer}` })));
    const maxStep = Math.max(1, model.links?.steps ?? 0, model.config.steps, ...runs.map((r) => r.stepsCompleted));
    if (this.stepWindow && this.stepWindow[0] >= maxStep) this.stepWindow = null;
    const summaries: Record<string, ChartSummary> = {};
    const want = (id: string): boolean => !only || only.has(id);
    const timed = (id: string, f: () => ChartSummary): void => {
      const t = performance.now();
      summaries[id] = f();
      this.timings[id] = performance.now() - t;
    };
    if (want('convergence')) timed('convergence', () => this.renderConvergence(model, runs, ui, maxStep, visible('convergence')));
    if (want('landscape')) {
      timed('landscape', () => (showsLandscape(model, ui)
        ? this.renderLandscape(model, runs, ui, visible('landscape'))
        : this.renderParamValues(model, runs, ui, maxStep, visible('landscape'))));
    }
    if (want('effectiveLr')) timed('effectiveLr', () => this.renderPerParam('effectiveLr', 'effective learning rate α', runs, ui, maxStep, model, (p) => p.effectiveLr, true, visible('effectiveLr')));
    if (want('moments')) {
      const views = momentViews(runs);
      const view = ui.momentState && views.some((v) => v.value === ui.momentState) ? ui.momentState : views[0]?.value ?? null;
      const overlay = view ? MOMENT_OVERLAYS[view] : undefined;
      if (overlay) {
        timed('moments', () => this.renderPerParam('moments', overlay.axis, runs, ui, maxStep, model, (p) => p.state[overlay.hat] ?? null, 'auto', visible('moments'), `moments:${overlay.hat}`, overlay));
      } else {
        timed('moments', () => this.renderPerParam('moments', view ? (STATE_LABELS[view] ?? view) : 'optimizer state', runs, ui, maxStep, model,
          (p) => (view ? p.state[view] ?? null : null), 'auto', visible('moments'), view ? `moments:${view}` : 'moments'));
      }
    }
    if (want('stepSize')) {
      const mode = ui.stepSizeMode;
      timed('stepSize', () => this.renderPerParam('stepSize', mode === 'stepSize' ? 'step size |Δθ|' : 'update ratio |Δθ| / |θ|', runs, ui, maxStep, model,
        (p) => (mode === 'stepSize' ? p.stepSize : p.updateRatio), true, visible('stepSize'), mode === 'stepSize' ? 'stepSize' : 'updateRatio'));
    }
    return summaries;
  }

  /** The linked step axis: whole run or the zoomed window; linear, or log (steps ≥ 1) with rounded ticks. */
  private applyX(chart: Chart, maxStep: number, logSteps: boolean): void {
    const scales = chart.options.scales!;
    const t = this.theme;
    const lo = logSteps ? 1 : 0;
    const w = this.stepWindow;
    const min = w ? Math.max(lo, w[0]) : lo;
    const max = w ? Math.min(maxStep, w[1]) : maxStep;
    // Rounded ticks inside the window (Chart.js would label the window's own, unrounded, ends).
    const ticks = !(max > min) ? null : logSteps ? logTickValues(min, max).filter((k) => Number.isInteger(k.value) || max - min < 10) : w ? linearTicks(min, max, 6) : null;
    const layout: AxisLayout | null = ticks ? { min, max, ticks, clipped: false } : null;
    const hooks = tickHooks(layout);
    const title = `step${logSteps ? ' (log)' : ''}${w ? `  ${formatNumber(min, 4)}–${formatNumber(max, 4)} · double-click to reset` : ''}`;
    scales['x'] = {
      type: logSteps ? 'logarithmic' : 'linear', min, max,
      title: { display: true, text: title, color: t.muted },
      ticks: { maxRotation: 0, autoSkipPadding: 12, callback: hooks.callback, ...(logSteps ? { autoSkip: false } : {}) },
      grid: { color: t.grid },
      ...(hooks.afterBuildTicks ? { afterBuildTicks: hooks.afterBuildTicks } : {}),
    } as never;
    const zoom = (chart.options.plugins as { zoom?: { limits?: { x?: { min?: number; max?: number | string } } } }).zoom;
    if (zoom?.limits?.x) {
      zoom.limits.x.min = lo;
      zoom.limits.x.max = maxStep;
    }
  }

  private applyY(chart: Chart, type: 'logarithmic' | 'linear', title: string, link: readonly [number, number] | undefined, axis = 'y'): AxisLayout | null {
    const scales = chart.options.scales!;
    const t = this.theme;
    const prev = scales[axis] as { position?: string; display?: boolean } | undefined;
    const log = type === 'logarithmic';
    // The data on screen (the zoomed window decides the range); linked panels share the union of all panels' data.
    const data = dataRange(chart, axis, log, this.stepWindow);
    let lo = data?.lo ?? NaN;
    let hi = data?.hi ?? NaN;
    if (link && !this.stepWindow && link[1] >= link[0] && (!log || link[0] > 0)) {
      lo = Math.min(Number.isFinite(lo) ? lo : link[0], link[0]);
      hi = Math.max(Number.isFinite(hi) ? hi : link[1], link[1]);
    }
    const layout = axisLayout(lo, hi, log, log ? { maxDecades: LOG_AXIS_DECADES, keep: data?.first } : {});
    const hooks = tickHooks(layout);
    scales[axis] = {
      type,
      ...(prev?.position ? { position: prev.position as 'left' | 'right' } : {}),
      title: { display: true, text: layout?.clipped ? title.replace(/\(log\)$/, '') + ' (log, clipped)' : title, color: t.muted },
      ticks: { callback: hooks.callback, autoSkip: false },
      grid: { color: t.grid, drawOnChartArea: axis === 'y' },
      ...(hooks.afterBuildTicks ? { afterBuildTicks: hooks.afterBuildTicks } : {}),
      ...(layout ? { min: layout.min, max: layout.max } : {}),
    } as never;
    return layout;
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
    const minX = ui.logSteps ? 1 : -Infinity;
    const datasets: LineDs[] = [];
    const fg = t.foreground;
    const lossLabel = mode === 'offset' ? 'f − f*' : 'loss';
    const kinds = {
      loss: { key: 'loss', label: lossLabel, color: fg, dash: [], width: LINE_WIDTH },
      validation: { key: 'validation', label: 'validation', color: fg, dash: [2, 2], width: 1.4 },
      grad: { key: 'grad', label: '‖∇f‖ (right axis)', color: withAlpha(fg, 0.5), dash: [], width: 1 },
    } satisfies Record<string, GroupPart>;
    runs.forEach((r, k) => {
      const s = seriesStyle(t, styleIndex(r.runId, k), runs.length, null);
      const run: GroupPart = { key: r.runId, label: r.label, color: s.color, dash: s.dash, width: LINE_WIDTH };
      const overflow: number[] = [];
      datasets.push({ label: `${r.label}  ${lossLabel}`, data: points(r.loss, { log, offset, overflow, minX }), borderColor: s.color, backgroundColor: s.color, borderDash: s.dash, borderWidth: LINE_WIDTH, yAxisID: 'y', odOverflow: overflow, odGroup: [run, kinds.loss] });
      if (r.validationLoss) {
        const vo: number[] = [];
        datasets.push({ label: `${r.label}  validation`, data: points(r.validationLoss, { log, offset, overflow: vo, minX }), borderColor: withAlpha(s.color, 0.75), backgroundColor: s.color, borderDash: [2, 2], borderWidth: 1.4, yAxisID: 'y', odOverflow: vo, odGroup: [run, kinds.validation] });
      }
      if (ui.showGradNorm) {
        const go: number[] = [];
        datasets.push({ label: `${r.label}  ‖∇f‖`, data: points(r.gradNorm, { log: true, overflow: go, minX }), borderColor: withAlpha(s.color, 0.5), backgroundColor: withAlpha(s.color, 0.5), borderDash: s.dash.length ? s.dash : [], borderWidth: 1, yAxisID: 'y2', odOverflow: go, odGroup: [run, kinds.grad] });
      }
    });
    setDatasets(chart, datasets as never);
    this.applyX(chart, maxStep, !!ui.logSteps);
    const title = mode === 'offset' ? `f − f*  (f* = ${formatNumber(offset)})` : mode === 'log' ? 'loss f (log)' : 'loss f (linear)';
    this.applyY(chart, log ? 'logarithmic' : 'linear', title, log && model.links ? model.links.y['convergence'] : undefined);
    const scales = chart.options.scales!;
    if (ui.showGradNorm) {
      (scales as Record<string, unknown>)['y2'] = { position: 'right' };
      this.applyY(chart, 'logarithmic', '‖∇f‖ (log)', undefined, 'y2');
    } else delete scales['y2'];
    chart.update('none');
    return summarizeChart(chart, visible, log ? 'logarithmic' : 'linear');
  }

  private renderLandscape(model: Model, runs: readonly RunSeries[], ui: UiState, visible: boolean): ChartSummary {
    const chart = this.landscapeChart(this.canvases.landscape);
    const t = this.theme;
    const l: Landscape | null = model.landscape;
    const layer = landscapeLayers.get(chart);
    if (!layer || layer.landscape !== l) landscapeLayers.set(chart, { landscape: l, image: l ? landscapeImage(l, t) : null });
    const pc = l?.plane;
    const pct = (v: number) => `${(100 * v).toFixed(v < 0.001 ? 3 : 1)} % of variance`;
    const names = pc ? [`PC1 (${pct(pc.explained[0])})`, `PC2 (${pct(pc.explained[1])})`] : model.loss?.paramNames ?? ['θ₀', 'θ₁'];
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
    setDatasets(chart, datasets as never);
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
    const summary = summarizeChart(chart, visible, 'linear');
    if (!l) return summary;
    let gaps = 0;
    for (let i = 0; i < l.values.length; i++) if (!Number.isFinite(l.values[i]!)) gaps++;
    return { ...summary, contour: { nx: l.nx, ny: l.ny, levels: l.levels.length, gaps, x: [l.x[0], l.x[1]], y: [l.y[0], l.y[1]] } };
  }

  private renderParamValues(model: Model, runs: readonly RunSeries[], ui: UiState, maxStep: number, visible: boolean): ChartSummary {
    const existing = this.charts.get('landscape');
    if (existing && chartType(existing) !== 'line') {
      existing.destroy();
      this.charts.delete('landscape');
    }
    return this.renderPerParam('landscape', 'parameter value θ', runs, ui, maxStep, model, (p) => p.value, false, visible, 'params');
  }

  private renderPerParam(
    id: 'landscape' | 'effectiveLr' | 'moments' | 'stepSize', yTitle: string, runs: readonly RunSeries[], ui: UiState, maxStep: number, model: Model,
    pick: (p: RunSeries['params'][number]) => SeriesColumn | null, log: boolean | 'auto', visible: boolean, linkKey: string = id,
    overlay?: { readonly hat: string; readonly raw: readonly string[] },
  ): ChartSummary {
    const chart = this.stepChart({ id, yTitle }, this.canvases[id]);
    const t = this.theme;
    const datasets: LineDs[] = [];
    let allPositive = true;
    const cols: { run: RunSeries; k: number; pos: number; name: string; col: SeriesColumn; raw: { name: string; col: SeriesColumn } | null }[] = [];
    const positive = (col: SeriesColumn): void => {
      for (const v of col.y) if (Number.isFinite(v) && v <= 0) allPositive = false;
    };
    runs.forEach((r, k) => {
      r.params.forEach((p, pos) => {
        const col = pick(p);
        if (!col || col.x.length === 0) return;
        positive(col);
        let raw: { name: string; col: SeriesColumn } | null = null;
        if (overlay) {
          const name = overlay.raw.find((n) => p.state[n]?.x.length);
          if (name) {
            raw = { name, col: p.state[name]! };
            positive(raw.col);
          }
        }
        cols.push({ run: r, k, pos, name: p.name, col, raw });
      });
    });
    const useLog = log === 'auto' ? allPositive && cols.length > 0 : log;
    const minX = ui.logSteps ? 1 : -Infinity;
    const many = runs.length > 1;
    for (const { run, k, pos, name, col, raw } of cols) {
      const s = seriesStyle(t, styleIndex(run.runId, k), runs.length, pos);
      const runPart: GroupPart = { key: run.runId, label: run.label, color: t.series[styleIndex(run.runId, k) % t.series.length]!, dash: [], width: LINE_WIDTH };
      const hatName = overlay ? SHORT_STATE[overlay.hat] ?? overlay.hat : '';
      const paramPart = (suffix: string, width: number): GroupPart => ({ key: `${pos}${suffix}`, label: `${name}${suffix ? ` ${suffix}` : ''}`, color: t.foreground, dash: s.dash, width });
      if (raw) {
        const rawName = SHORT_STATE[raw.name] ?? raw.name;
        const ro: number[] = [];
        datasets.push({
          label: `${many ? `${run.label} · ` : ''}${name} ${rawName}`, data: points(raw.col, { log: useLog, overflow: ro, minX }),
          borderColor: withAlpha(s.color, 0.55), backgroundColor: withAlpha(s.color, 0.55), borderDash: s.dash, borderWidth: 1.1, odOverflow: ro, odGroup: [runPart, paramPart(rawName, 1.1)],
        });
      }
      const overflow: number[] = [];
      const width = overlay ? 2.2 : LINE_WIDTH;
      datasets.push({
        label: `${many ? `${run.label} · ` : ''}${name}${overlay ? ` ${hatName}` : ''}`,
        data: points(col, { log: useLog, overflow, minX }),
        borderColor: s.color, backgroundColor: s.color, borderDash: s.dash, borderWidth: width, odOverflow: overflow, odGroup: [runPart, paramPart(hatName, width)],
      });
    }
    if (id === 'effectiveLr') {
      // The scheduled lr of each run whose lr changes (schedule or switch), on the same step axis.
      runs.forEach((run, k) => {
        if (!run.lr || run.lr.x.length === 0) return;
        const color = t.series[styleIndex(run.runId, k) % t.series.length]!;
        const runPart: GroupPart = { key: run.runId, label: run.label, color, dash: [], width: LINE_WIDTH };
        const lo: number[] = [];
        datasets.push({
          label: `${many ? `${run.label} · ` : ''}lr (schedule)`, data: points(run.lr, { log: useLog, overflow: lo, minX }),
          borderColor: withAlpha(color, 0.8), backgroundColor: withAlpha(color, 0.8), borderDash: [6, 3], borderWidth: 1.6, odOverflow: lo,
          odGroup: [runPart, { key: 'lr', label: 'lr (schedule)', color: t.foreground, dash: [6, 3], width: 1.6 }],
        });
      });
    }
    setDatasets(chart, datasets as never);
    this.applyX(chart, maxStep, !!ui.logSteps);
    this.applyY(chart, useLog ? 'logarithmic' : 'linear', useLog ? `${yTitle} (log)` : yTitle, model.links?.y[linkKey]);
    chart.update('none');
    return summarizeChart(chart, visible, useLog ? 'logarithmic' : 'linear');
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

/**
 * Plottable (positive) y range of the datasets on one axis, within the step window if zoomed, and the
 * smallest of their first values (the first step's: a log axis never clips it away).
 */
function dataRange(chart: Chart, axis: string, positive: boolean, window: readonly [number, number] | null): { lo: number; hi: number; first: number } | null {
  let lo = Infinity;
  let hi = -Infinity;
  let first = Infinity;
  const x0 = window ? window[0] : -Infinity;
  const x1 = window ? window[1] : Infinity;
  for (const d of chart.data.datasets) {
    if (((d as { yAxisID?: string }).yAxisID ?? 'y') !== axis) continue;
    let seen = false;
    for (const p of d.data as Pt[]) {
      const v = p.y;
      if (p.x < x0 || p.x > x1 || !Number.isFinite(v) || (positive && v <= 0)) continue;
      if (!seen) {
        seen = true;
        if (v < first) first = v;
      }
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? { lo, hi, first } : null;
}

type OdLegendItem = LegendItem & { odSlot?: 0 | 1; odKey?: string; odMore?: string };

/**
 * Legend entries that show what is drawn: each swatch a short line with the dataset's own colour, dash
 * and width (Chart.js's default takes the point style's, so every swatch looked solid). More than
 * MAX_LEGEND datasets: grouped, the runs (run colour) then the parameters / series kinds (dash, width);
 * without groups, the first entries and "+N more" (hover lists them all).
 */
export function legendItems(chart: Chart, t: Theme): LegendItem[] {
  const ds = chart.data.datasets as LineDs[];
  const item = (text: string, color: string, dash: readonly number[], width: number, hidden: boolean): OdLegendItem => ({
    text, fillStyle: color, strokeStyle: color, lineDash: [...dash], lineWidth: width, lineCap: 'butt', pointStyle: 'line', hidden, fontColor: t.foreground,
  } as OdLegendItem);
  const single = (d: LineDs, i: number): OdLegendItem => ({
    ...item(String(d.label ?? ''), String(d.borderColor ?? t.foreground), Array.isArray(d.borderDash) ? (d.borderDash as number[]) : [], typeof d.borderWidth === 'number' ? d.borderWidth : LINE_WIDTH, !chart.isDatasetVisible(i)),
    datasetIndex: i,
  });
  if (ds.length <= MAX_LEGEND) return ds.map(single);
  if (ds.every((d) => d.odGroup)) {
    const out: OdLegendItem[] = [];
    for (const slot of [0, 1] as const) {
      const seen = new Map<string, GroupPart>();
      for (const d of ds) {
        const part = d.odGroup![slot];
        if (!seen.has(part.key)) seen.set(part.key, part);
      }
      if (slot === 1 && seen.size < 2) continue; // one kind only: the runs say it all
      for (const part of seen.values()) {
        const hidden = ds.every((d, i) => d.odGroup![slot].key !== part.key || !chart.isDatasetVisible(i));
        out.push({ ...item(part.label, part.color, part.dash, part.width, hidden), odSlot: slot, odKey: part.key });
      }
    }
    return out;
  }
  const shown = ds.slice(0, MAX_LEGEND - 1).map(single);
  const rest = ds.slice(MAX_LEGEND - 1).map((d) => String(d.label ?? ''));
  return [...shown, { ...item(`+${rest.length} more`, t.muted, [], 0, false), odMore: rest.join('\n') }];
}

/** Legend click: one dataset, or every dataset of a group (hides them unless all are hidden). */
function legendToggle(legend: LegendElement<'line'>, item: LegendItem): void {
  const chart = legend.chart;
  const it = item as OdLegendItem;
  if (it.datasetIndex !== undefined) {
    chart.setDatasetVisibility(it.datasetIndex, !chart.isDatasetVisible(it.datasetIndex));
  } else if (it.odKey !== undefined && it.odSlot !== undefined) {
    const ds = chart.data.datasets as LineDs[];
    const members = ds.map((d, i) => (d.odGroup?.[it.odSlot!].key === it.odKey ? i : -1)).filter((i) => i >= 0);
    const show = members.every((i) => !chart.isDatasetVisible(i));
    for (const i of members) chart.setDatasetVisibility(i, show);
  } else return;
  chart.update('none');
}

/** The landscape card draws a landscape (2-D losses, or the PCA plane unless θ over steps is chosen) rather than θ over steps. */
export function showsLandscape(model: Model, ui: UiState): boolean {
  return model.loss?.dim === 2 || (!!model.landscape && !(model.landscape.plane && ui.ndView === 'params'));
}
