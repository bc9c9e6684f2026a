/**
 * Instant messages (RFC 3428) between two Parley engines through Kamailio on
 * loopback, with MESSAGE challenged (407) like calls and msilo keeping
 * messages for subscribers who are not registered:
 *  - alice writes to bob while bob is offline: Kamailio answers 202, alice
 *    shows "stored"; bob registers and the server hands it over;
 *  - bob answers: delivered (200) on bob's side, received on alice's;
 *  - alice writes to an address nobody has: failed with 404 in words.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageSnapshot } from '../../electron/api/snapshots.ts';
import { startKamailio } from './harness/index.ts';
import type { KamailioHandle } from './harness/index.ts';
import { startParleyEngine } from './harness/parley-engine.ts';
import type { ParleyEnginePeer } from './harness/parley-engine.ts';

const users = [
  { username: 'alice', password: 'alicepw' },
  { username: 'bob', password: 'bobpw' },
];

/** The final state of an outgoing message: from the command's answer, or the event that follows it. */
async function finalState(peer: ParleyEnginePeer, sent: MessageSnapshot): Promise<MessageSnapshot> {
  if (sent.status !== 'sending') return sent;
  return peer.waitFor('message', (m) => m.id === sent.id && m.status !== 'sending', 10_000, `final state of ${sent.id}`);
}

describe('messages through Kamailio, with store and forward (msilo)', { timeout: 120_000 }, () => {
  let kam: KamailioHandle;
  let alice: ParleyEnginePeer;
  let bob: ParleyEnginePeer;
  let aliceId = '';
  let bobId = '';
  let proxy = '';

  const register = async (p: ParleyEnginePeer, user: string) => {
    const a = await p.call('accounts.add', { aor: `sip:${user}@${kam.domain}`, password: `${user}pw`, registrar: proxy, outboundProxy: proxy, codecs: ['PCMU'] });
    await p.waitFor('registration', (r) => r.accountId === a.id && r.state === 'registered', 10_000, `${user} registered`);
    return a.id;
  };

  before(async () => {
    kam = await startKamailio({ users, aliases: [], ipv6: false, authenticateCalls: true, messageStore: true });
    proxy = `sip:127.0.0.1:${kam.udpPort}`;
    [alice, bob] = await Promise.all([startParleyEngine({ name: 'alice', toneHz: 600 }), startParleyEngine({ name: 'bob', toneHz: 700 })]);
    aliceId = await register(alice, 'alice');
  });

  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await kam?.stop();
  });

  it('to an offline subscriber: stored by the server (202), handed over when bob registers', async () => {
    const text = 'Call me when you are back — ☎ olá';
    const sent = await finalState(alice, await alice.call('messages.send', { accountId: aliceId, target: `sip:bob@${kam.domain}`, body: text }));
    assert.equal(sent.status, 'stored', `${JSON.stringify(sent)}\n${kam.logs().slice(-3000)}`);
    assert.equal(sent.code, 202);
    assert.equal(bob.all('message').length, 0);
    bobId = await register(bob, 'bob');
    const got = await bob.waitFor('message', (m) => m.direction === 'in' && m.body.includes('Call me when you are back'), 10_000, 'the stored message').catch((e: unknown) => {
      throw new Error(`${String(e)}\n${bob.trace().slice(-3000)}\n${kam.logs().slice(-3000)}`);
    });
    assert.equal(got.status, 'received');
    // msilo prefixes the text with when it was stored; what alice wrote arrives intact after it.
    assert.ok(got.body.endsWith(text), `body ${JSON.stringify(got.body)}`);
  });

  it('both ways while registered: delivered (200) on the sender, received on the other side', async () => {
    const reply = await finalState(bob, await bob.call('messages.send', { accountId: bobId, target: `sip:alice@${kam.domain}`, body: 'Back now.' }));
    assert.equal(reply.status, 'delivered', JSON.stringify(reply));
    assert.equal(reply.code, 200);
    const got = await alice.waitFor('message', (m) => m.direction === 'in' && m.body === 'Back now.', 10_000, 'bob’s reply');
    assert.match(got.peer, /^sip:bob@/);
    const convs = await alice.call('messages.conversations', {});
    const withBob = convs.find((c) => c.peer.startsWith('sip:bob@'));
    assert.ok(withBob, JSON.stringify(convs));
    assert.equal(withBob.count, 2);
    assert.equal(withBob.unread, 1);
  });

  it('to an address nobody has: failed, with the 404 in words', async () => {
    const sent = await finalState(alice, await alice.call('messages.send', { accountId: aliceId, target: `sip:nobody@${kam.domain}`, body: 'hello?' }));
    assert.equal(sent.status, 'failed', JSON.stringify(sent));
    assert.equal(sent.code, 404);
    assert.ok(sent.words && sent.words.length > 0, JSON.stringify(sent));
  });
});
