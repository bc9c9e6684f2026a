/**
 * The transaction layer's one condition a caller may meet and handle: it was
 * closed (the user agent is shutting down) while a request was on its way.
 * Illegal state moves and misuse stay plain Errors: they are bugs.
 */
export class TransactionLayerClosedError extends Error {
  constructor() {
    super('the SIP transaction layer is closed (the phone is shutting down)');
    this.name = 'TransactionLayerClosedError';
  }
}
