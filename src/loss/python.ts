// *.loss.py files: the loss and its gradient come from the user's own Python (torch autograd in
// float64 when the file imports torch; else the file's grad(p); else central differences), through the
// bridge script shipped in the extension (media/python/bridge.py). Everything else stays here, in the
// loss process: the optimizer core steps, the seeded sampler picks the batch rows (their indices are
// passed to Python), and the loss values are checked with the messages of *.loss.ts files.
//
// The channel is synchronous (Problem.evaluate is): two FIFOs opened in blocking mode on this side,
// fd 3 (requests) and fd 4 (replies) on the Python side, binary float64 frames (see bridge.py). The
// Python process is spawned without `detached`, so it lives in this loss process's process group and
// the runner's group SIGKILL (timeout, Stop, panel closed) ends it too. A Python that exits or
// crashes closes its end of the reply FIFO: the blocking read returns 0 and the request fails with
// kind 'crashed'; the runner then recycles this loss process (the next request starts a fresh bridge).

import { spawn, execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { numericHvp } from '../core/curvature';
import type { Problem } from '../core/types';
import type { GradientMode, LossInfo } from '../protocol/simulation';
import { declaredMinima, normalizeDefinition, type NormalizedDefinition } from './definition';
import { lossError, LossErrorException } from './errors';
import type { PropertyLocations } from './locate';
import { mtimeOf } from './moduleLoader';
import { reportProgress } from './progress';
import { addGradientNoise, BatchSampler, validationSplit } from './sampler';
import type { LoadedLoss, LossProblem, ProblemOptions } from './types';

export const PYTHON_SUFFIX = '.loss.py';

export function isPythonLossFile(file: string): boolean {
  return file.endsWith(PYTHON_SUFFIX);
}

/** Extra watchdog time for starting the interpreter and the file's imports (torch). */
const IMPORT_GRACE_MS = 120_000;

const OP = { describe: 1, autograd: 2, gradExport: 3, numeric: 4, value: 5, grid: 6, exit: 7, hvp: 8, timing: 9 } as const;

/** The interpreter: OD_PYTHON (the runner sets it from the Python extension / the setting / --python), else python3. */
export function pythonInterpreter(): string {
  return process.env['OD_PYTHON'] || 'python3';
}

/** media/python/bridge.py, found above this bundle (dist/, out/test/…) or via OD_PYTHON_BRIDGE. */
export function bridgeScript(): string {
  const env = process.env['OD_PYTHON_BRIDGE'];
  if (env) return env;
  let dir = __dirname;
  for (;;) {
    const p = join(dir, 'media', 'python', 'bridge.py');
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) throw new Error(`the Python bridge (media/python/bridge.py) was not found above ${__dirname}`);
    dir = up;
  }
}

interface Description {
  interpreter: string;
  python: string;
  torch: string | null;
  torchUsed: boolean;
  numpy: string | null;
  params: [string, number | null, number[], number[] | null][];
  name: unknown;
  hasGrad: boolean;
  lossArgs: number;
  rows: number | null;
  batchSize: unknown;
  validation: unknown;
  domain: unknown;
  minimum: unknown;
  gradient: unknown;
  lines: Record<string, [number, number]>;
  lossLine: number | null;
  files: string[];
}

/** The synchronous channel to one bridge process. */
class Bridge {
  private readonly reqFd: number;
  private readonly resFd: number;
  // Request frame, reused (grown when a request is larger): header as int32, the doubles from byte 16.
  private out = Buffer.alloc(0);
  private outI32 = new Int32Array(0);
  private outF64 = new Float64Array(0);
  private idx = new Int32Array(0);
  private idxAt = -1;
  private readonly replies = new Map<number, Float64Array>();
  private lastCount = -1;
  private lastView: Float64Array | null = null;
  private inBuf = Buffer.alloc(1 << 16);
  private inI32 = new Int32Array(this.inBuf.buffer, this.inBuf.byteOffset, 2);
  private have = 0;
  private closed = false;
  readonly pid: number | undefined;

