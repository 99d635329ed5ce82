// The curvature cards of the panel (README "Curvature and stability", panel): Curvature & stability,
// α (step quality) with its two histograms, and the eigen-decomposition of a quadratic; plus the Hessian's
// eigen-directions on the 2-parameter landscape. Builds their DOM, draws them from the model on every
// render, and exposes the charts to the e2e hook (`od.chart('curvature')`, 'stepQuality', 'alphaHistAll',
// 'alphaHistLast', 'eigen'; `od.curvature()`).
import { formatNumber } from '../../src/protocol/format';
import type { ChartSummary, RunSeries } from '../../src/protocol/messages';
import { panelSecondOrderMaxDim, type CurvaturePanel } from '../../src/protocol/curvatureSeries';
import { applyAxes, curvatureDatasets, curvatureMarksPlugin, directionsPlugin, directionsState, eigenDatasets, stepLineChart, sub, updateDirections, type StepAxis, type StepCallbacks } from '../charts/curvature';
import { alphaBandsPlugin, alphaDatasets, ALPHA_VIEW, histogramChart, histogramDatasets } from '../charts/stepQuality';
import { Chart } from '../charts/registerChartJs';
import { setDatasets, summarizeChart } from '../charts/datasets';
import type { Theme } from '../charts/theme';
import type { Model } from '../model';

type Id = 'curvature' | 'stepQuality' | 'eigen';
const TITLES: Record<Id, string> = { curvature: 'Curvature & stability', stepQuality: 'Step quality α', eigen: 'Eigen-decomposition of the error' };
const INFO: Record<Id, string> = {
  curvature: 'Sharpness against the optimizer\'s stability threshold, computed in the runner with the same code as `simulate --curvature`. λ_max(H): the largest eigenvalue of the Hessian ∇²f(θ_t); λ_max(P⁻¹H) (adaptive optimizers): the same for the preconditioned Hessian, P_t the optimizer\'s denominator. The dashed line is the largest sharpness at which the optimizer\'s linearised update on a quadratic is still stable at that step\'s lr (GD: 2/η). Shaded: steps where the sharpness the threshold bounds is above it (the update is locally unstable: expect oscillation or divergence). ▼: λ_min(H) < 0 (a saddle or concave region). Log y.',
  stepQuality: 'Cockpit\'s α of each step: along the step direction d, fit a parabola to f and f′ at both ends; α = −1 means no move, 0 lands on the parabola\'s minimum, 1 lands on the opposite side at the same height. α < 0 (blue band): undershoot, the step stopped short; α > 0 (red band): overshoot, it went past the minimum along d. Concave slices count as −1. Histograms: every step, and the last 10 % of the steps.',
  eigen: 'For a loss whose Hessian H is constant (a quadratic; checked by comparing H at several points): the error θ_t − θ* projected on each eigenvector q_i of H, |(θ_t − θ*)·q_i| on a log axis (θ* = θ₀ − H⁻¹∇f(θ₀)), beside what the linear theory predicts: |c_i(0)|·ρ_iᵗ with ρ_i = |1 − ηλ_i| for GD and the spectral radius of the 2×2 momentum companion matrix for heavy ball / Nesterov (as in Distill\'s "Why Momentum Really Works"). Adaptive optimizers have no constant rate: only the measured error is drawn.',
};

interface Card { root: HTMLElement; canvas: HTMLCanvasElement; footer: HTMLElement; empty: HTMLElement; box: HTMLElement }

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

export class CurvatureCards {
  readonly roots: HTMLElement[] = [];
  private readonly cards = {} as Record<Id, Card>;
  private hist!: { all: HTMLCanvasElement; last: HTMLCanvasElement; allTitle: HTMLElement; lastTitle: HTMLElement };
  private readonly charts = new Map<string, Chart>();
  private theme: Theme;
  private lastRuns: readonly RunSeries[] = [];

  constructor(theme: Theme, private readonly cb: StepCallbacks) {
    this.theme = theme;
    Chart.register(directionsPlugin);
    for (const id of ['curvature', 'stepQuality', 'eigen'] as const) {
      const root = el('section', 'card');
      root.id = `card-${id}`;
      root.dataset['chart'] = id;
      const head = el('div', 'card-head');
      const b = el('span', 'card-info', 'i');
      b.tabIndex = 0;
      b.setAttribute('role', 'button');
      b.setAttribute('aria-label', `About ${TITLES[id]}`);
      b.setAttribute('aria-describedby', `tip-${id}`);
      const tip = el('span', 'info-tip', INFO[id]);
      tip.id = `tip-${id}`;
      tip.setAttribute('role', 'tooltip');
      head.append(el('h2', 'card-title', TITLES[id]), b, tip);
      const box = el('div', 'chart-box');
      const canvas = el('canvas');
      canvas.id = `chart-${id}`;
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', TITLES[id]);
      const empty = el('div', 'chart-empty');
      empty.hidden = true;
      box.append(canvas, empty);
      const footer = el('div', 'card-footer');
      footer.id = `${id}-note`;
      root.append(head, box);
      if (id === 'stepQuality') {
        const row = el('div', 'od-hist-row');
        const mk = (key: 'all' | 'last') => {
          const wrap = el('div', 'od-hist');
          const title = el('div', 'od-hist-title');
          const hb = el('div', 'chart-box od-hist-box');
          const c = el('canvas');
          c.id = `chart-alphaHist${key === 'all' ? 'All' : 'Last'}`;
          c.setAttribute('role', 'img');
          c.setAttribute('aria-label', key === 'all' ? 'Histogram of α over all steps' : 'Histogram of α over the last 10 % of steps');
          hb.append(c);
          wrap.append(title, hb);
          row.append(wrap);
          return { c, title };
        };
        const a = mk('all');
        const l = mk('last');
        this.hist = { all: a.c, last: l.c, allTitle: a.title, lastTitle: l.title };
        root.append(row);
      }
      root.append(footer);
      this.cards[id] = { root, canvas, footer, empty, box };
      this.roots.push(root);
    }
  }

