// Quick picks: a loss (the active editor's loss file, workspace loss files, built-ins with their
// lesson), an optimizer (label + torch name), several optimizers (compare).
import { DATA_BUILTIN_NAMES, dataBuiltin } from '../loss/dataBuiltins';
import * as path from 'path';
import * as vscode from 'vscode';
import { BUILTIN_LOSSES, OPTIMIZERS } from '../core';
import type { HyperValue, OptimizerName } from '../core/types';
import type { LossRef } from '../protocol/simulation';
import { isLossFile, LOSS_FILE_GLOB } from './codeLens';

interface LossItem extends vscode.QuickPickItem {
  readonly loss?: LossRef;
}

function relative(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
}

export async function workspaceLossFiles(): Promise<vscode.Uri[]> {
  if (!vscode.workspace.workspaceFolders?.length) return [];
  const files = await vscode.workspace.findFiles(LOSS_FILE_GLOB, '**/node_modules/**', 200);
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

export async function pickLoss(trusted: boolean): Promise<LossRef | undefined> {
  const items: LossItem[] = [];
  const active = vscode.window.activeTextEditor?.document.uri;
  const restricted = trusted ? undefined : '$(shield) Restricted Mode: trust the workspace to run loss files';
  if (active && active.scheme === 'file' && isLossFile(active)) {
    items.push({ label: '$(file-code) ' + path.basename(active.fsPath), description: 'active editor', detail: restricted, loss: { kind: 'file', path: active.fsPath } });
  }
  const files = (await workspaceLossFiles()).filter((f) => !active || f.fsPath !== active.fsPath);
  if (files.length) {
    items.push({ label: 'Workspace loss files', kind: vscode.QuickPickItemKind.Separator });
    for (const f of files) items.push({ label: '$(file-code) ' + path.basename(f.fsPath), description: relative(f), detail: restricted, loss: { kind: 'file', path: f.fsPath } });
  }
  items.push({ label: 'Built-in losses', kind: vscode.QuickPickItemKind.Separator });
  for (const b of Object.values(BUILTIN_LOSSES)) {
    items.push({ label: b.label, description: b.formula, detail: b.lesson, loss: { kind: 'builtin', name: b.name } });
  }
  for (const name of DATA_BUILTIN_NAMES) {
    const d = dataBuiltin(name);
    items.push({ label: d.label, description: `${d.name} · data: ${d.data.rows} rows, ${d.heldOut.length} held out`, detail: d.lesson, loss: { kind: 'builtin', name } });
  }
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Optimizer Diagnostics: choose a loss',
    placeHolder: 'Loss function to optimize (loss files: *.loss.ts / .mts / .js / .mjs)',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return pick?.loss;
}

interface OptimizerItem extends vscode.QuickPickItem {
  readonly name: OptimizerName;
}

/**
 * Items labelled with the optimizer's short name ("Adam", variants in the description): the quick pick
 * ranks an exact label match first, so typing "Adam" + Enter picks Adam. With the registry's
 * "Adam / AMSGrad" it picked AdamW, the shorter of two prefix matches.
 */
function optimizerItems(preferred: readonly OptimizerName[]): OptimizerItem[] {
  return Object.values(OPTIMIZERS).map((d) => {
    const [short, ...variants] = d.label.split(' / ');
    return {
      label: short!,
      description: [variants.length ? `also ${variants.join(', ')}` : '', d.torchName].filter(Boolean).join(' · '),
      detail: d.hyperparameters.map((h) => `${h.name}=${Array.isArray(h.default) ? `(${h.default.join(', ')})` : String(h.default)}`).join('  '),
      name: d.name,
      picked: preferred.includes(d.name),
    };
  });
}

/** What the Simulate picker chose: an optimizer, or a recipe (an optimizer, then a switch to SGD + momentum). */
export interface SimulatePick {
  readonly optimizer: OptimizerName;
  /** The recipe "Adam, then SGD": halfway through, SGD with momentum 0.9 takes over with fresh state. */
  readonly thenSgd?: boolean;
}

export async function pickOptimizer(preferred: OptimizerName): Promise<SimulatePick | undefined> {
  const items: (OptimizerItem & { thenSgd?: boolean })[] = optimizerItems([]);
  items.sort((a, b) => (a.name === preferred ? -1 : b.name === preferred ? 1 : 0));
  items.push({
    label: 'Adam, then SGD',
    description: 'recipe: torch.optim.Adam, then a new torch.optim.SGD(momentum=0.9) halfway (fresh state)',
    detail: 'Switch optimizers mid-run (the flatter-minima recipe); edit the switch step and SGD\'s lr in the panel',
    name: 'adam',
    thenSgd: true,
  });
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Optimizer Diagnostics: choose an optimizer',
    placeHolder: 'Runs with PyTorch defaults (learning rate tuned per loss); edit them in the panel',
    matchOnDescription: true,
  });
  return pick ? { optimizer: pick.name, ...(pick.thenSgd ? { thenSgd: true } : {}) } : undefined;
}

export const DEFAULT_COMPARISON: readonly OptimizerName[] = ['sgd', 'rmsprop', 'adam'];

/** A comparison entry: an optimizer, optionally with preset hyperparameters (SGD + momentum). */
export interface OptimizerPick {
  readonly name: OptimizerName;
  readonly hyperparameters?: Readonly<Record<string, HyperValue>>;
}

interface PickItem extends vscode.QuickPickItem {
  readonly pick: OptimizerPick;
}

/** Presets offered next to plain SGD. */
export const SGD_PRESETS: readonly { label: string; description: string; hyperparameters: Readonly<Record<string, HyperValue>> }[] = [
  { label: 'SGD · Momentum 0.9', description: 'torch.optim.SGD(momentum=0.9)', hyperparameters: { momentum: 0.9 } },
  { label: 'SGD · Nesterov 0.9', description: 'torch.optim.SGD(momentum=0.9, nesterov=True)', hyperparameters: { momentum: 0.9, nesterov: true } },
];

export async function pickOptimizers(preferred: readonly OptimizerName[] = DEFAULT_COMPARISON): Promise<OptimizerPick[] | undefined> {
  const items: PickItem[] = [];
  for (const it of optimizerItems(preferred)) {
    items.push({ ...it, pick: { name: it.name } });
    if (it.name === 'sgd') for (const p of SGD_PRESETS) items.push({ label: p.label, description: p.description, pick: { name: 'sgd', hyperparameters: p.hyperparameters } });
  }
  const picks = await vscode.window.showQuickPick(items, {
    title: 'Optimizer Diagnostics: optimizers to compare',
    placeHolder: 'Select two or more (same loss, same start point)',
    canPickMany: true,
    matchOnDescription: true,
  });
  if (!picks) return undefined;
  return picks.map((p) => p.pick);
}
