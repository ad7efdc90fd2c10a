/**
 * `tillsync till archive|training|journal|receipt|cancel` — the cash-register law's till commands
 * (`till close --period` lives with `till close` in client/cli.ts). Each forwards to the running
 * till when there is one, else opens the store itself, like every till command.
 */
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { run } from '../cli/output.ts';
import { TillsyncError } from '../sync/errors.ts';
import type { JetEvent } from '../sync/jet.ts';
import { forwardToTill, requireData, viaTill } from './open-till.ts';
import { ticketText } from './render.ts';
import type { FlaggedTicket } from './store/till-store.ts';

export function registerFiscalCommands(till: Command): void {
  till
    .command('archive')
    .description('write the signed fiscal archive of the till (tickets, closures, journal, public key) that tillsync audit verify checks')
    .requiredOption('--data <dir>', 'till folder')
    .option('--period <period>', 'all (default), a year YYYY or a month YYYY-MM', 'all')
    .option('--out <dir>', 'folder to write the archive into (default DATA/archives)')
    .action(
      run(async (opts) => {
        const data = requireData(opts.data);
        const body = { period: opts.period, out: opts.out ? resolve(opts.out) : undefined };
        const r = await viaTill<any>(data, 'till archive', (lock) => forwardToTill(lock, 'POST', '/archive', body), async (svc) => (await import('./till-archive.ts')).writeTillArchive(svc, body));
        const m = r.manifest;
        return { data: r, text: `archive ${r.path} (${r.bytes} bytes): ${Object.values(m?.tickets ?? {}).reduce((n: number, t: any) => n + t.count, 0)} tickets, ${m ? m.closures.day + m.closures.month + m.closures.year : 0} closures, ${Object.values(m?.journal ?? {}).reduce((n: number, j: any) => n + j.count, 0)} journal events, signed by key ${m?.signedBy.fingerprint}` };
      }),
    );

  till
    .command('training')
    .description('switch training mode on or off: training tickets are numbered apart and never reach closures, packages or the books')
    .argument('<state>', 'on | off')
    .requiredOption('--data <dir>', 'till folder')
    .option('--cashier <name>', 'who switches it')
    .action(
      run(async (opts, _ctx, args) => {
        const data = requireData(opts.data);
        if (args[0] !== 'on' && args[0] !== 'off') throw new TillsyncError('usage', `till training takes on or off, not "${args[0]}"`);
        const body = { on: args[0] === 'on', cashier: opts.cashier };
        const r = await viaTill<{ training: boolean; changed: boolean }>(data, 'till training', (lock) => forwardToTill(lock, 'POST', '/training', body), async (svc) => (await import('./training.ts')).setTraining(svc, body.on, body.cashier));
        return { data: r, text: `training mode ${r.training ? 'ON: tickets are numbered F…, marked and kept out of the books' : 'off'}${r.changed ? '' : ' (unchanged)'}` };
      }),
    );

  till
    .command('journal')
    .description('the technical-event journal (JET): signed, chained events, newest first')
    .requiredOption('--data <dir>', 'till folder')
    .option('--limit <n>', 'how many events', (v) => Number(v), 50)
    .action(
      run(async (opts) => {
        const data = requireData(opts.data);
        const r = await viaTill<{ events: JetEvent[] }>(data, 'till journal', (lock) => forwardToTill(lock, 'GET', `/journal?limit=${opts.limit}`), async (svc) => ({ events: (await svc.store.journal()).slice(-opts.limit).reverse() }));
        return { data: r, text: r.events.map((e) => `${e.id}  ${e.at}  ${e.type.padEnd(16)} ${JSON.stringify(e.data)}`).join('\n') || 'no journal events yet' };
      }),
    );

  till
    .command('receipt')
    .description('the customer receipt of a ticket (text for ESC/POS, html, pdf); --reprint prints a counted DUPLICATA; --mail sends the digital receipt')
    .argument('<ticket>', 'ticket id or number (S1-01-00000042, 42, or S1-01-F00000001 in training)')
    .requiredOption('--data <dir>', 'till folder')
    .option('--format <format>', 'text | html | pdf', 'text')
    .option('--reprint', 'a duplicate: counted, journalled, marked DUPLICATA')
    .option('--out <file>', 'write the receipt to this file (needed for pdf)')
    .option('--mail <address>', 'send the digital receipt (HTML + PDF) to this address instead')
    .option('--smtp <url>', 'mail server for --mail, e.g. smtp://127.0.0.1:2525')
    .action(
      run(async (opts, _ctx, args) => {
        const data = requireData(opts.data);
        if (opts.mail) {
          if (!opts.smtp) throw new TillsyncError('usage', '--mail needs --smtp URL');
          const body = { ticket: args[0], to: opts.mail, smtp: opts.smtp };
          const r = await viaTill<any>(data, 'till receipt', (lock) => forwardToTill(lock, 'POST', '/receipt/mail', body), async (svc) => (await import('./receipt-service.ts')).mailReceipt(svc, body.ticket, body.to, body.smtp));
          return { data: r, text: `receipt of ${r.ticket} sent to ${r.to}` };
        }
        if (opts.format === 'pdf' && !opts.out) throw new TillsyncError('usage', 'a pdf receipt needs --out FILE');
        const body = { ticket: args[0], format: opts.format, reprint: Boolean(opts.reprint) };
        const r = await viaTill<any>(data, 'till receipt', (lock) => forwardToTill(lock, 'POST', '/receipt', body), async (svc) => (await import('./fiscal-api.ts')).receiptJson(svc, body.ticket, body));
        if (opts.out) {
          writeFileSync(resolve(opts.out), Buffer.from(r.body, r.encoding));
          return { data: { ticket: r.ticket, duplicate: r.duplicate, file: resolve(opts.out) }, text: `receipt of ${r.ticket}${r.duplicate ? ` (DUPLICATA n° ${r.duplicate})` : ''} written to ${resolve(opts.out)}` };
        }
        return { data: r, text: r.body };
      }),
    );

  till
    .command('cancel')
    .description('cancel a sold ticket by a new negative ticket that references it (nothing is ever deleted)')
    .argument('<ticket>', 'ticket id or number')
    .requiredOption('--data <dir>', 'till folder')
    .option('--cashier <name>', 'who cancels it')
    .action(
      run(async (opts, _ctx, args) => {
        const data = requireData(opts.data);
        const body = { ticket: args[0], cashier: opts.cashier };
        const t = await viaTill<FlaggedTicket>(data, 'till cancel', (lock) => forwardToTill(lock, 'POST', '/cancel', body), async (svc) => (await import('./cancel-ticket.ts')).cancelTicket(svc, body.ticket, body.cashier));
        return { data: t, text: ticketText(t) };
      }),
    );
}
