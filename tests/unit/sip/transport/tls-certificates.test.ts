/**
 * Certificate decisions on real TLS handshakes over loopback (issue "Secure
 * calls" §1, §5): a CA made here with openssl, servers presenting good,
 * expired, wrongly named and unknown certificates; each refusal is checked
 * for its words. Plus RFC 5922 name matching and our self-signed certificate.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext, createServer as createTlsServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { TransportLayer, TlsTrust, checkSipIdentity, createSelfSignedCertificate } from '../../../../electron/sip/transport/index.ts';
import type { TlsCertificateError } from '../../../../electron/sip/transport/index.ts';
import { TestPki, type Leaf } from '../../../helpers/test-pki.ts';
import { request } from './helpers.ts';

async function serve(leaf: { cert: string; key: string }): Promise<{ server: Server; port: number }> {
  const server = createTlsServer({ cert: leaf.cert, key: leaf.key }, (s) => {
    s.on('error', () => {});
    s.resume();
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function refusal(trust: TlsTrust, port: number, serverName: string): Promise<TlsCertificateError> {
  const client = new TransportLayer({ tlsClient: { trust } });
  try {
    await client.send(request('OPTIONS'), { protocol: 'tls', address: '127.0.0.1', port, serverName });
  } catch (e) {
    assert.equal(client.tlsFailure(serverName), e, 'the layer remembers why, for the UI');
    return e as TlsCertificateError;
  } finally {
    await client.close();
  }
  throw new Error('the connection was accepted');
}

describe('TLS certificate decisions (openssl-made CA, real handshakes)', () => {
  let pki: TestPki;
  let other: TestPki;
  let good: Leaf;
  const servers: Server[] = [];
  before(() => {
    pki = TestPki.create();
    other = TestPki.create('Some Other CA');
    good = pki.leaf({ commonName: 'sip.example.test', altNames: ['DNS:sip.example.test', 'URI:sip:example.test'] });
  });
  after(async () => {
    for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
    pki.remove();
    other.remove();
  });
  const start = async (leaf: { cert: string; key: string }) => {
    const s = await serve(leaf);
    servers.push(s.server);
    return s.port;
  };

  it('accepts the SIP domain named by a sip: URI SAN, and the dNSName, under the test CA', async () => {
    const port = await start(good);
    const trust = new TlsTrust({ extraCa: [pki.ca], onlyExtraCa: true });
    const client = new TransportLayer({ tlsClient: { trust } });
    try {
      for (const name of ['example.test', 'SIP.Example.Test']) {
        const used = await client.send(request('OPTIONS'), { protocol: 'tls', address: '127.0.0.1', port, serverName: name });
        assert.equal(used.protocol, 'tls');
      }
    } finally {
      await client.close();
    }
  });

  it('untrusted CA: "issued by an authority this computer does not trust (…)"', async () => {
    const port = await start(other.leaf({ commonName: 'sip.example.test', altNames: ['DNS:sip.example.test'] }));
    const err = await refusal(new TlsTrust({ extraCa: [pki.ca], onlyExtraCa: true }), port, 'sip.example.test');
    assert.equal(err.problem, 'untrusted');
    assert.match(err.message, /issued by an authority this computer does not trust \(CN=Some Other CA\)/);
    assert.equal(err.certificate?.issuer, 'CN=Some Other CA');
    assert.match(err.certificate?.fingerprint256 ?? '', /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('the system store alone does not trust a private CA', async () => {
    const port = await start(good);
    const err = await refusal(new TlsTrust(), port, 'sip.example.test');
    assert.equal(err.problem, 'untrusted');
  });

  it('an account CA file added for one server name is trusted for it only', async () => {
    const port = await start(good);
    const trust = new TlsTrust();
    trust.setServer('sip.example.test', { ca: [pki.ca] });
    const client = new TransportLayer({ tlsClient: { trust } });
    try {
      await client.send(request('OPTIONS'), { protocol: 'tls', address: '127.0.0.1', port, serverName: 'sip.example.test' });
    } finally {
      await client.close();
    }
    const err = await refusal(trust, port, 'example.test'); // same certificate names it, but no CA trusted for this name
    assert.equal(err.problem, 'untrusted');
  });

  it('every-server settings (a phone with no servers of its own) hold for any name without its own; a name\'s own settings win', async () => {
    const port = await start(good);
    const trust = new TlsTrust({ onlyExtraCa: true });
    trust.setEveryServer({ ca: [pki.ca] });
    const client = new TransportLayer({ tlsClient: { trust } });
    try {
      await client.send(request('OPTIONS'), { protocol: 'tls', address: '127.0.0.1', port, serverName: 'sip.example.test' });
    } finally {
      await client.close();
    }
    trust.setServer('sip.example.test', { pins: ['AB:'.repeat(31) + 'AB'] });
    assert.equal((await refusal(trust, port, 'sip.example.test')).problem, 'pin-mismatch');
    trust.setServer('sip.example.test', undefined);
    trust.setEveryServer(undefined);
    assert.equal((await refusal(trust, port, 'sip.example.test')).problem, 'untrusted');
  });

  it('wrong host name: "the server\'s certificate is for …, not …"', async () => {
    const port = await start(good);
    const err = await refusal(new TlsTrust({ extraCa: [pki.ca], onlyExtraCa: true }), port, 'sip.other.test');
    assert.equal(err.problem, 'wrong-host');
    assert.equal(err.message, "the server's certificate is for sip.example.test, example.test, not sip.other.test");
  });

  it('expired: "the server\'s certificate expired on <date>"', async () => {
    const port = await start(pki.leaf({ commonName: 'sip.example.test', altNames: ['DNS:sip.example.test'], startDate: '20200101000000Z', endDate: '20210101000000Z' }));
    const err = await refusal(new TlsTrust({ extraCa: [pki.ca], onlyExtraCa: true }), port, 'sip.example.test');
    assert.equal(err.problem, 'expired');
    assert.equal(err.message, "the server's certificate expired on 2021-01-01");
  });

  it('pinned fingerprint: only that certificate passes, whatever its CA; a mismatch names both', async () => {
    const selfSigned = createSelfSignedCertificate({ commonName: 'pbx', dnsNames: ['pbx.lan'], notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + 86400_000) });
    const port = await start(selfSigned);
    const trust = new TlsTrust();
    trust.setServer('127.0.0.1', { pins: [selfSigned.fingerprint256.replace(/:/g, '').toLowerCase()] });
    const client = new TransportLayer({ tlsClient: { trust } });
    try {
      await client.send(request('OPTIONS'), { protocol: 'tls', address: '127.0.0.1', port });
    } finally {
      await client.close();
    }
    trust.setServer('127.0.0.1', { pins: [good.fingerprint256] });
    const err = await refusal(trust, port, '127.0.0.1');
    assert.equal(err.problem, 'pin-mismatch');
    assert.match(err.message, /is not the one trusted for this account/);
    assert.equal(err.certificate?.fingerprint256, selfSigned.fingerprint256);
    assert.equal(err.certificate?.selfSigned, true);
  });

  it('TLS 1.2 and 1.3 servers are both spoken to; TLS 1.1 is refused', async () => {
    const trust = new TlsTrust({ extraCa: [pki.ca], onlyExtraCa: true });
    for (const [min, max, ok] of [['TLSv1.2', 'TLSv1.2', true], ['TLSv1.3', 'TLSv1.3', true], ['TLSv1', 'TLSv1.1', false]] as const) {
      const server = createTlsServer({ cert: good.cert, key: good.key, minVersion: min, maxVersion: max, ...(ok ? {} : { ciphers: 'DEFAULT@SECLEVEL=0' }) }, (s) => {
        s.on('error', () => {});
        s.resume();
      });
      server.on('tlsClientError', () => {});
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      const client = new TransportLayer({ tlsClient: { trust } });
      try {
        const sent = client.send(request('OPTIONS'), { protocol: 'tls', address: '127.0.0.1', port: (server.address() as AddressInfo).port, serverName: 'sip.example.test' });
        if (ok) await sent;
        else await assert.rejects(sent, (e: Error & { code?: string }) => e.code === 'tls');
      } finally {
        await client.close();
      }
    }
  });
});

describe('RFC 5922 §7 identity matching', () => {
  it('sip: URIs without a user part and dNSNames are identities; CN only without any SAN', () => {
    const cert = { subjectaltname: 'URI:sip:example.com, URI:sip:alice@other.com, URI:sips:third.com, DNS:sip.example.com', commonName: 'cn.example.com' };
    assert.equal(checkSipIdentity('example.com', cert), undefined);
    assert.equal(checkSipIdentity('sip.example.com', cert), undefined);
    assert.match(checkSipIdentity('other.com', cert) ?? '', /not other\.com/);
    assert.match(checkSipIdentity('third.com', cert) ?? '', /not third\.com/);
    assert.match(checkSipIdentity('cn.example.com', cert) ?? '', /not cn\.example\.com/);
    assert.equal(checkSipIdentity('cn.example.com', { commonName: 'cn.example.com' }), undefined);
  });

  it('no wildcards and no suffix matches; IP literals match iPAddress entries only', () => {
    const cert = { subjectaltname: 'DNS:*.example.com, DNS:example.com, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1' };
    assert.match(checkSipIdentity('sip.example.com', cert) ?? '', /not sip\.example\.com/);
    assert.match(checkSipIdentity('badexample.com', cert) ?? '', /not badexample\.com/);
    assert.equal(checkSipIdentity('127.0.0.1', cert), undefined);
    assert.equal(checkSipIdentity('::1', cert), undefined);
    assert.equal(checkSipIdentity('[::1]', cert), undefined);
    assert.match(checkSipIdentity('127.0.0.2', cert) ?? '', /not 127\.0\.0\.2/);
  });

  it('quoted SAN values (Node quotes those with ", ") do not split into false names', () => {
    assert.match(checkSipIdentity('b.test', { subjectaltname: 'DNS:"a.test, DNS:b.test"' }) ?? '', /not b\.test/);
  });
});

describe('self-signed certificate (ECDSA P-256, DER written by hand)', () => {
  it('parses in Node and openssl, verifies with its own key, carries the names asked for', () => {
    const t0 = performance.now();
    const c = createSelfSignedCertificate({ commonName: 'Parley on test', dnsNames: ['parley.test'], ipAddresses: ['127.0.0.1', '::1'], uris: ['sip:parley.test'], notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2056-01-01T00:00:00Z') });
    const ms = performance.now() - t0;
    const x = new X509Certificate(c.cert);
    assert.equal(x.subject, 'CN=Parley on test');
    assert.equal(x.issuer, 'CN=Parley on test');
    assert.ok(x.verify(x.publicKey));
    assert.equal(x.checkHost('parley.test'), 'parley.test');
    assert.equal(x.checkIP('::1'), '::1');
    assert.equal(x.fingerprint256, c.fingerprint256);
    assert.equal(new Date(x.validTo).toISOString(), '2056-01-01T00:00:00.000Z', 'GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)');
    const dir = TestPki.create();
    try {
      const file = join(dir.dir, 'self.pem');
      writeFileSync(file, c.cert);
      const text = execFileSync('openssl', ['x509', '-in', file, '-noout', '-text'], { encoding: 'utf8' });
      assert.match(text, /CA:FALSE/);
      assert.match(text, /DNS:parley\.test, URI:sip:parley\.test, IP Address:127\.0\.0\.1/);
    } finally {
      dir.remove();
    }
    process.stdout.write(`# self-signed certificate generated in ${ms.toFixed(1)} ms\n`);
  });

  it('every certificate made is valid DER: 1,500 in a row load into OpenSSL (a minimal serial INTEGER, X.690 §8.3.2)', () => {
    // A serial starting 0x00 0x0X is "illegal padding" to OpenSSL: 1 certificate in ≈ 512 failed that way once.
    for (let i = 0; i < 1500; i++) {
      const c = createSelfSignedCertificate({ commonName: 'x', dnsNames: ['a.test'], notBefore: new Date(0), notAfter: new Date(2e12) });
      createSecureContext({ cert: c.cert, key: c.key });
    }
  });
});
