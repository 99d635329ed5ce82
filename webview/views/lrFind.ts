// The "Find a learning rate" card (README "Find a learning rate in the panel"): the host runs the learning-rate
// range test of one run (src/host/panel/lrFindSession.ts); this card draws the loss and its smoothed curve
// against lr (log x) with the three suggestions marked, and offers a button per suggestion that sets the
// run's lr and re-runs the panel.
import type { Chart as ChartT, ChartConfiguration } from 'chart.js';
import type { SessionConfig } from '../../src/protocol/messages';
import { formatNumber } from '../../src/protocol/format';
import { LR_FIND_DEFAULTS, type LrFindFinished, type LrFindFromWebview, type LrFindToWebview } from '../../src/protocol/lrFindMessages';
import { Chart } from '../charts/registerChartJs';
import { logTickLabel, readTheme, watchTheme, withAlpha, type Theme } from '../charts/theme';
import { button, textField, type ValueElement } from '../ui/toolkit';
import { el } from './dom';


const SUGGESTIONS = [
  { key: 'steepest', label: 'steepest', title: 'Steepest descent of the smoothed loss against log lr, after a 10 % burn-in', style: 'triangle' },
  { key: 'valley', label: 'valley', title: 'fastai\'s "valley": in the longest run of decreasing smoothed loss, 2/3 of the way down', style: 'rectRot' },
  { key: 'minOver10', label: 'minimum ÷ 10', title: 'The lr at the smallest smoothed loss, divided by 10', style: 'circle' },
] as const;

export interface LrFindViewModel {
  readonly config: SessionConfig;
  labelOf(runId: string): string;
  /** The run the toolbar shows (null: the first). */
  readonly activeRun: string | null;
}

export class LrFindView {
  readonly root: HTMLElement;
  chart: ChartT | null = null;
  private theme: Theme;
  private last: LrFindFinished | null = null;
  private seq = 0;
  private model: LrFindViewModel | null = null;
  private readonly canvas: HTMLCanvasElement;
  private readonly box: HTMLElement;
  private readonly status: HTMLElement;
  private readonly uses: HTMLElement;
  private readonly min: ValueElement;
  private readonly max: ValueElement;
  private readonly steps: ValueElement;
  private readonly startButton: HTMLElement & { disabled: boolean };
  private readonly stopButton: HTMLElement & { disabled: boolean };

