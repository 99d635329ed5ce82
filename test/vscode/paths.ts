// Where things are: the repository, the harness installed by scripts/vscode/install.sh,
// and the git-ignored output folder for screenshots and logs.
import * as fs from 'fs';
import * as path from 'path';

/** The repository root: the nearest folder above this file holding package.json + esbuild.mjs. */
export const repoRoot: string = (() => {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'esbuild.mjs'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`repository root not found above ${__dirname}`);
    dir = up;
  }
})();

/** The harness install folder (.vscode-test/harness, git-ignored), overridable with OD_HARNESS_DIR. */
export const harnessDir: string = path.resolve(process.env.OD_HARNESS_DIR || path.join(repoRoot, '.vscode-test', 'harness'));

/** Screenshots and logs: test-results/<tier>/ (git-ignored). */
export function resultsDir(tier: string): string {
  const dir = path.join(repoRoot, 'test-results', tier);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export interface HarnessEnv {
  /** Node 24 binary that runs code-server (and vsce). */
  nodeBin: string;
  /** code-server's out/node/entry.js. */
  codeServerBin: string;
  /** Debian chromium. */
  chromiumBin: string;
}

/** The installed harness, or undefined when scripts/vscode/install.sh has not run. Env vars win. */
export function findHarness(): HarnessEnv | undefined {
  let file: Partial<HarnessEnv> = {};
  try {
    file = JSON.parse(fs.readFileSync(path.join(harnessDir, 'env.json'), 'utf8')) as Partial<HarnessEnv>;
  } catch {
    /* not installed */
  }
  const env: Partial<HarnessEnv> = {
    nodeBin: process.env.NODE24_BIN || file.nodeBin,
    codeServerBin: process.env.CODE_SERVER_BIN || file.codeServerBin,
    chromiumBin: process.env.CHROMIUM_BIN || file.chromiumBin || '/usr/bin/chromium',
  };
  if (!env.nodeBin || !env.codeServerBin || !fs.existsSync(env.nodeBin) || !fs.existsSync(env.codeServerBin)) return undefined;
  return env as HarnessEnv;
}

export function requireHarness(): HarnessEnv {
  const h = findHarness();
  if (!h) throw new Error(`The VS Code test harness is not installed in ${harnessDir}: run \`npm run vscode:install\` first.`);
  return h;
}

/** The extension's manifest (package.json), read fresh. */
export function readManifest(root = repoRoot): ExtensionManifest {
  return JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as ExtensionManifest;
}

export interface ManifestCommand {
  command: string;
  title: string | { value: string; original?: string };
  category?: string | { value: string; original?: string };
}

export interface ExtensionManifest {
  name: string;
  publisher: string;
  version: string;
  contributes?: {
    commands?: ManifestCommand[];
    menus?: { commandPalette?: { command: string; when?: string }[] };
  };
  [key: string]: unknown;
}

/** `${publisher}.${name}`: the id VS Code gives the extension. */
export function extensionId(manifest: ExtensionManifest = readManifest()): string {
  return `${manifest.publisher}.${manifest.name}`;
}

/**
 * The label the command palette shows for a contributed command: "Category: Title".
 * `%key%` placeholders are resolved from package.nls.json when present.
 */
export function paletteLabel(cmd: ManifestCommand, root = repoRoot): string {
  let nls: Record<string, string> = {};
  try {
    nls = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
  } catch {
    /* no localisation file */
  }
  const text = (v: string | { value: string } | undefined): string | undefined => {
    const s = typeof v === 'string' ? v : v?.value;
    const m = s ? /^%(.+)%$/.exec(s) : null;
    return m && nls[m[1]] !== undefined ? nls[m[1]] : s;
  };
  const title = text(cmd.title) ?? cmd.command;
  const category = text(cmd.category);
  return category ? `${category}: ${title}` : title;
}

/** Contributed commands that the command palette shows (not hidden by a `"when": "false"` palette entry). */
export function paletteCommands(manifest: ExtensionManifest = readManifest()): ManifestCommand[] {
  const hidden = new Set(
    (manifest.contributes?.menus?.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command),
  );
  return (manifest.contributes?.commands ?? []).filter((c) => !hidden.has(c.command));
}
