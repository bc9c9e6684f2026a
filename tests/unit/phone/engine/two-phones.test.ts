/**
 * Two engines in one process, each a real phone on 127.0.0.1: A calls one of
 * B's aliases over the direct account, with a tone as each microphone (A
 * 600 Hz, B 1000 Hz, PCMU), and each side measures what it hears.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { CallSnapshot, HistoryEntry } from '../../../../electron/api/snapshots.ts';
import { dominantFrequency, toneLevelDbfs } from '../../../helpers/audio-analysis.ts';
import { removeTempDirs } from '../temp-dir.ts';
import { sleep, startPhone, type TestPhone } from './engine-harness.ts';

const ALIAS = 'sip:+15550100@127.0.0.1';

describe('engine: two phones over loopback', () => {
  let a: TestPhone;
  let b: TestPhone;

  before(async () => {
    a = await startPhone('a', 600);
    b = await startPhone('b', 1000);
    await b.call('accounts.add', { aor: 'sip:bob@127.0.0.1', aliases: [ALIAS, 'sip:bobby@127.0.0.1'], codecs: ['PCMU'], displayName: 'Bob' });
    await b.call('contacts.add', { name: 'Alice', addresses: [{ label: 'direct', uri: a.aor }] });
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    removeTempDirs();
  });

  beforeEach(() => {
    a.reset();
    b.reset();
  });

  test('A calls B’s alias: B sees who calls and which alias, audio flows both ways, history on both', async (t) => {
    const dialled = await a.call('call.dial', { target: `sip:+15550100@127.0.0.1:${b.port}` });
    assert.equal(dialled.direction, 'out');
    assert.equal(dialled.localIdentity, a.aor, 'the direct account presents its AOR');

    const incoming = await b.waitFor('call.incoming', () => true, 5000);
    assert.equal(incoming.calledAlias, ALIAS);
    assert.equal(incoming.remote.uri, a.aor);
    assert.equal(incoming.remote.contactName, 'Alice');
    assert.equal(incoming.contact?.name, 'Alice');
    assert.equal(incoming.state, 'incoming');
    await a.waitFor('call', (c) => c.id === dialled.id && c.state === 'ringing', 5000, 'ringing');

    const answered = await b.call('call.answer', { callId: incoming.id });
    assert.ok(['connecting', 'active'].includes(answered.state));
    const aActive = await a.waitFor('call', (c) => c.id === dialled.id && c.state === 'active', 5000, 'active on A');
    await b.waitFor('call', (c) => c.id === incoming.id && c.state === 'active', 5000, 'active on B');
    // The call's own events reach the hosts before the presence they cause (busy): the refresh and its publication
    // wait for the end of the turn, so they no longer stand between the 200 and the call's 'active' event.
    const busy = await a.waitFor('presence.own', (p) => p.effective === 'busy', 5000, 'busy on A');
    const order = a.events.flatMap((e) => (e.data === busy ? ['busy'] : e.event === 'call' && (e.data as CallSnapshot).id === dialled.id ? [(e.data as CallSnapshot).state] : []));
    assert.ok(order.indexOf('connecting') < order.indexOf('busy') && order.indexOf('active') < order.indexOf('busy'), `A's events in order: ${order.join(', ')}`);
    assert.equal(aActive.codec, 'PCMU/8000');
    assert.equal(aActive.code, 200);
    // Both run ICE: the details name the selected pair, our host candidate and the peer's RTP port.
    const withPair = await a.waitFor('call', (c) => c.id === dialled.id && c.icePair !== undefined, 5000, 'the ICE pair on A');
    t.diagnostic(`ICE pair on A: ${JSON.stringify(withPair.icePair)}`);
    assert.equal(withPair.icePair!.local.type, 'host');
    assert.equal(withPair.mediaPath, 'direct');
    const bPair = (await b.waitFor('call', (c) => c.id === incoming.id && c.icePair !== undefined, 5000, 'the ICE pair on B')).icePair!;
    assert.deepEqual(bPair.remote.port, withPair.icePair!.local.port, "B's remote end is A's local candidate");
    assert.deepEqual(withPair.icePair!.remote.port, bPair.local.port, "A's remote end is B's local candidate");

    const since = Date.now();
    await sleep(2300);
    const heardByA = a.sinks.get(dialled.id)!.since(since).subarray(0, 2 * 48000);
    const heardByB = b.sinks.get(incoming.id)!.since(since).subarray(0, 2 * 48000);
    assert.ok(heardByA.length >= 1.9 * 48000, `A recorded ${heardByA.length} samples`);
    const fA = dominantFrequency(heardByA, 48000);
    const fB = dominantFrequency(heardByB, 48000);
    const levelA = toneLevelDbfs(heardByA, 48000, 1000);
    t.diagnostic(`A hears ${fA.toFixed(1)} Hz at ${levelA.toFixed(1)} dBFS; B hears ${fB.toFixed(1)} Hz at ${toneLevelDbfs(heardByB, 48000, 600).toFixed(1)} dBFS`);
    assert.ok(Math.abs(fA - 1000) < 5, `A hears ${fA} Hz`);
    assert.ok(Math.abs(fB - 600) < 5, `B hears ${fB} Hz`);
    assert.ok(levelA > -25, `A hears the tone at ${levelA} dBFS`);

    const stats = await a.waitFor('media.stats', (s) => s.callId === dialled.id && s.packetsReceived > 50, 4000, 'media stats');
    assert.ok(stats.lossPercent < 5);

    await a.call('call.hangup', { callId: dialled.id });
    const aEnd = await a.waitFor('call', (c) => c.id === dialled.id && c.state === 'ended', 5000, 'ended on A');
    await b.waitFor('call', (c) => c.id === incoming.id && c.state === 'ended', 5000, 'ended on B');
    assert.ok(aEnd.endedAt! >= aEnd.answeredAt!);

    const bHistory = await b.waitFor('history', (h) => h.direction === 'in', 3000);
    const aHistory = await a.waitFor('history', (h) => h.direction === 'out', 3000);
    assert.equal(bHistory.localAlias, ALIAS);
    assert.equal(bHistory.peer, a.aor);
    assert.equal(bHistory.peerName, 'Alice');
    assert.ok(bHistory.contactId, 'the history names the contact');
    assert.ok(bHistory.accountId, 'and the account');
    assert.ok(bHistory.answeredAt !== undefined && bHistory.endedAt >= bHistory.answeredAt);
    assert.equal(aHistory.peer, `sip:+15550100@127.0.0.1:${b.port}`);
    assert.equal(aHistory.localAlias, a.aor);
    assert.equal(aHistory.code, 200);
    assert.ok(aHistory.quality && aHistory.quality.mos > 3.5, `quality ${JSON.stringify(aHistory.quality)}`);
    const listed = await b.call('history.list', {});
    assert.equal(listed[0]!.localAlias, ALIAS);
    assert.deepEqual(await a.call('calls.list', {}), []);
  });

  test('B declines: A ends with 486 "busy", then 603 "declined"; both are in B’s history as missed', async () => {
    for (const code of [486, 603] as const) {
      const out = await a.call('call.dial', { target: `sip:bobby@127.0.0.1:${b.port}` });
      b.reset();
      const inc = await b.waitFor('call.incoming', () => true, 5000);
      assert.equal(inc.calledAlias, 'sip:bobby@127.0.0.1');
      await b.call('call.decline', { callId: inc.id, code });
      const end = await a.waitFor('call', (c) => c.id === out.id && c.state === 'ended', 5000, `end after ${code}`);
      assert.equal(end.code, code);
      assert.equal(end.words, code === 486 ? 'busy' : 'declined');
      const h = await a.waitFor('history', (x: HistoryEntry) => x.code === code && x.direction === 'out', 3000);
      assert.equal(h.answeredAt, undefined);
    }
    const missed = await b.call('history.list', { missedOnly: true });
    assert.deepEqual(missed.slice(0, 2).map((h) => h.code), [603, 486]);
  });

  test('hold and resume: the held side stops hearing the holder; both see the states', async (t) => {
    const out = await a.call('call.dial', { target: `sip:+15550100@127.0.0.1:${b.port}` });
    const inc = await b.waitFor('call.incoming', () => true, 5000);
    await b.call('call.answer', { callId: inc.id });
    await a.waitFor('call', (c) => c.id === out.id && c.state === 'active', 5000);
    // B hears A first: silence while held must not be silence that was there all along.
    const sink = b.sinks.get(inc.id)!;
    for (const deadline = Date.now() + 5000; toneLevelDbfs(sink.last(200), 48000, 600) < -25; await sleep(20)) {
      assert.ok(Date.now() < deadline, 'B never heard A before the hold');
    }

    const held = await a.call('call.hold', { callId: out.id });
    assert.equal(held.state, 'held');
    assert.equal(held.held, true);
    await b.waitFor('call', (c) => c.id === inc.id && c.state === 'remote-held', 5000, 'remote-held on B');
    // What was on the way and in B's jitter buffer (at most its 300 ms) plays out; after that nothing of A.
    await sleep(350);
    const since = Date.now();
    await sleep(350);
    const quiet = sink.since(since);
    assert.ok(quiet.length >= 48000 * 0.25, `B played only ${quiet.length} samples in 350 ms`);
    const heldLevel = toneLevelDbfs(quiet, 48000, 600);
    assert.ok(heldLevel < -60, `B still hears A at ${heldLevel} dBFS while held`);

    const resumed = await a.call('call.resume', { callId: out.id });
    assert.equal(resumed.state, 'active');
    await b.waitFor('call', (c) => c.id === inc.id && c.state === 'active' && b.events.some((e) => e.event === 'call' && e.data.id === inc.id && e.data.state === 'remote-held'), 5000);
    await sleep(600);
    const back = toneLevelDbfs(b.sinks.get(inc.id)!.last(400), 48000, 600);
    t.diagnostic(`held: ${heldLevel.toFixed(1)} dBFS, resumed: ${back.toFixed(1)} dBFS at 600 Hz on B`);
    assert.ok(back > -25, `B hears A again at ${back} dBFS`);

    await b.call('call.hangup', { callId: inc.id });
    await a.waitFor('call', (c: CallSnapshot) => c.id === out.id && c.state === 'ended', 5000);
  });
});
