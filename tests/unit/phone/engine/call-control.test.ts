/**
 * Call control between engines on loopback (RFC 5589 attended transfer, RFC
 * 3891 Replaces): B talks to A, consults C, and completes the transfer — A
 * ends up talking to C (audio measured), both of B's calls end; a pickup
 * replaces a call still ringing; the §3 refusals (481, 486) as answered.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { dominantFrequency } from '../../../helpers/audio-analysis.ts';
import { removeTempDirs } from '../temp-dir.ts';
import { sleep, startPhone, type TestPhone } from './engine-harness.ts';

/** The tags of a dialog as seen in a SIP message's From and To. */
function tagsOf(text: string): { from: string; to: string } {
  const tag = (name: string) => new RegExp(`^${name}:.*;tag=([^;\\s]+)`, 'mi').exec(text)?.[1] ?? '';
  return { from: tag('From'), to: tag('To') };
}

describe('engine: attended transfer and Replaces', () => {
  let a: TestPhone;
  let b: TestPhone;
  let c: TestPhone;

  before(async () => {
    [a, b, c] = await Promise.all([startPhone('a', 600), startPhone('b', 1000), startPhone('c', 800)]);
    await a.call('accounts.add', { aor: 'sip:alice@127.0.0.1', codecs: ['PCMU'] });
    await b.call('accounts.add', { aor: 'sip:bob@127.0.0.1', codecs: ['opus', 'PCMU'] });
    await c.call('accounts.add', { aor: 'sip:carol@127.0.0.1', codecs: ['PCMU'] });
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close(), c?.close()]);
    removeTempDirs();
  });
  beforeEach(() => {
    for (const p of [a, b, c]) p.reset();
  });

  async function connect(from: TestPhone, to: TestPhone, target: string) {
    const out = await from.call('call.dial', { target });
    const inc = await to.waitFor('call.incoming', () => true, 5000);
    await to.call('call.answer', { callId: inc.id });
    await from.waitFor('call', (x) => x.id === out.id && x.state === 'active', 5000, 'active');
    await to.waitFor('call', (x) => x.id === inc.id && x.state === 'active', 5000, 'active');
    return { out, inc };
  }

  test('attended transfer: B consults C, then transfers A to that call; A talks to C, B leaves both', async () => {
    const ab = await connect(a, b, `sip:bob@127.0.0.1:${b.port}`);
    const bc = await connect(b, c, `sip:carol@127.0.0.1:${c.port}`);
    const held = await b.waitFor('call', (x) => x.id === ab.inc.id && x.state === 'held', 5000, 'dialling the consultation held A');
    assert.equal(held.held, true);
    await b.call('call.transfer', { callId: ab.inc.id, toCallId: bc.out.id });
    const atC = await c.waitFor('call', (x) => x.id !== bc.inc.id && x.state === 'active', 5000, 'A’s replacing call answered at C without ringing');
    assert.equal(atC.replacedCall, bc.inc.id, 'C knows which call it replaced');
    assert.equal(atC.remote.uri, 'sip:alice@127.0.0.1');
    assert.ok(!c.events.some((e) => e.event === 'call.incoming' && e.data.id === atC.id), 'the replacing call never rang');
    await c.waitFor('call', (x) => x.id === bc.inc.id && x.state === 'ended', 5000, 'C ends the consultation call');
    const done = await b.waitFor('call', (x) => x.id === ab.inc.id && x.state === 'ended', 5000, 'B leaves the transferred call');
    assert.equal(done.transfer?.state, 'succeeded');
    assert.equal(done.transfer?.toCallId, bc.out.id);
    await b.waitFor('call', (x) => x.id === bc.out.id && x.state === 'ended', 5000, 'B’s consultation call ends');
    const aOld = await a.waitFor('call', (x) => x.id === ab.out.id && x.state === 'ended', 5000, 'A’s old call ends');
    // A, the transferee, leaves only once B has its final NOTIFY: a BYE beside it can overtake it, and B,
    // its dialog gone, would answer the NOTIFY 481 and never learn the transfer worked (RFC 5589 §6.1).
    const trace = a.events.flatMap((e) => (e.event === 'trace' && e.data.callId === aOld.sipCallId ? [e.data] : []));
    const notified = trace.findIndex((t) => t.direction === 'out' && /^NOTIFY /.test(t.text) && /\r\n\r\nSIP\/2\.0 200 /.test(t.text));
    const answered = trace.findIndex((t, i) => i > notified && t.direction === 'in' && /^SIP\/2\.0 200 /.test(t.text) && /^CSeq: \d+ NOTIFY\r?$/m.test(t.text));
    const bye = trace.findIndex((t) => t.direction === 'out' && /^BYE /.test(t.text));
    assert.ok(notified >= 0 && answered > notified, `A's final NOTIFY was answered:\n${trace.map((t) => t.text.split('\r\n')[0]).join('\n')}`);
    assert.ok(bye < 0 || bye > answered, `A's BYE waited for the NOTIFY's answer:\n${trace.map((t) => `${t.direction} ${t.text.split('\r\n')[0]}`).join('\n')}`);
    const aCalls = await a.call('calls.list', {});
    assert.equal(aCalls.length, 1);
    assert.equal(aCalls[0]!.state, 'active');
    assert.equal(await b.call('calls.list', {}).then((l) => l.length), 0, 'B has no call left');
    const since = Date.now();
    await sleep(800);
    const heardByA = a.sinks.get(aCalls[0]!.id)!.since(since);
    const heardByC = c.sinks.get(atC.id)!.since(since);
    assert.ok(heardByA.length > 24000 && heardByC.length > 24000, 'audio flows both ways on the final call');
    assert.ok(Math.abs(dominantFrequency(heardByA, 48000) - 800) < 5, 'A hears C');
    assert.ok(Math.abs(dominantFrequency(heardByC, 48000) - 600) < 5, 'C hears A');
    await a.call('call.hangup', { callId: aCalls[0]!.id });
    await c.waitFor('call', (x) => x.id === atC.id && x.state === 'ended', 5000);
  });

  test('pickup: C replaces A’s call still ringing at B (early-only); B stops ringing, A talks to C', async () => {
    const out = await a.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}` });
    const ringing = await b.waitFor('call.incoming', () => true, 5000);
    await a.waitFor('call', (x) => x.id === out.id && x.state === 'ringing', 5000, 'ringing at A');
    const ringingSent = b.events.find((e) => e.event === 'trace' && e.data.direction === 'out' && /^SIP\/2\.0 180/.test(e.data.text));
    assert.ok(ringingSent && ringingSent.event === 'trace');
    const tags = tagsOf(ringingSent.data.text);
    const sipCallId = ringing.sipCallId!;
    // As A has the dialog: its local tag (From) is to-tag, B's (To) from-tag.
    const picked = await c.call('call.pickup', { target: `sip:alice@127.0.0.1:${a.port}`, sipCallId, toTag: tags.from, fromTag: tags.to });
    await c.waitFor('call', (x) => x.id === picked.id && x.state === 'active', 5000, 'the pickup is answered by A');
    const atA = await a.waitFor('call', (x) => x.id !== out.id && x.state === 'active', 5000, 'A answers the pickup at once');
    assert.equal(atA.replacedCall, out.id);
    await a.waitFor('call', (x) => x.id === out.id && x.state === 'ended', 5000, 'A cancels the call to B');
    const gone = await b.waitFor('call', (x) => x.id === ringing.id && x.state === 'ended', 5000, 'B stops ringing');
    assert.equal(gone.code, 487);
    const since = Date.now();
    await sleep(600);
    assert.ok(Math.abs(dominantFrequency(c.sinks.get(picked.id)!.since(since), 48000) - 600) < 5, 'C hears A');
    await c.call('call.hangup', { callId: picked.id });
    await a.waitFor('call', (x) => x.id === atA.id && x.state === 'ended', 5000);
  });

  test('Replaces refused: no such dialog 481; early-only on a connected call 486; the talk goes on', async () => {
    const ab = await connect(a, b, `sip:bob@127.0.0.1:${b.port}`);
    const invite = a.events.find((e) => e.event === 'trace' && e.data.direction === 'out' && /^INVITE /.test(e.data.text));
    const ok = b.events.find((e) => e.event === 'trace' && e.data.direction === 'out' && /^SIP\/2\.0 200/.test(e.data.text) && /CSeq: *\d+ INVITE/i.test(e.data.text));
    assert.ok(invite && invite.event === 'trace' && ok && ok.event === 'trace');
    const tags = tagsOf(ok.data.text);
    const unknown = await c.call('call.pickup', { target: `sip:alice@127.0.0.1:${a.port}`, sipCallId: 'no-such-call@x', toTag: tags.from, fromTag: tags.to });
    const e481 = await c.waitFor('call', (x) => x.id === unknown.id && x.state === 'ended', 5000, '481');
    assert.equal(e481.code, 481);
    const busy = await c.call('call.pickup', { target: `sip:alice@127.0.0.1:${a.port}`, sipCallId: ab.out.sipCallId!, toTag: tags.from, fromTag: tags.to });
    const e486 = await c.waitFor('call', (x) => x.id === busy.id && x.state === 'ended', 5000, '486');
    assert.equal(e486.code, 486, 'early-only never takes a connected call');
    const still = await a.call('calls.list', {});
    assert.deepEqual(still.map((x) => [x.id, x.state]), [[ab.out.id, 'active']]);
    assert.equal(a.events.filter((e) => e.event === 'call.incoming').length, 0, 'nothing rang at A');
    await a.call('call.hangup', { callId: ab.out.id });
    await b.waitFor('call', (x) => x.id === ab.inc.id && x.state === 'ended', 5000);
  });

  test('diagnostics.trace: the engine keeps a call\'s SIP messages, the same as its trace events, asked by Call-ID', async () => {
    const ab = await connect(a, b, `sip:bob@127.0.0.1:${b.port}`);
    await a.call('call.hangup', { callId: ab.out.id });
    await b.waitFor('call', (x) => x.id === ab.inc.id && x.state === 'ended', 5000);
    const callId = ab.out.sipCallId!;
    const kept = await a.call('diagnostics.trace', { callId });
    const seen = a.events.flatMap((e) => (e.event === 'trace' && e.data.callId === callId ? [e.data] : []));
    const firstLines = (l: { direction: string; text: string }[]) => l.map((t) => `${t.direction} ${t.text.split('\r\n')[0]}`);
    assert.ok(kept.length >= 5, `INVITE, 200, ACK, BYE, 200 at least: ${firstLines(kept).join(' | ')}`);
    assert.deepEqual(firstLines(kept), firstLines(seen));
    assert.match(kept[0]!.text, /^INVITE /);
    assert.ok(kept.every((t) => t.callId === callId));
    const all = await a.call('diagnostics.trace', {});
    assert.ok(all.length > kept.length, 'without a Call-ID: every kept message (the registrations too)');
    assert.deepEqual(await a.call('diagnostics.trace', { callId: 'no-such-call@x' }), []);
  });
});
