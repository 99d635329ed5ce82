// Starts code-server (the real VS Code server + web workbench) on 127.0.0.1 with private
// user-data, extensions, XDG and TMP folders, in its own process group, and stops it by
// killing that group. See /work/shared/vscode-real/README.md for the why of each flag.
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { HarnessEnv, requireHarness } from './paths';

/** User settings that keep an offline workbench quiet and deterministic. */
export const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
};

export interface CodeServerOptions {
  /** Folder opened in the workbench. */
  workspace: string;
  /** Honour the URL payload (extensionDevelopmentPath/extensionTestsPath): pitfall 6. Hides toasts (pitfall 7). */
  smokeTestDriver?: boolean;
  /**
   * Extension folders (with a built package.json + dist/) symlinked into the extensions folder, so that
   * code-server loads them as installed extensions: no URL payload, so no smoke-test driver, so VS Code
   * shows notification toasts as it does for a person (`npm start`). A rebuild + "Developer: Reload
   * Window" picks up the new dist/.
   */
  linkExtensions?: string[];
  /**
   * Workspace Trust as a person has it (default false: disabled, `--disable-workspace-trust` and
   * `security.workspace.trust.enabled: false`). With true, trust is on and the opened folder starts
   * untrusted, i.e. in Restricted Mode (the trust decision lives in the browser profile, so every
   * fresh browser starts untrusted) and without the startup "Do you trust the authors?" dialog.
   */
  workspaceTrust?: boolean;
  /** Extra user settings merged over QUIET_SETTINGS. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and so for the extension host. */
  env?: NodeJS.ProcessEnv;
  /** Where code-server's stdout/stderr go (default: inside the scratch folder). */
  logFile?: string;
  /** .vsix files installed (code-server --install-extension) before the server starts. */
  installVsix?: string[];
  port?: number;
  harness?: HarnessEnv;
}

export interface CodeServer {
  port: number;
  /** "127.0.0.1:PORT", the remote authority of vscode-remote:// URIs. */
  authority: string;
  baseUrl: string;
  workspace: string;
  /** Private scratch folder (user data, extensions, XDG, TMP); deleted by stop(). */
  scratch: string;
  userDataDir: string;
  extensionsDir: string;
  pid: number;
  /** Resolves with code-server's exit code when it ends (by stop() or on its own). */
  exited: Promise<number | null>;
  /** Workbench URL; with dev paths (and tests path) as payload for the smoke-test-driver mode. */
  url(devPaths?: string[], testsPath?: string): string;
  /** Copies VS Code's own logs (exthost, renderer, server) to dir, e.g. after a failure. */
  saveLogs(dir: string): void;
  /** Kills the whole process group and deletes the scratch folder. Safe to call twice. */
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function waitForHttp(url: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error(`code-server exited (${child.exitCode ?? child.signalCode}) before answering ${url}`));
        return;
      }
      const req = http.get(url, (res) => {
        res.resume();
        resolve();
      });
      req.on('error', () => {
        if (Date.now() > end) reject(new Error(`timeout waiting for ${url}`));
        else setTimeout(tick, 250);
      });
    };
    tick();
  });
}

/** XDG folders inside scratch: code-server and chromium otherwise write to $HOME (pitfall 5). */
export function xdgEnv(scratch: string): NodeJS.ProcessEnv {
  return {
    XDG_CONFIG_HOME: path.join(scratch, 'xdg-config'),
    XDG_DATA_HOME: path.join(scratch, 'xdg-data'),
    XDG_CACHE_HOME: path.join(scratch, 'xdg-cache'),
  };
}

