/**
 * Where the SIP event framework (sip/event: RFC 6665 SUBSCRIBE/NOTIFY,
 * RFC 3903 PUBLISH) plugs into the UA core: it gets the UA's context (to
 * send, make dialogs and own them) and the requests of its methods that no
 * known dialog takes — a SUBSCRIBE outside a dialog, an unsolicited NOTIFY
 * (RFC 3842 §4.4 message-summary), and a NOTIFY that creates its dialog
 * (it may overtake the SUBSCRIBE's 2xx, or come from a fork, RFC 6665
 * §4.1.2.4). Declared here so the UA does not import the layer above it.
 */
import type { SipRequest } from '../message/index.ts';
import type { ServerTransaction } from '../transaction/transaction-layer.ts';
import type { AccountMatch } from './account-matcher.ts';

export interface EventRequestHandler {
  /**
   * A SUBSCRIBE, NOTIFY or PUBLISH that no dialog of ours takes; `match` is
   * the account its Request-URI names, if any. Returns true when it answered
   * the request, false to leave it to the UA's default answers.
   */
  onEventRequest(request: SipRequest, tx: ServerTransaction, match: AccountMatch | undefined): boolean;
  /** The event packages we accept SUBSCRIBEs for (Allow-Events, RFC 6665 §8.2.2). */
  allowEvents(): readonly string[];
}

export const EVENT_METHODS: ReadonlySet<string> = new Set(['SUBSCRIBE', 'NOTIFY', 'PUBLISH']);
