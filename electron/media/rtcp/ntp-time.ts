/**
 * NTP timestamps of RTCP sender reports (RFC 3550 §4, §6.4.1) and the
 * round-trip time a report block gives (§6.4.1, Figure 2):
 *   RTT = A − LSR − DLSR, all in units of 1/65536 s, A being the middle
 *   32 bits of the NTP time at which the report block arrived.
 */
export interface NtpTimestamp {
  /** Seconds since 1900-01-01, modulo 2^32. */
  seconds: number;
  /** Fraction of a second in units of 2^-32 s. */
  fraction: number;
}

const NTP_UNIX_OFFSET_S = 2_208_988_800;

export function ntpFromUnixMs(unixMs: number): NtpTimestamp {
  const whole = Math.floor(unixMs / 1000);
  const fraction = Math.floor(((unixMs - whole * 1000) / 1000) * 2 ** 32);
  return { seconds: (whole + NTP_UNIX_OFFSET_S) >>> 0, fraction: Math.min(fraction, 0xffffffff) >>> 0 };
}

/** The "compact" middle 32 bits used by LSR (16.16 fixed point seconds). */
export function ntpMiddle32(ntp: NtpTimestamp): number {
  return (((ntp.seconds & 0xffff) << 16) | (ntp.fraction >>> 16)) >>> 0;
}

/**
 * RTT in ms from a report block's LSR and DLSR and the compact NTP time it
 * arrived at. Undefined when the peer has not yet seen one of our SRs
 * (LSR = 0) or when the result is negative (clock steps, bogus DLSR).
 */
export function roundTripTimeMs(arrivalMiddle32: number, lsr: number, dlsr: number): number | undefined {
  if (lsr === 0) return undefined;
  const rtt = (arrivalMiddle32 - lsr - dlsr) >>> 0;
  if (rtt >= 0x80000000) return undefined;
  return (rtt * 1000) / 65536;
}
