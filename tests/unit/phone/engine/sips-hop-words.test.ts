/**
 * Inside a sips: call (RFC 5630: TLS on every hop) whose route has a hop
 * that is not TLS, the phone sends nothing there — and the user is told why
 * in the API's words (the command's error, the call's snapshot), not a bare
 * "503 the service is unavailable". The far end is a scripted TLS phone on
 * 127.0.0.1 (the test CA's certificate) that answers through a proxy which
 * Record-Routes itself as a UDP hop; the phone is the whole engine.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { createResponse, parseMessage, serializeMessage, SipRequest } from '../../../../electron/sip/message/index.ts';
import { startEngineClient, type EngineClient } from '../../../helpers/engine-client.ts';
import { removeTempDirs, tempDir } from '../temp-dir.ts';

const tls = fileURLToPath(new URL('../../../fixtures/tls/', import.meta.url));
const WHY = /a sips: request is sent over TLS only \(RFC 5630\), and the next hop sip:127\.0\.0\.9:5060;transport=udp is reached over UDP/;

let engine: EngineClient;
let server: ReturnType<typeof createServer>;
let port = 0;
const received: string[] = [];
const dir = tempDir('parley-sips-hop-');

/** Answers every INVITE 200 through a UDP Record-Route, everything else 200. */
function serve(socket: TLSSocket): void {
  let buffer = Buffer.alloc(0);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/^content-length: *(\d+)/im.exec(buffer.subarray(0, end).toString())?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      const message = parseMessage(buffer.subarray(0, end + 4 + length));
      buffer = buffer.subarray(end + 4 + length);
      if (!(message instanceof SipRequest)) continue;
      received.push(message.method);
      if (message.method === 'ACK') continue;
      const ok = createResponse(message, 200, 'OK');
      if (message.method === 'INVITE') {
        ok.headers.set('To', `${message.headers.get('To')};tag=bob`);
        ok.headers.set('Record-Route', '<sip:127.0.0.9:5060;transport=udp;lr>');
        ok.headers.set('Contact', `<sips:bob@127.0.0.1:${port}>`);
        ok.headers.set('Content-Type', 'application/sdp');
        ok.body = Buffer.from('v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n');
      }
      socket.write(serializeMessage(ok));
    }
  });
}

before(async () => {
  server = createServer({ key: readFileSync(`${tls}server.key`), cert: readFileSync(`${tls}server.pem`) }, serve);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  engine = await startEngineClient({ name: 'sips-hop-words', dataDir: dir, transports: ['udp', 'tls'] });
});

after(async () => {
  await engine.engine.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  removeTempDirs();
});

test('hold, digits, transfer and hang-up in a sips: call with a UDP hop say why nothing was sent', { timeout: 30_000 }, async () => {
  const account = await engine.call('accounts.add', { aor: 'sip:alice@127.0.0.1', transport: 'tls', tlsCaFile: `${tls}ca.pem`, srtp: 'off', codecs: ['PCMU'] });
  const dialled = await engine.call('call.dial', { target: `sips:bob@127.0.0.1:${port}`, accountId: account.id });
  await engine.waitFor('call', (c) => c.id === dialled.id && c.state === 'active', 10_000, 'bob answers');

  for (const [command, params] of [
    ['call.hold', { callId: dialled.id }],
    ['call.dtmf', { callId: dialled.id, digits: '1' }],
    ['call.transfer', { callId: dialled.id, target: `sips:carol@127.0.0.1:${port}` }],
  ] as const) {
    const r = await engine.try(command, params as never);
    assert.equal(r.ok, false, `${command} cannot succeed`);
    if (r.ok) continue;
    assert.equal(r.code, 'unavailable', JSON.stringify(r));
    assert.match(r.message, WHY, `${command}: ${r.message}`);
    assert.doesNotMatch(r.message, /the other side refused/, 'we refused, not the peer');
  }
  const transfer = (await engine.call('calls.list', {})).find((c) => c.id === dialled.id)?.transfer;
  assert.equal(transfer?.state, 'failed');
  assert.match(transfer?.words ?? '', WHY, 'the transfer line says why');

  await engine.call('call.hangup', { callId: dialled.id });
  const ended = await engine.waitFor('call', (c) => c.id === dialled.id && c.state === 'ended', 10_000, 'ended');
  assert.equal(ended.code, 503);
  assert.match(ended.words ?? '', WHY, 'the ended call says why no BYE left');
  assert.deepEqual(received, ['INVITE'], 'nothing but the INVITE reached bob');
});
