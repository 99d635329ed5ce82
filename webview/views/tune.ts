// The "Tune learning rates first (fair comparison)" card (README "Tuned comparison in the panel"): the host
// tunes every run's lr with the same budget (src/host/panel/tuneSession.ts, `compare --tune lr`'s search) and
// then runs the comparison at the tuned lrs; this card draws the sensitivity curves (objective against lr,
// log x) in one chart with each run's tuned point marked, and a table that states the budget.
import type { Chart as ChartT, ChartConfiguration } from 'chart.js';
import type { Objective } from '../../src/core/tune';
import type { SessionConfig } from '../../src/protocol/messages';
import { formatNumber } from '../../src/protocol/format';
import { OBJECTIVES, type TuneFinished, type TuneFromWebview, type TuneToWebview } from '../../src/protocol/tuneMessages';
import { styleIndex } from '../charts/charts';
import { Chart } from '../charts/registerChartJs';
import { DASHES, logTickLabel, readTheme, watchTheme, withAlpha, type Theme } from '../charts/theme';
import { button, dropdown, type ValueElement } from '../ui/toolkit';
import { el } from './dom';


const OBJECTIVE_LABEL: Record<string, string> = {
  'final-loss': 'final loss',
  steps: 'steps to tolerance',
  distance: 'distance to minimum + mean loss',
};

export class TuneView {
  readonly root: HTMLElement;
  chart: ChartT | null = null;
  private theme: Theme;
  private last: TuneFinished | null = null;
  private clipped = false;
  private seq = 0;
  private config: SessionConfig | null = null;
  private readonly objective: ValueElement;
  private readonly status: HTMLElement;
  private readonly progress: HTMLProgressElement;
  private readonly box: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly table: HTMLElement;
  private readonly startButton: HTMLElement & { disabled: boolean };
  private readonly stopButton: HTMLElement & { disabled: boolean };

  constructor(private readonly post: (m: TuneFromWebview) => void, theme: Theme) {
    this.theme = theme;
    this.root = el('section', 'card card-wide tune-card');
    this.root.id = 'card-tune';
    this.root.dataset['chart'] = 'sensitivity';
    const head = el('div', 'card-head');
    const info = el('span', 'card-info', 'i');
    info.tabIndex = 0;
    info.setAttribute('role', 'button');
    info.setAttribute('aria-label', 'About the tuned comparison');
    info.setAttribute('aria-describedby', 'tip-tune');
    const tip = el('span', 'info-tip', 'Comparing optimizers at one shared learning rate is unfair. This tunes each run\'s lr with the same budget, as `compare --tune lr` does: a log grid 1e-5…10 (three per decade), then golden-section search in log lr around the grid\'s best point; then the comparison runs at the tuned lrs. The chart shows each run\'s objective against lr (its sensitivity), ● the tuned point. Diverged lrs have no finite objective and are not drawn. A 2-D test function is not your model: do not pick an optimizer from it.');
    tip.id = 'tip-tune';
    tip.setAttribute('role', 'tooltip');
    head.append(el('h2', 'card-title', 'Fair comparison: tuned learning rates'), info, tip);
    const form = el('div', 'map-form');
    this.objective = dropdown(OBJECTIVES.map((o) => ({ value: o, label: OBJECTIVE_LABEL[o]! })), 'final-loss', { id: 'tune-objective', label: 'Objective', title: 'What the tuning minimises' });
    this.startButton = button('Tune learning rates first (fair comparison)', { appearance: 'primary', id: 'tune-start', title: 'Tune every run\'s lr with the same budget, then compare at the tuned lrs' });
    this.stopButton = button('Stop', { appearance: 'secondary', id: 'tune-stop', title: 'Stop the tuning' });
    this.stopButton.disabled = true;
    this.startButton.addEventListener('click', () => this.start());
    this.stopButton.addEventListener('click', () => this.post({ type: 'tune/stop' }));
    const actions = el('div', 'map-actions');
    actions.append(el('span', 'map-axis-label', 'objective'), this.objective, this.startButton, this.stopButton);
    form.append(actions);
    const meter = el('div', 'map-meter');
    this.progress = el('progress', 'map-progress');
    this.progress.max = 1;
    this.progress.value = 0;
    this.progress.setAttribute('aria-label', 'Tuning runs done');
    this.status = el('span', 'map-status');
    this.status.id = 'tune-status';
    this.status.setAttribute('role', 'status');
    meter.append(this.progress, this.status);
    this.box = el('div', 'chart-box');
    this.box.hidden = true;
    this.canvas = el('canvas');
    this.canvas.id = 'chart-sensitivity';
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Sensitivity curves: the objective against lr for each run, tuned points marked');
    this.box.append(this.canvas);
    this.table = el('div', 'card-footer tune-table');
    this.table.id = 'tune-table';
    this.table.tabIndex = 0;
    this.table.setAttribute('role', 'region');
    this.table.setAttribute('aria-label', 'Tuned learning rates and the budget');
    this.root.append(head, form, meter, this.box, this.table);
    watchTheme(() => {
      this.theme = readTheme();
      this.chart?.destroy();
      this.chart = null;
      this.draw();
    });
  }

  update(config: SessionConfig): void {
    this.config = config;
  }

  start(objective?: string): void {
    const o = (objective ?? this.objective.value) as Objective;
    if (!OBJECTIVES.includes(o)) return;
    this.status.textContent = 'starting…';
    this.post({ type: 'tune/start', seq: ++this.seq, objective: o });
  }

