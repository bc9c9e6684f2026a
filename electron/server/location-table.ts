/**
 * The location table (RFC 3261 §10, §10.3): for each address of record, its
 * bindings — contact, q, expiry, Call-ID/CSeq of the REGISTER that made it,
 * +sip.instance / reg-id (RFC 5626 §6) and the flow it arrived on (source
 * address, transport, TCP/TLS connection) so the proxy can reach a phone
 * behind NAT the way it reached us. The registrar decides, this table keeps:
 * in memory for the proxy's lookups, written through to the ServerStore so a
 * restart keeps every binding that has not expired.
 *
 * Expiry uses wall-clock time (a restart must agree with the stored
 * expiries); a sweep on the injected clock drops expired bindings and
 * reports the change.
 *
 * Writes are batched: the AORs changed within `flushMs` (default 100 ms) go
 * to the store in one transaction (one commit per REGISTER cost more than
 * the rest of the registrar, measured by tests/bench/server.bench.ts). A
 * crash loses at most that window; the phones' next refresh restores it.
 * Listeners hear of a change only when the set of contacts of an AOR changed,
 * not when a phone merely refreshed its binding.
 */
import type { Clock, TimerHandle } from '../common/clock.ts';
import { parseUri, type SipUri } from '../sip/message/index.ts';
import type { Endpoint } from '../sip/transport/index.ts';
import type { ServerStore, StoredBinding } from './server-store.ts';

export interface Binding {
  aor: string;
  key: string;
  /**
   * The contact URI (as the registrar formatted it). Kept as text only: `bindingUri` parses it when a
   * request goes to the phone; a parsed URI held per binding was a third of a binding's memory.
   */
  contact: string;
  q: number;
  /** Wall-clock ms. */
  expiresAt: number;
  callId: string;
  cseq: number;
  instance?: string;
  regId?: number;
  /** Where the REGISTER came from: requests for this binding go back there (the flow). */
  source: Endpoint;
  /** TCP/TLS: the connection it came on, while it stays open. */
  connectionId?: string;
  userAgent?: string;
}

export interface BindingChange {
  aor: string;
  /** The AOR's bindings after the change, best q first. */
  bindings: readonly Binding[];
}

export interface LocationTableOptions {
  clock: Clock;
  /** Wall-clock ms (Date.now by default): stored expiries must survive a restart. */
  wallTime?: () => number;
  store?: ServerStore;
  /** How often expired bindings are swept; default 10 s. */
  sweepMs?: number;
  /** Store writes are gathered this long; default 100 ms (0: at once). */
  flushMs?: number;
}

/** The binding's contact URI, parsed (throws SipParseError, which a stored binding never gives). */
export function bindingUri(b: Binding): SipUri {
  return parseUri(b.contact);
}

function byQ(a: Binding, b: Binding): number {
  return b.q - a.q || b.expiresAt - a.expiresAt;
}

export class LocationTable {
  readonly #byAor = new Map<string, Binding[]>();
  /** contact user@host:port → binding, for requests addressed to a phone's contact (in-dialog requests). */
  readonly #byContact = new Map<string, Binding>();
  /** TCP/TLS bindings by the address their connection comes from (see findByContact). */
  readonly #bySource = new Map<string, Binding>();
  readonly #clock: Clock;
  readonly #wall: () => number;
  readonly #store: ServerStore | undefined;
  readonly #sweepMs: number;
  readonly #listeners: Array<(c: BindingChange) => void> = [];
  #sweep: TimerHandle | undefined;
  #flush: TimerHandle | undefined;
  readonly #flushMs: number;
  /** AOR → its bindings as last stored (to know which rows to delete). */
  readonly #stored = new Map<string, Set<string>>();
  readonly #dirty = new Set<string>();
  #count = 0;

  constructor(options: LocationTableOptions) {
    this.#clock = options.clock;
    this.#wall = options.wallTime ?? (() => Date.now());
    this.#store = options.store;
    this.#sweepMs = options.sweepMs ?? 10_000;
    this.#flushMs = options.flushMs ?? 100;
  }

