// Webview entry: builds the panel, posts `webview/ready`, renders every host message, reports what it
// drew (`webview/didRender`: series, points, ranges, paint time) and keeps UI state in setState.
import type { OptimizerName } from '../src/core/types';
import { formatNumber } from '../src/protocol/format';
import type { ChartSummary, ExportFormat, FromWebview, RunSeries, SessionConfig, StepZoom, ToWebview, ViewSection } from '../src/protocol/messages';
import { Charts, momentViews, showsLandscape, stateNamesOf } from './charts/charts';
import { CurvatureCards } from './ui/curvatureCards';
import { cursor } from './charts/plugins';
import { Chart, registerChartJs } from './charts/registerChartJs';
import { applyChartDefaults, readTheme, watchTheme } from './charts/theme';
import { Model } from './model';
import { ParamPicker } from './ui/paramPicker';
import { StepInspector } from './ui/stepInspector';
import { renderStepTable } from './ui/stepTable';
import { renderEndpointTable } from './ui/endpointTable';
import { button, checkbox, dropdown, registerToolkit, type ValueElement } from './ui/toolkit';
import { Toolbar } from './ui/toolbar';
import { StabilityMapView } from './views/stabilityMap';
import { LrFindView } from './views/lrFind';
import { TuneView } from './views/tune';
import { getState, post, setState, type UiState } from './vscodeApi';

// Any CSP violation is a bug: report it to the host's output channel (and the console).
document.addEventListener('securitypolicyviolation', (e) => {
  const target = e.target instanceof Element ? `<${e.target.nodeName.toLowerCase()}${e.target.id ? `#${e.target.id}` : ''}>` : '';
  const msg = `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} ${e.sample ? `"${e.sample}" ` : ''}at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} ${target}`;
  console.error(msg);
  post({ type: 'webview/didError', message: msg });
});

registerToolkit();
registerChartJs();

// Ctrl/Cmd+A in a text field selects that field's text, here and now. Left to bubble, VS Code's webview
// host forwards the key to the workbench, whose "select all" comes back asynchronously as
// execCommand('selectAll') — after the next keystroke when the workbench is busy, so the character just
// typed got selected and replaced ("300" became "00", "0.02" became "02").
document.addEventListener('keydown', (e) => {
  if (!(e.ctrlKey || e.metaKey) || e.altKey || e.key.toLowerCase() !== 'a') return;
  const inner = e.composedPath()[0];
  if (!(inner instanceof HTMLInputElement)) return;
  e.stopPropagation();
  e.preventDefault();
  inner.select();
});

type CardId = 'convergence' | 'landscape' | 'effectiveLr' | 'moments' | 'stepSize';
const CARD_IDS: readonly CardId[] = ['convergence', 'landscape', 'effectiveLr', 'moments', 'stepSize'];

const model = new Model();
const persisted = getState();
const ui: UiState = {
  step: -1,
  activeRun: null,
  momentState: null,
  stepSizeMode: 'stepSize',
  showGradNorm: true,
  convergenceScale: 'auto',
  focus: null,
  ...(persisted.ui ?? {}),
};
let theme = readTheme();
applyChartDefaults(theme);

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

// #region Layout

const app = document.getElementById('app')!;
app.replaceChildren();
app.removeAttribute('aria-busy');

let liveTimer: number | undefined;
const toolbar = new Toolbar(
  {
    edit: (config, live) => scheduleLive(config, live),
    run: (config) => startRun(config, false),
    stop: () => post({ type: 'run/stop' }),
    add: (optimizer: OptimizerName, hyperparameters) => post({ type: 'run/addToComparison', optimizer, ...(hyperparameters ? { hyperparameters } : {}) }),
    remove: (runId) => post({ type: 'run/remove', runId }),
    selectRun: (runId) => {
      ui.activeRun = runId;
      persistUi();
      toolbar.update(model, true);
    },
    sideBySide: () => post({ type: 'view/openSideBySide' }),
    export: (format: ExportFormat) => post({ type: 'export/run', format }),
  },
  theme,
);
toolbar.activeRun = ui.activeRun;
const picker = new ParamPicker((indices) => post({ type: 'view/selectParams', indices }));

// Step slider + play.
const scrub = el('section', 'scrubber');
scrub.setAttribute('aria-label', 'Step');
const PLAY_TITLE = 'Play: move the step marker through the run';
const play = button('', { appearance: 'icon', icon: 'play', title: PLAY_TITLE, id: 'play' });
const slider = el('input', 'step-slider');
slider.type = 'range';
slider.min = '0';
slider.max = '1';
slider.step = '1';
slider.id = 'step-slider';
slider.setAttribute('aria-label', 'Step');
const stepLabel = el('span', 'step-label');
const stepInfo = el('span', 'step-info');
scrub.append(play, slider, stepLabel, stepInfo);

/**
 * An ⓘ button with a tooltip that shows on hover AND on keyboard focus (a title attribute shows on
 * hover only); the tooltip is the button's accessible description.
 */
function infoTip(id: string, text: string, label: string): { button: HTMLElement; tip: HTMLElement; set(text: string): void } {
  const b = el('span', 'card-info', 'i');
  b.tabIndex = 0;
  b.setAttribute('role', 'button');
  b.setAttribute('aria-label', label);
  b.setAttribute('aria-describedby', id);
  const tip = el('span', 'info-tip', text);
  tip.id = id;
  tip.setAttribute('role', 'tooltip');
  b.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') b.blur();
  });
  return { button: b, tip, set: (t: string) => { if (tip.textContent !== t) tip.textContent = t; } };
}

