import { describe, expect, it } from 'vitest';
import { FakeSocket } from './fake-relay-socket.ts';
import { SocketRelay, type FromRelay, type ToRelay } from './socket-relay.ts';
import { SocketWorker, type WorkerLike } from './worker-socket.ts';
import { WsTransport } from './ws-transport.ts';


/** A Worker running the relay in this thread, messages passed on the next turn as a real Worker would. */
class InlineWorker implements WorkerLike {
  readonly sockets: FakeSocket[] = [];
  readonly toRelay: ToRelay[] = [];
  terminated = false;
  readonly #listeners = new Map<string, Array<(e: never) => void>>();
  readonly relay = new SocketRelay({
    post: (m: FromRelay) => queueMicrotask(() => this.#fire('message', new MessageEvent('message', { data: m }))),
    createSocket: () => {
      const s = new FakeSocket();
      this.sockets.push(s);
      return s;
    },
  });
  postMessage(message: ToRelay): void {
    this.toRelay.push(message);
    queueMicrotask(() => this.relay.handle(message));
  }
  addEventListener(type: string, listener: (e: never) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  terminate(): void {
    this.terminated = true;
  }
  fireError(): void {
    this.#fire('error', new Event('error'));
  }
  #fire(type: string, event: Event): void {
    for (const l of this.#listeners.get(type) ?? []) (l as (e: Event) => void)(event);
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('WsTransport over a SocketWorker', () => {
  it('requests and events travel through the Worker; audio ports are handed to it', async () => {
    const worker = new InlineWorker();
    const transport = new WsTransport({ url: 'ws://127.0.0.1:9/api?token=t', worker: new SocketWorker(worker) });
    await tick();
    const host = worker.sockets[0]!;
    host.fire('open');
    await tick();
    expect(transport.status.state).toBe('open');
    const events: unknown[] = [];
    transport.onEvent((e) => events.push(e));
    const reply = transport.request('app.snapshot', undefined);
    await tick();
    expect(JSON.parse(host.sent[0] as string)).toEqual({ id: 1, cmd: 'app.snapshot' });
    host.fire('message', JSON.stringify({ id: 1, ok: true, data: { n: 1 } }));
    host.fire('message', JSON.stringify({ event: 'call', data: { id: 'c1' } }));
    expect(await reply).toEqual({ ok: true, data: { n: 1 } });
    expect(events).toEqual([{ event: 'call', data: { id: 'c1' } }]);

    // Before the worklets connect, playback frames reach the page's listeners.
    const heard: number[] = [];
    transport.onAudio((f) => heard.push(f[3]!));
    host.fire('message', new Uint8Array([2, 5, 0, 7, 0, 0, 0, 0]).buffer);
    await tick();
    expect(heard).toEqual([7]);
    // The worklets' ends: the Worker gets the other end of each channel.
    const ports = transport.audioPorts();
    expect(ports?.capture).toBeInstanceOf(MessagePort);
    expect(ports?.playback).toBeInstanceOf(MessagePort);
    const handed = worker.toRelay.at(-1) as { type: string; capture?: MessagePort; playback?: MessagePort };
    expect(handed.type).toBe('audio');
    expect(handed.capture).toBeInstanceOf(MessagePort);
    expect(handed.playback).toBeInstanceOf(MessagePort);
    expect(handed.capture).not.toBe(ports?.capture);
    // What the capture worklet posts on its end leaves on the Worker's socket; playback frames come to its end.
    const sent = host.sent.length;
    ports!.capture.postMessage(new Uint8Array([1, 5, 0, 1]).buffer);
    const played = new Promise<unknown>((resolve) => (ports!.playback.onmessage = (e) => resolve(e.data)));
    await tick();
    host.fire('message', new Uint8Array([2, 5, 0, 9, 0, 0, 0, 0]).buffer);
    expect(new Uint8Array((await played) as ArrayBuffer)[3]).toBe(9);
    for (let i = 0; i < 20 && host.sent.length === sent; i++) await tick();
    expect(new Uint8Array(host.sent.at(-1) as ArrayBuffer)).toEqual(new Uint8Array([1, 5, 0, 1]));
    expect(heard).toEqual([7]);
    transport.disconnectAudio();
    expect(worker.toRelay.at(-1)).toEqual({ type: 'audio' });
    for (const p of [ports!.capture, ports!.playback, handed.capture!, handed.playback!]) p.close();
    transport.close();
  });

  it('a Worker that fails to load closes its pending socket and stops relaying (audio stays on the page)', () => {
    const worker = new InlineWorker();
    const sw = new SocketWorker(worker);
    const closed: string[] = [];
    const s = sw.createSocket('ws://127.0.0.1:9/api');
    s.addEventListener('close', () => closed.push('closed'));
    worker.fireError();
    expect(closed).toEqual(['closed']);
    expect(s.readyState).toBe(3);
    expect(sw.relaying).toBe(false);
    expect(sw.audioPorts()).toBeUndefined();
  });
});
