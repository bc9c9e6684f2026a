/**
 * Timer C of the proxy (RFC 3261 §16.8) on a fake clock, over real loopback
 * UDP: a callee that rings for ever is CANCELled after more than 3 minutes
 * (each 18x starts the timer again), the caller gets the callee's 487; a
 * callee that does not even answer the CANCEL is given up 64·T1 later and the
 * caller gets 408; either way no transaction is left behind.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { RawSipSocket, buildRequest, buildResponse, randomToken, type RawSipMessage } from '../../interop/harness/raw-sip.ts';
import { DOMAIN, register, startKit, type Kit } from './server-kit.ts';

const TIMER_C = 181_000;

describe('proxy Timer C', () => {
  let kit: Kit;
  let clock: FakeClock;
  let caller: RawSipSocket;
  before(async () => {
    clock = new FakeClock();
    kit = await startKit({ clock, wallTime: () => 1_800_000_000_000 + clock.now() });
    caller = await RawSipSocket.open(4);
    const { response } = await register(kit, {});
    assert.equal(response.status, 200);
  });
  after(async () => {
    await caller?.close();
    await kit?.close();
  });

  /** bob@elsewhere.test calls johndoe (a call from another domain needs no credentials); returns the INVITE as johndoe's phone got it. */
  async function ring(): Promise<{ invite: RawSipMessage; callId: string }> {
    const callId = randomToken();
    await caller.send(buildRequest({
      method: 'INVITE', uri: `sip:johndoe@${DOMAIN}`, from: `<sip:bob@elsewhere.test>;tag=${randomToken()}`, to: `<sip:johndoe@${DOMAIN}>`,
      callId, cseq: 1, viaHostPort: caller.hostPort, contact: `<sip:bob@${caller.hostPort}>`,
    }), kit.port);
    const invite = await kit.client.receive((m) => m.method === 'INVITE' && m.headers.get('call-id') === callId, 3000);
    assert.ok(invite, 'the phone got the INVITE');
    await kit.client.send(buildResponse(invite, 180, 'Ringing', { toTag: 'callee' }), kit.port);
    const ringing = await caller.receive((m) => m.status === 180 && m.headers.get('call-id') === callId, 3000);
    assert.ok(ringing, 'the caller heard the 180');
    return { invite, callId };
  }

  const cancelFor = (callId: string) => (m: RawSipMessage) => m.method === 'CANCEL' && m.headers.get('call-id') === callId;

  test('a callee ringing for more than 3 minutes is CANCELled; each 18x restarts the timer; the caller gets 487', async () => {
    const { invite, callId } = await ring();
    clock.advance(TIMER_C - 60_000);
    await kit.client.send(buildResponse(invite, 183, 'Session Progress', { toTag: 'callee' }), kit.port);
    assert.ok(await caller.receive((m) => m.status === 183 && m.headers.get('call-id') === callId, 3000));
    clock.advance(TIMER_C - 1_000);
    assert.equal(await kit.client.receive(cancelFor(callId), 300), undefined, 'no CANCEL: the 183 restarted Timer C');
    clock.advance(1_000);
    const cancel = await kit.client.receive(cancelFor(callId), 3000);
    assert.ok(cancel, 'Timer C fired: CANCEL to the callee');
    assert.equal(cancel.headers.get('via'), invite.headers.getAll('via')[0], 'the CANCEL has the top Via of the INVITE it cancels (§9.1)');
    await kit.client.send(buildResponse(cancel, 200, 'OK', { toTag: 'callee' }), kit.port);
    await kit.client.send(buildResponse(invite, 487, 'Request Terminated', { toTag: 'callee' }), kit.port);
    const final = await caller.receive((m) => (m.status ?? 0) >= 200 && m.headers.get('call-id') === callId, 3000);
    assert.equal(final?.status, 487);
    clock.advance(64_000);
    assert.equal(kit.server.activeTransactions, 0);
  });

  test('a callee that ignores the CANCEL is given up after 64·T1: the caller gets 408, nothing is kept', async () => {
    const { callId } = await ring();
    clock.advance(TIMER_C);
    assert.ok(await kit.client.receive(cancelFor(callId), 3000), 'CANCEL sent');
    clock.advance(31_000);
    assert.equal(await caller.receive((m) => (m.status ?? 0) >= 200 && m.headers.get('call-id') === callId, 300), undefined, 'still waiting for the callee');
    clock.advance(1_000);
    const final = await caller.receive((m) => (m.status ?? 0) >= 200 && m.headers.get('call-id') === callId, 3000);
    assert.equal(final?.status, 408);
    assert.match(final.reason ?? '', /Timer C/);
    clock.advance(64_000);
    assert.equal(kit.server.activeTransactions, 0);
  });
});
