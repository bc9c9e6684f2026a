/**
 * Call features between engines on loopback: DTMF both ways (RFC 4733 and
 * SIP INFO), the built-in echo service, call waiting, auto-answer, blind
 * transfer, instant messages.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { dominantFrequency, toneLevelDbfs } from '../../../helpers/audio-analysis.ts';
import { removeTempDirs } from '../temp-dir.ts';
import { sleep, startPhone, type TestPhone } from './engine-harness.ts';

function digitsLogged(phone: TestPhone, via: string): string {
  return phone.logs.filter((r) => r.message === 'dtmf received' && r.data?.via === via).map((r) => String(r.data?.digit)).join('');
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('engine: call features', () => {
  let a: TestPhone;
  let b: TestPhone;
  let c: TestPhone;

  before(async () => {
    [a, b, c] = await Promise.all([startPhone('a', 600), startPhone('b', 1000), startPhone('c', 800)]);
    await a.call('accounts.add', {
      aor: 'sip:alice@127.0.0.1',
      aliases: ['sip:+15551234@127.0.0.1'],
      identityRules: [{ match: { prefix: '0' }, identity: 'sip:+15551234@127.0.0.1' }],
      dtmf: 'info',
      codecs: ['PCMU', 'PCMA'],
    });
    await b.call('accounts.add', { aor: 'sip:bob@127.0.0.1', aliases: ['sip:2000@127.0.0.1'], codecs: ['PCMU'] });
    await c.call('accounts.add', { aor: 'sip:carol@127.0.0.1', autoAnswer: true });
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close(), c?.close()]);
    removeTempDirs();
  });
  beforeEach(() => {
    for (const p of [a, b, c]) p.reset();
  });

  async function connect(from: TestPhone, to: TestPhone, target: string, accountId?: string) {
    const out = await from.call('call.dial', accountId ? { target, accountId } : { target });
    const inc = await to.waitFor('call.incoming', () => true, 5000);
    if (inc.state === 'incoming' && !to.events.some((e) => e.event === 'call' && e.data.id === inc.id && e.data.state !== 'incoming')) {
      await to.call('call.answer', { callId: inc.id });
    }
    await from.waitFor('call', (x) => x.id === out.id && x.state === 'active', 5000, 'active');
    await to.waitFor('call', (x) => x.id === inc.id && x.state === 'active', 5000, 'active');
    return { out, inc };
  }

  test('DTMF: RFC 4733 from the direct account, SIP INFO from an account set to info', async () => {
    const { out, inc } = await connect(a, b, `sip:2000@127.0.0.1:${b.port}`, 'direct');
    assert.equal(inc.remote.uri, a.aor, 'the direct account presents its own AOR');
    await a.call('call.dtmf', { callId: out.id, digits: '15#' });
    await waitUntil(() => digitsLogged(b, 'rfc4733') === '15#', 3000, 'RFC 4733 digits on B');
    await b.call('call.dtmf', { callId: inc.id, digits: '*0' });
    await waitUntil(() => digitsLogged(a, 'rfc4733') === '*0', 3000, 'RFC 4733 digits on A');
    await a.call('call.hangup', { callId: out.id });
    await b.waitFor('call', (x) => x.id === inc.id && x.state === 'ended', 5000);

    b.reset();
    const accounts = await a.call('accounts.list', {});
    const alice = accounts.find((x) => x.aor === 'sip:alice@127.0.0.1')!;
    const second = await connect(a, b, `sip:bob@127.0.0.1:${b.port}`, alice.id);
    assert.equal(second.inc.remote.uri, 'sip:alice@127.0.0.1', 'the call presents the account chosen');
    await a.call('call.dtmf', { callId: second.out.id, digits: '42' });
    await waitUntil(() => digitsLogged(b, 'info') === '42', 3000, 'INFO digits on B');
    await b.call('call.hangup', { callId: second.inc.id });
    await a.waitFor('call', (x) => x.id === second.out.id && x.state === 'ended', 5000);
  });

  test('identity: a rule picks the alias, an explicit one wins, a foreign one is refused; bad targets are bad requests', async () => {
    const alice = (await a.call('accounts.list', {})).find((x) => x.aor === 'sip:alice@127.0.0.1')!;
    const byRule = await a.call('call.dial', { target: `sip:0800@127.0.0.1:${b.port}`, accountId: alice.id });
    assert.equal(byRule.localIdentity, 'sip:+15551234@127.0.0.1');
    const inc1 = await b.waitFor('call.incoming', () => true, 5000);
    assert.equal(inc1.remote.uri, 'sip:+15551234@127.0.0.1', 'From is the alias the rule chose');
    assert.equal(inc1.calledAlias, b.aor, 'a user B does not know reaches its direct account');
    await b.call('call.decline', { callId: inc1.id });
    await a.waitFor('call', (x) => x.id === byRule.id && x.state === 'ended', 5000);

    b.reset();
    const explicit = await a.call('call.dial', { target: `sip:0800@127.0.0.1:${b.port}`, accountId: alice.id, identity: 'sip:alice@127.0.0.1' });
    const inc2 = await b.waitFor('call.incoming', () => true, 5000);
    assert.equal(inc2.remote.uri, 'sip:alice@127.0.0.1');
    await a.call('call.hangup', { callId: explicit.id });
    const cancelled = await a.waitFor('call', (x) => x.id === explicit.id && x.state === 'ended', 5000);
    assert.equal(cancelled.code, 487);
    await b.waitFor('call', (x) => x.id === inc2.id && x.state === 'ended', 5000);

    const foreign = await a.try('call.dial', { target: `sip:0800@127.0.0.1:${b.port}`, accountId: alice.id, identity: 'sip:mallory@127.0.0.1' });
    assert.equal(!foreign.ok && foreign.code, 'not-allowed');
    const junk = await a.try('call.dial', { target: 'two words' });
    assert.equal(!junk.ok && junk.code, 'bad-request');
    assert.deepEqual(!junk.ok && junk.issues?.map((i) => i.path), ['target']);
    const unknown = await a.try('call.answer', { callId: 'no-such-call' });
    assert.equal(!unknown.ok && unknown.code, 'not-found');
  });

  test('mute sends silence; do-not-disturb refuses calls with 486 and keeps them as missed', async () => {
    const { out, inc } = await connect(a, b, `sip:bob@127.0.0.1:${b.port}`);
    const muted = await a.call('call.mute', { callId: out.id, muted: true });
    assert.equal(muted.muted, true);
    await sleep(400);
    const level = toneLevelDbfs(b.sinks.get(inc.id)!.last(200), 48000, 600);
    assert.ok(level < -60, `B hears A at ${level} dBFS while muted`);
    await a.call('call.mute', { callId: out.id, muted: false });
    await sleep(400);
    assert.ok(toneLevelDbfs(b.sinks.get(inc.id)!.last(200), 48000, 600) > -25, 'unmuted');
    await a.call('call.hangup', { callId: out.id });
    await b.waitFor('call', (x) => x.id === inc.id && x.state === 'ended', 5000);

    b.reset();
    await b.call('settings.update', { dnd: true });
    try {
      const refused = await a.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}` });
      const end = await a.waitFor('call', (x) => x.id === refused.id && x.state === 'ended', 5000);
      assert.equal(end.code, 486);
      assert.equal(b.events.some((e) => e.event === 'call.incoming'), false, 'no ringing');
      const missed = await b.call('history.list', { missedOnly: true, limit: 1 });
      assert.equal(missed[0]!.code, 486);
      assert.equal(missed[0]!.reason, 'Do Not Disturb');
    } finally {
      await b.call('settings.update', { dnd: false });
    }
  });

  test('the Echo test contact sends back what it hears', async (t) => {
    const contacts = await a.call('contacts.list', {});
    const echo = contacts.find((x) => x.name === 'Echo test')!;
    const out = await a.call('call.dial', { target: echo.addresses[0]!.uri });
    // A failed measure must not leave the call up for the next test (the phone holds it when A dials again).
    t.after(() => a.call('call.hangup', { callId: out.id }).catch(() => undefined));
    const active = await a.waitFor('call', (x) => x.id === out.id && x.state === 'active', 5000, 'echo answered');
    assert.equal(active.remote.contactName, 'Echo test');
    const since = Date.now();
    await sleep(1500);
    const heard = a.sinks.get(out.id)!.since(since + 300);
    const f = dominantFrequency(heard, 48000);
    const level = toneLevelDbfs(heard, 48000, 600);
    t.diagnostic(`echo: A hears ${f.toFixed(1)} Hz at ${level.toFixed(1)} dBFS (sent at -15 dBFS RMS), codec ${active.codec}`);
    assert.ok(Math.abs(f - 600) < 5, `echo came back at ${f} Hz`);
    assert.ok(level > -25, `echo level ${level} dBFS`);
    // This call's entry: a history event not seen before the hang-up (waitFor also looks at past events).
    const earlier = new Set(a.events.filter((e) => e.event === 'history').map((e) => e.data));
    await a.call('call.hangup', { callId: out.id });
    const h = await a.waitFor('history', (x) => !earlier.has(x) && x.direction === 'out' && x.answeredAt !== undefined, 5000, 'the echo call in history');
    assert.equal(h.peerName, 'Echo test');
    assert.equal(h.contactId, undefined, 'the built-in contact is not a stored one');
  });

  test('call waiting: a second call rings during the first; answering it holds the first', async () => {
    const first = await connect(a, b, `sip:bob@127.0.0.1:${b.port}`);
    const second = await c.call('call.dial', { target: `sip:2000@127.0.0.1:${b.port}` });
    const waiting = await b.waitFor('call.incoming', (x) => x.id !== first.inc.id, 5000, 'the waiting call');
    assert.equal(waiting.remote.uri, 'sip:carol@127.0.0.1', 'C calls from its (only) account');
    assert.equal(waiting.calledAlias, 'sip:2000@127.0.0.1');
    await c.waitFor('call', (x) => x.id === second.id && x.state === 'ringing', 5000);
    const bCalls = await b.call('calls.list', {});
    assert.deepEqual(bCalls.map((x) => x.state).sort(), ['active', 'incoming']);

    await b.call('call.answer', { callId: waiting.id });
    const firstHeld = await b.waitFor('call', (x) => x.id === first.inc.id && x.state === 'held', 5000, 'first call held');
    assert.equal(firstHeld.held, true);
    await a.waitFor('call', (x) => x.id === first.out.id && x.state === 'remote-held', 5000, 'A is held');
    await c.waitFor('call', (x) => x.id === second.id && x.state === 'active', 5000);
    const since = Date.now();
    await sleep(800);
    const fromC = b.sinks.get(waiting.id)!.since(since);
    assert.ok(Math.abs(dominantFrequency(fromC, 48000) - 800) < 5, 'B hears C');
    assert.ok(toneLevelDbfs(b.sinks.get(first.inc.id)!.since(since + 200), 48000, 600) < -60, 'B no longer hears A');

    // Resuming the first call holds the second (one call talks at a time).
    await b.call('call.resume', { callId: first.inc.id });
    await b.waitFor('call', (x) => x.id === waiting.id && x.state === 'held', 5000, 'second call held');
    await a.waitFor('call', (x) => x.id === first.out.id && x.state === 'active', 5000, 'A resumed');
    await a.call('call.hangup', { callId: first.out.id });
    await c.call('call.hangup', { callId: second.id });
    await b.waitFor('call', (x) => x.id === waiting.id && x.state === 'ended', 5000);
    await b.waitFor('call', (x) => x.id === first.inc.id && x.state === 'ended', 5000);
  });

  test('auto-answer, and a blind transfer: B transfers A to C; A ends up talking to C', async () => {
    const { out, inc } = await connect(a, b, `sip:bob@127.0.0.1:${b.port}`);
    await b.call('call.transfer', { callId: inc.id, target: `sip:carol@127.0.0.1:${c.port}` });
    const atC = await c.waitFor('call.incoming', () => true, 5000, 'the transferred call at C');
    assert.equal(atC.remote.uri, 'sip:alice@127.0.0.1', 'A calls C from the account of the transferred call');
    await c.waitFor('call', (x) => x.id === atC.id && x.state === 'active', 5000, 'auto-answered at C');
    const bEnd = await b.waitFor('call', (x) => x.id === inc.id && x.state === 'ended', 5000, 'B leaves after the transfer');
    const trying = b.events.find((e) => e.event === 'call' && e.data.id === inc.id && e.data.transfer?.state === 'trying');
    assert.ok(trying, 'B sees the transfer under way');
    const result = b.events.find((e) => e.event === 'call' && e.data.id === inc.id && e.data.transfer?.state === 'succeeded');
    assert.ok(result, 'B sees the transfer succeed');
    assert.equal(result.event === 'call' && result.data.transfer?.code, 200, 'from the NOTIFY sipfrag 200');
    assert.deepEqual(bEnd.transfer, { target: `sip:carol@127.0.0.1:${c.port}`, state: 'succeeded', code: 200, reason: 'OK', words: 'answered' });
    assert.ok(bEnd.endedAt !== undefined);
    await a.waitFor('call', (x) => x.id === out.id && x.state === 'ended', 5000, 'the old call ends on A');
    const aCalls = await a.call('calls.list', {});
    assert.equal(aCalls.length, 1, JSON.stringify(aCalls.map((x) => [x.id === out.id ? "old" : x.id, x.state, x.remote.uri])));
    assert.equal(aCalls[0]!.state, 'active');
    const since = Date.now();
    await sleep(700);
    assert.ok(Math.abs(dominantFrequency(a.sinks.get(aCalls[0]!.id)!.since(since), 48000) - 800) < 5, 'A hears C');
    await a.call('call.hangup', { callId: aCalls[0]!.id });
    await c.waitFor('call', (x) => x.id === atC.id && x.state === 'ended', 5000);
  });

  test('a blind transfer that fails: the sipfrag 486 is shown on the transferor, whose call goes on; DTMF is offered only when connected', async () => {
    await c.call('settings.update', { dnd: true });
    try {
      const out = await a.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}` });
      const ringing = await b.waitFor('call.incoming', () => true, 5000);
      assert.deepEqual(ringing.actions, ['answer', 'decline', 'hangup', 'earlyMedia'], 'no keypad while it rings (early media may be sent)');
      const dialing = a.events.find((e) => e.event === 'call' && e.data.id === out.id);
      assert.ok(dialing && dialing.event === 'call' && !dialing.data.actions?.includes('dtmf'), 'no keypad before the answer');
      await b.call('call.answer', { callId: ringing.id });
      const active = await b.waitFor('call', (x) => x.id === ringing.id && x.state === 'active', 5000, 'active');
      assert.ok(active.actions?.includes('dtmf') && active.actions.includes('transfer') && active.actions.includes('hold'));
      await a.waitFor('call', (x) => x.id === out.id && x.state === 'active', 5000, 'active at A');
      await b.call('call.transfer', { callId: ringing.id, target: `sip:carol@127.0.0.1:${c.port}` });
      const failed = await b.waitFor('call', (x) => x.id === ringing.id && x.transfer?.state === 'failed', 5000, 'the transfer fails');
      assert.equal(failed.transfer?.code, 486);
      assert.equal(failed.transfer?.words, 'busy');
      assert.equal(failed.state, 'active', 'the transferor keeps the call');
      await b.call('call.hangup', { callId: ringing.id });
      await a.waitFor('call', (x) => x.id === out.id && x.state === 'ended', 5000, 'ended at A');
    } finally {
      await c.call('settings.update', { dnd: false });
    }
  });

  test('messages: A sends a MESSAGE to B’s alias; B stores it, A sees it sent', async () => {
    const sent = await a.call('messages.send', { target: `sip:2000@127.0.0.1:${b.port}`, body: 'hello, Bob' });
    assert.equal(sent.status, 'sending');
    const got = await b.waitFor('message', (m) => m.direction === 'in', 5000);
    assert.equal(got.body, 'hello, Bob');
    assert.equal(got.peer, 'sip:alice@127.0.0.1');
    assert.equal(got.localAlias, 'sip:2000@127.0.0.1');
    const done = await a.waitFor('message', (m) => m.id === sent.id && m.status !== 'sending', 5000);
    assert.equal(done.status, 'delivered');
    assert.equal(done.code, 200);
    assert.deepEqual((await b.call('messages.list', {})).map((m) => m.body), ['hello, Bob']);
  });
});
