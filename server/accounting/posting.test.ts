import { describe, expect, it } from 'vitest';
import { postDocuments } from './posting.ts';
import { renderLedger } from './ledger-text.ts';
import { doc, options, ticket } from '../../test/support/posting-fixtures.ts';
import { defaultMapping } from './default-mapping.ts';
import { InvariantLedger } from './invariants.ts';
import type { PostingOptions } from './posting.ts';
import type { PostingDocument, PostingTicket } from './ledger-types.ts';
import { unitsText } from './units.ts';

/** The posting pass, then the validate pass over what it posted: `broken` names the checks that fail. */
function post(input: { documents: PostingDocument[]; tickets: PostingTicket[] }, opts: PostingOptions) {
  const { result: r, errors } = postDocuments({ ...input, options: opts });
  const inv = new InvariantLedger(opts.mapping);
  inv.addPosting(r.postedDocuments, input.tickets, new Set(r.postedPaymentOnly), r.entries, r.adjustments);
  return { ...r, errors, broken: inv.validate().errors.map((e) => e.ref.check), text: renderLedger(r.entries, opts.mapping.rounding.decimals) };
}

describe('direct posting, seed VAT splits', () => {
  for (const [incl, net, vat] of [
    ['483.60', '403.00', '80.60'],
    ['13.46', '11.22', '2.24'],
    ['403.00', '335.83', '67.17'],
  ]) {
    it(`${incl} incl 20 % → ${net} + ${vat}`, () => {
      const d = doc('F1', incl);
      const r = post({ documents: [d], tickets: [ticket({ number: 1, doc: d, lines: [`VN ${incl}`], payments: [`CB ${incl}`] })] }, options());
      expect(r.errors).toEqual([]);
      expect(r.text).toBe(
        [
          '70 2026-11-02 F1 Ventes caisse 01 du 2026-11-02 - Client comptoir',
          `  410000/0000002 D ${incl} #F1`,
          `  707000 C ${net} VN`,
          `  445711 C ${vat} VN`,
          '30 2026-11-02 F1 Règlements caisse 01 du 2026-11-02 - Client comptoir',
          `  511000 D ${incl}`,
          `  410000/0000002 C ${incl} #F1`,
        ].join('\n'),
      );
      expect(r.settlements.map((s) => [s.kind, s.mode, s.state, unitsText(s.amount, 2), unitsText(s.open, 2)])).toEqual([['payment', 'CB', 'BPV', incl, '0.00']]);
      expect(r.broken).toEqual([]);
    });
  }
});

describe('grouping', () => {
  // Seed 003: invoices 10001432 = 159.90 and 10001433 = 200.00 (two customers on 410000/0000002).
  const a = doc('10001432', '159.90', { customer: 'COMPTOIR' });
  const b = doc('10001433', '200.00', { customer: 'PASSAGE' });
  const tickets = [
    ticket({ number: 42, doc: a, lines: ['VN 159.90'], payments: ['CB 159.90'] }),
    ticket({ number: 43, doc: b, lines: ['VN 120.00', 'VR 80.00'], payments: ['CB 200.00'] }),
  ];

  it('by account: one entry, piece *TPV<till><first ticket>, one customer line per invoice, one treasury line', () => {
    const r = post({ documents: [a, b], tickets }, options({ grouping: 'account' }));
    expect(r.text).toBe(
      [
        '70 2026-11-02 *TPV0142 Ventes caisse 01 du 2026-11-02 - compte 410000',
        '  410000/0000002 D 159.90 #*TPV0142',
        '  410000/0000002 D 200.00 #*TPV0142',
        '  707000 C 233.25 VN',
        '  707000 C 72.73 VR',
        '  445711 C 46.65 VN',
        '  445712 C 7.27 VR',
        '30 2026-11-02 *TPV0142 Règlements caisse 01 du 2026-11-02 - compte 410000',
        '  511000 D 359.90',
        '  410000/0000002 C 359.90 #*TPV0142',
      ].join('\n'),
    );
    expect(r.broken).toEqual([]);
  });

  it('by customer: one sales entry per customer, each lettered by its own number', () => {
    const r = post({ documents: [a, b], tickets }, options({ grouping: 'customer' }));
    expect(r.entries.map((e) => `${e.journal} ${e.piece}`)).toEqual(['70 10001432', '30 10001432', '70 10001433', '30 10001433']);
    expect(r.entries[3].lines.map((l) => l.letterKey)).toEqual([null, '10001433']);
    expect(r.broken).toEqual([]);
  });

  it('classic: one sales entry per document, the till payments per day and journal', () => {
    const c = doc('10001434', '30.00', { customer: 'C0000001' });
    const r = post(
      { documents: [a, b, c], tickets: [...tickets, ticket({ number: 44, doc: c, lines: ['VN 30.00'], payments: ['ESP 10.00', 'CB 20.00'] })] },
      options({ mode: 'classic' }),
    );
    expect(r.entries.map((e) => `${e.journal} ${e.piece} ${e.label}`)).toEqual([
      '70 10001432 Facture 10001432 - Client comptoir',
      '70 10001433 Facture 10001433 - Client de passage',
      '70 10001434 Facture 10001434 - Dupont Bâtiment',
      '30 TPV01-20261102 Règlements caisse 01 du 2026-11-02',
      'CA TPV01-20261102 Règlements caisse 01 du 2026-11-02',
    ]);
    expect(renderLedger([r.entries[3], r.entries[4]])).toContain('  511000 D 379.90\n  410000/0000002 C 159.90 #10001432\n  410000/0000002 C 200.00 #10001433\n  411000/C0000001 C 20.00 #10001434');
    expect(r.broken).toEqual([]);
  });
});

