/**
 * Starting and stopping the engine: a busy SIP port falls back to a free one,
 * UDP and TCP share the port number, a damaged database refuses to start
 * (StoreError, for the host's dialog) without touching the file, and close()
 * is idempotent and frees the port; node:tls and the TLS listener's
 * certificate wait for the first TLS client.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createPhoneEngine } from '../../../../electron/phone/engine.ts';
import { MemorySecretStore } from '../../../../electron/phone/store/secret-store.ts';
import { isStoreError } from '../../../../electron/phone/store/store-error.ts';
import { removeTempDirs, tempDir } from '../temp-dir.ts';

after(removeTempDirs);

test('a busy port falls back to a free one; TCP listens on the UDP port; close frees it', async () => {
  const squatter = createSocket('udp4');
  await new Promise<void>((r) => squatter.bind(0, '127.0.0.1', r));
  const busy = squatter.address().port;
  try {
    const engine = await createPhoneEngine({ dataDir: tempDir(), secrets: new MemorySecretStore(), sip: { bind: [{ host: '127.0.0.1', port: busy }], transports: ['udp', 'tcp'] } });
    const [direct] = await engine.api['accounts.list']({}, { host: 'test', client: 't' });
    const port = Number(/:(\d+)$/.exec(direct!.aor)![1]);
    assert.notEqual(port, busy);
    // TCP got the same number as UDP: connecting to it succeeds.
    const { createConnection } = await import('node:net');
    await new Promise<void>((resolve, reject) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve();
      });
      s.on('error', reject);
    });
    await engine.close();
    await engine.close();
    const probe = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind(port, '127.0.0.1', () => resolve());
    });
    probe.close();
  } finally {
    squatter.close();
  }
});

test('a damaged database is refused with a StoreError and left as it was', async () => {
  const dir = tempDir();
  const junk = Buffer.from('not a database '.repeat(100));
  writeFileSync(join(dir, 'parley.db'), junk);
  await assert.rejects(createPhoneEngine({ dataDir: dir, secrets: new MemorySecretStore(), sip: { bind: [{ host: '127.0.0.1', port: 0 }] } }), (e) => isStoreError(e, 'corrupt'));
  assert.deepEqual(readFileSync(join(dir, 'parley.db')), junk);
});

test('node:tls and the listener certificate wait for the first TLS client, which then gets the certificate Settings shows', async () => {
  // A child process: this one may have loaded node:tls for other tests.
  const dir = tempDir();
  const engineUrl = new URL('../../../../electron/phone/engine.ts', import.meta.url).href;
  const secretsUrl = new URL('../../../../electron/phone/store/secret-store.ts', import.meta.url).href;
  const script = `
    import { existsSync } from 'node:fs';
    const { createPhoneEngine } = await import(${JSON.stringify(engineUrl)});
    const { MemorySecretStore } = await import(${JSON.stringify(secretsUrl)});
    const dir = process.argv[1];
    const engine = await createPhoneEngine({ dataDir: dir, secrets: new MemorySecretStore(), sip: { bind: [{ host: '127.0.0.1', port: 0 }] } });
    const idle = { tlsLoaded: process.moduleLoadList.includes('NativeModule tls'), certificate: existsSync(dir + '/tls/certificate.pem') };
    const snap = await engine.api['app.snapshot']({}, { host: 'test', client: 't' });
    const [host, port] = snap.tls.listening[0].split(/:(?=\\d+$)/);
    const tls = await import('node:tls');
    const peer = await new Promise((resolve, reject) => {
      const s = tls.connect({ host, port: Number(port), rejectUnauthorized: false }, () => { resolve(s.getPeerX509Certificate().fingerprint256); s.destroy(); });
      s.on('error', reject);
      setTimeout(() => reject(new Error('no TLS handshake in 10 s')), 10_000).unref();
    });
    await engine.close();
    process.stdout.write(JSON.stringify({ idle, shown: snap.tls.fingerprint256, peer }));
  `;
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, dir], { encoding: 'utf8', timeout: 60_000 });
  const r = JSON.parse(out) as { idle: { tlsLoaded: boolean; certificate: boolean }; shown: string; peer: string };
  assert.deepEqual(r.idle, { tlsLoaded: false, certificate: false });
  assert.match(r.shown, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.equal(r.peer, r.shown);
});
