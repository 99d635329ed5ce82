// Launches the integration suite (index.ts + *.test.ts) in a real VS Code through
// @vscode/test-electron's runTests. Two launchers, one suite, same exit code:
//   OD_TEST_LAUNCHER=code-server  code-server's extension host via test/vscode/code-shim
//                                 (default when `npm run vscode:install` has run: offline machines, CI)
//   OD_TEST_LAUNCHER=electron     the desktop VS Code that runTests downloads (developer laptop, public CI)
// Extra env for the extension host: OD_TEST_GREP=<regexp>.
import * as path from 'path';
import { runTests } from '@vscode/test-electron';
import { findHarness, harnessDir, repoRoot } from '../vscode/paths';

async function main(): Promise<number> {
  const launcher = process.env.OD_TEST_LAUNCHER || (findHarness() ? 'code-server' : 'electron');
  if (launcher !== 'code-server' && launcher !== 'electron') throw new Error(`OD_TEST_LAUNCHER must be code-server or electron, not ${launcher}`);
  if (launcher === 'code-server' && !findHarness()) {
    throw new Error(`OD_TEST_LAUNCHER=code-server but the harness is not installed in ${harnessDir}: run \`npm run vscode:install\``);
  }
  const extensionDevelopmentPath = repoRoot;
  const extensionTestsPath = path.join(__dirname, 'index.js');
  const workspace = path.join(repoRoot, 'test', 'integration', 'workspace');
  console.log(`[integration] launcher: ${launcher}`);
  await runTests({
    vscodeExecutablePath: launcher === 'code-server' ? path.join(repoRoot, 'test', 'vscode', 'code-shim') : undefined,
    extensionDevelopmentPath,
    extensionTestsPath,
    launchArgs: [workspace, '--disable-extensions'],
    extensionTestsEnv: { OD_EXTENSION_ROOT: repoRoot, OD_TEST_LAUNCHER: launcher },
  });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[integration] FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
