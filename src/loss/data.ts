// Datasets for loss files: CSV (header row; numeric cells become numbers, via papaparse), JSON
// (an array of objects) or inline rows. Every row is a frozen object keyed by column name.

import { readFileSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { parseExpressionAt } from 'acorn';
import Papa from 'papaparse';
import { lossError, type SourcePosition } from './errors';

/** A data row as the loader hands it to `loss(p, batch)`. */
export type DataRow = Readonly<Record<string, number | string>>;

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?:Infinity|NaN)$/;

/** A CSV cell as a value: numbers for numeric text (trimmed), the text otherwise. */
function cellValue(cell: string): number | string {
  const t = cell.trim();
  return NUMBER.test(t) ? Number(t) : cell;
}

/**
 * Parses CSV text with a header row. Malformed input (unterminated quotes, a row with more or fewer
 * cells than the header, an empty or duplicate column name, an empty cell) is a LossError of kind
 * 'data' at the file and line. Blank lines are skipped.
 */
export function parseCsv(text: string, file: string): DataRow[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const tsv = /\.tsv$/i.test(file);
  const parsed = Papa.parse<string[]>(body, { header: false, skipEmptyLines: false, ...(tsv ? { delimiter: '\t' } : {}) });
  for (const err of parsed.errors) {
    if (err.code === 'UndetectableDelimiter') continue; // one-column files: ',' is right
    const at = err.index !== undefined ? lineOf(body, err.index) : err.row !== undefined ? err.row + 1 : undefined;
    throw lossError('data', `malformed CSV: ${err.message}`, { file, ...(at !== undefined ? { line: at } : {}) });
  }
  const records = parsed.data;
  // Line of each record: 1 + the line breaks before it (quoted cells may span lines).
  const lines: number[] = [];
  let line = 1;
  for (const r of records) {
    lines.push(line);
    line += 1;
    for (const cell of r) for (let i = 0; i < cell.length; i++) if (cell.charCodeAt(i) === 10) line++;
  }
  const isBlank = (r: string[]) => r.length === 1 && r[0]!.trim() === '';
  let h = 0;
  while (h < records.length && isBlank(records[h]!)) h++;
  if (h >= records.length) throw lossError('data', 'the CSV file is empty (expected a header row, then one row per sample)', { file });
  const header = records[h]!.map((c) => c.trim());
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name === '') throw lossError('data', `malformed CSV: column ${i + 1} of the header row has no name`, { file, line: lines[h]! });
    if (seen.has(name)) throw lossError('data', `malformed CSV: duplicate column name "${name}" in the header row`, { file, line: lines[h]! });
    seen.add(name);
  });
  const rows: DataRow[] = [];
  for (let r = h + 1; r < records.length; r++) {
    const rec = records[r]!;
    if (isBlank(rec)) continue;
    const where = { file, line: lines[r]! };
    if (rec.length !== header.length) {
      throw lossError('data', `malformed CSV: ${rec.length} ${rec.length === 1 ? 'cell' : 'cells'}, but the header has ${header.length} columns (${header.join(', ')})`, where);
    }
    const row: Record<string, number | string> = {};
    for (let c = 0; c < header.length; c++) {
      if (rec[c]!.trim() === '') throw lossError('data', `malformed CSV: empty cell in column "${header[c]}"`, where);
      row[header[c]!] = cellValue(rec[c]!);
    }
    rows.push(Object.freeze(row));
  }
  if (rows.length === 0) throw lossError('data', 'the CSV file has a header but no rows', { file });
  return rows;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Line of a JSON syntax error (Node 20's JSON.parse messages often carry no position): acorn's. */
function jsonErrorLine(text: string): number | undefined {
  try {
    parseExpressionAt(text, 0, { ecmaVersion: 'latest', locations: true });
  } catch (e) {
    return (e as { loc?: { line: number } }).loc?.line;
  }
  return undefined;
}

/** Parses JSON text holding an array of flat objects (numbers and strings). */
export function parseJsonRows(text: string, file: string): DataRow[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const m = /at position (\d+)/.exec(String((e as Error).message));
    const line = m ? lineOf(text, Number(m[1])) : jsonErrorLine(text);
    const message = String((e as Error).message).replace(/\s+/g, ' ');
    throw lossError('data', `malformed JSON: ${message}`, { file, ...(line !== undefined ? { line } : {}) });
  }
  return checkRows(value, { file }, 'the JSON file');
}

/**
 * Validates rows (inline `data` or parsed JSON): a non-empty array of plain objects whose values are
 * numbers or strings, all with the same columns. Returns frozen copies.
 */
export function checkRows(value: unknown, where: SourcePosition | { file: string }, what: string): DataRow[] {
  if (!Array.isArray(value)) throw lossError('data', `${what} must be an array of rows (objects keyed by column name)`, where);
  if (value.length === 0) throw lossError('data', `${what} has no rows`, where);
  let columns: string[] | null = null;
  return value.map((row: unknown, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw lossError('data', `${what}: row ${i} is ${Array.isArray(row) ? 'an array' : typeof row}, expected an object keyed by column name`, where);
    }
    const keys = Object.keys(row);
    for (const k of keys) {
      const v = (row as Record<string, unknown>)[k];
      if (typeof v !== 'number' && typeof v !== 'string') {
        throw lossError('data', `${what}: row ${i}, column "${k}" is ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v}, expected a number or a string`, where);
      }
    }
    if (columns === null) columns = keys;
    else if (keys.length !== columns.length || keys.some((k) => !columns!.includes(k))) {
      throw lossError('data', `${what}: row ${i} has columns (${keys.join(', ')}), row 0 has (${columns.join(', ')})`, where);
    }
    return Object.freeze({ ...(row as Record<string, number | string>) });
  });
}

/** A data file path as written in the loss file, resolved against the loss file's folder. */
export function resolveDataPath(ref: string, lossFile: string): string {
  return isAbsolute(ref) ? ref : resolve(lossFile, '..', ref);
}

/**
 * Reads a dataset file (`.csv`, `.tsv`, `.json`). `where` locates the `data:` entry in the loss file for
 * errors about the path itself (missing file, unknown extension).
 */
export function loadDataFile(ref: string, lossFile: string, where: SourcePosition | { file: string }): { file: string; rows: DataRow[] } {
  const file = resolveDataPath(ref, lossFile);
  const ext = extname(file).toLowerCase();
  if (ext !== '.csv' && ext !== '.tsv' && ext !== '.json') {
    throw lossError('data', `data "${ref}": unsupported file type "${ext || '(none)'}" (use .csv or .json)`, where);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder' : (e as Error).message;
    throw lossError('data', `data "${ref}": ${why} (${file})`, where);
  }
  return { file, rows: ext === '.json' ? parseJsonRows(text, file) : parseCsv(text, file) };
}