  constructor(private readonly post: (m: LrFindFromWebview | { type: 'run/start'; config: SessionConfig; live: boolean }) => void, theme: Theme) {
    this.theme = theme;
    this.root = el('section', 'card card-wide lrfind-card');
    this.root.id = 'card-lrFind';
    this.root.dataset['chart'] = 'lrFind';
    const head = el('div', 'card-head');
    const info = el('span', 'card-info', 'i');
    info.tabIndex = 0;
    info.setAttribute('role', 'button');
    info.setAttribute('aria-label', 'About the learning-rate range test');
    info.setAttribute('aria-describedby', 'tip-lrFind');
    const tip = el('span', 'info-tip', 'The learning-rate range test (fastai, Lightning): one run of the selected configuration whose lr grows exponentially from "from" to "to" over the steps; it stops when the smoothed loss (EMA β = 0.98, bias-corrected) exceeds 4× its minimum. The suggestions: steepest descent of the smoothed loss against log lr after a 10 % burn-in, fastai\'s valley, and the minimum ÷ 10. Use one to set the run\'s lr and re-run.');
    tip.id = 'tip-lrFind';
    tip.setAttribute('role', 'tooltip');
    head.append(el('h2', 'card-title', 'Find a learning rate'), info, tip);
    const form = el('div', 'map-form');
    const row = el('div', 'map-axis');
    this.min = textField({ size: 6, value: String(LR_FIND_DEFAULTS.min), label: 'lr from', id: 'lrfind-min', inputmode: 'decimal', title: 'Smallest lr (first step)' });
    this.max = textField({ size: 6, value: String(LR_FIND_DEFAULTS.max), label: 'lr to', id: 'lrfind-max', inputmode: 'decimal', title: 'Largest lr (last step)' });
    this.steps = textField({ size: 5, value: String(LR_FIND_DEFAULTS.steps), label: 'steps', id: 'lrfind-steps', inputmode: 'numeric', title: 'Steps of the test' });
    row.append(el('span', 'map-axis-label', 'lr'), this.min, el('span', 'map-dots', '…'), this.max, el('span', 'map-times', 'in'), this.steps, el('span', 'map-dots', 'steps'));
    this.startButton = button('Find a learning rate', { appearance: 'primary', id: 'lrfind-start', title: 'Run the learning-rate range test of the selected run' });
    this.stopButton = button('Stop', { appearance: 'secondary', id: 'lrfind-stop', title: 'Stop the range test' });
    this.stopButton.disabled = true;
    this.startButton.addEventListener('click', () => this.start());
    this.stopButton.addEventListener('click', () => this.post({ type: 'lrFind/stop' }));
    const actions = el('div', 'map-actions');
    actions.append(this.startButton, this.stopButton);
    form.append(row, actions);
    this.status = el('div', 'map-status');
    this.status.id = 'lrfind-status';
    this.status.setAttribute('role', 'status');
    this.box = el('div', 'chart-box');
    this.box.hidden = true;
    this.canvas = el('canvas');
    this.canvas.id = 'chart-lrFind';
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Loss against the learning rate of the range test, with the suggestions marked');
    this.box.append(this.canvas);
    this.uses = el('div', 'map-actions lrfind-uses');
    this.uses.id = 'lrfind-uses';
    this.root.append(head, form, this.status, this.box, this.uses);
    watchTheme(() => {
      this.theme = readTheme();
      this.chart?.destroy();
      this.chart = null;
      this.draw();
    });
  }

  update(model: LrFindViewModel): void {
    this.model = model;
  }

  private runId(): string | null {
    const runs = this.model?.config.runs ?? [];
    const a = this.model?.activeRun;
    return (runs.find((r) => r.id === a) ?? runs[0])?.id ?? null;
  }

  /** Starts the test (also the e2e hook's way in). */
  start(): void {
    const runId = this.runId();
    const min = Number(this.min.value);
    const max = Number(this.max.value);
    const steps = Number(this.steps.value);
    if (!(min > 0) || !(max > min) || !Number.isFinite(max)) return void (this.status.textContent = 'Not started: the lr range needs 0 < from < to');
    if (!(Number.isInteger(steps) && steps >= 2 && steps <= 100_000)) return void (this.status.textContent = 'Not started: steps must be a whole number from 2 to 100,000');
    if (!runId) return;
    this.post({ type: 'lrFind/start', seq: ++this.seq, runId, min, max, steps });
  }

  onMessage(msg: LrFindToWebview | { type: string }): boolean {
    if (msg.type === 'lrFind/didStart') {
      this.startButton.disabled = true;
      this.stopButton.disabled = false;
      this.status.textContent = `${this.model?.labelOf((msg as { runId: string }).runId) ?? ''}: running the range test…`;
      return true;
    }
    if (msg.type !== 'lrFind/didFinish') return false;
    const m = msg as LrFindFinished;
    this.startButton.disabled = false;
    this.stopButton.disabled = true;
    if (m.seq !== this.seq) return true;
    this.last = m;
    this.status.textContent = `${m.label}, lr ${formatNumber(m.min, 3)} → ${formatNumber(m.max, 3)}: ${m.phase === 'done' ? m.message : m.phase === 'failed' ? `failed: ${m.message}` : 'stopped'}`;
    this.chart?.destroy();
    this.chart = null;
    this.draw();
    return true;
  }

