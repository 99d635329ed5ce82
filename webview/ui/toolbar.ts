// The toolbar: loss header and status, the runs (chips: colour + dash of each optimizer, with what
// actually ran), the form of the selected run (optimizer dropdown + hyperparameter fields generated from
// the host's schema, each with the exact update equations as tooltip), steps/seed/batch, Run/Stop,
// add-to-comparison, side by side and export.
//
// Edits change a draft SessionConfig that this class owns; the caller debounces and posts `run/start`.
// The form is built once per structure (run, optimizer) and then updated IN PLACE: a field the user is
// editing is never rewritten (no re-render, no value or selection change), and the host's config only
// replaces the draft when the host changed it (not when it echoes what the panel posted). Every field
// validates itself (syntax here, ranges by the core through `run/validate`) and shows its own reason.
import type { HyperparameterSpec, HyperValue, OptimizerName } from '../../src/core/types';
import { formatHyperValue, formatNumber } from '../../src/protocol/format';
import { LIMITS, withConventionDefaults, type ExportFormat, type FieldProblem, type RunSpec, type SchedulePreview, type SessionConfig } from '../../src/protocol/messages';
import { SCHEDULE_CLASSES, SCHEDULE_CLASS_NAMES, suggestedScheduleArgs, type ScheduleClassName, type ScheduleParamSpec, type ScheduleValue } from '../../src/core/schedules/schema';
import { drawSchedulePreview } from '../charts/schedulePreview';
import { formatLossError } from '../../src/protocol/simulation';
import { styleIndex } from '../charts/charts';
import { DASHES, type Theme } from '../charts/theme';
import type { Model } from '../model';
import { GRADIENT_MODES, GRADIENT_MODE_TITLES } from '../../src/protocol/gradientFields';
import { noiseFieldRules, validationInfo } from './runFields';
import { button, checkbox, dropdown, progressRing, tag, textField, type CheckElement, type ValueElement } from './toolkit';

export interface ToolbarCallbacks {
  /** The draft changed through a field; `live`: a value edit that may re-run immediately. */
  edit(config: SessionConfig, live: boolean): void;
  run(config: SessionConfig): void;
  stop(): void;
  add(optimizer: OptimizerName, hyperparameters?: Record<string, HyperValue>): void;
  remove(runId: string): void;
  selectRun(runId: string): void;
  sideBySide(): void;
  export(format: ExportFormat): void;
}

const h = <K extends keyof HTMLElementTagNameMap>(tagName: K, cls?: string, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tagName);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

/** Why `text` is not a number, or null. */
export function numberProblem(text: string, opts: { integer?: boolean; min?: number; max?: number; optional?: boolean } = {}): string | null {
  const t = text.trim();
  if (t === '') return opts.optional ? null : 'enter a number';
  const v = parseNumber(t);
  if (v === undefined) return `"${t.length > 12 ? t.slice(0, 12) + '…' : t}" is not a number`;
  if (opts.integer && !Number.isInteger(v)) return 'must be a whole number';
  if (opts.min !== undefined && v < opts.min) return `must be at least ${opts.min}`;
  if (opts.max !== undefined && v > opts.max) return `must be at most ${opts.max.toLocaleString('en-US')}`;
  return null;
}

