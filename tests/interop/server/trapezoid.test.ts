/**
 * The SIP trapezoid (RFC 3261 §2, RFC 3263): two domains, each with its own
 * proxy, found by DNS SRV on the tests' loopback DNS server.
 *   sipa.test — Parley's server; alice is the Parley phone engine.
 *   sipb.test — Kamailio (and, in the second part, a second Parley server); bob is baresip.
 * alice@sipa.test calls bob@sipb.test: the INVITE goes alice → Parley server
 * (digest, 407) → SRV _sip._udp.sipb.test → sipb's proxy → bob. Audio is
 * measured both ways, and nftables counters on the proxies' ports show that
 * no RTP crossed them while the phones' own ports got the whole stream. With
 * two Parley servers bob also calls alice back across the domains.
 * (Kamailio as the harness runs it relays only to IP literals: no DNS, so
 * the call from sipb.test to sipa.test is tested between two Parley servers.)
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { WireDnsResolver } from '../../../electron/sip/dns/index.ts';
import { startDnsServer, type TestDnsServer } from '../../helpers/dns-server.ts';
import { startBaresip, type BaresipHandle } from '../harness/baresip.ts';
import { startKamailio, type KamailioHandle } from '../harness/kamailio.ts';
import { groupAlive, makeTempDir, sleep } from '../harness/managed-process.ts';
import { startParleyEngine, type ParleyEnginePeer } from '../harness/parley-engine.ts';
import { soxTone } from '../harness/sox.ts';
import { assertHeard, describeTone, measureWav } from '../harness/tone-measure.ts';
import { PacketCounter } from './packet-counter.ts';
import { startServerPeer, type ServerPeer } from './server-peer.ts';

const PARLEY_HZ = 600;
const BARESIP_HZ = 1000;
const TALK_MS = 3000;

function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

function srv(port: number, host: string) {
  return { SRV: [{ priority: 10, weight: 1, port, target: host }] };
}

const counting = PacketCounter.available();

for (const sipb of ['kamailio', 'parley'] as const) {
  describe(`trapezoid: sipa.test (Parley) → sipb.test (${sipb === 'kamailio' ? 'Kamailio' : 'a second Parley server'})`, () => {
    let dns: TestDnsServer;
    let a: ServerPeer;
    let kam: KamailioHandle | undefined;
    let b: ServerPeer | undefined;
    let bPort: number;
    let bare: BaresipHandle;
    let alice: ParleyEnginePeer;
    let accountId: string;
    const tmp = makeTempDir('trapezoid');

    before(async () => {
      dns = await startDnsServer({});
      const resolver = new WireDnsResolver({ servers: [dns.endpoint] });
      a = await startServerPeer({ domain: 'sipa.test', users: [{ username: 'alice', password: 'wonder' }], resolver });
      if (sipb === 'kamailio') {
        kam = await startKamailio({ domain: 'sipb.test', users: [{ username: 'bob', password: 'builder' }], aliases: [], ipv6: false });
        bPort = kam.udpPort;
      } else {
        b = await startServerPeer({ domain: 'sipb.test', users: [{ username: 'bob', password: 'builder' }], resolver });
        bPort = b.port;
      }
      dns.zone = {
        '_sip._udp.sipa.test': srv(a.port, 'proxy.sipa.test'),
        'proxy.sipa.test': { A: ['127.0.0.1'] },
        '_sip._udp.sipb.test': srv(bPort, 'proxy.sipb.test'),
        'proxy.sipb.test': { A: ['127.0.0.1'] },
      };
      const source = join(tmp.path, 'tone.wav');
      soxTone(source, { hz: BARESIP_HZ, seconds: 30, rate: 8000, channels: 1, peakDbfs: -12 });
      bare = await startBaresip({
        accounts: [{
          aor: 'sip:bob@sipb.test', password: 'builder', outbound: `sip:127.0.0.1:${bPort}`, regint: 600, answermode: 'auto',
          audioCodecs: 'PCMU/8000/1', extra: `;audio_source=aufile,${source}`,
        }],
      });
      await bare.waitForEvent((e) => e.type === 'REGISTER_OK', 8000);
      alice = await startParleyEngine({ name: `alice-${sipb}`, toneHz: PARLEY_HZ });
      const account = await alice.call('accounts.add', {
        aor: 'sip:alice@sipa.test', password: 'wonder', registrar: `sip:127.0.0.1:${a.port}`, outboundProxy: `sip:127.0.0.1:${a.port}`, codecs: ['PCMU'],
      });
      accountId = account.id;
      await alice.waitFor('registration', (r) => r.accountId === accountId && r.state === 'registered', 8000, 'alice registered');
    });

    after(async () => {
      await alice?.close();
      const pids = [bare?.pid, kam?.pid];
      await bare?.stop();
      await kam?.stop();
      await b?.close();
      await a?.close();
      await dns?.close();
      tmp.remove();
      for (const pid of pids) if (pid) assert.equal(groupAlive(pid), false);
    });

    /** Parley's RTP port, from the SDP it sent or received in this call's trace. */
    function parleyRtpPort(t0: number): number {
      const sdp = alice.all('trace').find((t) => t.direction === 'out' && t.time >= t0 && /^m=audio /m.test(t.text));
      const m = sdp && /^m=audio (\d+) /m.exec(sdp.text);
      assert.ok(m, 'Parley sent SDP');
      return Number(m[1]);
    }

    async function talkAndMeasure(callId: string, t0: number, files: readonly string[], hangup: () => Promise<void>): Promise<void> {
      const rtp = parleyRtpPort(t0);
      const counter = counting ? await PacketCounter.start([a.port, bPort, rtp]) : undefined;
      try {
        await sleep(TALK_MS);
        const counts = await counter?.read();
        const rtpCounts = await counter?.readRtp();
        await hangup();
        const ended = await alice.waitFor('call', (s) => s.id === callId && s.state === 'ended', 5000, 'ended');
        await bare.waitForEvent((e) => e.type === 'CALL_CLOSED' && e.param !== undefined, 5000).catch(() => undefined);
        if (counts && rtpCounts) {
          log(`datagrams during ${TALK_MS} ms of talk (RTP-shaped of them): sipa proxy ${counts.get(a.port)} (${rtpCounts.get(a.port)}), sipb proxy ${counts.get(bPort)} (${rtpCounts.get(bPort)}), Parley's RTP port ${counts.get(rtp)} (${rtpCounts.get(rtp)})`);
          assert.ok((rtpCounts.get(rtp) ?? 0) >= (TALK_MS / 20) * 0.8, 'Parley received the RTP stream directly');
          // Signalling may pass the proxies during the call (the phone's presence PUBLISH and SUBSCRIBEs follow an
          // outgoing call's set-up); media never does.
          assert.equal(rtpCounts.get(a.port) ?? 0, 0, 'no RTP through sipa\'s proxy');
          assert.equal(rtpCounts.get(bPort) ?? 0, 0, 'no RTP through sipb\'s proxy');
        }
        // The answered call as the wire saw it at alice: 2xx to the INVITE (or the ACK alice got) to the BYE.
        // (The first call of a fresh engine stamps its snapshot times around its media start-up; the wire does not.)
        const trace = alice.all('trace').filter((t) => t.time >= t0);
        const answered = trace.find((t) => /^SIP\/2.0 200 /.test(t.text) && /^CSeq: \d+ INVITE/m.test(t.text)) ?? trace.find((t) => /^ACK /.test(t.text));
        const bye = trace.find((t) => /^BYE /.test(t.text));
        assert.ok(answered && bye, 'the answer and the BYE are in alice\'s trace');
        const answeredMs = bye.time - answered.time;
        log(`answered ${answeredMs.toFixed(0)} ms on the wire, ${(ended.endedAt! - ended.answeredAt!).toFixed(0)} ms in the snapshot`);
        let dump: string | undefined;
        for (let i = 0; i < 60 && !dump; i++) {
          dump = bare.receivedAudioFiles().find((f) => !files.includes(f));
          if (!dump) await sleep(50);
        }
        assert.ok(dump, 'baresip recorded the call');
        const path = alice.recordings.get(callId)!;
        for (let i = 0; i < 60 && readFileSync(path).readUInt32LE(40) === 0xffffffff; i++) await sleep(25);
        const byBob = measureWav('baresip', dump, answeredMs, { heldBackMs: 100 });
        const byAlice = measureWav('Parley', path, answeredMs);
        log(`${describeTone(byBob)}\n#   ${byBob.windows}`);
        log(`${describeTone(byAlice)}\n#   ${byAlice.windows}`);
        assertHeard(byBob, { hz: PARLEY_HZ, sentDbfs: -15, answeredMs });
        assertHeard(byAlice, { hz: BARESIP_HZ, sentDbfs: -15, answeredMs });
      } finally {
        await counter?.stop();
      }
    }

    test('alice@sipa.test calls bob@sipb.test: found by SRV, both proxies on the path, audio directly between the phones', { timeout: 40_000 }, async () => {
      const files = bare.receivedAudioFiles();
      const from = bare.events.length;
      const t0 = Date.now();
      const dialled = await alice.call('call.dial', { target: 'sip:bob@sipb.test', accountId });
      const active = await alice.waitFor('call', (s) => s.id === dialled.id && (s.state === 'active' || s.state === 'ended'), 10_000, 'answer');
      assert.equal(active.state, 'active', `${active.code} ${active.reason}\n${alice.trace()}`);
      await bare.waitForEvent((e) => e.type === 'CALL_ESTABLISHED' && bare.events.indexOf(e) >= from, 3000);
      assert.ok(dns.queries.some((q) => q.name.toLowerCase() === '_sip._udp.sipb.test' && q.type === 'SRV'), 'sipb.test found by SRV');
      const ok = alice.all('trace').find((t) => t.direction === 'in' && t.time >= t0 && /^SIP\/2.0 200 /.test(t.text) && /^CSeq: \d+ INVITE/m.test(t.text));
      assert.ok(ok, 'the 200 reached alice');
      const rr = [...ok.text.matchAll(/^Record-Route: (.*)$/gm)].map((m) => m[1]).join(', ');
      assert.match(rr, new RegExp(`127\\.0\\.0\\.1:${bPort}`), `sipb's proxy record-routed: ${rr}`);
      assert.match(rr, new RegExp(`127\\.0\\.0\\.1:${a.port}`), `sipa's proxy record-routed: ${rr}`);
      await talkAndMeasure(dialled.id, t0, files, async () => {
        await alice.call('call.hangup', { callId: dialled.id });
      });
    });

    if (sipb === 'parley') {
      test('bob@sipb.test calls alice@sipa.test back through both Parley servers', { timeout: 40_000 }, async () => {
        const files = bare.receivedAudioFiles();
        const from = bare.events.length;
        const t0 = Date.now();
        const seen = new Set(alice.all('call.incoming').map((i) => i.id));
        assert.equal((await bare.command('dial', 'sip:alice@sipa.test')).ok, true);
        const ring = await alice.waitFor('call.incoming', (i) => !seen.has(i.id), 8000, 'alice rings');
        await alice.call('call.answer', { callId: ring.id });
        await alice.waitFor('call', (s) => s.id === ring.id && s.state === 'active', 5000, 'active');
        await bare.waitForEvent((e) => e.type === 'CALL_ESTABLISHED' && bare.events.indexOf(e) >= from, 3000);
        await talkAndMeasure(ring.id, t0, files, async () => {
          assert.equal((await bare.command('hangup')).ok, true);
        });
      });
    }
  });
}
