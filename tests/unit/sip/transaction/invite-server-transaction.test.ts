import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flush } from '../../../helpers/fake-transport.ts';
import type { SipRequest } from '../../../../electron/sip/message/index.ts';
import { InviteServerTransaction } from '../../../../electron/sip/transaction/invite-server-transaction.ts';
import type { TransportProtocol } from '../../../../electron/sip/transport/transport.ts';
import { harness, incoming, request, response, sendTimes } from './build.ts';

function start(protocol: TransportProtocol = 'udp', autoTrying: number | false = false) {
  const h = harness();
  const req = request({ transport: protocol.toUpperCase() });
  const acks: SipRequest[] = [];
  const events: string[] = [];
  const tx = new InviteServerTransaction({ ...h.ctx, request: req, incoming: incoming(req, protocol), autoTrying, passAck: (ack) => acks.push(ack) });
  tx.user = { onAckTimeout: () => events.push('ack-timeout'), onTransportError: () => events.push('transport-error') };
  return { ...h, tx, req, acks, events };
}

describe('InviteServerTransaction (RFC 3261 §17.2.1, RFC 6026 §7.1)', () => {
  it('sends 100 Trying after 200 ms of TU silence, not when the TU answered first', () => {
    const t = start('udp', 200);
    t.clock.advance(199);
    assert.equal(t.transport.sentOf(100).length, 0);
    t.clock.advance(1);
    assert.equal(t.transport.sentOf(100).length, 1);
    assert.equal(t.tx.state, 'Proceeding');
    const u = start('udp', 200);
    u.tx.respond(response(u.req, 180, 'tag'));
    u.clock.advance(1000);
    assert.equal(u.transport.sentOf(100).length, 0);
  });

  it('Proceeding: a retransmitted INVITE is answered with the last provisional', () => {
    const t = start();
    t.tx.receiveRequest(t.req); // nothing sent yet: nothing to repeat
    assert.equal(t.transport.sent.length, 0);
    t.tx.respond(response(t.req, 180, 'tag'));
    t.tx.receiveRequest(t.req);
    assert.equal(t.transport.sentOf(180).length, 2);
    assert.equal(t.tx.state, 'Proceeding');
  });

  it('Proceeding -> Completed on 300-699: Timer G doubles to T2, retransmitted INVITE re-answered, Timer H ends it and tells the TU', () => {
    const t = start();
    t.tx.respond(response(t.req, 486, 'tag'));
    assert.equal(t.tx.state, 'Completed');
    assert.deepEqual(t.tx.runningTimers.sort(), ['timerG', 'timerH']);
    t.clock.advance(12_000);
    assert.deepEqual(sendTimes(t, 486), [0, 500, 1500, 3500, 7500, 11500]);
    t.tx.receiveRequest(t.req);
    assert.equal(t.transport.sentOf(486).length, 7);
    t.clock.advance(32_000 - 12_000 - 1);
    assert.equal(t.tx.state, 'Completed');
    t.clock.advance(1);
    assert.equal(t.tx.state, 'Terminated');
    assert.deepEqual(t.events, ['ack-timeout']);
    assert.equal(t.clock.pending, 0);
  });

  it('Completed -> Confirmed on ACK: G and H stop, more ACKs absorbed, Timer I = T4 ends it', () => {
    const t = start();
    t.tx.respond(response(t.req, 404, 'tag'));
    const ack = request({ method: 'ACK', toTag: 'tag' });
    t.tx.receiveRequest(ack);
    assert.equal(t.tx.state, 'Confirmed');
    assert.deepEqual(t.tx.runningTimers, ['timerI']);
    t.tx.receiveRequest(ack);
    t.tx.receiveRequest(t.req);
    assert.equal(t.transport.sentOf(404).length, 1);
    assert.equal(t.acks.length, 0, 'the ACK of a non-2xx stays in the transaction');
    t.clock.advance(4_999);
    assert.equal(t.tx.state, 'Confirmed');
    t.clock.advance(1);
    assert.equal(t.tx.state, 'Terminated');
    assert.deepEqual(t.events, []);
  });

  it('reliable transport: no Timer G, Timer H still 64*T1, Confirmed left at once (I = 0)', () => {
    const t = start('tcp');
    t.tx.respond(response(t.req, 404, 'tag'));
    assert.deepEqual(t.tx.runningTimers, ['timerH']);
    t.tx.receiveRequest(request({ method: 'ACK', toTag: 'tag', transport: 'TCP' }));
    assert.equal(t.tx.state, 'Terminated');
    const u = start('tcp');
    u.tx.respond(response(u.req, 500, 'tag'));
    u.clock.advance(32_000);
    assert.equal(u.tx.state, 'Terminated');
    assert.deepEqual(u.events, ['ack-timeout']);
    assert.equal(u.transport.sentOf(500).length, 1);
  });

  it('Proceeding -> Accepted on 2xx: INVITE retransmissions absorbed, TU 2xx retransmissions sent, ACK passed up, Timer L ends it', () => {
    const t = start();
    const ok = response(t.req, 200, 'tag');
    t.tx.respond(ok);
    assert.equal(t.tx.state, 'Accepted');
    assert.deepEqual(t.tx.runningTimers, ['timerL']);
    t.clock.advance(10_000);
    assert.equal(t.transport.sentOf(200).length, 1, 'the transaction does not retransmit 2xx itself');
    t.tx.receiveRequest(t.req);
    assert.equal(t.transport.sentOf(200).length, 1);
    t.tx.respond(ok);
    assert.equal(t.transport.sentOf(200).length, 2);
    t.tx.receiveRequest(request({ method: 'ACK', toTag: 'tag' }));
    assert.equal(t.acks.length, 1);
    assert.equal(t.tx.state, 'Accepted');
    assert.throws(() => t.tx.respond(response(t.req, 486, 'tag')), /486 after a 2xx/);
    t.clock.advance(32_000 - 10_000 - 1);
    assert.equal(t.tx.state, 'Accepted');
    t.clock.advance(1);
    assert.equal(t.tx.state, 'Terminated');
  });

  it('transport error: Proceeding/Completed end and tell the TU; Accepted tells the TU and stays', async () => {
    const p = start();
    p.transport.failSend = () => 'closed';
    p.tx.respond(response(p.req, 180, 'tag'));
    await flush();
    assert.equal(p.tx.state, 'Terminated');
    assert.deepEqual(p.events, ['transport-error']);
    p.tx.respond(response(p.req, 200, 'tag')); // late answer: dropped, no throw
    const c = start();
    c.transport.failSend = () => 'closed';
    c.tx.respond(response(c.req, 603, 'tag'));
    await flush();
    assert.equal(c.tx.state, 'Terminated');
    assert.deepEqual(c.events, ['transport-error']);
    const a = start();
    a.transport.failSend = () => 'closed';
    a.tx.respond(response(a.req, 200, 'tag'));
    await flush();
    assert.equal(a.tx.state, 'Accepted');
    assert.deepEqual(a.events, ['transport-error']);
  });

  it('refuses illegal transitions and a second final response', () => {
    const t = start();
    assert.throws(() => t.tx.transition('Confirmed'), /Proceeding -> Confirmed/);
    t.tx.respond(response(t.req, 486, 'tag'));
    assert.throws(() => t.tx.respond(response(t.req, 200, 'tag')), /response 200 in Completed/);
    assert.throws(() => t.tx.transition('Accepted'), /Completed -> Accepted/);
    const h = harness();
    const bye = request({ method: 'BYE' });
    assert.throws(() => new InviteServerTransaction({ ...h.ctx, request: bye, incoming: incoming(bye) }), /not an INVITE/);
  });
});
