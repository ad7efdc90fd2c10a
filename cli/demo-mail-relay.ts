/**
 * The demo's stand-in for the shop's mail provider: mail is store-and-forward, so a till can mail
 * its package while the store server is away; the relay keeps each message and hands it to the
 * server's SMTP listener once the server is back. A real SMTP server (smtp-server) on loopback,
 * forwarding the raw message unchanged with nodemailer.
 */
import { SMTPServer } from 'smtp-server';
import nodemailer from 'nodemailer';
import type { AddressInfo } from 'node:net';

interface Held {
  from: string;
  to: string[];
  raw: Buffer;
}

export class MailRelay {
  private held: Held[] = [];
  private server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        this.held.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
        callback();
      });
    },
  });

  port = 0;

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this.port;
  }

  get waiting(): number {
    return this.held.length;
  }

  /** Delivers every held message to the SMTP server on `port`; returns how many went. */
  async flush(port: number): Promise<number> {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    let sent = 0;
    while (this.held.length) {
      const m = this.held[0];
      await transport.sendMail({ envelope: { from: m.from, to: m.to }, raw: m.raw });
      this.held.shift();
      sent++;
    }
    transport.close();
    return sent;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
