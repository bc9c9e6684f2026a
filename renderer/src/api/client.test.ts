import { describe, expect, it } from 'vitest';
import { FakeTransport } from '../test-support/fake-transport.ts';
import { encodeFrame } from './audio-frame-codec.ts';
import { AUDIO_PORT_MESSAGE, type ParleyBridge } from './bridge.ts';
import { BridgeTransport } from './bridge-transport.ts';
import { ApiClient, apiUrlFor, createClient, readToken } from './client.ts';
import type { ApiEvent, AudioFrame } from './types.ts';

describe('token and URL', () => {
  it('reads the token from the fragment first, then the query', () => {
    expect(readToken({ hash: '#token=abc', search: '' })).toBe('abc');
    expect(readToken({ hash: '#view=x&token=def', search: '?token=zzz' })).toBe('def');
    expect(readToken({ hash: '', search: '?token=q1' })).toBe('q1');
    expect(readToken({ hash: '#token=', search: '' })).toBeUndefined();
    expect(readToken({ hash: '', search: '' })).toBeUndefined();
  });
  it('builds the API URL on the page’s own host', () => {
    expect(apiUrlFor({ protocol: 'http:', host: '127.0.0.1:8123' }, 'a b')).toBe('ws://127.0.0.1:8123/api?token=a%20b');
    expect(apiUrlFor({ protocol: 'https:', host: 'x:1' }, 't')).toBe('wss://x:1/api?token=t');
  });
});

describe('ApiClient', () => {
  it('sends commands with their params and returns the result', async () => {
    const t = new FakeTransport().handle('call.dial', (p: unknown) => ({ ok: true, result: { echoed: p } }));
    const client = new ApiClient(t);
    const r = await client.call('call.dial', { target: 'alice' });
    expect(r).toEqual({ ok: true, result: { echoed: { target: 'alice' } } });
    expect(t.requests).toEqual([{ cmd: 'call.dial', params: { target: 'alice' } }]);
  });

  it('filters events by name', () => {
    const t = new FakeTransport();
    const client = new ApiClient(t);
    const calls: unknown[] = [];
    const off = client.on('call', (c) => calls.push(c.id));
    t.emit({ event: 'registration', data: { accountId: 'a', state: 'registered', otherBindings: [] } });
    t.emit({ event: 'call', data: { id: 'c1' } } as unknown as ApiEvent);
    off();
    t.emit({ event: 'call', data: { id: 'c2' } } as unknown as ApiEvent);
    expect(calls).toEqual(['c1']);
  });

  it('encodes capture frames and delivers only valid playback frames', () => {
    const t = new FakeTransport();
    const client = new ApiClient(t);
    const frame: AudioFrame = { kind: 'capture', sampleRate: 8000, sequence: 3, stream: 0, samples: new Int16Array(160).fill(7) };
    client.sendAudio(frame);
    expect(t.sentAudio[0]).toEqual(encodeFrame(frame));
    const got: AudioFrame[] = [];
    client.onAudio((f) => got.push(f));
    t.pushAudio(encodeFrame({ ...frame, kind: 'playback', sequence: 4 }));
    t.pushAudio(encodeFrame(frame)); // a capture frame is not for us
    t.pushAudio(new Uint8Array([2, 0, 0]));
    expect(got.map((f) => f.sequence)).toEqual([4]);
  });
});

