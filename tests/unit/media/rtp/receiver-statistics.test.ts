import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReceiverStatistics } from '../../../../electron/media/rtp/receiver-statistics.ts';

/** Feed consecutive packets seq = start … start+count−1 (mod 2^16), 20 ms apart, perfect timing. */
function feed(stats: ReceiverStatistics, start: number, count: number, skip: Set<number> = new Set(), t0 = 0): void {
  for (let i = 0; i < count; i++) {
    if (skip.has(i)) continue;
    stats.update((start + i) & 0xffff, (1000 + 160 * i) >>> 0, t0 + 20 * i);
  }
}

describe('ReceiverStatistics (RFC 3550 A.1/A.3/A.8)', () => {
  it('puts a new source on probation for MIN_SEQUENTIAL packets', () => {
    const s = new ReceiverStatistics({ clockRate: 8000 });
    assert.equal(s.update(100, 0, 0), 'probation');
    assert.equal(s.expected, 0);
    assert.equal(s.update(101, 160, 20), 'valid');
    assert.equal(s.received, 1);
    assert.equal(s.baseSequenceNumber, 101);
    assert.equal(s.update(102, 320, 40), 'valid');
    assert.equal(s.expected, 2);
    assert.equal(s.cumulativeLost, 0);
  });

  it('restarts probation when the first packets are not consecutive', () => {
    const s = new ReceiverStatistics({ clockRate: 8000 });
    assert.equal(s.update(100, 0, 0), 'probation');
    assert.equal(s.update(500, 0, 20), 'probation');
    assert.equal(s.update(501, 160, 40), 'valid');
    assert.equal(s.baseSequenceNumber, 501);
  });

  it('counts lost packets and the 8-bit fraction lost per interval', () => {
    const s = new ReceiverStatistics({ clockRate: 8000, minSequential: 1 });
    feed(s, 1000, 100, new Set([10, 20, 30, 40, 50]));
    assert.equal(s.expected, 100);
    assert.equal(s.received, 95);
    assert.equal(s.cumulativeLost, 5);
    assert.equal(s.takeIntervalFractionLost(), Math.floor((5 * 256) / 100)); // 12
    // next interval: 40 packets, 10 lost → 25 % → 64
    const skip = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let i = 0; i < 40; i++) if (!skip.has(i)) s.update(1100 + i, 1000 + 160 * (100 + i), 20 * (100 + i));
    assert.equal(s.takeIntervalFractionLost(), 64);
    assert.equal(s.cumulativeLost, 15);
    // an interval with nothing new reports 0
    assert.equal(s.takeIntervalFractionLost(), 0);
  });

  it('extends the highest sequence number across the 16-bit wrap', () => {
    const s = new ReceiverStatistics({ clockRate: 8000 });
    feed(s, 65530, 20); // 65530 … 65535, 0 … 13
    assert.equal(s.cycles, 65536);
    assert.equal(s.extendedHighestSequenceNumber, 65536 + 13);
    assert.equal(s.expected, 19); // base is 65531 after probation
    assert.equal(s.cumulativeLost, 0);
  });

  it('counts several wraps', () => {
    const s = new ReceiverStatistics({ clockRate: 8000, minSequential: 1 });
    for (let i = 0; i < 3 * 65536 + 10; i += 1) s.update(i & 0xffff, 0, 0);
    assert.equal(s.cycles, 3 * 65536);
    assert.equal(s.extendedHighestSequenceNumber, 3 * 65536 + 9);
    assert.equal(s.cumulativeLost, 0);
  });

  it('a reordered packet across the wrap does not bump the cycle count', () => {
    const s = new ReceiverStatistics({ clockRate: 8000, minSequential: 1 });
    s.update(65534, 0, 0);
    s.update(0, 320, 40); // 65535 late
    assert.equal(s.cycles, 65536);
    s.update(65535, 160, 41);
    assert.equal(s.cycles, 65536);
    assert.equal(s.extendedHighestSequenceNumber, 65536);
    assert.equal(s.cumulativeLost, 0);
  });

  it('duplicates make lost negative, as A.3 allows', () => {
    const s = new ReceiverStatistics({ clockRate: 8000, minSequential: 1 });
    feed(s, 10, 10);
    s.update(15, 0, 300);
    s.update(16, 0, 301);
    assert.equal(s.cumulativeLost, -2);
  });

  it('ignores one far jump but resynchronises when the next packet follows it (source restart)', () => {
    const s = new ReceiverStatistics({ clockRate: 8000, minSequential: 1 });
    feed(s, 100, 10);
    assert.equal(s.update(40000, 0, 300), 'bad');
    assert.equal(s.expected, 10);
    assert.equal(s.update(40001, 160, 320), 'valid');
    assert.equal(s.baseSequenceNumber, 40001);
    assert.equal(s.expected, 1);
  });

  it('jitter is zero for perfect timing and converges to |D| for alternating delay', () => {
    const s = new ReceiverStatistics({ clockRate: 8000, minSequential: 1 });
    feed(s, 0, 50);
    assert.equal(s.jitter, 0);
    const j = new ReceiverStatistics({ clockRate: 8000, minSequential: 1 });
    // every other packet 10 ms late: |D| = 10 ms = 80 ticks for every packet
    for (let i = 0; i < 400; i++) j.update(i, 160 * i, 20 * i + (i % 2 ? 10 : 0));
    assert.ok(Math.abs(j.jitter - 80) < 0.01, `jitter ${j.jitter}`);
    assert.ok(Math.abs(j.jitterMs - 10) < 0.01);
  });

  it('jitter follows J += (|D| − J)/16 exactly for one step', () => {
    const s = new ReceiverStatistics({ clockRate: 8000, minSequential: 1 });
    s.update(1, 0, 0);
    s.update(2, 160, 20);
    s.update(3, 320, 72); // 32 ms late → D = 256 ticks
    assert.equal(s.jitter, 256 / 16);
  });

  it('jitter survives a wrap of the sender timestamp', () => {
    const s = new ReceiverStatistics({ clockRate: 8000, minSequential: 1 });
    for (let i = 0; i < 20; i++) s.update(i, (0xffffff00 + 160 * i) >>> 0, 20 * i);
    assert.equal(s.jitter, 0);
  });

  it('builds a report block with LSR and DLSR (1/65536 s)', () => {
    const s = new ReceiverStatistics({ clockRate: 8000, minSequential: 1 });
    feed(s, 500, 10, new Set([3]));
    let block = s.reportBlock(0xabc, 1000);
    assert.equal(block.lastSenderReport, 0);
    assert.equal(block.delaySinceLastSenderReport, 0);
    assert.equal(block.cumulativeLost, 1);
    assert.equal(block.extendedHighestSequenceNumber, 509);
    assert.equal(block.fractionLost, Math.floor(256 / 10));
    s.noteSenderReport(0x12345678, 2000);
    block = s.reportBlock(0xabc, 2500);
    assert.equal(block.lastSenderReport, 0x12345678);
    assert.equal(block.delaySinceLastSenderReport, 32768); // 0.5 s
  });
});
