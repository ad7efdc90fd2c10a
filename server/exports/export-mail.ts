/**
 * "Export & envoi par mail" (seed 000): sends an export file, and the invoice PDFs that came with
 * it, as attachments. The outcome is recorded on the exports row (mailed_to / mailed_at or
 * mail_error), so a failed mail is visible and can be sent again with `server export-mail`.
 */
import { basename, dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { TillsyncError } from '../../sync/errors.ts';
import type { Db } from '../db/database.ts';
import { appendDayLog, logEvent } from '../log-book.ts';

export interface MailSettings {
  /** smtp://host:port (or smtps://user:pass@host:465). */
  smtp: string;
  to: string[];
  from?: string;
}

export async function sendFiles(settings: MailSettings, subject: string, text: string, files: string[]): Promise<void> {
  // Loaded when a mail goes: this module is on every export's path (auto-export, platforms), and
  // nodemailer's ~60 CommonJS files cost an export that sends nothing ~25 ms of start-up.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport(settings.smtp);
  try {
    await transport.sendMail({
      from: settings.from ?? 'tillsync@localhost',
      to: settings.to.join(', '),
      subject,
      text,
      attachments: files.map((f) => ({ filename: basename(f), path: f })),
    });
  } finally {
    transport.close();
  }
}

export async function mailExport(env: { db: Db; data: string }, exportId: number, settings: MailSettings): Promise<{ sentTo: string[] }> {
  const exp = await env.db.selectFrom('exports').selectAll().where('id', '=', exportId).executeTakeFirst();
  if (!exp) throw new TillsyncError('not-found', `no export #${exportId}`, { hint: 'list them with tillsync server exports' });
  if (!settings.to.length) throw new TillsyncError('usage', 'no recipient to mail the export to', { hint: 'set exports.auto.mailTo in server.json or give --to' });
  if (!existsSync(exp.file)) throw new TillsyncError('file-missing', `export #${exportId} file ${exp.file} is gone`, { hint: 'write it again: tillsync server export-reset --export N, then export the period again' });
  const files = [exp.file];
  const pdfNames = (JSON.parse(exp.options) as { pdfs?: string[] }).pdfs ?? [];
  for (const f of pdfNames) {
    const path = join(dirname(exp.file), 'invoices', f);
    if (existsSync(path)) files.push(path);
  }
  const period = exp.date_from === exp.date_to ? exp.date_from : `${exp.date_from} au ${exp.date_to}`;
  const subject = `Export comptable ${exp.format.toUpperCase()} ${period}${exp.store ? ` — magasin ${exp.store}` : ''}`;
  const text = [
    `Export #${exp.id} (${exp.format}) du ${period}${exp.store ? `, magasin ${exp.store}` : ''}.`,
    `${exp.entry_count} écritures, ${exp.line_count} lignes ; total débit ${exp.total_debit}, total crédit ${exp.total_credit}.`,
    `Fichier : ${exp.file_name} (sha256 ${exp.sha256}).`,
    exp.pdf_count ? `${files.length - 1} factures PDF jointes.` : '',
  ].filter(Boolean).join('\n');
  try {
    await sendFiles(settings, subject, text, files);
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    await env.db.updateTable('exports').set({ mail_error: message }).where('id', '=', exportId).execute();
    await logEvent(env.db, env.data, { severity: 'error', channel: 'export', file: exp.file_name, message: `mail of export #${exportId} to ${settings.to.join(', ')} failed: ${message} (send it again with tillsync server export-mail --id ${exportId})` });
    throw new TillsyncError('mail-failed', `cannot mail export #${exportId} through ${settings.smtp.replace(/:[^:@/]*@/, ':***@')}: ${message}`, { hint: `check the SMTP server, then: tillsync server export-mail --id ${exportId}`, cause: e });
  }
  await env.db.updateTable('exports').set({ mailed_to: settings.to.join(','), mailed_at: new Date().toISOString(), mail_error: null }).where('id', '=', exportId).execute();
  appendDayLog(env.data, `EXPORT-MAIL #${exportId} ${exp.file_name} sent to ${settings.to.join(', ')}${files.length > 1 ? ` with ${files.length - 1} PDFs` : ''}`);
  return { sentTo: settings.to };
}