describe('settlements', () => {
  it('credit sale: the sales entry stays alone, a C10 receivable is open', () => {
    const d = doc('10001434', '248.69', { customer: 'C0000001' });
    const r = post({ documents: [d], tickets: [ticket({ number: 7, doc: d, lines: ['VN 248.69'], payments: ['CRED 248.69'] })] }, options());
    expect(r.entries.map((e) => e.kind)).toEqual(['sales']);
    expect(r.settlements.map((s) => [s.kind, s.mode, s.state, s.documentNumber, unitsText(s.open, 2)])).toEqual([['receivable', 'CRED', 'C10', '10001434', '248.69']]);
  });

  it('effets name the document’s customer when the back office moved a counter ticket to an account customer', () => {
    const d = doc('10001435', '70.00', { customer: 'C0000002' });
    const r = post({ documents: [d], tickets: [ticket({ number: 9, doc: d, customer: 'COMPTOIR', lines: ['VN 70.00'], payments: ['CRED 50.00', 'CB 20.00'] })] }, options());
    expect(r.settlements.map((s) => [s.mode, s.customer, s.thirdParty])).toEqual([
      ['CB', 'C0000002', 'C0000002'],
      ['CRED', 'C0000002', 'C0000002'],
    ]);
  });

  it('invoice settled at the till: credited under the invoice number, consuming its receivable', () => {
    const d = doc('10001440', '12.00', { customer: 'C0000001' });
    const r = post(
      { documents: [d], tickets: [ticket({ number: 8, doc: d, lines: ['VN 12.00'], payments: ['CB 112.69'], settlements: ['invoice 10001434 100.69'] })] },
      options(),
    );
    expect(r.text).toContain('30 2026-11-02 10001440 Règlements caisse 01 du 2026-11-02 - Dupont Bâtiment\n  511000 D 112.69\n  411000/C0000001 C 100.69 #10001434\n  411000/C0000001 C 12.00 #10001440');
    expect(r.consumptions.map((c) => [c.kind, c.ref, unitsText(c.amount, 2)])).toEqual([['receivable', '10001434', '100.69']]);
    expect(r.settlements.map((s) => [s.state, s.documentNumber, unitsText(s.amount, 2)])).toEqual([
      ['BPV', '10001434', '100.69'],
      ['BPV', '10001440', '12.00'],
    ]);
  });

  it('deposit and voucher: 419100 carries the deposit under the order number', () => {
    const d = doc('10001652', '664.00', { customer: 'C0000002' });
    const r = post(
      {
        documents: [d],
        tickets: [
          ticket({ number: 5, customer: 'C0000002', settlements: ['deposit 10001651 100.00'], payments: ['CB 100.00'] }),
          ticket({ number: 9, doc: d, lines: ['VN 664.00'], payments: ['ACP 100.00 10001651', 'CB 564.00'] }),
        ],
      },
      options(),
    );
    expect(r.errors).toEqual([]);
    expect(r.postedPaymentOnly).toEqual(['S1-01-00000005']);
    expect(r.text).toContain('30 2026-11-02 10001652 Règlements caisse 01 du 2026-11-02 - Martin & Fils\n  511000 D 664.00\n  419100/C0000002 C 100.00 #10001651\n  419100/C0000002 D 100.00 #10001651\n  411000/C0000002 C 664.00 #10001652');
    expect(r.settlements.map((s) => [s.kind, s.mode, s.state, unitsText(s.open, 2)])).toEqual([
      ['deposit', 'CB', 'APV', '100.00'],
      ['payment', 'ACP', 'APV', '0.00'],
      ['payment', 'CB', 'BPV', '0.00'],
    ]);
    expect(r.consumptions.map((c) => [c.kind, c.ref])).toEqual([['deposit', '10001651']]);
    expect(r.broken).toEqual([]);
  });

  it('credit note refunded in cash is reversed', () => {
    const d = doc('A0001', '-24.00', { kind: 'credit-note' });
    const r = post({ documents: [d], tickets: [ticket({ number: 3, doc: d, lines: ['VN -24.00'], payments: ['ESP -24.00'] })] }, options());
    expect(r.text).toBe(
      [
        '70 2026-11-02 A0001 Ventes caisse 01 du 2026-11-02 - Client comptoir',
        '  410000/0000002 C 24.00 #A0001',
        '  707000 D 20.00 VN',
        '  445711 D 4.00 VN',
        'CA 2026-11-02 A0001 Règlements caisse 01 du 2026-11-02 - Client comptoir',
        '  410000/0000002 D 24.00 #A0001',
        '  531000 C 24.00',
      ].join('\n'),
    );
    expect(r.settlements.map((s) => [s.mode, unitsText(s.amount, 2)])).toEqual([['ESP', '-24.00']]);
    expect(r.broken).toEqual([]);
  });

  it('a credit note stored positive takes its sign from its kind', () => {
    const d = doc('A0002', '24.00', { kind: 'credit-note' });
    const r = post({ documents: [d], tickets: [ticket({ number: 3, doc: d, lines: ['VN -24.00'], payments: ['ESP -24.00'] })] }, options());
    expect(r.entries[0].lines[0].amount).toBe(-240000); // a credit of 24.00
    expect(r.broken).toEqual([]);
  });

  it('delivery notes are left to the commercial side unless posting them is configured', () => {
    const d = doc('B0001', '60.00', { kind: 'delivery-note', customer: 'C0000001' });
    const t = ticket({ number: 4, doc: d, lines: ['VN 60.00'], payments: ['CB 10.00', 'CPT 50.00'] });
    const r = post({ documents: [d], tickets: [t] }, options());
    expect(r.entries.map((e) => e.kind)).toEqual(['treasury']);
    expect(r.settlements.map((s) => s.kind)).toEqual(['payment']);
    expect(r.postedDocuments.map((x) => x.number)).toEqual(['B0001']);
    const m = defaultMapping();
    m.posting.deliveryNotes = 'post';
    const r2 = post({ documents: [d], tickets: [t] }, options({ mapping: m }));
    expect(r2.entries.map((e) => e.kind)).toEqual(['sales', 'treasury']);
    expect(r2.settlements.map((s) => [s.kind, unitsText(s.open, 2)])).toEqual([
      ['payment', '0.00'],
      ['receivable', '50.00'],
    ]);
  });
});

