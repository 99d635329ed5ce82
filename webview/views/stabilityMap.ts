// The Stability map card (README "Stability map"): one run of the panel swept over one or two hyperparameter
// axes on the host (src/host/panel/sweepSession.ts); this view only draws what arrives. A heatmap: colour =
// outcome (legend names them), shade = final loss (stronger = lower), log axes where the grid is log, the
// current run's configuration marked ✕. Cells stream in (`map/didAppendCells`, columnar); hovering a cell
// (or moving with the arrow keys) shows its numbers, clicking it (Enter) runs it in the panel.
import type { Chart as ChartT, ChartConfiguration, Plugin } from 'chart.js';
import type { OptimizerSchema, SessionConfig } from '../../src/protocol/messages';
import { formatNumber } from '../../src/protocol/format';
import { MAX_MAP_CELLS, OUTCOMES, defaultMapAxes, type MapAxis, type MapFromWebview, type MapStarted, type MapToWebview, type MapRenderSummary } from '../../src/protocol/sweepMessages';
import { Chart } from '../charts/registerChartJs';
import { logTickLabel, parseColor, readTheme, watchTheme, withAlpha, type Theme } from '../charts/theme';
import { button, dropdown, textField, type ValueElement } from '../ui/toolkit';
import { el } from './dom';

/** Theme series slot of each outcome (converged green, oscillating yellow, slow blue, diverging orange, diverged red). */
const OUTCOME_SLOT: Readonly<Record<string, number>> = { converged: 2, oscillating: 3, slow: 0, diverging: 5, diverged: 1 };
const OUTCOME_TEXT: Readonly<Record<string, string>> = {
  converged: 'converged: within tolerance of f* at the last step (f* unknown: the gradient reached the tolerance and the loss stayed there)',
  oscillating: 'oscillating: not converged, and the dominant coordinate\'s step changed sign in at least half of the last 20 steps',
  slow: 'slow: finite, not within tolerance, neither blowing up nor flipping',
  diverging: 'diverging: loss above 10⁴× its start (excess over f*), or growing at each of the last 20 steps and at least doubled',
  diverged: 'diverged: a loss or parameter became non-finite (NaN/∞)',
};

interface MapData {
  start: MapStarted;
  outcome: Float64Array;
  finalLoss: Float64Array;
  bestLoss: Float64Array;
  stepsToTolerance: Float64Array;
  divergedStep: Float64Array;
  done: number;
  phase: 'running' | 'done' | 'cancelled' | 'failed';
  message: string;
  batches: number;
  /** Cell edges along each axis (data units): log grids geometric, linear grids arithmetic midpoints. */
  edges: Float64Array[];
  image: HTMLCanvasElement | null;
  dirty: boolean;
}


function edgesOf(values: Float64Array, scale: 'log' | 'lin'): Float64Array {
  const n = values.length;
  const e = new Float64Array(n + 1);
  const f = scale === 'log' ? Math.log10 : (x: number) => x;
  const g = scale === 'log' ? (x: number) => 10 ** x : (x: number) => x;
  if (n === 1) {
    const v = f(values[0]!);
    const h = scale === 'log' ? 0.5 : Math.max(Math.abs(values[0]!) * 0.5, 0.5);
    e[0] = g(v - h);
    e[1] = g(v + h);
    return e;
  }
  for (let i = 1; i < n; i++) e[i] = g((f(values[i - 1]!) + f(values[i]!)) / 2);
  e[0] = g(f(values[0]!) - (f(values[1]!) - f(values[0]!)) / 2);
  e[n] = g(f(values[n - 1]!) + (f(values[n - 1]!) - f(values[n - 2]!)) / 2);
  return e;
}

/** Index of the interval of `edges` holding v (−1 outside). */
function intervalOf(edges: Float64Array, v: number): number {
  if (!(v >= edges[0]!) || !(v <= edges[edges.length - 1]!)) return -1;
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid]! <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The numeric hyperparameters an axis can take (pairs by component). */
export function numericNames(schema: OptimizerSchema | undefined): string[] {
  if (!schema) return [];
  const out: string[] = [];
  for (const s of schema.hyperparameters) {
    if (s.kind === 'number') out.push(s.name);
    else if (s.kind === 'pair') out.push(`${s.name}.0`, `${s.name}.1`);
  }
  return out;
}

