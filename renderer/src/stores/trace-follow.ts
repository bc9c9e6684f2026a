/**
 * The page follows the SIP trace only while a view that shows it is open
 * (`trace.follow`, electron/api/connection-api.ts): the engine sends no
 * `trace` events to a page that does not ask, so a burst of presence
 * subscriptions does not flood every open page. What happened before the
 * view opened comes from the engine's own half hour of trace
 * (`diagnostics.trace`), asked for each time following starts, and handed
 * to `backlog` (the phone state merges it with what arrives meanwhile).
 *
 * Counted: two views open at once follow once, and the last to close stops
 * it. After a reconnect (a new connection starts without the trace) it asks
 * again while still followed.
 */
import type { ApiClient } from '../api/client.ts';
import type { TraceEntry } from '../api/types.ts';

export class TraceFollow {
  readonly #client: ApiClient;
  readonly #backlog: (entries: TraceEntry[]) => void;
  #count = 0;
  #offStatus: (() => void) | undefined;

  constructor(client: ApiClient, backlog: (entries: TraceEntry[]) => void = () => {}) {
    this.#client = client;
    this.#backlog = backlog;
  }

  /** Follows the trace until the returned function is called (once; later calls do nothing). */
  follow(): () => void {
    this.#offStatus ??= this.#client.onStatus((status) => {
      if (status.state === 'open' && this.#count > 0) this.#send(true);
    });
    if (this.#count++ === 0) this.#send(true);
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      if (--this.#count === 0) this.#send(false);
    };
  }

  get following(): boolean {
    return this.#count > 0;
  }

  #send(on: boolean): void {
    // A closed connection answers 'unavailable'; the reconnect asks again. A host without the
    // command (an older engine) answers 'bad-request': the page then simply gets no trace.
    if (this.#client.status.state !== 'open') return;
    void this.#client.call('trace.follow', { on });
    // Asked after following starts, so nothing falls between the two; the merge drops what came twice.
    if (on) void this.#client.call('diagnostics.trace', {}).then((r) => { if (r.ok && this.#count > 0) this.#backlog(r.result); });
  }
}
