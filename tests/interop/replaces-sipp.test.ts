/**
 * RFC 3891 Replaces and RFC 5589 attended transfer against sipp, both roles,
 * with the whole phone engine on loopback (no proxy). sipp checks the wire
 * (check_it on Refer-To, Replaces, the Request-URI): a mismatch fails its run.
 *
 *  - target: sipp's INVITE with Replaces naming Parley's call to another
 *    sipp is answered 200 at once (no 180), and the replaced call gets BYE;
 *    a Replaces naming no dialog gets 481;
 *  - transferor: Parley REFERs one sipp to its call with another, with the
 *    consultation dialog escaped in Refer-To; on the NOTIFY 200 both of its
 *    calls end;
 *  - transferee: sipp REFERs Parley to a target with ?Replaces=…; Parley's
 *    INVITE carries the Replaces header (and a clean Request-URI), NOTIFYs
 *    100 then 200 (terminated) and leaves the transferor.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runSipp, startSipp } from './harness/sipp.ts';
import { startParleyEngine, type ParleyEnginePeer } from './harness/parley-engine.ts';

/** The tags of the first SIP message in `text` matching `start`: its From and To tags. */
function tags(p: ParleyEnginePeer, sipCallId: string, start: RegExp): { from: string; to: string } {
  const entry = p.all('trace').find((t) => t.callId === sipCallId && start.test(t.text));
  assert.ok(entry, `no ${start} in the trace of ${sipCallId}`);
  const tag = (name: string) => new RegExp(`^${name}:.*;tag=([^;\\s]+)`, 'mi').exec(entry.text)?.[1] ?? '';
  return { from: tag('From'), to: tag('To') };
}

