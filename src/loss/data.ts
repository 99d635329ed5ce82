// Datasets for loss files: CSV (header row; numeric cells become numbers, via papaparse), JSON
// (an array of objects) or inline rows. Every row is a frozen null-prototype object keyed by column
// name (so a column named `__proto__` or `constructor` is a column like any other). Numeric cells must
// be finite: `NaN`/`Infinity` cells are reported with their row and column, not handed to loss().
// Reading and parsing report progress (bytes, rows) to the loss process's watchdog (progress.ts), so a
// large file is never mistaken for an infinite loop; a data path that is not a regular file (a FIFO,
// /dev/zero) is refused before it is opened.

import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { parseExpressionAt } from 'acorn';
import Papa from 'papaparse';
import { lossError, type SourcePosition } from './errors';
import { mb, parseGraceMs, reportProgress } from './progress';

/** A data row as the loader hands it to `loss(p, batch)`. */
export type DataRow = Readonly<Record<string, number | string>>;

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:Infinity|inf|NaN)$/i;

/** Rows between progress reports while parsing or checking (the hook throttles by time). */
const ROWS_PER_REPORT = 1024;
/** The largest data file read (V8's longest string is ~512 MB). */
export const MAX_DATA_BYTES = 500 * 1024 * 1024;

/** A CSV cell as a value: numbers for numeric text (trimmed), the text otherwise; undefined for NaN/Infinity text. */
function cellValue(cell: string): number | string | undefined {
  const t = cell.trim();
  if (NUMBER.test(t)) {
    const v = Number(t);
    return Number.isFinite(v) ? v : undefined; // 1e999
  }
  return NON_FINITE.test(t) ? undefined : cell;
}

/**
 * Parses CSV text with a header row. Malformed input (unterminated quotes, a row with more or fewer
 * cells than the header, an empty or duplicate column name, an empty cell) is a LossError of kind
 * 'data' at the file and line. Blank lines are skipped.
 */
export function parseCsv(text: string, file: string): DataRow[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const tsv = /\.tsv$/i.test(file);
  const name = basename(file);
  // Parsed in chunks, so a million rows report progress as they go (papaparse carries a row that
  // straddles two chunks over). Records are appended one by one: no spread over data.
  const records: string[][] = [];
  let errors: Papa.ParseError[] = [];
  let chunkBase = 0;
  const config: Papa.ParseConfig<string[]> & { chunkSize: number; chunk(res: Papa.ParseResult<string[]>): void } = {
    header: false,
    skipEmptyLines: false,
    ...(tsv ? { delimiter: '\t' } : {}),
    chunkSize: 128 * 1024,
    chunk: (res: Papa.ParseResult<string[]>) => {
      for (const err of res.errors) if (errors.length < 8) errors.push({ ...err, ...(err.row !== undefined ? { row: err.row + chunkBase } : {}) });
      const data = res.data;
      for (let i = 0; i < data.length; i++) records.push(data[i]!);
      chunkBase = records.length;
      reportProgress(`${name} (${records.length.toLocaleString('en-US')} rows parsed)`);
    },
  };
  (Papa.parse as (input: string, config: Papa.ParseConfig<string[]>) => void)(body, config);
  errors = errors.filter((err) => err.code !== 'UndetectableDelimiter'); // one-column files: ',' is right
  for (const err of errors) {
    const line = err.row !== undefined ? lineOfRecord(records, err.row) : err.index !== undefined ? lineOf(body, err.index) : undefined;
    throw lossError('data', `malformed CSV: ${err.message}`, { file, ...(line !== undefined ? { line } : {}) });
  }
  // Line of each record: 1 + the line breaks before it (quoted cells may span lines).
  const lines: number[] = [];
  let line = 1;
  for (let k = 0; k < records.length; k++) {
    const r = records[k]!;
    lines.push(line);
    line += 1;
    for (const cell of r) if (cell.indexOf('\n') >= 0) for (let i = 0; i < cell.length; i++) if (cell.charCodeAt(i) === 10) line++;
    if ((k & 0x3fff) === 0) reportProgress(`${name} (${k.toLocaleString('en-US')} rows numbered)`);
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
    const row: Record<string, number | string> = Object.create(null) as Record<string, number | string>;
    for (let c = 0; c < header.length; c++) {
      if (rec[c]!.trim() === '') throw lossError('data', `malformed CSV: empty cell in column "${header[c]}"`, where);
      const v = cellValue(rec[c]!);
      if (v === undefined) {
        throw lossError('data', `row ${rows.length + 1}, column "${header[c]}": the cell "${rec[c]!.trim()}" is not a finite number (remove the row or fill in a value)`, where);
      }
      row[header[c]!] = v;
    }
    rows.push(Object.freeze(row));
    if (rows.length % ROWS_PER_REPORT === 0) reportProgress(`${name} (${rows.length.toLocaleString('en-US')} rows checked)`);
  }
  if (rows.length === 0) throw lossError('data', 'the CSV file has a header but no rows', { file });
  return rows;
}

