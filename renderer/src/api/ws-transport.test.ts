import { describe, expect, it } from 'vitest';
import type { SocketLike, Timers } from './ws-transport.ts';
import { WsTransport } from './ws-transport.ts';
import type { ConnectionStatus } from './transport.ts';
import { backoffDelay } from './backoff.ts';

/** A WebSocket stand-in the test drives: open, deliver messages, close. */
class FakeSocket implements SocketLike {
  readyState = 0;
  binaryType: BinaryType = 'blob';
  readonly sent: Array<string | ArrayBuffer | ArrayBufferView> = [];
  closedWith: number | undefined;
  readonly url: string;
  #listeners = new Map<string, Array<(e: never) => void>>();
  constructor(url: string) {
    this.url = url;
  }
  send(data: string | ArrayBuffer | ArrayBufferView<ArrayBuffer>): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(data);
  }
  close(code?: number): void {
    this.closedWith = code;
    this.serverClose();
  }
  addEventListener(type: string, listener: (e: never) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  #fire(type: string, event: unknown) {
    for (const l of this.#listeners.get(type) ?? []) l(event as never);
  }
  open() {
    this.readyState = 1;
    this.#fire('open', {});
  }
  receive(data: unknown) {
    this.#fire('message', { data: typeof data === 'string' || data instanceof ArrayBuffer ? data : JSON.stringify(data) });
  }
  serverClose() {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.#fire('close', {});
  }
  requests(): Array<{ id: number; cmd: string; params?: unknown }> {
    return this.sent.filter((s): s is string => typeof s === 'string').map((s) => JSON.parse(s));
  }
}

class FakeTimers implements Timers {
  time = 1_000_000;
  #next = 1;
  #timers = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.time + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  now(): number {
    return this.time;
  }
  advance(ms: number) {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = end;
  }
  get count() {
    return this.#timers.size;
  }
}

function setup(timeoutMs = 1000) {
  const sockets: FakeSocket[] = [];
  const timers = new FakeTimers();
  const transport = new WsTransport({
    url: 'ws://127.0.0.1:5000/api?token=t',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    timers,
    timeoutMs,
    random: () => 0.5, // no jitter
  });
  const statuses: ConnectionStatus[] = [];
  transport.onStatus((s) => statuses.push(s));
  return { transport, sockets, timers, statuses, socket: () => sockets[sockets.length - 1]! };
}

describe('WsTransport request/response correlation', () => {
  it('matches replies to requests by id, in any order', async () => {
    const { transport, socket } = setup();
    socket().open();
    const a = transport.request('contacts.list', {});
    const b = transport.request('call.dial', { target: 'alice' });
    const c = transport.request('app.snapshot', undefined);
    const [ra, rb, rc] = socket().requests();
    expect(ra).toEqual({ id: 1, cmd: 'contacts.list', params: {} });
    expect(rb).toEqual({ id: 2, cmd: 'call.dial', params: { target: 'alice' } });
    expect(rc).toEqual({ id: 3, cmd: 'app.snapshot' });
    socket().receive({ id: 2, ok: false, code: 'not-found', message: 'no such account' });
    socket().receive({ id: 3, ok: true, result: { accounts: [] } });
    socket().receive({ id: 1, ok: true, result: [{ id: 'c1' }] });
    expect(await a).toEqual({ ok: true, result: [{ id: 'c1' }] });
    expect(await b).toEqual({ ok: false, code: 'not-found', message: 'no such account' });
    expect(await c).toEqual({ ok: true, result: { accounts: [] } });
    expect(transport.pending).toBe(0);
  });

  it('ignores replies to unknown ids, malformed JSON and the wire’s own hello', async () => {
    const { transport, socket } = setup();
    const events: unknown[] = [];
    transport.onEvent((e) => events.push(e));
    socket().open();
    const p = transport.request('settings.get', {});
    socket().receive('{not json');
    socket().receive({ id: 99, ok: true, result: 'stray' });
    socket().receive({ event: 'hello', data: { protocol: 1 } });
    socket().receive({ event: 'error', data: { code: 'bad-request', message: 'x' } });
    expect(transport.pending).toBe(1);
    socket().receive({ id: 1, ok: true, result: 'mine' });
    expect(await p).toEqual({ ok: true, result: 'mine' });
    expect(events).toEqual([]);
  });

  it('answers timeout when no reply comes, and drops the late reply', async () => {
    const { transport, socket, timers } = setup(1000);
    socket().open();
    const p = transport.request('call.hold', { callId: 'x' });
    timers.advance(999);
    expect(transport.pending).toBe(1);
    timers.advance(1);
    const r = await p;
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).toBe('timeout');
    socket().receive({ id: 1, ok: true, result: 'late' });
    expect(transport.pending).toBe(0);
  });

  it('answers unavailable at once when not connected', async () => {
    const { transport } = setup();
    const r = await transport.request('app.snapshot', undefined);
    expect(r).toMatchObject({ ok: false, code: 'unavailable' });
  });

  it('fails every pending request when the connection drops', async () => {
    const { transport, socket } = setup();
    socket().open();
    const p1 = transport.request('a', {});
    const p2 = transport.request('b', {});
    socket().serverClose();
    expect(await p1).toMatchObject({ ok: false, code: 'unavailable' });
    expect(await p2).toMatchObject({ ok: false, code: 'unavailable' });
  });

  it('passes events and binary audio to their listeners', () => {
    const { transport, socket } = setup();
    const events: unknown[] = [];
    const audio: Uint8Array[] = [];
    transport.onEvent((e) => events.push(e));
    transport.onAudio((a) => audio.push(a));
    socket().open();
    socket().receive({ event: 'call', data: { id: 'c1', state: 'ringing' } });
    socket().receive(new Uint8Array([1, 5, 0, 1, 0, 0, 0, 0]).buffer);
    expect(events).toEqual([{ event: 'call', data: { id: 'c1', state: 'ringing' } }]);
    expect([...audio[0]!]).toEqual([1, 5, 0, 1, 0, 0, 0, 0]);
    expect(socket().binaryType).toBe('arraybuffer');
  });

  it('sends audio only while open', () => {
    const { transport, socket } = setup();
    transport.sendAudio(new Uint8Array(8));
    socket().open();
    transport.sendAudio(new Uint8Array([1, 2]));
    expect(socket().sent).toHaveLength(1);
  });
});

