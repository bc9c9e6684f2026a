/**
 * Conditions of the dialog layer a caller may meet and handle (the others
 * are bugs and stay plain Errors): the dialog ended meanwhile (a BYE crossed
 * our request), or an INVITE is already in progress in it (§14.1: no second
 * re-INVITE while one is pending), or an incoming INVITE was already answered
 * or cancelled when we tried to answer it.
 */
export class DialogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The dialog is terminated: no request can be sent in it any more (§12.3). */
export class DialogTerminatedError extends DialogError {
  constructor(what: string) {
    super(`${what}: the dialog has ended`);
  }
}

/** §14.1: an INVITE transaction is in progress in the dialog; try again once it completes. */
export class RequestPendingError extends DialogError {}

/** The incoming INVITE was answered, rejected or cancelled already. */
export class InviteNotPendingError extends DialogError {}

/** RFC 5630: a sips: request whose next hop is not TLS; the words say which hop and how it would have been reached. */
export class InsecureHopError extends DialogError {}

/** A programming mistake in using the dialog layer (a bug, not a condition): kept apart so it is never mapped to a user error. */
export class DialogUsageError extends Error {}
