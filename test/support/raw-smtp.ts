/**
 * SMTP spoken by hand, for tests and drills that must send what no mail library would: no SIZE
 * declared, a body of any size streamed line by line.
 */
import { createConnection } from 'node:net';

/** SMTP by hand, not declaring SIZE, with `bytes` of body: the server's last reply line. */
export function rawSmtpMail(port: number, from: string, to: string, bytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    const steps = ['EHLO junk.example\r\n', `MAIL FROM:<${from}>\r\n`, `RCPT TO:<${to}>\r\n`, 'DATA\r\n'];
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\r\n').filter(Boolean);
      const last = lines[lines.length - 1] ?? '';
      if (!/^\d{3} /.test(last)) return;
      buf = '';
      if (last.startsWith('354')) {
        const line = 'J'.repeat(998) + '\r\n';
        sock.write(`From: <${from}>\r\nTo: <${to}>\r\nSubject: junk\r\n\r\n`);
        let sent = 0;
        const pump = () => {
          while (sent < bytes) {
            sent += line.length;
            if (!sock.write(line)) return void sock.once('drain', pump);
          }
          sock.write('.\r\n');
        };
        pump();
        return;
      }
      const next = steps.shift();
      if (next && /^2\d\d /.test(last)) sock.write(next);
      else {
        sock.end('QUIT\r\n');
        resolve(last);
      }
    });
    sock.on('error', reject);
  });
}