  get(id: string): Chart | undefined {
    return this.charts.get(id);
  }

  setTheme(t: Theme): void {
    this.theme = t;
    for (const c of this.charts.values()) c.destroy();
    this.charts.clear();
  }

  /** The eigen-directions now drawn on the landscape (e2e hook). */
  directions(): typeof directionsState.drawn {
    return directionsState.drawn;
  }

  private chart(id: string, make: () => Chart): Chart {
    let c = this.charts.get(id);
    if (!c) {
      c = make();
      this.charts.set(id, c);
    }
    return c;
  }

  /** Draws every curvature card from the model; returns their summaries (as the other charts'). */
  render(model: Model, step: number, steps: StepAxis): Record<string, ChartSummary> {
    const runs = model.orderedRuns();
    this.lastRuns = runs;
    const t = this.theme;
    const out: Record<string, ChartSummary> = {};
    const any = runs.some((r) => r.curvature);
    for (const id of ['curvature', 'stepQuality', 'eigen'] as const) this.cards[id].root.hidden = runs.length === 0 || (!any && id !== 'curvature');
    updateDirections(runs, step, t);
    // 1. Curvature & stability
    {
      const card = this.cards.curvature;
      const failed = runs.map((r) => r.curvature?.error).find(Boolean);
      const ds = curvatureDatasets(runs, t);
      const limit = panelSecondOrderMaxDim(model.loss?.ref.kind ?? 'builtin');
      const big = (model.loss?.dim ?? 0) > limit;
      const what = model.loss?.ref.kind === 'file' ? `for loss files above ${limit} parameters (each Hessian-vector product costs several gradients)` : `above ${limit.toLocaleString('en-US')} parameters (cost)`;
      const none = runs.length === 0 ? 'No run yet.' : !any ? (big ? `Not computed in the panel ${what}; \`optimizer-diagnostics simulate --curvature --curvature-every K\` computes it.` : 'Curvature was not computed for these runs.') : ds.length === 0 ? `Curvature could not be computed: ${failed ?? 'no finite point'}` : '';
      card.empty.hidden = !none;
      card.empty.textContent = none;
      const c = this.chart('curvature', () => stepLineChart(card.canvas, t, this.cb, [curvatureMarksPlugin]));
      setDatasets(c, ds as never);
      applyAxes(c, t, steps, 'eigenvalue (log)', true);
      c.update('none');
      out['curvature'] = summarizeChart(c, !card.root.hidden, 'logarithmic');
      setText(card.footer, runs.map((r) => curvatureNote(r, runs.length > 1)).filter(Boolean).join('\n'));
    }
    // 2. Step quality α
    {
      const card = this.cards.stepQuality;
      const ds = alphaDatasets(runs, t);
      card.empty.hidden = ds.length > 0 || runs.length === 0;
      card.empty.textContent = ds.length ? '' : 'α needs every step recorded (a downsampled or empty run has none).';
      const c = this.chart('stepQuality', () => {
        const ch = stepLineChart(card.canvas, t, this.cb, [alphaBandsPlugin(() => this.theme, 'y') as never]);
        return ch;
      });
      setDatasets(c, ds as never);
      let lo = -1.2, hi = 1.2;
      for (const d of ds as { data: { y: number }[] }[]) for (const p of d.data) if (Number.isFinite(p.y)) { lo = Math.min(lo, p.y); hi = Math.max(hi, p.y); }
      applyAxes(c, t, steps, 'α', false, { min: Math.max(ALPHA_VIEW.min, Math.floor(lo * 2) / 2), max: Math.min(ALPHA_VIEW.max, Math.ceil(hi * 2) / 2) });
      c.update('none');
      out['stepQuality'] = summarizeChart(c, !card.root.hidden, 'linear');
      for (const which of ['all', 'last'] as const) {
        const id = which === 'all' ? 'alphaHistAll' : 'alphaHistLast';
        const canvas = which === 'all' ? this.hist.all : this.hist.last;
        const h = this.chart(id, () => histogramChart(canvas, t, () => this.theme));
        setDatasets(h, histogramDatasets(runs, t, which) as never);
        h.update('none');
        out[id] = summarizeChart(h, !card.root.hidden, 'linear');
      }
      const first = runs.find((r) => r.curvature?.alphaHistogram.countAll)?.curvature?.alphaHistogram;
      setText(this.hist.allTitle, first ? `All steps (${first.countAll})` : 'All steps');
      setText(this.hist.lastTitle, first ? `Last 10 % (${first.countLast} steps, from step ${formatNumber(first.lastFrom, 6)})` : 'Last 10 %');
      const clipped = runs.reduce((n, r) => n + (r.curvature?.alphaHistogram.clippedAll ?? 0), 0);
      setText(card.footer, clipped ? `${clipped} step(s) with α outside [−2, 3] are counted in the end bins.` : '');
    }
    // 3. Eigen-decomposition (quadratics only)
    {
      const card = this.cards.eigen;
      const withModes = runs.filter((r) => r.curvature?.modes);
      card.root.hidden = withModes.length === 0;
      const c = this.chart('eigen', () => stepLineChart(card.canvas, t, this.cb));
      setDatasets(c, eigenDatasets(runs, t) as never);
      applyAxes(c, t, steps, '|(θ_t − θ*)·q_i| (log)', true);
      c.update('none');
      out['eigen'] = summarizeChart(c, !card.root.hidden, 'logarithmic');
      setText(card.footer, withModes.map((r) => modesNote(r, withModes.length > 1)).join('\n'));
    }
    return out;
  }