/** The value of axis `name` in a run's hyperparameters (a pair component for `betas.0`), or null. */
function axisValueOf(hp: Readonly<Record<string, unknown>>, name: string): number | null {
  const [base, comp] = name.split('.') as [string, string | undefined];
  const v = hp[base];
  if (comp === undefined) return typeof v === 'number' ? v : null;
  return Array.isArray(v) && typeof v[Number(comp)] === 'number' ? (v[Number(comp)] as number) : null;
}

interface AxisForm {
  row: HTMLElement;
  name: ValueElement;
  /** The hyperparameter chosen (kept here: a toolkit dropdown's value lags its selected option until it has rendered). */
  selected: string;
  min: ValueElement;
  max: ValueElement;
  scale: ValueElement;
  count: ValueElement;
}

export interface MapViewModel {
  readonly config: SessionConfig;
  readonly optimizers: ReadonlyMap<string, OptimizerSchema>;
  labelOf(runId: string): string;
}

export class StabilityMapView {
  readonly root: HTMLElement;
  chart: ChartT | null = null;
  private data: MapData | null = null;
  private theme: Theme;
  private readonly canvas: HTMLCanvasElement;
  private readonly box: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly status: HTMLElement;
  private readonly progress: HTMLProgressElement;
  private readonly readout: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly runPick: HTMLElement;
  private runSelect: ValueElement | null = null;
  private readonly axisForms: [AxisForm, AxisForm];
  private readonly startButton: HTMLElement & { disabled: boolean };
  private readonly stopButton: HTMLElement & { disabled: boolean };
  private formOptimizer = '';
  private formRun = '';
  private hoverCell = -1;
  private frame: number | null = null;
  private model: MapViewModel | null = null;
  private lastRendered: MapRenderSummary | null = null;

