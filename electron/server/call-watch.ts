/**
 * The calls going through the proxy, for the phone's Settings pane and
 * `parley serve --json`. The proxy is transaction-stateful (RFC 3261 §16),
 * not dialog-stateful: this is what it can see on the path it record-routes —
 * an initial INVITE forwarded (ringing), its first 2xx (talking), a final
 * refusal or a BYE (gone).
 *
 *   INVITE forwarded ──▶ ringing ──2xx──▶ talking ──BYE──▶ (gone)
 *                          └── 3xx–6xx, CANCEL's 487 ──▶ (gone)
 *
 * A call whose phones vanished without a BYE is forgotten after `maxTalkMs`;
 * at most `max` calls are kept (the oldest go first): a flood of INVITEs
 * cannot grow it.
 */
export interface WatchedCall {
  /** Call-ID */
  id: string;
  from: string;
  to: string;
  state: 'ringing' | 'talking';
  /** Wall time (ms): when it started ringing, then when it was answered. */
  since: number;
}

export interface CallWatchOptions {
  wallTime: () => number;
  max?: number;
  maxTalkMs?: number;
}

export class CallWatch {
  readonly #calls = new Map<string, WatchedCall>();
  readonly #listeners = new Set<() => void>();
  readonly #wallTime: () => number;
  readonly #max: number;
  readonly #maxTalkMs: number;

  constructor(options: CallWatchOptions) {
    this.#wallTime = options.wallTime;
    this.#max = options.max ?? 1000;
    this.#maxTalkMs = options.maxTalkMs ?? 12 * 3600_000;
  }

  ringing(id: string, from: string, to: string): void {
    if (this.#calls.has(id)) return;
    if (this.#calls.size >= this.#max) this.#calls.delete(this.#calls.keys().next().value as string);
    this.#calls.set(id, { id, from, to, state: 'ringing', since: this.#wallTime() });
    this.#changed();
  }

  /** The INVITE's final answer went back to the caller. */
  answered(id: string, status: number): void {
    const call = this.#calls.get(id);
    if (!call || call.state !== 'ringing') return;
    if (status >= 200 && status < 300) this.#calls.set(id, { ...call, state: 'talking', since: this.#wallTime() });
    else this.#calls.delete(id);
    this.#changed();
  }

  ended(id: string): void {
    if (this.#calls.delete(id)) this.#changed();
  }

  list(): WatchedCall[] {
    const oldest = this.#wallTime() - this.#maxTalkMs;
    for (const [id, c] of this.#calls) if (c.since < oldest) this.#calls.delete(id);
    return [...this.#calls.values()];
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}
