/** A socket for the relay's tests, driven by the test: `fire` delivers an event, `sent` keeps what was sent. */
import type { RelaySocket } from './socket-relay.ts';

export class FakeSocket implements RelaySocket {
  readyState = 0;
  bufferedAmount = 0;
  binaryType: BinaryType = 'blob';
  readonly sent: Array<string | ArrayBuffer> = [];
  closedWith: number | undefined;
  readonly #listeners = new Map<string, Array<(e: { data: unknown }) => void>>();
  send(data: string | ArrayBuffer): void {
    this.sent.push(data);
  }
  close(code?: number): void {
    this.closedWith = code;
    this.fire('close');
  }
  addEventListener(type: string, listener: (e: { data: unknown }) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  fire(type: string, data?: unknown): void {
    if (type === 'open') this.readyState = 1;
    if (type === 'close') this.readyState = 3;
    for (const l of this.#listeners.get(type) ?? []) l({ data });
  }
}