/** Parses a number as typed: 1e-3, .5, -2. */
export function parseNumber(s: string): number | undefined {
  const t = s.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

/** A form field of the toolbar, updated in place. */
interface FieldRec {
  readonly key: string;
  readonly el: ValueElement;
  readonly msg: HTMLElement;
  /** Hyperparameter fields: run id, name and (pairs) the index. */
  readonly runId?: string;
  readonly name: string;
  readonly index?: 0 | 1;
  /** Syntax check of the text (null: ok). */
  readonly check: (text: string) => string | null;
  /** Writes the parsed text into a draft. */
  readonly apply: (draft: SessionConfig, text: string) => SessionConfig;
  /** The draft's value as the field shows it. */
  readonly show: (draft: SessionConfig) => string;
  /** Does the draft's value equal what the text says (so it need not be rewritten)? */
  readonly same: (draft: SessionConfig, text: string) => boolean;
  /** Live fields re-run while typing; the others (steps, seed, batch) on Enter or Run. */
  readonly live: boolean;
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export class Toolbar {
  readonly root = h('header', 'toolbar');
  private readonly lossEl = h('div', 'loss');
  private readonly statusEl = h('div', 'status');
  private readonly bannerEl = h('div', 'banners');
  private readonly runsEl = h('div', 'runs');
  private readonly chipsEl = h('div', 'run-chips');
  private readonly runsTools = h('div', 'runs-tools');
  private readonly editorEl = h('div', 'editor');
  private readonly controlsEl = h('div', 'controls');
  private readonly noteEl = h('div', 'changed-note');
  private readonly noticeEl = h('div', 'notice');
  private readonly moreBtn: HTMLElement & { disabled: boolean };
  private draft: SessionConfig | null = null;
  /** The config the host last reported (what runs / ran), as JSON. */
  private hostJson = '';
  /** Configs this panel posted recently (their echoes do not replace the draft). */
  private readonly posted: string[] = [];
  /** Fields edited since the draft was last posted. */
  private readonly edited = new Set<string>();
  private readonly fields = new Map<string, FieldRec>();
  /** Per field key: the core's reason (run/didValidate, run/didFail, run/didReject). */
  private readonly hostProblems = new Map<string, string>();
  private globalProblems: string[] = [];
  activeRun: string | null = null;
  private editorKey = '';
  private controlsKey = '';
  private theme: Theme;
  private pendingLive = false;
  private liveReason = '';
  private notice: string | null = null;

  constructor(private readonly cb: ToolbarCallbacks, theme: Theme) {
    this.theme = theme;
    const top = h('div', 'toolbar-row toolbar-top');
    top.append(this.lossEl, this.statusEl);
    this.chipsEl.setAttribute('role', 'group');
    this.chipsEl.setAttribute('aria-label', 'Runs (select one to edit it)');
    this.runsEl.append(this.chipsEl, this.runsTools);
    this.moreBtn = button('⋯', { appearance: 'secondary', title: 'More settings', id: 'toolbar-more' });
    this.moreBtn.classList.add('toolbar-more');
    this.moreBtn.setAttribute('aria-expanded', 'false');
    this.moreBtn.addEventListener('click', () => {
      const open = !this.root.classList.contains('expanded');
      this.root.classList.toggle('expanded', open);
      this.moreBtn.setAttribute('aria-expanded', String(open));
      this.moreBtn.title = open ? 'Fewer settings' : 'More settings';
      this.moreBtn.setAttribute('aria-label', this.moreBtn.title);
    });
    this.noteEl.setAttribute('role', 'status');
    this.noteEl.hidden = true;
    this.noticeEl.setAttribute('role', 'alert');
    this.noticeEl.hidden = true;
    this.root.append(top, this.runsEl, this.editorEl, this.controlsEl, this.noteEl, this.noticeEl, this.bannerEl);
  }

  setTheme(t: Theme): void {
    this.theme = t;
    this.keys.delete('runs');
  }

  get config(): SessionConfig | null {
    return this.draft;
  }

  /** The host's config (last reported), for tests and the "changed" state. */
  get hostConfigJson(): string {
    return this.hostJson;
  }

  private readonly keys = new Map<string, string>();
  private keyed(section: string, key: string, force: boolean, render: () => void): void {
    if (!force && this.keys.get(section) === key) return;
    this.keys.set(section, key);
    render();
  }

  private focusedWithin(el: HTMLElement): boolean {
    const a = document.activeElement;
    return !!a && (el === a || el.contains(a));
  }

  /** The panel is about to post `config` (run/start): its echo must not replace the draft. */
  willPost(config: SessionConfig): void {
    const j = JSON.stringify(config);
    this.posted.push(j);
    if (this.posted.length > 64) this.posted.shift();
    if (sameJson(config, this.draft)) this.edited.clear();
  }

  /** A debounced live run is waiting (true) or the last edit was not run live (false, with the reason). */
  setPending(pending: boolean, reason = ''): void {
    this.pendingLive = pending;
    this.liveReason = reason;
    this.updateNote();
  }

  /** Shows (or clears) a notice: a refused request, a partly restored configuration. */
  setNotice(text: string | null): void {
    this.notice = text;
    this.noticeEl.hidden = !text;
    this.noticeEl.textContent = text ?? '';
  }
  get noticeText(): string | null {
    return this.notice;
  }

  /** Field problems from the host (the core's validation) for the current draft; replaces the previous ones. */
  setProblems(problems: readonly FieldProblem[]): void {
    this.hostProblems.clear();
    this.globalProblems = [];
    for (const p of problems) {
      const key = this.problemKey(p);
      if (key && this.fields.has(key)) this.hostProblems.set(key, p.message);
      else if (key && key.startsWith('h:')) this.hostProblems.set(key, p.message);
      else this.globalProblems.push(`${p.field}: ${p.message}`);
    }
    for (const f of this.fields.values()) this.showProblem(f);
    this.updateNote();
  }

  private problemKey(p: FieldProblem): string | null {
    if (p.runId) {
      const pair0 = `h:${p.runId}:${p.field}:0`;
      return this.fields.has(pair0) ? pair0 : `h:${p.runId}:${p.field}`;
    }
    if (p.field === 'steps' || p.field === 'seed') return p.field;
    if (p.field === 'batchSize') return 'batch';
    if (p.field === 'gradientNoise') return 'noise';
    return null;
  }

  /** Every problem of the form: field syntax, the core's ranges, and host-level ones. */
  problems(): string[] {
    const out: string[] = [];
    for (const f of this.fields.values()) {
      const m = this.problemOf(f);
      if (m) out.push(`${f.name}${f.index !== undefined ? `[${f.index}]` : ''}: ${m}`);
    }
    // Problems of runs whose form is not shown (another run selected).
    for (const [k, m] of this.hostProblems) if (!this.fields.has(k)) out.push(`${k.split(':')[2] ?? k}: ${m}`);
    return [...out, ...this.globalProblems];
  }

  private problemOf(f: FieldRec): string | null {
    return f.check(f.el.value) ?? this.hostProblems.get(f.key) ?? null;
  }

  private showProblem(f: FieldRec): void {
    const m = this.problemOf(f);
    f.el.classList.toggle('invalid', !!m);
    f.el.setAttribute('aria-invalid', String(!!m));
    f.msg.textContent = m ?? '';
    f.msg.hidden = !m;
    const base = f.el.dataset['label'] ?? f.name;
    f.el.setAttribute('aria-label', m ? `${base} (invalid: ${m})` : base);
  }

  /** Is the draft different from what the host last ran? */
  get dirty(): boolean {
    return !!this.draft && JSON.stringify(this.draft) !== this.hostJson;
  }

  private updateNote(): void {
    const problems = this.problems();
    let text = '';
    let cls = '';
    if (problems.length) {
      text = `Not run — ${problems.join('; ')}`;
      cls = 'note-invalid';
    } else if (this.dirty && !this.pendingLive) {
      text = `Changed: press Run${this.liveReason ? ` (${this.liveReason})` : ''}`;
      cls = 'note-changed';
    }
    this.noteEl.hidden = !text;
    this.noteEl.textContent = text;
    this.noteEl.className = `changed-note ${cls}`;
    this.root.classList.toggle('is-dirty', cls === 'note-changed');
    this.runBtn?.classList.toggle('attention', !!text && cls === 'note-changed');
  }

  /** Takes the host's config: replaces the draft only when the host changed it (not an echo of ours). */
  private adopt(cfg: SessionConfig, force: boolean): void {
    const j = JSON.stringify(cfg);
    if (!force && j === this.hostJson && this.draft) return;
    const echo = this.posted.includes(j);
    this.hostJson = j;
    if (this.draft && echo && !force) return;
    // A change made by the host (new run, restored or re-run config): it becomes the draft, except the
    // fields the user is editing (or edited and has not run yet), which keep their text and value.
    let next = cfg;
    for (const key of this.edited) {
      const f = this.fields.get(key);
      if (!f || f.check(f.el.value) !== null) continue;
      if (f.runId && !next.runs.some((r) => r.id === f.runId)) continue;
      next = f.apply(next, f.el.value);
    }
    this.draft = next;
    this.syncFields();
  }

  /** Writes the draft into the fields that are not being edited and do not already say the same value. */
  private syncFields(): void {
    if (!this.draft) return;
    for (const f of this.fields.values()) {
      if (f.runId && !this.draft.runs.some((r) => r.id === f.runId)) continue;
      if (document.activeElement === f.el || this.edited.has(f.key)) continue;
      if (f.check(f.el.value) === null && f.same(this.draft, f.el.value)) continue;
      f.el.value = f.show(this.draft);
      this.showProblem(f);
    }
  }

  /** Re-renders from the model. The form is built once per structure and updated in place. */
  update(model: Model, force = false): void {
    this.adopt(model.config, force && !this.draft);
    const draft = this.draft!;
    if (!this.activeRun || !draft.runs.some((r) => r.id === this.activeRun)) this.activeRun = draft.runs[0]?.id ?? null;
    const l = model.loss;
    this.keyed('loss', `${l?.label}|${l?.formula}|${l?.dim}|${l?.gradient}|${l?.hasData}|${l?.runtime ?? ''}|${model.config.loss.kind === 'file' ? model.config.loss.path : ''}`, force, () => this.renderLoss(model));
    this.renderStatus(model);
    const banners = JSON.stringify([model.error, l?.warnings, model.orderedRuns().filter((r) => r.diverged || stoppedByError(r)).map((r) => [r.label, r.stopReason]), model.runs.size > 0]);
    this.keyed('banners', banners, force, () => this.renderBanners(model));
    const runsKey = JSON.stringify([draft.runs.map((r) => [r.id, r.optimizer]), this.activeRun,
      [...model.runs.values()].map((r) => [r.runId, r.label, r.finalLoss, r.bestLoss, r.stepsCompleted, r.stepsRequested, r.elapsedMs, r.hyperparameters]), this.theme.series[0], model.optimizers.size]);
    this.keyed('runs', runsKey, force, () => this.renderRuns(model));
    this.renderRunsTools(model);
    const run = draft.runs.find((r) => r.id === this.activeRun);
    const key = run ? `${run.id}|${run.optimizer}|${model.optimizers.size}|${draft.convention ?? 'pytorch'}|${run.schedule?.schedulers[0]?.name ?? ''}|${run.then?.[0]?.optimizer ?? ''}` : '';
    if (key !== this.editorKey) {
      this.editorKey = key;
      this.renderEditor(model, run);
    } else this.updateSources(model);
    const ckey = `${model.loss?.hasData ?? false}|${draft.convention ?? ''}|${draft.dtype ?? ''}|${model.conventions.length}|${draft.loss.kind}|${draft.gradientMode ?? ''}|${JSON.stringify(model.loss?.dataLayout ?? null)}`;
    if (ckey !== this.controlsKey) {
      this.controlsKey = ckey;
      this.renderControls(model);
    }
    this.updateRunning(model);
    this.updateNote();
  }

  private renderLoss(model: Model): void {
    this.lossEl.replaceChildren();
    const l = model.loss;
    const name = h('span', 'loss-name', l ? l.label : model.config.loss.kind === 'builtin' ? model.config.loss.name : model.config.loss.path.split(/[\\/]/).pop() ?? '');
    name.title = l?.ref.kind === 'file' ? l.ref.path : 'built-in loss';
    this.lossEl.append(name);
    if (l?.formula && l.formula !== l.label) this.lossEl.append(h('span', 'loss-formula', l.formula));
    if (l) {
      const meta = [`${l.dim} parameter${l.dim === 1 ? '' : 's'}`, `gradient: ${l.gradient}`];
      if (l.hasData) meta.push('mini-batches');
      if (l.runtime) meta.push(l.runtime); // *.loss.py: interpreter and torch version
      this.lossEl.append(h('span', 'loss-meta', meta.join(' · ')));
    }
  }

  private statusKey = '';
  private renderStatus(model: Model): void {
    let done = 0;
    let total = 0;
    for (const p of model.progress.values()) {
      done += p.done;
      total += p.total;
    }
    const key = `${model.status.phase}|${model.status.message}|${total > 0 ? Math.round((100 * done) / total) : -1}`;
    if (key === this.statusKey) return;
    this.statusKey = key;
    this.statusEl.replaceChildren();
    const s = model.status;
    if (s.phase === 'running') {
      const ring = progressRing();
      ring.classList.add('ring');
      this.statusEl.append(ring, h('span', 'status-text', total > 0 ? `Running… ${Math.round((100 * done) / total)}%` : 'Running…'));
    } else if (s.phase === 'failed') {
      this.statusEl.append(h('span', 'status-text status-error', 'Failed — showing the last good run'));
    } else if (s.message) {
      this.statusEl.append(h('span', 'status-text', s.message));
    }
    this.statusEl.setAttribute('role', 'status');
    this.statusEl.setAttribute('aria-live', 'polite');
  }

  private renderBanners(model: Model): void {
    this.bannerEl.replaceChildren();
    if (model.error) {
      const b = h('div', 'banner banner-error');
      b.setAttribute('role', 'alert');
      b.append(h('strong', undefined, model.error.kind === 'untrusted' ? 'Restricted Mode' : model.error.kind === 'hyperparameter' ? 'Invalid hyperparameter' : model.error.kind === 'run-file' ? 'Run file' : 'Loss error'));
      b.append(h('span', 'banner-text', ' ' + formatLossError(model.error) + (model.error.step !== undefined ? ` (step ${model.error.step})` : '')));
      if (model.error.kind === 'untrusted') {
        // a command link (the host allows exactly this command URI: html.ts webviewOptions)
        const a = h('a', 'banner-action', 'Manage Workspace Trust');
        a.href = 'command:workbench.trust.manage';
        b.append(' ', a);
      }
      if (model.runs.size) b.append(h('span', 'banner-note', ' The charts show the last good run.'));
      this.bannerEl.append(b);
    }
    for (const w of model.loss?.warnings ?? []) {
      const b = h('div', 'banner banner-warning');
      b.append(h('strong', undefined, 'Warning'), h('span', 'banner-text', ' ' + w));
      this.bannerEl.append(b);
    }
    for (const r of model.orderedRuns()) {
      if (stoppedByError(r)) {
        // a loss error after some steps (e.g. the loss left its domain at an operation): not a divergence
        const b = h('div', 'banner banner-error');
        b.setAttribute('role', 'alert');
        b.append(h('strong', undefined, `${r.label} stopped`), h('span', 'banner-text', ' ' + (r.stopReason ?? '')));
        this.bannerEl.append(b);
        continue;
      }
      if (!r.diverged) continue;
      const b = h('div', 'banner banner-warning');
      b.append(h('strong', undefined, `${r.label} diverged`), h('span', 'banner-text', ' ' + (r.stopReason ?? '').replace(/^diverged\s+/, '') + ' — try a smaller learning rate.'));
      this.bannerEl.append(b);
    }
  }

  private swatch(k: number): SVGSVGElement {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('width', '26');
    svg.setAttribute('height', '10');
    svg.setAttribute('aria-hidden', 'true');
    svg.classList.add('swatch');
    const line = document.createElementNS(ns, 'line');
    line.setAttribute('x1', '1');
    line.setAttribute('x2', '25');
    line.setAttribute('y1', '5');
    line.setAttribute('y2', '5');
    line.setAttribute('stroke', this.theme.series[k % this.theme.series.length]!);
    line.setAttribute('stroke-width', '2.5');
    const dash = DASHES[k % DASHES.length]!;
    if (dash.length) line.setAttribute('stroke-dasharray', dash.join(' '));
    svg.append(line);
    return svg;
  }

  /** The chips show what RAN (the host's series), not the draft: label, lr, steps, final loss. */
  private renderRuns(model: Model): void {
    const focusedRun = (document.activeElement as HTMLElement | null)?.dataset?.['runId'];
    this.chipsEl.replaceChildren();
    const draft = this.draft!;
    draft.runs.forEach((r, k) => {
      const series = model.runs.get(r.id);
      // The chip: a select button (what ran; pressed = the run whose form is shown) and, in a comparison,
      // a remove button next to it (not nested: two separate controls).
      const chip = h('div', `run-chip${r.id === this.activeRun ? ' active' : ''}`);
      chip.dataset['runId'] = r.id;
      const main = h('button', 'run-select');
      main.type = 'button';
      main.setAttribute('aria-pressed', String(r.id === this.activeRun));
      main.dataset['runId'] = r.id;
      chip.append(main);
      const label = series?.label ?? model.optimizers.get(r.optimizer)?.label ?? r.optimizer;
      main.append(this.swatch(styleIndex(r.id, k)), h('span', 'run-label', label));
      if (series) {
        const lr = series.hyperparameters['lr'];
        if (typeof lr === 'number' && !/\blr=/.test(label)) main.append(h('span', 'run-hyper', `lr=${formatHyperValue(lr)}`));
        main.append(h('span', 'run-steps', `${series.stepsCompleted}${series.stepsCompleted !== series.stepsRequested ? `/${series.stepsRequested}` : ''} steps`));
        // A diverged run has no final loss (NaN arrives as null through postMessage): say where it stopped.
        const final = h('span', 'run-final', series.diverged ? `diverged @${series.stepsCompleted}` : `f=${formatNumber(series.finalLoss)}`);
        final.title = `final loss after ${series.stepsCompleted} steps (best ${formatNumber(series.bestLoss, 6)}); ${formatNumber(series.elapsedMs, 2)} ms`;
        main.append(final);
        chip.title = `ran: ${model.optimizers.get(series.optimizer)?.torchName ?? series.optimizer}, ${series.stepsCompleted} steps\n${Object.entries(series.hyperparameters).map(([k2, v]) => `${k2}=${formatHyperValue(v)}`).join(', ')}`;
        chip.dataset['ran'] = JSON.stringify({ steps: series.stepsRequested, hyperparameters: series.hyperparameters });
      } else chip.title = `${model.optimizers.get(r.optimizer)?.torchName ?? ''} (not run yet)`;
      main.title = chip.title;
      main.addEventListener('click', () => {
        this.activeRun = r.id;
        this.cb.selectRun(r.id);
      });
      if (draft.runs.length > 1) {
        const x = h('button', 'chip-remove', '×');
        x.title = `Remove ${label} from the comparison`;
        x.setAttribute('aria-label', x.title);
        x.addEventListener('click', (e) => {
          e.stopPropagation();
          this.cb.remove(r.id);
        });
        chip.append(x);
      }
      this.chipsEl.append(chip);
      if (focusedRun === r.id) main.focus();
    });
  }

  private addEl: ValueElement | null = null;
  private addKey = '';
  private sbsBtn: HTMLElement | null = null;
  private renderRunsTools(model: Model): void {
    const draft = this.draft!;
    const full = draft.runs.length >= LIMITS.maxRuns;
    const key = `${model.optimizers.size}`;
    if (key !== this.addKey || !this.addEl) {
      this.addKey = key;
      const presets = model.optimizers.has('sgd') ? [
        { value: 'sgd:momentum', label: 'SGD · Momentum 0.9', title: 'torch.optim.SGD(momentum=0.9)' },
        { value: 'sgd:nesterov', label: 'SGD · Nesterov 0.9', title: 'torch.optim.SGD(momentum=0.9, nesterov=True)' },
      ] : [];
      const opts = [{ value: '', label: '+ Add to comparison…' }];
      for (const o of model.optimizers.values()) {
        opts.push({ value: o.name, label: o.label, title: o.torchName } as { value: string; label: string });
        if (o.name === 'sgd') opts.push(...presets);
      }
      const add = dropdown(opts, '', { title: 'Run another optimizer on the same loss and start point', id: 'add-optimizer', label: 'Add to comparison' });
      add.classList.add('add-run');
      add.addEventListener('change', () => {
        const v = add.value;
        add.value = '';
        if (!v) return;
        if (this.draft!.runs.length >= LIMITS.maxRuns) {
          this.setNotice(`A comparison holds at most ${LIMITS.maxRuns} runs: remove one (×) before adding another.`);
          return;
        }
        if (v === 'sgd:momentum') this.cb.add('sgd', { momentum: 0.9 });
        else if (v === 'sgd:nesterov') this.cb.add('sgd', { momentum: 0.9, nesterov: true });
        else this.cb.add(v as OptimizerName);
      });
      this.addEl?.remove();
      this.addEl = add;
      this.runsTools.prepend(add);
    }
    this.addEl.title = full ? `A comparison holds at most ${LIMITS.maxRuns} runs: remove one first` : 'Run another optimizer on the same loss and start point';
    this.addEl.classList.toggle('full', full);
    const wantSbs = draft.runs.length > 1;
    if (wantSbs && !this.sbsBtn) {
      const sbs = button('Side by side', { appearance: 'secondary', icon: 'columns', title: 'One panel per optimizer in adjacent editor columns, with linked axes', id: 'side-by-side' });
      sbs.addEventListener('click', () => this.cb.sideBySide());
      this.sbsBtn = sbs;
      this.runsTools.append(sbs);
    } else if (!wantSbs && this.sbsBtn) {
      this.sbsBtn.remove();
      this.sbsBtn = null;
    }
  }

  private setDraftRun(run: RunSpec): void {
    const d = this.draft!;
    this.draft = { ...d, runs: d.runs.map((r) => (r.id === run.id ? run : r)) };
  }

  /** A field changed: update the draft, ask the host to validate, and tell the caller. */
  private onFieldInput(f: FieldRec): void {
    this.edited.add(f.key);
    this.hostProblems.delete(f.key);
    if (f.check(f.el.value) === null) this.draft = f.apply(this.draft!, f.el.value);
    this.showProblem(f);
    this.updateNote();
    this.cb.edit(this.draft!, f.live && this.problems().length === 0);
  }

  private bindField(rec: FieldRec): void {
    this.fields.set(rec.key, rec);
    rec.el.dataset['field'] = rec.key;
    rec.el.addEventListener('input', () => this.onFieldInput(rec));
    rec.el.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') {
        e.preventDefault();
        this.requestRun();
      }
    });
    this.showProblem(rec);
  }

  /** Run (button or Enter): exactly what the fields show, or nothing and the reason. */
  requestRun(): void {
    if (!this.draft) return;
    // The fields are the truth: re-read every one (a field the host rewrote could not differ, but be exact).
    let d = this.draft;
    for (const f of this.fields.values()) if (f.check(f.el.value) === null && (!f.runId || d.runs.some((r) => r.id === f.runId))) d = f.apply(d, f.el.value);
    this.draft = d;
    const problems = this.problems();
    this.updateNote();
    if (problems.length) {
      const first = [...this.fields.values()].find((f) => this.problemOf(f));
      first?.el.focus();
      return;
    }
    this.cb.run(d);
  }

  private sourceEls = new Map<string, HTMLElement>();
  private updateSources(model: Model): void {
    const run = this.draft?.runs.find((r) => r.id === this.activeRun);
    if (!run) return;
    for (const [name, el] of this.sourceEls) {
      const v = run.hyperparameters[name];
      const sug = model.suggested[run.optimizer]?.[name];
      const src = model.suggestedSource?.[run.optimizer]?.[name];
      const spec = model.optimizers.get(run.optimizer)?.hyperparameters.find((s) => s.name === name);
      let text = '';
      if (v !== undefined && sug !== undefined && formatHyperValue(v) === formatHyperValue(sug)) text = src ?? 'PyTorch default';
      else if (spec) text = `edited (PyTorch default ${formatHyperValue(spec.default)}${sug !== undefined && formatHyperValue(sug) !== formatHyperValue(spec.default) ? `, suggested ${formatHyperValue(sug)}` : ''})`;
      if (el.textContent !== text) el.textContent = text;
    }
  }

  private renderEditor(model: Model, run: RunSpec | undefined): void {
    for (const k of [...this.fields.keys()]) if (k.startsWith('h:')) this.fields.delete(k);
    this.sourceEls.clear();
    const hadFocus = this.focusedWithin(this.editorEl) ? (document.activeElement as HTMLElement | null)?.id : undefined;
    this.editorEl.replaceChildren();
    if (!run) return;
    const schema = model.optimizers.get(run.optimizer);
    const opt = dropdown(
      [...model.optimizers.values()].map((o) => ({ value: o.name, label: o.label, title: o.torchName })),
      run.optimizer,
      { title: schema ? `${schema.torchName}\n\n${schema.equations}` : '', id: 'optimizer', label: 'Optimizer' },
    );
    opt.classList.add('optimizer-select');
    opt.addEventListener('change', () => {
      const name = opt.value as OptimizerName;
      const cur = this.draft!.runs.find((r) => r.id === run.id);
      if (!cur || name === cur.optimizer || !model.optimizers.has(name)) return;
      const next = model.optimizers.get(name)!;
      const hyper = withConventionDefaults(next, { ...(model.suggested[name] ?? {}) }, 'pytorch', this.draft!.convention ?? 'pytorch');
      for (const k of [...this.edited]) if (k.startsWith(`h:${run.id}:`)) this.edited.delete(k);
      for (const k of [...this.hostProblems.keys()]) if (k.startsWith(`h:${run.id}:`)) this.hostProblems.delete(k);
      this.setDraftRun({ ...cur, optimizer: name, hyperparameters: hyper });
      this.editorKey = `${run.id}|${name}|${model.optimizers.size}`;
      this.renderEditor(model, this.draft!.runs.find((r) => r.id === run.id));
      (this.editorEl.querySelector('#optimizer') as HTMLElement | null)?.focus();
      this.cb.edit(this.draft!, true);
    });
    const optWrap = h('label', 'field field-optimizer');
    optWrap.append(h('span', 'field-label', 'optimizer'), opt);
    this.editorEl.append(optWrap);
    if (!schema) {
      this.editorEl.append(this.moreBtn);
      return;
    }
    const tooltip = (spec: HyperparameterSpec): string =>
      `${spec.name} (default ${formatHyperValue(spec.default)}): ${spec.description}\n\n${schema.label} — ${schema.torchName}\n${schema.equations}`;
    const fields = h('div', 'hyperparameters');
    const rid = run.id;
    const hyperOf = (d: SessionConfig, name: string): HyperValue | undefined => d.runs.find((r) => r.id === rid)?.hyperparameters[name];
    const withHyper = (d: SessionConfig, name: string, v: HyperValue): SessionConfig =>
      ({ ...d, runs: d.runs.map((r) => (r.id === rid ? { ...r, hyperparameters: { ...r.hyperparameters, [name]: v } } : r)) });
    for (const spec of schema.hyperparameters) {
      const value = run.hyperparameters[spec.name] ?? spec.default;
      const wrap = h('div', `field field-${spec.kind}`);
      wrap.title = tooltip(spec);
      wrap.dataset['hyper'] = spec.name;
      if (spec.kind === 'boolean') {
        const c: CheckElement = checkbox(spec.name, value === true, tooltip(spec));
        c.setAttribute('aria-label', `${spec.name}: ${spec.description}`);
        c.addEventListener('change', () => {
          this.draft = withHyper(this.draft!, spec.name, c.checked);
          this.cb.edit(this.draft, true);
        });
        wrap.append(c);
      } else if (spec.kind === 'number') {
        const labelId = `label-${spec.name}`;
        const lab = h('span', 'field-label', spec.name);
        lab.id = labelId;
        wrap.append(lab);
        const f = textField({ value: formatHyperValue(value), size: 7, label: `${spec.name}: ${spec.description}`, title: tooltip(spec), inputmode: 'decimal', id: `hyper-${spec.name}` });
        f.dataset['hyper'] = spec.name;
        const msg = h('span', 'field-error');
        msg.hidden = true;
        wrap.append(f, msg);
        this.bindField({
          key: `h:${rid}:${spec.name}`, el: f, msg, runId: rid, name: spec.name, live: true,
          check: (t) => numberProblem(t),
          apply: (d, t) => withHyper(d, spec.name, parseNumber(t)!),
          show: (d) => formatHyperValue(hyperOf(d, spec.name) ?? spec.default),
          same: (d, t) => parseNumber(t) === hyperOf(d, spec.name),
        });
        if (spec.name === 'lr') {
          const src = h('span', 'field-source');
          src.id = 'lr-source';
          this.sourceEls.set('lr', src);
          wrap.append(src);
        }
      } else {
        wrap.append(h('span', 'field-label', spec.name));
        const pair = (Array.isArray(value) ? value : spec.default) as readonly [number, number];
        const row = h('div', 'pair-row');
        const msg = h('span', 'field-error');
        msg.hidden = true;
        for (const i of [0, 1] as const) {
          const f = textField({ value: formatNumber(pair[i], 6), size: 5, label: `${spec.name}[${i}] (β${i + 1}): ${spec.description}`, title: tooltip(spec), inputmode: 'decimal', id: `hyper-${spec.name}-${i}` });
          row.append(f);
          const pairOf = (d: SessionConfig): readonly [number, number] => (hyperOf(d, spec.name) ?? spec.default) as readonly [number, number];
          this.bindField({
            key: `h:${rid}:${spec.name}:${i}`, el: f, msg: i === 0 ? msg : h('span'), runId: rid, name: spec.name, index: i, live: true,
            check: (t) => numberProblem(t),
            apply: (d, t) => {
              const p = [...pairOf(d)] as [number, number];
              p[i] = parseNumber(t)!;
              return withHyper(d, spec.name, [p[0], p[1]]);
            },
            show: (d) => formatNumber(pairOf(d)[i], 6),
            same: (d, t) => parseNumber(t) === pairOf(d)[i],
          });
        }
        // The pair's host problem is keyed on [0]; show it for either element.
        wrap.append(row, msg);
      }
      fields.append(wrap);
    }
    this.editorEl.append(fields);
    this.renderSchedule(model, run);
    const details = h('details', 'equations');
    const summary = h('summary', undefined, 'Update rule');
    summary.title = 'The exact update PyTorch applies, in its operation order';
    const conv = this.draft?.convention;
    const convEq = conv ? schema.conventionEquations?.[conv] : undefined;
    const pre = h('pre', undefined, convEq
      ? `${conv} convention (${schema.label}):\n${convEq}\n\nPyTorch (${schema.torchName}):\n${schema.equations}`
      : `${schema.torchName}\n${schema.equations}\n\nEffective learning rate: ${schema.effectiveLrDefinition}`);
    details.append(summary, pre);
    this.editorEl.append(details, this.moreBtn);
    this.updateSources(model);
    if (hadFocus) (this.editorEl.querySelector(`#${hadFocus}`) as HTMLElement | null)?.focus();
  }

  // ---------------------------------------------------------------- schedule picker and switch

  private previews: readonly SchedulePreview[] = [];
  private previewCanvas: HTMLCanvasElement | null = null;
  private previewNote: HTMLElement | null = null;

  /** The host's previews of the draft's schedules (run/didValidate): redraws the active run's. */
  setPreviews(previews: readonly SchedulePreview[]): void {
    this.previews = previews;
    this.previewFor = this.draft ? JSON.stringify(this.draft) : '';
    this.drawPreview();
  }
  private previewFor = '';
  /** Are the previews shown those of `config`? */
  hasPreviewFor(config: SessionConfig): boolean {
    return this.previewFor === JSON.stringify(config);
  }
  get previewRunIds(): string[] {
    return this.previews.map((p) => p.runId);
  }
  /** Points of the preview drawn for the run whose form is shown (0: none drawn). */
  get previewPoints(): number {
    const c = this.previewCanvas;
    const p = this.previews.find((q) => q.runId === this.activeRun);
    return c && c.isConnected && !c.hidden && p ? p.lr.x.length : 0;
  }

  private drawPreview(): void {
    const c = this.previewCanvas;
    if (!c || !c.isConnected) return;
    const p = this.previews.find((q) => q.runId === this.activeRun) ?? null;
    const run = this.draft?.runs.find((r) => r.id === this.activeRun);
    c.hidden = !p || !run;
    if (this.previewNote) this.previewNote.textContent = p ? `lr over ${this.draft!.steps} steps${p.momentum ? ' (and momentum / β₁, dashed)' : ''}${p.switches.length ? `; switch at ${p.switches.join(', ')}` : ''}` : '';
    if (p) drawSchedulePreview(c, p, this.draft!.steps, this.theme);
  }

  /** The schedule picker (schema-driven fields) and "then switch to …" of the run whose form is shown. */
  private renderSchedule(model: Model, run: RunSpec): void {
    const rid = run.id;
    const box = h('div', 'schedule');
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', 'Learning-rate schedule');
    const cur = run.schedule?.schedulers[0];
    const sel = dropdown(
      // 'none', not '': the toolkit's dropdown selects an option whose value equals its initial '' over the `selected` one.
      [{ value: 'none', label: 'none (constant lr)' }, ...SCHEDULE_CLASS_NAMES.map((n) => ({ value: n, label: n, title: `${SCHEDULE_CLASSES[n].torchName}: ${SCHEDULE_CLASSES[n].summary}` }))],
      cur?.name ?? 'none',
      { id: 'schedule-class', label: 'lr schedule', title: 'torch.optim.lr_scheduler class, stepped after every optimizer step' },
    );
    const withSchedule = (d: SessionConfig, f: (r: RunSpec) => RunSpec): SessionConfig => ({ ...d, runs: d.runs.map((r) => (r.id === rid ? f(r) : r)) });
    sel.addEventListener('change', () => {
      const name = sel.value === 'none' || !Object.hasOwn(SCHEDULE_CLASSES, sel.value) ? '' : (sel.value as ScheduleClassName);
      for (const k of [...this.edited]) if (k.startsWith(`h:${rid}:schedule.`)) this.edited.delete(k);
      const d = this.draft!;
      const r = d.runs.find((x) => x.id === rid);
      if (!r) return;
      const lr = typeof r.hyperparameters['lr'] === 'number' ? (r.hyperparameters['lr'] as number) : 0.01;
      const kind = 'momentum' in r.hyperparameters ? 'momentum' : 'betas' in r.hyperparameters ? 'beta1' : null;
      this.draft = withSchedule(d, (x) => {
        const { schedule: _drop, ...rest } = x;
        return name ? { ...rest, schedule: { schedulers: [{ name, args: suggestedScheduleArgs(name, d.steps, lr, kind) }] } } : rest;
      });
      this.editorKey = '';
      this.renderEditor(model, this.draft.runs.find((x) => x.id === rid));
      (this.editorEl.querySelector('#schedule-class') as HTMLElement | null)?.focus();
      this.cb.edit(this.draft, true);
    });
    const selWrap = h('label', 'field field-schedule');
    selWrap.append(h('span', 'field-label', 'lr schedule'), sel);
    box.append(selWrap);
    if (cur) {
      const spec = SCHEDULE_CLASSES[cur.name];
      const argOf = (d: SessionConfig, p: ScheduleParamSpec): ScheduleValue | undefined => {
        const a = d.runs.find((r) => r.id === rid)?.schedule?.schedulers[0]?.args;
        return a && Object.hasOwn(a, p.name) ? a[p.name] : p.default;
      };
      const withArg = (d: SessionConfig, p: ScheduleParamSpec, v: ScheduleValue | undefined): SessionConfig => withSchedule(d, (r) => {
        const s = r.schedule?.schedulers[0];
        if (!s) return r;
        const args = { ...s.args };
        if (v === undefined) delete args[p.name];
        else args[p.name] = v;
        return { ...r, schedule: { schedulers: [{ name: s.name, args }] } };
      });
      const showVal = (v: ScheduleValue | undefined): string => (v === undefined || v === null ? '' : Array.isArray(v) ? v.join(',') : typeof v === 'number' ? formatHyperValue(v) : String(v));
      for (const p of spec.params) {
        const tip = `${cur.name}.${p.name}${p.required ? ' (required)' : ` (default ${p.default === null ? 'None' : showVal(p.default)})`}: ${p.description}`;
        const wrap = h('div', `field field-schedule-arg`);
        wrap.title = tip;
        wrap.dataset['scheduleArg'] = p.name;
        const key = `h:${rid}:schedule.${p.name}`;
        if (p.kind === 'boolean') {
          const c: CheckElement = checkbox(p.name, argOf(this.draft!, p) === true, tip);
          c.id = `schedule-${p.name}`;
          c.addEventListener('change', () => {
            this.draft = withArg(this.draft!, p, c.checked);
            this.cb.edit(this.draft, true);
          });
          wrap.append(c);
        } else if (p.kind === 'choice') {
          const dd = dropdown(p.choices!.map((x) => ({ value: x, label: x })), String(argOf(this.draft!, p) ?? p.default), { id: `schedule-${p.name}`, label: p.name, title: tip });
          dd.addEventListener('change', () => {
            this.draft = withArg(this.draft!, p, dd.value);
            this.cb.edit(this.draft, true);
          });
          wrap.append(h('span', 'field-label', p.name), dd);
        } else {
          const f = textField({ value: showVal(argOf(this.draft!, p)), size: p.kind === 'integers' ? 9 : 6, label: `${p.name}: ${p.description}`, title: tip, inputmode: p.kind === 'integers' ? 'text' : 'decimal', id: `schedule-${p.name}`, ...(p.optional ? { placeholder: 'None' } : {}) });
          const msg = h('span', 'field-error');
          msg.hidden = true;
          wrap.append(h('span', 'field-label', p.name), f, msg);
          const parse = (t: string): ScheduleValue | undefined => {
            if (t.trim() === '') return p.optional ? null : undefined;
            if (p.kind === 'integers') return t.split(',').map((x) => parseNumber(x)!);
            return parseNumber(t);
          };
          this.bindField({
            key, el: f, msg, runId: rid, name: p.name, live: true,
            check: (t) => {
              if (p.kind === 'integers') {
                const parts = t.split(',');
                return parts.some((x) => numberProblem(x, { integer: true }) !== null) ? 'comma-separated whole numbers, e.g. 50,120' : null;
              }
              return numberProblem(t, { integer: p.kind === 'integer', optional: !!p.optional });
            },
            apply: (d, t) => withArg(d, p, parse(t)),
            show: (d) => showVal(argOf(d, p)),
            same: (d, t) => JSON.stringify(parse(t) ?? null) === JSON.stringify(argOf(d, p) ?? null),
          });
        }
        box.append(wrap);
      }
    }
    // then switch to …
    const then = run.then?.[0];
    const thenSel = dropdown(
      [{ value: 'none', label: 'no switch' }, ...[...model.optimizers.values()].map((o) => ({ value: o.name, label: o.label, title: o.torchName }))],
      then?.optimizer ?? 'none',
      { id: 'then-optimizer', label: 'then switch to', title: 'After the given step a new optimizer (fresh state) takes over the same parameters' },
    );
    thenSel.addEventListener('change', () => {
      const name = thenSel.value === 'none' || !model.optimizers.has(thenSel.value as OptimizerName) ? '' : (thenSel.value as OptimizerName);
      const d = this.draft!;
      for (const k of [...this.edited]) if (k.startsWith(`h:${rid}:then.`)) this.edited.delete(k);
      this.draft = withSchedule(d, (x) => {
        const { then: _drop, ...rest } = x;
        return name ? { ...rest, then: [{ optimizer: name, hyperparameters: { ...(model.suggested[name] ?? {}) }, fromStep: Math.max(1, Math.round(d.steps / 2)) }] } : rest;
      });
      this.editorKey = '';
      this.renderEditor(model, this.draft.runs.find((x) => x.id === rid));
      (this.editorEl.querySelector('#then-optimizer') as HTMLElement | null)?.focus();
      this.cb.edit(this.draft, true);
    });
    const thenWrap = h('label', 'field field-then');
    thenWrap.append(h('span', 'field-label', 'then switch to'), thenSel);
    box.append(thenWrap);
    if (then) {
      const thenOf = (d: SessionConfig) => d.runs.find((r) => r.id === rid)?.then?.[0];
      const withThen = (d: SessionConfig, f: (t: NonNullable<RunSpec['then']>[number]) => NonNullable<RunSpec['then']>[number]): SessionConfig =>
        withSchedule(d, (r) => (r.then?.[0] ? { ...r, then: [f(r.then[0]), ...r.then.slice(1)] } : r));
      const mk = (name: 'fromStep' | 'lr', label: string, integer: boolean) => {
        const wrap = h('div', 'field field-then-arg');
        const value = name === 'fromStep' ? then.fromStep : then.hyperparameters['lr'];
        const f = textField({ value: typeof value === 'number' ? formatHyperValue(value) : '', size: 6, label, id: `then-${name}`, inputmode: 'decimal' });
        const msg = h('span', 'field-error');
        msg.hidden = true;
        wrap.append(h('span', 'field-label', label), f, msg);
        const get = (d: SessionConfig) => (name === 'fromStep' ? thenOf(d)?.fromStep : thenOf(d)?.hyperparameters['lr']);
        this.bindField({
          key: `h:${rid}:then.${name}`, el: f, msg, runId: rid, name: label, live: true,
          check: (t) => numberProblem(t, integer ? { integer: true, min: 1 } : {}),
          apply: (d, t) => withThen(d, (x) => (name === 'fromStep' ? { ...x, fromStep: parseNumber(t)! } : { ...x, hyperparameters: { ...x.hyperparameters, lr: parseNumber(t)! } })),
          show: (d) => { const v = get(d); return typeof v === 'number' ? formatHyperValue(v) : ''; },
          same: (d, t) => parseNumber(t) === get(d),
        });
        box.append(wrap);
      };
      mk('fromStep', 'at step', true);
      if (model.optimizers.get(then.optimizer)?.hyperparameters.some((s) => s.name === 'lr')) mk('lr', 'its lr', false);
    }
    const canvas = document.createElement('canvas');
    canvas.className = 'schedule-preview';
    canvas.id = 'schedule-preview';
    canvas.width = 240;
    canvas.height = 56;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', 'Preview of the learning rate over the run');
    const note = h('span', 'schedule-preview-note');
    this.previewCanvas = canvas;
    this.previewNote = note;
    box.append(canvas, note);
    this.editorEl.append(box);
    this.drawPreview();
  }

  private runBtn: (HTMLElement & { disabled: boolean }) | null = null;
  private stopBtn: (HTMLElement & { disabled: boolean }) | null = null;
  private liveTag: HTMLElement | null = null;

  private renderControls(model: Model): void {
    for (const k of ['steps', 'seed', 'batch', 'noise']) this.fields.delete(k);
    this.controlsEl.replaceChildren();
    const d = this.draft!;
    const field = (label: string, el: HTMLElement, title: string, msg: HTMLElement): HTMLElement => {
      const w = h('div', 'field');
      w.title = title;
      w.append(h('span', 'field-label', label), el, msg);
      return w;
    };
    const intField = (key: 'steps' | 'seed', label: string, size: number, opts: { min: number; max: number }, title: string): HTMLElement => {
      const f = textField({ value: String(d[key]), size, label, id: key, inputmode: 'numeric' });
      f.dataset['label'] = label;
      const msg = h('span', 'field-error');
      msg.hidden = true;
      this.bindField({
        key, el: f, msg, name: key, live: false,
        check: (t) => numberProblem(t, { integer: true, ...opts }),
        apply: (dr, t) => ({ ...dr, [key]: parseNumber(t)! }),
        show: (dr) => String(dr[key]),
        same: (dr, t) => parseNumber(t) === dr[key],
      });
      return field(label, f, title, msg);
    };
    this.controlsEl.append(
      intField('steps', 'steps', 6, { min: 1, max: LIMITS.maxSteps }, 'Number of optimizer steps (press Enter or Run to apply)'),
      intField('seed', 'seed', 4, { min: 0, max: 2 ** 31 - 1 }, 'Seed of mini-batch sampling and gradient noise (runs are deterministic for a given seed; Enter or Run applies it)'),
    );
    if (model.loss?.hasData) {
      const batch = textField({ value: d.batchSize !== undefined ? String(d.batchSize) : '', placeholder: 'file', size: 5, label: 'batch size', id: 'batch' });
      batch.dataset['label'] = 'batch size';
      const msg = h('span', 'field-error');
      msg.hidden = true;
      this.bindField({
        key: 'batch', el: batch, msg, name: 'batch size', live: false,
        check: (t) => numberProblem(t, { integer: true, min: 1, max: 1e9, optional: true }),
        apply: (dr, t) => {
          const { batchSize: _old, ...rest } = dr;
          void _old;
          return t.trim() === '' ? rest : { ...rest, batchSize: parseNumber(t)! };
        },
        show: (dr) => (dr.batchSize !== undefined ? String(dr.batchSize) : ''),
        same: (dr, t) => (t.trim() === '' ? dr.batchSize === undefined : parseNumber(t) === dr.batchSize),
      });
      this.controlsEl.append(field('batch', batch, 'Mini-batch size (empty: the loss file\'s own; Enter or Run applies it)', msg));
      const dl = model.loss.dataLayout;
      if (dl) this.controlsEl.append(validationInfo(dl));
    }
    {
      // σ of the Gaussian noise added to every gradient component (the CLI's --noise), seeded by `seed`.
      const noise = textField({ value: d.gradientNoise !== undefined ? String(d.gradientNoise) : '', placeholder: '0', size: 5, label: 'gradient noise σ', id: 'noise' });
      noise.dataset['label'] = 'gradient noise σ';
      const msg = h('span', 'field-error');
      msg.hidden = true;
      this.bindField({ key: 'noise', el: noise, msg, name: 'gradient noise σ', live: false, ...noiseFieldRules });
      this.controlsEl.append(field('σ noise', noise, 'Standard deviation σ of Gaussian noise N(0, σ²) added to every gradient component (as simulate --noise; the seed field seeds it; empty or 0: none; Enter or Run applies it)', msg));
    }
    if (d.loss.kind === 'file') {
      // How a loss file's gradient is computed (the CLI's --gradient): a file the AD refuses can run numeric.
      const mode = dropdown(
        GRADIENT_MODES.map((m) => ({ value: m, label: m, title: GRADIENT_MODE_TITLES[m] })),
        d.gradientMode ?? 'auto',
        { title: 'Gradient of the loss file (as simulate --gradient): auto, autodiff or numeric', id: 'gradient-mode', label: 'gradient' },
      );
      mode.addEventListener('change', () => {
        const { gradientMode: _m, ...rest } = this.draft!;
        void _m;
        const v = mode.value;
        this.draft = { ...rest, ...(v === 'autodiff' || v === 'numeric' ? { gradientMode: v } : {}) };
        this.cb.edit(this.draft, true);
      });
      const modeField = field('gradient', mode, `How the loss file's gradient is computed — ${GRADIENT_MODES.map((m) => `${m}: ${GRADIENT_MODE_TITLES[m]}`).join('; ')}`, h('span', 'field-error'));
      modeField.classList.add('field-gradient-mode');
      this.controlsEl.append(modeField);
    }
    if (model.conventions.length > 1) {
      // The numerical convention and dtype of every run (the core's CONVENTIONS, sent by the host).
      const conv = dropdown(
        model.conventions.map((c) => ({ value: c.name, label: c.name, title: `${c.description}${c.optimizers ? ` — defines ${c.optimizers.join(', ')}` : ''}` })),
        d.convention ?? 'pytorch',
        { title: 'Numerical convention of every run: pytorch (torch.optim), tfjs (TensorFlow.js 4.22 tf.train.*) or textbook (the lecture forms)', id: 'convention', label: 'convention' },
      );
      conv.addEventListener('change', () => {
        const { convention: _c, dtype: _d, ...rest } = this.draft!;
        void _c;
        const v = conv.value as NonNullable<SessionConfig['convention']>;
        const dtypes = model.conventions.find((c) => c.name === v)?.dtypes ?? ['float64'];
        // float32 only where the convention models it; otherwise back to float64.
        const dtype = _d && dtypes.includes(_d) ? _d : undefined;
        const from = _c ?? 'pytorch';
        const runs = rest.runs.map((r) => {
          const s = model.optimizers.get(r.optimizer);
          return s ? { ...r, hyperparameters: withConventionDefaults(s, r.hyperparameters, from, v) } : r;
        });
        this.draft = { ...rest, runs, ...(v !== 'pytorch' ? { convention: v } : {}), ...(dtype ? { dtype } : {}) };
        this.editorKey = ''; // the fields show the new defaults
        this.cb.edit(this.draft, true);
      });
      const allowed = model.conventions.find((c) => c.name === (d.convention ?? 'pytorch'))?.dtypes ?? ['float64'];
      const dt = dropdown(
        allowed.map((x) => ({ value: x, label: x })),
        d.dtype ?? 'float64',
        { title: "Storage precision: float32 rounds every tensor and intermediate (Math.fround) as tfjs' CPU backend (tfjs convention only)", id: 'dtype', label: 'dtype' },
      );
      dt.addEventListener('change', () => {
        const { dtype: _d, ...rest } = this.draft!;
        void _d;
        this.draft = { ...rest, ...(dt.value === 'float32' ? { dtype: 'float32' as const } : {}) };
        this.cb.edit(this.draft, true);
      });
      const convField = field('convention', conv, 'Numerical convention of every run (README: numerical conventions)', h('span', 'field-error'));
      convField.classList.add('field-convention');
      const dtField = field('dtype', dt, 'Storage precision of every run', h('span', 'field-error'));
      dtField.classList.add('field-dtype');
      this.controlsEl.append(convField, dtField);
    }
    const run = button('Run', { appearance: 'primary', icon: 'run', title: 'Run with these settings', id: 'run' });
    run.addEventListener('click', () => this.requestRun());
    const stop = button('Stop', { appearance: 'secondary', icon: 'stop', title: 'Cancel the run in progress', id: 'stop' });
    stop.addEventListener('click', () => this.cb.stop());
    this.runBtn = run;
    this.stopBtn = stop;
    const exp = dropdown(
      [{ value: '', label: 'Export…' }, { value: 'csv', label: 'CSV (per step)' }, { value: 'json', label: 'JSON (all series)' }, { value: 'png', label: 'PNG (each chart)' }, { value: 'torch', label: 'PyTorch script' }],
      '',
      { title: 'Export the runs of this panel', id: 'export', label: 'Export' },
    );
    exp.addEventListener('change', () => {
      const v = exp.value;
      if (v === 'csv' || v === 'json' || v === 'png' || v === 'torch') this.cb.export(v);
      exp.value = '';
    });
    const spacer = h('span', 'spacer');
    this.liveTag = tag('live');
    this.controlsEl.append(run, stop, this.liveTag, spacer, exp);
    this.syncFields();
  }

  private updateRunning(model: Model): void {
    const running = model.status.phase === 'running';
    if (this.stopBtn) this.stopBtn.disabled = !running;
    if (this.runBtn) this.runBtn.disabled = false;
    if (this.liveTag) {
      const t = model.settings.liveUpdate ? 'live' : 'manual';
      if (this.liveTag.textContent !== t) this.liveTag.textContent = t;
      this.liveTag.title = model.settings.liveUpdate
        ? 'Hyperparameter edits re-run immediately on small problems; steps, seed and batch size on Enter or Run (setting optimizerDiagnostics.liveUpdate)'
        : 'Press Run after editing (setting optimizerDiagnostics.liveUpdate)';
    }
  }
}

/** A run ended by a loss error after ≥ 1 step (stop reason `stopped at step k: file:line:col: …`), not by divergence. */
function stoppedByError(r: { readonly diverged: boolean; readonly stopReason: string | null }): boolean {
  return !r.diverged && r.stopReason !== null && r.stopReason.startsWith('stopped at step');
}
