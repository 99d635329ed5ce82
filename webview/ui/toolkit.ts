// The ONE module that imports @vscode/webview-ui-toolkit (sunset upstream on 2025-01-01; a move to
// @vscode-elements/elements touches only this file). The rest of the webview builds controls through
// these factories and reads them through the small typed views below.
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDivider,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;

/** Registers the components (call once, before `load`, so the toolkit's theme watcher starts). */
export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeButton(), vsCodeCheckbox(), vsCodeDivider(), vsCodeDropdown(), vsCodeOption(), vsCodeTextField(),
  );
}

export interface ValueElement extends HTMLElement {
  value: string;
  disabled: boolean;
}
export interface CheckElement extends HTMLElement {
  checked: boolean;
  disabled: boolean;
}

export function button(label: string, opts: { appearance?: 'primary' | 'secondary' | 'icon'; title?: string; icon?: string; id?: string } = {}): HTMLElement & { disabled: boolean } {
  const b = document.createElement('vscode-button') as HTMLElement & { disabled: boolean };
  if (opts.appearance) b.setAttribute('appearance', opts.appearance);
  if (opts.title) {
    b.title = opts.title;
    // A visible label is the accessible name (WCAG 2.5.3: the name contains the visible text); the title
    // stays the tooltip. Icon-only buttons are named by their title.
    b.setAttribute('aria-label', label ? label : opts.title);
  }
  if (opts.id) b.id = opts.id;
  if (opts.icon) {
    const span = document.createElement('span');
    span.className = `glyph glyph-${opts.icon}`;
    span.setAttribute('aria-hidden', 'true');
    span.textContent = GLYPHS[opts.icon] ?? '';
    if (opts.appearance !== 'icon') span.setAttribute('slot', 'start');
    b.append(span);
  }
  if (label) b.append(document.createTextNode(label));
  return b;
}

/** Unicode glyphs (no icon font: fewer resources under the CSP). */
const GLYPHS: Record<string, string> = { play: '▶', pause: '❚❚', stop: '■', run: '▶', add: '+', close: '×', columns: '◫', info: 'ⓘ', export: '⤓' };

export function textField(opts: { value?: string; label?: string; placeholder?: string; size?: number; title?: string; id?: string; inputmode?: string } = {}): ValueElement {
  const f = document.createElement('vscode-text-field') as ValueElement;
  if (opts.value !== undefined) f.setAttribute('value', opts.value);
  if (opts.placeholder) f.setAttribute('placeholder', opts.placeholder);
  if (opts.size) f.setAttribute('size', String(opts.size));
  if (opts.title) f.title = opts.title;
  if (opts.id) f.id = opts.id;
  if (opts.inputmode) f.setAttribute('inputmode', opts.inputmode);
  if (opts.label) {
    // The toolkit's text field sets its aria-label from its text content when connected ("Text field"
    // when empty, overwriting any aria-label given before): the label goes in as text content (its
    // visible <label> part is hidden by media/main.css; the panel shows its own compact labels).
    f.textContent = opts.label;
    f.dataset['label'] = opts.label;
    f.setAttribute('aria-label', opts.label);
  }
  return f;
}

export function checkbox(label: string, checked: boolean, title?: string): CheckElement {
  const c = document.createElement('vscode-checkbox') as CheckElement;
  if (checked) c.setAttribute('checked', '');
  c.textContent = label;
  if (title) c.title = title;
  return c;
}

export function dropdown(options: readonly { value: string; label: string; title?: string }[], value: string, opts: { title?: string; id?: string; label?: string } = {}): ValueElement {
  const d = document.createElement('vscode-dropdown') as ValueElement;
  if (opts.title) d.title = opts.title;
  if (opts.id) d.id = opts.id;
  if (opts.label) d.setAttribute('aria-label', opts.label);
  for (const o of options) {
    const opt = document.createElement('vscode-option');
    opt.setAttribute('value', o.value);
    if (o.value === value) opt.setAttribute('selected', '');
    if (o.title) opt.title = o.title;
    opt.textContent = o.label;
    d.append(opt);
  }
  return d;
}

/**
 * A busy indicator. Not the toolkit's vscode-progress-ring: its template carries a style="" attribute
 * that a strict CSP reports (style-src-attr) when the template is compiled. A CSS spinner instead.
 */
export function progressRing(): HTMLElement {
  const s = document.createElement('span');
  s.className = 'spinner';
  s.setAttribute('role', 'progressbar');
  s.setAttribute('aria-label', 'Running');
  return s;
}

/**
 * A small label. Not the toolkit's vscode-tag: it renders FAST's badge template, whose style=""
 * binding a strict CSP reports (style-src-attr). Styled by media/main.css like the toolkit's tag.
 */
export function tag(text: string, title?: string): HTMLElement {
  const t = document.createElement('span');
  t.className = 'tag';
  t.textContent = text;
  if (title) t.title = title;
  return t;
}

export function divider(): HTMLElement {
  return document.createElement('vscode-divider');
}