interface Card {
  root: HTMLElement;
  title: HTMLElement;
  info: { button: HTMLElement; tip: HTMLElement; set(text: string): void };
  controls: HTMLElement;
  canvas: HTMLCanvasElement;
  footer: HTMLElement;
  empty: HTMLElement;
}
const cards = {} as Record<CardId, Card>;
const TITLES: Record<CardId, string> = {
  convergence: 'Convergence',
  landscape: 'Loss landscape',
  effectiveLr: 'Effective learning rate per parameter',
  moments: 'Optimizer state (moments)',
  stepSize: 'Step size per parameter',
};
const INFO: Record<CardId, string> = {
  convergence: 'Loss f(θ_t) per step (log scale when positive; f − f* when f* is known and f can reach it) and the gradient norm ‖∇f‖ on the right axis. Log axes reach at most 18 decades below the first step\'s value ("clipped"); values that cannot be drawn (non-finite, beyond ±1e300) are marked ▲ at the top edge. Drag across any step chart to zoom the step axis of all of them, double-click to reset.',
  landscape: 'Filled contours of the loss over its plot window (built-ins computed on the host, loss files in the simulation worker; blank where the loss is undefined), every run\'s trajectory, the start point (○) and the known minima (★). The coloured dots follow the step slider.',
  effectiveLr: 'α_t per parameter: the factor with θ_t = θ_{t−1} − α_t ⊙ d_t. SGD: α = lr; adaptive methods divide lr by a running root mean square of the gradient, so each parameter gets its own step size.',
  moments: 'The optimizer\'s own state after each step, under PyTorch\'s names (exp_avg, exp_avg_sq, momentum_buffer, sum, …) and the bias-corrected m̂, v̂ of the Adam family.',
  stepSize: 'How far each parameter actually moved: |Δθ| per step, or relative to its size |Δθ|/|θ| (the "update ratio"; ~1e-3 is a common rule of thumb for networks).',
};

const grid = el('main', 'grid');
for (const id of CARD_IDS) {
  const root = el('section', 'card');
  root.id = `card-${id}`;
  root.dataset['chart'] = id;
  const head = el('div', 'card-head');
  const title = el('h2', 'card-title', TITLES[id]);
  const info = infoTip(`tip-${id}`, INFO[id], `About ${TITLES[id]}`);
  const controls = el('div', 'card-controls');
  head.append(title, info.button, info.tip, controls);
  const box = el('div', 'chart-box');
  const canvas = el('canvas');
  canvas.id = `chart-${id}`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', TITLES[id]);
  const empty = el('div', 'chart-empty');
  empty.hidden = true;
  box.append(canvas, empty);
  const footer = el('div', 'card-footer');
  root.append(head, box, footer);
  grid.append(root);
  cards[id] = { root, title, info, controls, canvas, footer, empty };
}
// "Values at step t": the numbers behind the effective learning rate, full width below the first row.
const valuesCard = el('section', 'card card-wide');
valuesCard.id = 'card-stepValues';
{
  const head = el('div', 'card-head');
  const title = el('h2', 'card-title', 'Values at the selected step');
  const info = infoTip('tip-stepValues', 'Per run and parameter at the slider\'s step: θ after the step, the gradient it used, the effective learning rate α, the step |Δθ|, the update ratio and the optimizer state (PyTorch names).', 'About the values at the selected step');
  head.append(title, info.button, info.tip);
  valuesCard.append(head);
}
const valuesBody = el('div', 'card-footer');
// It scrolls sideways in narrow panels: keyboard users can focus and scroll it.
valuesBody.tabIndex = 0;
valuesBody.setAttribute('role', 'region');
valuesBody.setAttribute('aria-label', 'Values at the selected step');
valuesCard.append(valuesBody);
// Below it: the end point of every run (gap, sharpness, ε-flatness; webview/ui/endpointTable.ts).
const endpointBody = el('div', 'card-footer endpoint-values');
endpointBody.tabIndex = 0;
endpointBody.setAttribute('role', 'region');
endpointBody.setAttribute('aria-label', 'End point of each run');
valuesCard.append(endpointBody);
cards.effectiveLr.root.after(valuesCard);
// Step inspector: the optimizer's equations at the slider's step, numbers from the host.
const inspector = new StepInspector((seq, r) => post({ type: 'view/inspectStep', seq, runId: r.runId, step: r.step, param: r.param }));
const inspectorCard = el('section', 'card card-wide');
inspectorCard.id = 'card-stepInspector';
{
  const head = el('div', 'card-head');
  const title = el('h2', 'card-title', 'Step inspector');
  const info = infoTip('tip-stepInspector', 'The optimizer\'s exact update (PyTorch\'s operation order) for the selected run and parameter at the slider\'s step, with that step\'s numbers filled in: inputs first, then each term, its formula, the formula with numbers and its value (✓: the recording holds exactly this value). Below, the effective learning rate decomposed into schedule × bias correction × preconditioner, and the share of parameters whose denominator ε dominates. Generated from the optimizer definitions in the core.', 'About the step inspector');
  head.append(title, info.button, info.tip, inspector.controls);
  inspectorCard.append(head, inspector.body);
}
valuesCard.after(inspectorCard);
const mapView = new StabilityMapView((m) => post(m as unknown as FromWebview), theme);
inspectorCard.after(mapView.root);
const lrFindView = new LrFindView((m) => post(m as unknown as FromWebview), theme);
mapView.root.after(lrFindView.root);
const tuneView = new TuneView((m) => post(m as unknown as FromWebview), theme);
lrFindView.root.after(tuneView.root);
const mapModel = () => ({ config: model.config, optimizers: model.optimizers, labelOf: (id: string) => model.runs.get(id)?.label ?? model.config.runs.find((r) => r.id === id)?.optimizer ?? id });
app.append(toolbar.root, picker.root, scrub, grid);

