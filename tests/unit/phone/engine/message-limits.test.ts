/**
 * Received MESSAGEs cannot fill the disk (phone/message-admission.ts): a
 * body over 4 KB is refused (413), one source gets PER_SOURCE messages a
 * minute and then 486 with Retry-After, and nothing refused is stored. A
 * MESSAGE for a user part that is not the direct account's is 404.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEngineClient, type EngineClient } from '../../../helpers/engine-client.ts';
import { buildRequest, RawSipSocket, randomToken } from '../../../interop/harness/raw-sip.ts';
import { PER_SOURCE } from '../../../../electron/phone/message-admission.ts';
import { removeTempDirs, tempDir } from '../temp-dir.ts';

let phone: EngineClient;
let sock: RawSipSocket;
let port = 0;
let user = '';

before(async () => {
  phone = await startEngineClient({ name: 'msg', dataDir: tempDir('parley-msg-'), answerAnyUser: false });
  const m = /^sip:([^@]+)@127\.0\.0\.1:(\d+)$/.exec(phone.aor)!;
  user = m[1]!;
  port = Number(m[2]);
  sock = await RawSipSocket.open();
});
after(async () => {
  await sock?.close();
  await phone?.engine.close();
  removeTempDirs();
});

function message(body: string, to = user): string {
  return buildRequest({
    method: 'MESSAGE', uri: `sip:${to}@127.0.0.1:${port}`, from: `<sip:spam@${sock.hostPort}>;tag=${randomToken()}`, to: `<sip:${to}@127.0.0.1:${port}>`,
    callId: `${randomToken()}@msg`, cseq: 1, viaHostPort: sock.hostPort, body, contentType: 'text/plain',
  });
}

test('the direct account takes MESSAGEs for its own user only: 404 for another user part, nothing stored', { timeout: 30_000 }, async () => {
  const other = await sock.transact(message('hello admin', 'admin'), port, 4000);
  assert.equal(other?.status, 404);
  assert.equal((await phone.call('messages.list', { limit: 10 })).length, 0);
  assert.equal(phone.events.filter((e) => e.event === 'message').length, 0);
});

test('a MESSAGE flood: 413 for a big body, 486 + Retry-After past the per-source rate, nothing refused is stored', { timeout: 60_000 }, async () => {
  const big = await sock.transact(message('x'.repeat(60_000)), port, 4000);
  // 60 KB does not fit a UDP datagram on every path; on loopback it does.
  assert.equal(big?.status, 413);
  const codes: number[] = [];
  for (let i = 0; i < PER_SOURCE + 5; i++) codes.push((await sock.transact(message(`hello ${i}`), port, 4000))?.status ?? 0);
  assert.deepEqual(codes.slice(0, PER_SOURCE), Array(PER_SOURCE).fill(200));
  assert.deepEqual(codes.slice(PER_SOURCE), Array(5).fill(486));
  const refused = await sock.transact(message('one more'), port, 4000);
  assert.match(refused?.headers.get('retry-after') ?? '', /^\d+$/);
  const stored = await phone.call('messages.list', { limit: 500 });
  assert.equal(stored.length, PER_SOURCE, 'only the accepted ones are stored');
  assert.ok(stored.every((m) => m.body.length < 100));
});
