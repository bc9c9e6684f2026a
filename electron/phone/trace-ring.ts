/**
 * The SIP messages of the last half hour, kept by the engine for
 * `diagnostics.trace`: a page that opens its ladders (or makes a
 * diagnostics bundle) after a call still finds that call's messages,
 * although `trace` events reach only the clients that follow them
 * (`trace.follow`).
 *
 * Bounded three ways, the oldest going first: `maxEntries` messages,
 * `maxChars` characters of message text in all, and `keepMs` of age. The
 * entries are the engine's `trace` events as made (credentials already
 * redacted by the SIP layer's trace).
 */
import type { TraceEntry } from '../api/snapshots.ts';

export interface TraceRingOptions {
  now: () => number;
  /** Default 2,000 messages. */
  maxEntries?: number;
  /** Default 1,000,000 characters of message text (about 1 MB: the bound on what the trace adds to an idle phone with many watched lines). */
  maxChars?: number;
  /** Default 30 minutes. */
  keepMs?: number;
}

export interface TraceQuery {
  /** Only messages of the last N minutes. */
  minutes?: number;
  /** Only the messages of this SIP Call-ID. */
  callId?: string;
}

export class TraceRing {
  readonly #entries: TraceEntry[] = [];
  /** Index of the oldest live entry in #entries (dropped ones are cut off in batches). */
  #head = 0;
  #chars = 0;
  readonly #now: () => number;
  readonly #maxEntries: number;
  readonly #maxChars: number;
  readonly #keepMs: number;

  constructor(options: TraceRingOptions) {
    this.#now = options.now;
    this.#maxEntries = options.maxEntries ?? 2000;
    this.#maxChars = options.maxChars ?? 1_000_000;
    this.#keepMs = options.keepMs ?? 30 * 60_000;
  }

  get size(): number {
    return this.#entries.length - this.#head;
  }

  get chars(): number {
    return this.#chars;
  }

  add(entry: TraceEntry): void {
    this.#entries.push(entry);
    this.#chars += entry.text.length;
    this.#prune(entry.time);
  }

  /** The kept messages that match, oldest first. */
  list(query: TraceQuery = {}): TraceEntry[] {
    this.#prune(this.#now());
    const since = query.minutes === undefined ? -Infinity : this.#now() - query.minutes * 60_000;
    const out: TraceEntry[] = [];
    for (let i = this.#head; i < this.#entries.length; i++) {
      const e = this.#entries[i]!;
      if (e.time >= since && (query.callId === undefined || e.callId === query.callId)) out.push(e);
    }
    return out;
  }

  #prune(now: number): void {
    const cutoff = now - this.#keepMs;
    while (this.size > 0) {
      const oldest = this.#entries[this.#head]!;
      if (this.size <= this.#maxEntries && this.#chars <= this.#maxChars && oldest.time >= cutoff) break;
      this.#chars -= oldest.text.length;
      this.#head++;
    }
    // Cut the dropped slots off once they are as many as the live ones (amortised O(1) per add).
    if (this.#head > 64 && this.#head * 2 >= this.#entries.length) {
      this.#entries.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
