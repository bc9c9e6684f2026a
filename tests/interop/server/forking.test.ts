/**
 * Forking and redirection by Parley's SIP server, with real phones on loopback:
 *  - johndoe registered from two Parley phones: a call from baresip rings
 *    both at once (parallel forking); the first to answer gets the call, the
 *    other sees it cancelled (the proxy's CANCEL);
 *  - the server in redirect mode answers baresip's INVITE with 302 and
 *    johndoe's contact; baresip follows it straight to the Parley phone;
 *  - phones that use the redirect server as their outbound proxy (baresip and
 *    a Parley phone): the 302 comes back through the route, the INVITE that
 *    follows it goes through the server again (§8.1.3.4) and is forwarded to
 *    johndoe's phone; the BYE after it too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBaresip, type BaresipHandle } from '../harness/baresip.ts';
import { groupAlive, sleep } from '../harness/managed-process.ts';
import { startParleyEngine, type ParleyEnginePeer } from '../harness/parley-engine.ts';
import { startServerPeer, type ServerPeer } from './server-peer.ts';

const DOMAIN = 'sipa.test';
const users = [
  { username: 'johndoe', password: 'secret', aliases: ['+554845678901'] },
  { username: 'bob', password: 'builder' },
];

async function registeredParley(name: string, hz: number, port: number): Promise<{ peer: ParleyEnginePeer; accountId: string }> {
  const peer = await startParleyEngine({ name, toneHz: hz });
  const account = await peer.call('accounts.add', {
    aor: `sip:johndoe@${DOMAIN}`, aliases: [`sip:+554845678901@${DOMAIN}`], password: 'secret', registrar: `sip:127.0.0.1:${port}`, outboundProxy: `sip:127.0.0.1:${port}`, codecs: ['PCMU'],
  });
  await peer.waitFor('registration', (r) => r.accountId === account.id && r.state === 'registered', 8000, `${name} registered`);
  return { peer, accountId: account.id };
}

describe('forking: one user on two Parley phones', () => {
  let proxy: ServerPeer;
  let bare: BaresipHandle;
  let first: ParleyEnginePeer;
  let second: ParleyEnginePeer;

  before(async () => {
    proxy = await startServerPeer({ domain: DOMAIN, users });
    first = (await registeredParley('fork-a', 500, proxy.port)).peer;
    second = (await registeredParley('fork-b', 700, proxy.port)).peer;
    bare = await startBaresip({ accounts: [{ aor: `sip:bob@${DOMAIN}`, password: 'builder', outbound: `sip:127.0.0.1:${proxy.port}`, regint: 600, audioCodecs: 'PCMU/8000/1' }] });
    await bare.waitForEvent((e) => e.type === 'REGISTER_OK', 8000);
    assert.equal(proxy.server.location.lookup(`sip:johndoe@${DOMAIN}`).length, 2, 'two bindings for johndoe');
  });

  after(async () => {
    await first?.close();
    await second?.close();
    const pid = bare?.pid;
    await bare?.stop();
    await proxy?.close();
    if (pid) assert.equal(groupAlive(pid), false);
  });

  for (const winner of ['first', 'second'] as const) {
    test(`both ring; the ${winner} answers and gets the call, the other is cancelled`, { timeout: 30_000 }, async () => {
      const [answering, losing] = winner === 'first' ? [first, second] : [second, first];
      const seenA = new Set(answering.all('call.incoming').map((i) => i.id));
      const seenL = new Set(losing.all('call.incoming').map((i) => i.id));
      const from = bare.events.length;
      assert.equal((await bare.command('dial', `sip:+554845678901@${DOMAIN}`)).ok, true);
      const ringA = await answering.waitFor('call.incoming', (i) => !seenA.has(i.id), 8000, 'rings at the answering phone');
      const ringL = await losing.waitFor('call.incoming', (i) => !seenL.has(i.id), 8000, 'rings at the other phone');
      assert.equal(ringA.calledAlias, `sip:+554845678901@${DOMAIN}`);
      await sleep(200);
      await answering.call('call.answer', { callId: ringA.id });
      const active = await answering.waitFor('call', (s) => s.id === ringA.id && (s.state === 'active' || s.state === 'ended'), 5000, 'active');
      assert.equal(active.state, 'active');
      const cancelled = await losing.waitFor('call', (s) => s.id === ringL.id && s.state === 'ended', 5000, 'the other phone stops ringing');
      assert.equal(cancelled.answeredAt, undefined, 'never answered there');
      const cancelIn = losing.all('trace').find((t) => t.direction === 'in' && /^CANCEL /.test(t.text) && t.time >= ringL.startedAt);
      assert.ok(cancelIn, `the losing phone received a CANCEL:\n${losing.trace()}`);
      await bare.waitForEvent((e) => e.type === 'CALL_ESTABLISHED' && bare.events.indexOf(e) >= from, 3000);
      await sleep(500);
      assert.equal((await bare.command('hangup')).ok, true);
      await answering.waitFor('call', (s) => s.id === ringA.id && s.state === 'ended', 5000, 'ended by the BYE');
      await bare.waitForEvent((e) => e.type === 'CALL_CLOSED' && bare.events.indexOf(e) >= from, 5000);
    });
  }
});

describe('redirect server', () => {
  let redirect: ServerPeer;
  let bare: BaresipHandle;
  let parley: ParleyEnginePeer;

  before(async () => {
    redirect = await startServerPeer({ domain: DOMAIN, users, redirect: true });
    parley = (await registeredParley('redirected', 600, redirect.port)).peer;
    // No outbound proxy: baresip would send the redirected INVITE back through it. It dials the server's address.
    bare = await startBaresip({ accounts: [{ aor: `sip:bob@${DOMAIN}`, password: 'builder', regint: 0, audioCodecs: 'PCMU/8000/1' }] });
  });

  after(async () => {
    await parley?.close();
    const pid = bare?.pid;
    await bare?.stop();
    await redirect?.close();
    if (pid) assert.equal(groupAlive(pid), false);
  });

  test('baresip gets 302 with johndoe\'s contact and follows it to the Parley phone', { timeout: 30_000 }, async () => {
    const from = bare.events.length;
    const t0 = Date.now();
    assert.equal((await bare.command('dial', `sip:johndoe@127.0.0.1:${redirect.port}`)).ok, true);
    const ring = await parley.waitFor('call.incoming', (i) => i.startedAt >= t0 - 1000, 8000, 'the redirected INVITE arrives').catch((e: unknown) => {
      throw new Error(`${String(e)}\nbaresip events: ${bare.events.slice(from).map((x) => `${x.type} ${x.param ?? ''}`).join(', ')}\n${bare.logs().slice(-2000)}`);
    });
    await parley.call('call.answer', { callId: ring.id });
    const active = await parley.waitFor('call', (s) => s.id === ring.id && (s.state === 'active' || s.state === 'ended'), 5000, 'active');
    assert.equal(active.state, 'active');
    await bare.waitForEvent((e) => e.type === 'CALL_ESTABLISHED' && bare.events.indexOf(e) >= from, 3000);
    assert.equal(redirect.server.stats.redirects, 1);
    assert.equal(redirect.server.stats.forwarded, 0, 'a redirect server never forwards');
    assert.equal((await bare.command('hangup')).ok, true);
    await parley.waitFor('call', (s) => s.id === ring.id && s.state === 'ended', 5000, 'ended');
  });

  /** The callee answers the redirected INVITE, the call is up at both ends, the caller hangs up. */
  async function answeredThroughRedirect(seen: ReadonlySet<string>, caller: string, up: () => Promise<unknown>, hangup: () => Promise<unknown>): Promise<void> {
    const ring = await parley.waitFor('call.incoming', (i) => !seen.has(i.id), 8000, `${caller}: the redirected INVITE arrives`);
    const inviteIn = parley.all('trace').find((t) => t.direction === 'in' && /^INVITE /.test(t.text) && t.time >= ring.startedAt - 2000);
    assert.match(inviteIn?.text ?? '', /^INVITE sip:johndoe@127\.0\.0\.1:\d+/, 'the INVITE is addressed to the contact from the 302');
    assert.match(inviteIn?.text ?? '', /\r\nVia: SIP\/2\.0\/UDP [^\r]*branch=z9hG4bK/, 'it came through the server (its Via on top)');
    await parley.call('call.answer', { callId: ring.id });
    const active = await parley.waitFor('call', (s) => s.id === ring.id && (s.state === 'active' || s.state === 'ended'), 5000, 'active');
    assert.equal(active.state, 'active');
    await up();
    await hangup();
    await parley.waitFor('call', (s) => s.id === ring.id && s.state === 'ended', 5000, 'ended by the caller\'s BYE');
  }

  test('baresip with the redirect server as outbound proxy: 302 through the route, then the INVITE through it to johndoe', { timeout: 30_000 }, async () => {
    const ob = await startBaresip({ accounts: [{ aor: `sip:bob@${DOMAIN}`, password: 'builder', outbound: `sip:127.0.0.1:${redirect.port}`, regint: 600, audioCodecs: 'PCMU/8000/1' }] });
    try {
      await ob.waitForEvent((e) => e.type === 'REGISTER_OK', 8000);
      const redirects = redirect.server.stats.redirects;
      const forwarded = redirect.server.stats.forwarded;
      const seen = new Set(parley.all('call.incoming').map((i) => i.id));
      assert.equal((await ob.command('dial', `sip:johndoe@${DOMAIN}`)).ok, true);
      await answeredThroughRedirect(seen, 'baresip', () => ob.waitForEvent((e) => e.type === 'CALL_ESTABLISHED', 3000), () => ob.command('hangup'));
      assert.equal(redirect.server.stats.redirects, redirects + 1, 'one 302');
      assert.ok(redirect.server.stats.forwarded >= forwarded + 2, 'the redirected INVITE and the BYE were forwarded');
    } finally {
      const pid = ob.pid;
      await ob.stop();
      assert.equal(groupAlive(pid), false);
    }
  });

  test('a Parley phone with the redirect server as outbound proxy follows the 302 through it', { timeout: 30_000 }, async () => {
    const caller = await startParleyEngine({ name: 'redirect-caller', toneHz: 900 });
    try {
      const account = await caller.call('accounts.add', {
        aor: `sip:bob@${DOMAIN}`, password: 'builder', registrar: `sip:127.0.0.1:${redirect.port}`, outboundProxy: `sip:127.0.0.1:${redirect.port}`, codecs: ['PCMU'],
      });
      await caller.waitFor('registration', (r) => r.accountId === account.id && r.state === 'registered', 8000, 'bob registered');
      const redirects = redirect.server.stats.redirects;
      const seen = new Set(parley.all('call.incoming').map((i) => i.id));
      const dialled = await caller.call('call.dial', { target: `sip:johndoe@${DOMAIN}`, accountId: account.id });
      await answeredThroughRedirect(
        seen, 'Parley',
        () => caller.waitFor('call', (s) => s.id === dialled.id && s.state === 'active', 5000, 'the caller sees the answer'),
        () => caller.call('call.hangup', { callId: dialled.id }),
      );
      assert.equal(redirect.server.stats.redirects, redirects + 1, 'one 302');
      const redirectedOut = caller.all('trace').filter((t) => t.direction === 'out' && /^INVITE sip:johndoe@127\.0\.0\.1/.test(t.text));
      assert.ok(redirectedOut.length >= 1 && redirectedOut.every((t) => /\r\nRoute: <sip:127\.0\.0\.1:\d+;lr>/i.test(t.text)), `the redirected INVITE keeps the outbound proxy's Route:\n${caller.trace()}`);
    } finally {
      await caller.close();
    }
  });
});
