import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RtpError } from '../../../../electron/media/rtp/rtp-error.ts';
import type { RtpPacket } from '../../../../electron/media/rtp/rtp-packet.ts';
import { isRtcpPacket, parseRtpPacket, rtpHeaderLength, serializeRtpPacket } from '../../../../electron/media/rtp/rtp-packet.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function packet(over: Partial<RtpPacket> = {}): RtpPacket {
  return { marker: false, payloadType: 0, sequenceNumber: 1, timestamp: 160, ssrc: 0x11223344, csrcs: [], payload: Buffer.from([1, 2, 3]), paddingLength: 0, ...over };
}

function assertRtpError(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof RtpError && err.code === code);
}

describe('RTP packet parse', () => {
  it('reads every fixed-header field of a hand-built packet', () => {
    // V=2 P=0 X=0 CC=0 | M=1 PT=8 | seq 0x1234 | ts 0xdecafbad | ssrc 0xcafebabe | payload ab ab
    const p = parseRtpPacket(hex('8088 1234 decafbad cafebabe abab'));
    assert.equal(p.marker, true);
    assert.equal(p.payloadType, 8);
    assert.equal(p.sequenceNumber, 0x1234);
    assert.equal(p.timestamp, 0xdecafbad);
    assert.equal(p.ssrc, 0xcafebabe);
    assert.deepEqual(p.csrcs, []);
    assert.equal(p.extension, undefined);
    assert.deepEqual([...p.payload], [0xab, 0xab]);
    assert.equal(p.paddingLength, 0);
  });

  it('reads CSRCs, a header extension and padding', () => {
    // V=2 P=1 X=1 CC=2, PT 111, 2 CSRCs, ext profile 0xBEDE with 1 word, payload 3 bytes, 5 bytes padding
    const bytes = hex('b2 6f 0001 00000002 00000003 0000000a 0000000b bede 0001 10ff0000 010203 0000000005');
    const p = parseRtpPacket(bytes);
    assert.equal(p.payloadType, 111);
    assert.deepEqual(p.csrcs, [10, 11]);
    assert.equal(p.extension?.profile, 0xbede);
    assert.deepEqual([...p.extension!.data], [0x10, 0xff, 0, 0]);
    assert.deepEqual([...p.payload], [1, 2, 3]);
    assert.equal(p.paddingLength, 5);
    assert.equal(rtpHeaderLength(bytes), 12 + 8 + 8);
  });

  it('round-trips through serialize, all features at once', () => {
    const original = packet({
      marker: true,
      payloadType: 101,
      sequenceNumber: 65535,
      timestamp: 0xffffffff,
      csrcs: [1, 0xffffffff],
      extension: { profile: 0x1000, data: Buffer.from([9, 9, 9, 9, 8, 8, 8, 8]) },
      paddingLength: 4,
    });
    const bytes = serializeRtpPacket(original);
    assert.equal(bytes.length, 12 + 8 + 12 + 3 + 4);
    const back = parseRtpPacket(bytes);
    assert.deepEqual({ ...back, payload: [...back.payload], extension: { ...back.extension!, data: [...back.extension!.data] } }, {
      ...original,
      payload: [1, 2, 3],
      extension: { profile: 0x1000, data: [9, 9, 9, 9, 8, 8, 8, 8] },
    });
  });

  it('gives typed errors for broken packets', () => {
    assertRtpError(() => parseRtpPacket(hex('8000 0001')), 'truncated');
    assertRtpError(() => parseRtpPacket(hex('4000 0001 00000000 00000000')), 'bad-version');
    assertRtpError(() => parseRtpPacket(hex('8300 0001 00000000 00000000 00000001')), 'truncated'); // 3 CSRCs announced, 1 present
    assertRtpError(() => parseRtpPacket(hex('9000 0001 00000000 00000000 bede 0002 00000000')), 'truncated'); // ext of 2 words, 1 present
    assertRtpError(() => parseRtpPacket(hex('a000 0001 00000000 00000000 0102 00')), 'bad-padding'); // padding count 0
    assertRtpError(() => parseRtpPacket(hex('a000 0001 00000000 00000000 0102 09')), 'bad-padding'); // more padding than payload
    assertRtpError(() => parseRtpPacket('not bytes' as unknown as Uint8Array), 'invalid-input');
    assertRtpError(() => parseRtpPacket(undefined as unknown as Uint8Array), 'invalid-input');
  });

  it('refuses to serialize out-of-range fields with a typed error', () => {
    assertRtpError(() => serializeRtpPacket(packet({ payloadType: 128 })), 'invalid-field');
    assertRtpError(() => serializeRtpPacket(packet({ sequenceNumber: 65536 })), 'invalid-field');
    assertRtpError(() => serializeRtpPacket(packet({ ssrc: -1 })), 'invalid-field');
    assertRtpError(() => serializeRtpPacket(packet({ csrcs: new Array(16).fill(1) })), 'invalid-field');
    assertRtpError(() => serializeRtpPacket(packet({ extension: { profile: 1, data: Buffer.alloc(3) } })), 'invalid-field');
    assertRtpError(() => serializeRtpPacket(packet({ paddingLength: 256 })), 'invalid-field');
  });

  it('parses a payload view without copying and works on a sub-array with an offset', () => {
    const big = Buffer.concat([Buffer.from([0xff, 0xff, 0xff]), serializeRtpPacket(packet())]);
    const p = parseRtpPacket(big.subarray(3));
    assert.equal(p.ssrc, 0x11223344);
    assert.equal(p.payload.buffer, big.buffer);
  });

  it('tells RTCP from RTP by the second octet (RFC 5761 §4)', () => {
    assert.equal(isRtcpPacket(hex('80c8')), true); // SR 200
    assert.equal(isRtcpPacket(hex('80c9')), true); // RR 201
    assert.equal(isRtcpPacket(hex('80df')), true); // 223
    assert.equal(isRtcpPacket(hex('80e0')), false);
    assert.equal(isRtcpPacket(hex('8000')), false); // PCMU
    assert.equal(isRtcpPacket(hex('80e5')), false); // PT 101 with marker
    assert.equal(isRtcpPacket(hex('80')), false);
  });
});