  constructor(private readonly post: (m: MapFromWebview) => void, theme: Theme) {
    this.theme = theme;
    this.root = el('section', 'card card-wide map-card');
    this.root.id = 'card-stabilityMap';
    this.root.dataset['chart'] = 'stabilityMap';
    const head = el('div', 'card-head');
    const title = el('h2', 'card-title', 'Stability map');
    const info = el('span', 'card-info', 'i');
    info.tabIndex = 0;
    info.setAttribute('role', 'button');
    info.setAttribute('aria-label', 'About the stability map');
    info.setAttribute('aria-describedby', 'tip-stabilityMap');
    const tip = el('span', 'info-tip', 'One run of this panel swept over one or two hyperparameters (the panel\'s steps, loss, start and its other settings): each cell is exactly the run `simulate` would do with those values. Colour: the outcome; shade: the final loss (stronger = lower). Hover a cell for its numbers; click it (or Enter) to run it in the panel. ✕ marks the current run. A 2-D picture of one loss: do not pick an optimizer from it alone.');
    tip.id = 'tip-stabilityMap';
    tip.setAttribute('role', 'tooltip');
    head.append(title, info, tip);

    const form = el('div', 'map-form');
    this.runPick = el('span', 'map-run');
    const mk = (k: 0 | 1): AxisForm => {
      const row = el('div', 'map-axis');
      row.append(el('span', 'map-axis-label', k === 0 ? 'x' : 'y'));
      const name = dropdown([], '', { id: `map-axis${k}-name`, label: `${k === 0 ? 'First' : 'Second'} axis: hyperparameter`, title: 'Hyperparameter of this axis' });
      const min = textField({ size: 6, label: `axis ${k + 1} from`, id: `map-axis${k}-min`, inputmode: 'decimal', title: 'From' });
      const max = textField({ size: 6, label: `axis ${k + 1} to`, id: `map-axis${k}-max`, inputmode: 'decimal', title: 'To' });
      const scale = dropdown([{ value: 'log', label: 'log' }, { value: 'lin', label: 'lin' }], 'log', { id: `map-axis${k}-scale`, label: `axis ${k + 1} scale`, title: 'Log or linear grid' });
      const count = textField({ size: 3, label: `axis ${k + 1} values`, id: `map-axis${k}-count`, inputmode: 'numeric', title: 'Number of values' });
      row.append(name, min, el('span', 'map-dots', '…'), max, scale, el('span', 'map-times', '×'), count);
      return { row, name, selected: '', min, max, scale, count };
    };
    this.axisForms = [mk(0), mk(1)];
    this.startButton = button('Map', { appearance: 'primary', id: 'map-start', title: 'Run every cell of the map (on the host; loss files on the runner pool)' });
    this.stopButton = button('Stop', { appearance: 'secondary', id: 'map-stop', title: 'Stop the map (cells done so far stay)' });
    this.stopButton.disabled = true;
    this.startButton.addEventListener('click', () => this.start());
    this.stopButton.addEventListener('click', () => this.post({ type: 'map/stop' }));
    const actions = el('div', 'map-actions');
    actions.append(this.runPick, this.startButton, this.stopButton);
    form.append(this.axisForms[0].row, this.axisForms[1].row, actions);

    const meter = el('div', 'map-meter');
    this.progress = el('progress', 'map-progress');
    this.progress.max = 1;
    this.progress.value = 0;
    this.progress.id = 'map-progress';
    this.progress.setAttribute('aria-label', 'Cells done');
    this.status = el('span', 'map-status');
    this.status.id = 'map-status';
    this.status.setAttribute('role', 'status');
    meter.append(this.progress, this.status);

    this.box = el('div', 'chart-box map-box');
    this.canvas = el('canvas');
    this.canvas.id = 'chart-stabilityMap';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Stability map: outcome of each cell; arrow keys move, Enter runs the cell');
    this.empty = el('div', 'chart-empty', 'Pick one or two axes and press Map: every cell runs this panel\'s run with those values.');
    this.box.append(this.canvas, this.empty);
    this.readout = el('div', 'map-readout');
    this.readout.id = 'map-readout';
    this.readout.setAttribute('aria-live', 'polite');
    this.legend = el('div', 'map-legend');
    this.legend.id = 'map-legend';
    this.root.append(head, form, meter, this.box, this.readout, this.legend);
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    this.canvas.addEventListener('mouseleave', () => this.hover(-1));
    watchTheme(() => {
      this.theme = readTheme();
      this.chart?.destroy();
      this.chart = null;
      if (this.data) this.data.dirty = true;
      this.renderLegend();
      this.schedule();
    });
    this.renderLegend();
  }

  // ---------------------------------------------------------------- form

  /** The panel's configuration changed (or arrived): run picker, axis defaults, the ✕ marker. */
  update(model: MapViewModel): void {
    this.model = model;
    const runs = model.config.runs;
    if (!runs.length) return;
    const ids = runs.map((r) => r.id).join(',');
    if (this.runPick.dataset['ids'] !== ids + '|' + runs.map((r) => model.labelOf(r.id)).join(',')) {
      this.runPick.dataset['ids'] = ids + '|' + runs.map((r) => model.labelOf(r.id)).join(',');
      const cur = runs.some((r) => r.id === this.formRun) ? this.formRun : runs[0]!.id;
      this.runSelect = dropdown(runs.map((r) => ({ value: r.id, label: model.labelOf(r.id) })), cur, { id: 'map-run', label: 'Run to map', title: 'The run whose hyperparameters the map sweeps' });
      this.runSelect.addEventListener('change', () => {
        this.formRun = this.runSelect!.value;
        this.syncAxes(true);
      });
      this.runPick.replaceChildren(...(runs.length > 1 ? [this.runSelect] : []));
      this.formRun = cur;
    }
    this.syncAxes(false);
    this.schedule();
  }

  private run(): SessionConfig['runs'][number] | undefined {
    return this.model?.config.runs.find((r) => r.id === this.formRun) ?? this.model?.config.runs[0];
  }

