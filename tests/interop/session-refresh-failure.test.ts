/**
 * A session refresh that fails against a real peer (RFC 4028 §10): sipp
 * grants a 90 s session timer and then goes quiet.
 *  - We refresh (refresher=uac): our UPDATE at half the interval gets no
 *    answer at all, nor do its retransmissions; when the transaction times
 *    out (Timer F, 64·T1) we send BYE and the call ends with words.
 *  - It refreshes (refresher=uas) and never does: we send BYE at
 *    90 - min(32, 90/3) = 60 s.
 * 90 s is the smallest interval RFC 4028 allows, so Parley's clock (the
 * injected one: session timer, transaction timers) runs SPEED times faster
 * than the wall clock: the SIP timing sipp sees is scaled, the sequence and
 * the intervals in Parley's time are the real ones. sipp checks each request
 * (check_it on Session-Expires) and fails its run on anything unexpected.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemClock, type Clock } from '../../electron/common/clock.ts';
import { startSipp } from './harness/sipp.ts';
import { log, startParley, until, type ParleyPeer } from './parley-peer.ts';

const SPEED = 4;
/** Parley's time: SPEED × the wall clock. */
const fastClock: Clock = {
  now: () => performance.now() * SPEED,
  setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms / SPEED),
  clearTimeout: (h) => systemClock.clearTimeout(h),
};

describe('session refresh failure with sipp (RFC 4028 §10)', () => {
  let me: ParleyPeer;

  before(async () => {
    me = await startParley({ options: { clock: fastClock } });
    me.ua.addAccount({ id: 'me', aor: 'sip:me@127.0.0.1', registerExpires: 0 });
  });
  after(async () => {
    await me?.close();
  });

  test('we refresh, the peer stops answering: BYE after the refresh times out, the call ends in words', { timeout: 60_000 }, async () => {
    const uas = await startSipp({ scenario: 'uas-timer-refresh-unanswered', timeoutMs: 45_000 });
    try {
      me.trace.splice(0);
      const call = me.ua.call(`sip:service@127.0.0.1:${uas.localPort}`, { accountId: 'me' });
      await until(() => call.state === 'active', 8000, 'answered');
      const answered = fastClock.now();
      assert.deepEqual(call.sessionInterval, { seconds: 90, local: true });
      await until(() => call.isEnded, 40_000, 'the call ended');
      const endedAfterS = (fastClock.now() - answered) / 1000;
      const updates = me.sent(/^UPDATE /);
      // Trace times are wall-clock: scaled to Parley's time from the 200 that answered.
      const okAt = me.received(/^SIP\/2\.0 200 /)[0]!.time;
      const refreshAtS = ((updates[0]!.time - okAt) * SPEED) / 1000;
      log(`refresh UPDATE at ${refreshAtS.toFixed(1)} s, sent ${updates.length}× (with retransmissions); call ended ${endedAfterS.toFixed(1)} s after the answer (Parley's clock): ${call.end?.detail}`);
      assert.equal(call.end?.cause, 'session-expired');
      assert.match(call.end?.detail ?? '', /session refresh failed/);
      assert.ok(updates.length >= 5, 'the refresh was retransmitted (no answer at all)');
      assert.ok(me.sent(/^BYE /).length >= 1, 'BYE sent (RFC 4028 §10), though the 408 ended the dialog');
      // Refresh at 45 s, given up 32 s (64·T1) later: ended ≈ 77 s after the answer.
      assert.ok(Math.abs(endedAfterS - 77) < 4, `ended ${endedAfterS} s after the answer`);
      assert.ok(Math.abs(refreshAtS - 45) < 1.5, `refresh at ${refreshAtS} s: half the interval`);
      const r = await uas.result;
      assert.equal(r.exitCode, 0, r.errors || r.output.slice(-1500));
    } finally {
      await uas.stop();
    }
  });

  test('the peer refreshes and never does: BYE at 60 s (interval − min(32 s, interval/3))', { timeout: 60_000 }, async () => {
    const uas = await startSipp({ scenario: 'uas-timer-no-refresh', timeoutMs: 45_000 });
    try {
      me.trace.splice(0);
      const call = me.ua.call(`sip:service@127.0.0.1:${uas.localPort}`, { accountId: 'me' });
      await until(() => call.state === 'active', 8000, 'answered');
      const answered = fastClock.now();
      assert.deepEqual(call.sessionInterval, { seconds: 90, local: false });
      await until(() => call.isEnded, 40_000, 'the call ended');
      const endedAfterS = (fastClock.now() - answered) / 1000;
      log(`call ended ${endedAfterS.toFixed(1)} s after the answer (Parley's clock): ${call.end?.detail}`);
      assert.equal(call.end?.cause, 'session-expired');
      assert.match(call.end?.detail ?? '', /stopped refreshing/);
      assert.ok(me.sent(/^BYE /).length >= 1, 'BYE sent');
      const cseqs = new Set(me.sent(/^UPDATE |^INVITE /).map((t) => t.text.split('\r\n').find((l) => l.startsWith('CSeq:'))));
      assert.equal(cseqs.size, 1, 'we never refreshed: only the INVITE went out (retransmissions aside)');
      assert.ok(Math.abs(endedAfterS - 60) < 2, `ended ${endedAfterS} s after the answer`);
      const r = await uas.result;
      assert.equal(r.exitCode, 0, r.errors || r.output.slice(-1500));
    } finally {
      await uas.stop();
    }
  });
});