describe('RTP packet properties (fast-check)', () => {
  it('random bytes either parse or throw RtpError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          const p = parseRtpPacket(bytes);
          assert.ok(p.payload.length <= bytes.length);
        } catch (err) {
          assert.ok(err instanceof RtpError, `unexpected ${String(err)}`);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('random bytes with a valid version byte exercise the deeper checks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0x80, max: 0xbf }), fc.uint8Array({ maxLength: 120 }), (b0, rest) => {
        const bytes = Buffer.concat([Buffer.from([b0]), rest]);
        try {
          parseRtpPacket(bytes);
        } catch (err) {
          assert.ok(err instanceof RtpError);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('serialize then parse is the identity for valid packets', () => {
    const arb = fc.record({
      marker: fc.boolean(),
      payloadType: fc.integer({ min: 0, max: 127 }),
      sequenceNumber: fc.integer({ min: 0, max: 65535 }),
      timestamp: fc.integer({ min: 0, max: 0xffffffff }),
      ssrc: fc.integer({ min: 0, max: 0xffffffff }),
      csrcs: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
      words: fc.option(fc.integer({ min: 0, max: 4 })),
      payload: fc.uint8Array({ maxLength: 64 }),
      paddingLength: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(arb, (r) => {
        const p: RtpPacket = {
          marker: r.marker,
          payloadType: r.payloadType,
          sequenceNumber: r.sequenceNumber,
          timestamp: r.timestamp,
          ssrc: r.ssrc,
          csrcs: r.csrcs,
          extension: r.words === null ? undefined : { profile: 0xbede, data: new Uint8Array(r.words * 4).fill(7) },
          payload: r.payload,
          paddingLength: r.paddingLength,
        };
        const back = parseRtpPacket(serializeRtpPacket(p));
        assert.equal(back.marker, p.marker);
        assert.equal(back.payloadType, p.payloadType);
        assert.equal(back.sequenceNumber, p.sequenceNumber);
        assert.equal(back.timestamp, p.timestamp);
        assert.equal(back.ssrc, p.ssrc);
        assert.deepEqual(back.csrcs, p.csrcs);
        assert.deepEqual(back.extension && [...back.extension.data], p.extension && [...p.extension.data]);
        assert.deepEqual([...back.payload], [...p.payload]);
        assert.equal(back.paddingLength, p.paddingLength);
      }),
      { numRuns: 2000 },
    );
  });
});