/** Line of record `r` (0-based) when cells may span lines. */
function lineOfRecord(records: readonly string[][], r: number): number {
  let line = 1;
  for (let i = 0; i < r && i < records.length; i++) {
    line += 1;
    for (const cell of records[i]!) for (let k = 0; k < cell.length; k++) if (cell.charCodeAt(k) === 10) line++;
  }
  return line;
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
    reportProgress(`${basename(file)} (parsing ${mb(text.length)} of JSON)`, parseGraceMs(text.length));
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
 * numbers or strings, all with the same columns. Returns frozen null-prototype copies (own keys only).
 */
export function checkRows(value: unknown, where: SourcePosition | { file: string }, what: string): DataRow[] {
  if (!Array.isArray(value)) throw lossError('data', `${what} must be an array of rows (objects keyed by column name)`, where);
  if (value.length === 0) throw lossError('data', `${what} has no rows`, where);
  let columns: string[] | null = null;
  return value.map((row: unknown, i) => {
    if (i > 0 && i % ROWS_PER_REPORT === 0) reportProgress(`${what} (${i.toLocaleString('en-US')} rows checked)`);
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw lossError('data', `${what}: row ${i} is ${Array.isArray(row) ? 'an array' : typeof row}, expected an object keyed by column name`, where);
    }
    const keys = Object.keys(row);
    for (const k of keys) {
      const v = (row as Record<string, unknown>)[k];
      if (typeof v !== 'number' && typeof v !== 'string') {
        throw lossError('data', `${what}: row ${i}, column "${k}" is ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v}, expected a number or a string`, where);
      }
      if (typeof v === 'number' && !Number.isFinite(v)) throw lossError('data', `${what}: row ${i}, column "${k}" is ${v}, expected a finite number`, where);
    }
    if (columns === null) columns = keys;
    else if (keys.length !== columns.length || keys.some((k) => !columns!.includes(k))) {
      throw lossError('data', `${what}: row ${i} has columns (${keys.join(', ')}), row 0 has (${columns.join(', ')})`, where);
    }
    const copy = Object.create(null) as Record<string, number | string>;
    for (const k of keys) copy[k] = (row as Record<string, number | string>)[k]!;
    return Object.freeze(copy);
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
  const text = readDataText(ref, file, where);
  reportProgress(basename(file));
  return { file, rows: ext === '.json' ? parseJsonRows(text, file) : parseCsv(text, file) };
}

/**
 * Reads a whole regular file as UTF-8 in chunks, reporting bytes read. A FIFO, a device (/dev/zero)
 * or a socket is refused before it is opened (opening a FIFO blocks until a writer comes), and so is a
 * file larger than MAX_DATA_BYTES.
 */
export function readDataText(ref: string, file: string, where: SourcePosition | { file: string }): string {
  const fail = (why: string) => lossError('data', `data "${ref}": ${why} (${file})`, where);
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw fail('is a folder');
    if (!st.isFile()) throw fail(`is not a regular file (${st.isFIFO() ? 'a named pipe' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'a special file'}); data files are read whole, so they must be files`);
    size = st.size;
  } catch (e) {
    if ((e as { error?: unknown }).error) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? 'file not found' : (e as Error).message);
  }
  if (size > MAX_DATA_BYTES) throw fail(`is ${mb(size)}, more than the ${mb(MAX_DATA_BYTES)} a data file may have`);
  const name = basename(file);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw fail((e as Error).message);
  }
  try {
    if (!fstatSync(fd).isFile()) throw fail('is not a regular file');
    const buf = Buffer.allocUnsafe(size);
    const CHUNK = 8 * 1024 * 1024;
    let at = 0;
    for (;;) {
      const n = readSync(fd, buf, at, Math.min(CHUNK, size - at), at);
      if (n <= 0) break;
      at += n;
      if (size > CHUNK) reportProgress(`${name} (${mb(at)} of ${mb(size)} read)`);
      if (at >= size) break;
    }
    reportProgress(`${name} (decoding ${mb(at)})`, parseGraceMs(at) / 4);
    return buf.toString('utf8', 0, at);
  } catch (e) {
    if ((e as { error?: unknown }).error) throw e;
    throw fail((e as Error).message);
  } finally {
    closeSync(fd);
  }
}
