/**
 * Which incoming calls ring (phone/call-admission.ts), on a real engine with
 * the desktop/web default (answerAnyUser off), driven by raw SIP from
 * loopback sockets: unknown users 404, strangers 403 until the setting is
 * on, contacts ring, per-source and total caps answer 486 with Retry-After
 * and bind no port, an unanswered call stops ringing with 480, and a
 * refused source is logged once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startEngineClient, type EngineClient } from '../../../helpers/engine-client.ts';
import { buildRequest, RawSipSocket, randomToken, type RawSipMessage } from '../../../interop/harness/raw-sip.ts';
import { MAX_UNANSWERED_PER_SOURCE } from '../../../../electron/phone/call-admission.ts';
import { removeTempDirs, tempDir } from '../temp-dir.ts';

describe('engine: who may ring the phone', () => {
  let phone: EngineClient;
  let port = 0;
  let user = '';
  const sockets: RawSipSocket[] = [];

  before(async () => {
    phone = await startEngineClient({ name: 'adm', dataDir: tempDir('parley-admission-'), answerAnyUser: false, ringTimeoutMs: 1500 });
    const m = /^sip:([^@]+)@127\.0\.0\.1:(\d+)$/.exec(phone.aor)!;
    user = m[1]!;
    port = Number(m[2]);
  });
  after(async () => {
    for (const s of sockets) await s.close();
    await phone?.engine.close();
    removeTempDirs();
  });

  /** Every test's sockets share 127.0.0.1, one source: let the calls of the previous test stop ringing (ring timeout 1.5 s). */
  async function quiet(): Promise<void> {
    const deadline = Date.now() + 5000;
    while ((await phone.call('diagnostics.counts', {})).calls > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  }

  async function socket(): Promise<RawSipSocket> {
    const s = await RawSipSocket.open();
    sockets.push(s);
    return s;
  }

  /** Sends an INVITE and returns the first response of 180 or more. */
  async function invite(from: RawSipSocket, to: string): Promise<RawSipMessage | undefined> {
    const sdp = ['v=0', 'o=x 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${from.port + 2} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
    const callId = `${randomToken()}@adm`;
    await from.send(
      buildRequest({
        method: 'INVITE', uri: `sip:${to}@127.0.0.1:${port}`, from: `<sip:caller@${from.hostPort}>;tag=${randomToken()}`, to: `<sip:${to}@127.0.0.1:${port}>`,
        callId, cseq: 1, viaHostPort: from.hostPort, contact: `<sip:caller@${from.hostPort}>`, body: sdp,
      }),
      port,
    );
    return from.receive((m) => m.status !== undefined && m.status >= 180 && m.headers.get('call-id') === callId, 5000);
  }

  test('a call for a user the phone does not have: 404, no ringing', async () => {
    const s = await socket();
    const r = await invite(s, 'admin');
    assert.equal(r?.status, 404);
    assert.equal(phone.events.filter((e) => e.event === 'call.incoming').length, 0);
  });

  test('a direct call from a stranger: 403 until the user turns on "ring for direct calls from strangers"; a contact always rings', async () => {
    const stranger = await socket();
    assert.equal((await invite(stranger, user))?.status, 403);
    const friend = await socket();
    await phone.call('contacts.add', { name: 'Friend', addresses: [{ label: 'direct', uri: `sip:caller@${friend.hostPort}` }] });
    assert.equal((await invite(friend, user))?.status, 180, 'a contact rings');
    await phone.call('settings.update', { callsFromStrangers: true });
    assert.equal((await invite(stranger, user))?.status, 180, 'strangers ring once allowed');
    const refusals = phone.logs.filter((l) => l.message === 'incoming request refused');
    assert.equal(refusals.length, 1, 'one line per refused source address (the 404 and the 403 both came from 127.0.0.1), not per call');
  });

  test('one source may not keep more than a few calls waiting: 486 Busy Here (too many calls) with Retry-After, and no port bound for it', async () => {
    await phone.call('settings.update', { callsFromStrangers: true });
    await quiet();
    const flood = await socket();
    const codes: (number | undefined)[] = [];
    for (let i = 0; i < MAX_UNANSWERED_PER_SOURCE + 3; i++) codes.push((await invite(flood, user))?.status);
    assert.deepEqual(codes.slice(0, MAX_UNANSWERED_PER_SOURCE), Array(MAX_UNANSWERED_PER_SOURCE).fill(180));
    const refused = await invite(flood, user);
    assert.equal(refused?.status, 486);
    assert.match(refused!.startLine, /too many calls/);
    assert.match(refused!.headers.get('retry-after') ?? '', /^\d+$/);
    const counts = await phone.call('diagnostics.counts', {});
    assert.ok(counts.mediaSessions <= counts.calls, `no media session for a refused call (${counts.mediaSessions} sessions, ${counts.calls} calls)`);
  });

  test('an unanswered call stops ringing: 480 after the ring timeout', async () => {
    await phone.call('settings.update', { callsFromStrangers: true });
    await quiet();
    const s = await socket();
    const r = await invite(s, user);
    assert.equal(r?.status, 180);
    const callId = r!.headers.get('call-id');
    const final = await s.receive((m) => m.status !== undefined && m.status >= 300 && m.headers.get('call-id') === callId, 5000);
    assert.equal(final?.status, 480);
  });
});
