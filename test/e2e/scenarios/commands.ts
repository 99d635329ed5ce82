// Every command the manifest contributes (read at run time, so new commands are covered) is
// listed in the command palette under its "Category: Title" and runs without an error
// notification. The panel command must be among them.
import type { ScenarioContext } from '../context';
import { paletteCommands, paletteLabel } from '../../vscode/paths';

const PANEL_COMMAND = 'optimizerDiagnostics.simulate';

export default async function (ctx: ScenarioContext): Promise<void> {
  const commands = paletteCommands(ctx.extension.manifest);
  ctx.assert.ok(
    commands.some((c) => c.command === PANEL_COMMAND),
    `package.json contributes.commands has no "${PANEL_COMMAND}" (contributed: ${commands.map((c) => c.command).join(', ') || 'none'})`,
  );
  for (const cmd of commands) {
    const label = paletteLabel(cmd, ctx.extension.root);
    const attempt = await ctx.workbench.runCommand(label);
    ctx.log(`ran "${label}" from the palette (listed on attempt ${attempt})`);
    await ctx.page.waitForTimeout(2_000); // let it open what it opens
    await ctx.screenshot(cmd.command);
    const errors = await ctx.workbench.errorNotifications();
    ctx.assert.deepStrictEqual(errors.map((n) => n.message), [], `error notification after "${label}"`);
    await ctx.workbench.closeAllEditors();
  }
}
