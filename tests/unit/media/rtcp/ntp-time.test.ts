import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ntpFromUnixMs, ntpMiddle32, roundTripTimeMs } from '../../../../electron/media/rtcp/ntp-time.ts';

describe('NTP time and RTT (RFC 3550 §4, §6.4.1)', () => {
  it('converts the Unix epoch and fractions', () => {
    assert.deepEqual(ntpFromUnixMs(0), { seconds: 2_208_988_800, fraction: 0 });
    assert.deepEqual(ntpFromUnixMs(1500), { seconds: 2_208_988_801, fraction: 0x80000000 });
    assert.equal(ntpMiddle32({ seconds: 0xe9abb710, fraction: 0x80001234 }), 0xb7108000);
  });

  it('computes the example of RFC 3550 Figure 2: RTT 6.125 s', () => {
    // A = 46864.500 s (0xb710:8000), LSR = 46853.125 s (0xb705:2000), DLSR = 5.250 s (0x0005:4000)
    assert.equal(roundTripTimeMs(0xb7108000, 0xb7052000, 0x00054000), 6125);
  });

  it('is undefined without an SR echoed (LSR 0) or when negative', () => {
    assert.equal(roundTripTimeMs(0xb7108000, 0, 0), undefined);
    assert.equal(roundTripTimeMs(0xb7052000, 0xb7108000, 0), undefined);
  });

  it('handles the 16-bit seconds wrap of the compact form', () => {
    // LSR just before the wrap, arrival just after: 0xffff:8000 → 0x0000:8000 is 1 s
    assert.equal(roundTripTimeMs(0x00008000, 0xffff8000, 0), 1000);
  });
});
