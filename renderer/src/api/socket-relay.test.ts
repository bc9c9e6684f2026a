import { describe, expect, it } from 'vitest';
import { FakeSocket } from './fake-relay-socket.ts';
import { MAX_BUFFERED_BYTES, SocketRelay, type FromRelay } from './socket-relay.ts';


function setup() {
  const posted: FromRelay[] = [];
  const sockets: FakeSocket[] = [];
  const relay = new SocketRelay({
    post: (m) => posted.push(m),
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  return { relay, posted, sockets };
}

const frame = (n: number) => new Uint8Array([2, 5, 0, n, 0, 0, 0, 0]).buffer;

describe('SocketRelay (the Worker that holds the web host socket)', () => {
  it('opens a socket, passes text both ways and reports open and close', () => {
    const { relay, posted, sockets } = setup();
    relay.handle({ type: 'open', id: 1, url: 'ws://127.0.0.1:1/api?token=t' });
    const s = sockets[0]!;
    expect(s.binaryType).toBe('arraybuffer');
    s.fire('open');
    relay.handle({ type: 'send', id: 1, data: '{"id":1,"cmd":"app.snapshot"}' });
    s.fire('message', '{"event":"call"}');
    s.close(1000);
    expect(s.sent).toEqual(['{"id":1,"cmd":"app.snapshot"}']);
    expect(posted).toEqual([{ type: 'open', id: 1 }, { type: 'message', id: 1, data: '{"event":"call"}' }, { type: 'close', id: 1 }]);
  });

  it('playback frames go straight to the playback port once it is there, to the page before', () => {
    const { relay, posted, sockets } = setup();
    relay.handle({ type: 'open', id: 1, url: 'ws://x/api' });
    sockets[0]!.fire('open');
    sockets[0]!.fire('message', frame(1));
    const capture = new MessageChannel();
    const playback = new MessageChannel();
    const toWorklet: ArrayBuffer[] = [];
    const playbackPort = { onmessage: null, postMessage: (m: unknown) => toWorklet.push(m as ArrayBuffer), close: () => {} };
    relay.handle({ type: 'audio', capture: capture.port2, playback: playbackPort as unknown as MessagePort });
    sockets[0]!.fire('message', frame(2));
    sockets[0]!.fire('message', 'text');
    expect(posted.filter((m) => m.type === 'message').map((m) => (m.type === 'message' && typeof m.data !== 'string' ? new Uint8Array(m.data)[3] : m.type === 'message' ? m.data : ''))).toEqual([1, 'text']);
    expect(toWorklet.map((b) => new Uint8Array(b)[3])).toEqual([2]);
    capture.port1.close();
  });

  it('capture frames from the capture port go to the open socket; dropped while it is closed or backed up', async () => {
    const { relay, sockets } = setup();
    const capture = new MessageChannel();
    const playback = new MessageChannel();
    relay.handle({ type: 'audio', capture: capture.port2, playback: playback.port2 });
    const deliver = async (n: number) => {
      capture.port1.postMessage(frame(n));
      await new Promise((r) => setTimeout(r, 5));
    };
    await deliver(1); // no socket yet
    relay.handle({ type: 'open', id: 1, url: 'ws://x/api' });
    await deliver(2); // connecting
    sockets[0]!.fire('open');
    await deliver(3);
    sockets[0]!.bufferedAmount = MAX_BUFFERED_BYTES + 1;
    await deliver(4);
    sockets[0]!.bufferedAmount = 0;
    // A reconnect: frames follow the newest socket.
    sockets[0]!.fire('close');
    relay.handle({ type: 'open', id: 2, url: 'ws://x/api' });
    sockets[1]!.fire('open');
    await deliver(5);
    expect(sockets[0]!.sent.map((b) => new Uint8Array(b as ArrayBuffer)[3])).toEqual([3]);
    expect(sockets[1]!.sent.map((b) => new Uint8Array(b as ArrayBuffer)[3])).toEqual([5]);
    expect(relay.dropped).toBe(3);
    capture.port1.close();
    playback.port1.close();
  });

  it('a socket that cannot be created reports a close at once', () => {
    const posted: FromRelay[] = [];
    const relay = new SocketRelay({
      post: (m) => posted.push(m),
      createSocket: () => {
        throw new SyntaxError('bad url');
      },
    });
    relay.handle({ type: 'open', id: 7, url: 'nonsense' });
    expect(posted).toEqual([{ type: 'close', id: 7 }]);
  });
});
