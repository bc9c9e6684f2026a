import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallerIdResolver, resolveCallerId, type CallerIdContact } from '../../../electron/phone/caller-id.ts';
import type { NumberingPlan } from '../../../electron/phone/phone-number.ts';

const brazil: NumberingPlan = { countryCode: '55', trunkPrefix: '0', internationalPrefix: '00', minMatchDigits: 8 };

const maria: CallerIdContact = {
  id: 'maria',
  name: 'Maria Silva',
  addresses: [{ uri: 'sip:maria@sipB.test' }, { uri: 'sip:+5511987654321@sipB.test;user=phone' }],
  numbers: [{ number: '+55 48 4567-8901' }, { number: '(011) 3333-4444' }],
};
const bob: CallerIdContact = { id: 'bob', name: 'Bob', addresses: [{ uri: 'sips:Bob@Biloxi.example' }], numbers: [{ number: '+1 212 555 0100' }] };
const office: CallerIdContact = { id: 'office', name: 'Office switchboard', addresses: [], numbers: [{ number: '4845678900' }, { number: '100' }] };
const contacts = [maria, bob, office];
const resolver = new CallerIdResolver(contacts, brazil);

function who(remote: string): string | undefined {
  return resolver.resolve(remote)?.contactId;
}

test('SIP addresses: user exact, host without case, scheme/port/params ignored', () => {
  assert.deepEqual(resolver.resolve('sip:maria@sipB.test'), { contactId: 'maria', name: 'Maria Silva', matched: 'sip:maria@sipB.test', by: 'sip', quality: 'exact', ambiguous: false });
  assert.equal(who('sip:maria@SIPB.TEST;transport=tcp'), 'maria');
  assert.equal(who('sips:maria@sipb.test:5061'), 'maria');
  assert.equal(who('"Maria" <sip:maria@sipB.test>;tag=1928301774'), 'maria');
  assert.equal(who('maria@sipB.test'), 'maria');
  assert.equal(who('sip:Bob@biloxi.example'), 'bob');
  assert.equal(who('sip:bob@biloxi.example'), undefined); // user parts are case-sensitive
  assert.equal(who('sip:maria@sipC.test'), undefined);
  assert.equal(who('sip:%6Daria@sipB.test'), 'maria');
});

test('numbers: every way of writing the same line resolves to the contact', () => {
  for (const remote of ['+554845678901', '00554845678901', '04845678901', '4845678901', '(48) 4567-8901', 'tel:+55-48-4567-8901', 'sip:+554845678901@gw.example;user=phone', 'sip:04845678901@10.0.0.1', '"4845678901" <sip:4845678901@gw.example>']) {
    const m = resolver.resolve(remote);
    assert.equal(m?.contactId, 'maria', remote);
    assert.equal(m?.by, 'number', remote);
    assert.equal(m?.quality, 'exact', remote);
    assert.equal(m?.matched, '+55 48 4567-8901', remote);
  }
});

test('a number-like user of a contact SIP address is a number too', () => {
  const m = resolver.resolve('tel:+55 11 98765-4321'.replace(/ /g, ''));
  assert.equal(m?.contactId, 'maria');
  assert.equal(m?.matched, 'sip:+5511987654321@sipB.test;user=phone');
  assert.equal(who('011987654321'), 'maria');
});

test('a number without its area code is a suffix match', () => {
  const m = resolver.resolve('45678901');
  assert.deepEqual(m, { contactId: 'maria', name: 'Maria Silva', matched: '+55 48 4567-8901', by: 'number', quality: 'suffix', ambiguous: false });
  assert.equal(who('33334444'), 'maria');
  assert.equal(who('5678901'), undefined); // 7 digits is too little
});

test('exact beats suffix; an exact match elsewhere is not "ambiguous" with a suffix one', () => {
  // 4845678900 is the office exactly; nobody else ends in it.
  assert.deepEqual(resolver.resolve('+554845678900'), { contactId: 'office', name: 'Office switchboard', matched: '4845678900', by: 'number', quality: 'exact', ambiguous: false });
  const twin: CallerIdContact = { id: 'twin', name: 'Twin', addresses: [], numbers: [{ number: '045678901' }] };
  const r = new CallerIdResolver([twin, maria], brazil);
  // 045678901 → national 45678901 (a suffix of Maria's), but +554845678901 is Maria exactly.
  assert.equal(r.resolve('+554845678901')?.contactId, 'maria');
  assert.equal(r.resolve('+554845678901')?.ambiguous, false);
});

test('two contacts with the same number: the first wins and the match is flagged ambiguous', () => {
  const copy: CallerIdContact = { id: 'copy', name: 'Maria (old)', addresses: [], numbers: [{ number: '048 4567 8901' }] };
  const m = new CallerIdResolver([maria, copy], brazil).resolve('+554845678901');
  assert.equal(m?.contactId, 'maria');
  assert.equal(m?.ambiguous, true);
});

test('foreign numbers and short extensions', () => {
  assert.equal(who('+12125550100'), 'bob');
  assert.equal(who('0012125550100'), 'bob');
  assert.equal(who('12125550100'), 'bob'); // a server that drops the "+"
  assert.equal(who('2125550100'), undefined); // could be a Brazilian number: no guess
  assert.equal(who('100'), 'office');
  assert.equal(who('sip:100@pbx.example'), 'office');
  assert.equal(who('1100'), undefined);
});

test('unknown, anonymous and junk remotes resolve to nobody', () => {
  for (const remote of ['sip:anonymous@anonymous.invalid', 'sip:pbx.example', '', '   ', 'alice', 'tel:', '*97', 'sip:+19999999999@x.test']) {
    assert.equal(resolver.resolve(remote), undefined, remote);
  }
  assert.equal(resolveCallerId('sip:maria@sipB.test', []), undefined);
});

test('resolveCallerId with the default plan still matches international forms and suffixes', () => {
  assert.equal(resolveCallerId('+554845678901', contacts)?.contactId, 'maria');
  // No home country: +55… and a national form meet only by suffix.
  assert.deepEqual(
    (({ contactId, quality }) => ({ contactId, quality }))(resolveCallerId('04845678901', contacts)!),
    { contactId: 'maria', quality: 'suffix' },
  );
});
