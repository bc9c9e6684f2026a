/**
 * Two RtpSessions on real loopback sockets. Timers run on a FakeClock that
 * never advances, so RTCP goes out only when a test asks (sendReportNow);
 * every wait is bounded.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { once } from 'node:events';
import { RtpSession } from '../../../../electron/media/rtp/rtp-session.ts';
import type { RtpStreamConfig, RtpSessionEvents } from '../../../../electron/media/rtp/rtp-session.ts';
import { allocatePortPair, PortAllocationError } from '../../../../electron/media/rtp/port-allocator.ts';
import { LATCH_AFTER, UNPROVEN_BURST, UNPROVEN_EVERY } from '../../../../electron/media/rtp/peer-latch.ts';
import { serializeRtpPacket } from '../../../../electron/media/rtp/rtp-packet.ts';
import type { RtpPacket } from '../../../../electron/media/rtp/rtp-packet.ts';
import { generateSrtpKeyMaterial } from '../../../../electron/media/srtp/srtp-crypto-suite.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';

const HOST = '127.0.0.1';
const RANGE = { min: 41000, max: 44999 };
const opened: RtpSession[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  for (const s of sockets.splice(0)) s.close();
});

async function open(bindRtcpPort = false): Promise<RtpSession> {
  const s = await RtpSession.open({ bindAddress: HOST, portRange: RANGE, bindRtcpPort, clock: new FakeClock() });
  opened.push(s);
  return s;
}

async function rawSocket(): Promise<Socket> {
  const s = createSocket('udp4');
  sockets.push(s);
  s.bind(0, HOST);
  await once(s, 'listening');
  return s;
}

function config(peer: { port: number; rtcpPort?: number }, over: Partial<RtpStreamConfig> = {}): RtpStreamConfig {
  return {
    remoteAddress: HOST,
    remotePort: peer.port,
    remoteRtcpPort: peer.rtcpPort,
    rtcpMux: true,
    payloadType: 0,
    clockRate: 8000,
    ptimeMs: 20,
    receivePayloadTypes: [0, 101],
    ...over,
  };
}

/** Wait for `count` events, at most `ms`. */
function collect<K extends keyof RtpSessionEvents>(session: RtpSession, event: K, count: number, ms = 2000): Promise<RtpSessionEvents[K][]> {
  return new Promise((resolve, reject) => {
    const got: RtpSessionEvents[K][] = [];
    const timer = setTimeout(() => {
      session.off(event, listener as never);
      reject(new Error(`timed out waiting for ${count} '${String(event)}' events, got ${got.length}`));
    }, ms);
    const listener = (...args: RtpSessionEvents[K]) => {
      got.push(args);
      if (got.length === count) {
        clearTimeout(timer);
        session.off(event, listener as never);
        resolve(got);
      }
    };
    session.on(event, listener as never);
  });
}

