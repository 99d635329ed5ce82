// The step inspector card: for the slider's step, a run and a parameter, the optimizer's update equations
// with that step's numbers filled in, and the effective learning rate decomposed. The host computes every
// value from the full recording (view/inspectStep → view/didInspectStep); this only draws. Each line is a
// block (symbol = formula, then = numbers = value) so it reads in a narrow column.
import { formatNumber } from '../../src/protocol/format';
import type { StepInspection } from '../../src/protocol/messages';
import type { Model } from '../model';
import { dropdown, type ValueElement } from './toolkit';

const DIGITS = 6;
const show = (v: number | null): string => (v === null || v !== v ? '—' : formatNumber(v, DIGITS));

export interface InspectorRequest {
  readonly runId: string | null;
  readonly step: number;
  readonly param: number;
}

export class StepInspector {
  readonly controls: HTMLElement;
  readonly body: HTMLElement;
  /** The last inspection drawn (tests read it through window.__optimizerDiagnostics.inspector()). */
  last: StepInspection | null = null;
  runId: string | null = null;
  param = 0;
  private seq = 0;
  private pending: InspectorRequest | null = null;
  private frame: number | null = null;
  private controlsKey = '';

  constructor(private readonly request: (seq: number, r: InspectorRequest) => void) {
    this.controls = document.createElement('div');
    this.controls.className = 'card-controls';
    this.body = document.createElement('div');
    this.body.className = 'card-footer inspector';
    this.body.id = 'step-inspector';
    this.body.tabIndex = 0;
    this.body.setAttribute('role', 'region');
    this.body.setAttribute('aria-label', 'Step inspector');
    this.body.setAttribute('aria-live', 'polite');
  }

  /** Run and parameter pickers (rebuilt only when the runs or the loss change). */
  updateControls(model: Model): void {
    const runs = model.orderedRuns();
    const names = model.loss?.paramNames ?? [];
    if (this.runId && !runs.some((r) => r.runId === this.runId)) this.runId = null;
    if (this.param >= names.length) this.param = 0;
    const key = `${runs.map((r) => `${r.runId}:${r.label}`).join('|')}#${names.length}:${names.slice(0, 3).join(',')}#${this.runId}#${this.param}`;
    if (key === this.controlsKey) return;
    this.controlsKey = key;
    this.controls.replaceChildren();
    if (!runs.length) return;
    const run: ValueElement = dropdown(runs.map((r) => ({ value: r.runId, label: r.label })), this.runId ?? runs[0]!.runId, { title: 'Which run to inspect', label: 'Run', id: 'inspector-run' });
    run.addEventListener('change', () => {
      this.runId = run.value;
      this.controlsKey = '';
      this.ask(model, Number.NaN);
    });
    const param: ValueElement = dropdown(names.map((n, i) => ({ value: String(i), label: n })), String(this.param), { title: 'Which parameter to inspect', label: 'Parameter', id: 'inspector-param' });
    param.addEventListener('change', () => {
      this.param = Number(param.value) || 0;
      this.controlsKey = '';
      this.ask(model, Number.NaN);
    });
    this.controls.append(run, param);
  }

  private lastStep = 0;
  /** Asks the host for the inspection at `step` (NaN: the last step asked); at most one request per frame. */
  ask(model: Model, step: number): void {
    if (step === step) this.lastStep = step;
    if (!model.orderedRuns().length) {
      this.last = null;
      this.body.replaceChildren();
      return;
    }
    this.pending = { runId: this.runId, step: this.lastStep, param: this.param };
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      const p = this.pending;
      this.pending = null;
      if (p) this.request(++this.seq, p);
    });
  }

  /** The host's answer; stale answers (an older seq) are dropped. */
  receive(seq: number, ins: StepInspection | null): void {
    if (seq !== this.seq) return;
    this.last = ins;
    this.draw(ins);
  }

  private draw(ins: StepInspection | null): void {
    const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] => {
      const e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text !== undefined) e.textContent = text;
      return e;
    };
    this.body.replaceChildren();
    if (!ins) return;
    const head = el('p', 'inspector-head');
    head.append(el('strong', undefined, ins.label), document.createTextNode(` · step ${ins.step} · ${ins.paramName}`));
    this.body.append(head);
    if (ins.note) this.body.append(el('p', 'inspector-note', ins.note));
    const inputs = ins.lines.filter((l) => l.input);
    if (inputs.length) {
      const dl = el('dl', 'inspector-inputs');
      for (const l of inputs) {
        const row = el('div', 'inspector-input');
        row.dataset['symbol'] = l.symbol;
        row.dataset['value'] = String(l.value);
        const dt = el('dt', undefined, l.symbol);
        dt.title = l.formula;
        row.append(dt, el('dd', undefined, show(l.value)));
        dl.append(row);
      }
      this.body.append(dl);
    }
    const list = el('ol', 'inspector-lines');
    for (const l of ins.lines) {
      if (l.input) continue;
      const li = el('li', 'inspector-line');
      li.dataset['symbol'] = l.symbol;
      li.dataset['value'] = String(l.value);
      if (l.name) li.dataset['name'] = l.name;
      const eq = el('div', 'inspector-eq');
      eq.append(el('span', 'inspector-symbol', l.symbol), document.createTextNode(' = '), el('span', 'inspector-formula', l.formula));
      if (l.name && l.name !== l.symbol) eq.append(el('span', 'inspector-name', l.name));
      const num = el('div', 'inspector-num');
      num.append(document.createTextNode('= '), el('span', 'inspector-filled', l.filled), document.createTextNode(' = '), el('span', 'inspector-value', show(l.value)));
      if (l.recorded !== null) {
        const ok = l.recorded === l.value;
        const mark = el('span', ok ? 'inspector-check' : 'inspector-mismatch', ok ? '✓ recorded' : `≠ recorded ${show(l.recorded)}`);
        mark.title = ok ? 'The recording holds exactly this value' : 'The recording holds a different value';
        num.append(mark);
      }
      li.append(eq, num);
      list.append(li);
    }
    this.body.append(list);
    const f = ins.factors;
    if (f) {
      const box = el('div', 'inspector-factors');
      box.dataset['schedule'] = String(f.schedule);
      box.dataset['bias'] = String(f.biasCorrection);
      box.dataset['preconditioner'] = String(f.preconditioner);
      box.dataset['epsDominance'] = String(f.epsDominance);
      const p = el('p');
      p.append(el('strong', undefined, 'α decomposed'), document.createTextNode(` = schedule × bias correction × preconditioner = ${show(f.schedule)} × ${show(f.biasCorrection)} × ${show(f.preconditioner)} = ${show(f.alpha)}, on u = ${show(f.rawDirection)}`));
      const defs = el('ul', 'inspector-defs');
      defs.append(
        el('li', undefined, `u: ${f.direction}`),
        el('li', undefined, `schedule: ${f.definitions.schedule}`),
        el('li', undefined, `bias correction: ${f.definitions.biasCorrection}`),
        el('li', undefined, `preconditioner: ${f.definitions.preconditioner}`),
      );
      const eps = el('p', 'inspector-eps');
      eps.textContent = f.definitions.epsDominance === null
        ? 'ε-dominance: not applicable (this optimizer has no ε).'
        : f.epsDominance === null
          ? `ε-dominance: not applicable at this step (${f.definitions.epsDominance}).`
          : `ε-dominated at this step: ${formatNumber(100 * f.epsDominance, 4)} % of the parameters (${f.definitions.epsDominance}).`;
      box.append(p, defs, eps);
      this.body.append(box);
    }
  }
}
