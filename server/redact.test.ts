import { describe, expect, it } from 'vitest';
import { redactPaths } from './redact.ts';

describe('redactPaths', () => {
  it('keeps file names, drops the folders above them', () => {
    expect(redactPaths('cannot read /srv/shop/data/inbox/TicDeg01_20260101120000.zip: EACCES')).toBe('cannot read …/TicDeg01_20260101120000.zip: EACCES');
    expect(redactPaths("ENOENT: no such file or directory, open '/home/caisse/tillsync/server/web/x.ts'")).toBe("ENOENT: no such file or directory, open '…/x.ts'");
    expect(redactPaths('no store server in /tmp/abc/ (run init)')).toBe('no store server in …/ (run init)');
    expect(redactPaths('at C:\\Users\\shop\\data\\server.json')).toBe('at …\\server.json');
  });

  it('leaves URLs and this server\'s own routes alone', () => {
    expect(redactPaths('no such endpoint: POST /api/till/foo')).toBe('no such endpoint: POST /api/till/foo');
    expect(redactPaths('see http://127.0.0.1:8480/bo/log and /bo/login')).toBe('see http://127.0.0.1:8480/bo/log and /bo/login');
    expect(redactPaths('3 tickets of S1-01 (1–3)')).toBe('3 tickets of S1-01 (1–3)');
  });
});
