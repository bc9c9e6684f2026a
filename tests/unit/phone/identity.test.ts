import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseIdentity, dialledUser, ruleMatches } from '../../../electron/phone/identity.ts';
import type { IdentityAccount } from '../../../electron/phone/identity.ts';

const account: IdentityAccount = {
  aor: 'sip:johndoe@sipA.test',
  aliases: ['sip:+554845678901@sipA.test', 'sip:45678901@sipA.test', 'sip:support@sipA.test'],
  identityRules: [
    { match: { prefix: '+' }, identity: 'sip:+554845678901@sipA.test' },
    { match: { minDigits: 8, maxDigits: 8 }, identity: 'sip:45678901@sipA.test' },
    { match: { regex: '^0800' }, identity: 'sip:+554845678901@sipA.test' },
    { match: { regex: '^help-', prefix: 'help-desk' }, identity: 'sip:support@sipA.test' },
  ],
};

test('an explicit identity wins when it is one of the account addresses', () => {
  assert.deepEqual(chooseIdentity(account, 'sip:+14155550100@sipA.test;user=phone', 'sip:support@sipA.test'), { ok: true, identity: 'sip:support@sipA.test', source: 'explicit' });
  // Compared as addresses: host case and parameters do not matter; the account's own spelling is returned.
  assert.deepEqual(chooseIdentity(account, 'sip:bob@x.test', ' sip:johndoe@SIPA.test;transport=tcp '), { ok: true, identity: 'sip:johndoe@sipA.test', source: 'explicit' });
  assert.deepEqual(chooseIdentity(account, 'sip:bob@x.test', 'sips:45678901@sipA.test'), { ok: true, identity: 'sip:45678901@sipA.test', source: 'explicit' });
});

test('an explicit identity that is not ours is an error, never sent', () => {
  for (const bad of ['sip:ceo@sipA.test', 'sip:johndoe@sipB.test', 'sip:johndoe@sipA.test:5070', 'johndoe', 'sip:JohnDoe@sipA.test']) {
    const r = chooseIdentity(account, 'sip:bob@x.test', bad);
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.match(r.reason, /is not one of this account's addresses/);
  }
});

test('the first matching rule picks the identity', () => {
  const cases: [string, string, number | undefined][] = [
    ['sip:+14155550100@sipA.test;user=phone', 'sip:+554845678901@sipA.test', 0],
    ['tel:+14155550100', 'sip:+554845678901@sipA.test', 0],
    ['sip:45671234@sipA.test;user=phone', 'sip:45678901@sipA.test', 1],
    ['sip:08001234567@sipA.test;user=phone', 'sip:+554845678901@sipA.test', 2],
    ['sip:help-desk-1@sipA.test', 'sip:support@sipA.test', 3],
    ['sip:help-me@sipA.test', 'sip:johndoe@sipA.test', undefined], // regex holds, prefix does not: all conditions must
    ['sip:bob@x.test', 'sip:johndoe@sipA.test', undefined],
    ['sip:100@sipA.test;user=phone', 'sip:johndoe@sipA.test', undefined],
    ['sip:4567123@sipA.test', 'sip:johndoe@sipA.test', undefined], // 7 digits
    ['sip:456712345@sipA.test', 'sip:johndoe@sipA.test', undefined], // 9 digits
  ];
  for (const [target, identity, ruleIndex] of cases) {
    const r = chooseIdentity(account, target);
    assert.deepEqual(r, ruleIndex === undefined ? { ok: true, identity, source: 'primary' } : { ok: true, identity, source: 'rule', ruleIndex }, target);
  }
});

test('null or empty explicit identity falls through to the rules', () => {
  assert.equal((chooseIdentity(account, 'sip:+1555@x.test', null) as { source: string }).source, 'rule');
  assert.equal((chooseIdentity(account, 'sip:+1555@x.test', '  ') as { source: string }).source, 'rule');
});

test('a rule naming an address the account no longer has is skipped', () => {
  const stale: IdentityAccount = { aor: 'sip:a@x.test', aliases: [], identityRules: [{ match: { prefix: '+' }, identity: 'sip:+1555@x.test' }] };
  assert.deepEqual(chooseIdentity(stale, 'sip:+1666@x.test'), { ok: true, identity: 'sip:a@x.test', source: 'primary' });
});

test('an account without rules uses its primary address', () => {
  assert.deepEqual(chooseIdentity({ aor: 'sip:a@x.test', aliases: ['sip:b@x.test'], identityRules: [] }, 'sip:+1@x.test'), { ok: true, identity: 'sip:a@x.test', source: 'primary' });
});

test('dialledUser and ruleMatches', () => {
  assert.equal(dialledUser('sip:+1555;phone-context=x@h.test;user=phone'), '+1555');
  assert.equal(dialledUser('sip:%2B1555@h.test'), '+1555');
  assert.equal(dialledUser('tel:+1555;ext=2'), '+1555');
  assert.equal(dialledUser('sip:h.test'), '');
  assert.equal(dialledUser(' 0800 123 '), '0800 123');
  assert.ok(ruleMatches({ minDigits: 3 }, '(48) 4567'));
  assert.ok(!ruleMatches({ maxDigits: 20 }, 'alice')); // digit conditions need a number
  assert.ok(!ruleMatches({ regex: '(' }, 'x')); // a broken regex never matches
});
