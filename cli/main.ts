import { Command, CommanderError } from 'commander';

type Register = (program: Command, verb: string | undefined) => void | Promise<void>;

/**
 * The top-level commands, in the order help lists them, each with the module that defines it. A
 * command line naming one of them loads only that module (`till status` does not compile the demo,
 * the pilots, the bench and every server feature's definitions); help and unknown words load them
 * all. `verb` is the word after the group (server/cli.ts loads only the feature owning it).
 */
const GROUPS: Record<string, () => Promise<Register>> = {
  till: async () => {
    const { registerTillCommands } = await import('../client/cli.ts');
    return (p) => registerTillCommands(p.command('till').description('the till station: sell, close, extract, send, apply base files'));
  },
  server: async () => {
    const { registerServerCommands } = await import('../server/cli.ts');
    return (p, verb) => registerServerCommands(p.command('server').description('the store server: intake, integration, accounting, exports'), verb);
  },
  pilot: async () => {
    const { registerPilotCommands } = await import('../pilots/cli.ts');
    return (p) => registerPilotCommands(p.command('pilot').description('operator pilot files'));
  },
  demo: async () => (await import('./demo.ts')).registerDemoCommand,
  bench: async () => (await import('../bench/bench.ts')).registerBenchCommand,
  drill: async () => (await import('../drills/drill.ts')).registerDrillCommand,
  audit: async () => (await import('./audit-cli.ts')).registerAuditCommand,
};

/** Builds the command tree; `argv` lets it load only the group (and server feature) the command needs. */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('tillsync')
    .description('Keeps shops selling when the network fails, and gets every sale into the books.')
    .option('--json', 'machine-readable output')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  const only = Object.hasOwn(GROUPS, words[0] ?? '') ? words[0] : undefined;
  const names = only ? [only] : Object.keys(GROUPS);
  const registers = await Promise.all(names.map((n) => GROUPS[n]()));
  for (const register of registers) await register(program, only ? words[1] : undefined);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander on one line.
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    throw e;
  }
}