describe('errors as data', () => {
  it('a document whose ticket does not balance is left out, the others are posted', () => {
    const good = doc('F1', '10.00');
    const bad = doc('F2', '10.00', { customer: 'C0000001' });
    const r = post(
      {
        documents: [good, bad],
        tickets: [ticket({ number: 1, doc: good, lines: ['VN 10.00'], payments: ['ESP 10.00'] }), ticket({ number: 2, doc: bad, lines: ['VN 10.00'], payments: ['ESP 9.00'] })],
      },
      options(),
    );
    expect(r.postedDocuments.map((x) => x.number)).toEqual(['F1']);
    expect(r.leftOut.map((x) => x.number)).toEqual(['F2']);
    expect(r.errors[0].message).toMatch(/document F2: ticket S1-01-00000002: payments 9.00 do not equal goods \+ settlements 10/);
    expect(r.errors[0].ref.ticket).toBe('S1-01-00000002');
  });

  it('unmapped VAT codes and payment modes name the mapping key to add', () => {
    const a = doc('F1', '10.00');
    const b = doc('F2', '10.00', { customer: 'C0000001' });
    const r = post(
      {
        documents: [a, b],
        tickets: [ticket({ number: 1, doc: a, lines: ['VX 10.00'], payments: ['ESP 10.00'] }), ticket({ number: 2, doc: b, lines: ['VN 10.00'], payments: ['BITCOIN 10.00'] })],
      },
      options(),
    );
    expect(r.errors.map((e) => e.message)).toEqual([
      'document F1: VAT code VX has no accounting mapping (add vat.VX to accounting.json)',
      'document F2: ticket S1-01-00000002: payment mode BITCOIN has no accounting mapping (add paymentModes.BITCOIN to accounting.json)',
    ]);
  });

  it('missing tickets leave the document out', () => {
    const a = doc('F1', '20.00', { tickets: 2 });
    const r = post({ documents: [a], tickets: [ticket({ number: 1, doc: a, lines: ['VN 10.00'], payments: ['ESP 10.00'] })] }, options());
    expect(r.errors[0].message).toBe('document F1: 1 of its 2 tickets found');
  });
});

