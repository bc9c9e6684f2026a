/**
 * Real audio between the whole Parley phone (createPhoneEngine, a 600 Hz tone
 * as microphone, a WAV file as speaker) and linphonec (liblinphone 5.1,
 * Debian package linphone-cli) with its "files" sound card (a 1000 Hz sox
 * tone as microphone, a WAV recording as speaker), both registered to one
 * registrar/proxy the caller starts (Kamailio, or parley serve), PCMU, each
 * direction once.
 *
 * The SIP domain is 127.0.0.2, not a name: liblinphone resolves names with its
 * own DNS client, and an IP-literal domain leaves it nothing to look up. It is
 * not 127.0.0.1 either, because Kamailio would then take every contact on
 * 127.0.0.1 (Parley's, linphonec's) for itself ("myself" ignores the port
 * of a portless alias) and loose_route would 404 the in-dialog requests.
 * Every request goes to the registrar as outbound proxy on 127.0.0.1.
 *
 * Each side's recording is measured: frequency ±10 Hz, level ±3 dB of the
 * sent -15 dBFS RMS, length ±400 ms of the answered call, audio present in
 * ≥ 95 % of it after 100 ms of set-up.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallSnapshot, MediaStats } from '../../../electron/api/snapshots.ts';
import { finishedRecording, startLinphonec, type LinphonecHandle } from './linphonec.ts';
import { groupAlive, makeTempDir, sleep } from './managed-process.ts';
import { startParleyEngine, type ParleyEnginePeer } from './parley-engine.ts';
import { soxTone } from './sox.ts';
import { StallWatch, type StallReport } from '../../helpers/stall-watch.ts';
import { assertHeard, describeTone, measureWav, type HeardTone } from './tone-measure.ts';
import { readWavPcm16 } from './wav.ts';

/** The users every registrar must know: johndoe/secret (Parley) and lin/linpw (linphonec). */
export const LINPHONE_CALL_USERS = [
  { username: 'johndoe', password: 'secret' },
  { username: 'lin', password: 'linpw' },
] as const;

export const LINPHONE_CALL_DOMAIN = '127.0.0.2';

/** The registrar/proxy both phones use, started by the test for the domain above. */
export interface LinphoneRegistrar {
  /** Its UDP port on 127.0.0.1. */
  port: number;
  /**
   * Both phones register and call over TLS to this port instead (the certificate names 127.0.0.1,
   * issued by the CA in `caFile`); a TLS account makes Parley insist on SDES-SRTP, so linphonec uses it too.
   */
  tls?: { port: number; caFile: string };
  /** Its process, when it runs in one (checked gone after stop). */
  pid?: number;
  /** Resolves once `user` is in the location table (linphonec prints nothing when it registers). */
  waitRegistered(user: string, lin: LinphonecHandle): Promise<void>;
  stop(): Promise<void>;
}

const DOMAIN = LINPHONE_CALL_DOMAIN;
const PARLEY_HZ = 600;
const LINPHONE_HZ = 1000;
const SENT_RMS_DBFS = -15;
const TALK_MS = 3000;

function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

