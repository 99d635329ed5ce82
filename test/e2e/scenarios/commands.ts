// Every command the manifest contributes to the palette (read at run time, so new commands are
// covered) is listed there under its "Category: Title"; the panel command runs without an error
// dialog or error notification. Deeper panel scenarios live in their own files.
import type { ScenarioContext } from '../context';
import { ManifestCommand, paletteCommands, paletteLabel } from '../../vscode/paths';

const PANEL_COMMAND = 'optimizerDiagnostics.simulate';

export default async function (ctx: ScenarioContext): Promise<void> {
  const commands = paletteCommands(ctx.extension.manifest);
  const panel = commands.find((c) => c.command === PANEL_COMMAND);
  ctx.assert.ok(panel, `package.json contributes.commands has no "${PANEL_COMMAND}" (contributed: ${commands.map((c) => c.command).join(', ') || 'none'})`);
  const label = (c: ManifestCommand): string => paletteLabel(c, ctx.extension.root);
  for (const cmd of commands) {
    const attempt = await ctx.workbench.runCommand(label(cmd), { dryRun: true });
    ctx.log(`"${label(cmd)}" is listed in the command palette (attempt ${attempt})`);
  }
  await ctx.workbench.showPalette(label(panel).split(': ')[0]);
  await ctx.screenshot('palette');
  await ctx.workbench.closeQuickInput();

  await ctx.workbench.runCommand(label(panel));
  ctx.log(`ran "${label(panel)}"`);
  await ctx.page.waitForTimeout(3_000); // let it open what it opens
  await ctx.screenshot('after-simulate');
  const errors = await ctx.workbench.errorNotifications();
  ctx.assert.deepStrictEqual(errors.map((n) => `${n.source}: ${n.message}`), [], `error shown after "${label(panel)}"`);
}