const charts = new Charts(
  { convergence: cards.convergence.canvas, landscape: cards.landscape.canvas, effectiveLr: cards.effectiveLr.canvas, moments: cards.moments.canvas, stepSize: cards.stepSize.canvas },
  theme,
  {
    hover: (step) => hoverAt(step),
    pick: (step) => setStep(step),
  },
);
function hoverAt(step: number | null): void {
  if (cursor.hover === step) return;
  cursor.hover = step;
  charts.redrawMarkers(model, ui);
  curv.redraw(model, ui.step);
  linkSoon({ hover: step });
}
// Curvature & stability, step quality α, eigen-decomposition (webview/ui/curvatureCards.ts), after the step charts.
const curv = new CurvatureCards(theme, { hover: hoverAt, pick: (step) => setStep(step), zoom: (r) => charts.setStepWindow(r) });
grid.append(...curv.roots);
/** A zoom that came from another panel of the group (not sent back). */
let zoomFromLink = false;
charts.onStepWindow = () => {
  renderCurvature();
  if (!zoomFromLink) linkSoon({ zoom: charts.stepWindow ? [charts.stepWindow[0], charts.stepWindow[1]] : null });
};
function renderCurvature(): Record<string, ChartSummary> {
  const w = charts.stepWindow;
  const max = maxStep();
  return curv.render(model, ui.step, { min: w ? Math.max(0, w[0]) : 0, max: w ? Math.min(max, w[1]) : max });
}

// Test/diagnostic hook: lets end-to-end tests read the charts' data (Chart.getChart(canvas).data).
Object.defineProperty(window, '__optimizerDiagnostics', {
  value: Object.freeze({
    Chart, chart: (id: string) => ({ stabilityMap: mapView.chart, lrFind: lrFindView.chart, sensitivity: tuneView.chart } as Record<string, unknown>)[id] ?? charts.get(id) ?? curv.get(id), curvature: () => ({ directions: curv.directions() }), model: () => model, ui: () => ({ ...ui }), lastRender: () => lastSummary, perf: () => JSON.parse(JSON.stringify(perf)) as unknown,
    /** The form: the draft (what Run would run), the host's config (what ran / runs), the "changed" note and problems. */
    form: () => ({ draft: toolbar.config, host: toolbar.hostConfigJson ? JSON.parse(toolbar.hostConfigJson) as unknown : null, dirty: toolbar.dirty, problems: toolbar.problems(), notice: toolbar.noticeText, posts: perf.posts }),
    hover: () => cursor.hover,
    /** The step inspector's last answer from the host (StepInspection) and what it asked for. */
    inspector: () => ({ inspection: inspector.last, runId: inspector.runId, param: inspector.param }),
    /** The stability map (webview/views/stabilityMap.ts): its data, start (axes or the form's), hover and open a cell. */
    stabilityMap: () => mapView.snapshot(),
    mapStart: (axes?: Parameters<StabilityMapView['start']>[0]) => mapView.start(axes),
    mapHover: (k: number) => mapView.hoverForTesting(k),
    mapOpen: (k: number) => mapView.open(k),
    /** Find a learning rate (webview/views/lrFind.ts): the last answer and its buttons; start; use a suggestion. */
    lrFind: () => lrFindView.snapshot(),
    lrFindStart: () => lrFindView.start(),
    lrFindUse: (key: 'steepest' | 'valley' | 'minOver10') => lrFindView.use(key),
    /** Tuned comparison (webview/views/tune.ts): the last answer; start with an objective. */
    tune: () => tuneView.snapshot(),
    tuneStart: (objective?: string) => tuneView.start(objective),
    /** Points the step inspector at a run (null: the first) and a parameter, as its pickers do. */
    inspect: (runId: string | null, param: number) => {
      inspector.runId = runId;
      inspector.param = param;
      inspector.updateControls(model);
      inspector.ask(model, ui.step);
    },
  }),
  enumerable: false,
});

// #endregion

// #region Card controls

