import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addProfile } from './profiles/profile-store.ts';
import { defaultConfig } from '../context.ts';
import { autoExportConfig, recipients, requestOf } from './auto-export.ts';

const config = (exports: unknown) => ({ ...defaultConfig('/srv/shop'), exports });

describe('automatic export configuration', () => {
  it('is absent unless configured', () => {
    expect(autoExportConfig(defaultConfig('/srv/shop'), 'auto')).toBeNull();
    expect(autoExportConfig(config({ nightly: { format: 'csv' } }), 'auto')).toBeNull();
  });

  it('reads format, folder and mail settings; a relative folder is under the data folder', () => {
    const c = autoExportConfig(config({ auto: { format: 'exact', out: 'exports/exact', mailTo: 'a@x.fr, b@x.fr', smtp: 'smtp://127.0.0.1:2525' } }), 'auto')!;
    expect(recipients(c)).toEqual(['a@x.fr', 'b@x.fr']);
    const r = requestOf(c, '/srv/shop', { from: '2026-11-02', to: '2026-11-02', store: null }, 'closure');
    expect(r).toMatchObject({ format: 'exact', out: '/srv/shop/exports/exact', trigger: 'closure' });
    // No format and no profile: the FEC.
    expect(requestOf(autoExportConfig(config({ auto: {} }), 'auto')!, '/srv/shop', { from: '2026-11-02', to: '2026-11-02' }, 'closure').format).toBe('fec');
  });

  it('names the bad setting in one line', () => {
    expect(() => autoExportConfig(config({ auto: { format: 'xls' } }), 'auto')).toThrow(/^server.json: exports.auto.format: /);
    expect(() => autoExportConfig(config({ auto: { profile: '../x' } }), 'auto')).toThrow(/^server.json: exports.auto.profile: a profile name/);
    expect(() => autoExportConfig(config({ auto: { mailTo: ['a@x.fr'] } }), 'auto')).toThrow(/exports.auto.smtp: mailTo needs smtp/);
    expect(() => autoExportConfig(config({ nightly: { smtp: 'http://x' } }), 'nightly')).toThrow(/exports.nightly.smtp/);
  });

  it("exports through the profile it names: the profile's format and options, unless the block contradicts it", () => {
    const data = mkdtempSync(join(tmpdir(), 'tillsync-auto-profile-'));
    try {
      addProfile(data, 'cabinet', { version: 1, format: 'csv', options: { decimalComma: false } });
      const r = requestOf(autoExportConfig(config({ nightly: { profile: 'cabinet' } }), 'nightly')!, data, { from: '2026-11-01', to: '2026-11-02' }, 'nightly');
      expect(r).toMatchObject({ format: 'csv', decimalComma: false, profile: { name: 'cabinet' } });
      expect(() => requestOf(autoExportConfig(config({ nightly: { profile: 'cabinet', format: 'fec' } }), 'nightly')!, data, { from: '2026-11-01', to: '2026-11-02' }, 'nightly')).toThrow(/contradicts profile cabinet/);
      expect(() => requestOf(autoExportConfig(config({ nightly: { profile: 'gone' } }), 'nightly')!, data, { from: '2026-11-01', to: '2026-11-02' }, 'nightly')).toThrow(/no export profile "gone"/);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
