import { describe, expect, it } from 'vitest';
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
    expect(autoExportConfig(config({ auto: {} }), 'auto')!.format).toBe('fec');
  });

  it('names the bad setting in one line', () => {
    expect(() => autoExportConfig(config({ auto: { format: 'sage' } }), 'auto')).toThrow(/^server.json: exports.auto.format: /);
    expect(() => autoExportConfig(config({ auto: { mailTo: ['a@x.fr'] } }), 'auto')).toThrow(/exports.auto.smtp: mailTo needs smtp/);
    expect(() => autoExportConfig(config({ nightly: { smtp: 'http://x' } }), 'nightly')).toThrow(/exports.nightly.smtp/);
  });
});
