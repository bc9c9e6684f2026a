/**
 * Limits on received instant messages (RFC 3428): anyone who can reach the
 * SIP port can send a MESSAGE, unauthenticated, and every accepted one is
 * written to the database. Without limits a loop of MESSAGEs fills the disk
 * (343 of 60 KB took a database from 1.2 to 24 MB). So:
 *
 *   size          the UA refuses a body over 4 KB (413, sip/ua/out-of-dialog-requests.ts)
 *   per source    PER_SOURCE messages in WINDOW_MS from one address, then 486 + Retry-After
 *   in all        TOTAL messages in WINDOW_MS from callers who are not contacts, then 486
 *   storage       the newest KEEP_ROWS received messages and KEEP_BYTES of their text are
 *                 kept; older received ones go first (messages-repository trimReceived)
 *
 * Contacts are only counted per source (a friend's burst is not a flood of
 * strangers). A refused source is logged once.
 */
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import type { CallRefusal, ReceivedMessage } from '../sip/ua/index.ts';

export const PER_SOURCE = 20;
export const TOTAL_FROM_STRANGERS = 60;
export const WINDOW_MS = 60_000;
export const KEEP_ROWS = 5000;
export const KEEP_BYTES = 4 * 1024 * 1024;
const RETRY_AFTER_S = 60;
const SOURCES_KEPT = 256;

export class MessageAdmission {
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #isContact: (uri: string) => boolean;
  readonly #bySource = new Map<string, { times: number[]; logged: boolean }>();
  #strangers: number[] = [];

  constructor(deps: { clock: Clock; logger: Logger; isContact: (uri: string) => boolean }) {
    this.#clock = deps.clock;
    this.#log = deps.logger;
    this.#isContact = deps.isContact;
  }

  admit(m: ReceivedMessage): CallRefusal | undefined {
    const now = this.#clock.now();
    const address = m.source?.address ?? 'unknown';
    let s = this.#bySource.get(address);
    if (s) this.#bySource.delete(address);
    else {
      s = { times: [], logged: false };
      if (this.#bySource.size >= SOURCES_KEPT) this.#bySource.delete(this.#bySource.keys().next().value!);
    }
    this.#bySource.set(address, s);
    s.times = s.times.filter((t) => now - t < WINDOW_MS);
    const stranger = !this.#isContact(m.from.uri);
    this.#strangers = this.#strangers.filter((t) => now - t < WINDOW_MS);
    const tooMany = s.times.length >= PER_SOURCE || (stranger && this.#strangers.length >= TOTAL_FROM_STRANGERS);
    if (tooMany) {
      if (!s.logged) {
        s.logged = true;
        this.#log.info('messages refused: too many', { source: address });
      }
      return { status: 486, reason: 'Busy Here (too many messages)', retryAfterS: RETRY_AFTER_S };
    }
    s.times.push(now);
    if (stranger) this.#strangers.push(now);
    return undefined;
  }
}
