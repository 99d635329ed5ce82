// New Loss File: writes a loss-file template (src/loss/scaffold.ts) and, unless the folder already
// has it, the types file it imports (optimizer-diagnostics.d.ts) so `satisfies LossDefinition` type-checks.
import * as vscode from 'vscode';
import { SCAFFOLD_KINDS, scaffoldLossFile } from '../loss/scaffold';

export async function pickLossFileKind(): Promise<string | undefined> {
  const pick = await vscode.window.showQuickPick(
    SCAFFOLD_KINDS.map((k) => ({ label: k.label, detail: k.detail, lossKind: k.kind })),
    { title: 'Optimizer Diagnostics: new loss file', placeHolder: 'What kind of loss?' },
  );
  return pick?.lossKind;
}

export function suggestedFileName(kind: string): string {
  return scaffoldLossFile(kind).suggestedFileName;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Writes the loss file (adding `.loss.ts` when the name lacks a loss suffix) and its types file; returns the loss file. */
export async function createLossFile(kind: string, target: vscode.Uri): Promise<vscode.Uri> {
  if (!SCAFFOLD_KINDS.some((k) => k.kind === kind)) throw new Error(`unknown loss file kind "${kind}" (known: ${SCAFFOLD_KINDS.map((k) => k.kind).join(', ')})`);
  const s = scaffoldLossFile(kind);
  let uri = target;
  const enc = new TextEncoder();
  if (kind === 'python') {
    // A *.loss.py needs no types file.
    if (!/\.loss\.py$/i.test(uri.path)) uri = uri.with({ path: uri.path.replace(/\.py$/i, '') + '.loss.py' });
    await vscode.workspace.fs.writeFile(uri, enc.encode(s.source));
    return uri;
  }
  if (!/\.loss\.(ts|mts|js|mjs)$/i.test(uri.path)) uri = uri.with({ path: uri.path.replace(/\.(ts|mts|js|mjs)$/i, '') + '.loss.ts' });
  await vscode.workspace.fs.writeFile(uri, enc.encode(s.source));
  const dts = vscode.Uri.joinPath(uri, '..', s.declarationsFileName);
  if (!(await exists(dts))) await vscode.workspace.fs.writeFile(dts, enc.encode(s.declarations));
  return uri;
}
