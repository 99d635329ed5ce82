// The toolbar: loss header and status, the runs (chips: colour + dash of each optimizer), the form of
// the selected run (optimizer dropdown + hyperparameter fields generated from the host's schema, each
// with the exact update equations as tooltip), steps/seed/batch, Run/Stop, add-to-comparison, side by
// side and export. Edits change a draft SessionConfig; the caller debounces and posts `run/start`.
import type { HyperparameterSpec, HyperValue, OptimizerName } from '../../src/core/types';
import { formatHyperValue, formatNumber } from '../../src/protocol/format';
import type { ExportFormat, RunSpec, SessionConfig } from '../../src/protocol/messages';
import { formatLossError } from '../../src/protocol/simulation';
import { styleIndex } from '../charts/charts';
import { DASHES, type Theme } from '../charts/theme';
import type { Model } from '../model';
import { button, checkbox, dropdown, progressRing, tag, textField, type CheckElement, type ValueElement } from './toolkit';

export interface ToolbarCallbacks {
  /** The draft changed through a field; `live`: a value edit that may re-run immediately. */
  edit(config: SessionConfig, live: boolean): void;
  run(config: SessionConfig): void;
  stop(): void;
  add(optimizer: OptimizerName): void;
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

/** Parses a number as typed: 1e-3, .5, -2. */
export function parseNumber(s: string): number | undefined {
  const t = s.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

export class Toolbar {
  readonly root = h('header', 'toolbar');
  private readonly lossEl = h('div', 'loss');
  private readonly statusEl = h('div', 'status');
  private readonly bannerEl = h('div', 'banners');
  private readonly runsEl = h('div', 'runs');
  private readonly editorEl = h('div', 'editor');
  private readonly controlsEl = h('div', 'controls');
  private draft: SessionConfig | null = null;
  activeRun: string | null = null;
  private editorKey = '';
  private controlsKey = '';
  private theme: Theme;

  constructor(private readonly cb: ToolbarCallbacks, theme: Theme) {
    this.theme = theme;
    const top = h('div', 'toolbar-row toolbar-top');
    top.append(this.lossEl, this.statusEl);
    this.root.append(top, this.runsEl, this.editorEl, this.controlsEl, this.bannerEl);
  }

  setTheme(t: Theme): void {
    this.theme = t;
    this.editorKey = '';
  }

  get config(): SessionConfig | null {
    return this.draft;
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

  /** Re-renders from the model; the form is rebuilt only when its structure or values changed and it has no focus. */
  update(model: Model, force = false): void {
    const cfg = model.config;
    if (!this.draft || force || !this.focusedWithin(this.editorEl)) this.draft = cfg;
    if (!this.activeRun || !this.draft.runs.some((r) => r.id === this.activeRun)) this.activeRun = this.draft.runs[0]?.id ?? null;
    // Each section is rebuilt only when what it shows changed (toolkit elements are not free to create).
    const l = model.loss;
    this.keyed('loss', `${l?.label}|${l?.formula}|${l?.dim}|${l?.gradient}|${l?.hasData}|${model.config.loss.kind === 'file' ? model.config.loss.path : ''}`, force, () => this.renderLoss(model));
    this.renderStatus(model);
    const banners = JSON.stringify([model.error, l?.warnings, model.orderedRuns().filter((r) => r.diverged || stoppedByError(r)).map((r) => [r.label, r.stopReason]), model.runs.size > 0]);
    this.keyed('banners', banners, force, () => this.renderBanners(model));
    const runsKey = JSON.stringify([this.draft.runs.map((r) => [r.id, r.optimizer, r.hyperparameters]), this.activeRun,
      [...model.runs.values()].map((r) => [r.runId, r.label, r.finalLoss, r.bestLoss, r.stepsCompleted, r.elapsedMs]), this.theme.series[0], model.optimizers.size]);
    this.keyed('runs', runsKey, force, () => this.renderRuns(model));
    const run = this.draft.runs.find((r) => r.id === this.activeRun);
    const key = run ? `${run.id}|${run.optimizer}|${JSON.stringify(run.hyperparameters)}|${this.theme.series[0]}` : '';
    if (force || (key !== this.editorKey && !this.focusedWithin(this.editorEl))) {
      this.editorKey = key;
      this.renderEditor(model, run);
    }
    const ckey = `${this.draft.steps}|${this.draft.seed}|${this.draft.batchSize ?? ''}|${model.loss?.hasData ?? false}|${model.status.phase}|${this.draft.runs.length}`;
    if (force || (ckey !== this.controlsKey && !this.focusedWithin(this.controlsEl))) {
      this.controlsKey = ckey;
      this.renderControls(model);
    } else this.updateRunning(model);
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
      b.append(h('strong', undefined, model.error.kind === 'untrusted' ? 'Restricted Mode' : model.error.kind === 'hyperparameter' ? 'Invalid hyperparameter' : 'Loss error'));
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

  private renderRuns(model: Model): void {
    this.runsEl.replaceChildren();
    const draft = this.draft!;
    const list = h('div', 'run-chips');
    list.setAttribute('role', 'tablist');
    list.setAttribute('aria-label', 'Runs');
    draft.runs.forEach((r, k) => {
      const series = model.runs.get(r.id);
      const chip = h('div', `run-chip${r.id === this.activeRun ? ' active' : ''}`);
      chip.setAttribute('role', 'tab');
      chip.setAttribute('aria-selected', String(r.id === this.activeRun));
      chip.tabIndex = 0;
      chip.dataset['runId'] = r.id;
      const label = series?.label ?? model.optimizers.get(r.optimizer)?.label ?? r.optimizer;
      chip.append(this.swatch(styleIndex(r.id, k)), h('span', 'run-label', label));
      if (series) {
        // A diverged run has no final loss (NaN arrives as null through postMessage): say where it stopped.
        const final = h('span', 'run-final', series.diverged ? `diverged @${series.stepsCompleted}` : `f=${formatNumber(series.finalLoss)}`);
        final.title = `final loss after ${series.stepsCompleted} steps (best ${formatNumber(series.bestLoss, 6)}); ${formatNumber(series.elapsedMs, 2)} ms`;
        chip.append(final);
      }
      chip.title = `${model.optimizers.get(r.optimizer)?.torchName ?? ''}\n${Object.entries(r.hyperparameters).map(([k2, v]) => `${k2}=${formatHyperValue(v)}`).join(', ')}`;
      const select = (): void => {
        this.activeRun = r.id;
        this.cb.selectRun(r.id);
      };
      chip.addEventListener('click', select);
      chip.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          select();
        }
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
      list.append(chip);
    });
    this.runsEl.append(list);

    const add = dropdown(
      [{ value: '', label: '+ Add to comparison…' }, ...[...model.optimizers.values()].map((o) => ({ value: o.name, label: o.label, title: o.torchName }))],
      '',
      { title: 'Run another optimizer on the same loss and start point', id: 'add-optimizer', label: 'Add to comparison' },
    );
    add.classList.add('add-run');
    add.addEventListener('change', () => {
      const v = add.value as OptimizerName;
      if (v) this.cb.add(v);
    });
    this.runsEl.append(add);
    if (draft.runs.length > 1) {
      const sbs = button('Side by side', { appearance: 'secondary', icon: 'columns', title: 'One panel per optimizer in adjacent editor columns, with linked axes', id: 'side-by-side' });
      sbs.addEventListener('click', () => this.cb.sideBySide());
      this.runsEl.append(sbs);
    }
  }

  private setDraftRun(run: RunSpec, live: boolean): void {
    const d = this.draft!;
    this.draft = { ...d, runs: d.runs.map((r) => (r.id === run.id ? run : r)) };
    this.cb.edit(this.draft, live);
  }

  private renderEditor(model: Model, run: RunSpec | undefined): void {
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
      if (name === run.optimizer || !model.optimizers.has(name)) return;
      const hyper = { ...(model.suggested[name] ?? {}) } as Record<string, HyperValue>;
      this.setDraftRun({ ...run, optimizer: name, hyperparameters: hyper }, true);
      this.editorKey = '';
      this.renderEditor(model, this.draft!.runs.find((r) => r.id === run.id));
    });
    const optWrap = h('label', 'field field-optimizer');
    optWrap.append(h('span', 'field-label', 'optimizer'), opt);
    this.editorEl.append(optWrap);
    if (!schema) return;
    const tooltip = (spec: HyperparameterSpec): string =>
      `${spec.name} (default ${formatHyperValue(spec.default)}): ${spec.description}\n\n${schema.label} — ${schema.torchName}\n${schema.equations}`;
    const fields = h('div', 'hyperparameters');
    for (const spec of schema.hyperparameters) {
      const value = run.hyperparameters[spec.name] ?? spec.default;
      const wrap = h('label', `field field-${spec.kind}`);
      wrap.title = tooltip(spec);
      wrap.dataset['hyper'] = spec.name;
      if (spec.kind === 'boolean') {
        const c: CheckElement = checkbox(spec.name, value === true, tooltip(spec));
        c.addEventListener('change', () => this.setDraftRun(this.withHyper(run.id, spec.name, c.checked), true));
        wrap.append(c);
      } else if (spec.kind === 'number') {
        wrap.append(h('span', 'field-label', spec.name));
        const f = textField({ value: formatHyperValue(value), size: 7, label: spec.name, title: tooltip(spec), inputmode: 'decimal' });
        f.dataset['hyper'] = spec.name;
        this.bindNumber(f, (v) => this.setDraftRun(this.withHyper(run.id, spec.name, v), true));
        wrap.append(f);
      } else {
        wrap.append(h('span', 'field-label', spec.name));
        const pair = (Array.isArray(value) ? value : spec.default) as readonly [number, number];
        const a = textField({ value: formatNumber(pair[0], 6), size: 5, label: `${spec.name}[0]`, title: tooltip(spec), inputmode: 'decimal' });
        const b = textField({ value: formatNumber(pair[1], 6), size: 5, label: `${spec.name}[1]`, title: tooltip(spec), inputmode: 'decimal' });
        const cur: [number, number] = [pair[0], pair[1]];
        this.bindNumber(a, (v) => {
          cur[0] = v;
          this.setDraftRun(this.withHyper(run.id, spec.name, [cur[0], cur[1]]), true);
        });
        this.bindNumber(b, (v) => {
          cur[1] = v;
          this.setDraftRun(this.withHyper(run.id, spec.name, [cur[0], cur[1]]), true);
        });
        wrap.append(a, b);
      }
      fields.append(wrap);
    }
    this.editorEl.append(fields);
    const details = h('details', 'equations');
    const summary = h('summary', undefined, 'Update rule');
    summary.title = 'The exact update PyTorch applies, in its operation order';
    const pre = h('pre', undefined, `${schema.torchName}\n${schema.equations}\n\nEffective learning rate: ${schema.effectiveLrDefinition}`);
    details.append(summary, pre);
    this.editorEl.append(details);
  }

  private withHyper(runId: string, name: string, v: HyperValue): RunSpec {
    const run = this.draft!.runs.find((r) => r.id === runId)!;
    return { ...run, hyperparameters: { ...run.hyperparameters, [name]: v } };
  }

  private bindNumber(f: ValueElement, set: (v: number) => void, opts: { integer?: boolean; min?: number } = {}): void {
    f.addEventListener('input', () => {
      const v = parseNumber(f.value);
      const ok = v !== undefined && (!opts.integer || Number.isInteger(v)) && (opts.min === undefined || v >= opts.min);
      f.classList.toggle('invalid', !ok);
      f.setAttribute('aria-invalid', String(!ok));
      if (ok) set(v!);
    });
  }

  private runBtn: (HTMLElement & { disabled: boolean }) | null = null;
  private stopBtn: (HTMLElement & { disabled: boolean }) | null = null;

  private renderControls(model: Model): void {
    this.controlsEl.replaceChildren();
    const d = this.draft!;
    const field = (label: string, el: HTMLElement, title: string): HTMLElement => {
      const w = h('label', 'field');
      w.title = title;
      w.append(h('span', 'field-label', label), el);
      return w;
    };
    const steps = textField({ value: String(d.steps), size: 6, label: 'steps', id: 'steps', inputmode: 'numeric' });
    this.bindNumber(steps, (v) => {
      this.draft = { ...this.draft!, steps: v };
      this.cb.edit(this.draft, true);
    }, { integer: true, min: 1 });
    const seed = textField({ value: String(d.seed), size: 4, label: 'seed', id: 'seed', inputmode: 'numeric' });
    this.bindNumber(seed, (v) => {
      this.draft = { ...this.draft!, seed: v };
      this.cb.edit(this.draft, true);
    }, { integer: true, min: 0 });
    this.controlsEl.append(
      field('steps', steps, 'Number of optimizer steps'),
      field('seed', seed, 'Seed of mini-batch sampling and gradient noise (runs are deterministic for a given seed)'),
    );
    if (model.loss?.hasData) {
      const batch = textField({ value: d.batchSize !== undefined ? String(d.batchSize) : '', placeholder: 'file', size: 5, label: 'batch size', id: 'batch' });
      batch.addEventListener('input', () => {
        const t = batch.value.trim();
        const v = t === '' ? undefined : parseNumber(t);
        const ok = t === '' || (v !== undefined && Number.isInteger(v) && v >= 1);
        batch.classList.toggle('invalid', !ok);
        if (!ok) return;
        const { batchSize: _old, ...rest } = this.draft!;
        void _old;
        this.draft = v === undefined ? rest : { ...rest, batchSize: v };
        this.cb.edit(this.draft, true);
      });
      this.controlsEl.append(field('batch', batch, 'Mini-batch size (empty: the loss file\'s own)'));
    }
    const run = button('Run', { appearance: 'primary', icon: 'run', title: 'Run with these settings', id: 'run' });
    run.addEventListener('click', () => this.cb.run(this.draft!));
    const stop = button('Stop', { appearance: 'secondary', icon: 'stop', title: 'Cancel the run in progress', id: 'stop' });
    stop.addEventListener('click', () => this.cb.stop());
    this.runBtn = run;
    this.stopBtn = stop;
    this.updateRunning(model);
    const exp = dropdown(
      [{ value: '', label: 'Export…' }, { value: 'csv', label: 'CSV (per step)' }, { value: 'json', label: 'JSON (all series)' }, { value: 'png', label: 'PNG (each chart)' }],
      '',
      { title: 'Export the runs of this panel', id: 'export', label: 'Export' },
    );
    exp.addEventListener('change', () => {
      const v = exp.value;
      if (v === 'csv' || v === 'json' || v === 'png') this.cb.export(v);
      exp.value = '';
    });
    const spacer = h('span', 'spacer');
    const live = tag(model.settings.liveUpdate ? 'live' : 'manual', model.settings.liveUpdate
      ? 'Edits re-run immediately on small problems (setting optimizerDiagnostics.liveUpdate)'
      : 'Press Run after editing (setting optimizerDiagnostics.liveUpdate)');
    this.controlsEl.append(run, stop, live, spacer, exp);
  }

  private updateRunning(model: Model): void {
    const running = model.status.phase === 'running';
    if (this.stopBtn) this.stopBtn.disabled = !running;
    if (this.runBtn) this.runBtn.disabled = false;
  }
}

/** A run ended by a loss error after ≥ 1 step (stop reason `stopped at step k: file:line:col: …`), not by divergence. */
function stoppedByError(r: { readonly diverged: boolean; readonly stopReason: string | null }): boolean {
  return !r.diverged && r.stopReason !== null && r.stopReason.startsWith('stopped at step');
}
