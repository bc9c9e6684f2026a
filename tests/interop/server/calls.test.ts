/**
 * Calls through Parley's own SIP server (registrar + stateful proxy) between
 * real phones on loopback: the Parley phone engine (johndoe, aliases
 * +554845678901 and 45678901) and baresip (bob), both registered with
 * digest. Audio is measured both ways (the tone each sends, at the other
 * end); a call to each alias form reaches johndoe and Parley is told which
 * alias was called; the proxy never sees a media packet.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallSnapshot } from '../../../electron/api/snapshots.ts';
import { newBaresipRecording, startBaresip, type BaresipEvent, type BaresipHandle } from '../harness/baresip.ts';
import { groupAlive, makeTempDir, sleep } from '../harness/managed-process.ts';
import { startParleyEngine, type ParleyEnginePeer } from '../harness/parley-engine.ts';
import { soxTone } from '../harness/sox.ts';
import { assertHeard, describeTone, measureWav } from '../harness/tone-measure.ts';
import { startServerPeer, type ServerPeer } from './server-peer.ts';

const DOMAIN = 'sipa.test';
const PARLEY_HZ = 600;
const BARESIP_HZ = 1000;
const SENT_RMS_DBFS = -15;
const TALK_MS = 2500;
const BARESIP_HELD_BACK_MS = 100;

function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

describe('calls through parley serve (registrar + proxy)', () => {
  let proxy: ServerPeer;
  let bare: BaresipHandle;
  let parley: ParleyEnginePeer;
  let accountId: string;
  const tmp = makeTempDir('server-calls');

  before(async () => {
    proxy = await startServerPeer({
      domain: DOMAIN,
      users: [
        { username: 'johndoe', password: 'secret', aliases: ['+554845678901', '45678901'] },
        { username: 'bob', password: 'builder' },
      ],
    });
    const source = join(tmp.path, 'tone.wav');
    soxTone(source, { hz: BARESIP_HZ, seconds: 30, rate: 8000, channels: 1, peakDbfs: -12 });
    bare = await startBaresip({
      accounts: [{
        aor: `sip:bob@${DOMAIN}`, password: 'builder', outbound: `sip:127.0.0.1:${proxy.port}`, regint: 600,
        answermode: 'auto', audioCodecs: 'PCMU/8000/1', extra: `;audio_source=aufile,${source}`,
      }],
    });
    parley = await startParleyEngine({ name: 'johndoe', toneHz: PARLEY_HZ, toneDbfs: -12 });
    const account = await parley.call('accounts.add', {
      aor: `sip:johndoe@${DOMAIN}`, aliases: [`sip:+554845678901@${DOMAIN}`, `sip:45678901@${DOMAIN}`], password: 'secret',
      registrar: `sip:127.0.0.1:${proxy.port}`, outboundProxy: `sip:127.0.0.1:${proxy.port}`, codecs: ['PCMU'],
    });
    accountId = account.id;
    await parley.waitFor('registration', (r) => r.accountId === accountId && r.state === 'registered', 8000, 'johndoe registered');
    await bare.waitForEvent((e) => e.type === 'REGISTER_OK', 8000);
    assert.equal(proxy.server.location.lookup(`sip:bob@${DOMAIN}`).length, 1);
    assert.equal(proxy.server.location.lookup(`sip:johndoe@${DOMAIN}`).length, 1);
  });

  after(async () => {
    await parley?.close();
    const pid = bare?.pid;
    await bare?.stop();
    await proxy?.close();
    tmp.remove();
    if (pid) assert.equal(groupAlive(pid), false);
  });

  const nextBaresipEvent = (type: string, from: number, timeoutMs: number): Promise<BaresipEvent> =>
    bare.waitForEvent((e) => e.type === type && bare.events.indexOf(e) >= from, timeoutMs);

  async function parleyRecording(callId: string): Promise<string> {
    const path = parley.recordings.get(callId);
    assert.ok(path);
    const deadline = Date.now() + 3000;
    while (readFileSync(path).readUInt32LE(40) === 0xffffffff && Date.now() < deadline) await sleep(25);
    return path;
  }

  /**
   * The answered call as the wire saw it at Parley: the 2xx (or the ACK) to the BYE. On the first call of a
   * fresh engine the snapshot's answeredAt can precede the media start by the lazy media load (logged).
   */
  async function measureBoth(apiCallId: string, ended: CallSnapshot, files: readonly string[], t0: number): Promise<void> {
    assert.ok(ended.answeredAt !== undefined && ended.endedAt !== undefined);
    const trace = parley.all('trace').filter((t) => t.time >= t0);
    const answered = trace.find((t) => t.direction === 'in' && /^SIP\/2.0 200 /.test(t.text) && /^CSeq: \d+ INVITE/m.test(t.text)) ??
      trace.find((t) => t.direction === 'in' && /^ACK /.test(t.text));
    const bye = trace.find((t) => /^BYE /.test(t.text));
    assert.ok(answered && bye, 'the answer and the BYE are in the trace');
    const answeredMs = bye.time - answered.time;
    log(`answered ${answeredMs.toFixed(0)} ms on the wire, ${(ended.endedAt - ended.answeredAt).toFixed(0)} ms in the snapshot`);
    const heardByBaresip = measureWav('baresip', await newBaresipRecording(bare, files), answeredMs, { heldBackMs: BARESIP_HELD_BACK_MS });
    const heardByParley = measureWav('Parley', await parleyRecording(apiCallId), answeredMs);
    log(describeTone(heardByBaresip));
    log(describeTone(heardByParley));
    assertHeard(heardByBaresip, { hz: PARLEY_HZ, sentDbfs: SENT_RMS_DBFS, answeredMs });
    assertHeard(heardByParley, { hz: BARESIP_HZ, sentDbfs: SENT_RMS_DBFS, answeredMs });
  }

  test('Parley calls bob (baresip) through the proxy: both hear the other; the INVITE was authenticated and record-routed', { timeout: 30_000 }, async () => {
    const files = bare.receivedAudioFiles();
    const from = bare.events.length;
    const t0 = Date.now();
    const sipBefore = proxy.server.stats.requests;
    const dialled = await parley.call('call.dial', { target: `sip:bob@${DOMAIN}`, accountId });
    const active = await parley.waitFor('call', (s) => s.id === dialled.id && (s.state === 'active' || s.state === 'ended'), 8000, 'answer');
    assert.equal(active.state, 'active', `${active.code} ${active.reason}\n${parley.trace()}`);
    await nextBaresipEvent('CALL_ESTABLISHED', from, 3000);
    await sleep(TALK_MS);
    await parley.call('call.hangup', { callId: dialled.id });
    const ended = await parley.waitFor('call', (s) => s.id === dialled.id && s.state === 'ended', 5000, 'ended');
    await nextBaresipEvent('CALL_CLOSED', from, 5000);
    const out = parley.all('trace').filter((t) => t.direction === 'out' && t.time >= t0);
    assert.ok(out.some((t) => /^INVITE /.test(t.text) && /^Proxy-Authorization: Digest /m.test(t.text)), 'Parley answered the 407');
    assert.ok(out.some((t) => /^BYE /.test(t.text) && /^Route: <sip:127\.0\.0\.1:\d+;transport=udp;lr>/m.test(t.text)), 'the BYE follows the Record-Route');
    // Only SIP reached the proxy: a handful of requests, not the ~250 RTP packets of the call.
    const requests = proxy.server.stats.requests - sipBefore;
    assert.ok(requests < 20, `${requests} requests at the proxy`);
    assert.equal(proxy.server.stats.malformed, 0, 'no RTP datagram reached the SIP port');
    await measureBoth(dialled.id, ended, files, t0);
  });

  for (const alias of ['johndoe', '+554845678901', '45678901']) {
    test(`bob calls ${alias}@${DOMAIN}: johndoe rings and knows the alias; answered, both hear the other`, { timeout: 30_000 }, async () => {
      const files = bare.receivedAudioFiles();
      const from = bare.events.length;
      const t0 = Date.now();
      const seen = new Set(parley.all('call.incoming').map((i) => i.id));
      assert.equal((await bare.command('dial', `sip:${alias}@${DOMAIN}`)).ok, true);
      const incoming = await parley.waitFor('call.incoming', (i) => !seen.has(i.id), 8000, 'call.incoming');
      assert.equal(incoming.calledAlias, `sip:${alias}@${DOMAIN}`);
      const inviteIn = parley.all('trace').find((t) => t.direction === 'in' && t.time >= t0 - 200 && /^INVITE /.test(t.text));
      assert.match(inviteIn!.text, new RegExp(`^History-Info: <sip:${alias.replace('+', '\\+')}@${DOMAIN}>;index=1`, 'm'));
      await parley.call('call.answer', { callId: incoming.id });
      const active = await parley.waitFor('call', (s) => s.id === incoming.id && (s.state === 'active' || s.state === 'ended'), 5000, 'active');
      assert.equal(active.state, 'active', `${active.code} ${active.reason}`);
      await nextBaresipEvent('CALL_ESTABLISHED', from, 3000);
      await sleep(alias === 'johndoe' ? TALK_MS : 800);
      assert.equal((await bare.command('hangup')).ok, true);
      const ended = await parley.waitFor('call', (s) => s.id === incoming.id && s.state === 'ended', 5000, 'ended by the BYE');
      await nextBaresipEvent('CALL_CLOSED', from, 5000);
      if (alias === 'johndoe') await measureBoth(incoming.id, ended, files, t0);
    });
  }

  test('a call to an unknown user gets 404, to a user with no phone 480, in words', { timeout: 20_000 }, async () => {
    const dialled = await parley.call('call.dial', { target: `sip:nobody@${DOMAIN}`, accountId });
    const ended = await parley.waitFor('call', (s) => s.id === dialled.id && s.state === 'ended', 8000, 'refused');
    assert.equal(ended.code, 404);
    proxy.server.directory.replace([...proxy.server.directory.all().map((s) => ({ ...s, aliases: [...s.aliases] })), { username: 'carol', realm: DOMAIN, ha1Md5: 'x', ha1Sha256: 'x', aliases: [] }]);
    const second = await parley.call('call.dial', { target: `sip:carol@${DOMAIN}`, accountId });
    const ended2 = await parley.waitFor('call', (s) => s.id === second.id && s.state === 'ended', 8000, 'refused');
    assert.equal(ended2.code, 480);
    assert.match(ended2.reason ?? '', /carol is not registered/);
  });
});