  /** Slider / hover moved: markers and the landscape's eigen-directions. */
  redraw(model: Model, step: number): void {
    updateDirections(this.lastRuns.length ? this.lastRuns : model.orderedRuns(), step, this.theme);
    for (const c of this.charts.values()) c.draw();
    // the landscape (drawn by charts.ts) shows the directions at the new step
    const landscape = Chart.getChart('chart-landscape');
    if (landscape && (landscape.config as { type?: string }).type === 'scatter') landscape.draw();
  }
}

function setText(e: HTMLElement, s: string): void {
  if (e.textContent !== s) e.textContent = s;
}

const METHOD: Record<string, string> = {
  analytic: 'analytic (closed-form Hessian)',
  autodiff: 'autodiff (exact Hessian-vector products)',
  numeric: 'numeric (central differences of the gradient, Richardson)',
};

/** What was computed and how, and where the last point stands against the threshold. */
export function curvatureNote(r: RunSeries, named: boolean): string {
  const c: CurvaturePanel | undefined = r.curvature;
  if (!c) return '';
  const who = named ? `${r.label}: ` : '';
  if (c.error) return `${who}curvature not computed: ${c.error}`;
  const where = c.every === 1 ? `every recorded point (${c.computed})` : `every ${c.every}th step (${c.computed} of ${c.rows} points)`;
  const how = c.lanczos ? `Lanczos, ${formatNumber(c.lanczos.meanIterations, 3)} Hessian-vector products per point on average (max ${c.lanczos.maxIterations})${c.lanczos.unconverged ? `, ${c.lanczos.unconverged} point(s) not converged` : ''}` : 'dense eigenvalues';
  const on = c.stabilityOn === 'preconditioned' ? 'λ_max(P⁻¹H)' : 'λ_max(H)';
  let verdict = '';
  const k = c.step.length - 1;
  if (c.stabilityReason) verdict = ` No threshold: ${c.stabilityReason}.`;
  else if (k >= 0) {
    const s = (c.stabilityOn === 'preconditioned' ? c.preconditionedMax : c.hessianMax)[k]!;
    const th = c.threshold[k]!;
    if (Number.isFinite(s) && Number.isFinite(th)) verdict = ` At step ${formatNumber(c.step[k]!, 6)}: ${on} = ${formatNumber(s, 5)} ${s > th ? '>' : '≤'} threshold ${c.stabilityFormula} = ${formatNumber(th, 5)} (${s > th ? 'above: unstable' : 'below: stable'}).`;
  }
  const shaded = c.above.length ? ` Shaded: ${c.above.length / 2} span(s) above the threshold.` : '';
  const neg = c.negative.length ? ` λ_min < 0 at ${c.negative.length} point(s) (▼).` : '';
  return `${who}${METHOD[c.method] ?? c.method} second derivatives, ${how}, at ${where}; threshold ${c.stabilityFormula} on ${on}.${verdict}${shaded}${neg}`;
}

function modesNote(r: RunSeries, named: boolean): string {
  const m = r.curvature!.modes!;
  const who = named ? `${r.label}: ` : '';
  const lam = Array.from(m.lambdas, (l, i) => `λ${sub(i + 1)} = ${formatNumber(l, 5)}${m.rates[i] !== null && m.rates[i] !== undefined ? ` (ρ = ${formatNumber(m.rates[i]!, 5)})` : ''}`).join(', ');
  const theory = m.predicted.length ? `theory ${m.rateFormula}` : `no linear-theory curve: ${m.rateReason ?? 'none'}`;
  return `${who}constant Hessian (equal at ${m.probes} points, rtol ${m.rtol}); θ* = (${Array.from(m.thetaStar, (v) => formatNumber(Math.abs(v) < 1e-14 ? 0 : v, 5)).join(', ')}); ${lam}; ${theory}.`;
}

