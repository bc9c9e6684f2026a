/**
 * Who is calling, through a real trust domain (RFC 3325) and with caller-ID
 * privacy (RFC 3323): Kamailio authenticates every call (407), removes any
 * P-Asserted-Identity / P-Preferred-Identity the caller wrote, and asserts
 * the authenticated user — `"<user> (verified)" <sip:user@domain>` — unless
 * the INVITE asks for privacy, when no identity leaves it (the callee is
 * outside the trust domain). Two Parley engines register to it.
 *  - alice calls bob: bob shows the identity Kamailio asserted (its display
 *    name, not alice's From) and marks it verified;
 *  - alice's account is set to privacy 'id' (the Privacy account setting):
 *    bob sees an anonymous caller, withheld, not verified; Kamailio saw
 *    `Privacy: id` and alice's P-Preferred-Identity and authenticated her;
 *  - 'header': `Privacy: header;id`, and no User-Agent;
 *  - an INVITE straight to bob's socket, not through his server, with a
 *    forged P-Asserted-Identity: ignored, the From is shown, not verified.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallSnapshot } from '../../electron/api/snapshots.ts';
import { startKamailio, type KamailioHandle } from './harness/index.ts';
import { startParleyEngine, type ParleyEnginePeer } from './harness/parley-engine.ts';
import { RawSipSocket, buildRequest, randomToken } from './harness/raw-sip.ts';

const users = [
  { username: 'alice', password: 'alicepw' },
  { username: 'bob', password: 'bobpw' },
];

describe('caller identity through Kamailio: P-Asserted-Identity trust and the Privacy setting (RFC 3325, 3323)', { timeout: 120_000 }, () => {
  let kam: KamailioHandle;
  let alice: ParleyEnginePeer;
  let bob: ParleyEnginePeer;
  let aliceId = '';
  let proxy = '';

  const register = async (p: ParleyEnginePeer, user: string, displayName: string) => {
    const a = await p.call('accounts.add', { aor: `sip:${user}@${kam.domain}`, displayName, password: `${user}pw`, registrar: proxy, outboundProxy: proxy, codecs: ['PCMU'] });
    await p.waitFor('registration', (r) => r.accountId === a.id && r.state === 'registered', 10_000, `${user} registered`);
    return a.id;
  };

  /** alice calls bob through Kamailio; returns the call as bob's phone shows it, then both hang up. */
  const ringBob = async (): Promise<{ seen: CallSnapshot; invite: string }> => {
    bob.events.splice(0);
    const out = await alice.call('call.dial', { accountId: aliceId, target: `sip:bob@${kam.domain}` });
    try {
      const seen = await bob.waitFor('call', (c) => c.direction === 'in' && c.state === 'incoming', 10_000, 'bob rings').catch((e: unknown) => {
        throw new Error(`${String(e)}\n${kam.logs().slice(-3000)}`);
      });
      const invite = bob.all('trace').filter((t) => t.direction === 'in' && t.text.startsWith('INVITE ') && t.callId === seen.sipCallId).at(-1)?.text ?? '';
      await bob.call('call.decline', { callId: seen.id });
      return { seen, invite };
    } finally {
      await alice.call('call.hangup', { callId: out.id }).catch(() => undefined);
    }
  };

  /** Changes alice's caller-ID privacy; the account registers again before it calls. */
  const setPrivacy = async (privacy: 'none' | 'id' | 'header') => {
    alice.events.splice(0);
    const updated = await alice.call('accounts.update', { id: aliceId, changes: { privacy } });
    assert.equal(updated.privacy, privacy);
    await alice.waitFor('registration', (r) => r.accountId === aliceId && r.state === 'registered', 10_000, 'alice registered again');
  };

  before(async () => {
    kam = await startKamailio({ users, aliases: [], ipv6: false, authenticateCalls: true, assertIdentity: true });
    proxy = `sip:127.0.0.1:${kam.udpPort}`;
    [alice, bob] = await Promise.all([startParleyEngine({ name: 'alice', toneHz: 600 }), startParleyEngine({ name: 'bob', toneHz: 700 })]);
    aliceId = await register(alice, 'alice', 'Alice From');
    await register(bob, 'bob', 'Bob');
  });

  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await kam?.stop();
  });

  it('the identity the server asserts is shown, verified — not the From the caller wrote', async () => {
    const { seen, invite } = await ringBob();
    assert.match(invite, /P-Asserted-Identity: "alice \(verified\)" <sip:alice@/i, invite);
    assert.equal(seen.remote.uri, `sip:alice@${kam.domain}`);
    assert.equal(seen.remote.displayName, 'alice (verified)');
    assert.equal(seen.remote.verified, true);
    assert.notEqual(seen.remote.withheld, true);
  });

  it("privacy 'id' on alice's account: bob sees anonymous, withheld, unverified; the server still authenticated alice", async () => {
    await setPrivacy('id');
    const { seen, invite } = await ringBob();
    assert.match(invite, /^From: .*anonymous@anonymous\.invalid/im, invite);
    assert.match(invite, /^Privacy: id\r?$/im);
    assert.doesNotMatch(invite, /P-Asserted-Identity|P-Preferred-Identity/i, 'no identity left the trust domain');
    assert.doesNotMatch(invite, /alice/i, 'nothing of alice in what bob got');
    assert.match(seen.remote.uri, /anonymous/);
    assert.equal(seen.remote.withheld, true);
    assert.notEqual(seen.remote.verified, true);
    // What alice sent to her server: the preferred identity it authenticated (and removed).
    const sent = alice.all('trace').filter((t) => t.direction === 'out' && t.text.startsWith('INVITE sip:bob@')).at(-1)?.text ?? '';
    assert.match(sent, /P-Preferred-Identity: <sip:alice@/i, sent);
    assert.match(sent, /^Proxy-Authorization: Digest/im, 'answered the 407: authenticated');
  });

  it("privacy 'header': Privacy: header;id and no User-Agent", async () => {
    await setPrivacy('header');
    const { seen, invite } = await ringBob();
    assert.match(invite, /^Privacy: header;id\r?$/im, invite);
    assert.doesNotMatch(invite, /^User-Agent:/im);
    assert.equal(seen.remote.withheld, true);
    await setPrivacy('none');
  });

  it('a P-Asserted-Identity from anyone but the account’s server is ignored', async () => {
    bob.events.splice(0);
    const raw = await RawSipSocket.open(4);
    try {
      const port = Number(/:(\d+)$/.exec(bob.aor)![1]);
      const sdp = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
      const callId = randomToken(8);
      await raw.send(
        buildRequest({
          method: 'INVITE',
          uri: `sip:bob@127.0.0.1:${port}`,
          from: `"Mallory" <sip:mallory@evil.test>;tag=${randomToken()}`,
          to: `<sip:bob@${kam.domain}>`,
          callId,
          cseq: 1,
          viaHostPort: `127.0.0.1:${raw.port}`,
          contact: `<sip:mallory@127.0.0.1:${raw.port}>`,
          headers: ['P-Asserted-Identity: "The Boss" <sip:boss@sipA.test>', 'Remote-Party-ID: "The Boss" <sip:boss@sipA.test>;party=calling;screen=yes'],
          body: sdp,
        }),
        port,
      );
      const seen = await bob.waitFor('call', (c) => c.direction === 'in' && c.sipCallId === callId, 10_000, 'the forged call rings');
      assert.equal(seen.remote.uri, 'sip:mallory@evil.test');
      assert.equal(seen.remote.displayName, 'Mallory');
      assert.notEqual(seen.remote.verified, true, 'not verified');
      await bob.call('call.decline', { callId: seen.id });
    } finally {
      raw.close();
    }
  });
});
