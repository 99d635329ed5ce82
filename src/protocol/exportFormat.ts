// Export formats of a panel's runs (pure), in the CLI's shapes (src/core/export.ts, shared):
//  - JSON: one run → the CLI's `simulate --json` document (TrajectoryJson); several runs → the CLI's
//    `compare --json` document `{ loss, summary, runs }` (without the tolerance column).
//  - CSV: the CLI's per-step CSV (row t = after t steps; PyTorch state names as columns, e.g.
//    `exp_avg[x]`), with `run` and `optimizer` columns prepended so several runs share one file;
//    the columns are the union over the runs (empty where a run has no such state).

import { toCsv as runCsv, toTrajectoryJson, type TrajectoryJson } from '../core/export';
import type { LossInfo, RecordingColumns } from './simulation';

export interface CsvRun {
  readonly label: string;
  readonly recording: RecordingColumns;
}

/** RFC 4180 field quoting. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
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

/** The CSV of several runs: `run,optimizer,` + the union of the CLI's per-run columns. */
export function toCsv(paramNames: readonly string[], runs: readonly CsvRun[]): string {
  const parts = runs.map(({ label, recording }) => {
    const lines = runCsv(recording, paramNames).trimEnd().split('\n');
    return { label, optimizer: recording.optimizer, header: splitCsvLine(lines[0]!), rows: lines.slice(1) };
  });
  const columns: string[] = [];
  for (const p of parts) for (const h of p.header) if (!columns.includes(h)) columns.push(h);
  const out = [['run', 'optimizer', ...columns].map(csvField).join(',')];
  for (const p of parts) {
    const index = columns.map((c) => p.header.indexOf(c));
    const prefix = `${csvField(p.label)},${p.optimizer},`;
    for (const row of p.rows) {
      const cells = row.split(','); // numbers and empty cells only
      out.push(prefix + index.map((k) => (k >= 0 ? cells[k] ?? '' : '')).join(','));
    }
  }
  return out.join('\n') + '\n';
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

/** One run: the CLI's `simulate --json` document; several: `{ loss, summary, runs }` as `compare --json`. */
export function toJsonExport(info: LossInfo, runs: readonly CsvRun[]): unknown {
  if (runs.length === 1) return trajectory(info, runs[0]!.recording);
  const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
  const summary: RunSummaryJson[] = runs.map(({ label, recording: r }) => {
    let best = Infinity;
    for (let t = 0; t <= r.stepsCompleted && t < r.loss.length; t++) if (r.loss[t]! < best) best = r.loss[t]!;
    return {
      label, finalLoss: finite(r.loss[r.stepsCompleted] ?? NaN), bestLoss: finite(best),
      diverged: r.diverged, stopReason: r.stopReason, stepsCompleted: r.stepsCompleted,
    };
  });
  return { loss: lossDescription(info), summary, runs: runs.map((r) => trajectory(info, r.recording)) };
}
