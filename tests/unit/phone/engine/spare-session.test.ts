/**
 * The media session made ahead for an account's next call (call-service.ts
 * #prepareSpare): after an outgoing call it waits with its sockets bound, is
 * no live session while no call has it (an idle phone counts none), a call
 * made with other options (the account's codecs changed) does not take it,
 * and the calls that follow carry audio as before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dominantFrequency } from '../../../helpers/audio-analysis.ts';
import { removeTempDirs } from '../temp-dir.ts';
import { sleep, startPhone, type TestPhone } from './engine-harness.ts';

describe('engine: the media session made ahead of the next call', () => {
  let a: TestPhone;
  let b: TestPhone;

  before(async () => {
    [a, b] = await Promise.all([startPhone('spare-a', 600), startPhone('spare-b', 1000)]);
    await b.call('accounts.add', { aor: 'sip:bob@127.0.0.1', codecs: ['PCMU', 'PCMA'] });
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    removeTempDirs();
  });

  /** A calls B, B answers, A hears B's tone, A hangs up; the codec the call used. */
  async function callOnce(accountId: string): Promise<string | undefined> {
    a.reset();
    b.reset();
    const out = await a.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}`, accountId });
    const inc = await b.waitFor('call.incoming', () => true, 5000);
    await b.call('call.answer', { callId: inc.id });
    const up = await a.waitFor('call', (x) => x.id === out.id && x.state === 'active', 5000, 'active');
    const since = Date.now();
    await sleep(400);
    const heard = a.sinks.get(out.id)!.since(since);
    assert.ok(heard.length > 9600, `audio reached A (${heard.length} samples)`);
    assert.ok(Math.abs(dominantFrequency(heard, 48000) - 1000) < 5, 'A hears B');
    await a.call('call.hangup', { callId: out.id });
    await a.waitFor('call', (x) => x.id === out.id && x.state === 'ended', 5000, 'ended at A');
    await b.waitFor('call', (x) => x.id === inc.id && x.state === 'ended', 5000, 'ended at B');
    return up.codec;
  }

  test('kept after a call, counted as no live session, passed over when the account changed, and calls carry audio', async () => {
    const account = await a.call('accounts.add', { aor: 'sip:alice@127.0.0.1', codecs: ['PCMU'] });
    assert.equal(await callOnce(account.id), 'PCMU/8000');
    await sleep(100);
    const idle = await a.call('diagnostics.counts', {});
    assert.equal(idle.calls, 0);
    assert.equal(idle.mediaSessions, 0, 'the spare made after the call is no live media session');
    // The spare was made for PCMU: a call of the changed account must not take it.
    await a.call('accounts.update', { id: account.id, changes: { codecs: ['PCMA'] } });
    assert.equal(await callOnce(account.id), 'PCMA/8000', 'the call offered the account\'s new codecs');
    // The spare made after that call (PCMA) fits the next one.
    await sleep(100);
    assert.equal(await callOnce(account.id), 'PCMA/8000');
    await sleep(100);
    assert.equal((await a.call('diagnostics.counts', {})).mediaSessions, 0);
  });
});

describe('engine: the session made ahead with a port range of one pair', () => {
  let a: TestPhone;
  let b: TestPhone;
  let first = '';
  let second = '';

  before(async () => {
    [a, b] = await Promise.all([startPhone('spare-range-a', 600), startPhone('spare-range-b', 1000)]);
    await b.call('accounts.add', { aor: 'sip:bob@127.0.0.1', codecs: ['PCMU'] });
    const min = 20_000 + 2 * Math.floor(Math.random() * 10_000);
    await a.call('settings.update', { rtpPorts: { min, max: min + 1 } });
    first = (await a.call('accounts.add', { aor: 'sip:alice@127.0.0.1', codecs: ['PCMU'] })).id;
    second = (await a.call('accounts.add', { aor: 'sip:carol@127.0.0.1', codecs: ['PCMU'] })).id;
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    removeTempDirs();
  });

  test('a call of another account right after a call still gets the only pair', async () => {
    for (const [i, accountId] of [first, second, first].entries()) {
      a.reset();
      b.reset();
      const out = await a.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}`, accountId });
      const inc = await b.waitFor('call.incoming', () => true, 5000).catch((e: unknown) => {
        throw new Error(`call ${i}: ${String(e)}; A: ${JSON.stringify(a.events.filter((x) => x.event === 'call').map((x) => x.data))}`);
      });
      await b.call('call.answer', { callId: inc.id });
      await a.waitFor('call', (x) => x.id === out.id && x.state === 'active', 5000, 'active');
      const since = Date.now();
      await sleep(300);
      const heard = a.sinks.get(out.id)!.since(since);
      assert.ok(heard.length > 4800, `audio reached A (${heard.length} samples)`);
      await a.call('call.hangup', { callId: out.id });
      await a.waitFor('call', (x) => x.id === out.id && x.state === 'ended', 5000, 'ended at A');
    }
  });

  test('a call while the only pair is in use ends saying so, not "no common codec"', async () => {
    const accountId = first;
    a.reset();
    b.reset();
    const up = await a.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}`, accountId });
    const inc = await b.waitFor('call.incoming', () => true, 5000);
    await b.call('call.answer', { callId: inc.id });
    await a.waitFor('call', (x) => x.id === up.id && x.state === 'active', 5000, 'active');
    const second = await a.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}`, accountId });
    const ended = await a.waitFor('call', (x) => x.id === second.id && x.state === 'ended', 5000, 'the second call ended');
    assert.equal(ended.code, 488);
    assert.match(String(ended.words), /no free RTP port pair/);
    assert.doesNotMatch(String(ended.words), /no common codec/);
    await a.call('call.hangup', { callId: up.id });
    await a.waitFor('call', (x) => x.id === up.id && x.state === 'ended', 5000, 'ended at A');
  });
});
