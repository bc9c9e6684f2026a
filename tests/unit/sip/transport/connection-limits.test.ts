/**
 * TCP connection abuse on real loopback sockets: one address cannot hold
 * every connection slot, strangers never get the slots kept for the peers we
 * talk to (the registrar's flow), and a peer trickling a message (slowloris)
 * or opening a connection to send nothing is closed after the message
 * deadline, not after the 120 s idle timeout.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { TransportLayer } from '../../../../electron/sip/transport/index.ts';
import type { ConnectionClosedEvent } from '../../../../electron/sip/transport/index.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { delay, Inbox, inboxOf, pki, rawTcpServer, request, requestText, until, within } from './helpers.ts';

/** Opens a TCP connection from `localAddress`; resolves with the socket and a flag telling whether the server reset it. */
async function open(port: number, localAddress = '127.0.0.1'): Promise<{ socket: Socket; closed: () => boolean }> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  let closed = false;
  socket.on('error', () => {});
  socket.once('close', () => (closed = true));
  // A connection the server resets at once may close before 'connect' is seen.
  await within(new Promise<void>((resolve) => (socket.once('connect', () => resolve()), socket.once('close', () => resolve()))), 3000, 'connect');
  return { socket, closed: () => closed };
}

/** Waits until the server side has settled (accepted or reset every pending connection). */
async function settle(): Promise<void> {
  await delay(150);
}

describe('TCP connection limits (issue finding 9)', () => {
  it('one address holds at most maxConnectionsPerSource connections; another address is still served', async () => {
    const layer = new TransportLayer({ maxConnectionsPerSource: 16 });
    const sockets: Socket[] = [];
    try {
      const local = await layer.listen({ protocol: 'tcp', address: '127.0.0.1', port: 0 });
      const opened = [];
      for (let i = 0; i < 40; i++) opened.push(await open(local.port));
      sockets.push(...opened.map((o) => o.socket));
      await settle();
      const alive = opened.filter((o) => !o.closed()).length;
      assert.equal(alive, 16, `connections from one address still open: ${alive} of 40`);

      const inbox = inboxOf(layer);
      const other = await open(local.port, '127.0.0.2');
      sockets.push(other.socket);
      other.socket.write(requestText('OPTIONS', { via: 'SIP/2.0/TCP 127.0.0.2;branch=z9hG4bKother', callId: 'other-source' }));
      const got = await inbox.next((m) => m.message.headers.get('Call-ID') === 'other-source');
      assert.equal(got.source.address, '127.0.0.2');
    } finally {
      for (const s of sockets) s.destroy();
      await layer.close();
    }
  });

  it('TLS: the per-source limit applies before the handshake (raw TCP connections that never start one)', async () => {
    const layer = new TransportLayer({ maxConnectionsPerSource: 16 });
    const sockets: Socket[] = [];
    try {
      const local = await layer.listen({ protocol: 'tls', address: '127.0.0.1', port: 0, tls: { key: pki.serverKey, cert: pki.serverCert } });
      const opened = [];
      for (let i = 0; i < 30; i++) opened.push(await open(local.port));
      sockets.push(...opened.map((o) => o.socket));
      await settle();
      const alive = opened.filter((o) => !o.closed()).length;
      assert.equal(alive, 16, `half-open TLS connections from one address: ${alive} of 30`);
    } finally {
      for (const s of sockets) s.destroy();
      await layer.close();
    }
  });

  it('strangers never take the reserved slots: the registrar can still connect to us', async () => {
    const max = 48;
    const layer = new TransportLayer({ maxIncomingConnections: max, maxConnectionsPerSource: 8, reservedConnections: 16 });
    const registrar = await rawTcpServer();
    const sockets: Socket[] = [];
    try {
      const local = await layer.listen({ protocol: 'tcp', address: '127.0.0.1', port: 0 });
      // Our registration flow: a connection we opened to the registrar at 127.0.0.1.
      await layer.send(request('REGISTER', { via: 'SIP/2.0/TCP placeholder.invalid;branch=z9hG4bKreg' }), { protocol: 'tcp', address: '127.0.0.1', port: registrar.port });
      // Strangers from 127.0.0.2 … 127.0.0.9, eight connections each: 64 attempts.
      const strangers = [];
      for (let host = 2; host <= 9; host++) for (let i = 0; i < 8; i++) strangers.push(await open(local.port, `127.0.0.${host}`));
      sockets.push(...strangers.map((o) => o.socket));
      await settle();
      const held = strangers.filter((o) => !o.closed()).length;
      assert.equal(held, max - 16, `strangers hold ${held} connections`);

      // The registrar (a peer we hold a connection to) opens a new one to deliver a call: admitted.
      const inbox = inboxOf(layer);
      const fromRegistrar = await open(local.port, '127.0.0.1');
      sockets.push(fromRegistrar.socket);
      fromRegistrar.socket.write(requestText('INVITE', { via: 'SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKinv', callId: 'from-registrar' }));
      const got = await inbox.next((m) => m.message.headers.get('Call-ID') === 'from-registrar');
      assert.equal(got.message.kind, 'request');
      assert.equal(fromRegistrar.closed(), false);
    } finally {
      for (const s of sockets) s.destroy();
      await layer.close();
      await registrar.close();
    }
  });
});

