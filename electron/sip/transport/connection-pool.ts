/**
 * The open TCP/TLS connections, by id and by remote endpoint, so that a
 * request to a host:port with an open connection reuses it (RFC 3261 §18.1.1:
 * "the client SHOULD use the existing connection") and a connection a peer
 * opened serves its responses and our requests back to that peer's address.
 *
 * TLS keys include the name the certificate was verified for: a connection
 * checked for "a.example" is not reused for "b.example" (RFC 5922 §7). A
 * connection the peer opened was not checked for any name, so it serves only
 * targets without a serverName. Concurrent sends to one endpoint share one
 * connection attempt.
 */
import { endpointKey } from './address.ts';
import type { StreamConnection } from './stream-connection.ts';
import type { Endpoint } from './transport.ts';

export function connectionKey(remote: Endpoint, serverName?: string): string {
  return `${endpointKey(remote)}|${serverName?.toLowerCase() ?? ''}`;
}

export class ConnectionPool {
  readonly #byId = new Map<string, StreamConnection>();
  readonly #byKey = new Map<string, StreamConnection>();
  readonly #keyOf = new Map<string, string>();
  readonly #pending = new Map<string, Promise<StreamConnection>>();

  add(connection: StreamConnection, key: string): void {
    this.#byId.set(connection.id, connection);
    this.#keyOf.set(connection.id, key);
    const existing = this.#byKey.get(key);
    // Keep the first open connection for a key: both work, and churn would break reuse.
    if (!existing || !existing.open) this.#byKey.set(key, connection);
  }

  remove(connection: StreamConnection): void {
    this.#byId.delete(connection.id);
    const key = this.#keyOf.get(connection.id);
    this.#keyOf.delete(connection.id);
    if (key === undefined || this.#byKey.get(key) !== connection) return;
    this.#byKey.delete(key);
    // Another open connection to the same endpoint takes the key over.
    for (const c of this.#byId.values()) {
      if (c.open && this.#keyOf.get(c.id) === key) {
        this.#byKey.set(key, c);
        break;
      }
    }
  }

  get(id: string): StreamConnection | undefined {
    const c = this.#byId.get(id);
    return c?.open ? c : undefined;
  }

  find(key: string): StreamConnection | undefined {
    const c = this.#byKey.get(key);
    return c?.open ? c : undefined;
  }

  /** Returns the open connection for `key`, or joins / starts the one attempt to open it. */
  obtain(key: string, open: () => Promise<StreamConnection>): Promise<StreamConnection> {
    const existing = this.find(key);
    if (existing) return Promise.resolve(existing);
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = open().finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  all(): StreamConnection[] {
    return [...this.#byId.values()];
  }

  get size(): number {
    return this.#byId.size;
  }
}
