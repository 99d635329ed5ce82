// Export Run: CSV (one row per step, PyTorch state names as columns) and JSON, both in the CLI's
// shapes (`--csv` / `--json`), a self-verifying PyTorch script per run (the CLI's `--export-torch`), and PNG of each chart (the webview's canvas.toDataURL; the host writes the
// files). CSV and JSON are streamed in chunks; on the local file system they go to a temporary file
// that is renamed over the target (a failed write never leaves a truncated file), elsewhere through
// vscode.workspace.fs.
import * as vscode from 'vscode';
import type { ExportFormat } from '../protocol/messages';
import { csvChunks, jsonExportChunks } from '../protocol/exportFormat';
import { torchExportScript } from '../loss/torchExport';
import { writeFileAtomic } from './util/atomicWrite';
import type { DiagnosticsPanel } from './panel/diagnosticsPanel';

export interface ExportOptions {
  /** Target file (skips the save dialog). PNG: `<stem>-<chart>.png` next to it. */
  readonly target?: vscode.Uri;
}

const FILTERS: Record<ExportFormat, Record<string, string[]>> = {
  csv: { 'CSV (one row per step)': ['csv'] },
  json: { 'JSON (as the CLI\'s --json)': ['json'] },
  png: { 'PNG images (one per chart)': ['png'] },
  torch: { 'PyTorch script (self-verifying)': ['py'] },
};

function defaultName(panel: DiagnosticsPanel, format: ExportFormat): string {
  const s = panel.session;
  const loss = (s.loss?.name ?? 'loss').replace(/[^\w.-]+/g, '_');
  const runs = s.config.runs.map((r) => r.optimizer).join('-');
  return `${loss}-${runs}.${format === 'torch' ? 'py' : format}`;
}

function defaultFolder(): vscode.Uri | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

/** Writes the export; returns the files written (empty when the user cancelled). */
export async function exportRun(panel: DiagnosticsPanel, format: ExportFormat, opts: ExportOptions = {}): Promise<vscode.Uri[]> {
  const session = panel.session;
  const loss = session.loss;
  const recs = session.runs;
  if (!loss || recs.length === 0) throw new Error('This panel has no finished run to export yet.');
  let target = opts.target;
  if (!target) {
    const folder = defaultFolder();
    target = await vscode.window.showSaveDialog({
      title: `Export ${format.toUpperCase()}`,
      filters: FILTERS[format],
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, defaultName(panel, format)) } : {}),
    });
    if (!target) return [];
  }
  const labels = session.labels();
  const runs = recs.map((r) => ({ label: labels.get(r.runId) ?? r.optimizer, recording: r }));
  if (format === 'csv' || format === 'json') {
    const chunks = format === 'csv' ? csvChunks(loss.paramNames, runs) : (function* () {
      yield* jsonExportChunks(loss, runs);
      yield '\n';
    })();
    if (target.scheme === 'file') await writeFileAtomic(target.fsPath, chunks);
    else await vscode.workspace.fs.writeFile(target, new TextEncoder().encode([...chunks].join('')));
    return [target];
  }
  if (format === 'torch') {
    // One script per run (a comparison: <stem>-<k>-<optimizer>.py); the generator is the CLI's (src/loss/torchExport.ts).
    const stem = target.path.replace(/\.py$/i, '');
    const written: vscode.Uri[] = [];
    for (let k = 0; k < recs.length; k++) {
      const rec = recs[k]!;
      const uri = recs.length === 1 ? target : target.with({ path: `${stem}-${k + 1}-${rec.optimizer}.py` });
      const script = torchExportScript({
        info: loss,
        recording: rec,
        scriptPath: uri.fsPath,
        seed: session.config.seed,
        ...(session.config.batchSize !== undefined ? { batchSize: session.config.batchSize } : {}),
        provenance: `Optimizer Diagnostics panel: Export Run → PyTorch script (${runs[k]!.label})`,
      });
      if (uri.scheme === 'file') await writeFileAtomic(uri.fsPath, [script]);
      else await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(script));
      written.push(uri);
    }
    return written;
  }
  const images = await panel.captureCharts();
  if (images.length === 0) throw new Error('The panel has no chart to export.');
  const stem = target.path.replace(/\.png$/i, '');
  const written: vscode.Uri[] = [];
  for (const im of images) {
    const uri = target.with({ path: `${stem}-${im.chart}.png` });
    const b64 = im.dataUrl.slice(im.dataUrl.indexOf(',') + 1);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(b64, 'base64'));
    written.push(uri);
  }
  return written;
}
