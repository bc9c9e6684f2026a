/**
 * Early media between two real engines on 127.0.0.1 (RFC 3960, RFC 3262):
 * the callee sends early media on request (call.earlyMedia: a 183 with its
 * answer, sent reliably since the caller supports 100rel), the caller plays
 * it before the answer — B's 1000 Hz tone measured at A while A's call is
 * 'early' — and the answered call goes on with the same session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dominantFrequency, toneLevelDbfs } from '../../../helpers/audio-analysis.ts';
import { removeTempDirs } from '../temp-dir.ts';
import { sleep, startPhone, type TestPhone } from './engine-harness.ts';

describe('engine: early media both ways', () => {
  let a: TestPhone;
  let b: TestPhone;

  before(async () => {
    a = await startPhone('a', 600);
    b = await startPhone('b', 1000);
    await b.call('accounts.add', { aor: 'sip:bob@127.0.0.1', codecs: ['PCMU'], displayName: 'Bob' });
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    removeTempDirs();
  });

  test('B sends early media on request: A hears B’s tone while the call is early, then the answered call keeps the session', async (t) => {
    const out = await a.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}` });
    const inc = await b.waitFor('call.incoming', () => true, 5000);
    assert.ok(inc.actions?.includes('earlyMedia'), `actions ${JSON.stringify(inc.actions)}`);
    const early = await b.call('call.earlyMedia', { callId: inc.id });
    assert.equal(early.state, 'early');
    assert.ok(!early.actions?.includes('earlyMedia'));
    const aEarly = await a.waitFor('call', (c) => c.id === out.id && c.state === 'early', 5000, 'early on A');
    assert.equal(aEarly.earlyMedia, true);
    const since = Date.now();
    await sleep(1500);
    const heard = a.sinks.get(out.id)!.since(since).subarray(0, 48000);
    assert.ok(heard.length >= 0.9 * 48000, `A recorded ${heard.length} samples of early media`);
    const f = dominantFrequency(heard, 48000);
    const level = toneLevelDbfs(heard, 48000, 1000);
    t.diagnostic(`A hears ${f.toFixed(1)} Hz at ${level.toFixed(1)} dBFS before the answer`);
    assert.ok(Math.abs(f - 1000) < 5, `A hears ${f} Hz`);
    assert.ok(level > -25, `A hears the early tone at ${level} dBFS`);
    // Nothing of A's reaches B before the answer? Early media flows both ways once negotiated (RFC 3960 §3): not asserted.
    await b.call('call.answer', { callId: inc.id });
    const active = await a.waitFor('call', (c) => c.id === out.id && c.state === 'active', 5000, 'active on A');
    assert.equal(active.codec, 'PCMU/8000');
    const after2 = Date.now();
    await sleep(1200);
    const heardB = b.sinks.get(inc.id)!.since(after2).subarray(0, 48000);
    assert.ok(Math.abs(dominantFrequency(heardB, 48000) - 600) < 5, 'B hears A after the answer');
    await a.call('call.hangup', { callId: out.id });
    await b.waitFor('call', (c) => c.id === inc.id && c.state === 'ended', 5000, 'ended on B');
  });
});