let controlsKey = '';
function renderCardControls(): void {
  const runs = model.orderedRuns();
  const views = momentViews(runs);
  const hasPlane = !!model.landscape?.plane;
  const key = `${views.map((v) => v.value).join(',')}|${ui.momentState}|${ui.stepSizeMode}|${ui.showGradNorm}|${ui.convergenceScale}|${ui.logSteps}|${hasPlane}|${ui.ndView}`;
  if (key === controlsKey) return;
  controlsKey = key;
  const conv = cards.convergence.controls;
  conv.replaceChildren();
  const gn = checkbox('‖∇f‖', ui.showGradNorm, 'Show the gradient norm on a second (right) axis');
  gn.addEventListener('change', () => {
    ui.showGradNorm = gn.checked;
    persistUi();
    render('ui');
  });
  const scale = dropdown([{ value: 'auto', label: 'auto scale' }, { value: 'log', label: 'log' }, { value: 'linear', label: 'linear' }], ui.convergenceScale, { title: 'Loss axis scale', label: 'Loss axis scale' });
  scale.addEventListener('change', () => {
    ui.convergenceScale = scale.value as UiState['convergenceScale'];
    persistUi();
    render('ui');
  });
  // Log step axis (every step chart): the first steps (Adam's bias correction) spread out.
  const logSteps = checkbox('log steps', !!ui.logSteps, 'Logarithmic step axis on every step chart (from step 1)');
  logSteps.id = 'log-steps';
  logSteps.addEventListener('change', () => {
    ui.logSteps = logSteps.checked;
    persistUi();
    render('ui');
  });
  conv.append(gn, scale, logSteps);

  const mom = cards.moments.controls;
  mom.replaceChildren();
  if (views.length) {
    const cur = ui.momentState && views.some((v) => v.value === ui.momentState) ? ui.momentState : views[0]!.value;
    const d: ValueElement = dropdown(views, cur, { title: 'Which state tensor to plot (PyTorch names)', label: 'State', id: 'moment-state' });
    d.addEventListener('change', () => {
      ui.momentState = d.value;
      persistUi();
      render('ui');
    });
    mom.append(d);
  }

  const land = cards.landscape.controls;
  land.replaceChildren();
  if (hasPlane) {
    const v = dropdown([{ value: 'plane', label: 'PCA plane' }, { value: 'params', label: 'θ over steps' }], ui.ndView ?? 'plane', { title: 'N-parameter loss: the loss on the trajectories\' PCA plane, or the selected parameters over steps', label: 'Landscape view', id: 'nd-view' });
    v.addEventListener('change', () => {
      ui.ndView = v.value === 'params' ? 'params' : 'plane';
      persistUi();
      render('ui');
    });
    land.append(v);
  }

  const ss = cards.stepSize.controls;
  ss.replaceChildren();
  const mode = dropdown([{ value: 'stepSize', label: '|Δθ|' }, { value: 'updateRatio', label: '|Δθ| / |θ|' }], ui.stepSizeMode, { title: 'Absolute step or update ratio', label: 'Step size measure', id: 'step-mode' });
  mode.addEventListener('change', () => {
    ui.stepSizeMode = mode.value === 'updateRatio' ? 'updateRatio' : 'stepSize';
    persistUi();
    render('ui');
  });
  ss.append(mode);
}

// #endregion

// #region Rendering

const isVisible = (id: string): boolean => {
  const c = cards[id as CardId];
  return !!c && !c.root.hidden;
};

function maxStep(): number {
  return Math.max(1, model.links?.steps ?? 0, model.maxStep());
}

function updateScrubber(): void {
  const max = maxStep();
  const completed = Math.max(0, ...model.orderedRuns().map((r) => r.stepsCompleted));
  if (ui.step < 0 || ui.step > max) ui.step = completed || max;
  slider.max = String(max);
  slider.value = String(ui.step);
  stepLabel.textContent = `step ${ui.step} / ${max}`;
  const bits = model.orderedRuns().map((r) => {
    const i = r.loss.x.length ? nearestStep(r.loss.x, ui.step) : -1;
    return i >= 0 ? `${r.label}: f=${formatNumber(r.loss.y[i]!, 4)}` : '';
  }).filter(Boolean);
  stepInfo.textContent = bits.join('   ');
  cursor.step = ui.step;
}

function nearestStep(xs: Float64Array, step: number): number {
  let best = -1;
  for (let i = 0; i < xs.length && xs[i]! <= step; i++) best = i;
  return best;
}

function updateCards(): void {
  const nd = model.loss ? model.loss.dim !== 2 && !showsLandscape(model, ui) : false;
  const plane = nd ? undefined : model.landscape?.plane;
  cards.landscape.title.textContent = nd ? 'Parameters over steps' : plane ? 'Loss landscape in the PCA plane' : model.landscape ? 'Loss landscape & trajectories' : 'Trajectories';
  cards.landscape.info.set(nd ? 'θ_i per step for the selected parameters (use the picker above for large models).'
    : plane ? 'N-parameter loss: the plane through the first run\'s final point θ_final (★) spanned by the first two principal components of every run\'s θ_t − θ_final (all compared runs share it). Axes: coordinates along PC1 and PC2, with the share of Σ‖θ_t − θ_final‖² each explains. The filled contour is the loss on that plane, evaluated in the loss process; each run\'s path is projected onto it (a path can leave the plane: the contour is the loss on the plane, not along the path). Recomputed after every run.'
    : INFO.landscape);
  const planeNote = plane
    ? `PCA plane of ${plane.runs} run(s), ${plane.rows.toLocaleString('en-US')} points: PC1 ${(100 * plane.explained[0]).toFixed(1)} %, PC2 ${(100 * plane.explained[1]).toFixed(1)} % of Σ‖θ_t − θ_final‖² (together ${(100 * (plane.explained[0] + plane.explained[1])).toFixed(1)} %).`
    : '';
  if (cards.landscape.footer.textContent !== planeNote) cards.landscape.footer.textContent = planeNote;
  cards.landscape.footer.id = 'landscape-plane';
  const def = model.optimizers.get(model.config.runs.find((r) => r.id === toolbar.activeRun)?.optimizer ?? model.config.runs[0]?.optimizer ?? 'sgd');
  cards.effectiveLr.info.set(`${INFO.effectiveLr}${def ? `\n\n${def.label}: ${def.effectiveLrDefinition}` : ''}`);
  const runs = model.orderedRuns();
  const noDiag = runs.length > 0 && runs.every((r) => r.params.every((p) => p.effectiveLr.x.length === 0));
  for (const id of ['effectiveLr', 'moments', 'stepSize'] as const) {
    const c = cards[id];
    const none = runs.length === 0 ? 'No run yet.' : noDiag ? 'Per-parameter diagnostics were not recorded for this run.'
      : id === 'moments' && stateNamesOf(runs).length === 0 ? 'This optimizer keeps no per-parameter state (plain SGD without momentum).' : '';
    c.empty.hidden = !none;
    c.empty.textContent = none;
  }
  cards.convergence.empty.hidden = runs.length > 0;
  cards.convergence.empty.textContent = runs.length ? '' : model.status.phase === 'running' ? 'Running…' : model.error ? 'No successful run yet.' : 'No run yet.';
  for (const id of CARD_IDS) cards[id].root.classList.toggle('focused', ui.focus === id);
  valuesCard.classList.toggle('focused-follow', ui.focus === 'effectiveLr');
  valuesCard.hidden = model.orderedRuns().length === 0;
  inspectorCard.hidden = valuesCard.hidden;
}

