/**
 * The typed client against the real server, over both the `ws` package and
 * Node's built-in (browser-standard) WebSocket.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebSocket as WsWebSocket } from 'ws';
import { createApiClient, type ApiClient, type WebSocketLike } from '../../../electron/api/api-client.ts';
import { samplesPerFrame, type AudioFrame } from '../../../electron/api/audio-frames.ts';
import type { AudioHook } from '../../../electron/api/ws-server.ts';
import { ringIn } from './fake-phone.ts';
import { startRig } from './ws-helpers.ts';

function opened(socket: WebSocketLike & { addEventListener(type: 'open' | 'error', l: () => void): void }, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('open timed out')), timeoutMs);
    socket.addEventListener('open', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.addEventListener('error', () => {
      clearTimeout(timer);
      reject(new Error('connection failed'));
    });
  });
}

const sockets: [string, (url: string) => WebSocketLike & { addEventListener(type: 'open' | 'error', l: () => void): void }][] = [
  ['ws package', (url) => new WsWebSocket(url) as unknown as WebSocketLike & { addEventListener(type: 'open' | 'error', l: () => void): void }],
  ['built-in WebSocket', (url) => new globalThis.WebSocket(url) as unknown as WebSocketLike & { addEventListener(type: 'open' | 'error', l: () => void): void }],
];

for (const [name, open] of sockets) {
  describe(`api client over the ${name}`, () => {
    test('hello, typed calls, typed failures, events, audio', async () => {
      const captured: AudioFrame[] = [];
      const hook: AudioHook = { onFrame: (f) => void captured.push(f) };
      const rig = await startRig({ audio: hook });
      const socket = open(rig.server.apiUrl);
      const api: ApiClient = createApiClient(socket);
      const hello = new Promise((resolve) => api.onHello(resolve));
      try {
        await opened(socket);
        assert.deepEqual(await hello, { protocol: 1, limits: { maxMessageBytes: 65536, maxInFlight: 64 } });

        const added = await api.call('accounts.add', { aor: 'sip:alice@example.test' });
        assert.ok(added.ok);
        assert.equal(added.result.aor, 'sip:alice@example.test');

        const list = await api.call('accounts.list');
        assert.ok(list.ok);
        assert.equal(list.result.length, 1);

        const missing = await api.call('call.answer', { callId: 'gone' });
        assert.deepEqual(missing, { ok: false, code: 'not-found', message: 'no call gone' });

        const invalid = await api.call('call.dtmf', { callId: 'c1', digits: 'no' });
        assert.equal(!invalid.ok && invalid.code, 'bad-request');

        const incoming = new Promise<string>((resolve) => api.on('call.incoming', (call) => resolve(call.calledAlias)));
        ringIn(rig.phone, rig.bus, 'c9');
        assert.equal(await incoming, 'sip:alice@example.test');

        const playback = new Promise<AudioFrame>((resolve) => api.onAudio(resolve));
        rig.server.sendAudio({ kind: 'playback', sampleRate: 16000, sequence: 3, stream: 0, samples: new Int16Array(samplesPerFrame(16000)).fill(-5) });
        const got = await playback;
        assert.equal(got.sequence, 3);
        assert.equal(got.samples[319], -5);

        api.sendAudio({ kind: 'capture', sampleRate: 48000, sequence: 1, stream: 0, samples: new Int16Array(960).fill(42) });
        for (let i = 0; i < 100 && captured.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
        assert.equal(captured[0]?.samples[0], 42);
      } finally {
        api.close();
        await rig.close();
      }
    });

    test('pending calls are answered unavailable when the connection closes; later calls too', async () => {
      let reached = false;
      const rig = await startRig({}, {
        'calls.list': () => {
          reached = true;
          return new Promise(() => {});
        },
      });
      const socket = open(rig.server.apiUrl);
      const api = createApiClient(socket);
      await opened(socket);
      const hanging = api.call('calls.list');
      for (let i = 0; i < 100 && !reached; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(reached, true);
      assert.equal(api.pending, 1);
      await rig.close();
      const r = await hanging;
      assert.equal(!r.ok && r.code, 'unavailable');
      const after = await api.call('settings.get');
      assert.equal(!after.ok && after.code, 'unavailable');
    });
  });
}

describe('api client timeouts', () => {
  test('a reply that never comes is answered timeout', async () => {
    const rig = await startRig({}, { 'calls.list': () => new Promise(() => {}) });
    const socket = new WsWebSocket(rig.server.apiUrl) as unknown as WebSocketLike & { addEventListener(type: 'open' | 'error', l: () => void): void };
    const api = createApiClient(socket, { timeoutMs: 100 });
    try {
      await opened(socket);
      const r = await api.call('calls.list');
      assert.deepEqual(r, { ok: false, code: 'timeout', message: 'calls.list got no answer within 100 ms' });
      assert.equal(api.pending, 0);
    } finally {
      api.close();
      await rig.close();
    }
  });
});
