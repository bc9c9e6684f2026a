import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RtcpReporter } from '../../../../electron/media/rtcp/rtcp-reporter.ts';
import { parseRtcpCompound, serializeRtcpCompound } from '../../../../electron/media/rtcp/rtcp-packet.ts';
import { RtpSender } from '../../../../electron/media/rtp/rtp-sender.ts';
import { ReceiverStatistics } from '../../../../electron/media/rtp/receiver-statistics.ts';

const fixed = (...v: number[]) => {
  let i = 0;
  return () => v[i++ % v.length]!;
};

/** Two ends sharing one timeline; `now` is both the monotonic and (offset) wall clock. */
function pair() {
  let now = 10_000;
  const wall = () => 1_700_000_000_000 + now;
  const aSender = new RtpSender({ payloadType: 0, clockRate: 8000, random: fixed(0xaaaa, 100, 5000) });
  const bSender = new RtpSender({ payloadType: 0, clockRate: 8000, random: fixed(0xbbbb, 200, 9000) });
  const a = new RtcpReporter({ sender: aSender, cname: 'a@test', wallClockMs: wall });
  const b = new RtcpReporter({ sender: bSender, cname: 'b@test', wallClockMs: wall });
  const aStats = new ReceiverStatistics({ clockRate: 8000, minSequential: 1 });
  const bStats = new ReceiverStatistics({ clockRate: 8000, minSequential: 1 });
  a.setRemote(0xbbbb, aStats);
  b.setRemote(0xaaaa, bStats);
  return { a, b, aSender, bSender, aStats, bStats, advance: (ms: number) => (now += ms), now: () => now };
}

describe('RtcpReporter', () => {
  it('sends RR + SDES CNAME before any RTP, SR once RTP went out', () => {
    const { a, aSender, advance, now } = pair();
    let packets = a.buildReport(now());
    assert.deepEqual(packets.map((p) => p.type), ['rr', 'sdes']);
    assert.deepEqual(packets[1], { type: 'sdes', chunks: [{ ssrc: 0xaaaa, items: [{ type: 1, value: 'a@test' }] }] });
    aSender.next(new Uint8Array(160));
    a.noteRtpSent(now());
    advance(10); // 10 ms after the packet: RTP timestamp extrapolated by 80 ticks
    packets = a.buildReport(now());
    const sr = packets[0]!;
    assert.equal(sr.type, 'sr');
    if (sr.type === 'sr') {
      assert.equal(sr.packetCount, 1);
      assert.equal(sr.octetCount, 160);
      assert.equal(sr.rtpTimestamp, 5000 + 80);
    }
    // nothing sent since: back to RR
    assert.equal(a.buildReport(now())[0]!.type, 'rr');
  });

  it('adds BYE with a reason when leaving', () => {
    const { a, now } = pair();
    const packets = a.buildReport(now(), { reason: 'hangup' });
    assert.deepEqual(packets.at(-1), { type: 'bye', ssrcs: [0xaaaa], reason: 'hangup' });
  });

  it('measures RTT from LSR/DLSR: SR out, RR back after a known delay', () => {
    const { a, b, aSender, bStats, advance, now } = pair();
    for (let i = 0; i < 5; i++) {
      const p = aSender.next(new Uint8Array(160));
      a.noteRtpSent(now());
      bStats.update(p.sequenceNumber, p.timestamp, now());
    }
    const sr = serializeRtcpCompound(a.buildReport(now()));
    advance(40); // one-way 40 ms
    b.handle(parseRtcpCompound(sr), now());
    advance(300); // B holds the SR 300 ms before its report (DLSR)
    const rr = serializeRtcpCompound(b.buildReport(now()));
    advance(40);
    const result = a.handle(parseRtcpCompound(rr), now());
    assert.ok(result.rttMs !== undefined && Math.abs(result.rttMs - 80) < 0.1, `rtt ${result.rttMs}`);
    assert.equal(a.rttMs, result.rttMs);
    assert.equal(a.remoteReport?.cumulativeLost, 0);
    assert.equal(a.remoteReport?.extendedHighestSequenceNumber, 104);
  });

  it('reports a BYE that names the remote source', () => {
    const { a, b, now } = pair();
    const bye = parseRtcpCompound(serializeRtcpCompound(b.buildReport(now(), { reason: 'done' })));
    assert.deepEqual(a.handle(bye, now()).bye, { ssrcs: [0xbbbb], reason: 'done' });
    const other = parseRtcpCompound(serializeRtcpCompound([{ type: 'rr', ssrc: 5, reports: [] }, { type: 'bye', ssrcs: [5] }]));
    assert.equal(a.handle(other, now()).bye, undefined);
  });
});
