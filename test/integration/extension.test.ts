// Runs inside the real VS Code extension host (code-server's, or a downloaded desktop VS Code).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { activateExtension, extensionId, readManifest } from './helpers';

suite('Extension in a real VS Code', () => {
  test('is installed under its manifest id and activates', async () => {
    const ext = vscode.extensions.getExtension(extensionId());
    assert.ok(ext, `extension ${extensionId()} not found; installed: ${vscode.extensions.all.filter((e) => !e.id.startsWith('vscode.')).map((e) => e.id).join(', ')}`);
    await activateExtension();
    assert.strictEqual(ext.isActive, true);
    console.log(`    VS Code ${vscode.version} (${vscode.env.appName}, uiKind ${vscode.env.uiKind}, remote ${vscode.env.remoteName ?? 'none'}), Node ${process.version}`);
  });

  test('every command in package.json contributes.commands is registered', async () => {
    await activateExtension();
    const contributed = (readManifest().contributes?.commands ?? []).map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepStrictEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
    console.log(`    ${contributed.length} contributed command(s) registered: ${contributed.join(', ') || '(none yet)'}`);
  });

  test('the test workspace is open', () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder open');
    assert.ok(fs.existsSync(path.join(folder.uri.fsPath, '.gitkeep')) || fs.readdirSync(folder.uri.fsPath).length > 0);
    assert.strictEqual(path.basename(folder.uri.fsPath), 'workspace');
  });
});
