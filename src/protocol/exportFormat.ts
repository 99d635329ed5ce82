// Export formats of a panel's runs (pure), in the CLI's shapes (src/core/export.ts, shared):
//  - JSON: one run → the CLI's `simulate --json` document (TrajectoryJson); several runs → the CLI's
//    `compare --json` document `{ loss, summary, runs }` (without the tolerance column).
//  - CSV: the CLI's per-step CSV (`simulate --csv`; row t = after t steps; PyTorch state names as columns,
//    e.g. `exp_avg[x]`), with `run` and `optimizer` columns prepended so several runs share one file (as
//    `compare --csv`); the columns are the union over the runs (empty where a run has no such state).
// Both stream as chunks (…Chunks) so that long runs never become one giant string.

import { csvColumns, csvHeaderLine, csvText, trajectoryJsonChunks, toTrajectoryJson, type TrajectoryJson } from '../core/export';
import type { LossInfo, RecordingColumns } from './simulation';

export interface CsvRun {
  readonly label: string;
  readonly recording: RecordingColumns;
}

/** RFC 4180 field quoting of a text cell, formula-leading text neutralised with `'` (core csvText). */
export function csvField(s: string): string {
  return csvText(s);
}

/** Splits one CSV line (quoted fields allowed). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const CHUNK = 1 << 16;

/** The CSV of several runs as chunks: `run,optimizer,` + the union of the runs' per-step columns. */
export function* csvChunks(paramNames: readonly string[], runs: readonly CsvRun[]): Generator<string> {
  const parts = runs.map(({ label, recording }) => ({ label, optimizer: recording.optimizer, table: csvColumns(recording, paramNames) }));
  const columns: string[] = [];
  const seen = new Set<string>(['run', 'optimizer']);
  for (const p of parts) for (const h of p.table.headers) if (!seen.has(h)) {
    seen.add(h);
    columns.push(h);
  }
  let buf = csvHeaderLine(['run', 'optimizer', ...columns]) + '\n';
  for (const p of parts) {
    const index = columns.map((c) => p.table.headers.indexOf(c));
    const prefix = `${csvText(p.label)},${csvText(p.optimizer)},`;
    const cells = new Array<string>(p.table.headers.length);
    for (let r = 0; r < p.table.rows; r++) {
      p.table.cells(r, cells);
      let line = prefix;
      for (let k = 0; k < index.length; k++) line += (k ? ',' : '') + (index[k]! >= 0 ? cells[index[k]!]! : '');
      buf += line + '\n';
      if (buf.length >= CHUNK) {
        yield buf;
        buf = '';
      }
    }
  }
  if (buf) yield buf;
}

/** The CSV of several runs as one string (small runs). */
export function toCsv(paramNames: readonly string[], runs: readonly CsvRun[]): string {
  return [...csvChunks(paramNames, runs)].join('');
}

/** How the CLI names a loss in its JSON. */
export function lossDescription(info: LossInfo): unknown {
  return info.ref.kind === 'builtin' ? info.name : { name: info.name, path: info.ref.path, gradient: info.gradient };
}

function trajectory(info: LossInfo, rec: RecordingColumns): TrajectoryJson {
  return toTrajectoryJson(rec, { loss: lossDescription(info), optimizer: rec.optimizer, hyperparameters: rec.hyperparameters, paramNames: info.paramNames });
}

export interface RunSummaryJson {
  label: string;
  finalLoss: number | null;
  bestLoss: number | null;
  diverged: boolean;
  stopReason: string | null;
  stepsCompleted: number;
}

function summaryOf(runs: readonly CsvRun[]): RunSummaryJson[] {
  const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return runs.map(({ label, recording: r }) => {
    let best = Infinity;
    const m = Math.min(r.loss.length, r.stepsCompleted + 1);
    for (let t = 0; t < m; t++) if (r.loss[t]! < best) best = r.loss[t]!;
    return {
      label, finalLoss: finite(m > 0 ? r.loss[m - 1]! : NaN), bestLoss: finite(best),
      diverged: r.diverged, stopReason: r.stopReason, stepsCompleted: r.stepsCompleted,
    };
  });
}

/** One run: the CLI's `simulate --json` document; several: `{ loss, summary, runs }` as `compare --json`. */
export function toJsonExport(info: LossInfo, runs: readonly CsvRun[]): unknown {
  if (runs.length === 1) return trajectory(info, runs[0]!.recording);
  return { loss: lossDescription(info), summary: summaryOf(runs), runs: runs.map((r) => trajectory(info, r.recording)) };
}

/** toJsonExport as chunks (their concatenation is JSON.stringify of it), for long runs. */
export function* jsonExportChunks(info: LossInfo, runs: readonly CsvRun[]): Generator<string> {
  const meta = (rec: RecordingColumns) => ({ loss: lossDescription(info), optimizer: rec.optimizer, hyperparameters: rec.hyperparameters, paramNames: info.paramNames });
  if (runs.length === 1) {
    yield* trajectoryJsonChunks(runs[0]!.recording, meta(runs[0]!.recording));
    return;
  }
  yield `{"loss":${JSON.stringify(lossDescription(info))},"summary":${JSON.stringify(summaryOf(runs))},"runs":[`;
  for (let k = 0; k < runs.length; k++) {
    if (k) yield ',';
    yield* trajectoryJsonChunks(runs[k]!.recording, meta(runs[k]!.recording));
  }
  yield ']}';
}
