import { describe, expect, it } from 'vitest';
import type { ContactFields } from '../api/types.ts';
import { contact } from '../test-support/fixtures.ts';
import { exportMicroSipCsv, exportVCards, parseMicroSipCsv, parseVCards, planImport } from './contacts-io.ts';

const people: ContactFields[] = [
  { name: 'Alice Martin', favorite: true, numbers: [{ label: 'mobile', number: '+55 48 4567-8901' }, { label: 'work', number: '200' }], addresses: [{ label: 'work', uri: 'sip:alice@example.com' }] },
  { name: 'Bob; the "Builder", Jr.', favorite: false, numbers: [], addresses: [{ uri: 'sips:bob@secure.example.org' }, { label: 'home', uri: 'sip:bob@home.example.net' }] },
  { name: 'Zoë Ünïcode Long Name That Needs Folding Because It Is Longer Than Seventy-Five Octets', favorite: false, numbers: [{ number: '*97' }], addresses: [] },
];

describe('contacts import and export (issue 15 §2)', () => {
  it.each(['3.0', '4.0'] as const)('vCard %s: export then import gives the same contacts', (version) => {
    const text = exportVCards(people, version);
    expect(text).toContain(`VERSION:${version}`);
    expect(text.split('\r\n').every((l) => new TextEncoder().encode(l).length <= 75)).toBe(true);
    expect(parseVCards(text)).toEqual(people);
  });

  it('reads several TEL, IMPP and X-SIP entries, grouped properties and folded lines from other phones', () => {
    const card = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Carol',
      'item1.TEL;TYPE=CELL,VOICE:+1 555 0100',
      'TEL;TYPE=WORK:+1 555',
      ' 0101',
      'IMPP;TYPE=personal:sip:carol@example.com',
      'IMPP:xmpp:carol@jabber.example.com',
      'X-SIP:carol@pbx.example.com',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:2.1',
      'N:Doe;Dan;;;',
      'TEL;CELL:555-0199',
      'END:VCARD',
    ].join('\r\n');
    expect(parseVCards(card)).toEqual([
      { name: 'Carol', favorite: false, numbers: [{ label: 'cell', number: '+1 555 0100' }, { label: 'work', number: '+1 5550101' }], addresses: [{ label: 'personal', uri: 'sip:carol@example.com' }, { uri: 'sip:carol@pbx.example.com' }] },
      { name: 'Dan Doe', favorite: false, numbers: [{ label: 'cell', number: '555-0199' }], addresses: [] },
    ]);
  });

  it('MicroSIP CSV: its columns out and back, one contact per name', () => {
    const csv = exportMicroSipCsv(people.slice(0, 2));
    expect(csv.split('\r\n')[0]).toBe('Name,Number,Presence,Directory');
    expect(csv).toContain('"Bob; the ""Builder"", Jr.",bob@home.example.net,0,0');
    const back = parseMicroSipCsv(csv);
    expect(back).toEqual([
      { name: 'Alice Martin', favorite: false, numbers: [{ number: '+55 48 4567-8901' }, { number: '200' }], addresses: [{ uri: 'sip:alice@example.com' }] },
      // A sips: address stays sips: (dropping it would silently downgrade to sip, RFC 3261 §19.1.2).
      { name: 'Bob; the "Builder", Jr.', favorite: false, numbers: [], addresses: [{ uri: 'sips:bob@secure.example.org' }, { uri: 'sip:bob@home.example.net' }] },
    ]);
    expect(parseMicroSipCsv('First,Last\nA,B\n')).toEqual({ error: expect.stringContaining('Name and Number') });
  });

  it('plans a merge by address or number, and says what it adds', () => {
    const existing = [contact({ id: 'c-1', name: 'Alice Martin', numbers: [{ number: '+554845678901' }], addresses: [] })];
    const plan = planImport(people, existing);
    expect(plan[0]).toMatchObject({ into: { id: 'c-1' }, adds: { numbers: [{ label: 'work', number: '200' }], addresses: [{ label: 'work', uri: 'sip:alice@example.com' }] } });
    expect(plan[1]!.into).toBeUndefined();
  });
});
