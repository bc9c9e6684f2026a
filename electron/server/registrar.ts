/**
 * The registrar (RFC 3261 §10.3), step by step:
 *   1. the Request-URI names our domain (or one of our IP addresses);
 *   2. Require: only extensions we know (outbound, path), else 420;
 *   3. digest authentication: 401 with SHA-256 and MD5 challenges;
 *   4. the To user (primary name or alias) is a subscriber, else 404, and the
 *      authenticated user is that subscriber, else 403;
 *   5. every alias maps to the subscriber's one AOR (sip:user@domain);
 *   6. Contact: `*` with Expires: 0 removes all bindings; otherwise each
 *      contact is added, refreshed or (expires=0) removed. A binding with the
 *      same Call-ID and a CSeq not higher than the stored one is an
 *      out-of-order REGISTER: 500 and nothing changes (§10.3 step 7).
 *      Expiry below Min-Expires: 423 with Min-Expires (§10.3 step 7, §21.4.17);
 *      above the maximum: lowered. Bindings keep +sip.instance and reg-id
 *      (RFC 5626 §6): the same instance and reg-id replace the older flow.
 *   7. 200 with every current binding in Contact, each with its remaining expires.
 */
import { isIP } from 'node:net';
import {
  contactExpires, contactQ, createResponse, cseqOf, callId, formatUri, parseContacts, parseMessage, parseTokenList, serializeMessage, toOf, topVia, uriEquals,
  type SipRequest, type SipResponse,
} from '../sip/message/index.ts';
import type { IncomingMessage } from '../sip/transport/index.ts';
import type { DigestGate } from './digest-gate.ts';
import { addToTag } from './local-response.ts';
import { bindingUri, type Binding, type LocationTable } from './location-table.ts';
import type { SubscriberDirectory } from './subscriber-directory.ts';

export interface RegistrarPolicy {
  /** Seconds when neither the contact nor Expires says (default 3600). */
  defaultExpires: number;
  /** 423 below this (default 60). */
  minExpires: number;
  /** Longer requests are shortened to this (default 7200). */
  maxExpires: number;
  /** Bindings per AOR (default 10). */
  maxBindings: number;
}

export const defaultRegistrarPolicy: RegistrarPolicy = { defaultExpires: 3600, minExpires: 60, maxExpires: 7200, maxBindings: 10 };

/** Answers remembered for retransmissions: a few seconds' worth at a thousand registrations a second (two REGISTERs each). */
const RECENT_ANSWERS = 8192;

const KNOWN_EXTENSIONS = new Set(['outbound', 'path', 'gruu']);

export type RegisterOutcome =
  | { kind: 'answered'; response: SipResponse; aor?: string }
  | { kind: 'auth-failed'; response: SipResponse; username?: string };

export interface RegistrarOptions {
  directory: SubscriberDirectory;
  gate: DigestGate;
  location: LocationTable;
  policy?: Partial<RegistrarPolicy>;
}

export class Registrar {
  readonly #dir: SubscriberDirectory;
  readonly #gate: DigestGate;
  readonly #location: LocationTable;
  readonly policy: RegistrarPolicy;
  /**
   * The last answers, by branch, Call-ID and CSeq (oldest first; bounded), as the bytes sent (latin1
   * text): a response object would hold its request's datagram and parsed head, thousands of them
   * old enough for the collector to copy and mark again and again.
   */
  readonly #recent = new Map<string, string>();
  #dateSecond = NaN;
  #dateText = '';

  constructor(options: RegistrarOptions) {
    this.#dir = options.directory;
    this.#gate = options.gate;
    this.#location = options.location;
    this.policy = { ...defaultRegistrarPolicy, ...options.policy };
  }

