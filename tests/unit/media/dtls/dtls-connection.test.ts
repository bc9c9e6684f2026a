/**
 * DTLS 1.2 for DTLS-SRTP on the fake clock: our client against our server
 * (both directions of the key export agree), lost flights retransmitted,
 * the stateless cookie round, a peer that presents someone else's
 * certificate without its key (refused: the signature check), tampered and
 * hostile datagrams (dropped or ended with words, never thrown), and the
 * handshake deadline. Interop with OpenSSL is in dtls-openssl.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DtlsConnection } from '../../../../electron/media/dtls/dtls-connection.ts';
import type { DtlsConnected, DtlsRole } from '../../../../electron/media/dtls/dtls-connection.ts';
import type { DtlsError } from '../../../../electron/media/dtls/dtls-error.ts';
import { createDtlsIdentity } from '../../../../electron/media/dtls/dtls-keys.ts';
import type { DtlsIdentity } from '../../../../electron/media/dtls/dtls-keys.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';

const alice = createDtlsIdentity(new Date('2026-12-01T00:00:00Z'));
const bob = createDtlsIdentity(new Date('2026-12-01T00:00:00Z'));

interface End {
  conn: DtlsConnection;
  connected?: DtlsConnected;
  failed?: DtlsError;
  closed: boolean;
  sent: Buffer[];
}

/** Two connections joined by queues the test delivers by hand (drop, tamper, reorder at will). */
function pair(options: { clock?: FakeClock; clientIdentity?: DtlsIdentity; serverIdentity?: DtlsIdentity; clientProfiles?: number[]; serverProfiles?: number[] } = {}) {
  const clock = options.clock ?? new FakeClock();
  const make = (role: DtlsRole, identity: DtlsIdentity, profiles: number[] | undefined): End => {
    const end: End = { closed: false, sent: [] } as unknown as End;
    end.conn = new DtlsConnection({
      role,
      identity,
      clock,
      send: (d) => end.sent.push(d),
      srtpProfiles: profiles,
      onConnected: (info) => (end.connected = info),
      onFailed: (e) => (end.failed = e),
      onClosed: () => (end.closed = true),
    });
    return end;
  };
  const client = make('client', options.clientIdentity ?? alice, options.clientProfiles);
  const server = make('server', options.serverIdentity ?? bob, options.serverProfiles);
  /** Delivers everything queued, both ways, until quiet (bounded). */
  const pump = (filter: (d: Buffer, to: End) => Buffer | undefined = (d) => d) => {
    for (let round = 0; round < 20; round++) {
      const c = client.sent.splice(0);
      const s = server.sent.splice(0);
      if (c.length === 0 && s.length === 0) return;
      for (const d of c) {
        const x = filter(d, server);
        if (x) server.conn.receive(x, '127.0.0.1:5000');
      }
      for (const d of s) {
        const x = filter(d, client);
        if (x) client.conn.receive(x, '127.0.0.1:6000');
      }
    }
  };
  return { clock, client, server, pump };
}

describe('DtlsConnection: our client and our server', () => {
  it('completes with a cookie round, mutual certificates and the same SRTP keys crosswise', () => {
    const { client, server, pump } = pair();
    server.conn.start();
    client.conn.start();
    pump();
    assert.equal(client.conn.state, 'connected');
    assert.equal(server.conn.state, 'connected');
    const c = client.connected!;
    const s = server.connected!;
    assert.equal(c.keys.suite, 'AEAD_AES_256_GCM');
    assert.deepEqual(c.keys.localKey, s.keys.remoteKey);
    assert.deepEqual(c.keys.remoteKey, s.keys.localKey);
    assert.notDeepEqual(c.keys.localKey.masterKey, c.keys.remoteKey.masterKey);
    assert.deepEqual(c.remoteCertificate, bob.certificate);
    assert.deepEqual(s.remoteCertificate, alice.certificate);
    assert.equal(c.group, 29); // X25519 preferred
  });

  it('agrees on the strongest profile both support', () => {
    const { client, server, pump } = pair({ clientProfiles: [0x0002, 0x0001], serverProfiles: [0x0008, 0x0001, 0x0002] });
    server.conn.start();
    client.conn.start();
    pump();
    assert.equal(client.connected?.keys.suite, 'AES_CM_128_HMAC_SHA1_80');
  });

  it('fails in words when no profile is common', () => {
    const { client, server, pump } = pair({ clientProfiles: [0x0002], serverProfiles: [0x0007] });
    server.conn.start();
    client.conn.start();
    pump();
    assert.match(server.failed!.message, /no SRTP protection profile we support/);
    assert.match(client.failed!.message, /refused the secure media connection: no common security parameters/);
  });

  it('retransmits lost flights on the clock and still completes', () => {
    const { clock, client, server, pump } = pair();
    server.conn.start();
    client.conn.start();
    let dropped = 0;
    // Lose the first two datagrams of every kind the server sends: HelloVerifyRequest, then flight 4.
    pump((d, to) => (to === client && dropped++ < 2 ? undefined : d));
    assert.notEqual(client.conn.state, 'connected');
    for (let i = 0; i < 6 && client.conn.state !== 'connected'; i++) {
      clock.advance(8000);
      pump();
    }
    assert.equal(client.conn.state, 'connected');
    assert.equal(server.conn.state, 'connected');
  });

  it('the server repeats its last flight when the client repeats its Finished', () => {
    const { clock, client, server, pump } = pair();
    server.conn.start();
    client.conn.start();
    // Everything but the server's last flight (CCS + Finished) arrives.
    pump((d, to) => (to === client && server.conn.state === 'connected' ? undefined : d));
    assert.equal(server.conn.state, 'connected');
    assert.equal(client.conn.state, 'wait-finished');
    clock.advance(1000);
    pump();
    assert.equal(client.conn.state, 'connected');
    assert.deepEqual(client.connected!.keys.localKey, server.connected!.keys.remoteKey);
  });

  it('gives up at the handshake deadline with words', () => {
    const clock = new FakeClock();
    const { client } = pair({ clock });
    client.conn.start();
    clock.advance(20_000);
    assert.equal(client.conn.state, 'failed');
    assert.match(client.failed!.message, /did not finish within 20 s/);
  });

  it('close() sends close_notify and the peer sees it closed', () => {
    const { client, server, pump } = pair();
    server.conn.start();
    client.conn.start();
    pump();
    client.conn.close();
    pump();
    assert.equal(server.conn.state, 'closed');
    assert.equal(server.closed, true);
  });
});