  /** Axis dropdowns for the run's optimizer; the defaults when the optimizer changed (or `reset`). */
  private syncAxes(reset: boolean): void {
    const run = this.run();
    if (!run || !this.model) return;
    if (!reset && this.formOptimizer === run.optimizer) return;
    this.formOptimizer = run.optimizer;
    const names = numericNames(this.model.optimizers.get(run.optimizer));
    const defaults = defaultMapAxes(names);
    this.axisForms.forEach((f, k) => {
      const a = defaults[k];
      const options = [...(k === 1 ? [{ value: '', label: '(none)' }] : []), ...names.map((n) => ({ value: n, label: n }))];
      const fresh = dropdown(options, a?.name ?? '', { id: `map-axis${k}-name`, label: `${k === 0 ? 'First' : 'Second'} axis: hyperparameter`, title: 'Hyperparameter of this axis' });
      f.name.replaceWith(fresh);
      f.name = fresh;
      f.selected = a?.name ?? '';
      const show = (): void => {
        if (fresh.value !== f.selected) fresh.value = f.selected;
      };
      show();
      requestAnimationFrame(show);
      fresh.addEventListener('change', () => {
        f.selected = fresh.value;
        const d = defaultMapAxes([fresh.value]).find((x) => x.name === fresh.value) ?? { name: fresh.value, min: 0, max: 0.99, scale: 'lin' as const, count: 48 };
        this.fill(f, fresh.value ? d : null);
      });
      this.fill(f, a ?? null);
    });
  }

  private fill(f: AxisForm, a: MapAxis | null): void {
    const set = (x: ValueElement, v: string): void => {
      x.value = v;
      x.setAttribute('value', v);
    };
    set(f.min, a ? formatNumber(a.min, 6) : '');
    set(f.max, a ? formatNumber(a.max, 6) : '');
    set(f.scale, a?.scale ?? 'lin');
    set(f.count, a ? String(a.count) : '');
    for (const x of [f.min, f.max, f.scale, f.count]) x.disabled = !a;
  }

  /** The axes of the form, or an error message. */
  axesFromForm(): MapAxis[] | string {
    const out: MapAxis[] = [];
    for (const [k, f] of this.axisForms.entries()) {
      const name = f.selected;
      if (!name) continue;
      const min = Number(f.min.value);
      const max = Number(f.max.value);
      const count = Number(f.count.value);
      const scale = f.scale.value === 'log' ? 'log' : 'lin';
      if (!Number.isFinite(min) || !Number.isFinite(max) || f.min.value.trim() === '' || f.max.value.trim() === '') return `axis ${k + 1} (${name}): from and to must be numbers`;
      if (!(Number.isInteger(count) && count >= 1 && count <= 1024)) return `axis ${k + 1} (${name}): the number of values must be a whole number from 1 to 1024`;
      if (scale === 'log' && !(min > 0)) return `axis ${k + 1} (${name}): a log axis needs from > 0`;
      if (max < min) return `axis ${k + 1} (${name}): to is below from`;
      if (out.some((a) => a.name === name)) return `both axes sweep ${name}`;
      out.push({ name, min, max, scale, count });
    }
    if (!out.length) return 'pick a hyperparameter for the first axis';
    if (out.reduce((n, a) => n * a.count, 1) > MAX_MAP_CELLS) return `at most ${MAX_MAP_CELLS} cells`;
    return out;
  }

  /** Starts a map of the form's axes (also the e2e hook's way in). */
  start(axes?: readonly MapAxis[]): void {
    const run = this.run();
    const a = axes ?? this.axesFromForm();
    if (typeof a === 'string') {
      this.status.textContent = `Not started: ${a}`;
      return;
    }
    if (!run) return;
    this.status.textContent = 'starting…';
    this.post({ type: 'map/start', runId: run.id, axes: a });
  }

  // ---------------------------------------------------------------- messages