describe('Replaces and attended transfer with sipp (RFC 3891, RFC 5589)', () => {
  let me: ParleyEnginePeer;
  let port: number;

  before(async () => {
    me = await startParleyEngine({ name: 'replaces', toneHz: 700 });
    port = Number(/:(\d+)$/.exec(me.aor)![1]);
  });
  after(async () => {
    await me?.close();
  });

  test('target: an INVITE with Replaces takes over a connected call without ringing; an unknown dialog gets 481', { timeout: 60_000 }, async () => {
    const old = await startSipp({ scenario: 'uas-answer', timeoutMs: 30_000 });
    try {
      const out = await me.call('call.dial', { target: `sip:service@127.0.0.1:${old.localPort}` });
      const active = await me.waitFor('call', (c) => c.id === out.id && c.state === 'active', 8000, 'the call to sipp');
      const t = tags(me, active.sipCallId!, /^SIP\/2\.0 200 /);
      // As Parley has the dialog: its own tag (From of its INVITE) is to-tag, sipp's from-tag.
      const r = await runSipp({ scenario: 'uac-invite-replaces', remote: `127.0.0.1:${port}`, service: 'anyone', keys: { replaces: `${active.sipCallId};to-tag=${t.from};from-tag=${t.to}` }, pauseMs: 500, timeoutMs: 20_000 });
      assert.equal(r.exitCode, 0, `${r.errors || r.output.slice(-1500)}\n${me.trace()}`.slice(-6000));
      const replacing = me.all('call').find((c) => c.replacedCall === out.id);
      assert.ok(replacing, 'the new call names the call it replaced');
      assert.ok(!me.all('call.incoming').some((c) => c.id === replacing.id), 'it never rang');
      await me.waitFor('call', (c) => c.id === out.id && c.state === 'ended', 5000, 'the replaced call ends');
      const o = await old.result;
      assert.equal(o.exitCode, 0, 'the replaced sipp got its BYE');

      const bad = await runSipp({ scenario: 'uac-invite-replaces-481', remote: `127.0.0.1:${port}`, service: 'anyone', keys: { replaces: 'no-such-call@x;to-tag=1;from-tag=2' }, timeoutMs: 15_000 });
      assert.equal(bad.exitCode, 0, bad.errors || bad.output.slice(-1500));
    } finally {
      await old.stop();
    }
  });

  test('transferor: REFER with the consultation dialog in Refer-To; on the NOTIFY 200 both calls end', { timeout: 60_000 }, async () => {
    const transferee = await startSipp({ scenario: 'uas-refer-replaces', timeoutMs: 30_000 });
    const target = await startSipp({ scenario: 'uas-answer', timeoutMs: 30_000 });
    try {
      const toA = await me.call('call.dial', { target: `sip:service@127.0.0.1:${transferee.localPort}` });
      await me.waitFor('call', (c) => c.id === toA.id && c.state === 'active', 8000, 'the call to the transferee');
      const toB = await me.call('call.dial', { target: `sip:service@127.0.0.1:${target.localPort}` });
      const consult = await me.waitFor('call', (c) => c.id === toB.id && c.state === 'active', 8000, 'the consultation call');
      await me.waitFor('call', (c) => c.id === toA.id && c.state === 'held', 8000, 'the first call held');
      await me.call('call.transfer', { callId: toA.id, toCallId: toB.id });
      const done = await me.waitFor('call', (c) => c.id === toA.id && c.state === 'ended', 10_000, 'the transferred call ends').catch((e: unknown) => { throw new Error(`${String(e)}\n${me.trace().slice(-5000)}`); });
      assert.equal(done.transfer?.state, 'succeeded');
      await me.waitFor('call', (c) => c.id === toB.id && c.state === 'ended', 10_000, 'the consultation call ends');
      const refer = me.all('trace').find((t) => t.direction === 'out' && /^REFER /.test(t.text));
      assert.ok(refer);
      const b = tags(me, consult.sipCallId!, /^SIP\/2\.0 200 /);
      const referTo = /^Refer-To: *(.*)$/im.exec(refer.text)?.[1] ?? '';
      // The target (sipp B) has the dialog with its own tag as to-tag.
      assert.equal(decodeURIComponent(/Replaces=([^>]*)/.exec(referTo)?.[1] ?? ''), `${consult.sipCallId};to-tag=${b.to};from-tag=${b.from}`, referTo);
      const [ra, rb] = await Promise.all([transferee.result, target.result]);
      assert.equal(ra.exitCode, 0, `${ra.errors || ra.output.slice(-1500)}\n${me.trace()}`.slice(-6000));
      assert.equal(rb.exitCode, 0, rb.errors || rb.output.slice(-1500));
    } finally {
      await Promise.all([transferee.stop(), target.stop()]);
    }
  });

  test('transferee: REFERred to a target with Replaces, Parley invites it with the header, reports 100 then 200 and leaves', { timeout: 60_000 }, async () => {
    const target = await startSipp({ scenario: 'uas-replaces-target', timeoutMs: 30_000 });
    const stop = me.events.length;
    const answer = (async () => {
      const inc = await me.waitFor('call.incoming', () => true, 10_000, 'the transferor calls');
      await me.call('call.answer', { callId: inc.id });
    })();
    try {
      const referTo = `<sip:target@127.0.0.1:${target.localPort}?Replaces=abc%40host%3Bto-tag%3Dt1%3Bfrom-tag%3Df1>`;
      const r = await runSipp({ scenario: 'uac-refer-replaces', remote: `127.0.0.1:${port}`, service: 'anyone', keys: { referto: referTo }, timeoutMs: 25_000 });
      await answer;
      assert.equal(r.exitCode, 0, `${r.errors || r.output.slice(-1500)}\n${me.trace()}`.slice(-6000));
      const invite = me.events.slice(stop).find((e) => e.event === 'trace' && e.data.direction === 'out' && /^INVITE sip:target@/.test(e.data.text));
      assert.ok(invite && invite.event === 'trace');
      assert.match(invite.data.text, /^INVITE sip:target@127\.0\.0\.1:\d+ SIP\/2\.0\r\n/, 'no URI headers in the Request-URI');
      assert.match(invite.data.text, /^Replaces: abc@host;to-tag=t1;from-tag=f1\r$/m);
      const calls = await me.call('calls.list', {});
      const atTarget = calls.find((c) => c.remote.uri.startsWith('sip:target@'));
      assert.ok(atTarget && atTarget.state === 'active', JSON.stringify(calls));
      await me.call('call.hangup', { callId: atTarget.id });
      const t = await target.result;
      assert.equal(t.exitCode, 0, t.errors || t.output.slice(-1500));
    } finally {
      await target.stop();
    }
  });
});
