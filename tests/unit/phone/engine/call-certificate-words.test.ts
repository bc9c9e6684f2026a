/**
 * A call over TLS whose server certificate is refused ends with the reason
 * in words and the certificate to show ("Trust this certificate"), like a
 * registration does — not with "the service is unavailable". The server is
 * a real TLS listener on 127.0.0.1 with a self-signed certificate nobody
 * trusts; the phone is the whole engine.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createSelfSignedCertificate } from '../../../../electron/net/x509-self-signed.ts';
import { startEngineClient, type EngineClient } from '../../../helpers/engine-client.ts';

let engine: EngineClient;
let server: ReturnType<typeof createServer>;
let port = 0;
const dir = mkdtempSync(join(tmpdir(), 'parley-call-cert-'));
const cert = createSelfSignedCertificate({ commonName: 'sip.other.test', dnsNames: ['sip.other.test'], notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 86_400_000) });

before(async () => {
  server = createServer({ cert: cert.cert, key: cert.key }, (socket) => socket.on('error', () => socket.destroy()));
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  engine = await startEngineClient({ name: 'cert-words', dataDir: dir, transports: ['udp', 'tls'] });
});

after(async () => {
  await engine.engine.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

test('a call refused for its server certificate ends with the words and the certificate', { timeout: 30_000 }, async () => {
  const account = await engine.call('accounts.add', {
    aor: 'sip:alice@127.0.0.1',
    outboundProxy: `sip:127.0.0.1:${port};transport=tls`,
    transport: 'tls',
    srtp: 'off',
  });
  const dialled = await engine.call('call.dial', { target: 'sip:bob@127.0.0.1', accountId: account.id });
  const ended = await engine.waitFor('call', (c) => c.id === dialled.id && c.state === 'ended', 20_000, 'the refused call');
  assert.equal(ended.code, 503);
  assert.match(ended.words ?? '', /the server's certificate is self-signed \(CN=sip\.other\.test\) and this computer does not trust it/);
  assert.equal(ended.certificate?.fingerprint256, cert.fingerprint256);
  assert.equal(ended.certificate?.problem, 'untrusted');
});