  /** A host message; true when it was one of the map's. */
  onMessage(msg: MapToWebview | { type: string }): boolean {
    switch (msg.type) {
      case 'map/didStart': {
        const s = msg as MapStarted;
        const nan = (): Float64Array => new Float64Array(s.total).fill(NaN);
        this.data = {
          start: s, outcome: nan(), finalLoss: nan(), bestLoss: nan(), stepsToTolerance: nan(), divergedStep: nan(),
          done: 0, phase: 'running', message: '', batches: 0,
          edges: s.axes.map((a, k) => edgesOf(s.values[k]!, a.scale)), image: null, dirty: true,
        };
        this.chart?.destroy();
        this.chart = null;
        this.hoverCell = -1;
        this.readout.textContent = '';
        this.startButton.disabled = true;
        this.stopButton.disabled = false;
        this.schedule();
        return true;
      }
      case 'map/didAppendCells': {
        const m = msg as Extract<MapToWebview, { type: 'map/didAppendCells' }>;
        const d = this.data;
        if (!d || d.start.mapId !== m.mapId) return true;
        for (let j = 0; j < m.index.length; j++) {
          const k = m.index[j]!;
          if (!(k >= 0 && k < d.start.total)) continue;
          if (Number.isNaN(d.outcome[k]!)) d.done++;
          d.outcome[k] = m.outcome[j]!;
          d.finalLoss[k] = m.finalLoss[j]!;
          d.bestLoss[k] = m.bestLoss[j]!;
          d.stepsToTolerance[k] = m.stepsToTolerance[j]!;
          d.divergedStep[k] = m.divergedStep[j]!;
        }
        d.batches++;
        d.dirty = true;
        this.schedule();
        return true;
      }
      case 'map/didFinish': {
        const m = msg as Extract<MapToWebview, { type: 'map/didFinish' }>;
        this.startButton.disabled = false;
        this.stopButton.disabled = true;
        if (this.data && this.data.start.mapId === m.mapId) {
          this.data.phase = m.phase;
          this.data.message = m.message;
        } else if (m.phase === 'failed') {
          this.status.textContent = `Not mapped: ${m.message}`;
          return true;
        }
        this.schedule();
        return true;
      }
      default:
        return false;
    }
  }

  // ---------------------------------------------------------------- drawing

