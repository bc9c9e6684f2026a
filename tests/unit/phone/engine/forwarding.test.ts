/**
 * Call forwarding between three real phones on 127.0.0.1, each with a tone
 * as its microphone (A 600 Hz, B 800 Hz, C 1000 Hz): A calls B, B forwards
 * to C — by 302 (A's phone follows it to C) or by a new leg (B calls C and
 * joins the two calls) — and each side measures what it hears.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { emptyForwardingRule } from '../../../../electron/api/forwarding-contract.ts';
import { dominantFrequency, toneLevelDbfs } from '../../../helpers/audio-analysis.ts';
import { removeTempDirs } from '../temp-dir.ts';
import { sleep, startPhone, type TestPhone } from './engine-harness.ts';

describe('engine: call forwarding over loopback', () => {
  let a: TestPhone;
  let b: TestPhone;
  let c: TestPhone;

  before(async () => {
    [a, b, c] = await Promise.all([startPhone('a', 600), startPhone('b', 800), startPhone('c', 1000)]);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close(), c?.close()]);
    removeTempDirs();
  });
  beforeEach(() => {
    for (const p of [a, b, c]) p.reset();
  });

  const cTarget = () => `sip:carol@127.0.0.1:${c.port}`;

  async function hears(p: TestPhone, callId: string, ms = 1500): Promise<{ hz: number; dbfs: number }> {
    const since = Date.now();
    await sleep(ms + 300);
    const heard = p.sinks.get(callId)!.since(since).subarray(0, Math.round((ms / 1000) * 48000));
    const hz = dominantFrequency(heard, 48000);
    // The median over 100 ms blocks: a frame concealed on a loaded test host shifts the tone's phase,
    // which one Goertzel over the whole window would count as a lower level.
    const blocks: number[] = [];
    for (let i = 0; i + 4800 <= heard.length; i += 4800) blocks.push(toneLevelDbfs(heard.subarray(i, i + 4800), 48000, hz));
    blocks.sort((x, y) => x - y);
    return { hz, dbfs: blocks[Math.floor(blocks.length / 2)] ?? -Infinity };
  }

  test('a rule naming our own address is refused; the snapshot says what is on', async () => {
    const own = await b.try('forwarding.set', { rule: { ...emptyForwardingRule(), always: b.aor } });
    assert.equal(own.ok, false);
    assert.match(JSON.stringify(own), /own addresses/);
    const snap = await b.call('forwarding.set', { rule: { ...emptyForwardingRule(), busy: cTarget() } });
    assert.equal(snap.active, true);
    assert.match(snap.summary!, /^When busy to sip:carol@/);
    const event = await b.waitFor('forwarding', (f) => f.active, 2000);
    assert.deepEqual(event, snap);
    const off = await b.call('forwarding.set', { rule: null });
    assert.equal(off.active, false);
  });

  test('always, by 302: A’s call ends up at C with Diversion, audio both ways; B keeps "forwarded to" in its history', async (t) => {
    await b.call('forwarding.set', { rule: { ...emptyForwardingRule(), always: cTarget() } });
    const dialled = await a.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}` });
    const incoming = await c.waitFor('call.incoming', () => true, 5000, 'C rings');
    // B's direct account took the call (it answers any user): the Diversion names B's own address.
    assert.equal(incoming.forwardedBy?.text, `forwarded by ${b.aor.replace(/^sip:/, '')}, always`);
    await c.call('call.answer', { callId: incoming.id });
    await a.waitFor('call', (x) => x.id === dialled.id && x.state === 'active', 5000, 'A connected to C');
    const [heardByA, heardByC] = await Promise.all([hears(a, dialled.id), hears(c, incoming.id)]);
    t.diagnostic(`A hears ${heardByA.hz.toFixed(1)} Hz at ${heardByA.dbfs.toFixed(1)} dBFS; C hears ${heardByC.hz.toFixed(1)} Hz at ${heardByC.dbfs.toFixed(1)} dBFS`);
    assert.ok(Math.abs(heardByA.hz - 1000) < 5, `A hears C (${heardByA.hz} Hz)`);
    assert.ok(Math.abs(heardByC.hz - 600) < 5, `C hears A (${heardByC.hz} Hz)`);
    assert.ok(heardByA.dbfs > -25 && heardByC.dbfs > -25);
    const bHistory = await b.waitFor('history', (h) => h.direction === 'in', 3000, 'B history');
    assert.equal(bHistory.code, 302);
    assert.match(bHistory.forwardedTo ?? '', /^forwarded to carol@127\.0\.0\.1:\d+, always$/);
    assert.equal(b.events.some((e) => e.event === 'call.incoming'), false, 'B never rang');
    await a.call('call.hangup', { callId: dialled.id });
    await c.waitFor('call', (x) => x.id === incoming.id && x.state === 'ended', 5000, 'ended on C');
    await b.call('forwarding.set', { rule: null });
  });

  test('busy, by a new leg: B declines, B calls C and joins the calls; A and C hear each other, B hears nothing', async (t) => {
    await b.call('forwarding.set', { rule: { ...emptyForwardingRule(), busy: cTarget(), method: 'bridge' } });
    const dialled = await a.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}` });
    const ringing = await b.waitFor('call.incoming', () => true, 5000, 'B rings');
    await b.call('call.decline', { callId: ringing.id });
    const forwarding = await b.waitFor('call', (x) => x.id === ringing.id && x.forwardedTo?.state === 'trying', 3000, 'B forwarding');
    assert.equal(forwarding.state, 'ringing', 'not ringing here any more');
    assert.deepEqual(forwarding.actions, ['hangup']);
    const incoming = await c.waitFor('call.incoming', () => true, 5000, 'C rings');
    assert.match(incoming.forwardedBy?.text ?? '', /busy$/);
    await c.call('call.answer', { callId: incoming.id });
    await a.waitFor('call', (x) => x.id === dialled.id && x.state === 'active', 5000, 'A answered by B once C answered');
    await b.waitFor('call', (x) => x.id === ringing.id && x.forwardedTo?.state === 'connected' && x.state === 'active', 5000, 'B joined');
    const [heardByA, heardByC] = await Promise.all([hears(a, dialled.id, 2000), hears(c, incoming.id, 2000)]);
    t.diagnostic(`through B: A hears ${heardByA.hz.toFixed(1)} Hz at ${heardByA.dbfs.toFixed(1)} dBFS; C hears ${heardByC.hz.toFixed(1)} Hz at ${heardByC.dbfs.toFixed(1)} dBFS`);
    assert.ok(Math.abs(heardByA.hz - 1000) < 5, `A hears C through B (${heardByA.hz} Hz)`);
    assert.ok(Math.abs(heardByC.hz - 600) < 5, `C hears A through B (${heardByC.hz} Hz)`);
    assert.ok(heardByA.dbfs > -30 && heardByC.dbfs > -30, 'at a usable level');
    const bSpeaker = b.sinks.get(ringing.id);
    assert.equal(bSpeaker?.samples ?? 0, 0, 'nothing of the forwarded call reaches B’s speaker');
    assert.equal(b.events.filter((e) => e.event === 'call' && e.data.id !== ringing.id).length, 0, 'the new leg is not shown as a call of its own');
    // C hangs up: B ends the caller's call too.
    await c.call('call.hangup', { callId: incoming.id });
    await a.waitFor('call', (x) => x.id === dialled.id && x.state === 'ended', 5000, 'A ended');
    const bHistory = await b.waitFor('history', (h) => h.direction === 'in', 3000, 'B history');
    assert.match(bHistory.forwardedTo ?? '', /busy, by a new call$/);
    assert.equal((await b.call('calls.list', {})).length, 0, 'B holds no call');
    await b.call('forwarding.set', { rule: null });
  });

  test('by a new leg to a target that refuses: the caller is refused busy, B’s history says not reached', async () => {
    await c.call('settings.update', { dnd: true });
    await b.call('forwarding.set', { rule: { ...emptyForwardingRule(), always: cTarget(), method: 'bridge' } });
    const dialled = await a.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}` });
    const ended = await a.waitFor('call', (x) => x.id === dialled.id && x.state === 'ended', 8000, 'A refused');
    assert.equal(ended.code, 486);
    const bHistory = await b.waitFor('history', (h) => h.direction === 'in', 3000, 'B history');
    assert.match(bHistory.forwardedTo ?? '', /not reached/);
    await c.call('settings.update', { dnd: false });
    await b.call('forwarding.set', { rule: null });
  });
});
