import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flush } from '../../../helpers/fake-transport.ts';
import { createResponse, cseqOf, formatUri, parseNameAddr } from '../../../../electron/sip/message/index.ts';
import type { SipResponse } from '../../../../electron/sip/message/index.ts';
import { glareBackoff } from '../../../../electron/sip/dialog/glare-backoff.ts';
import { DialogManager } from '../../../../electron/sip/dialog/dialog-manager.ts';
import { TransactionLayer } from '../../../../electron/sip/transaction/transaction-layer.ts';
import { inviteLog, inviteRequest, world } from './two-uas.ts';

async function established(random: () => number = () => 0.5) {
  const w = world(random);
  const { alice, bob } = w;
  bob.onInvite = (inv) => inv.accept();
  const log = inviteLog();
  alice.manager.invite(inviteRequest(alice, bob), log);
  await flush();
  return { w, alice, bob, aliceDialog: log.accepted[0].dialog, bobDialog: bob.manager.dialogs[0] };
}

describe('glare back-off (RFC 3261 §14.1)', () => {
  it('owner of the Call-ID: 2.1–4 s; the other side: 0–2 s; in units of 10 ms', () => {
    assert.equal(glareBackoff(true, () => 0), 2100);
    assert.equal(glareBackoff(true, () => 0.9999999), 4000);
    assert.equal(glareBackoff(false, () => 0), 0);
    assert.equal(glareBackoff(false, () => 0.9999999), 2000);
    for (let i = 0; i < 2000; i++) {
      const own = glareBackoff(true);
      const other = glareBackoff(false);
      assert.ok(own >= 2100 && own <= 4000 && own % 10 === 0, `owner ${own}`);
      assert.ok(other >= 0 && other <= 2000 && other % 10 === 0, `other ${other}`);
    }
  });
});

