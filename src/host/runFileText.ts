// Run files on the host side (src/protocol/runFile.ts is the format): a panel's SessionConfig as run-file text,
// with a loss file's absolute path made relative to the folder of the run file ('/'-separated, so it can be
// committed), and back (the run-file editor reads a document's text). Node's path only (no vscode):
// unit-tested in test/unit/host/runFileText.test.ts.
import * as path from 'path';
import type { SessionConfig } from '../protocol/messages';
import { parseRunFile, writeRunFile, type RunFile } from '../protocol/runFile';

/** What a run file holds besides the panel's configuration (start point, noise), kept when the panel rewrites it. */
export type RunFileExtras = Pick<RunFile, 'start' | 'gradientNoise'>;

export function runFileTextFor(config: SessionConfig, runFilePath: string, view?: RunFile['view'], extras: RunFileExtras = {}): string {
  const loss = config.loss.kind === 'file'
    ? { kind: 'file' as const, path: path.relative(path.dirname(runFilePath), config.loss.path).split(path.sep).join('/') }
    : config.loss;
  const { gradientNoise: panelNoise, gradientMode: _mode, ...rest } = config;
  void _mode;
  // The panel's σ is the run file's top-level gradientNoise (a run file's editor keeps the file's own when the panel has none); the gradient mode has no run-file field (not written).
  const gradientNoise = panelNoise ?? extras.gradientNoise;
  return writeRunFile({ config: { ...rest, loss }, ...(extras.start ? { start: extras.start } : {}), ...(gradientNoise !== undefined ? { gradientNoise } : {}), ...(view ? { view } : {}) });
}

/** A run file's text read for a panel: its loss file resolved against the run file's folder (throws RunFileError). */
export function runFileFromText(text: string, runFilePath: string): RunFile {
  const file = parseRunFile(text);
  const loss = file.config.loss;
  // The file's σ is the panel's gradient-noise field (runFileTextFor writes it back at the top level).
  const config = file.gradientNoise !== undefined ? { ...file.config, gradientNoise: file.gradientNoise } : file.config;
  if (loss.kind !== 'file') return { ...file, config };
  return { ...file, config: { ...config, loss: { kind: 'file', path: path.resolve(path.dirname(runFilePath), ...loss.path.split('/')) } } };
}

/** The smallest replacement turning `before` into `after`: [start, end) of `before` becomes `text` (null: equal). */
export function textChange(before: string, after: string): { start: number; end: number; text: string } | null {
  if (before === after) return null;
  const max = Math.min(before.length, after.length);
  let a = 0;
  while (a < max && before.charCodeAt(a) === after.charCodeAt(a)) a++;
  let b = 0;
  while (b < max - a && before.charCodeAt(before.length - 1 - b) === after.charCodeAt(after.length - 1 - b)) b++;
  return { start: a, end: before.length - b, text: after.slice(a, after.length - b) };
}
