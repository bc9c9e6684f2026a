import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchAlias, usersMatch, type AliasMatchAccount, type IncomingTarget } from '../../../electron/phone/alias-match.ts';
import type { NumberingPlan } from '../../../electron/phone/phone-number.ts';

const brazil: NumberingPlan = { countryCode: '55', trunkPrefix: '0', internationalPrefix: '00', minMatchDigits: 8 };

const john: AliasMatchAccount = { id: 'john', aor: 'sip:johndoe@sipA.test', aliases: ['sip:+554845678901@sipA.test', 'sip:45678901@sipA.test'], contactUser: 'johndoe' };
const work: AliasMatchAccount = { id: 'work', aor: 'sip:jd@pbx.example', aliases: ['sip:200@pbx.example'], contactUser: 'parley-7f3a' };
const other: AliasMatchAccount = { id: 'other', aor: 'sip:johndoe@sipB.test', aliases: [] };
const accounts = [john, work, other];

function incoming(rUser: string | null, rHost: string, tUser: string | null, tHost: string): IncomingTarget {
  return { requestUri: { user: rUser, host: rHost }, to: { user: tUser, host: tHost } };
}

test('after a location lookup: the R-URI is our contact, To names the dialled alias', () => {
  assert.deepEqual(matchAlias(accounts, incoming('johndoe', '192.0.2.10', '+554845678901', 'sipA.test'), { plan: brazil }), {
    accountId: 'john',
    alias: 'sip:+554845678901@sipA.test',
    aliasFrom: 'to',
    accountFrom: 'contact',
    hostMatched: true,
  });
  assert.deepEqual(matchAlias(accounts, incoming('parley-7f3a', '192.0.2.10', '200', 'pbx.example')), {
    accountId: 'work',
    alias: 'sip:200@pbx.example',
    aliasFrom: 'to',
    accountFrom: 'contact',
    hostMatched: true,
  });
});

test('the primary address called', () => {
  const m = matchAlias(accounts, incoming('johndoe', '192.0.2.10', 'johndoe', 'sipA.test'));
  assert.equal(m?.accountId, 'john');
  assert.equal(m?.alias, 'sip:johndoe@sipA.test');
});

test('same user on two domains: the host decides', () => {
  const m = matchAlias(accounts, incoming('johndoe', '192.0.2.10', 'johndoe', 'SIPB.test'));
  // The contact user belongs to john, so the account is john's; the To (johndoe@sipB) is not john's: alias from R-URI user.
  assert.equal(m?.accountId, 'john');
  const noContact = matchAlias([other, { ...john, contactUser: null }], incoming('johndoe', 'sipb.test', 'johndoe', 'sipb.test'));
  assert.deepEqual(noContact, { accountId: 'other', alias: 'sip:johndoe@sipB.test', aliasFrom: 'to', accountFrom: 'request-uri', hostMatched: true });
  const byTo = matchAlias([{ ...john, contactUser: null }, other], incoming('johndoe', '192.0.2.10', 'johndoe', 'sipB.test'));
  assert.equal(byTo?.accountId, 'other');
  assert.equal(byTo?.accountFrom, 'to');
});

test('a trunk that leaves the dialled number in the R-URI', () => {
  const m = matchAlias(accounts, incoming('04845678901', 'sipA.test', '04845678901', '203.0.113.5'), { plan: brazil });
  assert.deepEqual(m, { accountId: 'john', alias: 'sip:+554845678901@sipA.test', aliasFrom: 'to', accountFrom: 'request-uri', hostMatched: false });
});

test('numbers compare with and without the country code and trunk prefix, never by suffix', () => {
  for (const user of ['+554845678901', '554845678901'.replace(/^/, '00'), '04845678901', '4845678901', '+55 48 4567-8901', '%2B554845678901']) {
    const m = matchAlias([john], incoming('x', '192.0.2.10', user, 'sipA.test'), { plan: brazil });
    assert.equal(m?.alias, 'sip:+554845678901@sipA.test', user);
    assert.equal(m?.aliasFrom, 'to', user);
  }
  assert.equal(matchAlias([john], incoming('x', '192.0.2.10', '45678901', 'sipA.test'), { plan: brazil })?.alias, 'sip:45678901@sipA.test');
  // 5678901 is only a suffix of an alias: no match.
  assert.equal(matchAlias([{ ...john, contactUser: null }], incoming('x', '192.0.2.10', '5678901', 'sipA.test'), { plan: brazil }), undefined);
});

test('user parts are exact for names: case matters, %-escapes do not', () => {
  assert.equal(matchAlias([other], incoming('x', 'h', 'JohnDoe', 'sipB.test')), undefined);
  assert.equal(matchAlias([other], incoming('x', 'h', 'j%6Fhndoe', 'sipB.test'))?.alias, 'sip:johndoe@sipB.test');
  assert.ok(usersMatch('+1555;phone-context=x', '+1555'));
  assert.ok(!usersMatch('alice', 'Alice'));
});

test('hosts compare without case, a port in the host is ignored', () => {
  const m = matchAlias([work], incoming('jd', 'PBX.Example:5060', null, 'pbx.example'));
  assert.deepEqual(m, { accountId: 'work', alias: 'sip:jd@pbx.example', aliasFrom: 'request-uri', accountFrom: 'request-uri', hostMatched: true });
});

test('only the contact user matched: the primary address is reported', () => {
  assert.deepEqual(matchAlias(accounts, incoming('parley-7f3a', '192.0.2.10', 'someone-else', 'elsewhere.example')), {
    accountId: 'work',
    alias: 'sip:jd@pbx.example',
    aliasFrom: 'primary',
    accountFrom: 'contact',
    hostMatched: false,
  });
});

test('disabled accounts and unknown targets are not matched', () => {
  assert.equal(matchAlias([{ ...john, enabled: false }], incoming('johndoe', 'sipA.test', 'johndoe', 'sipA.test')), undefined);
  assert.equal(matchAlias(accounts, incoming('nobody', '192.0.2.10', 'nobody', 'sipA.test')), undefined);
  assert.equal(matchAlias(accounts, incoming(null, '192.0.2.10', null, 'sipA.test')), undefined);
  assert.equal(matchAlias([], incoming('johndoe', 'sipA.test', 'johndoe', 'sipA.test')), undefined);
});

test('call forwarding: the R-URI names account A, To names account B: A receives, alias from the R-URI', () => {
  const m = matchAlias([{ ...john, contactUser: null }, { ...work, contactUser: null }], incoming('jd', 'pbx.example', 'johndoe', 'sipA.test'));
  assert.deepEqual(m, { accountId: 'work', alias: 'sip:jd@pbx.example', aliasFrom: 'request-uri', accountFrom: 'request-uri', hostMatched: true });
});
