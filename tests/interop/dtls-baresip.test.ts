/**
 * DTLS-SRTP (RFC 5763/5764) between the whole Parley phone and baresip 1.0
 * with its dtls_srtp module (libre on OpenSSL), both registered to Kamailio
 * over plain UDP — the case DTLS-SRTP is for: the signalling is not
 * encrypted, so SDES keys may not travel in it, yet the media is.
 *
 * Parley calls baresip, then baresip calls Parley, each for about 3 s with
 * its own tone (Parley 600 Hz, baresip 1000 Hz). Checked: the SDP carries
 * UDP/TLS/RTP/SAVP with a=fingerprint and a=setup and no a=crypto; the call
 * says "SRTP … (DTLS-SRTP)"; each side's recording holds the other's tone
 * (frequency ±10 Hz, level ±3 dB, audio for ≥ 95 % of the call once the
 * keys exist: the handshake time after the answer is measured, printed and
 * not judged — no audio can flow before it, by design). During the
 * second call a stranger on 127.0.0.1 sprays DTLS garbage and a forged
 * fatal alert at Parley's media port: the call and its audio carry on.
 * All of it twice: with rtcp-mux, and with baresip's rtcp_mux off, where the
 * RTCP port runs its own DTLS-SRTP handshake (RFC 5764 §4.1) and baresip's
 * SRTCP reports must reach Parley authenticated (calls of 7 s: baresip
 * reports first after about 5 s).
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallSnapshot } from '../../electron/api/snapshots.ts';
import type { BaresipHandle } from './harness/baresip.ts';
import { startBaresipBed, type BaresipBed } from './harness/baresip-bed.ts';
import type { KamailioHandle } from './harness/kamailio.ts';
import { makeTempDir, sleep } from './harness/managed-process.ts';
import type { ParleyEnginePeer } from './harness/parley-engine.ts';
import { soxTone } from './harness/sox.ts';
import { assertHeard, describeTone, measureWav } from './harness/tone-measure.ts';

const PARLEY_HZ = 600;
const BARESIP_HZ = 1000;
const SENT_RMS_DBFS = -15;
const TALK_MS = 3000;
const BARESIP_HELD_BACK_MS = 100;

function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

for (const rtcpMux of [true, false]) describe(`DTLS-SRTP: Parley ↔ baresip (dtls_srtp, rtcp_mux ${rtcpMux ? 'yes' : 'no'}) through Kamailio over UDP`, () => {
  let bed: BaresipBed;
  let kam: KamailioHandle;
  let bare: BaresipHandle;
  let parley: ParleyEnginePeer;
  let accountId: string;
  const tmp = makeTempDir('dtls-baresip');
  // baresip sends its first RTCP report about 5 s into a call: without rtcp-mux the calls last long enough to see its SRTCP arrive.
  const talkMs = rtcpMux ? TALK_MS : 7000;

  before(async () => {
    const source = join(tmp.path, 'tone.wav');
    soxTone(source, { hz: BARESIP_HZ, seconds: 30, rate: 8000, channels: 1, peakDbfs: -12 });
    bed = await startBaresipBed({
      parleyHz: PARLEY_HZ,
      accounts: [{ user: 'bdtls', answermode: 'auto', audioCodecs: 'PCMU/8000/1', mediaenc: 'dtls_srtp', extra: `;audio_source=aufile,${source}` }],
      baresip: { extraConfig: ['module dtls_srtp.so'], rtcpMux },
      parleyAccount: { srtp: 'mandatory' },
    });
    ({ kam, bare, parley, accountId } = bed);
  });

  after(async () => {
    await bed?.close();
    tmp.remove();
  });

  function checkSdp(callId: string | undefined): string {
    assert.ok(callId);
    const trace = parley.trace(callId);
    const profiles = [...trace.matchAll(/^m=audio \d+ (\S+)/gm)].map((m) => m[1]);
    assert.ok(profiles.length >= 2, `offer and answer in the trace:\n${trace}`);
    for (const p of profiles) assert.match(p!, /^UDP\/TLS\/RTP\/SAVPF?$/, trace); // baresip offers the SAVPF variant
    assert.ok((trace.match(/^a=fingerprint:sha-256 /gim)?.length ?? 0) >= 2, `a=fingerprint both ways:\n${trace}`);
    assert.match(trace, /^a=setup:actpass/m);
    assert.match(trace, /^a=setup:(active|passive)/m);
    assert.doesNotMatch(trace, /^a=crypto:/m);
    // Without rtcp-mux the answer has none (Parley offers it, baresip then declines): RTCP runs its own DTLS-SRTP on its own port.
    if (!rtcpMux) assert.ok((trace.match(/^a=rtcp-mux/gm)?.length ?? 0) <= 1, `no a=rtcp-mux in the answer:\n${trace}`);
    return trace;
  }

  /** From the answer to the snapshot that says the media is encrypted: audio cannot flow before (tone-measure.ts securingMs). */
  async function recordings(apiCallId: string, files: readonly string[], ended: CallSnapshot, securingMs: number): Promise<void> {
    const answeredMs = ended.endedAt! - ended.answeredAt!;
    const dumped = await bed.baresipRecording(files);
    const path = await bed.parleyRecording(apiCallId);
    log(`DTLS-SRTP set-up after the answer: ${securingMs} ms`);
    if (!rtcpMux) {
      // baresip's SRTCP reports reached our RTCP port and authenticated with that port's own DTLS-SRTP keys (their jitter figure).
      const stats = parley.all('media.stats').filter((m) => m.callId === apiCallId).at(-1);
      log(`SRTCP from baresip on the RTCP port: ${JSON.stringify({ remoteJitterMs: stats?.remoteJitterMs, remoteLossPercent: stats?.remoteLossPercent, rttMs: stats?.rttMs })}`);
      assert.notEqual(stats?.remoteJitterMs, undefined, `SRTCP reports from baresip: ${JSON.stringify(stats)}`);
    }
    const heardByBaresip = measureWav('baresip', dumped, answeredMs, { heldBackMs: BARESIP_HELD_BACK_MS, securingMs });
    const heardByParley = measureWav('Parley', path, answeredMs, { securingMs });
    for (const h of [heardByBaresip, heardByParley]) log(describeTone(h));
    assertHeard(heardByBaresip, { hz: PARLEY_HZ, sentDbfs: SENT_RMS_DBFS, answeredMs });
    assertHeard(heardByParley, { hz: BARESIP_HZ, sentDbfs: SENT_RMS_DBFS, answeredMs });
  }

  test('Parley (UDP account, SRTP mandatory) calls baresip: DTLS-SRTP keys, both hear the other', { timeout: 30_000 }, async () => {
    const files = bare.receivedAudioFiles();
    const t0 = Date.now();
    const dialled = await parley.call('call.dial', { target: `sip:bdtls@${kam.domain}`, accountId });
    const active = await parley.waitFor('call', (s) => s.id === dialled.id && (s.state === 'ended' || (s.state === 'active' && s.security?.mediaEncrypted === true)), 10_000, 'secured');
    const securingMs = Math.max(0, Date.now() - (active.answeredAt ?? Date.now()));
    const callId = parley.all('trace').find((t) => t.direction === 'out' && t.time >= t0 && /^INVITE /.test(t.text))?.callId;
    assert.equal(active.state, 'active', `${active.code} ${active.reason} ${active.failure}\n${parley.trace(callId)}\n${bare.logs().slice(-3000)}`);
    assert.match(active.security!.summary, /^Signalling: UDP \(not encrypted\) · Media: SRTP AES-\S+ \(DTLS-SRTP\)$/);
    log(`security line: ${active.security!.summary}`);
    await sleep(talkMs);
    await parley.call('call.hangup', { callId: dialled.id });
    const ended = await parley.waitFor('call', (s) => s.id === dialled.id && s.state === 'ended', 5000, 'ended');
    checkSdp(callId);
    await recordings(dialled.id, files, ended, securingMs);
    const history = await parley.call('history.list', {});
    assert.match(JSON.stringify(history), /\(DTLS-SRTP\)/, 'the history keeps the security line');
  });

  test('baresip calls Parley: Parley answers with DTLS-SRTP; hostile DTLS datagrams at its media port change nothing', { timeout: 30_000 }, async () => {
    const files = bare.receivedAudioFiles();
    const t0 = Date.now();
    assert.equal((await bare.command('dial', `sip:johndoe@${kam.domain}`)).ok, true);
    const incoming = await parley.waitFor('call.incoming', (i) => i.startedAt >= t0 - 1000, 8000, 'call.incoming');
    const answered = Date.now();
    await parley.call('call.answer', { callId: incoming.id });
    const active = await parley.waitFor('call', (s) => s.id === incoming.id && (s.state === 'ended' || (s.state === 'active' && s.security?.mediaEncrypted === true)), 10_000, 'secured');
    const securingMs = Date.now() - answered;
    const callId = parley.all('trace').find((t) => t.direction === 'in' && t.time >= t0 && /^INVITE /.test(t.text))?.callId;
    assert.equal(active.state, 'active', `${active.code} ${active.reason} ${active.failure}\n${parley.trace(callId)}`);
    assert.match(active.security!.media, /\(DTLS-SRTP\)$/);
    // Our RTP port is in the answer we sent (the 200 OK).
    const answer = parley.all('trace').find((t) => t.direction === 'out' && t.callId === callId && /^SIP\/2\.0 200 /.test(t.text))!;
    const port = Number(/^m=audio (\d+) /m.exec(answer.text)![1]);
    const stranger = createSocket('udp4');
    await new Promise<void>((r) => stranger.bind(0, '127.0.0.1', () => r()));
    const garbage = [
      Buffer.from('15fefd000000000000000000020228', 'hex'), // a forged plaintext fatal alert (bad_certificate)
      Buffer.from('16fefd0000000000000001000c0100000c000000000000000c', 'hex'), // a truncated ClientHello
      Buffer.concat([Buffer.from('17fefd00010000000000ff0040', 'hex'), Buffer.alloc(64, 0xaa)]), // epoch-1 application data that does not authenticate
      Buffer.alloc(300, 0x16),
    ];
    for (let i = 0; i < 20; i++) for (const g of garbage) stranger.send(g, port, '127.0.0.1');
    await sleep(talkMs);
    stranger.close();
    const still = parley.all('call').filter((s) => s.id === incoming.id).at(-1)!;
    assert.equal(still.state, 'active', `the call survived the garbage: ${still.failure ?? ''}`);
    assert.equal((await bare.command('hangup')).ok, true);
    const ended = await parley.waitFor('call', (s) => s.id === incoming.id && s.state === 'ended', 5000, 'ended by the BYE');
    checkSdp(callId);
    await recordings(incoming.id, files, ended, securingMs);
  });
});