describe('TCP message deadline (slowloris, issue finding 9)', () => {
  async function server() {
    const clock = new FakeClock();
    const layer = new TransportLayer({ clock, idleTimeoutMs: 120_000 });
    const closed = new Inbox<ConnectionClosedEvent>();
    layer.onConnectionClosed(closed.push);
    const local = await layer.listen({ protocol: 'tcp', address: '127.0.0.1', port: 0 });
    return { clock, layer, closed, local };
  }

  it('a head trickled a byte at a time is closed 10 s after its first byte, not 120 s', async () => {
    const { clock, layer, closed, local } = await server();
    const peer = await open(local.port);
    try {
      await until(() => layer.connections().length === 1, 3000, 'accepted');
      const text = requestText('OPTIONS');
      for (let i = 0; i < 9; i++) {
        peer.socket.write(text[i]!);
        await delay(20);
        clock.advance(1_000);
      }
      assert.equal(layer.connections().length, 1, 'open 9 s into the message');
      peer.socket.write(text[9]!);
      await delay(20);
      clock.advance(1_000);
      const ev = await closed.next(() => true, 3000, 'the close');
      assert.equal(ev.reason, 'incomplete');
      await until(() => peer.closed(), 3000, 'the peer to see it');
    } finally {
      peer.socket.destroy();
      await layer.close();
    }
  });

  it('a connection opened to send nothing is closed after 10 s; CRLF keep-alives do not keep it', async () => {
    const { clock, layer, closed, local } = await server();
    const peer = await open(local.port);
    try {
      await until(() => layer.connections().length === 1, 3000, 'accepted');
      peer.socket.write('\r\n\r\n');
      await delay(20);
      clock.advance(9_999);
      assert.equal(layer.connections().length, 1);
      clock.advance(1);
      const ev = await closed.next(() => true, 3000, 'the close');
      assert.equal(ev.reason, 'incomplete');
    } finally {
      peer.socket.destroy();
      await layer.close();
    }
  });

  it('whole messages, and a body arriving after its head, keep the connection; then idle close at 120 s', async () => {
    const { clock, layer, closed, local } = await server();
    const peer = await open(local.port);
    const inbox = inboxOf(layer);
    try {
      peer.socket.write(requestText('OPTIONS', { callId: 'whole' }));
      await inbox.next((m) => m.message.headers.get('Call-ID') === 'whole', 3000, 'the whole message');
      clock.advance(60_000);
      assert.equal(layer.connections().length, 1, 'a connection that sent a whole message is not "incomplete"');
      // Head at once, body 15 s later: the head was in time, the body gets as long again.
      const text = requestText('MESSAGE', { callId: 'slow-body', body: 'hello there', extra: ['Content-Type: text/plain'] });
      const cut = text.indexOf('\r\n\r\n') + 4;
      peer.socket.write(text.slice(0, cut));
      await delay(30);
      clock.advance(15_000);
      peer.socket.write(text.slice(cut));
      await inbox.next((m) => m.message.headers.get('Call-ID') === 'slow-body', 3000, 'the message with a late body');
      assert.equal(layer.connections().length, 1);
      clock.advance(119_999);
      assert.equal(layer.connections().length, 1);
      clock.advance(1);
      const ev = await closed.next(() => true, 3000, 'idle close');
      assert.equal(ev.reason, 'idle');
    } finally {
      peer.socket.destroy();
      await layer.close();
    }
  });
});
