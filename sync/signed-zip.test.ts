import { createHash } from 'node:crypto';
import AdmZip from 'adm-zip';
import { describe, expect, it } from 'vitest';
import { TillsyncError } from './errors.ts';
import { rawZip, type RawEntry } from './raw-zip.ts';
import { PackageError, readSignedZip, signManifest, writeSignedZip, type PackageErrorReason, type ReadSignedZipOptions } from './signed-zip.ts';

const FILE = 'TicDeg01_20261124093000.zip';
const SECRET = 'till-secret-01';

function opts(over: Partial<ReadSignedZipOptions> = {}): ReadSignedZipOptions {
  return {
    allowedEntries: ['data.txt', 'more.bin'],
    maxEntryBytes: 1024 * 1024,
    maxRatio: 100,
    secretFor: (m) => (m.till === '01' ? SECRET : undefined),
    ...over,
  };
}

function good(entries = [{ name: 'data.txt', data: Buffer.from('hello tickets\n') }]): Buffer {
  return writeSignedZip({ header: { store: 'S1', till: '01', format: 'test', version: 1 }, entries, secret: SECRET });
}

function refusal(fn: () => unknown): PackageError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PackageError);
    expect(e).toBeInstanceOf(TillsyncError);
    const pe = e as PackageError;
    expect(pe.ref.file).toBe(FILE);
    expect(pe.message.startsWith(`${FILE}: `)).toBe(true);
    expect(pe.message).not.toMatch(/\n/);
    expect(pe.hint).toBeTruthy();
    return pe;
  }
  throw new Error('expected the package to be refused');
}

function expectReason(fn: () => unknown, reason: PackageErrorReason, fragment?: RegExp): PackageError {
  const e = refusal(fn);
  expect(e.reason).toBe(reason);
  expect(e.code).toBe(`package-${reason}`);
  if (fragment) expect(e.message).toMatch(fragment);
  return e;
}


/** A correctly signed manifest for `entries`, as a raw entry. */
function signedManifestEntry(entries: { name: string; data: Buffer }[], secret = SECRET, header: Record<string, unknown> = { store: 'S1', till: '01' }): RawEntry {
  const manifest: Record<string, unknown> = {
    ...header,
    entries: entries.map((e) => ({ name: e.name, size: e.data.length, sha256: createHash('sha256').update(e.data).digest('hex') })),
  };
  manifest.signature = signManifest(manifest, secret);
  return { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) };
}

