import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RtpSender } from '../../../../electron/media/rtp/rtp-sender.ts';
import { RtpError } from '../../../../electron/media/rtp/rtp-error.ts';

/** A fixed sequence of "random" values: SSRC, first seq, first timestamp. */
function scripted(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

const payload = new Uint8Array(160);

describe('RtpSender', () => {
  it('takes SSRC, first sequence number and first timestamp from the random source', () => {
    const s = new RtpSender({ payloadType: 0, clockRate: 8000, random: scripted(0xdeadbeef, 0x1234fffe, 0xfffffff0) });
    assert.equal(s.ssrc, 0xdeadbeef);
    const p = s.next(payload);
    assert.equal(p.ssrc, 0xdeadbeef);
    assert.equal(p.sequenceNumber, 0xfffe); // low 16 bits
    assert.equal(p.timestamp, 0xfffffff0);
  });

  it('advances the timestamp by ptime × clock rate: PCMU 160, G722 160 (8 kHz clock), opus 960', () => {
    for (const [clockRate, step] of [[8000, 160], [48000, 960]] as const) {
      const s = new RtpSender({ payloadType: 0, clockRate, random: scripted(1, 100, 1000) });
      const a = s.next(payload);
      const b = s.next(payload);
      assert.equal(b.timestamp - a.timestamp, step);
      assert.equal(b.sequenceNumber - a.sequenceNumber, 1);
    }
    const s30 = new RtpSender({ payloadType: 8, clockRate: 8000, ptimeMs: 30, random: scripted(1, 1, 0) });
    assert.equal(s30.samplesPerPacket, 240);
  });

  it('wraps sequence number and timestamp', () => {
    const s = new RtpSender({ payloadType: 0, clockRate: 8000, random: scripted(7, 65535, 0xffffff60) });
    const a = s.next(payload);
    const b = s.next(payload);
    assert.equal(a.sequenceNumber, 65535);
    assert.equal(b.sequenceNumber, 0);
    assert.equal(a.timestamp, 0xffffff60);
    assert.equal(b.timestamp, 0); // 0xffffff60 + 160 mod 2^32
  });

  it('marks the first packet and the first after silence; silence advances the timestamp', () => {
    const s = new RtpSender({ payloadType: 0, clockRate: 8000, random: scripted(1, 10, 1000) });
    const first = s.next(payload);
    const second = s.next(payload);
    s.skip(); // one ptime of silence
    s.skip(800);
    const talk = s.next(payload);
    assert.equal(first.marker, true);
    assert.equal(second.marker, false);
    assert.equal(talk.marker, true);
    assert.equal(talk.timestamp, 1000 + 160 + 160 + 160 + 800);
    assert.equal(talk.sequenceNumber, 12); // silence sends nothing, so no sequence gap
  });

  it('custom packets share the sequence space but keep the media timeline', () => {
    const s = new RtpSender({ payloadType: 0, clockRate: 8000, random: scripted(1, 10, 1000) });
    s.next(payload);
    const ev = s.custom(new Uint8Array(4), { payloadType: 101, timestamp: 1160, marker: true });
    const media = s.next(payload);
    assert.deepEqual([ev.payloadType, ev.sequenceNumber, ev.timestamp, ev.marker], [101, 11, 1160, true]);
    assert.deepEqual([media.sequenceNumber, media.timestamp], [12, 1160]);
    assert.equal(s.packetCount, 3);
    assert.equal(s.octetCount, 160 + 4 + 160);
  });

  it('refuses a nonsense clock rate or ptime', () => {
    assert.throws(() => new RtpSender({ payloadType: 0, clockRate: 0 }), RtpError);
    assert.throws(() => new RtpSender({ payloadType: 0, clockRate: 8000, ptimeMs: -5 }), RtpError);
  });
});
