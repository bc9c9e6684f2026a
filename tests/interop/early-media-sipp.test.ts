/**
 * Early media from the network (RFC 3960): a sipp UAS answers `parley call`
 * with a 183 carrying SDP and streams a 1000 Hz PCMU tone (sipp rtp_stream,
 * a µ-law file made by sox) for 2 s before its 200. Parley's caller must play
 * it — the recording of what the caller heard is measured: its first 1.5 s
 * (all before the answer) carry the 1000 Hz tone. The call's events show
 * 'early' before 'active'.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSipp } from './harness/sipp.ts';
import { freePort } from './harness/free-port.ts';
import { makeTempDir } from './harness/managed-process.ts';
import { readWavPcm16 } from './harness/wav.ts';
import { activeFraction, dominantFrequency, toneLevelDbfs } from '../helpers/audio-analysis.ts';
import { ParleyProcess } from '../unit/cli/parley-process.ts';

const sdp = `v=0
      o=sipp 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
      a=sendrecv`;

function scenario(toneFile: string): string {
  const head = (status: string) => `
      SIP/2.0 ${status}
      [last_Via:]
      [last_Record-Route:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]
`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uas-early-media-tone">
  <recv request="INVITE" crlf="true"/>
  <send><![CDATA[
${head('183 Session Progress')}
      ${sdp}
  ]]></send>
  <nop><action><exec rtp_stream="${toneFile},1,0"/></action></nop>
  <pause milliseconds="2000"/>
  <send retrans="500"><![CDATA[
${head('200 OK')}
      ${sdp}
  ]]></send>
  <recv request="ACK" crlf="true"/>
  <recv request="BYE" timeout="20000"/>
  <send><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

  ]]></send>
  <timewait milliseconds="300"/>
</scenario>
`;
}

describe('early media from a sipp UAS', () => {
  const tmp = makeTempDir('early-media');
  const procs: ParleyProcess[] = [];
  after(async () => {
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
    tmp.remove();
  });

  test('183 + RTP tone before the 200: the caller hears the 1000 Hz tone before the answer', { timeout: 60_000 }, async (t) => {
    const tone = join(tmp.path, 'tone.ul');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-e', 'u-law', '-t', 'raw', tone, 'synth', '2.5', 'sine', '1000', 'vol', '0.5']);
    const xml = join(tmp.path, 'uas-early-media-tone.xml');
    writeFileSync(xml, scenario(tone));
    const uas = await startSipp({ scenario: xml, timeoutMs: 20_000, extraArgs: ['-mp', String(await freePort(['udp4']))] });
    try {
      const heard = join(tmp.path, 'heard.wav');
      const p = new ParleyProcess(['call', `sip:service@127.0.0.1:${uas.localPort}`, '--bind', '127.0.0.1:0', '--record', heard, '--duration', '1', '--json'], {
        env: { XDG_CONFIG_HOME: join(tmp.path, 'xdg'), PARLEY_PASSWORD: '' },
      });
      procs.push(p);
      const exit = await p.waitForExit(30_000);
      assert.equal(exit.code, 0, p.stdout + p.stderr);
      const states = p.events.filter((e) => e.event === 'call').map((e) => (e.data as { state: string }).state);
      assert.ok(states.indexOf('early') >= 0 && states.indexOf('early') < states.indexOf('active'), `states ${states.join(' → ')}`);
      const wav = readWavPcm16(heard);
      const early = wav.samples.subarray(0, Math.round(1.5 * wav.sampleRate));
      const hz = dominantFrequency(early, wav.sampleRate);
      const level = toneLevelDbfs(early, wav.sampleRate, 1000);
      const presence = activeFraction(early, wav.sampleRate);
      t.diagnostic(`before the answer the caller heard ${hz.toFixed(1)} Hz at ${level.toFixed(1)} dBFS, sound ${(presence * 100).toFixed(0)} % of 1.5 s`);
      assert.ok(Math.abs(hz - 1000) <= 10, `heard ${hz} Hz`);
      assert.ok(level > -30, `heard the tone at ${level} dBFS`);
      assert.ok(presence >= 0.8, `sound in ${(presence * 100).toFixed(0)} % of the early media`);
      const r = await uas.result;
      assert.equal(r.exitCode, 0, r.errors || r.output.slice(-1500));
    } finally {
      await uas.stop();
    }
  });
});
