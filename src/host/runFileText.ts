// Save Run Configuration: a panel's SessionConfig as run-file text (src/protocol/runFile.ts), with a loss
// file's absolute path made relative to the folder of the run file ('/'-separated, so it can be committed).
// Node's path only (no vscode): unit-tested in test/unit/host/runFileText.test.ts.
import * as path from 'path';
import type { SessionConfig } from '../protocol/messages';
import { writeRunFile, type RunFile } from '../protocol/runFile';

export function runFileTextFor(config: SessionConfig, runFilePath: string, view?: RunFile['view']): string {
  const loss = config.loss.kind === 'file'
    ? { kind: 'file' as const, path: path.relative(path.dirname(runFilePath), config.loss.path).split(path.sep).join('/') }
    : config.loss;
  // The panel's σ is the run file's top-level gradientNoise; the gradient mode has no run-file field (not written).
  const { gradientNoise, gradientMode: _mode, ...rest } = config;
  void _mode;
  return writeRunFile({ config: { ...rest, loss }, ...(gradientNoise !== undefined ? { gradientNoise } : {}), ...(view ? { view } : {}) });
}
