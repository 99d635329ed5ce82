// Progress of long runner-side work (reading and parsing data files, JSON imports, preparing the
// gradient) for the watchdog of the loss process. The loss process installs a hook that turns calls
// into (throttled) heartbeats; elsewhere (unit tests, the CLI's light paths) it is a no-op.
//
// `graceMs` announces a silent phase the runner knows is long (one JSON.parse of 170 MB cannot report
// progress inside): the watchdog allows that much more before it calls it "no progress".

/** `phase` 'current': the runner's loop stays in its phase (and step); the call only shows it is alive. */
export type ProgressHook = (detail: string, graceMs?: number, phase?: 'loading' | 'describing' | 'current') => void;

let hook: ProgressHook | null = null;

export function setProgressHook(h: ProgressHook | null): void {
  hook = h;
}

/** `detail` names what is being loaded, e.g. `data.csv (40 of 170 MB read)`. */
export function reportProgress(detail: string, graceMs?: number, phase: 'loading' | 'describing' = 'loading'): void {
  if (hook) hook(detail, graceMs, phase);
}

/**
 * Work between two of the runner's own heartbeats finished (e.g. the plain loss() evaluation that checks
 * the automatic gradient's value, which doubles an evaluation's time): progress in the current phase.
 */
export function reportAlive(detail: string): void {
  if (hook) hook(detail, undefined, 'current');
}

/**
 * Time allowed for one native parse of `bytes` (JSON.parse) besides the timeout: 0.5 ms per KB, i.e.
 * 2 MB/s — very generous (a loaded 2-core machine parsed 16 MB of JSON at ~6 MB/s), because a parse of
 * finite text always ends; only memory can go wrong there, and the memory limits watch that.
 */
export function parseGraceMs(bytes: number): number {
  return Math.ceil(bytes / 2000);
}

const MB = 1024 * 1024;
export const mb = (bytes: number): string => (bytes >= 10 * MB ? `${Math.round(bytes / MB)} MB` : `${(bytes / MB).toFixed(1)} MB`);
