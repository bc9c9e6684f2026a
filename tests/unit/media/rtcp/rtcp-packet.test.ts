import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RtcpError } from '../../../../electron/media/rtcp/rtcp-error.ts';
import type { RtcpPacket } from '../../../../electron/media/rtcp/rtcp-packet.ts';
import { parseRtcpCompound, serializeRtcpCompound, serializeRtcpPacket } from '../../../../electron/media/rtcp/rtcp-packet.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function assertRtcpError(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof RtcpError && err.code === code, `expected RtcpError ${code}`);
}

const block = {
  ssrc: 0x01020304,
  fractionLost: 64,
  cumulativeLost: -3,
  extendedHighestSequenceNumber: 0x0001ffff,
  jitter: 123,
  lastSenderReport: 0xb7052000,
  delaySinceLastSenderReport: 0x00054000,
};

describe('RTCP compound packets', () => {
  it('round-trips SR + RR + SDES + BYE + an unknown type', () => {
    const packets: RtcpPacket[] = [
      { type: 'sr', ssrc: 0xcafebabe, ntpSeconds: 0xe9000000, ntpFraction: 0x80000000, rtpTimestamp: 12345, packetCount: 50, octetCount: 8000, reports: [block] },
      { type: 'rr', ssrc: 0xcafebabe, reports: [block, { ...block, ssrc: 9, cumulativeLost: 0x7fffff }] },
      { type: 'sdes', chunks: [{ ssrc: 0xcafebabe, items: [{ type: 1, value: 'parley@127.0.0.1' }, { type: 6, value: 'Parley ünïcode' }] }, { ssrc: 7, items: [] }] },
      { type: 'bye', ssrcs: [0xcafebabe, 5], reason: 'call ended' },
      { type: 'other', packetType: 205, count: 1, body: Buffer.from([0, 0, 0, 1, 0, 0, 0, 2]) },
    ];
    const bytes = serializeRtcpCompound(packets);
    assert.equal(bytes.length % 4, 0);
    const back = parseRtcpCompound(bytes);
    assert.equal(back.length, 5);
    assert.deepEqual(back.slice(0, 4), packets.slice(0, 4));
    const other = back[4]!;
    assert.equal(other.type, 'other');
    if (other.type === 'other') assert.deepEqual([other.packetType, other.count, [...other.body]], [205, 1, [0, 0, 0, 1, 0, 0, 0, 2]]);
  });

  it('parses a hand-built RR with one report block', () => {
    const bytes = hex('81c9 0007 cafebabe  01020304 40fffffd 0001ffff 0000007b b7052000 00054000');
    const [rr] = parseRtcpCompound(bytes);
    assert.deepEqual(rr, { type: 'rr', ssrc: 0xcafebabe, reports: [block] });
  });

  it('encodes SDES items with a null terminator padded to 32 bits', () => {
    const bytes = serializeRtcpPacket({ type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, value: 'ab' }] }] });
    // header 4 + ssrc 4 + item 4 (01 02 'a' 'b') + 4 null octets
    assert.equal(bytes.toString('hex'), '81ca0003' + '00000001' + '01026162' + '00000000');
  });

  it('a BYE without reason and an empty RR are minimal', () => {
    assert.equal(serializeRtcpPacket({ type: 'bye', ssrcs: [1] }).toString('hex'), '81cb000100000001');
    assert.equal(serializeRtcpPacket({ type: 'rr', ssrc: 1, reports: [] }).toString('hex'), '80c9000100000001');
    assert.deepEqual(parseRtcpCompound(hex('81cb000100000001')), [{ type: 'bye', ssrcs: [1] }]);
  });

  it('accepts padding on the last packet only', () => {
    const rr = serializeRtcpPacket({ type: 'rr', ssrc: 1, reports: [] });
    const padded = Buffer.concat([rr, hex('a0c9 0002 00000002 00000004')]); // P=1, 4 bytes of padding
    const parsed = parseRtcpCompound(padded);
    assert.equal(parsed.length, 2);
    const badFirst = Buffer.concat([hex('a0c9 0002 00000002 00000004'), rr]);
    assertRtcpError(() => parseRtcpCompound(badFirst), 'bad-padding');
    assertRtcpError(() => parseRtcpCompound(hex('a0c9 0001 00000000')), 'bad-padding'); // count 0
  });

  it('gives typed errors for broken compounds', () => {
    assertRtcpError(() => parseRtcpCompound(hex('80c9')), 'truncated');
    assertRtcpError(() => parseRtcpCompound(hex('40c9000100000001')), 'bad-version');
    assertRtcpError(() => parseRtcpCompound(hex('80c9000500000001')), 'bad-length'); // claims 24 bytes
    assertRtcpError(() => parseRtcpCompound(hex('81c8000100000001')), 'bad-length'); // SR with 1 block in 8 bytes
    assertRtcpError(() => parseRtcpCompound(hex('81ca0002 00000001 01056162')), 'bad-length'); // SDES item runs past end
    assertRtcpError(() => parseRtcpCompound(hex('81ca0002 00000001 01026162')), 'bad-length'); // no null terminator
    assertRtcpError(() => parseRtcpCompound(hex('81cb0002 00000001 09616263')), 'bad-length'); // reason length 9 > 3
    assertRtcpError(() => parseRtcpCompound(Buffer.concat([hex('80c9000100000001'), hex('80')])), 'truncated');
    assertRtcpError(() => parseRtcpCompound(null as unknown as Uint8Array), 'invalid-input');
  });

  it('refuses to serialize out-of-range values', () => {
    assertRtcpError(() => serializeRtcpPacket({ type: 'rr', ssrc: 2 ** 32, reports: [] }), 'invalid-field');
    assertRtcpError(() => serializeRtcpPacket({ type: 'rr', ssrc: 1, reports: [{ ...block, cumulativeLost: 0x800000 }] }), 'invalid-field');
    assertRtcpError(() => serializeRtcpPacket({ type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, value: 'x'.repeat(256) }] }] }), 'invalid-field');
    assertRtcpError(() => serializeRtcpPacket({ type: 'bye', ssrcs: [1], reason: 'y'.repeat(300) }), 'invalid-field');
    assertRtcpError(() => serializeRtcpPacket({ type: 'other', packetType: 204, count: 0, body: Buffer.alloc(3) }), 'invalid-field');
  });

  it('random bytes either parse or throw RtcpError, nothing else (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          parseRtcpCompound(bytes);
        } catch (err) {
          assert.ok(err instanceof RtcpError, `unexpected ${String(err)}`);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('mutations of a valid compound either parse or throw RtcpError (fast-check)', () => {
    const valid = serializeRtcpCompound([
      { type: 'sr', ssrc: 1, ntpSeconds: 2, ntpFraction: 3, rtpTimestamp: 4, packetCount: 5, octetCount: 6, reports: [block] },
      { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, value: 'cname' }] }] },
      { type: 'bye', ssrcs: [1], reason: 'bye' },
    ]);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(valid.length), (edits, cut) => {
        const bytes = Buffer.from(valid);
        for (const [at, value] of edits) bytes[at] = value;
        try {
          parseRtcpCompound(bytes.subarray(0, Math.max(cut, 4)));
        } catch (err) {
          assert.ok(err instanceof RtcpError, `unexpected ${String(err)}`);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