  constructor(readonly file: string, readonly interpreter: string) {
    const dir = mkdtempSync(join(tmpdir(), 'od-py-'));
    const req = join(dir, 'req');
    const res = join(dir, 'res');
    try {
      execFileSync('mkfifo', ['-m', '600', req, res]);
      // Open both FIFOs without blocking on open, keep blocking descriptors for the hot path.
      const reqR = openSync(req, constants.O_RDONLY | constants.O_NONBLOCK);
      this.reqFd = openSync(req, constants.O_WRONLY);
      const resNb = openSync(res, constants.O_RDONLY | constants.O_NONBLOCK);
      const resW = openSync(res, constants.O_WRONLY);
      this.resFd = openSync(res, constants.O_RDONLY);
      closeSync(resNb);
      const child = spawn(interpreter, ['-u', bridgeScript(), file, '3', '4'], {
        stdio: ['ignore', 'inherit', 'inherit', reqR, resW],
        cwd: dirname(file),
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      });
      child.on('error', () => undefined);
      this.pid = child.pid;
      // Only Python holds these ends now: its exit is an EOF here and an EPIPE on write.
      closeSync(reqR);
      closeSync(resW);
      child.unref();
      if (child.pid === undefined) {
        this.close();
        throw lossError('crashed', `cannot start the Python interpreter "${interpreter}" (not found?): set optimizerDiagnostics.python.interpreterPath or the CLI's --python`, { file });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** One request; returns the reply's doubles (a view, valid until the next call) or throws the user's error. */
  call(op: number, flat: ArrayLike<number> | null, indices: Uint32Array | null, step: number | undefined, flat2?: ArrayLike<number>): Float64Array {
    const n1 = flat ? flat.length : 0;
    const n = n1 + (flat2 ? flat2.length : 0);
    const m = indices ? indices.length : -1;
    this.have = 0;
    const size = 16 + 8 * n + 4 * Math.max(0, m);
    if (this.out.length < size) this.growOut(size);
    const hdr = this.outI32;
    hdr[0] = op;
    hdr[1] = n;
    hdr[2] = m;
    hdr[3] = step ?? -1;
    if (n > 0) {
      const f = this.outF64; // the doubles start at byte 16 (8-aligned: Buffer.alloc is not pooled)
      if (flat instanceof Float64Array) f.set(flat);
      else for (let i = 0; i < n1; i++) f[i] = flat![i]!;
      if (flat2) {
        if (flat2 instanceof Float64Array) f.set(flat2, n1);
        else for (let i = 0; i < flat2.length; i++) f[n1 + i] = flat2[i]!;
      }
    }
    if (m > 0) {
      // int32 row indices after the doubles (4-aligned); one view per offset, reused
      if (this.idxAt !== n || this.idx.length < m) {
        this.idx = new Int32Array(this.out.buffer, this.out.byteOffset + 16 + 8 * n, (this.out.length - 16 - 8 * n) >> 2);
        this.idxAt = n;
      }
      this.idx.set(indices!);
    }
    this.write(this.out, size);
    // The reply, usually in one read: header (status, count), then count doubles or count bytes of JSON.
    this.readAtLeast(8);
    const status = this.inI32[0]!;
    const count = this.inI32[1]!;
    const total = 8 + (status === 0 ? 8 * count : count);
    this.readAtLeast(total);
    if (status === 0) {
      // One view per length over the reused reply buffer (the hot path replies 1 + dim doubles every time).
      if (this.lastCount === count && this.lastView) return this.lastView;
      let v = this.replies.get(count);
      if (!v) {
        v = new Float64Array(this.inBuf.buffer, this.inBuf.byteOffset + 8, count);
        if (this.replies.size > 8) this.replies.clear();
        this.replies.set(count, v);
      }
      this.lastCount = count;
      this.lastView = v;
      return v;
    }
    const obj = JSON.parse(this.inBuf.toString('utf8', 8, total)) as Record<string, unknown>;
    if (status === 2) throw new DescribeReply(obj);
    throw new BridgeError(obj);
  }

  private growOut(size: number): void {
    this.out = Buffer.alloc(Math.max(size, 2 * this.out.length));
    this.outI32 = new Int32Array(this.out.buffer, this.out.byteOffset, 4);
    this.outF64 = new Float64Array(this.out.buffer, this.out.byteOffset + 16, (this.out.length - 16) >> 3);
    this.idxAt = -1;
  }

  /** Reads until `n` bytes of the current reply are in inBuf (growing it); replies never overlap (one request at a time). */
  private readAtLeast(n: number): void {
    if (n > this.inBuf.length) {
      const bigger = Buffer.alloc(Math.max(n, 2 * this.inBuf.length));
      this.inBuf.copy(bigger, 0, 0, this.have);
      this.inBuf = bigger;
      this.inI32 = new Int32Array(bigger.buffer, bigger.byteOffset, 2);
      this.replies.clear();
      this.lastCount = -1;
      this.lastView = null;
    }
    while (this.have < n) {
      let k: number;
      try {
        k = readSync(this.resFd, this.inBuf, this.have, this.inBuf.length - this.have, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw this.ended((e as Error).message);
      }
      if (k === 0) throw this.ended('end of its output');
      this.have += k;
    }
  }

  private write(b: Buffer, size: number): void {
    let off = 0;
    try {
      while (off < size) off += writeSync(this.reqFd, b, off, size - off);
    } catch (e) {
      throw this.ended((e as Error).message);
    }
  }

  private ended(why: string): LossErrorException {
    this.close();
    return lossError('crashed', `the Python process (${this.interpreter}) ended (${why}): see the output for its last lines`, { file: this.file });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.reqFd); // Python reads EOF and exits
    } catch {
      // closed
    }
    try {
      closeSync(this.resFd);
    } catch {
      // closed
    }
  }
}

class DescribeReply {
  constructor(readonly value: Record<string, unknown>) {}
}

class BridgeError {
  constructor(readonly value: Record<string, unknown>) {}
}

type Mode = 'autodiff' | 'grad-export' | 'numeric';

/** A loaded *.loss.py (implements the same LoadedLoss as *.loss.ts files). */
class PythonLoss implements LoadedLoss {
  readonly name: string;
  readonly label: string;
  readonly dim: number;
  readonly paramNames: readonly string[];
  readonly start: readonly number[];
  readonly hasGrad: boolean;
  readonly data: LoadedLoss['data'];
  readonly batchSize: number | undefined;
  private readonly def: NormalizedDefinition;
  private readonly deps = new Map<string, number>();
  private readonly train: Uint32Array | null;
  private readonly validation: Uint32Array | null;
  private readonly fullTrain: boolean;
  private readonly runtime: string;
  private readonly baseWarnings: string[] = [];

  constructor(
    readonly file: string,
    private readonly bridge: Bridge,
    private readonly d: Description,
  ) {
    this.name = file.slice(file.lastIndexOf('/') + 1).slice(0, -PYTHON_SUFFIX.length);
    const properties = new Map<string, { line: number; column: number }>();
    for (const [k, [line, column]] of Object.entries(d.lines)) properties.set(k === 'batch_size' ? 'batchSize' : k, { line, column });
    const locs: PropertyLocations = { properties };
    // The same rules (and messages) as *.loss.ts: a definition object with the file's values.
    const params: Record<string, number | number[]> = {};
    for (const [k, size, flat] of d.params) params[k] = size === null ? flat[0]! : flat;
    const def: Record<string, unknown> = { params, loss: () => 0 };
    if (d.name !== null && d.name !== undefined) def['name'] = d.name;
    if (d.hasGrad) def['grad'] = () => ({});
    if (d.rows !== null) def['data'] = [];
    if (d.batchSize !== null) def['batchSize'] = d.batchSize;
    if (d.validation !== null) def['validation'] = d.validation;
    if (d.domain !== null) def['domain'] = d.domain;
    if (d.minimum !== null) def['minimum'] = d.minimum;
    if (d.gradient !== null) def['gradient'] = d.gradient;
    try {
      this.def = normalizeDefinition(def, file, locs);
    } catch (e) {
      if (e instanceof LossErrorException) {
        const m = e.error.message.replace(/\bbatchSize\b/g, 'batch_size').replace('a loss file must `export default { params: {...}, loss(p) {...} }`', 'define params and loss');
        throw new LossErrorException({ ...e.error, message: m });
      }
      throw e;
    }
    this.label = this.def.label ?? this.name;
    this.dim = this.def.dim;
    this.paramNames = this.def.paramNames;
    this.start = this.def.start;
    this.hasGrad = d.hasGrad;
    this.batchSize = this.def.batchSize;
    this.deps.set(file, mtimeOf(file));
    for (const f of d.files) if (f !== file) this.deps.set(f, mtimeOf(f));
    if (d.rows !== null) {
      const split = validationSplit(d.rows, this.def.validation);
      this.train = split.train;
      this.validation = split.validation.length > 0 ? split.validation : null;
      this.fullTrain = split.validation.length === 0;
      if (this.batchSize !== undefined && this.batchSize > split.train.length) {
        this.baseWarnings.push(`batch_size ${this.batchSize} exceeds the ${split.train.length} training rows: every step uses all of them`);
      }
      this.data = { train: [], validation: [], file: null };
    } else {
      this.train = null;
      this.validation = null;
      this.fullTrain = true;
      this.data = null;
    }
    this.runtime = `Python ${d.python} (${d.interpreter})${d.torch ? ` · torch ${d.torch}` : ' · torch not installed'}${!d.torchUsed && d.numpy ? ` · NumPy ${d.numpy}` : ''}`;
  }

  get dependencies(): ReadonlyMap<string, number> {
    return this.deps;
  }

  isStale(): boolean {
    for (const [f, m] of this.deps) if (mtimeOf(f) !== m) return true;
    return false;
  }

  /** Where the file defines `prop` (for errors). */
  at(prop: string): { file: string; line?: number; column?: number } {
    const l = this.d.lines[prop];
    return l ? { file: this.file, line: l[0], column: l[1] } : { file: this.file };
  }

  mode(requested: GradientMode | undefined): Mode {
    if (requested === 'numeric') return 'numeric';
    if (requested === 'autodiff') {
      if (!this.d.torchUsed) {
        throw lossError('autodiff', `automatic gradients of a *.loss.py come from torch.autograd, and this file does not import torch${this.d.torch ? '' : ` (torch is not installed for ${this.d.interpreter})`}: use the numeric mode or a grad(p) function`, this.at('loss'));
      }
      return 'autodiff';
    }
    if (this.def.gradient === 'numeric') return 'numeric';
    if (this.d.hasGrad && this.def.gradient !== 'autodiff') return 'grad-export';
    return this.d.torchUsed ? 'autodiff' : 'numeric';
  }

  info(opts: { readonly gradientMode?: GradientMode } = {}): LossInfo {
    const gradient = this.mode(opts.gradientMode);
    const warnings = [...this.def.warnings, ...this.baseWarnings];
    if (gradient === 'numeric' && !this.d.torchUsed && !this.d.hasGrad && this.def.gradient !== 'numeric' && opts.gradientMode !== 'numeric') {
      warnings.push(this.d.torch
        ? 'this file does not import torch and has no grad(p): gradients are central differences (numeric)'
        : `torch is not installed (interpreter ${this.d.interpreter}): gradients are central differences (numeric); install torch there or add a grad(p) function`);
    }
    const { window, minimum } = this.def;
    const minima = declaredMinima(minimum, (at) => this.plain(at, this.fullTrain ? null : this.train, undefined));
    return {
      ref: { kind: 'file', path: this.file },
      name: this.name,
      label: this.label,
      dim: this.dim,
      paramNames: this.paramNames,
      start: this.start,
      ...(window ? { window } : {}),
      ...(minima ? { minima } : {}),
      hasData: this.data !== null,
      hasValidation: this.validation !== null,
      gradient,
      warnings,
      runtime: this.runtime,
    };
  }

  /** A bridge error as the LossError a *.loss.ts file would get. */
  private userError(e: unknown, phase: 'loss' | 'grad', step: number | undefined): unknown {
    if (!(e instanceof BridgeError)) return e;
    const v = e.value;
    const stepWhere = step !== undefined ? { step } : {};
    const line = typeof v['line'] === 'number' ? v['line'] : undefined;
    const column = typeof v['column'] === 'number' ? v['column'] : undefined;
    const where = line !== undefined ? { file: this.file, line, ...(column !== undefined ? { column } : {}) } : this.at(phase);
    if (typeof v['exception'] === 'string') {
      return lossError('threw', `${phase}() threw${step !== undefined ? ` at step ${step}` : ''}: ${v['exception']}`, { ...where, ...stepWhere });
    }
    const kind = String(v['kind']) as Parameters<typeof lossError>[0];
    return lossError(kind, String(v['message']).replace('{at}', step !== undefined ? ` at step ${step}` : ''), { ...where, ...stepWhere });
  }

  private checkValue(v: number, flat: ArrayLike<number>, step: number | undefined, what = 'loss()'): number {
    if (Number.isFinite(v)) return v;
    const at = { ...this.at('loss'), ...(step !== undefined ? { step } : {}) };
    const stepText = step === undefined ? '' : ` at step ${step}`;
    for (let i = 0; i < flat.length; i++) {
      if (!Number.isFinite(flat[i]!)) {
        return this.fail(Number.isNaN(v) ? 'not-a-number' : 'non-finite', `${what} returned ${v}${stepText} because the parameters diverged (${this.paramNames[i]} = ${flat[i]}): try a smaller learning rate`, at);
      }
    }
    if (Number.isNaN(v)) return this.fail('not-a-number', `${what} returned NaN${stepText} (the parameters are finite)`, at);
    return this.fail('non-finite', `${what} returned ${v}${stepText} (the parameters are finite; an overflow, e.g. torch.exp of a large number?)`, at);
  }

  private fail(kind: 'not-a-number' | 'non-finite', message: string, at: object): never {
    throw lossError(kind, message, at);
  }

  /** loss + gradient into `out` (checked); returns the loss. */
  evaluate(mode: Mode, flat: ArrayLike<number>, rows: Uint32Array | null, out: Float64Array, step: number | undefined): number {
    const op = mode === 'autodiff' ? OP.autograd : mode === 'grad-export' ? OP.gradExport : OP.numeric;
    let r: Float64Array;
    try {
      r = this.bridge.call(op, flat, rows, step);
    } catch (e) {
      throw this.userError(e, mode === 'grad-export' ? 'grad' : 'loss', step);
    }
    const v = this.checkValue(r[0]!, flat, step);
    const source = mode === 'autodiff' ? 'torch.autograd' : mode === 'grad-export' ? 'grad()' : 'numeric';
    for (let i = 0; i < this.dim; i++) {
      const gi = r[i + 1]!;
      if (!Number.isFinite(gi)) {
        throw lossError(Number.isNaN(gi) ? 'not-a-number' : 'non-finite', `the ${source} gradient of ${this.paramNames[i]} is ${gi}${step !== undefined ? ` at step ${step}` : ''} while loss() is finite`, {
          ...this.at(mode === 'grad-export' ? 'grad' : 'loss'),
          ...(step !== undefined ? { step } : {}),
        });
      }
      out[i] = gi;
    }
    return v;
  }

  plain(flat: ArrayLike<number>, rows: Uint32Array | null, step: number | undefined, what?: string): number {
    let r: Float64Array;
    try {
      r = this.bridge.call(OP.value, flat, rows, step);
    } catch (e) {
      throw this.userError(e, 'loss', step);
    }
    return this.checkValue(r[0]!, flat, step, what);
  }

  createProblem(opts: ProblemOptions = {}): LossProblem {
    const mode = this.mode(opts.gradientMode);
    const seed = opts.seed ?? 0;
    const sigma = opts.gradientNoise ?? 0;
    if (!Number.isFinite(seed)) throw lossError('hyperparameter', `seed must be a finite number, got ${seed}`, { file: this.file });
    if (!(sigma >= 0) || !Number.isFinite(sigma)) throw lossError('hyperparameter', `gradientNoise must be a finite σ ≥ 0, got ${sigma}`, { file: this.file });
    const requested = opts.batchSize ?? this.def.batchSize;
    if (requested !== undefined && (!Number.isInteger(requested) || requested < 1)) {
      throw lossError('hyperparameter', `batchSize must be a positive integer, got ${requested}`, { file: this.file });
    }
    if (requested !== undefined && this.train && requested < this.train.length && this.d.lossArgs < 2) {
      throw lossError('invalid-export', 'mini-batches need loss(p, batch): the batch is passed as the second argument', this.at('loss'));
    }
    const train = this.train;
    const sampler = train && requested !== undefined && requested < train.length ? new BatchSampler(train.length, requested, Math.trunc(seed)) : null;
    const rowsBuf = sampler ? new Uint32Array(sampler.batchSize) : null;
    const rowsOf = (step: number): Uint32Array | null => {
      if (!train) return null;
      if (!sampler) return this.fullTrain ? null : train;
      const idx = sampler.indices(step);
      const out = idx.length === rowsBuf!.length ? rowsBuf! : new Uint32Array(idx.length);
      for (let i = 0; i < idx.length; i++) out[i] = train[idx[i]!]!;
      return out;
    };
    let lastStep = 0;
    const problem: LossProblem = {
      name: this.name,
      dim: this.dim,
      paramNames: this.paramNames,
      gradient: mode,
      batchSize: sampler ? sampler.batchSize : null,
      warnings: this.def.warnings,
      evaluate: (params, gradOut, step) => {
        lastStep = step;
        const v = this.evaluate(mode, params, rowsOf(step), gradOut, step);
        if (sigma > 0) addGradientNoise(gradOut, sigma, Math.trunc(seed), step);
        return v;
      },
      value: (params, step) => {
        lastStep = step;
        return this.plain(params, rowsOf(step), step);
      },
    };
    // Second derivatives (full batch, no gradient noise), as for *.loss.ts: exact Hessian-vector products
    // of the loss code by torch double backward when the file imports torch (also with a grad(p)), else
    // central differences of the gradient (numeric).
    const full = this.fullTrain ? null : train;
    const fullGrad = (x: Float64Array, out: Float64Array): number => this.evaluate(mode, x, full, out, undefined);
    const hvpMethod: 'autodiff' | 'numeric' = this.d.torchUsed ? 'autodiff' : 'numeric';
    (problem as { hessianMethod?: Problem['hessianMethod'] }).hessianMethod = hvpMethod;
    (problem as { hvp?: Problem['hvp'] }).hvp = hvpMethod === 'autodiff'
      ? (params, v, out) => {
          let r: Float64Array;
          try {
            r = this.bridge.call(OP.hvp, params, full, undefined, v);
          } catch (e) {
            throw this.userError(e, 'loss', undefined);
          }
          for (let i = 0; i < this.dim; i++) {
            const h = r[i]!;
            if (!Number.isFinite(h)) throw lossError(Number.isNaN(h) ? 'not-a-number' : 'non-finite', `the torch.autograd Hessian-vector product of ${this.paramNames[i]} is ${h} (double backward of loss())`, this.at('loss'));
            out[i] = h;
          }
        }
      : (params, v, out) => numericHvp((x, g) => void fullGrad(x, g), params, v, out);
    if (sampler || sigma > 0) {
      (problem as { evaluateFull?: Problem['evaluateFull'] }).evaluateFull = (params, gradOut) => fullGrad(params, gradOut);
    }
    if (this.validation) {
      const rows = this.validation;
      (problem as { validationLoss?: (p: Float64Array) => number }).validationLoss = (params) => this.plain(params, rows, lastStep, 'loss() on the validation rows');
    }
    return problem;
  }

  value(flat: ArrayLike<number>): number {
    return this.plain(flat, this.fullTrain ? null : this.train, undefined);
  }

  /** Plain values at many (x, y) points in one request (the contour grid); NaN where loss fails. */
  values2d(points: Float64Array): Float64Array {
    try {
      return this.bridge.call(OP.grid, points, this.fullTrain ? null : this.train, undefined);
    } catch (e) {
      throw this.userError(e, 'loss', undefined);
    }
  }

  /** The bench's hook (bridge started with OD_BRIDGE_TIMING=1): torch.autograd evaluations and seconds spent in loss() + backward() since the last call. */
  timing(): { calls: number; seconds: number } {
    const r = this.bridge.call(OP.timing, null, null, undefined);
    return { calls: r[0]!, seconds: r[1]! };
  }

  dispose(): void {
    this.bridge.close();
  }
}

/** Starts the bridge for `file` (absolute) and loads it; rejects with the LossErrorException of a *.loss.ts file. */
export function loadPythonLossFile(file: string): LoadedLoss & { values2d(points: Float64Array): Float64Array; timing(): { calls: number; seconds: number }; dispose(): void } {
  const interpreter = pythonInterpreter();
  // Starting Python and importing torch is not the loss's time: a cold `import torch` took 14 s on this
  // project's machine (1-2 s warm). The watchdog gets a grace period for it (the loading phase).
  reportProgress(`${file.slice(file.lastIndexOf('/') + 1)} (starting ${interpreter})`, IMPORT_GRACE_MS, 'loading');
  const bridge = new Bridge(file, interpreter);
  let d: Description;
  try {
    bridge.call(OP.describe, null, null, undefined);
    throw lossError('internal', 'the Python bridge answered describe with numbers');
  } catch (e) {
    if (e instanceof DescribeReply) d = e.value as unknown as Description;
    else {
      bridge.close();
      if (e instanceof BridgeError) {
        const v = e.value;
        const line = typeof v['line'] === 'number' ? v['line'] : undefined;
        const column = typeof v['column'] === 'number' ? v['column'] : undefined;
        throw lossError(String(v['kind']) as Parameters<typeof lossError>[0], String(v['message'] ?? v['exception']).replace('{at}', ''), { file, ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}) });
      }
      throw e;
    }
  }
  try {
    return new PythonLoss(file, bridge, d);
  } catch (e) {
    bridge.close();
    throw e;
  }
}