describe('BridgeTransport (Electron preload)', () => {
  function fakeBridge() {
    const listeners: Array<(e: ApiEvent) => void> = [];
    let portRequests = 0;
    const bridge: ParleyBridge = {
      version: 1,
      invoke: async (cmd, params) => ({ ok: true, result: { cmd, params } }) as never,
      onEvent: (l) => {
        listeners.push(l);
        return () => listeners.splice(listeners.indexOf(l), 1);
      },
      requestAudioPort: () => void portRequests++,
    };
    return { bridge, listeners, requests: () => portRequests };
  }

  it('invokes commands and relays events', async () => {
    const { bridge, listeners } = fakeBridge();
    const client = new ApiClient(new BridgeTransport(bridge, window));
    expect(await client.call('settings.get')).toEqual({ ok: true, result: { cmd: 'settings.get', params: undefined } });
    const seen: string[] = [];
    client.on('settings', (s) => seen.push(s.theme));
    listeners.forEach((l) => l({ event: 'settings', data: { theme: 'dark' } } as unknown as ApiEvent));
    expect(seen).toEqual(['dark']);
    expect(client.status.state).toBe('open');
  });

  it('turns a throwing bridge into a failure result', async () => {
    const { bridge } = fakeBridge();
    bridge.invoke = async () => {
      throw new Error('ipc broke');
    };
    const r = await new BridgeTransport(bridge, window).request('app.snapshot', undefined);
    expect(r).toEqual({ ok: false, code: 'internal', message: 'ipc broke' });
  });

  /** The transport with a stand-in window (jsdom's MessageEvent does not carry Node's MessagePorts) and main's ends of a posted pair. */
  function bridged() {
    const fake = fakeBridge();
    let onMessage: ((e: MessageEvent) => void) | undefined;
    const win = { addEventListener: (_: string, l: (e: MessageEvent) => void) => (onMessage = l), removeEventListener: () => {} } as unknown as Window;
    const transport = new BridgeTransport(fake.bridge, win);
    /** What the preload does with the pair main posted; returns main's ends. */
    const post = (source: unknown = win) => {
      const capture = new MessageChannel();
      const playback = new MessageChannel();
      onMessage?.({ data: AUDIO_PORT_MESSAGE, source, ports: [capture.port1, playback.port1] } as unknown as MessageEvent);
      return { capture: capture.port2, playback: playback.port2 };
    };
    return { ...fake, transport, post };
  }
  const next = (port: MessagePort) => new Promise<unknown>((resolve) => (port.onmessage = (e) => resolve(e.data)));

  it('asks for the audio ports and uses the pair the preload posts', async () => {
    const { transport, requests, post } = bridged();
    expect(requests()).toBe(1);
    const stranger = post({}); // another window's message: ignored
    transport.sendAudio(Uint8Array.from([5]));
    expect(transport.audioPorts()).toBeUndefined();
    const main = post();
    const fromUs = next(main.capture);
    transport.sendAudio(Uint8Array.from([1, 2, 3]));
    expect([...new Uint8Array((await fromUs) as ArrayBuffer)]).toEqual([1, 2, 3]);
    const toUs = new Promise<Uint8Array>((resolve) => transport.onAudio(resolve));
    main.playback.postMessage(Uint8Array.from([9, 8]).buffer);
    expect([...(await toUs)]).toEqual([9, 8]);
    transport.close();
    for (const p of [main.capture, main.playback, stranger.capture, stranger.playback]) p.close();
  });

  it('hands main\'s pair to the worklets, off the page, and asks for a fresh one when they let go', async () => {
    const { transport, requests, post } = bridged();
    const main = post();
    const heard: Uint8Array[] = [];
    transport.onAudio((f) => heard.push(f));
    const worklets = transport.audioPorts();
    expect(worklets).toBeDefined();
    expect(transport.audioPorts()).toBeUndefined(); // one pair, one holder
    // Capture: what the worklet posts reaches main; the page's own sendAudio has no port meanwhile.
    transport.sendAudio(Uint8Array.from([7]));
    const captured = next(main.capture);
    worklets!.capture.postMessage(Uint8Array.from([1, 1]).buffer);
    expect([...new Uint8Array((await captured) as ArrayBuffer)]).toEqual([1, 1]);
    // Playback: main's frames reach the worklet's port, not the page's listeners.
    const played = next(worklets!.playback);
    main.playback.postMessage(Uint8Array.from([2, 2]).buffer);
    expect([...new Uint8Array((await played) as ArrayBuffer)]).toEqual([2, 2]);
    expect(heard).toEqual([]);
    expect(requests()).toBe(1);
    transport.disconnectAudio();
    expect(requests()).toBe(2);
    const fresh = post();
    const toPage = new Promise<Uint8Array>((resolve) => transport.onAudio(resolve));
    fresh.playback.postMessage(Uint8Array.from([3]).buffer);
    expect([...(await toPage)]).toEqual([3]);
    transport.close();
    for (const p of [main.capture, main.playback, fresh.capture, fresh.playback, worklets!.capture, worklets!.playback]) p.close();
  });
});

describe('createClient', () => {
  it('prefers the Electron bridge', () => {
    const win = Object.assign(Object.create(window), { parley: { version: 1, invoke: async () => ({ ok: true, result: null }), onEvent: () => () => {}, requestAudioPort: () => {} } });
    win.addEventListener = () => {};
    const choice = createClient(win as Window);
    expect(choice.ok && choice.client.transport.kind).toBe('bridge');
  });

  it('explains a missing token instead of connecting', () => {
    const win = { location: { protocol: 'http:', host: '127.0.0.1:1', hash: '', search: '', href: 'http://127.0.0.1:1/' }, sessionStorage: { getItem: () => null } } as unknown as Window;
    const choice = createClient(win);
    expect(choice.ok).toBe(false);
    expect(!choice.ok && choice.reason).toMatch(/no access token/);
  });
});
