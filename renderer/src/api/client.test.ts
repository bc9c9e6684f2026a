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

  it('asks for the audio port and uses the one the preload posts', async () => {
    const { bridge, requests } = fakeBridge();
    // A stand-in window: jsdom's MessageEvent does not carry Node's MessagePorts.
    let onMessage: ((e: MessageEvent) => void) | undefined;
    const win = { addEventListener: (_: string, l: (e: MessageEvent) => void) => (onMessage = l), removeEventListener: () => {} } as unknown as Window;
    const transport = new BridgeTransport(bridge, win);
    expect(requests()).toBe(1);
    const channel = new MessageChannel();
    onMessage?.({ data: AUDIO_PORT_MESSAGE, source: {}, ports: [channel.port1] } as unknown as MessageEvent); // another window's message: ignored
    transport.sendAudio(Uint8Array.from([5]));
    onMessage?.({ data: AUDIO_PORT_MESSAGE, source: win, ports: [channel.port1] } as unknown as MessageEvent);
    const fromUs = new Promise<ArrayBuffer>((resolve) => {
      channel.port2.onmessage = (e) => resolve(e.data as ArrayBuffer);
    });
    transport.sendAudio(Uint8Array.from([1, 2, 3]));
    expect([...new Uint8Array(await fromUs)]).toEqual([1, 2, 3]);
    const toUs = new Promise<Uint8Array>((resolve) => transport.onAudio(resolve));
    channel.port2.postMessage(Uint8Array.from([9, 8]).buffer);
    expect([...(await toUs)]).toEqual([9, 8]);
    transport.close();
    channel.port2.close();
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
