/**
 * Our DTLS 1.2 (media/dtls/) against OpenSSL's `s_server` and `s_client`
 * over loopback UDP, in both roles, with an ECDSA and an RSA peer
 * certificate: the handshake completes with use_srtp, OpenSSL verified our
 * client certificate's signature (it asked for one), and the SRTP keys we
 * export are byte for byte the ones OpenSSL prints for
 * `-keymatexport EXTRACTOR-dtls_srtp` (RFC 5764 §4.2). The handshake time is
 * printed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DtlsConnection } from '../../electron/media/dtls/dtls-connection.ts';
import type { DtlsConnected, DtlsRole } from '../../electron/media/dtls/dtls-connection.ts';
import { createDtlsIdentity } from '../../electron/media/dtls/dtls-keys.ts';
import { systemClock } from '../../electron/common/clock.ts';
import { freePort } from './harness/free-port.ts';
import { makeTempDir, ManagedProcess } from './harness/managed-process.ts';

const tmp = makeTempDir('dtls-openssl');

function keyHex(k: { masterKey: Uint8Array; masterSalt: Uint8Array }): { key: string; salt: string } {
  return { key: Buffer.from(k.masterKey).toString('hex').toUpperCase(), salt: Buffer.from(k.masterSalt).toString('hex').toUpperCase() };
}

async function handshake(role: DtlsRole, cert: 'ec' | 'rsa', profiles: string, length: number): Promise<{ info: DtlsConnected; output: string; ms: number }> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const ours = socket.address().port;
  const theirs = role === 'client' ? await freePort(['udp4']) : 0;
  const common = ['-dtls1_2', '-cert', join(tmp.path, `${cert}.crt`), '-key', join(tmp.path, `${cert}.key`), '-use_srtp', profiles, '-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', String(length)];
  const args = role === 'client'
    ? ['s_server', '-accept', `127.0.0.1:${theirs}`, '-verify', '1', ...common]
    : ['s_client', '-connect', `127.0.0.1:${ours}`, ...common];
  // Its stdin must stay open (s_server and s_client end the connection at EOF): a sleep feeds it, in the same process group.
  const openssl = new ManagedProcess('sh', ['-c', 'sleep 60 | exec openssl "$@"', 'sh', ...args]);
  let peer = { address: '127.0.0.1', port: theirs };
  try {
    if (role === 'client') assert.ok(await openssl.waitForOutput(/ACCEPT/, 5000), openssl.output);
    const t0 = performance.now();
    const info = await new Promise<DtlsConnected>((resolve, reject) => {
      const conn = new DtlsConnection({
        role,
        identity: createDtlsIdentity(new Date()),
        clock: systemClock,
        send: (d) => socket.send(d, peer.port, peer.address),
        onConnected: resolve,
        onFailed: (e) => reject(new Error(`${e.message}\n${openssl.output}`)),
      });
      socket.on('message', (m, r) => {
        peer = { address: r.address, port: r.port };
        conn.receive(m, `${r.address}:${r.port}`);
      });
      conn.start();
    });
    const ms = performance.now() - t0;
    assert.ok(await openssl.waitForOutput(/Keying material: [0-9A-F]+/, 5000), openssl.output);
    return { info, output: openssl.output, ms };
  } finally {
    socket.close();
    await openssl.stop();
  }
}

describe('DTLS-SRTP handshake against OpenSSL', () => {
  before(() => {
    for (const [name, alg] of [['ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1']], ['rsa', ['-newkey', 'rsa:2048']]] as const) {
      execFileSync('openssl', ['req', '-x509', ...alg, '-nodes', '-keyout', join(tmp.path, `${name}.key`), '-out', join(tmp.path, `${name}.crt`), '-days', '2', '-subj', `/CN=${name}-peer`], { stdio: 'ignore' });
    }
  });

  after(() => tmp.remove());

  const cases = [
    { role: 'client', cert: 'ec', profiles: 'SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80', suite: 'AEAD_AES_128_GCM', key: 16, salt: 12 },
    { role: 'client', cert: 'rsa', profiles: 'SRTP_AES128_CM_SHA1_80', suite: 'AES_CM_128_HMAC_SHA1_80', key: 16, salt: 14 },
    { role: 'server', cert: 'ec', profiles: 'SRTP_AES128_CM_SHA1_32:SRTP_AEAD_AES_256_GCM', suite: 'AEAD_AES_256_GCM', key: 32, salt: 12 },
    { role: 'server', cert: 'rsa', profiles: 'SRTP_AES128_CM_SHA1_80', suite: 'AES_CM_128_HMAC_SHA1_80', key: 16, salt: 14 },
  ] as const;
  for (const c of cases) {
    it(`we are the ${c.role}, OpenSSL has an ${c.cert.toUpperCase()} certificate: ${c.suite}, keys equal to OpenSSL's export`, { timeout: 30_000 }, async () => {
      const { info, output, ms } = await handshake(c.role, c.cert, c.profiles, 2 * (c.key + c.salt));
      process.stdout.write(`# we as ${c.role} vs openssl (${c.cert}): ${ms.toFixed(1)} ms, ${info.keys.suite}, cipher suite 0x${info.cipherSuite.toString(16)}, group ${info.group}\n`);
      assert.equal(info.keys.suite, c.suite);
      assert.match(output, /Extended master secret: yes|SRTP Extension negotiated/);
      const exported = /Keying material: ([0-9A-F]+)/.exec(output)![1]!;
      const k = 2 * c.key;
      const [clientKey, serverKey, clientSalt, serverSalt] = [exported.slice(0, k), exported.slice(k, 2 * k), exported.slice(2 * k, 2 * k + 2 * c.salt), exported.slice(2 * k + 2 * c.salt)];
      const local = keyHex(info.keys.localKey);
      const remote = keyHex(info.keys.remoteKey);
      const mine = c.role === 'client' ? { key: clientKey, salt: clientSalt } : { key: serverKey, salt: serverSalt };
      const theirs = c.role === 'client' ? { key: serverKey, salt: serverSalt } : { key: clientKey, salt: clientSalt };
      assert.deepEqual(local, mine);
      assert.deepEqual(remote, theirs);
      if (c.role === 'client') assert.match(output, /CN ?= ?Parley DTLS-SRTP/, 'OpenSSL saw our client certificate');
    });
  }
});
