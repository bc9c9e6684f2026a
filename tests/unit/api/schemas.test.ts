import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { COMMAND_NAMES } from '../../../electron/api/commands.ts';
import { COMMAND_SCHEMAS, dialTargetSchema, dtmfDigitsSchema, idSchema, LIMITS, messageBodySchema, sipUriSchema } from '../../../electron/api/schemas.ts';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) => assert.equal(schema.safeParse(value).success, true, `should accept ${JSON.stringify(value)?.slice(0, 80)}`);
const bad = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) => assert.equal(schema.safeParse(value).success, false, `should refuse ${JSON.stringify(value)?.slice(0, 80)}`);

describe('command schemas', () => {
  test('there is one schema per command and no other', () => {
    assert.deepEqual(Object.keys(COMMAND_SCHEMAS).sort(), [...COMMAND_NAMES].sort());
    // No name listed twice (a count here conflicted with every branch that added a command).
    assert.equal(new Set(COMMAND_NAMES).size, COMMAND_NAMES.length);
  });

  test('each schema is built when first read, then the same one is kept (and the table cannot be changed)', () => {
    const before = Object.getOwnPropertyDescriptor(COMMAND_SCHEMAS, 'call.merge');
    assert.equal(typeof before?.get, 'function', 'not built before it is read');
    const first = COMMAND_SCHEMAS['call.merge'];
    assert.equal(COMMAND_SCHEMAS['call.merge'], first);
    const after = Object.getOwnPropertyDescriptor(COMMAND_SCHEMAS, 'call.merge');
    assert.equal(after?.get, undefined);
    assert.equal(after?.writable, false);
    ok(first, { callId: 'c1', withCallId: 'c2' });
    bad(first, { callId: 'c1', withCallId: 'c2', extra: 1 });
    // Every entry builds (a builder that throws would only show at its command's first use).
    for (const name of COMMAND_NAMES) assert.equal(typeof COMMAND_SCHEMAS[name].safeParse, 'function', name);
  });

  test('call.transfer takes a target (blind) or another call (attended), never both or neither; call.pickup needs the dialog', () => {
    const t = COMMAND_SCHEMAS['call.transfer'];
    ok(t, { callId: 'c1', target: 'sip:carol@example.com' });
    ok(t, { callId: 'c1', toCallId: 'c2' });
    bad(t, { callId: 'c1' });
    bad(t, { callId: 'c1', target: 'carol', toCallId: 'c2' });
    const p = COMMAND_SCHEMAS['call.pickup'];
    ok(p, { target: 'sip:alice@example.com', sipCallId: 'abc@host', toTag: 'x1', fromTag: 'y-2', earlyOnly: true });
    bad(p, { target: 'sip:alice@example.com', sipCallId: 'abc@host', toTag: 'x1' });
    bad(p, { target: 'sip:alice@example.com', sipCallId: 'a b', toTag: 'x1', fromTag: 'y' });
    bad(p, { target: 'sip:alice@example.com', sipCallId: 'abc', toTag: 'x;1', fromTag: 'y' });
    bad(p, { target: 'sip:alice@example.com', sipCallId: 'abc', toTag: 'x', fromTag: 'y'.repeat(200) });
  });

  test('network.changed takes one of the known reasons and nothing else', () => {
    for (const reason of ['resume', 'unlock-screen', 'interfaces', 'manual']) ok(COMMAND_SCHEMAS['network.changed'], { reason });
    bad(COMMAND_SCHEMAS['network.changed'], {});
    bad(COMMAND_SCHEMAS['network.changed'], { reason: 'suspend' });
    bad(COMMAND_SCHEMAS['network.changed'], { reason: 'resume', at: 1 });
  });

  test('every no-parameter command takes {} and refuses extra keys', () => {
    for (const name of ['accounts.list', 'calls.list', 'history.clear', 'settings.get', 'audio.devices', 'app.snapshot'] as const) {
      ok(COMMAND_SCHEMAS[name], {});
      bad(COMMAND_SCHEMAS[name], { x: 1 });
      bad(COMMAND_SCHEMAS[name], null);
      bad(COMMAND_SCHEMAS[name], []);
    }
  });

  test('every params object is strict, including a JSON __proto__ key', () => {
    bad(COMMAND_SCHEMAS['call.answer'], { callId: 'c1', extra: true });
    bad(COMMAND_SCHEMAS['call.answer'], JSON.parse('{"callId":"c1","__proto__":{"admin":true}}'));
    bad(COMMAND_SCHEMAS['accounts.update'], { id: 'a1', changes: { aor: 'sip:a@b.test', secretRef: 'x' } });
    bad(COMMAND_SCHEMAS['contacts.add'], { name: 'Bob', addresses: [{ uri: 'sip:bob@x.test', note: 'n' }] });
  });

  test('call.dial', () => {
    const s = COMMAND_SCHEMAS['call.dial'];
    ok(s, { target: '+55 48 4567-8901' });
    ok(s, { target: 'Alice <sip:alice@example.test>', accountId: 'a1', identity: 'sip:+5548@example.test' });
    bad(s, {});
    bad(s, { target: '' });
    bad(s, { target: '   ' });
    bad(s, { target: 42 });
    bad(s, { target: 'x'.repeat(LIMITS.dialTarget + 1) });
    bad(s, { target: 'alice\r\nVia: evil' });
    bad(s, { target: '123\u202e456' }); // a bidi override could show another number than the one dialled
    bad(s, { target: 'alice', identity: 'sip:me@x.test other' });
    assert.deepEqual(s.parse({ target: '  alice  ' }), { target: 'alice' });
  });

  test('call.decline takes 486 or 603 only', () => {
    const s = COMMAND_SCHEMAS['call.decline'];
    ok(s, { callId: 'c1' });
    ok(s, { callId: 'c1', code: 486 });
    ok(s, { callId: 'c1', code: 603 });
    bad(s, { callId: 'c1', code: 487 });
    bad(s, { callId: 'c1', code: '486' });
  });

  test('call.dtmf digits', () => {
    ok(dtmfDigitsSchema, '0123456789*#ABCD');
    ok(dtmfDigitsSchema, '1'.repeat(32));
    bad(dtmfDigitsSchema, '');
    bad(dtmfDigitsSchema, '1'.repeat(33));
    bad(dtmfDigitsSchema, '12e');
    bad(dtmfDigitsSchema, 'a');
    bad(dtmfDigitsSchema, '1 2');
    bad(dtmfDigitsSchema, '1\n');
    bad(COMMAND_SCHEMAS['call.dtmf'], { callId: 'c1', digits: 5 });
  });

  test('call.mute needs a boolean', () => {
    ok(COMMAND_SCHEMAS['call.mute'], { callId: 'c1', muted: true });
    bad(COMMAND_SCHEMAS['call.mute'], { callId: 'c1', muted: 'yes' });
    bad(COMMAND_SCHEMAS['call.mute'], { callId: 'c1' });
  });

  test('ids are bounded printable strings', () => {
    ok(idSchema, 'c1');
    ok(idSchema, '7f3a-uuid-like');
    bad(idSchema, '');
    bad(idSchema, 'a b');
    bad(idSchema, 'x'.repeat(LIMITS.id + 1));
    bad(idSchema, 7);
    bad(idSchema, 'é');
  });

  test('SIP addresses are sanity-checked', () => {
    ok(sipUriSchema, 'sip:alice@example.test');
    ok(sipUriSchema, 'sips:+554845678901@sip.example.test;user=phone');
    ok(sipUriSchema, 'registrar.example.test:5061');
    bad(sipUriSchema, '');
    bad(sipUriSchema, 'sip:alice@example.test\u0000');
    bad(sipUriSchema, 'sip:a@b.test\r\nX: y');
    bad(sipUriSchema, 'sip:alice @example.test');
    bad(sipUriSchema, '<sip:alice@example.test>');
    bad(sipUriSchema, 'sip:\u200balice@example.test');
    bad(sipUriSchema, `sip:${'a'.repeat(LIMITS.uri)}@x.test`);
  });

  test('accounts.add: aor required, password optional, enums and numbers bounded', () => {
    const s = COMMAND_SCHEMAS['accounts.add'];
    ok(s, { aor: 'sip:alice@example.test' });
    ok(s, {
      aor: 'sip:alice@example.test',
      displayName: 'Alice',
      aliases: ['sip:+554845678901@example.test', 'sip:45678901@example.test'],
      password: ' secret with spaces ',
      transport: 'tls',
      codecs: ['opus', 'PCMU'],
      srtp: 'mandatory',
      dtmf: 'info',
      identityRules: [{ match: { prefix: '+' }, identity: 'sip:+554845678901@example.test' }],
      registerExpires: 600,
      usePreferredIdentity: true,
    });
    assert.equal(s.parse({ aor: 'sip:a@b.test', password: ' p ' }).password, ' p ', 'a password is not trimmed');
    bad(s, {});
    bad(s, { aor: 'sip:a@b.test', id: 'a1' });
    bad(s, { aor: 'sip:a@b.test', hasPassword: true });
    bad(s, { aor: 'sip:a@b.test', transport: 'sctp' });
    bad(s, { aor: 'sip:a@b.test', srtp: 'on' });
    bad(s, { aor: 'sip:a@b.test', codecs: [] });
    bad(s, { aor: 'sip:a@b.test', codecs: ['opus', 'OPUS'] });
    bad(s, { aor: 'sip:a@b.test', codecs: ['op us'] });
    bad(s, { aor: 'sip:a@b.test', registerExpires: 10 });
    bad(s, { aor: 'sip:a@b.test', registerExpires: 600.5 });
    bad(s, { aor: 'sip:a@b.test', aliases: Array.from({ length: LIMITS.aliases + 1 }, (_, i) => `sip:${i}@b.test`) });
    bad(s, { aor: 'sip:a@b.test', password: 'x'.repeat(LIMITS.password + 1) });
    bad(s, { aor: 'sip:a@b.test', displayName: 'A\u0007' });
  });

  test('identity rules need a condition and a valid regex', () => {
    const s = COMMAND_SCHEMAS['accounts.add'];
    const rule = (match: unknown) => ({ aor: 'sip:a@b.test', identityRules: [{ match, identity: 'sip:a@b.test' }] });
    ok(s, rule({ regex: '^0800' }));
    ok(s, rule({ minDigits: 8, maxDigits: 11 }));
    bad(s, rule({}));
    bad(s, rule({ regex: '(' }));
    bad(s, rule({ minDigits: 9, maxDigits: 8 }));
    bad(s, rule({ prefix: '+', other: 1 }));
  });

  test('accounts.update: id plus a partial; null clears, password null removes it', () => {
    const s = COMMAND_SCHEMAS['accounts.update'];
    ok(s, { id: 'a1', changes: {} });
    ok(s, { id: 'a1', changes: { registrar: null, outboundProxy: null, authUser: null, password: null } });
    ok(s, { id: 'a1', changes: { enabled: false } });
    bad(s, { id: 'a1' });
    bad(s, { id: 'a1', changes: { aor: null } });
    bad(s, { id: 'a1', changes: { aliases: null } });
    bad(s, { changes: {} });
  });

  test('contacts', () => {
    ok(COMMAND_SCHEMAS['contacts.add'], { name: 'Bob', numbers: [{ label: 'mobile', number: '+55 (48) 4567-8901' }], addresses: [{ uri: 'sip:bob@x.test' }] });
    bad(COMMAND_SCHEMAS['contacts.add'], { name: '' });
    bad(COMMAND_SCHEMAS['contacts.add'], { name: 'Bob', numbers: [{ number: 'call me' }] });
    bad(COMMAND_SCHEMAS['contacts.add'], { name: 'Bob', numbers: [{ number: '+-()' }] });
    ok(COMMAND_SCHEMAS['contacts.update'], { id: 'k1', changes: { favorite: true } });
    bad(COMMAND_SCHEMAS['contacts.update'], { id: 'k1', changes: { name: '' } });
    ok(COMMAND_SCHEMAS['contacts.list'], { query: 'bo' });
    bad(COMMAND_SCHEMAS['contacts.list'], { query: 'x'.repeat(LIMITS.query + 1) });
  });

  test('history.list bounds', () => {
    const s = COMMAND_SCHEMAS['history.list'];
    ok(s, {});
    ok(s, { limit: 50, before: 1_700_000_000_000, direction: 'in', missedOnly: true });
    bad(s, { limit: 0 });
    bad(s, { limit: LIMITS.historyPage + 1 });
    bad(s, { limit: 1.5 });
    bad(s, { before: -1 });
    bad(s, { direction: 'both' });
  });

  test('settings.update is a strict partial', () => {
    const s = COMMAND_SCHEMAS['settings.update'];
    ok(s, {});
    ok(s, { theme: 'dark', dnd: true, audioInput: 'default', ringDevice: 'a1b2c3' });
    ok(s, { numberingPlan: { countryCode: '55', trunkPrefix: '0', internationalPrefix: '00', minMatchDigits: 8 } });
    bad(s, { theme: 'blue' });
    bad(s, { linkAction: 'open' });
    bad(s, { audioInput: '' });
    bad(s, { numberingPlan: { countryCode: '55' } });
    bad(s, { volume: 3 });
  });

  test('messages.send: body up to 1300 bytes of UTF-8, not characters', () => {
    ok(messageBodySchema, 'hello\nworld');
    ok(messageBodySchema, 'x'.repeat(1300));
    bad(messageBodySchema, 'x'.repeat(1301));
    ok(messageBodySchema, 'é'.repeat(650)); // 1300 bytes
    bad(messageBodySchema, 'é'.repeat(651)); // 1302 bytes in 651 characters
    bad(messageBodySchema, '');
    bad(messageBodySchema, 'bell\u0007');
    ok(COMMAND_SCHEMAS['messages.send'], { target: 'sip:bob@x.test', body: 'hi' });
    bad(COMMAND_SCHEMAS['messages.send'], { target: 'sip:bob@x.test' });
    ok(COMMAND_SCHEMAS['messages.send'], { target: 'bob', body: 'hi', identity: 'sip:+15550100@x.test' });
    bad(COMMAND_SCHEMAS['messages.send'], { target: 'bob', body: 'hi', identity: 'sip:a b@x' });
  });

  test('conversation commands take a peer address; composing a boolean', () => {
    for (const name of ['messages.read', 'messages.remove', 'messages.allow', 'messages.block'] as const) {
      ok(COMMAND_SCHEMAS[name], { peer: 'sip:bob@x.test' });
      bad(COMMAND_SCHEMAS[name], {});
      bad(COMMAND_SCHEMAS[name], { peer: 'sip:bob@x.test\u0000' });
      bad(COMMAND_SCHEMAS[name], { peer: 'sip:bob@x.test', extra: 1 });
    }
    ok(COMMAND_SCHEMAS['messages.composing'], { target: 'bob', active: true });
    bad(COMMAND_SCHEMAS['messages.composing'], { target: 'bob', active: 'yes' });
    ok(COMMAND_SCHEMAS['messages.conversations'], { query: 'hello', limit: 20 });
    bad(COMMAND_SCHEMAS['messages.conversations'], { limit: 0 });
    ok(COMMAND_SCHEMAS['messages.list'], { peer: 'sip:bob@x.test', query: 'lunch' });
  });

  test('dial targets accept what people type', () => {
    for (const t of ['alice', '*97', '+1 (555) 010-0100', 'tel:+1-555-0100;ext=7', 'bob@example.test:5070', 'Alice <sip:alice@x.test>']) ok(dialTargetSchema, t);
  });
});
