/**
 * Received instant messages through a real engine on 127.0.0.1 (raw SIP from
 * a test socket): hostile bodies get their SIP refusal and are not stored,
 * or are stored made safe; CPIM is unwrapped; isComposing becomes an event;
 * a stranger's conversation is a request with an unread count; a blocked
 * peer gets 603.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEngineClient, type EngineClient } from '../../../helpers/engine-client.ts';
import { buildRequest, RawSipSocket, randomToken } from '../../../interop/harness/raw-sip.ts';
import { removeTempDirs, tempDir } from '../temp-dir.ts';

let phone: EngineClient;
let port = 0;
let user = '';
const sockets: RawSipSocket[] = [];

before(async () => {
  phone = await startEngineClient({ name: 'msgs', dataDir: tempDir('parley-msgs-'), answerAnyUser: false });
  const m = /^sip:([^@]+)@127\.0\.0\.1:(\d+)$/.exec(phone.aor)!;
  user = m[1]!;
  port = Number(m[2]);
});
after(async () => {
  for (const s of sockets) await s.close();
  await phone?.engine.close();
  removeTempDirs();
});

/** A fresh socket per sender, so the per-source rate limit never interferes. */
async function sender(): Promise<RawSipSocket> {
  const s = await RawSipSocket.open();
  sockets.push(s);
  return s;
}

function message(sock: RawSipSocket, from: string, contentType: string, body: string | Buffer): Buffer {
  const raw = typeof body === 'string' ? body : 'X'.repeat(body.length);
  const text = buildRequest({
    method: 'MESSAGE', uri: `sip:${user}@127.0.0.1:${port}`, from: `<sip:${from}@${sock.hostPort}>;tag=${randomToken()}`, to: `<sip:${user}@127.0.0.1:${port}>`,
    callId: `${randomToken()}@msgs`, cseq: 1, viaHostPort: sock.hostPort, body: raw, contentType,
  });
  const out = Buffer.from(text, 'utf8');
  if (typeof body !== 'string') body.copy(out, out.length - body.length);
  return out;
}

async function send(from: string, contentType: string, body: string | Buffer, sock?: RawSipSocket): Promise<number> {
  const s = sock ?? (await sender());
  return (await s.transact(message(s, from, contentType, body), port, 4000))?.status ?? 0;
}

test('hostile bodies: binary and invalid UTF-8 get 415, an empty one 400, nothing stored; controls are replaced, bidi kept', { timeout: 60_000 }, async () => {
  assert.equal(await send('bin', 'text/plain', Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7, 8])), 415);
  assert.equal(await send('utf', 'text/plain;charset=utf-8', Buffer.from([0x48, 0x69, 0xc3, 0x28])), 415);
  assert.equal(await send('empty', 'text/plain', '   '), 400);
  assert.equal(await send('html', 'application/x-shockwave-flash', 'x'), 415);
  assert.deepEqual(await phone.call('messages.list', {}), [], 'nothing refused is stored');
  assert.equal(await send('ctl', 'text/plain', 'clear screen \u001b[2J and ring \u0007 here; \u202eexe.txt'), 200);
  const got = await phone.waitFor('message', (m) => m.peer.includes('ctl@'));
  assert.equal(got.body, 'clear screen \ufffd[2J and ring \ufffd here; \u202eexe.txt');
  assert.equal(got.status, 'received');
});

test('message/cpim is unwrapped; text/html shown as text; latin-1 decoded', { timeout: 30_000 }, async () => {
  assert.equal(await send('cpim', 'message/cpim', 'From: <im:x@y>\r\n\r\nContent-Type: text/plain\r\n\r\nwrapped hello'), 200);
  assert.equal((await phone.waitFor('message', (m) => m.peer.includes('cpim@'))).body, 'wrapped hello');
  assert.equal(await send('html', 'text/html', '<b>bold</b> <script>x()</script>move'), 200);
  assert.equal((await phone.waitFor('message', (m) => m.peer.includes('html@'))).body, 'bold move');
  const s = await sender();
  const latin = Buffer.from('caf\u00e9', 'latin1');
  assert.equal(await send('latin', 'text/plain; charset=iso-8859-1', latin, s), 200);
  assert.equal((await phone.waitFor('message', (m) => m.peer.includes('latin@'))).body, 'café');
});

test('isComposing becomes a message.composing event with an expiry, and is not stored', { timeout: 30_000 }, async () => {
  const s = await sender();
  const xml = '<?xml version="1.0"?><isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"><state>active</state><refresh>60</refresh></isComposing>';
  const before = Date.now();
  assert.equal(await send('typist', 'application/im-iscomposing+xml', xml, s), 200);
  const typing = await phone.waitFor('message.composing', (c) => c.peer.includes('typist@') && c.active);
  assert.ok(typing.expiresAt !== undefined && typing.expiresAt >= before + 55_000 && typing.expiresAt <= Date.now() + 61_000);
  assert.equal((await phone.call('messages.list', { peer: typing.peer })).length, 0);
  assert.equal(await send('typist', 'text/plain', 'done typing', s), 200);
  await phone.waitFor('message.composing', (c) => c.peer.includes('typist@') && !c.active, 5000, 'the message ends the typing');
});

test("a stranger's conversation is a request with unread messages; read, block (603, not stored) and allow", { timeout: 30_000 }, async () => {
  const s = await sender();
  assert.equal(await send('stranger', 'text/plain', 'hello?', s), 200);
  assert.equal(await send('stranger', 'text/plain', 'anyone?', s), 200);
  const conv = await phone.waitFor('conversation', (c) => c.peer.includes('stranger@') && c.count === 2);
  assert.equal(conv.state, 'request');
  assert.equal(conv.unread, 2);
  assert.equal(conv.last.body, 'anyone?');
  assert.match(conv.peer, /^sip:stranger@127\.0\.0\.1:\d+$/, 'the conversation key has no parameters');
  const read = await phone.call('messages.read', { peer: conv.peer });
  assert.equal(read?.unread, 0);
  await phone.call('messages.block', { peer: conv.peer });
  assert.equal(await send('stranger', 'text/plain', 'let me in', s), 603);
  assert.equal((await phone.call('messages.list', { peer: conv.peer })).length, 2);
  await phone.call('messages.allow', { peer: conv.peer });
  assert.equal(await send('stranger', 'text/plain', 'thanks', s), 200);
  const open = await phone.waitFor('conversation', (c) => c.peer === conv.peer && c.count === 3);
  assert.deepEqual([open.state, open.unread], ['open', 1]);
  const listed = await phone.call('messages.conversations', { query: 'thanks' });
  assert.deepEqual(listed.map((c) => c.peer), [conv.peer]);
  await phone.call('messages.remove', { peer: conv.peer });
  await phone.waitFor('conversation', (c) => c.peer === conv.peer && c.removed === true);
  assert.equal((await phone.call('messages.conversations', {})).some((c) => c.peer === conv.peer), false);
});
