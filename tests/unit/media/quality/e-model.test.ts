import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  codecImpairment,
  delayImpairment,
  effectiveEquipmentImpairment,
  estimateMos,
  mosFromR,
  oneWayDelayMs,
  rFactor,
} from '../../../../electron/media/quality/e-model.ts';
import { buildCallStatsSnapshot } from '../../../../electron/media/quality/call-stats.ts';

const near = (actual: number, expected: number, tolerance: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} not within ${tolerance} of ${expected}`);

describe('E-model (ITU-T G.107)', () => {
  it('R = 93.2 and MOS ≈ 4.41 for G.711 with no delay and no loss', () => {
    near(rFactor({ oneWayDelayMs: 0, lossPercent: 0, codec: 'PCMU' }), 93.2, 1e-9);
    near(mosFromR(93.2), 4.409, 0.001);
  });

  it('maps R to MOS per Annex B, clamped to 1 … 4.5', () => {
    assert.equal(mosFromR(-5), 1);
    assert.equal(mosFromR(0), 1);
    assert.equal(mosFromR(120), 4.5);
    near(mosFromR(50), 2.58, 0.01);
    near(mosFromR(80), 4.02, 0.01);
  });

  it('delay impairment: small below 150 ms, steep beyond (close to the Cole–Rosenbluth fit)', () => {
    const id = (d: number) => delayImpairment(d) - delayImpairment(0);
    near(id(100), 0.024 * 100, 0.7, 'Id(100)');
    near(id(150), 0.024 * 150, 0.7, 'Id(150)');
    near(id(300), 0.024 * 300 + 0.11 * (300 - 177.3), 1.5, 'Id(300)');
    for (let d = 0; d < 600; d += 25) assert.ok(id(d + 25) >= id(d), `monotonic at ${d}`);
  });

  it('Ie,eff = Ie + (95 − Ie)·Ppl/(Ppl/BurstR + Bpl)', () => {
    const g711 = codecImpairment('pcma');
    assert.deepEqual(g711, { ie: 0, bpl: 25.1 });
    near(effectiveEquipmentImpairment(g711, 0), 0, 1e-12);
    near(effectiveEquipmentImpairment(g711, 2), (95 * 2) / (2 + 25.1), 1e-9);
    near(effectiveEquipmentImpairment(g711, 2, 2), (95 * 2) / (1 + 25.1), 1e-9); // bursty loss hurts more
    near(effectiveEquipmentImpairment(g711, 100), (95 * 100) / (100 + 25.1), 1e-9);
    assert.deepEqual(codecImpairment('OPUS'), { ie: 0, bpl: 20 });
    assert.deepEqual(codecImpairment('G729'), { ie: 0, bpl: 4.3 }); // unknown: cautious
  });

  it('estimates a plausible MOS for typical calls', () => {
    const good = estimateMos({ codec: 'PCMU', rttMs: 40, jitterBufferMs: 40, ptimeMs: 20, lossPercent: 0 });
    near(good.oneWayDelayMs, 80, 1e-9);
    assert.ok(good.mos > 4.3, `good ${good.mos}`);
    const lossy = estimateMos({ codec: 'PCMU', rttMs: 40, jitterBufferMs: 40, ptimeMs: 20, lossPercent: 5 });
    assert.ok(lossy.mos < 3.9 && lossy.mos > 3.0, `5 % loss ${lossy.mos}`);
    const far = estimateMos({ codec: 'PCMU', rttMs: 600, jitterBufferMs: 100, ptimeMs: 20, lossPercent: 0 });
    assert.ok(far.mos < 4.0, `420 ms one way ${far.mos}`);
    assert.equal(oneWayDelayMs({ jitterBufferMs: 60, ptimeMs: 20 }), 80); // no RTT yet
  });
});

describe('Call stats snapshot', () => {
  it('computes loss %, remote loss from the 8-bit fraction, MOS, and rounds', () => {
    const s = buildCallStatsSnapshot({
      codec: 'PCMA',
      ptimeMs: 20,
      packetsSent: 1000,
      bytesSent: 160_000,
      packetsReceived: 990,
      bytesReceived: 158_400,
      expected: 1000,
      cumulativeLost: 10,
      jitterMs: 3.14159,
      remoteFractionLost: 64,
      remoteJitterMs: 2,
      rttMs: 38.26,
      jitterBufferMs: 40,
    });
    assert.equal(s.lossPercent, 1);
    assert.equal(s.remoteLossPercent, 25);
    assert.equal(s.jitterMs, 3.14);
    assert.equal(s.rttMs, 38.3);
    assert.ok(s.mos !== null && s.mos > 3.9 && s.mos < 4.4, `mos ${s.mos}`);
    assert.ok(s.rFactor !== null);
  });

  it('has nulls before anything was measured', () => {
    const s = buildCallStatsSnapshot({ codec: 'opus', ptimeMs: 20, packetsSent: 0, bytesSent: 0, packetsReceived: 0, bytesReceived: 0, expected: 0, cumulativeLost: 0, jitterMs: 0, jitterBufferMs: 0 });
    assert.deepEqual([s.rttMs, s.mos, s.rFactor, s.remoteLossPercent, s.remoteJitterMs, s.lossPercent], [null, null, null, null, null, 0]);
  });

  it('counts late frames as loss and ignores negative cumulative loss (duplicates)', () => {
    const base = { codec: 'PCMU', ptimeMs: 20, packetsSent: 0, bytesSent: 0, packetsReceived: 100, bytesReceived: 0, expected: 100, jitterMs: 0, jitterBufferMs: 20 };
    assert.equal(buildCallStatsSnapshot({ ...base, cumulativeLost: -3 }).lossPercent, 0);
    assert.equal(buildCallStatsSnapshot({ ...base, cumulativeLost: 2, lateFrames: 3 }).lossPercent, 5);
  });
});