  /**
   * Every REGISTER is answered without a transaction (RFC 3261 §8.2.7, as
   * Kamailio's registrar does): a transaction would keep the request and its
   * answer 32 s (Timer J) for the sole purpose of answering a retransmission,
   * which at a thousand registrations a second is tens of thousands of objects
   * the garbage collector walks again and again. Instead the last few thousand
   * answers are remembered by branch, Call-ID and CSeq, and a retransmission
   * gets the same answer again (the same nonce for a challenge, the same 200)
   * without being handled twice. One older than that is handled again: its
   * nonce count was used, so it gets a fresh challenge (stale=true) and the
   * phone answers that; nothing is applied twice.
   */
  answer(request: SipRequest, incoming: IncomingMessage): (RegisterOutcome | { kind: 'repeated'; response: SipResponse }) & { bytes: Buffer } {
    const key = `${topVia(request).params.get('branch') ?? ''}|${callId(request)}|${cseqOf(request).seq}`;
    const recent = this.#recent.get(key);
    if (recent !== undefined) {
      const bytes = Buffer.from(recent, 'latin1');
      return { kind: 'repeated', response: parseMessage(bytes) as SipResponse, bytes };
    }
    const outcome = this.handle(request, incoming);
    // Serialized once: these bytes are sent and remembered.
    const bytes = serializeMessage(outcome.response);
    this.#recent.set(key, bytes.toString('latin1'));
    if (this.#recent.size > RECENT_ANSWERS) this.#recent.delete(this.#recent.keys().next().value as string);
    return { ...outcome, bytes };
  }

  handle(request: SipRequest, incoming: IncomingMessage): RegisterOutcome {
    const answer = (status: number, reason?: string): RegisterOutcome => ({ kind: 'answered', response: createResponse(request, status, reason) });
    // Step 1.
    if (!this.#ourTarget(request)) return answer(404, `Not Found (this registrar serves ${this.#dir.domain})`);
    // Step 2.
    const unsupported = this.#unsupported(request);
    if (unsupported.length > 0) {
      const r = createResponse(request, 420, 'Bad Extension');
      r.headers.append('Unsupported', unsupported.join(', '));
      return { kind: 'answered', response: r };
    }
    // Step 3.
    const auth = this.#gate.verify(request, 401);
    if (!auth.ok) {
      const stale = auth.reason === 'stale-nonce';
      const username = auth.reason === 'missing' ? undefined : auth.username;
      const response = this.#gate.challenge(request, 401, stale);
      // A missing header or an expired nonce is the normal first round; anything else is a failed attempt.
      return auth.reason === 'missing' || stale || auth.reason === 'unknown-nonce'
        ? { kind: 'answered', response }
        : { kind: 'auth-failed', response, ...(username !== undefined ? { username } : {}) };
    }
    // Steps 4 and 5.
    const to = toOf(request).uri;
    const subscriber = this.#dir.byUser(to.user);
    if (!subscriber || (!this.#dir.isOurDomain(to.host) && isIP(to.host) === 0)) return answer(404, 'Not Found (no such user here)');
    if (subscriber.username !== auth.subscriber.username) return answer(403, `Forbidden (${auth.subscriber.username} may not register ${to.user ?? ''})`);
    const aor = subscriber.aor;

    // Step 6.
    const contacts = parseContacts(request.headers.getAll('Contact'));
    const headerExpires = parseExpiresHeader(request.headers.get('Expires'));
    const id = callId(request);
    const seq = cseqOf(request).seq;
    const now = this.#location.now;
    let bindings = this.#location.lookup(aor);

    if (contacts === '*') {
      // §10.3 step 6: '*' only with Expires: 0 (and alone, which parseContacts checked).
      if (headerExpires !== 0) return answer(400, 'Bad Request (Contact: * needs Expires: 0)');
      for (const b of bindings) if (b.callId === id && seq <= b.cseq) return answer(500, 'Server Internal Error (out-of-order REGISTER)');
      this.#location.replace(aor, []);
      return { kind: 'answered', response: this.#ok(request, [], now), aor };
    }

    for (const c of contacts) {
      const expires = contactExpires(c) ?? headerExpires ?? this.policy.defaultExpires;
      if (expires > 0 && expires < this.policy.minExpires) {
        const r = createResponse(request, 423, 'Interval Too Brief');
        r.headers.append('Min-Expires', String(this.policy.minExpires));
        return { kind: 'answered', response: r };
      }
    }
    const userAgent = request.headers.get('User-Agent');
    for (const c of contacts) {
      const expires = Math.min(contactExpires(c) ?? headerExpires ?? this.policy.defaultExpires, this.policy.maxExpires);
      const instance = c.params.get('+sip.instance') ?? undefined;
      const regIdText = c.params.get('reg-id');
      const regId = regIdText !== undefined && regIdText !== null && /^[0-9]{1,9}$/.test(regIdText) ? Number(regIdText) : undefined;
      const key = instance !== undefined && regId !== undefined ? `${instance}|${regId}` : formatUri(c.uri);
      const existing = bindings.find((b) => b.key === key || (instance === undefined && uriEquals(bindingUri(b), c.uri)));
      if (existing && existing.callId === id && seq <= existing.cseq) return answer(500, 'Server Internal Error (out-of-order REGISTER)');
      bindings = bindings.filter((b) => b !== existing);
      if (expires === 0) continue;
      const binding: Binding = {
        aor, key, contact: formatUri(c.uri), q: contactQ(c) ?? 1, expiresAt: now + expires * 1000, callId: id, cseq: seq,
        source: { ...incoming.source },
        ...(incoming.connectionId !== undefined ? { connectionId: incoming.connectionId } : {}),
        ...(instance !== undefined ? { instance } : {}),
        ...(regId !== undefined ? { regId } : {}),
        ...(userAgent !== undefined ? { userAgent } : {}),
      };
      bindings.push(binding);
    }
    if (bindings.length > this.policy.maxBindings) {
      return answer(403, `Forbidden (at most ${this.policy.maxBindings} phones per user)`);
    }
    this.#location.replace(aor, bindings);
    const response = this.#ok(request, this.#location.lookup(aor), now);
    // RFC 5626 §6: a registrar that kept the flow says so.
    if (contacts.some((c) => c.params.has('reg-id'))) response.headers.append('Require', 'outbound');
    return { kind: 'answered', response, aor };
  }

  /** Step 1: the Request-URI names our domain or one of our addresses. */
  #ourTarget(request: SipRequest): boolean {
    const target = parseRequestUriHost(request.uri);
    return target !== undefined && (this.#dir.isOurDomain(target) || isIP(target) !== 0);
  }

  /** Step 2: the Require extensions we do not know. */
  #unsupported(request: SipRequest): string[] {
    const require = request.headers.getAll('Require');
    return require.length === 0 ? require : parseTokenList(require).filter((t) => !KNOWN_EXTENSIONS.has(t.toLowerCase()));
  }

  #ok(request: SipRequest, bindings: readonly Binding[], now: number): SipResponse {
    const r = createResponse(request, 200);
    addToTag(r);
    for (const b of bindings) r.headers.append('Contact', formatBinding(b, now));
    r.headers.append('Date', this.#date(now));
    return r;
  }

  /** The Date header's text (RFC 3261 §20.17: whole seconds), made once a second. */
  #date(now: number): string {
    const second = Math.floor(now / 1000);
    if (second !== this.#dateSecond) {
      this.#dateSecond = second;
      this.#dateText = new Date(second * 1000).toUTCString();
    }
    return this.#dateText;
  }
}

/** A binding as the 200 lists it: <uri>;expires=remaining;q=…;+sip.instance=…;reg-id=… */
export function formatBinding(b: Binding, now: number): string {
  let s = `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`;
  if (b.q !== 1) s += `;q=${b.q}`;
  if (b.instance !== undefined) s += `;+sip.instance=${b.instance}`;
  if (b.regId !== undefined) s += `;reg-id=${b.regId}`;
  return s;
}

/** The Expires header as seconds, if valid (RFC 3261 §20.19). */
function parseExpiresHeader(v: string | undefined): number | undefined {
  if (v === undefined || !/^\s*[0-9]{1,10}\s*$/.test(v)) return undefined;
  return Math.min(Number(v), 0xffffffff);
}

function parseRequestUriHost(uri: string): string | undefined {
  const m = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;?>]+)/i.exec(uri);
  return m?.[1]?.replace(/^\[|\]$/g, '').toLowerCase();
}

