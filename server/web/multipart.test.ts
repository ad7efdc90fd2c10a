import { describe, expect, it } from 'vitest';
import { parseMultipart } from './multipart.ts';

/** A body as a browser sends it (Chromium's boundary style), binary file bytes included. */
function body(boundary: string, parts: { name: string; filename?: string; data: Buffer | string }[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"\r\nContent-Type: application/octet-stream` : ''}\r\n\r\n`));
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

describe('multipart form bodies', () => {
  const b = '----WebKitFormBoundaryx7Gq2LmA9';
  it('gives the text fields (repeated ones as a list) and the file bytes unchanged', () => {
    const xlsx = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x0d, 0x0a, 0x2d, 0x2d, 0x00, 0xff]); // CRLF and "--" inside the file
    const out = parseMultipart(body(b, [{ name: '_csrf', data: 'tok' }, { name: 'source', data: 'fnac' }, { name: 'line', data: 'A!2' }, { name: 'line', data: 'A!3' }, { name: 'report', filename: 'C:\\Users\\shop\\commandes-terminées.xlsx', data: xlsx }]), b);
    expect(out.fields).toEqual({ _csrf: 'tok', source: 'fnac', line: ['A!2', 'A!3'] });
    expect(out.files).toHaveLength(1);
    expect(out.files[0].field).toBe('report');
    expect(out.files[0].filename).toBe('commandes-terminées.xlsx');
    expect(out.files[0].data.equals(xlsx)).toBe(true);
  });

  it('refuses a body that is not multipart or is cut short', () => {
    expect(() => parseMultipart(Buffer.from('name=value'), b)).toThrow('form upload without its boundary');
    const whole = body(b, [{ name: 'report', filename: 'x.csv', data: 'order;date\n' }]);
    expect(() => parseMultipart(whole.subarray(0, whole.length - 30), b)).toThrow('form upload cut short');
  });
});
