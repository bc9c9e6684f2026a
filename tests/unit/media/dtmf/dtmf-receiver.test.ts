import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DtmfReceiver, type DtmfReceiverEvent } from '../../../../electron/media/dtmf/dtmf-receiver.ts';
import { DtmfSender, type DtmfPacket } from '../../../../electron/media/dtmf/dtmf-sender.ts';
import { encodeTelephoneEvent } from '../../../../electron/media/dtmf/telephone-event.ts';

function packetsFor(digit: string, start: number, opts: { durationMs?: number; clockRate?: number } = {}): DtmfPacket[] {
  const s = new DtmfSender(digit, { clockRate: opts.clockRate ?? 8000, startTimestamp: start, durationMs: opts.durationMs ?? 100, intervalMs: 20 });
  const out: DtmfPacket[] = [];
  for (let t = 0; s.state !== 'done'; t += 20) out.push(...s.poll(t));
  return out;
}

function feed(r: DtmfReceiver, pkts: DtmfPacket[], t0 = 0): DtmfReceiverEvent[] {
  return pkts.flatMap((p, i) => r.receive(p, t0 + i * 20));
}

const summary = (evs: DtmfReceiverEvent[]) =>
  evs.map((e) => (e.type === 'begin' ? `+${e.digit}` : `-${e.digit}:${e.reason}:${e.durationMs}`));

test('a digit sent by DtmfSender yields exactly one begin and one end', () => {
  const r = new DtmfReceiver({ clockRate: 8000 });
  const evs = feed(r, packetsFor('7', 1234));
  assert.deepEqual(summary(evs), ['+7', '-7:end-bit:100']);
  assert.equal(evs[0]!.timestamp, 1234);
  assert.equal(r.state, 'idle');
});

test('duplicates, reordering and repeated end packets do not double-report', () => {
  const r = new DtmfReceiver({ clockRate: 8000 });
  const p = packetsFor('3', 0);
  // Duplicate everything, swap two updates, and deliver an extra late end.
  const messy = [p[0]!, p[0]!, p[2]!, p[1]!, ...p.slice(3), ...p.slice(3), p.at(-1)!];
  assert.deepEqual(summary(feed(r, messy)), ['+3', '-3:end-bit:100']);
});

test('lost start (no marker seen) still reports the digit once', () => {
  const r = new DtmfReceiver({ clockRate: 8000 });
  const p = packetsFor('9', 0).slice(2);
  assert.deepEqual(summary(feed(r, p)), ['+9', '-9:end-bit:100']);
});

test('only end packets received: begin and end at once', () => {
  const r = new DtmfReceiver({ clockRate: 8000 });
  const p = packetsFor('A', 0).filter((x) => x.end);
  assert.deepEqual(summary(feed(r, p)), ['+A', '-A:end-bit:100']);
});

test('all end packets lost: the event ends by timeout on poll()', () => {
  const r = new DtmfReceiver({ clockRate: 8000, timeoutMs: 500 });
  const p = packetsFor('*', 0).filter((x) => !x.end);
  assert.deepEqual(summary(feed(r, p)), ['+*']);
  assert.deepEqual(r.poll(400), []);
  const ev = r.poll(10000);
  assert.deepEqual(summary(ev), ['-*:timeout:80']);
  assert.deepEqual(r.poll(20000), []);
});

test('the same digit twice in a row is two events (told apart by timestamp)', () => {
  const r = new DtmfReceiver({ clockRate: 8000 });
  const evs = [...feed(r, packetsFor('1', 0)), ...feed(r, packetsFor('1', 1600), 200)];
  assert.deepEqual(summary(evs), ['+1', '-1:end-bit:100', '+1', '-1:end-bit:100']);
});

test('a new digit before the previous one ended supersedes it', () => {
  const r = new DtmfReceiver({ clockRate: 8000 });
  const a = packetsFor('4', 0).filter((x) => !x.end);
  const evs = [...feed(r, a), ...feed(r, packetsFor('5', 1200), 100)];
  assert.deepEqual(summary(evs), ['+4', '-4:superseded:80', '+5', '-5:end-bit:100']);
  // Late end packets of '4' arrive now: ignored.
  const lateEnd = { timestamp: 0, marker: false, payload: encodeTelephoneEvent({ event: 4, end: true, volume: 10, duration: 800 }) };
  assert.deepEqual(r.receive(lateEnd, 500), []);
});

test('long events continue across segments as one digit (48 kHz clock)', () => {
  const r = new DtmfReceiver({ clockRate: 48000 });
  const evs = feed(r, packetsFor('0', 100, { clockRate: 48000, durationMs: 3000 }));
  assert.deepEqual(summary(evs), ['+0', '-0:end-bit:3000']);
});

test('malformed payloads are counted and ignored', () => {
  const r = new DtmfReceiver({ clockRate: 8000 });
  assert.deepEqual(r.receive({ timestamp: 1, marker: true, payload: new Uint8Array(2) }, 0), []);
  assert.equal(r.malformed, 1);
  assert.equal(r.state, 'idle');
});
