import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TelephoneEventError,
  decodeTelephoneEvent,
  digitToEvent,
  encodeTelephoneEvent,
  eventToDigit,
} from '../../../../electron/media/dtmf/telephone-event.ts';

test('digit ↔ event codes per RFC 4733 §3.2', () => {
  const digits = '0123456789*#ABCD';
  for (let i = 0; i < digits.length; i++) {
    assert.equal(digitToEvent(digits[i]!), i);
    assert.equal(eventToDigit(i), digits[i]);
  }
  assert.equal(digitToEvent('a'), 12);
  assert.equal(digitToEvent('d'), 15);
  assert.equal(eventToDigit(16), undefined); // flash
  for (const bad of ['', 'E', '12', ' ', 'x']) assert.throws(() => digitToEvent(bad), TelephoneEventError);
});

test('encodes the RFC 4733 §2.3 layout', () => {
  // Event 5, E=1, volume 10, duration 800 (0x0320).
  assert.deepEqual([...encodeTelephoneEvent({ event: 5, end: true, volume: 10, duration: 800 })], [5, 0x8a, 0x03, 0x20]);
  assert.deepEqual([...encodeTelephoneEvent({ event: 11, end: false, volume: 63, duration: 65535 })], [11, 0x3f, 0xff, 0xff]);
  assert.throws(() => encodeTelephoneEvent({ event: 1, end: false, volume: 64, duration: 0 }), TelephoneEventError);
  assert.throws(() => encodeTelephoneEvent({ event: 1, end: false, volume: 1, duration: 65536 }), TelephoneEventError);
  assert.throws(() => encodeTelephoneEvent({ event: 256, end: false, volume: 1, duration: 0 }), TelephoneEventError);
});

test('decodes, ignores the R bit and trailing redundancy, rejects short payloads', () => {
  assert.deepEqual(decodeTelephoneEvent(new Uint8Array([10, 0xca, 0x01, 0x40, 9, 9, 9, 9])), {
    event: 10,
    end: true,
    volume: 10,
    duration: 320,
  });
  assert.throws(() => decodeTelephoneEvent(new Uint8Array(3)), TelephoneEventError);
  for (let e = 0; e < 17; e++) {
    const ev = { event: e, end: e % 2 === 0, volume: e, duration: e * 160 };
    assert.deepEqual(decodeTelephoneEvent(encodeTelephoneEvent(ev)), ev);
  }
});
