// `simulate … --export-torch run.py` (issue 13 §1): the run as a self-verifying PyTorch script. The script text
// comes from the pure generator (src/core/torchExport.ts); a loss file is translated by src/core/torchTranslate.ts
// from the AD's parse of its JavaScript; here we only read the file, locate its data and replay the sampler
// (validation split and mini-batch indices), so the script sees exactly the rows each of our steps saw.

import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, relative } from 'node:path';
import { torchExportRefusal, torchScript, type TorchLoss } from '../core/torchExport';
import { translateLossModule, TorchTranslateError } from '../core/torchTranslate';
import { AutodiffError } from '../core/autodiff/errors';
import type { LossInfo, RecordingColumns } from '../protocol/simulation';
import { resolveDataPath } from './data';
import { BatchSampler, validationSplit } from './sampler';
import { toJavaScript } from './transpile';

/** A configuration the export does not support (yet), or an untranslatable loss file: one line, exit 1. */
export class TorchExportError extends Error {
  override readonly name = 'TorchExportError';
}

/** `w[0], w[1], b` → entries { w: 2 }, { b: scalar } in declaration order. */
export function entriesOf(paramNames: readonly string[]): { name: string; size: number | null }[] {
  const out: { name: string; size: number | null }[] = [];
  for (const n of paramNames) {
    const m = /^(.*)\[(\d+)\]$/s.exec(n);
    const last = out[out.length - 1];
    if (m && last && last.name === m[1] && last.size !== null && Number(m[2]) === last.size) last.size++;
    else if (m && Number(m[2]) === 0) out.push({ name: m[1]!, size: 1 });
    else out.push({ name: n, size: null });
  }
  return out;
}

export interface TorchExportOptions {
  readonly info: LossInfo;
  readonly recording: RecordingColumns;
  /** Where the script goes: a data file is named relative to its folder. */
  readonly scriptPath: string;
  readonly seed?: number;
  readonly batchSize?: number;
  readonly gradientNoise?: number;
  readonly provenance?: string;
}

/** Refusals known before the run (so nothing runs for an export that cannot be written). */
export function refuseBeforeRun(optimizer: string, loss: string, isBuiltin: boolean, gradientNoise: number | undefined, hp: Record<string, unknown>): void {
  const why = torchExportRefusal({
    optimizer,
    loss: isBuiltin ? { kind: 'builtin', name: loss } : { kind: 'file' },
    hyperparameters: hp as never,
    ...(gradientNoise !== undefined ? { gradientNoise } : {}),
  });
  if (why) throw new TorchExportError(why);
}

/** The script of a finished run. */
export function torchExportScript(o: TorchExportOptions): string {
  const { info, recording: rec } = o;
  const why = torchExportRefusal({
    optimizer: rec.optimizer,
    loss: info.ref.kind === 'builtin' ? { kind: 'builtin', name: info.ref.name } : { kind: 'file' },
    lr: rec.lr.subarray(0, rec.stepsCompleted),
    hyperparameters: rec.hyperparameters,
    ...(o.gradientNoise !== undefined ? { gradientNoise: o.gradientNoise } : {}),
    gradient: info.gradient,
    sampled: rec.sampling !== null && rec.sampling !== undefined,
  });
  if (why) throw new TorchExportError(why);
  let loss: TorchLoss;
  if (info.ref.kind === 'builtin') loss = { kind: 'builtin', name: info.ref.name };
  else loss = fileLoss(info.ref.path, info, o);
  return torchScript({
    loss,
    paramNames: info.paramNames,
    optimizer: rec.optimizer,
    hyperparameters: rec.hyperparameters,
    params: rec.params,
    lossValues: rec.loss,
    stepsCompleted: rec.stepsCompleted,
    ...(o.provenance ? { provenance: o.provenance } : {}),
  });
}

function fileLoss(file: string, info: LossInfo, o: TorchExportOptions): TorchLoss {
  const source = readFileSync(file, 'utf8');
  let translated;
  try {
    translated = translateLossModule(toJavaScript(source, file), file);
  } catch (e) {
    if (e instanceof TorchTranslateError || e instanceof AutodiffError) throw new TorchExportError(e.message);
    throw e;
  }
  let data: Extract<TorchLoss, { kind: 'file' }>['data'];
  if (translated.data?.kind === 'file') {
    const abs = resolveDataPath(translated.data.ref, file);
    const ext = extname(abs).toLowerCase();
    if (ext !== '.csv' && ext !== '.json') throw new TorchExportError(`--export-torch: the data file ${translated.data.ref} is ${ext || 'without extension'}; the export reads .csv and .json files`);
    const rel = relative(dirname(o.scriptPath), abs);
    data = { kind: 'file', path: isAbsolute(rel) ? abs : rel.split('\\').join('/'), format: ext === '.json' ? 'json' : 'csv' };
  } else if (translated.data?.kind === 'code') data = { kind: 'code' };
  const layout = info.dataLayout;
  let train: number[] | undefined;
  let batches: number[][] | undefined;
  if (layout) {
    const split = validationSplit(layout.rows, layout.validation);
    if (split.validation.length > 0) train = [...split.train];
    const bs = o.batchSize ?? layout.batchSize;
    const sampler = bs !== undefined ? new BatchSampler(split.train.length, bs, o.seed ?? 0) : null;
    if (sampler && !sampler.fullBatch) {
      batches = [];
      for (let k = 0; k < o.recording.stepsCompleted; k++) batches.push([...sampler.indices(k)]);
    }
  }
  return {
    kind: 'file',
    file: info.ref.kind === 'file' ? relative(process.cwd(), file) || file : file,
    python: translated.python,
    entries: entriesOf(info.paramNames),
    ...(data ? { data } : {}),
    ...(train ? { train } : {}),
    ...(batches ? { batches } : {}),
  };
}