  /** Sets the run's lr to a suggestion and re-runs the panel. */
  use(key: 'steepest' | 'valley' | 'minOver10'): void {
    const m = this.last;
    const s = m?.[key];
    const cfg = this.model?.config;
    if (!m || !s || !cfg) return;
    const config: SessionConfig = { ...cfg, runs: cfg.runs.map((r) => (r.id === m.runId ? { ...r, hyperparameters: { ...r.hyperparameters, lr: s.lr } } : r)) };
    this.post({ type: 'run/start', config, live: false });
  }

  private draw(): void {
    const m = this.last;
    this.box.hidden = !m || m.phase !== 'done' || m.lr.length === 0;
    this.uses.replaceChildren();
    if (!m || this.box.hidden) return;
    const t = this.theme;
    const pts = (ys: Float64Array) => Array.from(m.lr, (x, i) => ({ x, y: ys[i]! })).filter((p) => Number.isFinite(p.y));
    const positive = Array.from(m.smoothed).every((v) => !Number.isFinite(v) || v > 0) && Array.from(m.loss).every((v) => !Number.isFinite(v) || v > 0);
    const marks = SUGGESTIONS.map((s, i) => {
      const sug = m[s.key];
      const at = sug ? Math.max(0, Math.min(m.lr.length - 1, sug.step - 1)) : -1;
      return {
        label: `${s.label}${sug ? ` ${formatNumber(sug.lr, 3)}` : ''}`,
        data: sug && at >= 0 && Number.isFinite(m.smoothed[at]!) ? [{ x: sug.lr, y: m.smoothed[at]! }] : [],
        type: 'scatter' as const,
        pointStyle: s.style,
        pointRadius: 7,
        pointHoverRadius: 8,
        borderWidth: 2,
        borderColor: t.series[(i + 1) % t.series.length]!,
        backgroundColor: withAlpha(t.series[(i + 1) % t.series.length]!, 0.5),
      };
    });
    const config: ChartConfiguration<'line'> = {
      type: 'line',
      data: {
        datasets: [
          { label: 'loss', data: pts(m.loss), borderColor: withAlpha(t.muted, 0.6), borderWidth: 1, pointRadius: 0, borderDash: [3, 3] },
          { label: 'smoothed loss', data: pts(m.smoothed), borderColor: t.series[0]!, borderWidth: 2, pointRadius: 0 },
          ...(marks as unknown as ChartConfiguration<'line'>['data']['datasets']),
        ],
      },
      options: {
        animation: false,
        parsing: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', intersect: false },
        plugins: { legend: { display: true, labels: { usePointStyle: true, boxWidth: 10 } } },
        scales: {
          x: { type: 'logarithmic', title: { display: true, text: 'lr (log)', color: t.muted }, ticks: { maxRotation: 0, autoSkipPadding: 10, callback: logTickLabel((v) => formatNumber(v, 2)) }, grid: { color: t.grid } },
          y: { type: positive ? 'logarithmic' : 'linear', title: { display: true, text: positive ? 'loss (log)' : 'loss', color: t.muted }, ticks: { callback: positive ? logTickLabel((v) => formatNumber(v, 3)) : (v) => formatNumber(Number(v), 3) }, grid: { color: t.grid } },
        },
      },
    };
    this.chart = new Chart(this.canvas, config) as unknown as ChartT;
    for (const s of SUGGESTIONS) {
      const sug = m[s.key];
      if (!sug) continue;
      const b = button(`Use ${s.label} ${formatNumber(sug.lr, 3)}`, { appearance: 'secondary', id: `lrfind-use-${s.key}`, title: `${s.title}: set the lr of ${m.label} to ${sug.lr} and re-run` });
      b.addEventListener('click', () => this.use(s.key));
      this.uses.append(b);
    }
  }

  /** What the card holds (window.__optimizerDiagnostics.lrFind()). */
  snapshot(): unknown {
    const m = this.last;
    if (!m) return null;
    return { ...m, lr: Array.from(m.lr), loss: Array.from(m.loss), smoothed: Array.from(m.smoothed), buttons: Array.from(this.uses.children, (c) => c.textContent?.trim() ?? '') };
  }
}