/** Both call directions between Parley and linphonec through the registrar `startRegistrar` gives, each side's audio measured. */
export function describeLinphoneCalls(title: string, startRegistrar: () => Promise<LinphoneRegistrar>): void {
  describe(title, () => {
    let registrar: LinphoneRegistrar;
    let lin: LinphonecHandle;
    let parley: ParleyEnginePeer;
    let accountId: string;
    const tmp = makeTempDir('media-linphone');
    const matrix: string[] = [];
    let recordings = 0;

    before(async () => {
      registrar = await startRegistrar();
      const tone = join(tmp.path, 'tone-1000.wav');
      soxTone(tone, { hz: LINPHONE_HZ, seconds: 30, rate: 8000, peakDbfs: -12 });
      const tls = registrar.tls;
      lin = await startLinphonec({
        user: 'lin', password: 'linpw', domain: DOMAIN, proxyPort: registrar.port, codecs: ['PCMU'], autoAnswer: true,
        ...(tls ? { tls: { port: tls.port, rootCa: tls.caFile }, srtp: true } : {}),
      });
      lin.command('soundcard use files');
      lin.command(`play ${tone}`);
      await lin.waitForOutput(/Using wav files instead of soundcard/, 5000);
      parley = await startParleyEngine({ name: 'parley', toneHz: PARLEY_HZ, toneDbfs: -12, ...(tls ? { transports: ['udp' as const, 'tls' as const] } : {}) });
      const account = await parley.call('accounts.add', {
        aor: `sip:johndoe@${DOMAIN}`,
        password: 'secret',
        registrar: `sip:127.0.0.1:${tls?.port ?? registrar.port}`,
        outboundProxy: `sip:127.0.0.1:${tls?.port ?? registrar.port}`,
        ...(tls ? { transport: 'tls' as const, tlsCaFile: tls.caFile } : {}),
        codecs: ['PCMU'],
      });
      accountId = account.id;
      await parley.waitFor('registration', (r) => r.accountId === accountId && r.state === 'registered', 8000, 'johndoe registered');
      // linphonec 5.1 prints nothing when it registers: the registrar's location table tells.
      await registrar.waitRegistered('lin', lin);
    });

    after(async () => {
      if (matrix.length > 0) log(`matrix:\n${matrix.map((r) => `#   ${r}`).join('\n')}`);
      await parley?.close();
      const pids = [lin?.pid, registrar?.pid];
      await lin?.stop();
      await registrar?.stop();
      tmp.remove();
      for (const pid of pids) if (pid) assert.equal(groupAlive(pid), false, `process group ${pid} is gone`);
    });

    /** A fresh file for linphonec's next call (the "files" sound card records there). */
    function nextRecording(): string {
      const path = join(tmp.path, `linphone-heard-${++recordings}.wav`);
      lin.command(`record ${path}`);
      return path;
    }

    async function parleyRecording(callId: string): Promise<string> {
      const path = parley.recordings.get(callId);
      assert.ok(path, 'Parley opened devices for the call');
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        try {
          if (readWavPcm16(path).samples.length > 0 && statSync(path).size > 44) break;
        } catch {
          // not yet
        }
        await sleep(25);
      }
      return path;
    }

    async function measure(dir: string, ended: CallSnapshot, linPath: string, apiCallId: string, stalls: StallReport): Promise<void> {
      assert.ok(ended.answeredAt !== undefined && ended.endedAt !== undefined);
      const answeredMs = ended.endedAt - ended.answeredAt;
      const stalledMs = stalls.lostMs;
      const heardByLinphone = measureWav('linphonec', await finishedRecording(lin, linPath), answeredMs, { stalledMs });
      const heardByParley = measureWav('Parley', await parleyRecording(apiCallId), answeredMs, { stalledMs });
      const stats: MediaStats | undefined = parley.all('media.stats').filter((s) => s.callId === apiCallId).at(-1);
      const f = (h: HeardTone) => `${h.hz.toFixed(1)} Hz ${h.levelDbfs.toFixed(1)} dBFS ${h.seconds.toFixed(2)} s ${(h.presence * 100).toFixed(1)} %`;
      matrix.push(
        `${dir.padEnd(16)} PCMU ${registrar.tls ? 'SRTP (SIP over TLS)' : 'RTP'} call ${(answeredMs / 1000).toFixed(2)} s | linphonec heard ${f(heardByLinphone)} | Parley heard ${f(heardByParley)} | ` +
          (stats ? `loss ${stats.lossPercent} % jitter ${stats.jitterMs} ms MOS ${stats.mos ?? '-'}` : 'no stats') +
          (stalls.maxStallMs > 50 ? ` | host stalls ${stalls.stalls.join('/')} ms${stalls.lostMs ? `, ${stalls.lostMs.toFixed(0)} ms excusable` : ''}` : ''),
      );
      for (const h of [heardByLinphone, heardByParley]) log(`${describeTone(h)}${h.activeFraction < 0.99 ? `\n#   20 ms windows: ${h.windows}` : ''}`);
      assertHeard(heardByLinphone, { hz: PARLEY_HZ, sentDbfs: SENT_RMS_DBFS, answeredMs });
      assertHeard(heardByParley, { hz: LINPHONE_HZ, sentDbfs: SENT_RMS_DBFS, answeredMs });
      assert.ok(stats && stats.packetsReceived >= 50 && stats.packetsSent >= 50, `RTP both ways in media.stats: ${JSON.stringify(stats)}`);
    }

    function sdpOf(direction: 'in' | 'out', startLine: RegExp, since: number): string {
      const t = parley.all('trace').find((e) => e.direction === direction && e.time >= since && startLine.test(e.text));
      assert.ok(t, `${direction} ${startLine} in the trace`);
      return t.text;
    }

    test('Parley calls linphonec (auto-answer), hangs up after 3 s: both hear the other', { timeout: 30_000 }, async () => {
      const linPath = nextRecording();
      const mark = lin.output().length;
      const t0 = Date.now();
      const watch = new StallWatch().start();
      const dialled = await parley.call('call.dial', { target: `sip:lin@${DOMAIN}`, accountId });
      const active = await parley.waitFor('call', (s) => s.id === dialled.id && (s.state === 'active' || s.state === 'ended'), 8000, 'answer');
      assert.equal(active.state, 'active', `${active.code} ${active.reason}\n${parley.trace()}\n${lin.output().slice(-2000)}`);
      assert.equal(active.codec, 'PCMU/8000');
      if (registrar.tls) assert.equal(active.srtp, true, 'SIP over TLS: the audio is SRTP');
      assert.match(sdpOf('in', /^SIP\/2\.0 200 /, t0), /^m=audio \d+ RTP\/S?AVP 0 /m);
      await lin.waitForOutput(/Call \d+ with sip:johndoe@127\.0\.0\.2 connected/, 3000, mark);
      await sleep(TALK_MS);
      await parley.call('call.hangup', { callId: dialled.id });
      const ended = await parley.waitFor('call', (s) => s.id === dialled.id && s.state === 'ended', 5000, 'ended');
      const stalls = watch.stop();
      assert.equal(ended.code ?? 200, 200);
      await lin.waitForOutput(/Call \d+ with sip:johndoe@127\.0\.0\.2 ended/, 5000, mark);
      await measure('Parley→linphonec', ended, linPath, dialled.id, stalls);
    });

    test('linphonec calls Parley, Parley answers, linphonec hangs up after 3 s: both hear the other', { timeout: 30_000 }, async () => {
      const linPath = nextRecording();
      const mark = lin.output().length;
      const t0 = Date.now();
      const watch = new StallWatch().start();
      lin.command(`call sip:johndoe@${DOMAIN}`);
      const incoming = await parley.waitFor('call.incoming', (i) => i.startedAt >= t0 - 1000, 8000, 'call.incoming');
      assert.equal(incoming.remote.uri, `sip:lin@${DOMAIN}`);
      assert.match(sdpOf('in', /^INVITE /, t0), /^m=audio \d+ RTP\/S?AVP 0[ \r]/m);
      await parley.call('call.answer', { callId: incoming.id });
      const active = await parley.waitFor('call', (s) => s.id === incoming.id && (s.state === 'active' || s.state === 'ended'), 5000, 'active');
      assert.equal(active.state, 'active', `${active.code} ${active.reason}\n${parley.trace()}`);
      assert.equal(active.codec, 'PCMU/8000');
      if (registrar.tls) assert.equal(active.srtp, true, 'SIP over TLS: the audio is SRTP');
      await lin.waitForOutput(/Call \d+ with sip:johndoe@127\.0\.0\.2 connected/, 3000, mark);
      await sleep(TALK_MS);
      lin.command('terminate');
      const ended = await parley.waitFor('call', (s) => s.id === incoming.id && s.state === 'ended', 5000, 'ended by the BYE');
      const stalls = watch.stop();
      await lin.waitForOutput(/Call \d+ with sip:johndoe@127\.0\.0\.2 ended/, 5000, mark);
      assert.ok(parley.all('trace').some((e) => e.direction === 'in' && e.time >= t0 && /^BYE /.test(e.text)), 'the BYE came from linphonec');
      await measure('linphonec→Parley', ended, linPath, incoming.id, stalls);
    });
  });
}
