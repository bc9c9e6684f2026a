import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flush } from '../../../helpers/fake-transport.ts';
import { createResponse, cseqOf, formatUri, topVia } from '../../../../electron/sip/message/index.ts';
import type { SipRequest } from '../../../../electron/sip/message/index.ts';
import { dialogKey } from '../../../../electron/sip/dialog/dialog-id.ts';
import { inviteLog, inviteRequest, world } from './two-uas.ts';

describe('two UAs: INVITE / 180 / 200 / ACK / BYE', () => {
  it('sets up matching dialogs on both sides and tears them down with a BYE from the caller', async () => {
    const w = world();
    const { alice, bob } = w;
    const log = inviteLog();
    const acks: SipRequest[] = [];
    bob.onInvite = (inv) => {
      inv.progress(180);
      inv.onAck = (ack) => acks.push(ack);
    };
    const out = alice.manager.invite(inviteRequest(alice, bob), log);
    await flush();
    assert.equal(bob.invites.length, 1);
    assert.equal(bob.invites[0].request.body.toString(), 'offer');
    assert.deepEqual(log.provisional.map((p) => p.response.status), [180]);
    const early = log.provisional[0].dialog;
    assert.equal(early?.state, 'Early');
    assert.equal(bob.manager.dialogs[0].state, 'Early');

    const bobDialog = bob.invites[0].accept({ body: Buffer.from('answer'), contentType: 'application/sdp' });
    await flush();
    assert.equal(log.accepted.length, 1);
    const aliceDialog = log.accepted[0].dialog;
    assert.equal(aliceDialog, early, 'the early dialog was confirmed, not replaced');
    assert.equal(aliceDialog.state, 'Confirmed');
    assert.equal(log.accepted[0].response.body.toString(), 'answer');
    assert.equal(bobDialog.state, 'Confirmed');
    assert.equal(acks.length, 1);
    assert.equal(bob.invites[0].state, 'Confirmed');

    // Dialog ids mirror each other (§12).
    assert.equal(aliceDialog.id.callId, bobDialog.id.callId);
    assert.equal(aliceDialog.id.localTag, bobDialog.id.remoteTag);
    assert.equal(aliceDialog.id.remoteTag, bobDialog.id.localTag);
    assert.equal(formatUri(aliceDialog.remoteTarget), 'sip:bob@127.0.0.2:5080');
    assert.equal(formatUri(bobDialog.remoteTarget), 'sip:alice@127.0.0.1:5070');
    assert.equal(aliceDialog.localSeq, 1);
    assert.equal(bobDialog.remoteSeq, 1);
    assert.equal(aliceDialog.secure, false);

    // The ACK for the 2xx: same CSeq number, method ACK, its own branch (§13.2.2.4).
    const inviteBranch = topVia(out.request).params.get('branch');
    const ack = acks[0];
    assert.deepEqual(cseqOf(ack), { seq: 1, method: 'ACK' });
    assert.notEqual(topVia(ack).params.get('branch'), inviteBranch);
    assert.equal(ack.uri, 'sip:bob@127.0.0.2:5080');

    const bye = alice.manager.bye(aliceDialog);
    assert.equal(aliceDialog.state, 'Terminated', 'the dialog ends as soon as the BYE is sent (§15.1.1)');
    const byeResponse = await bye;
    assert.equal(byeResponse.status, 200);
    const sentBye = w.network.find('BYE')[0].message;
    assert.deepEqual(cseqOf(sentBye), { seq: 2, method: 'BYE' });
    assert.deepEqual(alice.ended.map((e) => e.reason), ['bye-sent']);
    assert.deepEqual(bob.ended.map((e) => e.reason), ['bye-received']);
    assert.equal(alice.manager.dialogs.length + bob.manager.dialogs.length, 0);
    w.clock.advance(64_000);
    await flush();
    assert.equal(w.network.find(200).filter((p) => cseqOf(p.message).method === 'INVITE').length, 1, 'no 2xx retransmission after the ACK');
    assert.deepEqual(w.logs.filter((l) => l.level === 'error'), []);
  });

  it('the callee hangs up: BYE from the UAS side with its own CSeq space', async () => {
    const w = world(() => 0.25);
    const { alice, bob } = w;
    bob.onInvite = (inv) => inv.accept();
    const log = inviteLog();
    alice.manager.invite(inviteRequest(alice, bob), log);
    await flush();
    const bobDialog = bob.manager.dialogs[0];
    assert.equal(bobDialog.localSeq, undefined);
    const res = await bob.manager.bye(bobDialog);
    assert.equal(res.status, 200);
    const bye = w.network.find('BYE')[0].message;
    assert.equal(cseqOf(bye).seq, 1 + Math.floor(0.25 * 0x7fffffff), 'the UAS picks its first CSeq at random (§8.1.1.5)');
    assert.equal(bye.kind === 'request' && bye.uri, 'sip:alice@127.0.0.1:5070');
    assert.deepEqual(alice.ended.map((e) => e.reason), ['bye-received']);
    assert.deepEqual(bob.ended.map((e) => e.reason), ['bye-sent']);
  });

  it('in-dialog requests: CSeq lower than the remote sequence number gets 500, a good one reaches the user', async () => {
    const w = world();
    const { alice, bob } = w;
    bob.onInvite = (inv) => inv.accept();
    const log = inviteLog();
    alice.manager.invite(inviteRequest(alice, bob), log);
    await flush();
    const dialog = log.accepted[0].dialog;
    const info = alice.manager.request(dialog, 'INFO', { body: Buffer.from('x'), contentType: 'text/plain' });
    await flush();
    assert.equal(bob.dialogRequests.length, 1);
    assert.equal(bob.dialogRequests[0].request.method, 'INFO');
    bob.dialogRequests[0].tx.respond(createResponse(bob.dialogRequests[0].request, 200));
    assert.equal((await info).status, 200);
    assert.equal(bob.manager.dialogs[0].remoteSeq, 2);

    const stale = dialog.createRequest('INFO', {}, 1);
    const got: number[] = [];
    alice.layer.sendRequest(stale, [{ protocol: 'udp', address: '127.0.0.2', port: 5080 }], { onResponse: (r) => got.push(r.status) });
    await flush();
    assert.deepEqual(got, [500]);
    assert.equal(bob.dialogRequests.length, 1);
    assert.equal(bob.manager.dialogs[0].state, 'Confirmed', 'an out-of-order request does not end the dialog');
  });

  it('481 for a request with a To tag that matches no dialog; the UAC ends the dialog on 481 (§12.2.1.2)', async () => {
    const w = world();
    const { alice, bob } = w;
    bob.onInvite = (inv) => inv.accept();
    const log = inviteLog();
    alice.manager.invite(inviteRequest(alice, bob), log);
    await flush();
    const dialog = log.accepted[0].dialog;
    // Bob forgets the dialog (e.g. restarted).
    bob.manager.close();
    const res = await alice.manager.request(dialog, 'INFO');
    assert.equal(res.status, 481);
    assert.equal(dialog.state, 'Terminated');
    assert.deepEqual(alice.ended.map((e) => e.reason), ['remote-gone']);
    assert.equal(alice.manager.find(dialog.id), undefined);
    assert.equal(bob.manager.find({ ...dialog.id, localTag: dialog.id.remoteTag, remoteTag: dialog.id.localTag }), undefined);
    assert.ok(dialogKey(dialog.id).includes('call-1@test'));
  });

  it('out-of-dialog requests other than INVITE go to onRequest', async () => {
    const w = world();
    const { alice, bob } = w;
    const options = inviteRequest(alice, bob);
    options.method = 'OPTIONS';
    options.headers.set('CSeq', '5 OPTIONS');
    const got: number[] = [];
    alice.layer.sendRequest(options, [{ protocol: 'udp', address: '127.0.0.2', port: 5080 }], { onResponse: (r) => got.push(r.status) });
    await flush();
    assert.deepEqual(bob.requests.map((r) => r.request.method), ['OPTIONS']);
    bob.requests[0].tx.respond(createResponse(bob.requests[0].request, 200));
    await flush();
    assert.deepEqual(got, [200]);
  });
});
