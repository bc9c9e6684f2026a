import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flush } from '../../../helpers/fake-transport.ts';
import { cseqOf, topVia } from '../../../../electron/sip/message/index.ts';
import type { SipRequest, SipResponse } from '../../../../electron/sip/message/index.ts';
import { localFailureOf } from '../../../../electron/sip/transaction/synthesized-response.ts';
import { inviteLog, inviteRequest, world } from './two-uas.ts';

describe('CANCEL (RFC 3261 §9) and ending early dialogs', () => {
  it('cancel after 180: CANCEL with the INVITE branch gets 200, the INVITE 487, early dialogs end on both sides', async () => {
    const w = world();
    const { alice, bob } = w;
    let cancelled = 0;
    bob.onInvite = (inv) => {
      inv.onCancel = () => cancelled++;
      inv.progress(180);
    };
    const log = inviteLog();
    const out = alice.manager.invite(inviteRequest(alice, bob), log);
    await flush();
    out.cancel();
    await flush();
    const cancel = w.network.find('CANCEL')[0].message as SipRequest;
    assert.equal(topVia(cancel).params.get('branch'), topVia(out.request).params.get('branch'));
    assert.deepEqual(cseqOf(cancel), { seq: 1, method: 'CANCEL' });
    assert.equal(cancel.uri, out.request.uri);
    assert.equal(w.network.find(200).filter((p) => cseqOf(p.message).method === 'CANCEL').length, 1);
    assert.deepEqual(log.rejected.map((r) => r.status), [487]);
    assert.equal(cancelled, 1);
    assert.equal(bob.invites[0].state, 'Cancelled');
    assert.deepEqual(alice.ended.map((e) => e.reason), ['cancelled']);
    assert.deepEqual(bob.ended.map((e) => e.reason), ['cancelled']);
    assert.equal(w.network.find('ACK').length, 1, 'the 487 is ACKed by the INVITE client transaction');
  });

  it('cancel before any provisional: the CANCEL waits for the first 1xx (§9.1)', async () => {
    const w = world();
    const { alice, bob } = w;
    const log = inviteLog();
    const out = alice.manager.invite(inviteRequest(alice, bob), log);
    await flush();
    out.cancel();
    await flush();
    assert.equal(w.network.find('CANCEL').length, 0);
    bob.invites[0].progress(100);
    await flush();
    assert.equal(w.network.find('CANCEL').length, 1);
    assert.deepEqual(log.rejected.map((r) => r.status), [487]);
  });

  it('no final response 64*T1 after the CANCEL: the INVITE is given up with a 408', async () => {
    const w = world();
    const { alice, bob } = w;
    bob.onInvite = (inv) => inv.progress(180);
    w.network.drop = ({ message }) => message.kind === 'response' && message.status === 487;
    const log = inviteLog();
    const out = alice.manager.invite(inviteRequest(alice, bob), log);
    await flush();
    out.cancel();
    await flush();
    w.clock.advance(31_999);
    await flush();
    assert.equal(log.rejected.length, 0);
    w.clock.advance(1);
    assert.deepEqual(log.rejected.map((r) => r.status), [408]);
    assert.equal(localFailureOf(log.rejected[0]), 'timeout');
    assert.deepEqual(alice.ended.map((e) => e.reason), ['cancelled']);
    assert.equal(alice.layer.clientCount, 0);
  });

  it('a CANCEL that matches no INVITE gets 481; a CANCEL after the 2xx gets 200 and changes nothing', async () => {
    const w = world();
    const { alice, bob } = w;
    const stray = inviteRequest(alice, bob);
    stray.method = 'CANCEL';
    stray.headers.set('CSeq', '1 CANCEL');
    const got: SipResponse[] = [];
    alice.layer.createClientTransaction(stray, { protocol: 'udp', address: '127.0.0.2', port: 5080 }, { onResponse: (r) => got.push(r) });
    await flush();
    assert.deepEqual(got.map((r) => r.status), [481]);

    bob.onInvite = (inv) => inv.accept();
    const log = inviteLog();
    const out = alice.manager.invite(inviteRequest(alice, bob, { callId: 'call-2' }), log);
    await flush();
    out.cancel(); // already answered: nothing to do
    await flush();
    assert.equal(w.network.find('CANCEL').length, 1, 'only the stray one');
    assert.equal(log.accepted[0].dialog.state, 'Confirmed');
  });

  it('BYE on the early dialog (caller side, §15): the callee answers 200 and 487 for the INVITE', async () => {
    const w = world();
    const { alice, bob } = w;
    bob.onInvite = (inv) => inv.progress(183);
    const log = inviteLog();
    alice.manager.invite(inviteRequest(alice, bob), log);
    await flush();
    const early = log.provisional[0].dialog;
    assert.ok(early);
    const res = await alice.manager.bye(early);
    await flush();
    assert.equal(res.status, 200);
    assert.deepEqual(log.rejected.map((r) => r.status), [487]);
    assert.equal(bob.invites[0].state, 'Rejected');
    assert.deepEqual(bob.ended.map((e) => e.reason), ['bye-received']);
    assert.deepEqual(alice.ended.map((e) => e.reason), ['bye-sent']);
  });

  it('rejecting an INVITE after 180 ends the callee early dialog; the caller gets the status', async () => {
    const w = world();
    const { alice, bob } = w;
    bob.onInvite = (inv) => inv.progress(180);
    const log = inviteLog();
    alice.manager.invite(inviteRequest(alice, bob), log);
    await flush();
    bob.invites[0].reject(486);
    await flush();
    assert.deepEqual(log.rejected.map((r) => r.status), [486]);
    assert.deepEqual(bob.ended.map((e) => e.reason), ['rejected']);
    assert.deepEqual(alice.ended.map((e) => e.reason), ['rejected']);
    assert.throws(() => bob.invites[0].accept(), /already Rejected/);
    assert.throws(() => bob.invites[0].progress(200), /not provisional/);
  });
});
