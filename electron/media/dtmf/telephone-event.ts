/**
 * The RFC 4733 telephone-event payload (§2.3): 4 octets per event.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     event     |E|R| volume    |          duration             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * DTMF events are 0–9, * (10), # (11), A–D (12–15) (RFC 4733 §3.2); 16 is
 * hook flash. Volume is the power level in -dBm0 (0..63); duration is in
 * RTP timestamp units since the event began. The RTP payload type is
 * dynamic ("telephone-event/8000", fmtp "0-16"); its clock should equal the
 * audio codec's (RFC 4733 §2.1), e.g. 48000 beside Opus.
 */

export const TELEPHONE_EVENT_NAME = 'telephone-event';
/** Events we offer and accept in a=fmtp: DTMF and flash. */
export const TELEPHONE_EVENT_FMTP = '0-16';
export const FLASH_EVENT = 16;
/** Longest duration one packet can state; longer events are segmented (§2.5.1.3). */
export const MAX_EVENT_DURATION = 0xffff;

export interface TelephoneEvent {
  /** Event code 0..255 (0..16 are DTMF and flash). */
  event: number;
  /** E bit: this packet reports the end of the event. */
  end: boolean;
  /** Power level in -dBm0, 0..63 (10 is a typical DTMF level). */
  volume: number;
  /** Duration so far in RTP timestamp units, 0..65535. */
  duration: number;
}

/** A malformed payload or an unknown digit. */
export class TelephoneEventError extends Error {
  override readonly name = 'TelephoneEventError';
}

const DIGITS = '0123456789*#ABCD';

/** Event code of a DTMF character ('0'-'9', '*', '#', 'A'-'D', case-insensitive). */
export function digitToEvent(digit: string): number {
  const i = digit.length === 1 ? DIGITS.indexOf(digit.toUpperCase()) : -1;
  if (i < 0) throw new TelephoneEventError(`not a DTMF digit: ${JSON.stringify(digit)}`);
  return i;
}

/** DTMF character of an event code; undefined for flash and other events. */
export function eventToDigit(event: number): string | undefined {
  return event >= 0 && event < DIGITS.length ? DIGITS[event] : undefined;
}

export function encodeTelephoneEvent(ev: TelephoneEvent): Uint8Array {
  if (!Number.isInteger(ev.event) || ev.event < 0 || ev.event > 255) throw new TelephoneEventError(`bad event ${ev.event}`);
  if (!Number.isInteger(ev.volume) || ev.volume < 0 || ev.volume > 63) throw new TelephoneEventError(`bad volume ${ev.volume}`);
  if (!Number.isInteger(ev.duration) || ev.duration < 0 || ev.duration > MAX_EVENT_DURATION) {
    throw new TelephoneEventError(`bad duration ${ev.duration}`);
  }
  const out = new Uint8Array(4);
  out[0] = ev.event;
  out[1] = (ev.end ? 0x80 : 0) | ev.volume; // R bit is sent as zero
  out[2] = ev.duration >> 8;
  out[3] = ev.duration & 0xff;
  return out;
}

/**
 * Decodes the first event of a payload. Several 4-octet blocks may follow
 * (redundancy, §2.5.1.5 and RFC 2198 style); only the first is ours to act
 * on, so the rest is ignored. The R bit is ignored as §2.3.3 requires.
 */
export function decodeTelephoneEvent(payload: Uint8Array): TelephoneEvent {
  if (payload.length < 4) throw new TelephoneEventError(`telephone-event payload of ${payload.length} octets`);
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}
