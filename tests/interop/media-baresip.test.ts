/**
 * Real audio between the whole Parley phone (createPhoneEngine, a 600 Hz tone
 * as microphone, a WAV file as speaker) and baresip 1.0 (aufile playing a
 * 1000 Hz tone made by sox, received audio dumped by its sndfile filter), both
 * registered to Kamailio, the call routed through it (issue "Media engine" §8).
 *
 * For PCMU, PCMA, G.722 and Opus, with plain RTP and with SDES-SRTP, Parley
 * calls baresip (auto-answer) for about 3 s and hangs up; then baresip calls
 * Parley twice. Each side's recording is measured: the tone's frequency
 * (±10 Hz), its level against the sent -15 dBFS RMS (±3 dB), the recording's
 * length against the answered call (±400 ms) and audio present for ≥ 95 % of
 * the answered call after 100 ms of set-up (baresip's dump lacks the 100 ms
 * its jitter buffer holds at hang-up; that is allowed for).
 *
 * SRTP (SDES, RFC 4568): the combination run for every codec is RTP/SAVP with
 * a=crypto — baresip `mediaenc=srtp-mand` with Parley 'mandatory' out, and
 * Parley 'optional' answering baresip's RTP/SAVP offer in. Best-effort SRTP
 * (RTP/AVP + a=crypto: Parley 'optional', baresip `mediaenc=srtp`)
 * interoperates too (PCMU case). baresip's srtp-mand refuses Parley's
 * best-effort offer with 488: its policy, asserted below.
 *
 * baresip 1.0's aufile insists that the file has the codec's rate and channel
 * count (8 kHz mono for G.711, 16 kHz for G.722, 48 kHz stereo for Opus), so
 * each baresip account (one per codec × SRTP) has its own audio_source.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallSnapshot, MediaStats, SrtpMode } from '../../electron/api/snapshots.ts';
import type { BaresipHandle } from './harness/baresip.ts';
import { startBaresipBed, type BaresipBed, type BedBaresipAccount } from './harness/baresip-bed.ts';
import type { KamailioHandle } from './harness/kamailio.ts';
import { makeTempDir, sleep } from './harness/managed-process.ts';
import type { ParleyEnginePeer } from './harness/parley-engine.ts';
import { soxTone } from './harness/sox.ts';
import { StallWatch, type StallReport } from '../helpers/stall-watch.ts';
import { assertHeard, describeTone, measureWav, type HeardTone } from './harness/tone-measure.ts';

const PARLEY_HZ = 600;
const BARESIP_HZ = 1000;
/** Both tones peak at -12 dBFS: -15 dBFS RMS. */
const SENT_RMS_DBFS = -15;
const TALK_MS = 3000;
/** The harness runs baresip with jitter_buffer_delay 5-10: the last 5 packets never reach its dump. */
const BARESIP_HELD_BACK_MS = 100;

type Codec = 'PCMU' | 'PCMA' | 'G722' | 'opus';
const CODECS: { codec: Codec; baresip: string; snapshot: string; rate: number; channels: 1 | 2 }[] = [
  { codec: 'PCMU', baresip: 'PCMU/8000/1', snapshot: 'PCMU/8000', rate: 8000, channels: 1 },
  { codec: 'PCMA', baresip: 'PCMA/8000/1', snapshot: 'PCMA/8000', rate: 8000, channels: 1 },
  { codec: 'G722', baresip: 'G722/8000/1', snapshot: 'G722/8000', rate: 16000, channels: 1 },
  { codec: 'opus', baresip: 'opus/48000/2', snapshot: 'opus/48000', rate: 48000, channels: 2 },
];

/** baresip's media encryption per account: none, srtp-mand (RTP/SAVP) or srtp (best effort: RTP/AVP + a=crypto). */
type Enc = 'none' | 'srtp-mand' | 'srtp';
const user = (codec: Codec, enc: Enc | boolean) => {
  const e: Enc = enc === true ? 'srtp-mand' : enc === false ? 'none' : enc;
  return `b${codec.toLowerCase()}${e === 'srtp-mand' ? 's' : e === 'srtp' ? 'e' : ''}`;
};