  onMessage(msg: TuneToWebview | { type: string }): boolean {
    if (msg.type === 'tune/didProgress') {
      const m = msg as Extract<TuneToWebview, { type: 'tune/didProgress' }>;
      if (m.seq !== this.seq) return true;
      this.startButton.disabled = true;
      this.stopButton.disabled = false;
      this.progress.max = Math.max(1, m.total);
      this.progress.value = m.done;
      this.status.textContent = `tuning: ${m.done} / ${m.total} runs`;
      return true;
    }
    if (msg.type !== 'tune/didFinish') return false;
    const m = msg as TuneFinished;
    if (m.seq !== this.seq) return true;
    this.startButton.disabled = false;
    this.stopButton.disabled = true;
    this.last = m;
    this.progress.value = m.phase === 'done' ? this.progress.max : this.progress.value;
    this.status.textContent = m.phase === 'done' ? m.message : m.phase === 'failed' ? `Not tuned: ${m.message}` : 'stopped';
    this.chart?.destroy();
    this.chart = null;
    this.draw();
    return true;
  }

  private draw(): void {
    const m = this.last;
    this.box.hidden = !m || m.phase !== 'done' || !m.runs.length;
    this.table.replaceChildren();
    if (!m || this.box.hidden) return;
    const t = this.theme;
    const positive = m.runs.every((r) => Array.from(r.objective).every((v) => !Number.isFinite(v) || v > 0));
    const datasets: ChartConfiguration<'line'>['data']['datasets'] = [];
    m.runs.forEach((r, i) => {
      const slot = styleIndex(r.runId, i);
      const color = t.series[slot % t.series.length]!;
      datasets.push({
        label: r.label,
        data: Array.from(r.lr, (x, k) => ({ x, y: r.objective[k]! })).filter((p) => Number.isFinite(p.y)),
        borderColor: color, backgroundColor: color, borderWidth: 2, borderDash: [...DASHES[slot % DASHES.length]!],
        pointRadius: Array.from(r.stage).filter((_, k) => Number.isFinite(r.objective[k]!)).map((s) => (s === 0 ? 2 : 1.5)),
      });
      const v = r.value[0];
      datasets.push({
        label: `${r.label}: tuned lr ${formatNumber(r.tunedLr, 3)}`,
        data: v !== null ? [{ x: r.tunedLr, y: v }] : [],
        type: 'scatter' as never, pointStyle: 'circle', pointRadius: 7, pointHoverRadius: 8, borderWidth: 2,
        borderColor: t.foreground, backgroundColor: withAlpha(color, 0.9), showLine: false,
      });
    });
    const ytitle = OBJECTIVE_LABEL[m.objective]!;
    // A blown-up but finite run (1e267) would flatten every curve: the log axis ends 100× above the worst
    // objective of each curve's smallest lr (a run that barely moved); points above it are cut off.
    let yMax: number | undefined;
    if (positive) {
      const ref = Math.max(...m.runs.map((r) => (Number.isFinite(r.objective[0]!) ? r.objective[0]! : 0)));
      const top = Math.max(...m.runs.flatMap((r) => Array.from(r.objective).filter((v) => Number.isFinite(v))));
      if (ref > 0 && top > ref * 100) yMax = ref * 100;
    }
    this.clipped = yMax !== undefined;
    const config: ChartConfiguration<'line'> = {
      type: 'line',
      data: { datasets },
      options: {
        animation: false, parsing: false, responsive: true, maintainAspectRatio: false,
        interaction: { mode: 'nearest', intersect: false },
        plugins: { legend: { display: true, labels: { usePointStyle: true, boxWidth: 10 } } },
        scales: {
          x: { type: 'logarithmic', title: { display: true, text: 'lr (log)', color: t.muted }, ticks: { maxRotation: 0, autoSkipPadding: 10, callback: logTickLabel((v) => formatNumber(v, 2)) }, grid: { color: t.grid } },
          y: {
            type: positive ? 'logarithmic' : 'linear', title: { display: true, text: positive ? `${ytitle} (log)` : ytitle, color: t.muted },
            ...(yMax !== undefined ? { max: yMax } : {}),
            ticks: { callback: positive ? logTickLabel((v) => formatNumber(v, 3)) : (v) => formatNumber(Number(v), 3) }, grid: { color: t.grid },
          },
        },
      },
    };
    this.chart = new Chart(this.canvas, config) as unknown as ChartT;
    const table = el('table', 'od-table tune-table');
    const cap = el('caption', 'tune-budget', `Budget per optimizer: ${m.budget.grid} grid runs (${m.budget.gridText}) + ${m.budget.golden} golden-section runs = ${m.budget.runsPerOptimizer} runs of ${m.steps} steps; objective: ${ytitle}.${this.clipped ? ' The chart cuts off objectives more than 100× above the smallest lr\'s (runs blowing up); not drawn: diverged lrs.' : ' Not drawn: diverged lrs.'}`);
    const thead = el('thead');
    const hr = el('tr');
    for (const h of ['run', 'tuned lr', ytitle, 'runs']) hr.append(el('th', undefined, h));
    thead.append(hr);
    const tbody = el('tbody');
    for (const r of m.runs) {
      const tr = el('tr');
      tr.append(el('td', undefined, r.label), el('td', undefined, formatNumber(r.tunedLr, 4)), el('td', undefined, r.value[0] === null ? '∞ (diverged everywhere)' : formatNumber(r.value[0], 4)), el('td', undefined, String(r.lr.length)));
      tbody.append(tr);
    }
    table.append(cap, thead, tbody);
    this.table.append(table);
  }

  /** What the card holds (window.__optimizerDiagnostics.tune()). */
  snapshot(): unknown {
    const m = this.last;
    if (!m) return null;
    return { ...m, runs: m.runs.map((r) => ({ ...r, lr: Array.from(r.lr), objective: Array.from(r.objective, (v) => (Number.isFinite(v) ? v : null)), stage: Array.from(r.stage) })), table: this.table.textContent, config: this.config };
  }
}
