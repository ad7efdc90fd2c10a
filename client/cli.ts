import type { Command } from 'commander';
import { registerApplyBaseCommand } from './apply-base-cli.ts';

/** `tillsync till …` (client/ owns these). */
export function registerTillCommands(till: Command): void {
  registerApplyBaseCommand(till);
}
