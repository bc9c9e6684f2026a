/**
 * Why a DTLS association failed, in words a person can act on, with the
 * TLS alert (RFC 5246 §7.2) we send or received. A catchable condition
 * (docs/conventions.md §6): a hostile or broken peer ends its own call,
 * never the process.
 */
export const DtlsAlert = {
  closeNotify: 0,
  unexpectedMessage: 10,
  badRecordMac: 20,
  handshakeFailure: 40,
  badCertificate: 42,
  unsupportedCertificate: 43,
  illegalParameter: 47,
  decodeError: 50,
  decryptError: 51,
  protocolVersion: 70,
  internalError: 80,
} as const;

const ALERT_WORDS: Readonly<Record<number, string>> = {
  0: 'closed the secure media connection',
  10: 'an unexpected message',
  20: 'a record that failed its integrity check',
  40: 'no common security parameters',
  42: 'a bad certificate',
  43: 'an unsupported certificate',
  46: 'a certificate problem',
  47: 'an illegal parameter',
  48: 'an unknown certificate authority',
  50: 'a message it could not decode',
  51: 'a signature or Finished check that failed',
  70: 'a DTLS version it does not support',
  71: 'insufficient security',
  80: 'an internal error',
  110: 'an unsupported extension',
};

export function alertWords(description: number): string {
  return ALERT_WORDS[description] ?? `alert ${description}`;
}

export class DtlsError extends Error {
  /** The alert to send the peer (when we detected it) or the one it sent. */
  readonly alert: number;
  /** True when the peer told us (a fatal alert it sent), false when we found the fault. */
  readonly fromPeer: boolean;

  constructor(alert: number, message: string, fromPeer = false) {
    super(message);
    this.name = 'DtlsError';
    this.alert = alert;
    this.fromPeer = fromPeer;
  }
}