/**
 * Runs `f` once the frame showing the current DOM and canvases has been painted: a task posted from
 * the next animation frame callback runs after that frame's style, layout and paint.
 */
function afterNextPaint(f: () => void): void {
  requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      f();
    };
    ch.port2.postMessage(0);
  });
}

let renderSeq = 0;
let lastSummary: unknown = null;
/** Timing of recent renders (performance.now): message received, frame painted; and when Run was last posted. */
const perf = {
  runPostedAt: NaN,
  /** run/start messages posted (live and Run). */
  posts: 0,
  renders: [] as { cause: string; received: number; painted: number; points: number; syncMs: number; phases?: Record<string, number> }[],
  messages: [] as { type: string; at: number }[],
};

/** Cards currently on screen: their charts are drawn first, the others right after that frame. */
const onScreen = new Set<string>();
const io = new IntersectionObserver((entries) => {
  for (const e of entries) {
    const id = (e.target as HTMLElement).dataset['chart'];
    if (!id) continue;
    if (e.isIntersecting) onScreen.add(id);
    else onScreen.delete(id);
  }
});
for (const id of CARD_IDS) io.observe(cards[id].root);

function render(cause: string, t0 = performance.now()): void {
  const seq = ++renderSeq;
  const tStart = performance.now();
  toolbar.update(model);
  picker.update(model);
  mapView.update(mapModel());
  lrFindView.update({ ...mapModel(), activeRun: ui.activeRun });
  tuneView.update(model.config);
  updateScrubber();
  updateCards();
  renderCardControls();
  const tDom = performance.now();
  const first = new Set(CARD_IDS.filter((id) => onScreen.has(id)));
  if (first.size === 0) first.add('convergence');
  const rest = new Set(CARD_IDS.filter((id) => !first.has(id)));
  let summaries: Record<string, ChartSummary> = {};
  let error: string | null = null;
  const draw = (only: ReadonlySet<string>): void => {
    try {
      Object.assign(summaries, charts.render(model, ui, isVisible, only));
    } catch (e) {
      error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
      post({ type: 'webview/didError', message: `render failed: ${error}` });
    }
  };
  draw(first);
  const tCharts = performance.now();
  const firstTimings = { ...charts.timings };
  renderStepTable(valuesBody, model, ui.step);
  renderEndpointTable(endpointBody, model);
  inspector.updateControls(model);
  inspector.ask(model, ui.step);
  const tEnd = performance.now();
  const syncMs = tEnd - t0;
  afterNextPaint(() => {
    if (seq !== renderSeq) return; // superseded: the newer render reports
    const painted = performance.now();
    const paintMs = painted - t0;
    // Off-screen charts: after the visible ones have been painted.
    window.setTimeout(() => {
      if (seq !== renderSeq) return;
      draw(rest);
      summaries = Object.fromEntries(CARD_IDS.filter((id) => summaries[id]).map((id) => [id, summaries[id]!]));
      try {
        Object.assign(summaries, renderCurvature());
      } catch (e) {
        post({ type: 'webview/didError', message: `curvature render failed: ${e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e)}` });
      }
      const runs = model.orderedRuns();
      const points = Object.values(summaries).reduce((n, c) => n + c.points, 0);
      lastSummary = { cause, paintMs, runs: runs.length, points, charts: summaries };
      const phases: Record<string, number> = { wait: tStart - t0, dom: tDom - tStart, charts: tCharts - tDom, table: tEnd - tCharts, toPaint: painted - tEnd };
      for (const id of first) if (firstTimings[id] !== undefined) phases[`chart:${id}`] = firstTimings[id]!;
      perf.renders.push({ cause, received: t0, painted, points, syncMs, phases });
      if (perf.renders.length > 50) perf.renders.shift();
      post({
        type: 'webview/didRender',
        summary: {
          panelId: model.panelId, runs: runs.length, runIds: runs.map((r) => r.runId), charts: summaries, paintMs, cause, step: ui.step,
          error: error ?? (model.error ? model.error.message : null), phase: model.status.phase, linked: model.links !== null, notice: toolbar.noticeText,
          schedule: { previewRuns: toolbar.previewRunIds, previewPoints: toolbar.previewPoints, switches: cursor.switches.map((s) => s.step) },
        },
      });
    }, 0);
  });
}

