/**
 * A Transport for component tests: records every request and answers from a
 * table of handlers (default: a failure 'unavailable'), and lets the test
 * push events and status changes.
 */
import { listenerSet, type ConnectionStatus, type Transport } from '../api/transport.ts';
import type { ApiEvent, ApiResult } from '../api/types.ts';

export type Handler = (params: unknown) => ApiResult<unknown> | Promise<ApiResult<unknown>>;

export class FakeTransport implements Transport {
  readonly kind = 'ws';
  status: ConnectionStatus = { state: 'open', attempt: 0 };
  readonly requests: Array<{ cmd: string; params: unknown }> = [];
  readonly handlers = new Map<string, Handler>();
  readonly sentAudio: Uint8Array[] = [];
  #events = listenerSet<[ApiEvent]>();
  #statuses = listenerSet<[ConnectionStatus]>();
  #audio = listenerSet<[Uint8Array]>();

  /** Answers `cmd` with whatever `handler` returns for the params. */
  handle(cmd: string, handler: Handler): this {
    this.handlers.set(cmd, handler);
    return this;
  }

  /** Answers `cmd` with success and this result. */
  answer(cmd: string, result: unknown): this {
    return this.handle(cmd, () => ({ ok: true, result }));
  }

  async request(cmd: string, params: unknown): Promise<ApiResult<unknown>> {
    this.requests.push({ cmd, params });
    const handler = this.handlers.get(cmd);
    return handler ? handler(params) : { ok: false, code: 'unavailable', message: `${cmd} is not wired in this test` };
  }

  commands(): string[] {
    return this.requests.map((r) => r.cmd);
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    return this.#events.add(listener);
  }
  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    return this.#statuses.add(listener);
  }
  sendAudio(frame: Uint8Array<ArrayBuffer>): void {
    this.sentAudio.push(frame);
  }
  onAudio(listener: (frame: Uint8Array) => void): () => void {
    return this.#audio.add(listener);
  }
  close(): void {}

  emit(event: ApiEvent): void {
    this.#events.emit(event);
  }
  setStatus(status: ConnectionStatus): void {
    this.status = status;
    this.#statuses.emit(status);
  }
  pushAudio(bytes: Uint8Array): void {
    this.#audio.emit(bytes);
  }
}
