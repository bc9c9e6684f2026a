/**
 * The proxy with records of finished transactions (RFC 3261 §16 on a layer
 * with lingerRecords), over real loopback UDP: once a call is answered and
 * hung up nothing of it stays in the proxy (no transaction, no response
 * context: before, both stayed 32 s), and still, for 64·T1, the callee's
 * retransmitted 200 reaches the caller again, a retransmitted INVITE is
 * absorbed, a retransmitted BYE gets its 200 again, and a late CANCEL is
 * answered 200 without effect (§9.2).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RawSipSocket, buildRequest, buildResponse, randomToken, type RawSipMessage } from '../../interop/harness/raw-sip.ts';
import { DOMAIN, register, startKit, type Kit } from './server-kit.ts';

describe('proxy: finished transactions leave records, not transactions', () => {
  let kit: Kit;
  let caller: RawSipSocket;
  before(async () => {
    kit = await startKit();
    caller = await RawSipSocket.open(4);
    assert.equal((await register(kit, {})).response.status, 200);
  });
  after(async () => {
    await caller?.close();
    await kit?.close();
  });

  test('a call answered and hung up: nothing kept but records, and retransmissions are answered as before', async () => {
    const callId = randomToken();
    const fromTag = randomToken();
    const branch = `z9hG4bK${randomToken()}`;
    const inviteText = buildRequest({
      method: 'INVITE', uri: `sip:johndoe@${DOMAIN}`, from: `<sip:bob@elsewhere.test>;tag=${fromTag}`, to: `<sip:johndoe@${DOMAIN}>`,
      callId, cseq: 1, viaHostPort: caller.hostPort, contact: `<sip:bob@${caller.hostPort}>`, branch,
    });
    const ofCall = (m: RawSipMessage) => m.headers.get('call-id') === callId;
    await caller.send(inviteText, kit.port);
    const invite = await kit.client.receive((m) => m.method === 'INVITE' && ofCall(m), 3000);
    assert.ok(invite, 'the phone got the INVITE');
    const ok = buildResponse(invite, 200, 'OK', { toTag: 'callee', headers: [`Contact: <sip:johndoe@${kit.client.hostPort}>`] });
    await kit.client.send(ok, kit.port);
    const answered = await caller.receive((m) => m.status === 200 && ofCall(m), 3000);
    assert.ok(answered, 'the caller got the 200');
    assert.equal(kit.server.serverTransactions, 0, 'the INVITE transaction left a record');
    assert.equal(kit.server.activeTransactions, 0, 'no response context is kept');
    assert.ok(kit.server.transactionRecords >= 2, 'records for the INVITE server and client transactions');

    // The callee did not see our ACK yet and retransmits its 200: it still reaches the caller.
    await kit.client.send(ok, kit.port);
    const again = await caller.receive((m) => m.status === 200 && ofCall(m), 3000);
    assert.ok(again, 'the retransmitted 200 was forwarded upstream');
    assert.equal(again.headers.getAll('via').length, 1, 'with the proxy Via taken off');
    // The caller retransmits its INVITE: absorbed (no second INVITE to the phone, no response).
    await caller.send(inviteText, kit.port);
    assert.equal(await kit.client.receive((m) => m.method === 'INVITE' && ofCall(m), 300), undefined, 'retransmitted INVITE absorbed');
    // A CANCEL racing the 200: answered 200, no effect (RFC 3261 §9.2).
    await caller.send(buildRequest({
      method: 'CANCEL', uri: `sip:johndoe@${DOMAIN}`, from: `<sip:bob@elsewhere.test>;tag=${fromTag}`, to: `<sip:johndoe@${DOMAIN}>`,
      callId, cseq: 1, viaHostPort: caller.hostPort, branch,
    }), kit.port);
    const cancelled = await caller.receive((m) => m.headers.get('cseq') === '1 CANCEL' && ofCall(m), 3000);
    assert.equal(cancelled?.status, 200);
    assert.equal(await kit.client.receive((m) => m.method === 'CANCEL' && ofCall(m), 300), undefined, 'nothing to cancel downstream');

    // ACK and BYE along the Record-Route.
    const routes = answered.headers.getAll('record-route').reverse().map((r) => `Route: ${r}`);
    const inDialog = (method: string, cseq: number, b = `z9hG4bK${randomToken()}`) => buildRequest({
      method, uri: `sip:johndoe@${kit.client.hostPort}`, from: `<sip:bob@elsewhere.test>;tag=${fromTag}`, to: `<sip:johndoe@${DOMAIN}>;tag=callee`,
      callId, cseq, viaHostPort: caller.hostPort, headers: routes, branch: b,
    });
    await caller.send(inDialog('ACK', 1), kit.port);
    assert.ok(await kit.client.receive((m) => m.method === 'ACK' && ofCall(m), 3000), 'ACK forwarded');
    const byeText = inDialog('BYE', 2);
    await caller.send(byeText, kit.port);
    const bye = await kit.client.receive((m) => m.method === 'BYE' && ofCall(m), 3000);
    assert.ok(bye);
    await kit.client.send(buildResponse(bye, 200, 'OK'), kit.port);
    const byeOk = await caller.receive((m) => m.status === 200 && m.headers.get('cseq') === '2 BYE' && ofCall(m), 3000);
    assert.ok(byeOk, 'the caller got the 200 for BYE');
    assert.equal(kit.server.serverTransactions, 0);
    assert.equal(kit.server.activeTransactions, 0);

    // The caller lost that 200 and retransmits its BYE: the record answers with the same 200, the phone sees no second BYE.
    await caller.send(byeText, kit.port);
    const byeOkAgain = await caller.receive((m) => m.status === 200 && m.headers.get('cseq') === '2 BYE' && ofCall(m), 3000);
    assert.ok(byeOkAgain, 'the retransmitted BYE was answered again');
    assert.equal(byeOkAgain.text, byeOk.text, 'with the very same response');
    assert.equal(await kit.client.receive((m) => m.method === 'BYE' && ofCall(m), 300), undefined, 'not forwarded twice');
  });
});