describe('rounding rules', () => {
  // Lines kept at 3 decimals by the till (1.235 + 1.235 = 2.470), books at 2.
  const lines = ['VN 1.235', 'VR 1.235'];
  const run = (patch: (m: ReturnType<typeof defaultMapping>) => void) => {
    const m = defaultMapping();
    patch(m);
    const d = doc('F1', '2.470');
    return post({ documents: [d], tickets: [ticket({ number: 1, doc: d, lines, payments: ['ESP 2.47'] })] }, options({ mapping: m }));
  };

  it('per line, difference on the difference accounts (loss 658)', () => {
    const r = run(() => {});
    // 1.235 → 1.24 = 1.03 + 0.21 ; 1.235 → 1.24 = 1.13 + 0.11 ; Σ 2.48 against 2.47: one cent too much credited.
    expect(r.text.split('\n').slice(0, 6)).toEqual([
      '70 2026-11-02 F1 Ventes caisse 01 du 2026-11-02 - Client comptoir',
      '  410000/0000002 D 2.47 #F1',
      '  707000 C 1.03 VN',
      '  707000 C 1.13 VR',
      '  445711 C 0.21 VN',
      '  445712 C 0.11 VR',
    ]);
    expect(r.text).toContain('  658000 D 0.01');
    expect(r.adjustments.map((a) => [a.placement, a.amount.toFixed(2)])).toEqual([['accounts', '-0.01']]);
    expect(r.broken).toEqual([]);
  });

  it('difference onto the first line', () => {
    const r = run((m) => (m.rounding.difference = 'first-line'));
    expect(r.text).toContain('  707000 C 1.02 VN');
    expect(r.text).not.toContain('658000');
    expect(r.broken).toEqual([]);
  });

  it('difference onto the first tax', () => {
    const r = run((m) => (m.rounding.difference = 'first-tax'));
    expect(r.text).toContain('  445711 C 0.20 VN');
    expect(r.broken).toEqual([]);
  });

  it('a gain goes to 758', () => {
    // 1.004 + 1.003 + 1.003 = 3.010; per line 1.00 + 1.00 + 1.00 = 3.00: one cent short.
    const d = doc('F1', '3.010');
    const r = post({ documents: [d], tickets: [ticket({ number: 1, doc: d, lines: ['VN 1.004', 'VN 1.003', 'VR 1.003'], payments: ['ESP 3.01'] })] }, options());
    expect(r.text).toContain('  758000 C 0.01');
    expect(r.adjustments.map((a) => [a.placement, a.amount.toFixed(2)])).toEqual([['accounts', '0.01']]);
    expect(r.broken).toEqual([]);
  });

  it('VAT on the total per rate', () => {
    const m = defaultMapping();
    m.rounding.vatOn = 'total';
    const d = doc('F1', '2.470');
    const r = post({ documents: [d], tickets: [ticket({ number: 1, doc: d, lines: ['VN 1.235', 'VN 1.235'], payments: ['ESP 2.47'] })] }, options({ mapping: m }));
    // per line it would be 2 × (1.03 + 0.21) = 2.48; on the total 2.47 → 2.06 + 0.41, no difference.
    expect(r.text).toContain('  707000 C 2.06 VN\n  445711 C 0.41 VN');
    expect(r.adjustments).toEqual([]);
    expect(r.broken).toEqual([]);
  });

  it('the three rounding modes differ by a cent on the same lines (seed 002: per product / per line / per total)', () => {
    // 3 × 1.03 + 1 × 1.04 at 5.5 % = 4.13. Per product: 3 × round(1.03 / 1.055) + round(1.04 / 1.055) =
    // 3 × 0.98 + 0.99 = 3.93; per line: round(3.09 / 1.055) + 0.99 = 2.93 + 0.99 = 3.92; on the total: round(4.13 / 1.055) = 3.91.
    const posted = (vatOn: 'product' | 'line' | 'total') => {
      const m = defaultMapping();
      m.rounding.vatOn = vatOn;
      const d = doc('F1', '4.13');
      const r = post({ documents: [d], tickets: [ticket({ number: 1, doc: d, lines: ['VS 3.09 3x1.03', 'VS 1.04 1x1.04'], payments: ['ESP 4.13'] })] }, options({ mapping: m }));
      expect(r.broken).toEqual([]);
      expect(r.adjustments).toEqual([]);
      return r.text;
    };
    expect(posted('product')).toContain('  707000 C 3.93 VS\n  445713 C 0.20 VS');
    expect(posted('line')).toContain('  707000 C 3.92 VS\n  445713 C 0.21 VS');
    expect(posted('total')).toContain('  707000 C 3.91 VS\n  445713 C 0.22 VS');
  });

  it('per product, a weighed quantity leaves a cent that goes to the difference accounts or onto the first line', () => {
    // 0.125 kg × 12.99 = 1.62375 → 1.62 paid. The unit 12.99 = 12.31 + 0.68 at 5.5 %; × 0.125: net 1.53875 → 1.54,
    // VAT 0.085 → 0.09: 1.63, a cent more than the customer paid — a loss on 658, or taken off the first sales line.
    const m = defaultMapping();
    m.rounding.vatOn = 'product';
    const d = doc('F1', '1.62');
    const r = post({ documents: [d], tickets: [ticket({ number: 1, doc: d, lines: ['VS 1.62 0.125x12.99'], payments: ['ESP 1.62'] })] }, options({ mapping: m }));
    expect(r.text).toContain('  707000 C 1.54 VS\n  445713 C 0.09 VS');
    expect(r.text).toContain('  658000 D 0.01');
    expect(r.adjustments.map((a) => [a.placement, a.amount.toFixed(2)])).toEqual([['accounts', '-0.01']]);
    expect(r.broken).toEqual([]);
    m.rounding.difference = 'first-line';
    const first = post({ documents: [d], tickets: [ticket({ number: 1, doc: d, lines: ['VS 1.62 0.125x12.99'], payments: ['ESP 1.62'] })] }, options({ mapping: m }));
    expect(first.text).toContain('  707000 C 1.53 VS\n  445713 C 0.09 VS');
    expect(first.broken).toEqual([]);
  });

  it('3 and 4 decimals keep the lines exact', () => {
    for (const decimals of [3, 4] as const) {
      const m = defaultMapping();
      m.rounding.decimals = decimals;
      const d = doc('F1', '2.470');
      const r = post({ documents: [d], tickets: [ticket({ number: 1, doc: d, lines, payments: ['ESP 2.470'] })] }, options({ mapping: m }));
      expect(r.adjustments).toEqual([]);
      expect(r.text).toContain(decimals === 3 ? '  707000 C 1.029 VN' : '  707000 C 1.0292 VN');
      expect(r.broken).toEqual([]);
    }
  });

  it('money with more decimals than the books is refused', () => {
    const d = doc('F1', '2.475');
    const r = post({ documents: [d], tickets: [ticket({ number: 1, doc: d, lines: ['VN 2.475'], payments: ['ESP 2.475'] })] }, options());
    expect(r.errors[0].message).toMatch(/amount 2.475 has more decimals than the books keep \(2\)/);
  });
});