/**
 * Coalesces renders: many messages in one frame draw once. While a request is running, streamed runs
 * are drawn at most every PROGRESSIVE_MS (long comparisons fill in run by run); its end draws at once,
 * so a fast request (a live hyperparameter edit) costs a single render.
 */
const PROGRESSIVE_MS = 250;
let pendingRender: { cause: string; t0: number; timer: number | null; frame: number | null } | null = null;
function scheduleRender(cause: string, t0: number, opts: { progressive?: boolean; now?: boolean } = {}): void {
  const flush = (): void => {
    const p = pendingRender;
    pendingRender = null;
    if (!p) return;
    if (p.timer !== null) window.clearTimeout(p.timer);
    if (p.frame !== null) cancelAnimationFrame(p.frame);
    render(p.cause, p.t0);
  };
  if (!pendingRender) pendingRender = { cause, t0, timer: null, frame: null };
  pendingRender.cause = cause;
  if (opts.progressive) {
    if (pendingRender.timer === null && pendingRender.frame === null) pendingRender.timer = window.setTimeout(() => {
      if (pendingRender) pendingRender.timer = null;
      flush();
    }, PROGRESSIVE_MS);
    return;
  }
  if (pendingRender.timer !== null) {
    window.clearTimeout(pendingRender.timer);
    pendingRender.timer = null;
  }
  // The frame's start counts from the message that completed the picture.
  pendingRender.t0 = t0;
  // The end of a request completes the picture: draw now, in this task, so the frame being prepared
  // shows it (waiting for the next animation frame first would add up to a frame before any work).
  if (opts.now) {
    flush();
    return;
  }
  if (pendingRender.frame === null) pendingRender.frame = requestAnimationFrame(flush);
}

function setStep(step: number, fromLink = false): void {
  ui.step = Math.max(0, Math.min(maxStep(), Math.round(step)));
  updateScrubber();
  charts.redrawMarkers(model, ui);
  curv.redraw(model, ui.step);
  renderStepTable(valuesBody, model, ui.step);
  inspector.ask(model, ui.step);
  persistUiSoon();
  if (!fromLink) linkSoon({ step: ui.step });
}

// Side by side: the step slider, the hover crosshair and the step-axis zoom follow the other panels of the
// group (the host relays; at most one message per animation frame).
let linkPending: { step?: number; hover?: number | null; zoom?: StepZoom | null } | null = null;
function linkSoon(patch: { step?: number; hover?: number | null; zoom?: StepZoom | null }): void {
  if (!model.links) return;
  const first = linkPending === null;
  linkPending = { ...(linkPending ?? {}), ...patch };
  if (!first) return;
  requestAnimationFrame(() => {
    const p = linkPending;
    linkPending = null;
    if (p) post({ type: 'view/linkStep', ...p });
  });
}

// #endregion

// #region Interaction

slider.addEventListener('input', () => {
  stopPlaying();
  setStep(Number(slider.value));
});

let playing: number | null = null;
function stopPlaying(): void {
  if (playing !== null) cancelAnimationFrame(playing);
  playing = null;
  play.replaceChildren(Object.assign(document.createElement('span'), { className: 'glyph', textContent: '▶' }));
  play.title = PLAY_TITLE;
  play.setAttribute('aria-label', PLAY_TITLE);
  play.setAttribute('aria-pressed', 'false');
}
play.addEventListener('click', () => {
  if (playing !== null) {
    stopPlaying();
    return;
  }
  const max = maxStep();
  if (ui.step >= max) setStep(0);
  let last = performance.now();
  const perMs = max / 6000; // the whole run in ~6 s
  play.replaceChildren(Object.assign(document.createElement('span'), { className: 'glyph', textContent: '❚❚' }));
  play.title = 'Pause';
  play.setAttribute('aria-label', 'Pause');
  play.setAttribute('aria-pressed', 'true');
  let acc = ui.step;
  const tick = (now: number): void => {
    acc = Math.min(max, acc + (now - last) * perMs);
    last = now;
    setStep(acc);
    if (acc >= max) stopPlaying();
    else playing = requestAnimationFrame(tick);
  };
  playing = requestAnimationFrame(tick);
});

function work(config: SessionConfig): number {
  return config.steps * config.runs.length * Math.max(1, model.loss?.dim ?? 2);
}

function startRun(config: SessionConfig, live: boolean): void {
  if (liveTimer !== undefined) window.clearTimeout(liveTimer);
  liveTimer = undefined;
  perf.runPostedAt = performance.now();
  perf.posts++;
  toolbar.willPost(config);
  if (!live) {
    toolbar.setPending(false);
    toolbar.setNotice(null);
  } else pendingUntil(config);
  // The host prepared exactly this configuration while the edit was typed (run/didPrepare): draw it now, and
  // let the host commit the same result (it sends the start and the status, not the data again).
  const json = JSON.stringify(config);
  const p = prepared && prepared.json === json ? prepared : null;
  prepared = null;
  post(p ? { type: 'run/start', config, live, prepared: p.seq } : { type: 'run/start', config, live });
  if (!p) return;
  committing = json;
  model.config = config;
  for (const r of p.runs) model.runs.set(r.runId, r);
  model.prune();
  model.status = { phase: 'done', requestId: null, message: p.message };
  model.error = null;
  model.progress.clear();
  scheduleRender('run/didPrepare', perf.runPostedAt, { now: true });
}

