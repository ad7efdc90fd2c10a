import type { Command } from 'commander';

/** `tillsync till …` (client/ owns these). */
export function registerTillCommands(_till: Command): void {}