describe('DtlsConnection: hostile peers', () => {
  it('refuses a server that presents a certificate it does not hold the key of', () => {
    // Mallory replays Bob's public certificate (it matches Bob's SDP fingerprint) but signs with her own key.
    const mallory: DtlsIdentity = { certificate: bob.certificate, privateKey: createDtlsIdentity(new Date()).privateKey };
    const { client, server, pump } = pair({ serverIdentity: mallory });
    server.conn.start();
    client.conn.start();
    pump();
    assert.equal(client.conn.state, 'failed');
    assert.match(client.failed!.message, /does not match its certificate/);
  });

  it('refuses a client that presents a certificate it does not hold the key of', () => {
    const mallory: DtlsIdentity = { certificate: alice.certificate, privateKey: createDtlsIdentity(new Date()).privateKey };
    const { client, server, pump } = pair({ clientIdentity: mallory });
    server.conn.start();
    client.conn.start();
    pump();
    assert.equal(server.conn.state, 'failed');
    assert.match(server.failed!.message, /does not match its certificate/);
  });

  it('drops tampered encrypted records (the Finished) without failing, then completes on retransmission', () => {
    const { clock, client, server, pump } = pair();
    server.conn.start();
    client.conn.start();
    let tampered = 0;
    pump((d, to) => {
      // The client's flight 5 ends with the epoch-1 Finished: flip its last byte once.
      if (to === server && d.length > 300 && tampered === 0 && server.conn.state === 'wait-client-flight') {
        tampered++;
        const x = Buffer.from(d);
        x[x.length - 1]! ^= 0x01;
        return x;
      }
      return d;
    });
    assert.equal(tampered, 1);
    assert.notEqual(server.conn.state, 'failed');
    for (let i = 0; i < 5 && server.conn.state !== 'connected'; i++) {
      clock.advance(2000);
      pump();
    }
    assert.equal(server.conn.state, 'connected');
  });

  it('a forged ClientHello gets only a small cookie request, and garbage is ignored', () => {
    const clock = new FakeClock();
    const sent: Buffer[] = [];
    let failed: DtlsError | undefined;
    const server = new DtlsConnection({ role: 'server', identity: bob, clock, send: (d) => sent.push(d), onConnected: () => {}, onFailed: (e) => (failed = e) });
    server.start();
    const { client } = pair({ clock });
    client.conn.start();
    const hello = client.sent[0]!;
    server.receive(hello, '198.51.100.7:4000');
    assert.equal(sent.length, 1);
    assert.ok(sent[0]!.length < 80, `HelloVerifyRequest is ${sent[0]!.length} bytes`);
    for (const junk of [Buffer.alloc(0), Buffer.from([22]), Buffer.alloc(13, 22), Buffer.from('16fefd0000000000000000ffff', 'hex'), Buffer.alloc(1500, 0x17)]) {
      server.receive(junk, '198.51.100.7:4000');
    }
    assert.equal(failed, undefined);
    assert.equal(server.state, 'listening');
  });

  it('a malformed handshake message ends the association with words, never a throw', () => {
    const clock = new FakeClock();
    let failed: DtlsError | undefined;
    const sent: Buffer[] = [];
    const server = new DtlsConnection({ role: 'server', identity: bob, clock, send: (d) => sent.push(d), onConnected: () => {}, onFailed: (e) => (failed = e) });
    server.start();
    // A record with a handshake header claiming a 5-byte ClientHello of garbage.
    const body = Buffer.from([1, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 5, 0xfe, 0xfd, 1, 2, 3]);
    const record = Buffer.concat([Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, body.length]), body]);
    assert.doesNotThrow(() => server.receive(record, 'x'));
    assert.equal(server.state, 'failed');
    assert.match(failed!.message, /truncated ClientHello/);
    assert.equal(sent.length, 1, 'a fatal alert went out');
  });
});