  private schedule(): void {
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.draw();
    });
  }

  private colourOf(code: number): [number, number, number] {
    const t = this.theme;
    const name = OUTCOMES[code];
    const c = name ? t.series[OUTCOME_SLOT[name]!]! : t.muted;
    const p = parseColor(c) ?? [128, 128, 128, 1];
    return [p[0], p[1], p[2]];
  }

  /** count0 × count1 pixels, one per cell (row 0 = top = the last value of axis 1). */
  private image(d: MapData): HTMLCanvasElement {
    const n0 = d.start.axes[0]!.count;
    const n1 = d.start.axes[1]?.count ?? 1;
    const c = d.image ?? document.createElement('canvas');
    c.width = n0;
    c.height = n1;
    const g = c.getContext('2d')!;
    const img = g.createImageData(n0, n1);
    // Shade: log10 of the final loss's excess over f* (or of |final loss|), over the finite cells so far.
    const f0 = d.start.fMin ?? 0;
    const excess = (k: number): number => Math.log10(Math.max(Math.abs(d.finalLoss[k]! - f0), 1e-300));
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < d.start.total; k++) {
      const o = d.outcome[k]!;
      if (Number.isNaN(o) || o > 2 || o < 0 || !Number.isFinite(d.finalLoss[k]!)) continue; // converged, oscillating, slow
      const v = excess(k);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    // At most 24 decades of shade: the slow cells' losses stay distinguishable next to converged ones at 1e-300.
    lo = Math.max(lo, hi - 24);
    const [br, bg, bb] = this.theme.bgRgb;
    const palette = OUTCOMES.map((_, i) => this.colourOf(i));
    const errorRgb = this.colourOf(-1);
    for (let i0 = 0; i0 < n0; i0++) {
      for (let i1 = 0; i1 < n1; i1++) {
        const k = i0 * n1 + i1;
        const o = (((n1 - 1 - i1) * n0) + i0) * 4;
        const code = d.outcome[k]!;
        if (Number.isNaN(code)) {
          img.data[o + 3] = 0;
          continue;
        }
        const rgb = code >= 0 ? palette[code]! : errorRgb;
        let a = 0.9;
        if (code >= 0 && code <= 2 && Number.isFinite(d.finalLoss[k]!) && hi > lo) a = 1 - 0.72 * Math.max(0, (excess(k) - lo) / (hi - lo));
        img.data[o] = br + (rgb[0] - br) * a;
        img.data[o + 1] = bg + (rgb[1] - bg) * a;
        img.data[o + 2] = bb + (rgb[2] - bb) * a;
        img.data[o + 3] = 255;
      }
    }
    g.putImageData(img, 0, 0);
    d.image = c;
    d.dirty = false;
    return c;
  }

  private marker(): number[] | null {
    const d = this.data;
    const run = d && this.model?.config.runs.find((r) => r.id === d.start.runId);
    if (!d || !run) return null;
    const v = d.start.axes.map((a) => axisValueOf(run.hyperparameters, a.name));
    if (v.some((x) => x === null)) return null;
    const inside = v.every((x, k) => intervalOf(d.edges[k]!, x!) >= 0);
    return inside ? (v as number[]) : null;
  }

  private ensureChart(d: MapData): ChartT {
    if (this.chart) return this.chart;
    const t = this.theme;
    const [a0, a1] = d.start.axes as [MapAxis, MapAxis | undefined];
    const e0 = d.edges[0]!;
    const e1 = d.edges[1];
    const tick = (v: number | string): string => formatNumber(Number(v), 3);
    const view = this;
    const heat: Plugin<'scatter'> = {
      id: 'odStabilityMap',
      beforeDatasetsDraw(chart) {
        const dd = view.data;
        if (!dd) return;
        const img = dd.dirty || !dd.image ? view.image(dd) : dd.image;
        const xs = chart.scales['x']!;
        const ys = chart.scales['y']!;
        const x0 = xs.getPixelForValue(dd.edges[0]![0]!);
        const x1 = xs.getPixelForValue(dd.edges[0]![dd.edges[0]!.length - 1]!);
        const yTop = dd.edges[1] ? ys.getPixelForValue(dd.edges[1][dd.edges[1].length - 1]!) : ys.getPixelForValue(1);
        const yBot = dd.edges[1] ? ys.getPixelForValue(dd.edges[1][0]!) : ys.getPixelForValue(0);
        const ctx = chart.ctx;
        ctx.save();
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(img, x0, yTop, x1 - x0, yBot - yTop);
        // The hovered cell's outline.
        const k = view.hoverCell;
        if (k >= 0) {
          const n1 = dd.start.axes[1]?.count ?? 1;
          const i0 = Math.floor(k / n1);
          const i1 = k % n1;
          const px0 = xs.getPixelForValue(dd.edges[0]![i0]!);
          const px1 = xs.getPixelForValue(dd.edges[0]![i0 + 1]!);
          const py0 = dd.edges[1] ? ys.getPixelForValue(dd.edges[1][i1 + 1]!) : yTop;
          const py1 = dd.edges[1] ? ys.getPixelForValue(dd.edges[1][i1]!) : yBot;
          ctx.strokeStyle = view.theme.focus;
          ctx.lineWidth = 2;
          ctx.strokeRect(px0, py0, px1 - px0, py1 - py0);
        }
        ctx.restore();
      },
    };
    const config: ChartConfiguration<'scatter'> = {
      type: 'scatter',
      data: { datasets: [{ label: 'current run', data: [], pointStyle: 'crossRot', pointRadius: 8, pointHoverRadius: 8, borderWidth: 3, borderColor: t.foreground, backgroundColor: t.foreground, clip: false }] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        events: ['mousemove', 'mouseout', 'click'],
        plugins: { legend: { display: false }, tooltip: { enabled: false } },
        scales: {
          x: {
            type: a0.scale === 'log' ? 'logarithmic' : 'linear', min: e0[0]!, max: e0[e0.length - 1]!,
            title: { display: true, text: `${a0.name} (${a0.scale})`, color: t.muted },
            ticks: { maxRotation: 0, autoSkipPadding: 10, includeBounds: false, callback: a0.scale === 'log' ? logTickLabel(tick) : tick },
            grid: { display: false },
          },
          y: a1 && e1
            ? {
                type: a1.scale === 'log' ? 'logarithmic' : 'linear', min: e1[0]!, max: e1[e1.length - 1]!,
                title: { display: true, text: `${a1.name} (${a1.scale})`, color: t.muted },
                ticks: { includeBounds: false, callback: a1.scale === 'log' ? logTickLabel(tick) : tick }, grid: { display: false },
              }
            : { type: 'linear', min: 0, max: 1, ticks: { display: false }, grid: { display: false }, title: { display: false } },
        },
        onHover: (e, _els, chart) => {
          const k = this.cellAt(chart, e.x ?? NaN, e.y ?? NaN);
          this.canvas.style.cursor = k >= 0 ? 'pointer' : 'default';
          this.hover(k);
        },
        onClick: (e, _els, chart) => {
          const k = this.cellAt(chart, e.x ?? NaN, e.y ?? NaN);
          if (k >= 0) this.open(k);
        },
      },
      plugins: [heat],
    };
    this.chart = new Chart(this.canvas, config) as unknown as ChartT;
    return this.chart;
  }

  private cellAt(chart: ChartT, px: number, py: number): number {
    const d = this.data;
    if (!d) return -1;
    const area = chart.chartArea;
    if (!(px >= area.left && px <= area.right && py >= area.top && py <= area.bottom)) return -1;
    const i0 = intervalOf(d.edges[0]!, chart.scales['x']!.getValueForPixel(px) ?? NaN);
    const i1 = d.edges[1] ? intervalOf(d.edges[1], chart.scales['y']!.getValueForPixel(py) ?? NaN) : 0;
    if (i0 < 0 || i1 < 0) return -1;
    return i0 * (d.start.axes[1]?.count ?? 1) + i1;
  }

  /** Runs cell k in the panel. */
  open(k: number): void {
    const d = this.data;
    if (!d || k < 0 || k >= d.start.total) return;
    this.post({ type: 'map/openCell', mapId: d.start.mapId, index: k });
  }

  private hover(k: number): void {
    if (k === this.hoverCell) return;
    this.hoverCell = k;
    this.readout.textContent = k >= 0 ? this.describe(k) : this.data && this.data.done ? 'Hover a cell for its numbers; click it to run it in the panel.' : '';
    this.chart?.draw();
  }

  /** One cell's numbers in words (the readout and the hook). */
  describe(k: number): string {
    const d = this.data;
    if (!d) return '';
    const n1 = d.start.axes[1]?.count ?? 1;
    const idx = [Math.floor(k / n1), k % n1];
    const where = d.start.axes.map((a, j) => `${a.name} = ${formatNumber(d.start.values[j]![idx[j]!]!, 4)}`).join(', ');
    const code = d.outcome[k]!;
    if (Number.isNaN(code)) return `${where}: not run yet`;
    const num = (v: number): string => (Number.isFinite(v) ? formatNumber(v, 4) : String(v));
    const opt = (v: number): string => (Number.isNaN(v) ? '—' : String(v));
    const outcome = code >= 0 ? OUTCOMES[code]! : 'error';
    return `${where}: ${outcome} · final loss ${num(d.finalLoss[k]!)} · best loss ${num(d.bestLoss[k]!)} · steps to tolerance ${opt(d.stepsToTolerance[k]!)} · diverged at step ${opt(d.divergedStep[k]!)}`;
  }

  private onKey(e: KeyboardEvent): void {
    const d = this.data;
    if (!d) return;
    const n1 = d.start.axes[1]?.count ?? 1;
    const n0 = d.start.axes[0]!.count;
    let k = this.hoverCell >= 0 ? this.hoverCell : 0;
    let i0 = Math.floor(k / n1);
    let i1 = k % n1;
    if (e.key === 'ArrowLeft') i0 = Math.max(0, i0 - 1);
    else if (e.key === 'ArrowRight') i0 = Math.min(n0 - 1, i0 + 1);
    else if (e.key === 'ArrowUp') i1 = Math.min(n1 - 1, i1 + 1);
    else if (e.key === 'ArrowDown') i1 = Math.max(0, i1 - 1);
    else if (e.key === 'Enter' || e.key === ' ') {
      if (this.hoverCell >= 0) this.open(this.hoverCell);
      e.preventDefault();
      return;
    } else return;
    e.preventDefault();
    k = i0 * n1 + i1;
    this.hover(k);
  }

  private counts(): Record<string, number> {
    const out: Record<string, number> = {};
    const d = this.data;
    if (!d) return out;
    for (let k = 0; k < d.start.total; k++) {
      const c = d.outcome[k]!;
      if (Number.isNaN(c)) continue;
      const name = c >= 0 ? OUTCOMES[c]! : 'error';
      out[name] = (out[name] ?? 0) + 1;
    }
    return out;
  }

  private renderLegend(): void {
    const counts = this.counts();
    const items: HTMLElement[] = [];
    for (const [i, o] of OUTCOMES.entries()) {
      const item = el('span', 'map-legend-item');
      item.title = OUTCOME_TEXT[o]!;
      const sw = el('canvas', 'map-swatch');
      sw.width = 12;
      sw.height = 12;
      const g = sw.getContext('2d');
      if (g) {
        const [r, gg, b] = this.colourOf(i);
        g.fillStyle = `rgb(${r}, ${gg}, ${b})`;
        g.fillRect(0, 0, 12, 12);
        g.strokeStyle = withAlpha(this.theme.foreground, 0.5);
        g.strokeRect(0.5, 0.5, 11, 11);
      }
      sw.setAttribute('aria-hidden', 'true');
      item.append(sw, document.createTextNode(` ${o}${counts[o] !== undefined ? ` ${counts[o]}` : ''}`));
      items.push(item);
    }
    if (counts['error']) items.push(el('span', 'map-legend-item', `error ${counts['error']}`));
    items.push(el('span', 'map-legend-note', 'shade: final loss (stronger = lower) · ✕ current run'));
    this.legend.replaceChildren(...items);
  }

  private draw(): void {
    const d = this.data;
    this.empty.hidden = !!d;
    this.empty.classList.toggle('map-empty-hidden', !!d);
    if (!d) return;
    const chart = this.ensureChart(d);
    const m = this.marker();
    const ds = chart.data.datasets[0]!;
    ds.data = m ? [{ x: m[0]!, y: m.length > 1 ? m[1]! : 0.5 }] : [];
    chart.update('none');
    const s = d.start;
    this.progress.max = Math.max(1, s.total);
    this.progress.value = d.done;
    const phase = d.phase === 'running' ? `${d.done} / ${s.total} cells` : d.message;
    this.status.textContent = `${s.label}: ${phase}${d.phase === 'running' ? ` · ${s.steps} steps each · ${s.kernel}` : ''}`;
    if (this.hoverCell >= 0) this.readout.textContent = this.describe(this.hoverCell);
    else if (!this.readout.textContent && d.done) this.readout.textContent = 'Hover a cell for its numbers; click it to run it in the panel.';
    this.renderLegend();
    const summary: MapRenderSummary = {
      mapId: s.mapId, cells: d.done, total: s.total, counts: this.counts(), marker: m,
      logX: s.axes[0]!.scale === 'log', logY: s.axes[1]?.scale === 'log',
    };
    this.lastRendered = summary;
    this.post({ type: 'map/didRender', summary });
  }

  // ---------------------------------------------------------------- e2e hook

  /** What the map holds and drew (window.__optimizerDiagnostics.stabilityMap()). */
  snapshot(): unknown {
    const d = this.data;
    if (!d) return null;
    return {
      ...d.start, values: d.start.values.map((v) => Array.from(v)),
      outcome: Array.from(d.outcome, (c) => (Number.isNaN(c) ? null : c >= 0 ? OUTCOMES[c] : 'error')),
      finalLoss: Array.from(d.finalLoss), bestLoss: Array.from(d.bestLoss),
      stepsToTolerance: Array.from(d.stepsToTolerance, (v) => (Number.isNaN(v) ? null : v)),
      divergedStep: Array.from(d.divergedStep, (v) => (Number.isNaN(v) ? null : v)),
      done: d.done, phase: d.phase, message: d.message, batches: d.batches,
      rendered: this.lastRendered, readout: this.readout.textContent, hover: this.hoverCell,
      edges: d.edges.map((e) => Array.from(e)),
    };
  }

  /** The hook's hover: cell k's readout (as the mouse would show it). */
  hoverForTesting(k: number): string {
    this.hover(k);
    return this.readout.textContent ?? '';
  }
}
