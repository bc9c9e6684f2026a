/**
 * The transport as the server's transaction layer sees it: the real
 * TransportLayer, with requests from a source over its rate or blocked after
 * failed passwords dropped before a transaction exists for them (a flood
 * must not cost memory per request). Responses always pass: they answer
 * requests we sent.
 */
import type { Endpoint, IncomingMessage, SipTransport, TransportProtocol } from '../sip/transport/index.ts';
import type { SipMessage, SipResponse } from '../sip/message/index.ts';
import type { ServerStats } from './server-stats.ts';
import type { SourceGuard } from './source-guard.ts';

export class GuardedTransport implements SipTransport {
  readonly #inner: SipTransport;
  readonly #guard: SourceGuard;
  readonly #stats: ServerStats;

  constructor(inner: SipTransport, guard: SourceGuard, stats: ServerStats) {
    this.#inner = inner;
    this.#guard = guard;
    this.#stats = stats;
  }

  send(message: SipMessage, target: Parameters<SipTransport['send']>[1]): Promise<Endpoint> {
    return this.#inner.send(message, target);
  }

  sendResponse(response: SipResponse, to: IncomingMessage): Promise<void> {
    return this.#inner.sendResponse(response, to);
  }

  onMessage(handler: (m: IncomingMessage) => void): void {
    this.#inner.onMessage((m) => {
      if (m.message.kind === 'request') {
        this.#stats.requests++;
        const verdict = this.#guard.admit(m.source.address);
        if (verdict === 'rate-limited') {
          this.#stats.rateLimited++;
          return;
        }
        if (verdict === 'blocked') {
          this.#stats.blocked++;
          return;
        }
      }
      handler(m);
    });
  }

  localAddress(protocol: TransportProtocol, family?: 4 | 6): { host: string; port: number } | undefined {
    return this.#inner.localAddress(protocol, family);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