describe('re-INVITE (RFC 3261 §14)', () => {
  it('crossing re-INVITEs both get 491; the non-owner retries first and wins, then the owner', async () => {
    const { w, alice, bob, aliceDialog, bobDialog } = await established();
    alice.onReinvite = (_d, inv) => inv.accept({ body: Buffer.from('alice-answer') });
    bob.onReinvite = (_d, inv) => inv.accept({ body: Buffer.from('bob-answer') });
    const aliceLog = inviteLog();
    const bobLog = inviteLog();
    alice.manager.reinvite(aliceDialog, { body: Buffer.from('alice-offer'), contentType: 'application/sdp' }, aliceLog);
    bob.manager.reinvite(bobDialog, { body: Buffer.from('bob-offer'), contentType: 'application/sdp' }, bobLog);
    assert.throws(() => alice.manager.reinvite(aliceDialog, {}, inviteLog()), /outgoing INVITE is pending/);
    await flush();
    assert.equal(w.network.find(491).length, 2);
    assert.deepEqual(aliceLog.glare, [2100 + 10 * Math.floor(0.5 * 191)], 'alice sent the initial INVITE: she owns the Call-ID');
    assert.deepEqual(bobLog.glare, [10 * Math.floor(0.5 * 201)]);
    assert.equal(alice.reinvites.length + bob.reinvites.length, 0, '491 is answered by the dialog layer');

    w.clock.advance(1000); // bob's retry
    await flush();
    assert.equal(alice.reinvites.length, 1);
    assert.equal(bobLog.accepted.length, 1);
    assert.equal(bobLog.accepted[0].response.body.toString(), 'alice-answer');
    w.clock.advance(2050); // alice's retry at 3050
    await flush();
    assert.equal(bob.reinvites.length, 1);
    assert.equal(aliceLog.accepted.length, 1);
    assert.equal(aliceLog.accepted[0].response.body.toString(), 'bob-answer');
    const aliceInvites = w.network.find('INVITE').filter((p) => p.from.address === '127.0.0.1').map((p) => cseqOf(p.message).seq);
    assert.deepEqual(aliceInvites, [1, 2, 3], 'the retry is a new request with a new CSeq');
    assert.equal(aliceDialog.inviteInProgress, undefined);
    assert.equal(bobDialog.inviteInProgress, undefined);
    assert.deepEqual(aliceLog.rejected, [], 'a 491 that is retried is reported through onGlareRetry only');
  });

  it('a second incoming re-INVITE while the first is unanswered gets 500 with Retry-After (§14.2)', async () => {
    const { w, alice, bob, aliceDialog, bobDialog } = await established();
    alice.manager.reinvite(aliceDialog, {}, inviteLog());
    await flush();
    assert.equal(bob.reinvites.length, 1);
    const second = aliceDialog.createRequest('INVITE');
    const got: SipResponse[] = [];
    alice.layer.sendRequest(second, [{ protocol: 'udp', address: '127.0.0.2', port: 5080 }], { onResponse: (r) => got.push(r) });
    await flush();
    assert.deepEqual(got.map((r) => r.status), [500]);
    const retryAfter = Number(got[0].headers.get('Retry-After'));
    assert.ok(retryAfter >= 0 && retryAfter <= 10);
    assert.equal(bob.reinvites.length, 1);
    bob.reinvites[0].reject(488);
    await flush();
    assert.equal(bobDialog.state, 'Confirmed', 'a rejected re-INVITE leaves the dialog alone');
    assert.equal(w.network.find(488).length, 1);
  });

  it('remote target refresh: the re-INVITE Contact updates the UAS, the 2xx Contact updates the UAC (§12.2)', async () => {
    const { alice, bob, aliceDialog, bobDialog } = await established();
    aliceDialog.localContact = parseNameAddr('<sip:alice@127.0.0.1:5070;ob>');
    bob.onReinvite = (_d, inv) => inv.accept({ contact: parseNameAddr('<sip:bob@127.0.0.2:5080;moved>') });
    const log = inviteLog();
    alice.manager.reinvite(aliceDialog, {}, log);
    await flush();
    assert.equal(formatUri(bobDialog.remoteTarget), 'sip:alice@127.0.0.1:5070;ob');
    assert.equal(formatUri(aliceDialog.remoteTarget), 'sip:bob@127.0.0.2:5080;moved');
    assert.equal(log.accepted.length, 1);
    assert.equal(bobDialog.remoteSeq, 2);
  });

  it('UPDATE refreshes the target on both ends and needs no ACK', async () => {
    const { alice, bob, aliceDialog, bobDialog } = await established();
    aliceDialog.localContact = parseNameAddr('<sip:alice@127.0.0.1:5070;new>');
    const pending = alice.manager.request(aliceDialog, 'UPDATE');
    await flush();
    assert.equal(formatUri(bobDialog.remoteTarget), 'sip:alice@127.0.0.1:5070;new');
    const { request, tx } = bob.dialogRequests[0];
    const ok = createResponse(request, 200);
    ok.headers.append('Contact', '<sip:bob@127.0.0.2:5080;upd>');
    tx.respond(ok);
    assert.equal((await pending).status, 200);
    assert.equal(formatUri(aliceDialog.remoteTarget), 'sip:bob@127.0.0.2:5080;upd');
  });

  it('without an onReinvite handler a re-INVITE is refused with 488 and the dialog stays', async () => {
    const w = world();
    const { alice } = w;
    const transport = w.network.endpoint('127.0.0.3', 5090);
    const layer = new TransactionLayer({ transport, clock: w.clock, autoTrying: false });
    const carol = new DialogManager({ layer, user: { onInvite: (inv) => inv.accept(), onRequest: () => {} }, contact: parseNameAddr('<sip:carol@127.0.0.3:5090>') });
    const first = inviteLog();
    alice.manager.invite(inviteRequest(alice, { ...alice, name: 'carol', address: '127.0.0.3', port: 5090 }), first);
    await flush();
    const log = inviteLog();
    alice.manager.reinvite(first.accepted[0].dialog, {}, log);
    await flush();
    assert.deepEqual(log.rejected.map((r) => r.status), [488]);
    assert.equal(first.accepted[0].dialog.state, 'Confirmed');
    assert.equal(carol.dialogs[0].state, 'Confirmed');
  });
});