// Synchronous last-resort cleanups (kill group + delete scratch) of servers not stopped yet.
const live = new Map<number, () => void>();
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}
process.once('exit', () => {
  for (const cleanup of live.values()) cleanup();
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    for (const cleanup of live.values()) cleanup();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const harness = opts.harness ?? requireHarness();
  // Short private root under os.tmpdir(): code-server puts unix sockets in TMPDIR (paths < 108 bytes).
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'od-vsc-'));
  const userDataDir = path.join(scratch, 'user-data');
  const extensionsDir = path.join(scratch, 'extensions');
  const tmpDir = path.join(scratch, 'tmp');
  for (const d of [path.join(userDataDir, 'User'), extensionsDir, tmpDir]) fs.mkdirSync(d, { recursive: true });
  const trustSettings: Record<string, unknown> = opts.workspaceTrust
    ? {
        'security.workspace.trust.enabled': true,
        // no modal "Do you trust the authors?" on open: the folder just opens in Restricted Mode
        'security.workspace.trust.startupPrompt': 'never',
        'security.workspace.trust.banner': 'always',
        'security.workspace.trust.untrustedFiles': 'open',
      }
    : {};
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...QUIET_SETTINGS, ...trustSettings, ...(opts.settings ?? {}) }, null, 2),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, ...(opts.env ?? {}), ...xdgEnv(scratch), TMPDIR: tmpDir };
  const removeScratch = (): void => fs.rmSync(scratch, { recursive: true, force: true });

  try {
    for (const dir of opts.linkExtensions ?? []) {
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
      fs.symlinkSync(path.resolve(dir), path.join(extensionsDir, `${m.publisher}.${m.name}-${m.version}`), 'dir');
    }
    for (const vsix of opts.installVsix ?? []) {
      const out = execFileSync(
        harness.nodeBin,
        [harness.codeServerBin, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
          '--install-extension', path.resolve(vsix)],
        { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const last = out.trim().split('\n').pop() ?? '';
      if (!/successfully installed/i.test(out)) throw new Error(`installing ${vsix} failed: ${out}`);
      console.error(`[code-server] ${last.trim()}`);
    }
  } catch (e) {
    removeScratch();
    throw e;
  }

  const port = opts.port ?? (await freePort());
  const args = [
    harness.codeServerBin,
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
    '--disable-telemetry', '--disable-update-check',
    '--disable-getting-started-override', '--ignore-last-opened',
  ];
  if (!opts.workspaceTrust) args.push('--disable-workspace-trust');
  if (opts.smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  args.push(path.resolve(opts.workspace));

  const logFile = opts.logFile ?? path.join(scratch, 'code-server.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const logFd = fs.openSync(logFile, 'w');
  // detached: code-server leads its own process group, so stop() ends it and every child.
  const child = spawn(harness.nodeBin, args, { detached: true, env, stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) {
    removeScratch();
    throw new Error('could not spawn code-server');
  }
  live.set(pid, () => {
    killGroup(pid, 'SIGKILL');
    removeScratch();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    killGroup(pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, 3000)))]);
    clearTimeout(timer);
    killGroup(pid, 'SIGKILL'); // children that ignored SIGTERM (extension host, watchers)
    live.delete(pid);
    removeScratch();
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${baseUrl}/healthz`, 60_000, child);
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}; log: ${logFile}`);
  }
  const authority = `127.0.0.1:${port}`;
  const workspace = path.resolve(opts.workspace);
  return {
    port, authority, baseUrl, workspace, scratch, userDataDir, extensionsDir, pid, stop, exited,
    url(devPaths: string[] = [], testsPath?: string): string {
      const remote = (p: string): string => `vscode-remote://${authority}${path.resolve(p)}`;
      const payload: [string, string][] = devPaths.map((p) => ['extensionDevelopmentPath', remote(p)]);
      if (testsPath) payload.push(['extensionTestsPath', remote(testsPath)]);
      let url = `${baseUrl}/?folder=${encodeURIComponent(workspace)}`;
      if (payload.length) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return url;
    },
    saveLogs(dir: string): void {
      const logs = path.join(userDataDir, 'logs');
      if (!fs.existsSync(logs)) return;
      fs.mkdirSync(dir, { recursive: true });
      fs.cpSync(logs, dir, { recursive: true });
    },
  };
}
