// Parameter picker for losses with many parameters: search by name, top-k by final |θ|, apply.
// Only the picked parameters' series are sent by the host (view/selectParams).
import { formatNumber } from '../../src/protocol/format';
import type { Model } from '../model';
import { button, checkbox, textField, type CheckElement } from './toolkit';

export const PICKER_MAX_SELECTED = 24;

export class ParamPicker {
  /** Collapsed by default (a summary line); expands to search + checkboxes. */
  readonly root = document.createElement('details');
  private key = '';

  constructor(private readonly apply: (indices: number[]) => void) {
    this.root.className = 'param-picker';
    this.root.hidden = true;
  }

  update(model: Model): void {
    const names = model.loss?.paramNames ?? [];
    const show = names.length > 8;
    this.root.hidden = !show;
    if (!show) return;
    const key = `${names.join('|')}#${model.selectedParams.join(',')}#${model.paramMagnitudes.length}`;
    if (key === this.key) return;
    this.key = key;
    const wasOpen = this.root.open;
    this.root.replaceChildren();
    const selected = new Set(model.selectedParams);
    const summary = document.createElement('summary');
    summary.className = 'picker-title';
    summary.textContent = `Parameters: ${selected.size} of ${names.length} shown (${[...selected].slice(0, 8).map((i) => names[i]).join(', ')}${selected.size > 8 ? ', …' : ''})`;
    summary.title = 'Choose which parameters the per-parameter charts show';
    const head = document.createElement('div');
    head.className = 'picker-head';
    const search = textField({ placeholder: 'Filter parameters…', size: 18, label: 'Filter parameters' });
    const top = button(`Top ${Math.min(6, names.length)} by |θ|`, { appearance: 'secondary', title: 'The parameters with the largest final magnitude' });
    const applyBtn = button('Show selected', { appearance: 'primary' });
    head.append(search, top, applyBtn);
    const list = document.createElement('div');
    list.className = 'picker-list';
    const boxes: { i: number; el: CheckElement; row: HTMLElement }[] = [];
    // Shown first, then by final |θ| (largest first), then in declaration order.
    const order = [...names.keys()].sort((a, b) =>
      Number(selected.has(b)) - Number(selected.has(a)) || (model.paramMagnitudes[b] ?? 0) - (model.paramMagnitudes[a] ?? 0) || a - b);
    order.forEach((i) => {
      const name = names[i]!;
      const mag = model.paramMagnitudes[i];
      const c = checkbox(`${name}${mag !== undefined ? `  |θ|=${formatNumber(mag)}` : ''}`, selected.has(i));
      c.dataset['index'] = String(i);
      boxes.push({ i, el: c, row: c });
      list.append(c);
    });
    search.addEventListener('input', () => {
      const q = search.value.trim().toLowerCase();
      for (const b of boxes) b.row.hidden = q !== '' && !names[b.i]!.toLowerCase().includes(q);
    });
    top.addEventListener('click', () => {
      const order = [...names.keys()].sort((a, b) => (model.paramMagnitudes[b] ?? 0) - (model.paramMagnitudes[a] ?? 0) || a - b).slice(0, 6);
      this.apply(order.sort((a, b) => a - b));
    });
    applyBtn.addEventListener('click', () => {
      const pick = boxes.filter((b) => b.el.checked).map((b) => b.i).slice(0, PICKER_MAX_SELECTED);
      this.apply(pick);
    });
    this.root.append(summary, head, list);
    this.root.open = wasOpen;
  }
}