const payload = (i: number) => Buffer.from(`frame-${i}`.padEnd(160, '.'));
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RtpSession on loopback', () => {
  it('allocates an even RTP port and RTP+1 for RTCP inside the range', async () => {
    const s = await open(true);
    assert.equal(s.localPort % 2, 0);
    assert.equal(s.localRtcpPort, s.localPort + 1);
    assert.ok(s.localPort >= RANGE.min && s.localPort + 1 <= RANGE.max);
    // the same pair cannot be taken twice; a one-pair range that is busy fails cleanly
    await assert.rejects(allocatePortPair({ address: HOST, range: { min: s.localPort, max: s.localPort + 1 }, withRtcp: true }), PortAllocationError);
  });

  it('exchanges RTP both ways with rtcp-mux, reports RTT, and ends with BYE', async () => {
    const a = await open();
    const b = await open();
    a.start(config({ port: b.localPort }));
    b.start(config({ port: a.localPort }));
    const atB = collect(b, 'rtp', 10);
    for (let i = 0; i < 10; i++) a.send(payload(i));
    const got = await atB;
    assert.deepEqual(got.map(([p]) => p.payload.toString().split('.')[0]), Array.from({ length: 10 }, (_, i) => `frame-${i}`));
    const first = got[0]![0] as RtpPacket;
    assert.equal(first.marker, true);
    assert.equal(first.ssrc, a.sender!.ssrc);
    assert.ok(got.every(([p], i) => p.sequenceNumber === ((first.sequenceNumber + i) & 0xffff)));
    assert.ok(got.every(([p], i) => p.timestamp === ((first.timestamp + 160 * i) >>> 0)));
    assert.equal(got[0]![1].port, a.localPort); // symmetric RTP: sent from the port we receive on

    const atA = collect(a, 'rtp', 5);
    for (let i = 0; i < 5; i++) b.send(payload(100 + i));
    await atA;

    // SR from A; B's RR comes back with a report block about A → A measures the RTT
    const srAtB = collect(b, 'rtcp', 1);
    a.sendReportNow();
    const [[packets]] = await srAtB;
    assert.deepEqual(packets.map((p) => p.type), ['sr', 'sdes']);
    const rtt = collect(a, 'rtt', 1);
    b.sendReportNow();
    const [[ms]] = await rtt;
    assert.ok(ms >= 0 && ms < 1000, `rtt ${ms}`);

    const sb = b.stats();
    assert.equal(sb.packetsReceived, 10);
    assert.equal(sb.expected, 9); // RFC 3550 A.1 probation takes the first packet
    assert.equal(sb.cumulativeLost, 0);
    assert.equal(sb.remoteSsrc, a.sender!.ssrc);
    assert.equal(sb.rtcpReceived, 1);
    assert.equal(a.stats().rttMs, ms);
    assert.equal(a.stats().remoteCumulativeLost, 0);

    const bye = collect(b, 'bye', 1);
    await a.close('hangup');
    const [[reason]] = await bye;
    assert.equal(reason, 'hangup');
  });

  it('uses the separate RTCP port (RTP + 1) without rtcp-mux, in both directions', async () => {
    const a = await open(true);
    const b = await open(true);
    a.start(config({ port: b.localPort, rtcpPort: b.localRtcpPort }, { rtcpMux: false }));
    b.start(config({ port: a.localPort, rtcpPort: a.localRtcpPort }, { rtcpMux: false }));
    const atB = collect(b, 'rtp', 3);
    for (let i = 0; i < 3; i++) a.send(payload(i));
    await atB;
    const atA = collect(a, 'rtp', 3);
    for (let i = 0; i < 3; i++) b.send(payload(i));
    await atA;
    const rtcpAtB = collect(b, 'rtcp', 1);
    a.sendReportNow();
    const [[, info]] = await rtcpAtB;
    assert.equal(info.port, a.localRtcpPort);
    const rtcpAtA = collect(a, 'rtcp', 1);
    b.sendReportNow();
    const [[pk, infoA]] = await rtcpAtA;
    assert.equal(infoA.port, b.localRtcpPort);
    assert.equal(pk[0]!.type, 'sr');
    const bye = collect(a, 'bye', 1);
    await b.close();
    await bye;
  });

  it('carries SRTP/SRTCP with crossed SDES keys and drops plain or foreign-key packets', async () => {
    const ka = generateSrtpKeyMaterial();
    const kb = generateSrtpKeyMaterial();
    const a = await open();
    const b = await open();
    a.start(config({ port: b.localPort }, { srtp: { suite: 'AES_CM_128_HMAC_SHA1_80', localKey: ka, remoteKey: kb } }));
    b.start(config({ port: a.localPort }, { srtp: { suite: 'AES_CM_128_HMAC_SHA1_80', localKey: kb, remoteKey: ka } }));

    // A raw listener sees what goes on the wire: not our plaintext.
    const spy = await rawSocket();
    const sniffed = once(spy, 'message');
    const probe = await open();
    probe.start(config({ port: spy.address().port }, { srtp: { suite: 'AES_CM_128_HMAC_SHA1_80', localKey: ka, remoteKey: kb } }));
    probe.send(payload(7));
    const [wire] = (await sniffed) as [Buffer];
    assert.equal(wire.length, 12 + 160 + 10);
    assert.ok(!wire.includes(Buffer.from('frame-7')));

    // Before anything authentic arrived, a stranger's plain RTP must neither play nor latch.
    const plain = serializeRtpPacket({ marker: false, payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 1, csrcs: [], payload: payload(9), paddingLength: 0 });
    const stranger = await rawSocket();
    stranger.send(plain, b.localPort, HOST);
    stranger.send(Buffer.concat([plain, Buffer.alloc(10)]), b.localPort, HOST); // with a made-up tag
    await delay(100);
    assert.equal(b.stats().packetsReceived, 0);
    assert.equal(b.stats().dropped.srtp, 2);
    assert.equal(b.stats().latchedRtp, undefined);

    const atB = collect(b, 'rtp', 5);
    for (let i = 0; i < 5; i++) a.send(payload(i));
    const got = await atB;
    assert.equal(got[4]![0].payload.toString().slice(0, 7), 'frame-4');
    assert.deepEqual(b.stats().latchedRtp, { address: HOST, port: a.localPort });

    const rtcp = collect(b, 'rtcp', 1);
    a.sendReportNow();
    await rtcp;
    const bye = collect(b, 'bye', 1);
    await a.close('done');
    assert.equal((await bye)[0]![0], 'done');
  });

  it('latches to the real source when it differs from the SDP, then ignores strangers', async () => {
    const a = await open();
    const b = await open();
    const decoy = await rawSocket(); // where A's SDP claims it receives
    let decoyGot = 0;
    decoy.on('message', () => decoyGot++);
    b.start(config({ port: decoy.address().port }));
    a.start(config({ port: b.localPort }));

    b.send(payload(0)); // before latching: goes to the SDP address
    await delay(50);
    assert.equal(decoyGot, 1);

    // A source other than the SDP's is followed only once it keeps coming (LATCH_AFTER valid packets), not on its first.
    const latched = collect(b, 'latched', 1);
    const atB = collect(b, 'rtp', 1);
    for (let i = 0; i < LATCH_AFTER; i++) a.send(payload(1 + i));
    const [[kind, endpoint]] = await latched;
    await atB;
    assert.equal(kind, 'rtp');
    assert.deepEqual(endpoint, { address: HOST, port: a.localPort });
    assert.deepEqual(b.remoteRtpEndpoint, { address: HOST, port: a.localPort });

    const atA = collect(a, 'rtp', 3);
    for (let i = 0; i < 3; i++) b.send(payload(10 + i));
    await atA;
    assert.equal(decoyGot, 1); // nothing more went to the SDP address

    // a stranger's perfectly valid packet is ignored once latched
    const stranger = await rawSocket();
    stranger.send(serializeRtpPacket({ marker: false, payloadType: 0, sequenceNumber: 5, timestamp: 5, ssrc: 77, csrcs: [], payload: payload(5), paddingLength: 0 }), b.localPort, HOST);
    await delay(100);
    assert.equal(b.stats().packetsReceived, 1, 'the packets before the latch were not played');
    assert.equal(b.stats().dropped.foreignSource, LATCH_AFTER - 1 + 1);
    assert.deepEqual(b.stats().latchedRtp, { address: HOST, port: a.localPort });
  });

  it('does not latch on an invalid packet (wrong payload type or announced SSRC)', async () => {
    const b = await open();
    const a = await open();
    a.start(config({ port: b.localPort }));
    b.start(config({ port: 9 }, { remoteSsrc: a.sender!.ssrc }));
    const stranger = await rawSocket();
    const bad = (pt: number, ssrc: number) => serializeRtpPacket({ marker: false, payloadType: pt, sequenceNumber: 1, timestamp: 1, ssrc, csrcs: [], payload: payload(1), paddingLength: 0 });
    stranger.send(bad(96, a.sender!.ssrc), b.localPort, HOST); // PT not negotiated
    stranger.send(bad(0, 12345), b.localPort, HOST); // not the announced SSRC
    stranger.send(Buffer.from('garbage!!!!!!!!!'), b.localPort, HOST);
    await delay(100);
    assert.equal(b.stats().latchedRtp, undefined);
    const d = b.stats().dropped;
    assert.deepEqual([d.unexpectedPayloadType, d.foreignSource, d.malformed], [1, 1, 1]);
    const latched = collect(b, 'latched', 1);
    for (let i = 0; i < LATCH_AFTER; i++) a.send(payload(1 + i));
    assert.deepEqual((await latched)[0]![1], { address: HOST, port: a.localPort });
  });

  it('a stranger who sends first does not take the stream: the SDP address wins, and re-latches after a sustained stranger', async () => {
    const a = await open(); // the real peer, at its SDP address
    const b = await open();
    const stranger = await rawSocket();
    let strangerGot = 0;
    stranger.on('message', () => strangerGot++);
    b.start(config({ port: a.localPort }));
    a.start(config({ port: b.localPort }));
    const forged = (seq: number) => serializeRtpPacket({ marker: false, payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc: 0xbad, csrcs: [], payload: Buffer.alloc(160, 0x55), paddingLength: 0 });

    // A few valid packets first: not played, not followed.
    for (let i = 0; i < LATCH_AFTER - 1; i++) stranger.send(forged(i), b.localPort, HOST);
    await delay(100);
    assert.equal(b.stats().packetsReceived, 0, 'nothing of the stranger was played');
    assert.equal(b.stats().latchedRtp, undefined);
    // The real peer speaks from its SDP address: latched at once.
    const atB = collect(b, 'rtp', 1);
    a.send(payload(0));
    await atB;
    assert.deepEqual(b.stats().latchedRtp, { address: HOST, port: a.localPort });
    for (let i = 0; i < 3 * LATCH_AFTER; i++) stranger.send(forged(100 + i), b.localPort, HOST);
    const atA = collect(a, 'rtp', 5);
    for (let i = 0; i < 5; i++) b.send(payload(i));
    await atA;
    await delay(50);
    assert.equal(strangerGot, 0, 'nothing of ours went to the stranger');
    assert.equal(b.stats().packetsReceived, 1, 'only the peer was played');

    // A stranger that keeps coming before the peer says anything is followed (it may be the peer behind a NAT)…
    const c = await open();
    const d = await open(); // the real peer of c, silent at first
    c.start(config({ port: d.localPort }));
    d.start(config({ port: c.localPort }));
    for (let i = 0; i < LATCH_AFTER; i++) stranger.send(forged(i), c.localPort, HOST);
    await delay(100);
    assert.deepEqual(c.stats().latchedRtp, { address: HOST, port: stranger.address().port });
    // …until the SDP address starts sending: back to it, and the stranger is cut off.
    const atC = collect(c, 'rtp', 1);
    d.send(payload(0));
    await atC;
    assert.equal(c.stats().latchedRtp?.port, d.localPort, 're-latched to the SDP address');
    strangerGot = 0;
    const atD = collect(d, 'rtp', 3);
    for (let i = 0; i < 3; i++) c.send(payload(i));
    await atD;
    await delay(50);
    assert.equal(strangerGot, 0);
  });

  it('sends only a trickle to an SDP address that never proved it is there (no amplifier for a forged SDP)', async () => {
    const b = await open();
    const victim = await rawSocket();
    let victimGot = 0;
    victim.on('message', () => victimGot++);
    b.start(config({ port: victim.address().port }));
    const sent = 500; // 10 s of 20 ms audio
    for (let i = 0; i < sent; i++) b.send(payload(i));
    await delay(200);
    const allowed = UNPROVEN_BURST + Math.floor((sent - UNPROVEN_BURST) / UNPROVEN_EVERY);
    assert.equal(victimGot, allowed, `${victimGot} of ${sent} packets reached an address that never answered`);
    assert.equal(b.withheld, sent - allowed);
    // Once it answers from that address (RTP or RTCP), full rate.
    victim.send(serializeRtpPacket({ marker: false, payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 9, csrcs: [], payload: payload(1), paddingLength: 0 }), b.localPort, HOST);
    await delay(50);
    victimGot = 0;
    for (let i = 0; i < 50; i++) b.send(payload(i));
    await delay(200);
    assert.equal(victimGot, 50);
  });

  it('never sends to a host name (a DNS lookup per packet): the SDP layer refuses one, this is the backstop', async () => {
    const b = await open();
    b.start(config({ port: 40000 }, { remoteAddress: 'localhost' }));
    assert.equal(b.send(payload(0)), false);
    assert.equal(b.stats().packetsSent, 0);
  });

  it('on hold: no sending (the timestamp still runs), and an inactive stream delivers nothing', async () => {
    const a = await open();
    const b = await open();
    a.start(config({ port: b.localPort }, { direction: 'recvonly' }));
    b.start(config({ port: a.localPort }, { direction: 'inactive' }));
    const ts = a.sender!.nextTimestamp;
    assert.equal(a.send(payload(1)), false);
    assert.equal(a.sender!.nextTimestamp, (ts + 160) >>> 0);
    assert.equal(a.stats().packetsSent, 0);
    a.update(config({ port: b.localPort }, { direction: 'sendrecv' }));
    assert.equal(a.send(payload(2)), true);
    await delay(100);
    assert.equal(b.stats().packetsReceived, 0);
    assert.equal(b.stats().dropped.notReceiving, 1);
    // resume: B receives again, the first packet after the pause carried the marker
    b.update(config({ port: a.localPort }, { direction: 'sendrecv' }));
    const atB = collect(b, 'rtp', 1);
    a.send(payload(3));
    await atB;
  });

  it('sends reports on the RFC 3550 §6.3 schedule of its injected clock', async () => {
    const clock = new FakeClock();
    const a = await RtpSession.open({ bindAddress: HOST, portRange: RANGE, bindRtcpPort: false, clock, rtcpRandom: () => 0.5 });
    opened.push(a);
    const b = await open();
    a.start(config({ port: b.localPort }));
    b.start(config({ port: a.localPort }));
    const atB = collect(b, 'rtp', 1);
    a.send(payload(0));
    await atB;
    clock.advance(2000); // first report due at 2500 / (e − 1.5) ≈ 2052 ms
    await delay(50);
    assert.equal(b.stats().rtcpReceived, 0);
    const reports = collect(b, 'rtcp', 3);
    clock.advance(60 + 4104 * 2); // then every 5000 / (e − 1.5) ≈ 4104 ms
    const got = await reports;
    assert.deepEqual(got.map(([p]) => p[0]!.type), ['sr', 'rr', 'rr']); // SR only while we send
  });

  it('never sends to a c=0.0.0.0 hold address (on Linux that would reach localhost)', async () => {
    const a = await open();
    const watcher = await rawSocket();
    let got = 0;
    watcher.on('message', () => got++);
    a.start(config({ port: watcher.address().port }, { remoteAddress: '0.0.0.0' }));
    assert.equal(a.send(payload(1)), false);
    assert.equal(a.sendReportNow(), undefined);
    await a.close('bye');
    await delay(100);
    assert.equal(got, 0);
  });

  it('works over IPv6 loopback', async () => {
    const open6 = async () => {
      const s = await RtpSession.open({ bindAddress: '::1', portRange: RANGE, bindRtcpPort: false, clock: new FakeClock() });
      opened.push(s);
      return s;
    };
    const a = await open6();
    const b = await open6();
    a.start(config({ port: b.localPort }, { remoteAddress: '::1' }));
    b.start(config({ port: a.localPort }, { remoteAddress: '::1' }));
    const atB = collect(b, 'rtp', 2);
    a.send(payload(1));
    a.send(payload(2));
    const got = await atB;
    assert.equal(got[1]![1].address, '::1');
    const bye = collect(b, 'bye', 1);
    await a.close();
    await bye;
  });

  it('survives a close without start and a double close', async () => {
    const s = await open();
    await s.close();
    await s.close();
    assert.equal(s.closed, true);
    assert.throws(() => s.start(config({ port: 9 })));
  });
});
