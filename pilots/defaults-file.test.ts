import { describe, expect, it } from 'vitest';
import { parseDefaults, valuesFor } from './defaults-file.ts';

describe('parseDefaults', () => {
  it('reads key=value, resolves path keys against the file folder, keeps sections apart', () => {
    const text = '; implicites du serveur\nserverData=../serveur\nsmtpUrl=smtp://127.0.0.1:2525\nmailTo = a@b.example, c@d.example\n\n[reco2]\nintegrate=oui\n';
    const { data, errors } = parseDefaults(text, '/shop/pilots');
    expect(errors).toEqual([]);
    expect(data.values).toEqual({ serverData: '/shop/serveur', smtpUrl: 'smtp://127.0.0.1:2525', mailTo: 'a@b.example, c@d.example' });
    expect(data.sections).toEqual({ reco2: { integrate: 'oui' } });
    expect(valuesFor(data, 'RECO2')).toMatchObject({ serverData: '/shop/serveur', integrate: 'oui' });
    expect(valuesFor(data)).not.toHaveProperty('integrate');
  });

  it('accepts keys in any case but refuses unknown keys and lines without =, with their numbers', () => {
    const { data, errors } = parseDefaults('TILLDATA=/t\nfoo=bar\njust words\n', '/x');
    expect(data.values).toEqual({ tillData: '/t' });
    expect(errors.map((e) => e.line)).toEqual([2, 3]);
    expect(errors[0]!.message).toContain('unknown key "foo"');
  });
});
