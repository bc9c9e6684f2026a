import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flush } from '../../../helpers/fake-transport.ts';
import { NonInviteServerTransaction } from '../../../../electron/sip/transaction/non-invite-server-transaction.ts';
import type { TransportProtocol } from '../../../../electron/sip/transport/transport.ts';
import { harness, incoming, request, response } from './build.ts';

function start(protocol: TransportProtocol = 'udp') {
  const h = harness();
  const req = request({ method: 'BYE', toTag: 't', transport: protocol.toUpperCase() });
  const events: string[] = [];
  const tx = new NonInviteServerTransaction({ ...h.ctx, request: req, incoming: incoming(req, protocol) });
  tx.user = { onTransportError: () => events.push('transport-error') };
  return { ...h, tx, req, events };
}

describe('NonInviteServerTransaction (RFC 3261 §17.2.2)', () => {
  it('Trying absorbs retransmissions; Trying -> Proceeding on 1xx; retransmissions get the last provisional', () => {
    const t = start();
    t.tx.receiveRequest(t.req);
    assert.equal(t.transport.sent.length, 0);
    t.tx.respond(response(t.req, 100));
    assert.equal(t.tx.state, 'Proceeding');
    t.tx.respond(response(t.req, 100));
    assert.equal(t.tx.state, 'Proceeding');
    t.tx.receiveRequest(t.req);
    assert.equal(t.transport.sentOf(100).length, 3);
  });

  it('Trying -> Completed on a final response; retransmissions re-answered; Timer J = 64*T1 ends it', () => {
    const t = start();
    t.tx.respond(response(t.req, 200));
    assert.equal(t.tx.state, 'Completed');
    assert.deepEqual(t.tx.runningTimers, ['timerJ']);
    t.tx.receiveRequest(t.req);
    assert.equal(t.transport.sentOf(200).length, 2);
    assert.throws(() => t.tx.respond(response(t.req, 500)), /after the final one/);
    t.clock.advance(31_999);
    assert.equal(t.tx.state, 'Completed');
    t.clock.advance(1);
    assert.equal(t.tx.state, 'Terminated');
  });

  it('Proceeding -> Completed on a final response', () => {
    const t = start();
    t.tx.respond(response(t.req, 100));
    t.tx.respond(response(t.req, 481));
    assert.equal(t.tx.state, 'Completed');
    assert.equal(t.tx.lastResponse?.status, 481);
  });

  it('reliable transport: Timer J = 0, Completed is left at once', () => {
    const t = start('tcp');
    t.tx.respond(response(t.req, 200));
    assert.equal(t.tx.state, 'Terminated');
    assert.equal(t.clock.pending, 0);
  });

  it('transport error in Proceeding or Completed: Terminated, TU told', async () => {
    const p = start();
    p.transport.failSend = () => 'closed';
    p.tx.respond(response(p.req, 100));
    await flush();
    assert.equal(p.tx.state, 'Terminated');
    assert.deepEqual(p.events, ['transport-error']);
    const c = start();
    c.transport.failSend = () => 'closed';
    c.tx.respond(response(c.req, 200));
    await flush();
    assert.equal(c.tx.state, 'Terminated');
    assert.deepEqual(c.events, ['transport-error']);
    c.tx.respond(response(c.req, 200)); // after Terminated: dropped, no throw
  });

  it('refuses illegal transitions and INVITE/ACK', () => {
    const t = start();
    assert.throws(() => t.tx.transition('Trying'), /Trying -> Trying/);
    t.tx.respond(response(t.req, 200));
    assert.throws(() => t.tx.transition('Proceeding'), /Completed -> Proceeding/);
    const h = harness();
    for (const method of ['INVITE', 'ACK']) {
      const r = request({ method });
      assert.throws(() => new NonInviteServerTransaction({ ...h.ctx, request: r, incoming: incoming(r) }), /does not use this machine/);
    }
  });
});