/**
 * Session.prepare's answers: the runs of a validated configuration (kept for the last few run/validate posts),
 * drawn only if the debounce ends on exactly that configuration. `committing`: the configuration drawn from one,
 * whose run/didStart must not show "running" again.
 */
let prepared: { seq: number; json: string; runs: readonly RunSeries[]; message: string } | null = null;
const validated = new Map<number, string>();
let committing: string | null = null;
function validate(config: SessionConfig): void {
  const seq = ++validateSeq;
  validated.set(seq, JSON.stringify(config));
  for (const k of validated.keys()) if (k < seq - 8) validated.delete(k);
  post({ type: 'run/validate', seq, config });
}

/** A live run was posted: the form counts as "in flight" until the host starts it (or 3 s pass: refused). */
let pendingTimer: number | undefined;
function pendingUntil(config: SessionConfig): void {
  toolbar.setPending(true);
  if (pendingTimer !== undefined) window.clearTimeout(pendingTimer);
  const j = JSON.stringify(config);
  pendingJson = j;
  pendingTimer = window.setTimeout(() => {
    pendingTimer = undefined;
    if (pendingJson === j) toolbar.setPending(false, 'live re-run skipped');
  }, 3000);
}
let pendingJson = '';

let validateSeq = 0;
function scheduleLive(config: SessionConfig, live: boolean): void {
  setState({ config });
  validate(config);
  if (liveTimer !== undefined) window.clearTimeout(liveTimer);
  liveTimer = undefined;
  // Live re-runs only for hyperparameter edits (steps, seed and batch size apply on Enter or Run: every
  // prefix of "10000" is a valid step count), only when on, and only for small problems (this edit and the
  // run shown: a large problem never runs partial values).
  if (!live) return toolbar.setPending(false, toolbar.problems().length ? '' : 'steps, seed, batch size and σ apply on Enter or Run');
  if (!model.settings.liveUpdate) return toolbar.setPending(false, 'live re-run is off');
  if (work(config) > model.settings.liveUpdateMaxWork || work(model.config) > model.settings.liveUpdateMaxWork) {
    return toolbar.setPending(false, 'live re-run skipped: large problem');
  }
  toolbar.setPending(true);
  liveTimer = window.setTimeout(() => {
    liveTimer = undefined;
    const cfg = toolbar.config;
    if (!cfg || toolbar.problems().length) return toolbar.setPending(false);
    if (work(cfg) > model.settings.liveUpdateMaxWork) return toolbar.setPending(false, 'live re-run skipped: large problem');
    startRun(cfg, true);
  }, 150);
}

let persistTimer: number | undefined;
function persistUi(): void {
  setState({ panelId: model.panelId, ui: { ...ui } });
}
function persistUiSoon(): void {
  if (persistTimer !== undefined) return;
  persistTimer = window.setTimeout(() => {
    persistTimer = undefined;
    persistUi();
  }, 300);
}

function reveal(section: ViewSection): void {
  ui.focus = section;
  persistUi();
  updateCards();
  const card = cards[section as CardId];
  if (!card) return;
  // Layout changed (focused card spans the grid): let the charts resize, then scroll.
  requestAnimationFrame(() => {
    card.root.scrollIntoView({ block: 'start', behavior: 'auto' });
    card.root.classList.remove('flash');
    void card.root.offsetWidth;
    card.root.classList.add('flash');
    render('view/didReveal');
  });
}

// Narrow panels (below 600 px) and side-by-side members: one-line toolbar (optimizer, lr, ⋯), charts
// first, stacked (media/main.css, body.narrow).
const NARROW_PX = 600;
function updateNarrow(): void {
  const narrow = window.innerWidth < NARROW_PX || model.links !== null;
  if (document.body.classList.contains('narrow') !== narrow) document.body.classList.toggle('narrow', narrow);
}
window.addEventListener('resize', updateNarrow);
updateNarrow();

// Chart width → host decimation budget.
let lastWidth = 0;
let resizeTimer: number | undefined;
const chartWidth = (): number => Math.round(cards.convergence.canvas.parentElement!.clientWidth * Math.min(2, window.devicePixelRatio || 1));
new ResizeObserver(() => {
  if (resizeTimer !== undefined) window.clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    const w = chartWidth();
    if (Math.abs(w - lastWidth) > 64 && model.hydrated) {
      lastWidth = w;
      post({ type: 'view/resize', chartWidth: w });
    }
  }, 250);
}).observe(grid);

watchTheme(() => {
  theme = readTheme();
  applyChartDefaults(theme);
  charts.setTheme(theme);
  curv.setTheme(theme);
  toolbar.setTheme(theme);
  controlsKey = '';
  render('theme');
});

window.addEventListener('error', (e) => post({ type: 'webview/didError', message: `${e.message} at ${e.filename}:${e.lineno}` }));

// #endregion

// #region Messages

