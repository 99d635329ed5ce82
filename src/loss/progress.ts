// Progress of long runner-side work (reading and parsing data files, JSON imports, preparing the
// gradient) for the watchdog of the loss process. The loss process installs a hook that turns calls
// into (throttled) heartbeats; elsewhere (unit tests, the CLI's light paths) it is a no-op.
//
// `graceMs` announces a silent phase the runner knows is long (one JSON.parse of 170 MB cannot report
// progress inside): the watchdog allows that much more before it calls it "no progress".

export type ProgressHook = (detail: string, graceMs?: number) => void;

let hook: ProgressHook | null = null;

export function setProgressHook(h: ProgressHook | null): void {
  hook = h;
}

export function reportProgress(detail: string, graceMs?: number): void {
  if (hook) hook(detail, graceMs);
}

/** Generous time for a native parse of `bytes` (JSON.parse, a transpiler pass) on a slow, loaded machine: 40 MB/s. */
export function parseGraceMs(bytes: number): number {
  return Math.ceil(bytes / 40_000);
}

const MB = 1024 * 1024;
export const mb = (bytes: number): string => (bytes >= 10 * MB ? `${Math.round(bytes / MB)} MB` : `${(bytes / MB).toFixed(1)} MB`);
