import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flush } from '../../../helpers/fake-transport.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { cseqOf } from '../../../../electron/sip/message/index.ts';
import { SuccessRetransmitter } from '../../../../electron/sip/dialog/success-retransmitter.ts';
import { timerConfig } from '../../../../electron/sip/transaction/timers.ts';
import { inviteLog, inviteRequest, world } from './two-uas.ts';
import type { World } from './two-uas.ts';

function okTimes(w: World): number[] {
  return w.network.find(200, { includeDropped: true }).filter((p) => cseqOf(p.message).method === 'INVITE').map((p) => p.time);
}

describe('2xx retransmission by the UAS core until the ACK (RFC 3261 §13.3.1.4)', () => {
  it('SuccessRetransmitter: T1 doubling to T2, gives up at 64*T1', () => {
    const clock = new FakeClock();
    const times: number[] = [];
    let gaveUp = -1;
    const r = new SuccessRetransmitter({ clock, timers: timerConfig(), retransmit: () => times.push(clock.now()), onGiveUp: () => (gaveUp = clock.now()) });
    r.start();
    clock.advance(40_000);
    assert.deepEqual(times, [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(gaveUp, 32_000);
    assert.equal(r.running, false);
    assert.equal(clock.pending, 0);
  });

  it('a lost ACK: the 2xx is retransmitted, the UAC ACKs the retransmission, retransmissions stop', async () => {
    const w = world();
    const { alice, bob } = w;
    bob.onInvite = (inv) => inv.accept();
    w.network.loseNext(1, ({ message }) => message.kind === 'request' && message.method === 'ACK');
    const log = inviteLog('late-answer');
    alice.manager.invite(inviteRequest(alice, bob), log);
    await flush();
    assert.equal(bob.invites[0].state, 'Accepted');
    w.clock.advance(500);
    await flush();
    assert.equal(bob.invites[0].state, 'Confirmed');
    assert.equal(bob.invites[0].retransmissions, 1);
    const acks = w.network.find('ACK', { includeDropped: true });
    assert.equal(acks.length, 2);
    assert.equal(acks[1].message.body.toString(), 'late-answer', 'the resent ACK is the same ACK, body included');
    w.clock.advance(60_000);
    await flush();
    assert.deepEqual(okTimes(w), [0, 500]);
    assert.equal(log.accepted.length, 1);
    assert.equal(bob.manager.dialogs[0].state, 'Confirmed');
  });

  it('no ACK at all: 2xx at T1, 2T1, ... capped at T2 until 64*T1, then the UAS ends the dialog with BYE', async () => {
    const w = world();
    const { alice, bob } = w;
    let timedOut = 0;
    bob.onInvite = (inv) => {
      inv.onAckTimeout = () => timedOut++;
      inv.accept();
    };
    w.network.drop = ({ message }) => message.kind === 'request' && message.method === 'ACK';
    const log = inviteLog();
    alice.manager.invite(inviteRequest(alice, bob), log);
    await flush();
    for (let t = 0; t < 32_000; t += 500) {
      w.clock.advance(500);
      await flush();
    }
    assert.deepEqual(okTimes(w), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(timedOut, 1);
    assert.deepEqual(bob.ended.map((e) => e.reason), ['ack-timeout']);
    const byes = w.network.find('BYE');
    assert.equal(byes.length, 1);
    assert.equal(byes[0].from.address, '127.0.0.2');
    assert.deepEqual(alice.ended.map((e) => e.reason), ['bye-received']);
    // alice ACKed every retransmission it got (all lost).
    assert.equal(w.network.find('ACK', { includeDropped: true }).length, 11);
  });
});
