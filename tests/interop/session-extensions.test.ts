/**
 * The session extensions against sipp on loopback, directly (no proxy):
 * as caller, a reliable 183 with SDP PRACKed, an UPDATE with a new offer
 * before the answer answered, the 200 without SDP and the session interval
 * it grants; a 422 retried with the Min-SE it names. As callee, an INVITE
 * that requires 100rel and timer with a too small Session-Expires gets 422,
 * the retry gets a reliable 183 that sipp PRACKs, sipp's UPDATE before the
 * answer is answered, and the 200 grants the interval with the caller as
 * refresher. sipp checks every header with check_it: a mismatch fails its run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runSipp, startSipp } from './harness/sipp.ts';
import type { IncomingCall } from '../../electron/sip/ua/incoming-call.ts';
import { startParley, until } from './parley-peer.ts';
import type { ParleyPeer } from './parley-peer.ts';

describe('session extensions with sipp (RFC 3262, 3311, 4028)', () => {
  let me: ParleyPeer;
  let onCall: (c: IncomingCall) => void = () => {};

  before(async () => {
    me = await startParley();
    me.ua.addAccount({ id: 'me', aor: 'sip:me@127.0.0.1', registerExpires: 0 });
    me.ua.on('incomingCall', (c) => onCall(c));
  });
  after(async () => {
    await me?.close();
  });

  test('caller: reliable 183 PRACKed, UPDATE before the answer answered, 200 without SDP, Session-Expires granted', { timeout: 30_000 }, async () => {
    const uas = await startSipp({ scenario: 'uas-100rel-update', timeoutMs: 15_000 });
    try {
      const call = me.ua.call(`sip:service@127.0.0.1:${uas.localPort}`, { accountId: 'me' });
      const states: string[] = [];
      call.on('state', (s) => states.push(s.state));
      await until(() => call.state === 'active', 8000, 'answered');
      assert.deepEqual(states, ['ringing', 'early', 'connecting', 'active']);
      assert.equal(me.sent(/^PRACK /).length, 1);
      assert.ok(me.sent(/^SIP\/2\.0 200 /).some((t) => / UPDATE\b/.test(t.text.split('\r\n').find((l) => l.startsWith('CSeq:')) ?? '')), 'the UPDATE was answered 200');
      assert.deepEqual(call.sessionInterval, { seconds: 1800, local: true });
      await call.hangup();
      assert.equal(call.end?.outcome?.status, 200);
      const r = await uas.result;
      assert.equal(r.exitCode, 0, r.errors || r.output.slice(-1500));
    } finally {
      await uas.stop();
    }
  });

  test('caller: a 422 is retried once with the Min-SE it names', { timeout: 30_000 }, async () => {
    const uas = await startSipp({ scenario: 'uas-422', timeoutMs: 15_000 });
    try {
      const call = me.ua.call(`sip:service@127.0.0.1:${uas.localPort}`, { accountId: 'me' });
      await until(() => call.state === 'active', 8000, 'answered');
      const cseqs = new Set(me.sent(/^INVITE /).map((t) => t.text.split('\r\n').find((l) => l.startsWith('CSeq:'))));
      assert.equal(cseqs.size, 2, 'the INVITE and its retry after the 422 (retransmissions aside)');
      assert.deepEqual(call.sessionInterval, { seconds: 3600, local: false });
      await call.hangup();
      const r = await uas.result;
      assert.equal(r.exitCode, 0, r.errors || r.output.slice(-1500));
    } finally {
      await uas.stop();
    }
  });

  test('callee: Require 100rel, timer — 422 for 60 s, then a reliable 183 PRACKed, sipp\'s UPDATE before the answer, 200 granting 120 s', { timeout: 30_000 }, async () => {
    const port = me.endpoints.udp!.port;
    const calls: IncomingCall[] = [];
    onCall = (c) => {
      calls.push(c);
      c.startEarlyMedia();
      // Answer once sipp's UPDATE (before the answer) has been answered.
      c.on('reoffer', () => void c.accept());
    };
    const r = await runSipp({ scenario: 'uac-100rel-timer', remote: `127.0.0.1:${port}`, service: 'me', domain: `127.0.0.1:${port}`, timeoutMs: 15_000 });
    assert.equal(r.exitCode, 0, `${r.errors || r.output.slice(-1500)}\n${r.messages.slice(-6000)}`);
    assert.equal(calls.length, 1, 'the 422 was sent before anyone rang');
    await until(() => calls[0]!.isEnded, 3000, 'ended by sipp');
    assert.equal(calls[0]!.end?.cause, 'remote-hangup');
    onCall = () => {};
  });
});