describe('WsTransport reconnect', () => {
  it('reconnects with growing back-off and reports each step', () => {
    const { sockets, timers, statuses, socket } = setup();
    socket().open();
    socket().serverClose();
    expect(statuses.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 1, retryAt: timers.time + 500 });
    timers.advance(499);
    expect(sockets).toHaveLength(1);
    timers.advance(1);
    expect(sockets).toHaveLength(2);
    expect(statuses.at(-1)).toMatchObject({ state: 'connecting', attempt: 1 });
    socket().serverClose(); // refused again
    expect(statuses.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 2, retryAt: timers.time + 1000 });
    timers.advance(1000);
    socket().serverClose();
    expect(statuses.at(-1)).toMatchObject({ attempt: 3, retryAt: timers.time + 2000 });
    timers.advance(2000);
    socket().open();
    expect(statuses.at(-1)).toEqual({ state: 'open', attempt: 0 });
    socket().serverClose();
    expect(statuses.at(-1)).toMatchObject({ attempt: 1, retryAt: timers.time + 500 });
  });

  it('uses the same URL for every attempt', () => {
    const { sockets, timers, socket } = setup();
    socket().serverClose();
    timers.advance(500);
    expect(sockets.map((s) => s.url)).toEqual(['ws://127.0.0.1:5000/api?token=t', 'ws://127.0.0.1:5000/api?token=t']);
  });

  it('reconnectNow skips the wait', () => {
    const { transport, sockets, socket } = setup();
    socket().serverClose();
    transport.reconnectNow();
    expect(sockets).toHaveLength(2);
  });

  it('stops for good on close()', () => {
    const { transport, sockets, timers, statuses, socket } = setup();
    socket().open();
    transport.close();
    expect(socket().closedWith).toBe(1000);
    expect(statuses.at(-1)?.state).toBe('closed');
    timers.advance(60_000);
    expect(sockets).toHaveLength(1);
    expect(timers.count).toBe(0);
  });
});

describe('backoffDelay', () => {
  it('doubles up to the cap, with bounded jitter', () => {
    const opts = { initialMs: 500, maxMs: 15_000, factor: 2, jitter: 0.2 };
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffDelay(n, opts, () => 0.5))).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
    expect(backoffDelay(1, opts, () => 0)).toBe(400);
    expect(backoffDelay(1, opts, () => 0.999999)).toBe(600);
    expect(backoffDelay(10, opts, () => 0.999999)).toBe(15000);
  });
});

describe('WsTransport after the host restarted (issue 15 §1.6)', () => {
  function withProbe(verdict: 'unauthorized' | 'ok' | 'unreachable') {
    const sockets: FakeSocket[] = [];
    const timers = new FakeTimers();
    let probes = 0;
    const transport = new WsTransport({
      url: 'ws://127.0.0.1:5000/api?token=old',
      createSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      timers,
      random: () => 0.5,
      probe: async () => {
        probes++;
        return verdict;
      },
    });
    const statuses: ConnectionStatus[] = [];
    transport.onStatus((s) => statuses.push(s));
    return { transport, sockets, timers, statuses, probes: () => probes };
  }

  it('stops retrying and says why when the host no longer knows the token', async () => {
    const r = withProbe('unauthorized');
    r.sockets[0]!.open();
    r.sockets[0]!.serverClose(); // the host went away: an open connection closing is retried without asking
    expect(r.probes()).toBe(0);
    r.timers.advance(60_000);
    r.sockets[1]!.serverClose(); // the new host refuses the old token (401 on the upgrade, invisible to the page)
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(r.probes()).toBe(1);
    expect(r.transport.status).toMatchObject({ state: 'closed', reason: 'restarted' });
    r.timers.advance(600_000);
    expect(r.sockets).toHaveLength(2);
  });

  it('keeps retrying when the host is only down', async () => {
    const r = withProbe('unreachable');
    r.sockets[0]!.serverClose();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(r.transport.status.state).toBe('reconnecting');
    r.timers.advance(60_000);
    expect(r.sockets.length).toBeGreaterThan(1);
  });
});