describe('invariants', () => {
  it('catch a deliberately broken entry', () => {
    const d = doc('F1', '483.60');
    const input = { documents: [d], tickets: [ticket({ number: 1, doc: d, lines: ['VN 483.60'], payments: ['CB 483.60'] })] };
    const { result: r } = postDocuments({ ...input, options: options() });
    r.entries[0].lines[2].amount = -805000; // VAT line tampered: credit 80.50 instead of 80.60
    const inv = new InvariantLedger(defaultMapping());
    inv.addPosting(r.postedDocuments, input.tickets, new Set(), r.entries, r.adjustments);
    const broken = inv.validate().errors.map((e) => e.ref.check);
    expect(broken).toEqual(['entries balance', 'VAT per code = Σ line VAT']);
  });

  it('catch a customer line that does not match its document', () => {
    const d = doc('F1', '483.60');
    const input = { documents: [d], tickets: [ticket({ number: 1, doc: d, lines: ['VN 483.60'], payments: ['CB 483.60'] })] };
    const { result: r } = postDocuments({ ...input, options: options() });
    r.entries[0].lines[0].amount = 4030000; // debit 403.00 instead of 483.60
    r.entries[0].lines.splice(2, 1); // still balanced: 403 = 403
    const inv = new InvariantLedger(defaultMapping());
    inv.addPosting(r.postedDocuments, input.tickets, new Set(), r.entries, r.adjustments);
    expect(inv.validate().errors.map((e) => e.ref.check)).toEqual(['tickets = documents = customer debits', 'VAT per code = Σ line VAT']);
  });
});