describe('writeSignedZip / readSignedZip', () => {
  it('round-trips entries and a signed manifest listing size and sha256 of each', () => {
    const data = Buffer.from('line 1\nline 2\n');
    const bin = Buffer.from([0, 1, 2, 255]);
    const bytes = good([{ name: 'data.txt', data }, { name: 'more.bin', data: bin }]);
    const { manifest, entries } = readSignedZip(bytes, FILE, opts());
    expect(manifest.store).toBe('S1');
    expect(manifest.entries).toEqual([
      { name: 'data.txt', size: data.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      { name: 'more.bin', size: 4, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    expect(manifest.signature).toBe(signManifest(manifest, SECRET));
    expect(entries.get('data.txt')!.equals(data)).toBe(true);
    expect(entries.get('more.bin')!.equals(bin)).toBe(true);
    // A plain unzip tool sees the same: manifest.json plus the entries, deflated.
    const plain = new AdmZip(bytes);
    expect(plain.getEntries().map((e) => e.entryName).sort()).toEqual(['data.txt', 'manifest.json', 'more.bin']);
    expect(plain.getEntries().every((e) => e.header.method === 8)).toBe(true);
  });

  it('refuses to write hostile, reserved or duplicated entry names', () => {
    expect(() => good([{ name: '../x', data: Buffer.from('x') }])).toThrow(/path traversal/);
    expect(() => good([{ name: 'manifest.json', data: Buffer.from('x') }])).toThrow(/reserved/);
    expect(() => writeSignedZip({ header: {}, entries: [], secret: '' })).toThrow(/without a key/);
  });
});

describe('readSignedZip refuses hostile or damaged packages with the right reason', () => {
  const data = Buffer.from('tickets\n');
  const honest = { name: 'data.txt', data };

  it('not a zip at all', () => {
    expectReason(() => readSignedZip(Buffer.from('{"hello": "world"} this is not a zip file'), FILE, opts()), 'zip-corrupt', /not a zip file/);
    expectReason(() => readSignedZip(Buffer.alloc(0), FILE, opts()), 'zip-corrupt');
  });

  it('truncated file (copy interrupted)', () => {
    const bytes = good();
    expectReason(() => readSignedZip(bytes.subarray(0, Math.floor(bytes.length / 2)), FILE, opts()), 'zip-corrupt');
    expectReason(() => readSignedZip(bytes.subarray(0, bytes.length - 5), FILE, opts()), 'zip-corrupt');
  });

  it('damaged compressed data (a flipped byte inside an entry)', () => {
    const big = Buffer.from(Array.from({ length: 300 }, (_, i) => createHash('sha256').update(String(i)).digest('hex')).join('\n'));
    const bytes = good([{ name: 'data.txt', data: big }]);
    const at = bytes.indexOf(Buffer.from('data.txt')) + 'data.txt'.length + 10; // inside data.txt's deflate stream
    const broken = Buffer.from(bytes);
    broken[at] ^= 0xff;
    expectReason(() => readSignedZip(broken, FILE, opts()), 'zip-corrupt', /data\.txt/);
  });

  it.each([
    ['../../etc/passwd', /entry \.\.\/\.\.\/etc\/passwd escapes the package \(path traversal\)/],
    ['/etc/cron.d/evil', /absolute path/],
    ['..\\..\\windows\\evil.bat', /backslash/],
    ['C:/Windows/evil.bat', /drive letter/],
    ['data/../../x', /path traversal/],
  ])('zip-slip entry %s', (name, fragment) => {
    const bytes = rawZip([signedManifestEntry([honest]), honest, { name, data: Buffer.from('pwned') }]);
    const e = expectReason(() => readSignedZip(bytes, FILE, opts()), 'path-traversal', fragment);
    expect(e.ref.entry).toBe(name);
  });

  it('the path-traversal message is one line even with control characters in the name', () => {
    const bytes = rawZip([signedManifestEntry([honest]), honest, { name: '../evil\nname', data: Buffer.from('x') }]);
    expectReason(() => readSignedZip(bytes, FILE, opts()), 'path-traversal', /\.\.\/evil\\x0aname/);
  });

  it('central directory bomb: thousands of entries refused before they are parsed', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ name: `f${i}`, data: Buffer.alloc(0), method: 0 as const }));
    expectReason(() => readSignedZip(rawZip([signedManifestEntry([honest]), honest, ...many]), FILE, opts()), 'unexpected-entry', /declares 5002 entries \(at most 1000 expected\)/);
  });

  it('unexpected extra entry added to a signed package', () => {
    const zip = new AdmZip(good());
    zip.addFile('autorun.sh', Buffer.from('#!/bin/sh\n'));
    expectReason(() => readSignedZip(zip.toBuffer(), FILE, opts()), 'unexpected-entry', /unexpected entry autorun\.sh/);
  });

  it('allowed entry present but not listed in the signed manifest', () => {
    const bytes = rawZip([signedManifestEntry([honest]), honest, { name: 'more.bin', data: Buffer.from('x') }]);
    expectReason(() => readSignedZip(bytes, FILE, opts()), 'unexpected-entry', /more\.bin is not listed/);
  });

  it('duplicated entry (two different data.txt)', () => {
    const bytes = rawZip([signedManifestEntry([honest]), honest, { name: 'data.txt', data: Buffer.from('other') }]);
    expectReason(() => readSignedZip(bytes, FILE, opts()), 'unexpected-entry', /twice/);
  });

  it('zip bomb: compression ratio over the cap, refused from the headers', () => {
    const zeros = Buffer.alloc(5 * 1024 * 1024);
    const bytes = good([{ name: 'data.txt', data: zeros }]);
    expectReason(() => readSignedZip(bytes, FILE, opts({ maxEntryBytes: 64 * 1024 * 1024 })), 'compression-ratio', /data\.txt declares a compression ratio of \d+:1, over the 100:1 cap/);
  });

  it('zip bomb: declared uncompressed size over the cap', () => {
    const bytes = rawZip([signedManifestEntry([honest]), { name: 'data.txt', data, declaredSize: 300 * 1024 * 1024 }]);
    expectReason(() => readSignedZip(bytes, FILE, opts({ maxRatio: 1e9 })), 'too-large', /declares 314572800 bytes uncompressed, over the 1048576-byte cap/);
  });

  it('zip bomb with lying headers: small declared size, huge real data → stopped by the inflate cap', () => {
    const zeros = Buffer.alloc(8 * 1024 * 1024);
    // Declares 2,000 bytes: within the ratio cap for its ~8 KB of deflate; inflating would give 8 MiB.
    const bytes = rawZip([signedManifestEntry([honest]), { name: 'data.txt', data: zeros, declaredSize: 2000 }]);
    expectReason(() => readSignedZip(bytes, FILE, opts()), 'compression-ratio', /inflates past/);
    expectReason(() => readSignedZip(bytes, FILE, opts({ maxRatio: 1e9, maxEntryBytes: 4096 })), 'too-large', /inflates past the 4096-byte cap/);
  });

  it('stored (uncompressed) entry whose size lies', () => {
    const bytes = rawZip([signedManifestEntry([honest]), { name: 'data.txt', data, method: 0, declaredSize: data.length + 3 }]);
    expectReason(() => readSignedZip(bytes, FILE, opts()), 'zip-corrupt', /header says/);
  });

  it('missing manifest, or a manifest that is not JSON', () => {
    expectReason(() => readSignedZip(rawZip([honest]), FILE, opts()), 'manifest', /no manifest\.json/);
    expectReason(() => readSignedZip(rawZip([{ name: 'manifest.json', data: Buffer.from('{not json') }, honest]), FILE, opts()), 'manifest', /not valid JSON/);
    expectReason(() => readSignedZip(rawZip([{ name: 'manifest.json', data: Buffer.from('[1,2]') }, honest]), FILE, opts()), 'manifest', /not a JSON object/);
  });

  it('tampered entry: data changed after signing', () => {
    const tampered = { name: 'data.txt', data: Buffer.from('TICKETS\n') }; // same size, other bytes
    const bytes = rawZip([signedManifestEntry([honest]), tampered]);
    expectReason(() => readSignedZip(bytes, FILE, opts()), 'checksum', /data\.txt does not match its checksum/);
  });

  it('entry listed in the manifest but missing from the zip', () => {
    const bytes = rawZip([signedManifestEntry([honest, { name: 'more.bin', data: Buffer.from('x') }]), honest]);
    expectReason(() => readSignedZip(bytes, FILE, opts()), 'checksum', /more\.bin is listed in the manifest but missing/);
  });

  it('re-signed with another secret', () => {
    const bytes = rawZip([signedManifestEntry([honest], 'attacker-secret'), honest]);
    expectReason(() => readSignedZip(bytes, FILE, opts()), 'signature', /signature does not match/);
  });

  it('manifest modified after signing (entry checksum rewritten to match tampered data)', () => {
    const m = JSON.parse(signedManifestEntry([honest]).data.toString());
    m.store = 'S2';
    const bytes = rawZip([{ name: 'manifest.json', data: Buffer.from(JSON.stringify(m)) }, honest]);
    expectReason(() => readSignedZip(bytes, FILE, opts()), 'signature');
    const unsigned = { ...m };
    delete unsigned.signature;
    expectReason(() => readSignedZip(rawZip([{ name: 'manifest.json', data: Buffer.from(JSON.stringify(unsigned)) }, honest]), FILE, opts()), 'signature', /no valid signature/);
  });

  it('signer unknown to the reader', () => {
    const bytes = rawZip([signedManifestEntry([honest], SECRET, { store: 'S1', till: '07' }), honest]);
    expectReason(() => readSignedZip(bytes, FILE, opts()), 'unknown-till', /S1 till 07/);
  });

  it('checkHeader runs before the signer is looked up (format version)', () => {
    let asked = false;
    const e = expectReason(
      () =>
        readSignedZip(good(), FILE, {
          ...opts(),
          secretFor: () => {
            asked = true;
            return SECRET;
          },
          checkHeader: (m) => {
            if (m.version !== 2) throw new PackageError('format-version', FILE, `format version ${m.version} is not supported`);
          },
        }),
      'format-version',
    );
    expect(e.status).toBe(422);
    expect(asked).toBe(false);
  });
});
