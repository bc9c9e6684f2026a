/**
 * A final SIP answer as the layers above show it: the code and the server's
 * phrase for the expert, words for everyone else (status-reason.ts), and
 * whether this stack made the answer up (a timeout or transport failure,
 * RFC 3261 §8.1.3.1) rather than a server sending it.
 */
import type { SipResponse } from '../message/index.ts';
import { formatHostPort } from '../transport/transport-error.ts';
import { localFailureOf, localFailureTarget, localFailureWhy } from '../transaction/synthesized-response.ts';
import { describeStatus, statusInWords } from './status-reason.ts';

export interface SipOutcome {
  status: number;
  /** The reason phrase as received (or as we synthesized it). */
  reason: string;
  /** In words a person understands: "busy", "no such user"... */
  words: string;
  /** "busy (486 "Busy Here")": words, code and phrase in one line. */
  description: string;
  /** Set when no server sent this: the request timed out, or the transport failed. */
  local?: 'timeout' | 'transport';
}

export function outcomeOf(response: SipResponse): SipOutcome {
  const local = localFailureOf(response);
  const o = outcome(response.status, response.reason, local);
  const target = localFailureTarget(response);
  const why = localFailureWhy(response);
  if (why) {
    // Not sent at all (a sips: request over a hop that is not TLS): the reason is the words.
    o.words = why;
    o.description = `${why} (${response.status} "${response.reason}")`;
  } else if (local && target) {
    // Nobody sent this answer: say which server stayed silent instead of quoting a status it never sent.
    o.words = `network error: the server at ${formatHostPort(target.address, target.port)} is not answering`;
    o.description = `${o.words} (${response.status} "${response.reason}")`;
  }
  return o;
}

export function outcome(status: number, reason: string, local?: 'timeout' | 'transport'): SipOutcome {
  const o: SipOutcome = { status, reason, words: statusInWords(status), description: describeStatus(status, reason) };
  if (local) o.local = local;
  return o;
}
