/**
 * Instant messages (RFC 3428) between Parley and two other softphones,
 * baresip 1.0 (its menu's /message to the current contact) and linphonec
 * (liblinphone 5.1, its `chat` command), all registered to Kamailio on
 * loopback with MESSAGE challenged (407) like calls. Each direction:
 *  - Parley → peer: Parley's message ends 'delivered' (the peer's 200 came
 *    back through the proxy) and the peer shows the text it got (baresip's
 *    menu prints it to its UI, read over cons.so; linphonec to stdout);
 *  - peer → Parley: Parley stores a received message from the peer's AOR
 *    (answered 200); liblinphone's "delivered" receipts (RFC 5438 IMDN,
 *    message/imdn+xml) for our messages are answered 200 and not shown;
 *  - a failure: Parley → the peer after it stopped (unregistered) is
 *    'failed' with Kamailio's 404 in words.
 * The domain is 127.0.0.2 for linphonec's sake (harness/linphone-calls.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MessageSnapshot } from '../../electron/api/snapshots.ts';
import { startBaresip, startKamailio } from './harness/index.ts';
import type { BaresipHandle, KamailioHandle } from './harness/index.ts';
import { startLinphonec, type LinphonecHandle } from './harness/linphonec.ts';
import { freePort } from './harness/free-port.ts';
import { sleep } from './harness/managed-process.ts';
import { connect, type Socket } from 'node:net';
import { startParleyEngine, type ParleyEnginePeer } from './harness/parley-engine.ts';

const DOMAIN = '127.0.0.2';
const users = [
  { username: 'alice', password: 'alicepw' },
  { username: 'carol', password: 'carolpw' },
  { username: 'lin', password: 'linpw' },
];

async function finalState(peer: ParleyEnginePeer, sent: MessageSnapshot): Promise<MessageSnapshot> {
  if (sent.status !== 'sending') return sent;
  return peer.waitFor('message', (m) => m.id === sent.id && m.status !== 'sending', 35_000, `final state of ${sent.id}`);
}

async function waitRegistered(kam: KamailioHandle, user: string, logs: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await kam.locations()).some((l) => l.aor.startsWith(`${user}@`) || l.aor === user)) {
    if (Date.now() > deadline) throw new Error(`${user} did not register:\n${logs().slice(-2000)}`);
    await sleep(100);
  }
}

describe('messages between Parley, baresip and linphonec through Kamailio', { timeout: 180_000 }, () => {
  let kam: KamailioHandle;
  let alice: ParleyEnginePeer;
  let carol: BaresipHandle | undefined;
  let lin: LinphonecHandle | undefined;
  let aliceId = '';
  /** What baresip's menu writes to its UI (cons.so over TCP): it prints each received message there. */
  let baresipUi = '';
  let consSocket: Socket | undefined;

  before(async () => {
    kam = await startKamailio({ domain: DOMAIN, users, aliases: [], ipv6: false, authenticateCalls: true });
    const proxy = `sip:127.0.0.1:${kam.udpPort}`;
    alice = await startParleyEngine({ name: 'alice', toneHz: 600 });
    const a = await alice.call('accounts.add', { aor: `sip:alice@${DOMAIN}`, password: 'alicepw', registrar: proxy, outboundProxy: proxy, codecs: ['PCMU'] });
    aliceId = a.id;
    await alice.waitFor('registration', (r) => r.accountId === aliceId && r.state === 'registered', 10_000, 'alice registered');
    const consPort = await freePort(['tcp4', 'udp4']);
    carol = await startBaresip({
      extraConfig: [`cons_listen 127.0.0.1:${consPort}`],
      accounts: [{ aor: `sip:carol@${DOMAIN}`, password: 'carolpw', outbound: `${proxy};lr`, regint: 600, audioCodecs: 'PCMU/8000/1' }],
      extraModules: ['contact.so', 'cons.so'],
      // /message writes to the current contact: the only one, alice.
      contacts: [`"Alice" <sip:alice@${DOMAIN}>`],
    });
    consSocket = connect(consPort, '127.0.0.1');
    consSocket.on('data', (d: Buffer) => (baresipUi += d.toString('utf8')));
    consSocket.on('error', () => undefined);
    lin = await startLinphonec({ user: 'lin', password: 'linpw', domain: DOMAIN, proxyPort: kam.udpPort, codecs: ['PCMU'], debugLevel: Number(process.env.LIN_DEBUG ?? 0) });
    await waitRegistered(kam, 'carol', () => carol!.logs());
    await waitRegistered(kam, 'lin', () => lin!.output());
  });

  after(async () => {
    consSocket?.destroy();
    await Promise.allSettled([alice?.close(), carol?.stop(), lin?.stop()]);
    await kam?.stop();
  });

  it('Parley → baresip: delivered (200), baresip shows the text', async () => {
    const text = 'Hi carol — olá ☎';
    const sent = await finalState(alice, await alice.call('messages.send', { accountId: aliceId, target: `sip:carol@${DOMAIN}`, body: text }));
    assert.equal(sent.status, 'delivered', JSON.stringify(sent));
    assert.equal(sent.code, 200);
    const deadline = Date.now() + 5000;
    while (!baresipUi.includes(text)) {
      if (Date.now() > deadline) assert.fail(`baresip did not show the message: ${JSON.stringify(baresipUi)}\n${carol!.logs().slice(-2000)}`);
      await sleep(50);
    }
    // menu.so prints `<peer>: "<text>"` for every MESSAGE it took.
    assert.ok(baresipUi.includes(`sip:alice@${DOMAIN}: "${text}"`), JSON.stringify(baresipUi));
  });

  it('baresip → Parley: received from carol’s AOR, answered 200', async () => {
    const text = 'hello from baresip';
    const r = await carol!.command('message', text);
    assert.ok(r.ok, r.data);
    const got = await alice.waitFor('message', (m) => m.direction === 'in' && m.body === text, 10_000, 'baresip’s message').catch((e: unknown) => {
      throw new Error(`${String(e)}\n${carol!.logs().slice(-2000)}\n${kam.logs().slice(-2000)}`);
    });
    assert.equal(got.status, 'received');
    assert.match(got.peer, new RegExp(`^sip:carol@${DOMAIN.replace(/\./g, '\\.')}`));
    assert.ok(alice.trace().includes('MESSAGE'), 'the MESSAGE is in the trace');
  });

  it('Parley → linphonec: delivered (200), linphonec shows the text', async () => {
    const text = 'Hi lin, are you there?';
    const from = lin!.output().length;
    const sent = await finalState(alice, await alice.call('messages.send', { accountId: aliceId, target: `sip:lin@${DOMAIN}`, body: text }));
    assert.equal(sent.status, 'delivered', JSON.stringify(sent));
    assert.equal(sent.code, 200);
    await lin!.waitForOutput(new RegExp(text.replace(/[?]/g, '\\?')), 5000, from);
  });

  it('linphonec → Parley: received from lin’s AOR; linphonec’s delivery receipts (IMDN) for ours are taken, not refused', async () => {
    const text = 'hello from linphonec';
    const from = lin!.output().length;
    lin!.command(`chat sip:alice@${DOMAIN} ${text}`);
    const got = await alice.waitFor('message', (m) => m.direction === 'in' && m.body === text, 10_000, 'linphonec’s message').catch((e: unknown) => {
      throw new Error(`${String(e)}\n${JSON.stringify(alice.all('message').filter((m) => m.direction === 'in'))}\n${lin!.output().slice(-2000)}\n${lin!.log().split('\n').filter((l) => /MESSAGE|SIP\/2.0|Content-Type|message sent to|received \[|error/.test(l)).slice(-80).join('\n')}`);
    });
    assert.equal(got.status, 'received');
    assert.match(got.peer, /^sip:lin@127\.0\.0\.2/);
    assert.equal(lin!.output().slice(from).includes('error'), false, lin!.output().slice(from));
    // liblinphone answers every message with a "delivered" IMDN (message/imdn+xml): 200, not 415, and not a message.
    const trace = alice.trace();
    assert.ok(trace.includes('message/imdn+xml'), 'linphonec sent its IMDN');
    assert.ok(!trace.includes('415 Unsupported Media Type'), `no MESSAGE refused:\n${trace.split('\n').slice(-60).join('\n')}`);
    assert.equal(alice.all('message').filter((m) => m.direction === 'in' && m.peer.startsWith('sip:lin@')).length, 1);
  });

  it('to a peer that has gone (baresip stopped, unregistered): failed, with the 404 in words', async () => {
    await carol!.stop();
    carol = undefined;
    const deadline = Date.now() + 10_000;
    while ((await kam.locations()).some((l) => l.aor.startsWith('carol'))) {
      if (Date.now() > deadline) assert.fail('carol still registered after baresip stopped');
      await sleep(100);
    }
    const sent = await finalState(alice, await alice.call('messages.send', { accountId: aliceId, target: `sip:carol@${DOMAIN}`, body: 'still there?' }));
    assert.equal(sent.status, 'failed', JSON.stringify(sent));
    assert.equal(sent.code, 404);
    assert.ok(sent.words && sent.words.length > 0, JSON.stringify(sent));
  });
});
