/** An instant message (RFC 3428) that reached one of our accounts. */
import type { CallParty } from './call.ts';

export interface ReceivedMessage {
  accountId: string;
  /** Which of the account's addresses it was sent to. */
  alias: string;
  from: CallParty;
  /** The To URI as sent. */
  to: string;
  contentType: string;
  body: string;
  /** The body as received (its charset is the Content-Type's; it may not be text at all). */
  bodyBytes: Uint8Array;
  /** Call-ID of the MESSAGE (to spot retransmitted duplicates that arrive as new transactions). */
  callId: string;
  /** Where the request came from (the packet's source), for per-source limits; absent inside a dialog. */
  source?: { address: string; port: number };
  /** The Request-URI as received (absent inside a dialog). */
  requestUri?: string;
  /** The account matched only as the UA's fallback: no account or alias has the Request-URI's user. */
  fallback?: boolean;
}