  /** Loads the stored bindings that are still valid and starts the expiry sweep. */
  start(): number {
    if (this.#store) {
      for (const s of this.#store.loadBindings(this.#wall())) {
        let uri: SipUri;
        try {
          uri = parseUri(s.contact);
        } catch {
          continue;
        }
        const b: Binding = {
          aor: s.aor, key: s.key, contact: s.contact, q: s.q, expiresAt: s.expiresAt, callId: s.callId, cseq: s.cseq,
          source: { protocol: s.sourceProtocol as Endpoint['protocol'], address: s.sourceAddress, port: s.sourcePort },
          ...(s.instance !== undefined ? { instance: s.instance } : {}),
          ...(s.regId !== undefined ? { regId: s.regId } : {}),
          ...(s.userAgent !== undefined ? { userAgent: s.userAgent } : {}),
        };
        const list = this.#byAor.get(s.aor) ?? [];
        list.push(b);
        this.#byContact.set(contactKey(uri), b);
        const keys = this.#stored.get(s.aor) ?? new Set<string>();
        keys.add(s.key);
        this.#stored.set(s.aor, keys);
        this.#byAor.set(s.aor, list);
        this.#count++;
      }
      for (const list of this.#byAor.values()) list.sort(byQ);
    }
    this.#schedule();
    return this.#count;
  }

  /** Stops the sweep and writes what is pending. */
  stop(): void {
    this.#clock.clearTimeout(this.#sweep);
    this.#sweep = undefined;
    this.flush();
  }

  onChange(listener: (c: BindingChange) => void): void {
    this.#listeners.push(listener);
  }

  get now(): number {
    return this.#wall();
  }

  /** Total bindings held. */
  get size(): number {
    return this.#count;
  }

  aors(): string[] {
    return [...this.#byAor.keys()];
  }

  /** The AOR's live bindings, best q first (a copy). */
  lookup(aor: string): Binding[] {
    const list = this.#byAor.get(aor);
    if (!list) return [];
    const now = this.#wall();
    return list.filter((b) => b.expiresAt > now);
  }

  /**
   * The binding whose contact URI is `uri`'s host/port/user (an in-dialog request addressed to a phone's
   * contact) or, for a phone on TCP/TLS, whose connection comes from `uri`'s host and port: baresip 1.0
   * (libre) registers its listening port but writes its connection's own port in the Contact of its
   * dialogs, where nothing listens; the request must go back over that connection (RFC 3261 §18.2.2).
   */
  findByContact(uri: SipUri): Binding | undefined {
    const b = this.#byContact.get(contactKey(uri)) ?? this.#bySource.get(sourceKey(uri.host, uri.port));
    return b && b.expiresAt > this.#wall() ? b : undefined;
  }

  /** Replaces an AOR's bindings as the registrar decided; the store gets them with the next flush. */
  replace(aor: string, bindings: Binding[]): void {
    const before = this.#byAor.get(aor) ?? [];
    const sorted = [...bindings].sort(byQ);
    for (const b of before) {
      const key = contactKeyOf(b);
      if (this.#byContact.get(key) === b) this.#byContact.delete(key);
      const source = sourceKey(b.source.address, b.source.port);
      if (this.#bySource.get(source) === b) this.#bySource.delete(source);
    }
    for (const b of sorted) {
      this.#byContact.set(contactKeyOf(b), b);
      if (b.source.protocol !== 'udp') this.#bySource.set(sourceKey(b.source.address, b.source.port), b);
    }
    if (sorted.length > 0) this.#byAor.set(aor, sorted);
    else this.#byAor.delete(aor);
    this.#count += sorted.length - before.length;
    if (this.#store) {
      this.#dirty.add(aor);
      if (this.#flushMs <= 0) this.flush();
      else this.#flush ??= this.#clock.setTimeout(() => this.flush(), this.#flushMs);
    }
    const changed = sorted.length !== before.length || sorted.some((b, i) => b.key !== before[i]?.key || b.q !== before[i]?.q);
    if (changed) this.#emit({ aor, bindings: sorted });
  }

  /** Writes the changed AORs to the store in one transaction. */
  flush(): void {
    this.#clock.clearTimeout(this.#flush);
    this.#flush = undefined;
    const store = this.#store;
    if (!store || this.#dirty.size === 0) return;
    const aors = [...this.#dirty];
    this.#dirty.clear();
    store.transaction(() => {
      for (const aor of aors) {
        const now = this.#byAor.get(aor) ?? [];
        const keep = new Set(now.map((b) => b.key));
        for (const key of this.#stored.get(aor) ?? []) if (!keep.has(key)) store.removeBinding(aor, key);
        for (const b of now) store.putBinding(toStored(b));
        if (keep.size > 0) this.#stored.set(aor, keep);
        else this.#stored.delete(aor);
      }
    });
  }

  /** A flow failed (its TCP/TLS connection closed): forget the connection, keep the binding (RFC 5626 §5.2 lets the phone recover). */
  forgetConnection(connectionId: string): void {
    for (const list of this.#byAor.values()) for (const b of list) if (b.connectionId === connectionId) delete b.connectionId;
  }

  /** Drops expired bindings now (the sweep calls it). */
  expire(): number {
    const now = this.#wall();
    let dropped = 0;
    for (const [aor, list] of [...this.#byAor]) {
      const live = list.filter((b) => b.expiresAt > now);
      if (live.length !== list.length) {
        dropped += list.length - live.length;
        this.replace(aor, live);
      }
    }
    return dropped;
  }

  #schedule(): void {
    this.#sweep = this.#clock.setTimeout(() => {
      this.expire();
      this.#schedule();
    }, this.#sweepMs);
  }

  #emit(change: BindingChange): void {
    for (const l of this.#listeners) {
      try {
        l(change);
      } catch {
        // a listener's failure is its own; the table stays consistent
      }
    }
  }
}

function sourceKey(host: string, port: number | undefined): string {
  return `${host.toLowerCase().replace(/^\[|\]$/g, '')}:${port ?? ''}`;
}

function contactKey(uri: SipUri): string {
  return `${uri.user ?? ''}@${uri.host.toLowerCase()}:${uri.port ?? ''}`;
}

function contactKeyOf(b: Binding): string {
  return contactKey(bindingUri(b));
}

function toStored(b: Binding): StoredBinding {
  return {
    aor: b.aor, key: b.key, contact: b.contact, q: b.q, expiresAt: b.expiresAt, callId: b.callId, cseq: b.cseq,
    sourceProtocol: b.source.protocol, sourceAddress: b.source.address, sourcePort: b.source.port,
    ...(b.instance !== undefined ? { instance: b.instance } : {}),
    ...(b.regId !== undefined ? { regId: b.regId } : {}),
    ...(b.userAgent !== undefined ? { userAgent: b.userAgent } : {}),
  };
}
