/**
 * The o= line we own. RFC 3264 §8: every new offer or answer that changes the
 * session increments the version; the session id stays for the dialog's life.
 * A hold/resume re-INVITE therefore carries version + 1.
 */
import { randomInt } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { SdpOrigin } from './session-description.ts';

export function createOrigin(options: { address: string; username?: string; sessionId?: string }): SdpOrigin {
  const sessionId = options.sessionId ?? String(randomInt(1, 2 ** 47));
  return {
    username: options.username ?? '-',
    sessionId,
    sessionVersion: sessionId,
    netType: 'IN',
    addressType: isIPv6(options.address) ? 'IP6' : 'IP4',
    address: options.address,
  };
}

export function incrementOriginVersion(origin: SdpOrigin): SdpOrigin {
  return { ...origin, sessionVersion: (BigInt(origin.sessionVersion) + 1n).toString() };
}