function onMessage(msg: ToWebview): void {
  if (mapView.onMessage(msg) || lrFindView.onMessage(msg) || tuneView.onMessage(msg)) return;
  const t0 = performance.now();
  perf.messages.push({ type: msg.type, at: t0 });
  if (perf.messages.length > 100) perf.messages.shift();
  switch (msg.type) {
    case 'run/snapshot':
      model.applySnapshot(msg.snapshot);
      updateNarrow();
      model.progress.clear();
      setState({ panelId: model.panelId, ...(toolbar.dirty ? {} : { config: model.config }) });
      if (msg.snapshot.notice) {
        toolbar.setNotice(msg.snapshot.notice);
      }
      toolbar.update(model, true);
      // A schedule's preview comes with the validation of the config (computed by the core on the host).
      if (toolbar.config?.runs.some((r) => r.schedule || r.then)) validate(toolbar.config);
      scheduleRender(msg.type, t0);
      return;
    case 'run/didStart':
      model.config = msg.config;
      if (committing !== null && committing === JSON.stringify(msg.config)) model.status = { ...model.status, requestId: msg.requestId };
      else model.status = { phase: 'running', requestId: msg.requestId, message: null };
      committing = null;
      model.progress.clear();
      if (JSON.stringify(msg.config) === pendingJson) {
        pendingJson = '';
        toolbar.setPending(false);
      }
      toolbar.update(model);
      if (!toolbar.dirty) setState({ config: msg.config });
      // A run with a schedule the form did not post (a restored or host-made config): fetch its preview.
      if (!toolbar.dirty && toolbar.config && toolbar.config.runs.some((r) => r.schedule || r.then) && !toolbar.hasPreviewFor(toolbar.config)) {
        validate(toolbar.config);
      }
      updateCards();
      return;
    case 'run/didProgress':
      model.progress.set(msg.runId, { done: msg.done, total: msg.total });
      toolbar.update(model);
      return;
    case 'run/didPrepare': {
      const json = validated.get(msg.seq);
      if (json !== undefined) prepared = { seq: msg.seq, json, runs: msg.runs, message: msg.message };
      return;
    }
    case 'run/didAppendSteps':
      for (const run of msg.runs) model.runs.set(run.runId, run);
      scheduleRender(msg.type, t0, { progressive: model.status.phase === 'running' });
      return;
    case 'run/didFinish':
      model.status = msg.status;
      model.error = null;
      model.paramMagnitudes = msg.paramMagnitudes;
      model.selectedParams = msg.selectedParams;
      model.progress.clear();
      model.prune();
      scheduleRender(msg.type, t0, { now: true });
      return;
    case 'run/didFail':
      model.status = msg.status;
      model.error = msg.error;
      model.progress.clear();
      scheduleRender(msg.type, t0);
      return;
    case 'config/didChange':
      model.settings = msg.settings;
      model.trusted = msg.trusted;
      scheduleRender(msg.type, t0);
      return;
    case 'view/didLinkAxes':
      model.links = msg.links;
      updateNarrow();
      scheduleRender(msg.type, t0);
      return;
    case 'view/didReveal':
      reveal(msg.section);
      return;
    case 'view/didLinkStep':
      if (msg.step !== undefined) setStep(msg.step, true);
      if (msg.zoom !== undefined) {
        zoomFromLink = true;
        try {
          charts.setStepWindow(msg.zoom ? [msg.zoom[0], msg.zoom[1]] : null);
        } finally {
          zoomFromLink = false;
        }
      }
      if (msg.hover !== undefined && cursor.hover !== msg.hover) {
        cursor.hover = msg.hover;
        charts.redrawMarkers(model, ui);
  curv.redraw(model, ui.step);
      }
      return;
    case 'run/didValidate':
      if (msg.seq === validateSeq) {
        toolbar.setProblems(msg.problems);
        toolbar.setPreviews(msg.previews ?? []);
        // a drawn preview is reported with the next render summary
        if (msg.previews?.length) scheduleRender(msg.type, t0);
        if (msg.problems.length && liveTimer !== undefined) {
          window.clearTimeout(liveTimer);
          liveTimer = undefined;
          toolbar.setPending(false);
        }
      }
      return;
    case 'run/didReject':
      toolbar.setNotice(msg.message);
      toolbar.setPending(false);
      if (msg.problems.some((p) => p.field === 'steps' || p.field === 'seed' || p.field === 'batchSize' || p.field === 'gradientNoise')) toolbar.setProblems(msg.problems);
      scheduleRender(msg.type, t0);
      return;
    case 'view/didInspectStep':
      inspector.receive(msg.seq, msg.inspection);
      return;
    case 'export/captureCharts': {
      let images: { chart: string; dataUrl: string }[] = [];
      try {
        images = charts.capture(isVisible);
      } catch (e) {
        post({ type: 'webview/didError', message: `capture failed: ${String(e)}` });
      }
      post({ type: 'export/didCaptureCharts', requestId: msg.requestId, images });
      return;
    }
    default:
      return;
  }
}

window.addEventListener('message', (e: MessageEvent) => {
  const data = e.data as { type?: unknown } | null;
  if (!data || typeof data.type !== 'string') return;
  onMessage(data as ToWebview);
});

// #endregion

// Ready handshake: the host hydrates us with run/snapshot.
lastWidth = chartWidth();
post({ type: 'webview/ready', chartWidth: lastWidth || 800 });
