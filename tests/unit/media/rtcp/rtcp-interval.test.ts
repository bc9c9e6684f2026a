import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RtcpIntervalScheduler } from '../../../../electron/media/rtcp/rtcp-interval.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';

const COMPENSATION = Math.E - 1.5;

describe('RtcpIntervalScheduler (RFC 3550 §6.3, A.7)', () => {
  it('waits half the minimum before the first report, then the minimum, randomized and compensated', () => {
    const clock = new FakeClock();
    const sent: number[] = [];
    const s = new RtcpIntervalScheduler({ clock, send: () => (sent.push(clock.now()), 100), random: () => 0.5 });
    s.start();
    clock.advance(30_000);
    const first = 2500 / COMPENSATION; // 2052 ms
    const next = 5000 / COMPENSATION; // 4104 ms
    assert.ok(Math.abs(sent[0]! - first) < 1, `first at ${sent[0]}`);
    assert.ok(Math.abs(sent[1]! - sent[0]! - next) < 1, `second after ${sent[1]! - sent[0]!}`);
    assert.equal(sent.length, 1 + Math.floor((30_000 - first) / next));
    s.stop();
    assert.equal(clock.pending, 0);
  });

  it('spreads intervals over [0.5, 1.5] × T_d / (e − 3/2)', () => {
    const clock = new FakeClock();
    const low = new RtcpIntervalScheduler({ clock, send: () => 100, random: () => 0 });
    const high = new RtcpIntervalScheduler({ clock, send: () => 100, random: () => 0.999999 });
    assert.ok(Math.abs(low.computeIntervalMs(false) - (0.5 * 5000) / COMPENSATION) < 1);
    assert.ok(Math.abs(high.computeIntervalMs(false) - (1.5 * 5000) / COMPENSATION) < 1);
    const values = Array.from({ length: 2000 }, () => new RtcpIntervalScheduler({ clock, send: () => 100 }).computeIntervalMs(false));
    assert.ok(Math.min(...values) >= 2052 - 1 && Math.max(...values) <= 6156 + 1);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    assert.ok(Math.abs(mean - 4104) < 150, `mean ${mean}`);
  });

  it('lengthens the interval for a large group on a thin RTCP share', () => {
    const clock = new FakeClock();
    const s = new RtcpIntervalScheduler({ clock, send: () => 100, random: () => 0.5, sessionBandwidthBps: 64_000 });
    s.members = 200;
    s.senders = 1;
    s.weSent = false;
    // rtcp_bw = 400 B/s × 0.75; n = 199; avg 128 B → 84.9 s
    const expected = ((128 * 199) / 300) * 1000 / COMPENSATION;
    assert.ok(Math.abs(s.computeIntervalMs(false) - expected) < 1);
  });

  it('reconsiders: an expiry that finds a longer interval defers the report', () => {
    const clock = new FakeClock();
    let r = 0;
    const sent: number[] = [];
    const s = new RtcpIntervalScheduler({ clock, send: () => (sent.push(clock.now()), 100), random: () => r });
    s.start(); // scheduled at 0.5 × 2500 / C ≈ 1026 ms
    r = 0.999999; // at expiry the recomputed interval is 1.5 × 2500 / C ≈ 3078 ms
    clock.advance(1100);
    assert.equal(sent.length, 0);
    clock.advance(2000);
    assert.equal(sent.length, 1);
    assert.ok(Math.abs(sent[0]! - 3078) < 2);
    s.stop();
  });

  it('tracks the average compound size (1/16 smoothing, UDP/IP headers included)', () => {
    const clock = new FakeClock();
    const s = new RtcpIntervalScheduler({ clock, send: () => 1000, random: () => 0.5 });
    const before = s.averageRtcpSize;
    s.start();
    clock.advance(2100);
    assert.ok(Math.abs(s.averageRtcpSize - ((1028) / 16 + (15 / 16) * before)) < 1e-9);
    s.stop();
  });

  it('paced: arms no timer; a report goes out on the first poll at or after its time, on the same schedule', () => {
    const clock = new FakeClock();
    const sent: number[] = [];
    const s = new RtcpIntervalScheduler({ clock, send: () => (sent.push(clock.now()), 100), random: () => 0.5, paced: true });
    s.start();
    assert.equal(clock.pending, 0, 'no timer of its own');
    assert.equal(s.running, true);
    // The media tick: every 20 ms.
    for (let t = 0; t < 30_000; t += 20) {
      clock.advance(20);
      s.poll();
    }
    assert.equal(clock.pending, 0);
    const first = 2500 / COMPENSATION; // 2052 ms → the tick at 2060
    const next = 5000 / COMPENSATION;
    assert.ok(sent[0]! >= first && sent[0]! - first < 20, `first at ${sent[0]}`);
    assert.ok(Math.abs(sent[1]! - sent[0]! - next) < 20, `second after ${sent[1]! - sent[0]!}`);
    assert.equal(sent.length, 1 + Math.floor((30_000 - first) / next));
    s.stop();
    assert.equal(s.running, false);
    clock.advance(10_000);
    s.poll();
    assert.equal(sent.length, 1 + Math.floor((30_000 - first) / next), 'nothing after stop()');
  });
});
