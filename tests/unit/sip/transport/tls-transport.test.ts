import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSecureContext, createServer as createTlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createResponse, topVia } from '../../../../electron/sip/message/index.ts';
import type { SipRequest } from '../../../../electron/sip/message/index.ts';
import { TransportError, TransportLayer } from '../../../../electron/sip/transport/index.ts';
import type { Endpoint } from '../../../../electron/sip/transport/index.ts';
import { inboxOf, pki, rawTcpClient, request, until, within } from './helpers.ts';

const serverTls = { key: pki.serverKey, cert: pki.serverCert };

describe('TLS transport with the test CA', () => {
  let server: TransportLayer;
  let v4: Endpoint;
  let v6: Endpoint;
  before(async () => {
    server = new TransportLayer();
    v4 = await server.listen({ protocol: 'tls', address: '127.0.0.1', port: 0, tls: serverTls });
    v6 = await server.listen({ protocol: 'tls', address: '::1', port: 0, tls: serverTls });
  });
  after(async () => {
    await server.close();
  });

  it('round-trips over a verified connection (serverName localhost) and answers on it', async () => {
    const client = new TransportLayer({ tlsClient: { ca: pki.ca } });
    try {
      const sIn = inboxOf(server);
      const cIn = inboxOf(client);
      const req = request('OPTIONS', { uri: 'sips:bob@localhost' });
      const used = await client.send(req, { ...v4, serverName: 'localhost' });
      assert.equal(used.protocol, 'tls');
      assert.equal(topVia(req).transport, 'TLS');
      const got = await sIn.next();
      assert.equal(got.source.protocol, 'tls');
      await server.sendResponse(createResponse(got.message as SipRequest, 200), got);
      const res = await cIn.next();
      assert.equal(res.connectionId, used.connectionId);
      assert.equal(res.message.kind === 'response' && res.message.status, 200);
      // A second request reuses the connection verified for that name.
      const again = await client.send(request('OPTIONS'), { ...v4, serverName: 'localhost' });
      assert.equal(again.connectionId, used.connectionId);
      await sIn.next();
      assert.equal(client.connections().length, 1);
    } finally {
      await client.close();
    }
  });

  it('verifies an IP literal against the IP SANs, over IPv4 and IPv6', async () => {
    const client = new TransportLayer({ tlsClient: { ca: pki.ca } });
    try {
      const sIn = inboxOf(server);
      await client.send(request('OPTIONS'), v4);
      assert.equal((await sIn.next()).source.address, '127.0.0.1');
      await client.send(request('OPTIONS'), v6);
      assert.equal((await sIn.next()).source.address, '::1');
    } finally {
      await client.close();
    }
  });

  it("refuses a certificate from an untrusted CA with code 'tls'", async () => {
    const client = new TransportLayer(); // Node's bundled roots only
    try {
      await assert.rejects(client.send(request('OPTIONS'), { ...v4, serverName: 'localhost' }), (err: Error & { code?: string; systemCode?: string; problem?: string }) => {
        assert.ok(err instanceof TransportError);
        assert.equal(err.name, 'TlsCertificateError');
        assert.equal(err.code, 'tls');
        assert.equal((err as { problem?: string }).problem, 'untrusted');
        assert.equal(err.systemCode, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
        assert.match(err.message, /issued by an authority this computer does not trust/);
        return true;
      });
      assert.equal(client.connections().length, 0);
    } finally {
      await client.close();
    }
  });

  it("refuses a certificate for another name with code 'tls'", async () => {
    const client = new TransportLayer({ tlsClient: { ca: pki.ca } });
    try {
      await assert.rejects(client.send(request('OPTIONS'), { ...v4, serverName: 'sip.wrong.invalid' }), (err: Error & { code?: string; systemCode?: string }) => {
        assert.equal(err.code, 'tls');
        assert.equal(err.systemCode, 'ERR_TLS_CERT_ALTNAME_INVALID');
        return true;
      });
      // The same server under its right name still works: the failure did not poison the pool.
      const ok = await client.send(request('OPTIONS'), { ...v4, serverName: 'localhost' });
      assert.equal(ok.protocol, 'tls');
    } finally {
      await client.close();
    }
  });

  it('sends serverName as SNI, and no SNI for an IP literal (RFC 6066 §3)', async () => {
    const names: Array<string | undefined> = [];
    const ctx = createSecureContext(serverTls);
    const raw = createTlsServer({ ...serverTls, SNICallback: (name, cb) => (names.push(name), cb(null, ctx)) }, (s) => {
      names.push(`conn:${(s as unknown as { servername?: string | false }).servername || ''}`);
      s.on('error', () => {});
      s.resume(); // read, or the socket never sees the peer's close
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const port = (raw.address() as AddressInfo).port;
    const client = new TransportLayer({ tlsClient: { ca: pki.ca } });
    try {
      await client.send(request('OPTIONS'), { protocol: 'tls', address: '127.0.0.1', port, serverName: 'localhost' });
      await client.send(request('OPTIONS'), { protocol: 'tls', address: '127.0.0.1', port });
      assert.equal(client.connections().length, 2, 'a connection verified for a name is not reused for a bare IP');
      // TLS 1.3: the server side finishes its handshake a moment after the client's.
      await until(() => names.length === 3, 3000, 'both handshakes at the server');
      assert.deepEqual(names, ['localhost', 'conn:localhost', 'conn:']);
    } finally {
      await client.close();
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });

  it('close() ends connections still in their handshake instead of waiting for them', async () => {
    const layer = new TransportLayer();
    const ep = await layer.listen({ protocol: 'tls', address: '127.0.0.1', port: 0, tls: serverTls });
    const stalled = await rawTcpClient(ep.port); // TCP only: never says ClientHello
    try {
      await within(layer.close(), 2000, 'close');
      await within(stalled.closed, 2000, 'the stalled client to be dropped');
    } finally {
      stalled.socket.destroy();
    }
  });

  it('does mutual TLS when the listener asks for a client certificate', async () => {
    const mutual = new TransportLayer();
    const client = new TransportLayer({ tlsClient: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } });
    try {
      const ep = await mutual.listen({ protocol: 'tls', address: '127.0.0.1', port: 0, tls: { ...serverTls, ca: pki.ca, requestCert: true } });
      const mIn = inboxOf(mutual);
      await client.send(request('OPTIONS'), { ...ep, serverName: 'localhost' });
      assert.equal((await mIn.next()).source.protocol, 'tls');
    } finally {
      await client.close();
      await mutual.close();
    }
  });
});
