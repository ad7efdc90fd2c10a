import type { Command } from 'commander';
import { run } from '../../cli/output.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { withServer } from '../lazy-context.ts';
import { addUser, listUsers, parseRole, setUserDisabled } from './users.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** `tillsync server user add`: back-office accounts (server/web/ owns them). */
export function registerWebCommands(server: Command): void {
  const user = server.command('user').description('back-office users');
  user
    .command('add')
    .description('create a back-office user, or set a new password for an existing one')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .requiredOption('--name <name>', 'login name')
    .option('--password <password>', 'password (visible in the process list: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--role <role>', 'admin (also the security page) or staff; default: admin for the first user, staff after, an existing user keeps theirs')
    .action(
      run<{ data: string; db?: string; name: string; password?: string; passwordStdin?: boolean; role?: string }>(async (opts) => {
        if (Boolean(opts.password) === Boolean(opts.passwordStdin)) {
          throw new TillsyncError('usage', 'give the password with exactly one of --password or --password-stdin', {
            hint: `e.g. echo 'secret-pass' | tillsync server user add --data ${opts.data} --name ${opts.name} --password-stdin`,
          });
        }
        const password = opts.passwordStdin ? await readStdin() : (opts.password as string);
        const role = opts.role === undefined ? undefined : parseRole(opts.role);
        const result = await withServer({ data: opts.data, db: opts.db }, (ctx) => addUser(ctx.db, opts.name, password, { role }));
        return { data: result, text: `${result.created ? 'created' : 'updated password of'} back-office user ${result.name} (${result.role})` };
      }),
    );
  user
    .command('list')
    .description('list back-office users with their role and state (never a password)')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .action(
      run<{ data: string; db?: string }>(async (opts) => {
        const users = await withServer({ data: opts.data, db: opts.db }, (ctx) => listUsers(ctx.db));
        return { data: { users }, text: users.length ? users.map((u) => `${u.name}\t${u.role}\t${u.disabledAt ? `disabled since ${u.disabledAt}` : 'active'}`).join('\n') : 'no back-office user yet' };
      }),
    );
  for (const verb of ['disable', 'enable'] as const) {
    user
      .command(verb)
      .description(verb === 'disable' ? 'refuse the logins of a back-office user and end their sessions (the last active admin cannot be disabled)' : 'let a disabled back-office user log in again')
      .requiredOption('--data <dir>', 'server data folder')
      .option('--db <url>', 'database URL (default: from server.json)')
      .requiredOption('--name <name>', 'login name')
      .action(
        run<{ data: string; db?: string; name: string }>(async (opts) => {
          const out = await withServer({ data: opts.data, db: opts.db }, (ctx) => setUserDisabled(ctx.db, opts.name, verb === 'disable'));
          return { data: out, text: `back-office user ${out.name} ${out.changed ? `${verb}d` : `was already ${verb}d`}` };
        }),
      );
  }
}
