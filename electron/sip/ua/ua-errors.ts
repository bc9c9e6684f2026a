/**
 * Conditions of the user agent core a caller may meet and handle; the phone
 * maps each to an API error code with `instanceof` (phone/map-phone-error.ts).
 * Anything else thrown from sip/ua is a bug.
 */
export class UaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The call is not in a state that allows this (hold before the answer, answer after the CANCEL...). */
export class CallStateError extends UaError {
  readonly state: string;
  constructor(what: string, state: string) {
    super(`${what}: the call is ${state}`);
    this.state = state;
  }
}

/** Digits that are not DTMF (0-9, *, #, A-D). */
export class InvalidDtmfError extends UaError {}

/** No account with this id in the user agent. */
export class UnknownAccountError extends UaError {}

/** The identity asked for is not one of the account's addresses (RFC 3325 §9: we may only claim our own). */
export class IdentityNotAllowedError extends UaError {}

/** No server or listener can reach the target (RFC 3263 found nothing usable). */
export class UnreachableTargetError extends UaError {}

/** A sips: request whose next hop is not TLS (RFC 5630): a setting to change, not a network to wait for. */
export class InsecureTargetError extends UnreachableTargetError {}
