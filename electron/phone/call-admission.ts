/**
 * Which incoming calls the phone lets ring, decided when the INVITE arrives
 * and before anything is prepared for it (no RTP port bound, no record):
 * the UA's `admitCall` hook. A phone's SIP port listens on every interface
 * (calls need it), so SIP scanners find it within minutes and would ring the
 * user at night, and a flood of INVITEs would hold a port pair each.
 *
 *   calls for a user we don't have       404, unless the host answers any user
 *                                        (`parley listen`/`echo` without an account);
 *                                        MESSAGEs for such a user too (forUser)
 *   direct calls from strangers          403, unless the user turned them on
 *                                        (setting callsFromStrangers; contacts always ring)
 *   more than MAX_UNANSWERED waiting     486 Busy Here (too many calls) + Retry-After
 *   from one source: more than
 *   MAX_UNANSWERED_PER_SOURCE waiting,   486 Busy Here (too many calls) + Retry-After
 *   or more than PER_SOURCE_BURST new
 *   calls in PER_SOURCE_WINDOW_MS
 *
 * Per-source limits apply to direct calls only: calls through an account's
 * server all come from that server. A refused source is logged once
 * (info), then counted quietly; the table of sources is bounded.
 */
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import type { CallRefusal, IncomingCallRequest } from '../sip/ua/index.ts';

/** Calls ringing or being set up, not yet answered: a person answers one at a time. */
export const MAX_UNANSWERED = 8;
export const MAX_UNANSWERED_PER_SOURCE = 3;
export const PER_SOURCE_BURST = 10;
export const PER_SOURCE_WINDOW_MS = 10_000;
/** Retry-After (s) on a refusal for lack of room: a flood passes, a person can redial soon. */
export const BUSY_RETRY_AFTER_S = 30;
const SOURCES_KEPT = 256;

export interface AdmissionPolicy {
  /** Answer calls for any user at this address (the direct account takes them all); else 404 for unknown users. */
  anyUser: boolean;
  /** The direct account's id and the user part of its address (the one user a direct call may be for). */
  directAccountId: string;
  directUser: () => string | undefined;
  /**
   * Apply the per-source limits (default true). An auto-answering host
   * (`parley listen --auto-answer`: an answering service, a test peer) turns
   * them off: nobody is woken by its calls, each is answered on arrival, and
   * a load from one source (sipp) is what it is for; MAX_UNANSWERED still holds.
   */
  perSourceLimits?: boolean;
  /** Ring for direct calls from callers who are not in the contacts. */
  callsFromStrangers: () => boolean;
  /** Whether the caller's address (From) is one of the contacts. */
  isContact: (from: string) => boolean;
  /** Calls announced but not yet answered, and those being prepared, by source address. */
  unanswered: () => { total: number; bySource: (address: string) => number };
  clock: Clock;
  logger: Logger;
}

interface SourceRecord {
  starts: number[];
  refused: number;
  logged: boolean;
}

function userOf(uriText: string): string | undefined {
  return /^\s*(?:"[^"]*"\s*|[^<"]*)?<?sips?:([^@;>?]*)@/i.exec(uriText)?.[1];
}

export class CallAdmission {
  readonly #p: AdmissionPolicy;
  readonly #sources = new Map<string, SourceRecord>();

  constructor(policy: AdmissionPolicy) {
    this.#p = policy;
  }

  /** The UA's admitCall hook. */
  admit(call: IncomingCallRequest): CallRefusal | undefined {
    const p = this.#p;
    const direct = call.accountId === p.directAccountId;
    const address = call.source.address;
    if (direct && !p.anyUser) {
      if (!this.#ownUser(call)) return this.#refuse(address, { status: 404, reason: 'Not Found' }, 'a call for a user this phone does not have');
      if (!p.callsFromStrangers() && !p.isContact(call.from)) {
        return this.#refuse(address, { status: 403, reason: 'Forbidden' }, 'a direct call from a caller not in the contacts (Settings: ring for direct calls from strangers)');
      }
    }
    const waiting = p.unanswered();
    if (waiting.total >= MAX_UNANSWERED) {
      return this.#refuse(address, { status: 486, reason: 'Busy Here (too many calls)', retryAfterS: BUSY_RETRY_AFTER_S }, 'too many calls waiting');
    }
    if (direct && p.perSourceLimits !== false) {
      if (waiting.bySource(address) >= MAX_UNANSWERED_PER_SOURCE || !this.#withinBurst(address)) {
        return this.#refuse(address, { status: 486, reason: 'Busy Here (too many calls)', retryAfterS: BUSY_RETRY_AFTER_S }, 'too many calls from one source');
      }
    }
    return undefined;
  }

  /**
   * A request other than INVITE (a MESSAGE) that only the direct account
   * took as the fallback: 404 unless it names the direct account's user (or
   * the host answers any user) — a scanner's MESSAGE to sip:admin@ must not
   * land in the user's conversations.
   */
  forUser(request: { accountId: string; fallback?: boolean; requestUri?: string; source?: { address: string } }): CallRefusal | undefined {
    if (request.accountId !== this.#p.directAccountId || this.#p.anyUser || request.requestUri === undefined) return undefined;
    if (this.#ownUser({ fallback: request.fallback === true, requestUri: request.requestUri })) return undefined;
    return this.#refuse(request.source?.address ?? 'unknown', { status: 404, reason: 'Not Found' }, 'a request for a user this phone does not have');
  }

  /** Whether a request the direct account took is for its user (a match by address, or the Request-URI's user is the direct user). */
  #ownUser(r: { fallback: boolean; requestUri: string }): boolean {
    if (!r.fallback) return true;
    const user = userOf(r.requestUri);
    const own = this.#p.directUser();
    return user !== undefined && own !== undefined && user.toLowerCase() === own.toLowerCase();
  }

  /** How many calls each source had refused (diagnostics, tests). */
  refusedFrom(address: string): number {
    return this.#sources.get(address)?.refused ?? 0;
  }

  #record(address: string): SourceRecord {
    let r = this.#sources.get(address);
    if (r) {
      // Most recent last: the oldest source leaves first when the table is full.
      this.#sources.delete(address);
    } else {
      r = { starts: [], refused: 0, logged: false };
      if (this.#sources.size >= SOURCES_KEPT) this.#sources.delete(this.#sources.keys().next().value!);
    }
    this.#sources.set(address, r);
    return r;
  }

  #withinBurst(address: string): boolean {
    const r = this.#record(address);
    const now = this.#p.clock.now();
    r.starts = r.starts.filter((t) => now - t < PER_SOURCE_WINDOW_MS);
    if (r.starts.length >= PER_SOURCE_BURST) return false;
    r.starts.push(now);
    return true;
  }

  #refuse(address: string, refusal: CallRefusal, why: string): CallRefusal {
    const r = this.#record(address);
    r.refused++;
    if (!r.logged) {
      // Once per source: a scanner sends thousands; the log must not become the flood.
      r.logged = true;
      this.#p.logger.info('incoming request refused', { source: address, status: refusal.status, why });
    }
    return refusal;
  }
}
