// One table element kept across renders: the panel's tables (values at step t, end point) are
// rewritten in place, cell by cell, and only where a text or a title changed. Rebuilding them on
// every run created ~200 elements per render, each needing style and layout before the frame could
// be painted (issue 8 item 18: 6 runs × 10,000 steps, end → paint).

export interface CellSpec {
  readonly text: string;
  /** A header cell (`th`): scope "col" in the head, "row" in the body. */
  readonly header?: boolean;
  readonly title?: string;
}

export interface RowSpec {
  readonly cells: readonly CellSpec[];
  /** data-* attributes of the row (e.g. runId). */
  readonly data?: Readonly<Record<string, string>>;
}

export interface TableSpec {
  readonly className: string;
  readonly caption: string;
  readonly head: readonly CellSpec[];
  readonly rows: readonly RowSpec[];
}

function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

function setTitle(el: HTMLElement, title: string | undefined): void {
  if (title === undefined) {
    if (el.hasAttribute('title')) el.removeAttribute('title');
  } else if (el.title !== title) el.title = title;
}

/** Makes `row` hold exactly `cells` (tags, scopes, texts, titles), touching only what differs. */
function syncRow(row: HTMLTableRowElement, cells: readonly CellSpec[], scope: 'col' | 'row'): void {
  while (row.cells.length > cells.length) row.lastElementChild!.remove();
  cells.forEach((c, k) => {
    const tag = c.header ? 'TH' : 'TD';
    let cell = row.cells[k];
    if (!cell || cell.tagName !== tag) {
      const fresh = document.createElement(c.header ? 'th' : 'td');
      if (cell) cell.replaceWith(fresh);
      else row.append(fresh);
      cell = fresh;
    }
    if (c.header && (cell as HTMLTableCellElement).scope !== scope) (cell as HTMLTableCellElement).scope = scope;
    setText(cell, c.text);
    setTitle(cell, c.title);
  });
}

function syncRows(section: HTMLTableSectionElement, rows: readonly RowSpec[], scope: 'col' | 'row'): void {
  while (section.rows.length > rows.length) section.lastElementChild!.remove();
  rows.forEach((r, i) => {
    const tr = section.rows[i] ?? section.appendChild(document.createElement('tr'));
    for (const k of Object.keys(tr.dataset)) if (!r.data || !(k in r.data)) delete tr.dataset[k];
    for (const [k, v] of Object.entries(r.data ?? {})) if (tr.dataset[k] !== v) tr.dataset[k] = v;
    syncRow(tr, r.cells, scope);
  });
}

/**
 * Shows `spec` as the only child of `host`, reusing the table already there (null: `host` is
 * emptied). Returns the table.
 */
export function syncTable(host: HTMLElement, spec: TableSpec | null): HTMLTableElement | null {
  if (!spec) {
    if (host.firstChild) host.replaceChildren();
    return null;
  }
  let table = host.firstElementChild as HTMLTableElement | null;
  if (!table || table.tagName !== 'TABLE' || host.childElementCount !== 1) {
    table = document.createElement('table');
    table.append(document.createElement('caption'), document.createElement('thead'), document.createElement('tbody'));
    table.tHead!.append(document.createElement('tr'));
    host.replaceChildren(table);
  }
  if (table.className !== spec.className) table.className = spec.className;
  setText(table.caption!, spec.caption);
  syncRow(table.tHead!.rows[0]!, spec.head.map((c) => ({ ...c, header: true })), 'col');
  syncRows(table.tBodies[0]!, spec.rows, 'row');
  return table;
}