function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

/** One row of the report matrix. */
const matrix: string[] = [];

describe('Parley ↔ baresip audio through Kamailio', () => {
  let bed: BaresipBed;
  let kam: KamailioHandle;
  let bare: BaresipHandle;
  let parley: ParleyEnginePeer;
  let accountId: string;
  const tmp = makeTempDir('media-baresip');

  before(async () => {
    const accounts: BedBaresipAccount[] = [];
    for (const c of CODECS) {
      const source = join(tmp.path, `tone-${c.codec}.wav`);
      // Longer than any call: aufile stops at the end of its file.
      soxTone(source, { hz: BARESIP_HZ, seconds: 30, rate: c.rate, channels: c.channels, peakDbfs: -12 });
      for (const enc of ['none', 'srtp-mand', ...(c.codec === 'PCMU' ? ['srtp' as const] : [])] as const) {
        accounts.push({
          user: user(c.codec, enc),
          answermode: 'auto',
          audioCodecs: c.baresip,
          ...(enc !== 'none' ? { mediaenc: enc } : {}),
          extra: `;audio_source=aufile,${source}`,
        });
      }
    }
    bed = await startBaresipBed({ parleyHz: PARLEY_HZ, accounts });
    ({ kam, bare, parley, accountId } = bed);
  });

  after(async () => {
    if (matrix.length > 0) log(`matrix:\n${matrix.map((r) => `#   ${r}`).join('\n')}`);
    await bed?.close();
    tmp.remove();
  });

  const nextBaresipEvent = (type: string, from: number, timeoutMs: number) => bed.nextBaresipEvent(type, from, timeoutMs);

  /** Offer and answer in Parley's SIP trace of the call: the RTP profile, and a=crypto exactly when SRTP. */
  function checkSdp(callId: string | undefined, srtp: boolean, profile = srtp ? 'RTP/SAVP' : 'RTP/AVP'): void {
    assert.ok(callId, 'the INVITE is in the trace');
    const trace = parley.trace(callId);
    const bodies = [...trace.matchAll(/^m=audio \d+ (\S+)/gm)].map((m) => m[1]);
    assert.ok(bodies.length >= 2, `an offer and an answer in the trace:\n${trace}`);
    for (const p of bodies) assert.equal(p, profile, `SDP profile in:\n${trace}`);
    const cryptoLines = trace.match(/^a=crypto:/gm)?.length ?? 0;
    if (srtp) assert.ok(cryptoLines >= 2, `a=crypto in offer and answer:\n${trace}`);
    else assert.equal(cryptoLines, 0);
  }

  function report(dir: string, codec: string, srtp: string, heardByBaresip: HeardTone, heardByParley: HeardTone, stats: MediaStats | undefined, answeredMs: number, stalls: StallReport): void {
    const f = (h: HeardTone) => `${h.hz.toFixed(1)} Hz ${h.levelDbfs.toFixed(1)} dBFS ${h.seconds.toFixed(2)} s ${(h.presence * 100).toFixed(1)} %`;
    const s =
      (stats ? `loss ${stats.lossPercent} % jitter ${stats.jitterMs} ms MOS ${stats.mos ?? '-'}` : 'no stats') +
      (stalls.maxStallMs > 50 ? ` | host stalls ${stalls.stalls.join('/')} ms${stalls.lostMs ? `, ${stalls.lostMs.toFixed(0)} ms excusable` : ''}` : '');
    matrix.push(`${dir.padEnd(16)} ${codec.padEnd(5)} ${srtp.padEnd(18)} call ${(answeredMs / 1000).toFixed(2)} s | baresip heard ${f(heardByBaresip)} | Parley heard ${f(heardByParley)} | ${s}`);
    for (const h of [heardByBaresip, heardByParley]) log(`${describeTone(h)}${h.activeFraction < 0.99 ? `\n#   20 ms windows: ${h.windows}` : ''}`);
  }

  const sipCallId = (snapshotStarted: number) =>
    parley.all('trace').find((t) => t.direction === 'out' && t.time >= snapshotStarted && /^INVITE /.test(t.text))?.callId;

  async function parleyCalls(c: (typeof CODECS)[number], srtp: SrtpMode, enc: Enc = srtp === 'off' ? 'none' : 'srtp-mand'): Promise<void> {
    const secure = srtp !== 'off';
    await parley.call('accounts.update', { id: accountId, changes: { codecs: [c.codec], srtp, sdesInClear: true } });
    const files = bare.receivedAudioFiles();
    const from = bare.events.length;
    const t0 = Date.now();
    const watch = new StallWatch().start();
    const dialled = await parley.call('call.dial', { target: `sip:${user(c.codec, enc)}@${kam.domain}`, accountId });
    const active = await parley.waitFor('call', (s) => s.id === dialled.id && (s.state === 'active' || s.state === 'ended'), 8000, 'answer');
    const callId = sipCallId(t0);
    assert.equal(active.state, 'active', `call ended: ${active.code} ${active.reason}\n${parley.trace(callId)}\n${bare.logs().slice(-3000)}`);
    assert.equal(active.codec, c.snapshot);
    assert.equal(active.srtp, secure);
    await nextBaresipEvent('CALL_ESTABLISHED', from, 3000);
    await sleep(TALK_MS);
    await parley.call('call.hangup', { callId: dialled.id });
    const ended = await parley.waitFor('call', (s) => s.id === dialled.id && s.state === 'ended', 5000, 'ended');
    const stalls = watch.stop();
    await nextBaresipEvent('CALL_CLOSED', from, 5000);
    checkSdp(callId, secure, srtp === 'optional' ? 'RTP/AVP' : undefined);
    await finish('Parley→baresip', c.codec, secure ? `SRTP ${srtp === 'optional' ? 'AVP' : 'SAVP'}/${enc}` : 'RTP', dialled.id, ended, files, stalls);
  }

  async function finish(dir: string, codec: string, srtp: string, apiCallId: string, ended: CallSnapshot, files: readonly string[], stalls: StallReport): Promise<void> {
    assert.ok(ended.answeredAt !== undefined && ended.endedAt !== undefined);
    const answeredMs = ended.endedAt - ended.answeredAt;
    const stalledMs = stalls.lostMs;
    const heardByBaresip = measureWav('baresip', await bed.baresipRecording(files), answeredMs, { heldBackMs: BARESIP_HELD_BACK_MS, stalledMs });
    const heardByParley = measureWav('Parley', await bed.parleyRecording(apiCallId), answeredMs, { stalledMs });
    const stats = parley.all('media.stats').filter((s) => s.callId === apiCallId).at(-1);
    report(dir, codec, srtp, heardByBaresip, heardByParley, stats, answeredMs, stalls);
    assertHeard(heardByBaresip, { hz: PARLEY_HZ, sentDbfs: SENT_RMS_DBFS, answeredMs });
    assertHeard(heardByParley, { hz: BARESIP_HZ, sentDbfs: SENT_RMS_DBFS, answeredMs });
    assert.ok(stats && stats.packetsReceived >= 50 && stats.packetsSent >= 50, `RTP both ways in media.stats: ${JSON.stringify(stats)}`);
  }

  for (const c of CODECS) {
    test(`${c.codec}, plain RTP: Parley calls baresip, both hear the other's tone`, { timeout: 30_000 }, async () => {
      await parleyCalls(c, 'off');
    });
    test(`${c.codec}, SRTP (RTP/SAVP + a=crypto): Parley calls baresip, both hear the other's tone`, { timeout: 30_000 }, async () => {
      await parleyCalls(c, 'mandatory');
    });
  }

  test('PCMU, best-effort SRTP (RTP/AVP + a=crypto): Parley (optional) calls baresip (mediaenc=srtp), both hear the other', { timeout: 30_000 }, async () => {
    await parleyCalls(CODECS[0]!, 'optional', 'srtp');
  });

  test("baresip's srtp-mand refuses Parley's best-effort SRTP offer (RTP/AVP + a=crypto) with 488", { timeout: 30_000 }, async () => {
    await parley.call('accounts.update', { id: accountId, changes: { codecs: ['PCMU'], srtp: 'optional', sdesInClear: true } });
    const t0 = Date.now();
    const dialled = await parley.call('call.dial', { target: `sip:${user('PCMU', true)}@${kam.domain}`, accountId });
    const ended = await parley.waitFor('call', (s) => s.id === dialled.id && s.state === 'ended', 8000, 'the refusal');
    assert.equal(ended.code, 488);
    const invite = parley.all('trace').find((t) => t.direction === 'out' && t.time >= t0 && /^INVITE /.test(t.text))!;
    assert.match(invite.text, /^m=audio \d+ RTP\/AVP /m);
    assert.match(invite.text, /^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:/m);
  });

  async function baresipCalls(c: (typeof CODECS)[number], secure: boolean, parleySrtp: SrtpMode): Promise<void> {
    await parley.call('accounts.update', { id: accountId, changes: { codecs: [c.codec], srtp: parleySrtp, sdesInClear: true } });
    const files = bare.receivedAudioFiles();
    const from = bare.events.length;
    const t0 = Date.now();
    const aor = `sip:${user(c.codec, secure)}@${kam.domain}`;
    const watch = new StallWatch().start();
    const found = await bare.command('uafind', aor);
    assert.equal(found.ok, true, found.data);
    const dial = await bare.command('dial', `sip:johndoe@${kam.domain}`);
    assert.equal(dial.ok, true, dial.data);
    const incoming = await parley.waitFor('call.incoming', (i) => i.startedAt >= t0 - 1000, 8000, 'call.incoming');
    assert.equal(incoming.remote.uri, aor);
    await parley.call('call.answer', { callId: incoming.id });
    const active = await parley.waitFor('call', (s) => s.id === incoming.id && (s.state === 'active' || s.state === 'ended'), 5000, 'active');
    assert.equal(active.state, 'active', `${active.code} ${active.reason}\n${parley.trace()}`);
    assert.equal(active.codec, c.snapshot);
    assert.equal(active.srtp, secure);
    await nextBaresipEvent('CALL_ESTABLISHED', from, 3000);
    await sleep(TALK_MS);
    // baresip hangs up this time: Parley ends on the BYE that comes through Kamailio.
    const hung = await bare.command('hangup');
    assert.equal(hung.ok, true, hung.data);
    const ended = await parley.waitFor('call', (s) => s.id === incoming.id && s.state === 'ended', 5000, 'ended by the BYE');
    const stalls = watch.stop();
    await nextBaresipEvent('CALL_CLOSED', from, 5000);
    const callId = parley.all('trace').find((t) => t.direction === 'in' && t.time >= t0 && /^INVITE /.test(t.text))?.callId;
    checkSdp(callId, secure);
    await finish('baresip→Parley', c.codec, secure ? `SRTP SAVP/${parleySrtp}` : 'RTP', incoming.id, ended, files, stalls);
  }

  test('PCMU, plain RTP: baresip calls Parley, Parley answers, baresip hangs up', { timeout: 30_000 }, async () => {
    await baresipCalls(CODECS[0]!, false, 'off');
  });

  test('Opus, SRTP: baresip (srtp-mand) calls Parley (SRTP optional), both hear the other', { timeout: 30_000 }, async () => {
    await baresipCalls(CODECS[3]!, true, 'optional');
  });
});
