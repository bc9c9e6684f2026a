import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flush } from '../../../helpers/fake-transport.ts';
import { cseqOf, toOf, topVia } from '../../../../electron/sip/message/index.ts';
import type { SipRequest, SipResponse } from '../../../../electron/sip/message/index.ts';
import { InviteClientTransaction } from '../../../../electron/sip/transaction/invite-client-transaction.ts';
import { localFailureOf } from '../../../../electron/sip/transaction/synthesized-response.ts';
import type { TransportProtocol } from '../../../../electron/sip/transport/transport.ts';
import { harness, request, response, sendTimes } from './build.ts';

function start(protocol: TransportProtocol = 'udp', req: SipRequest = request()) {
  const h = harness();
  const got: SipResponse[] = [];
  let terminated = 0;
  const tx = new InviteClientTransaction({
    ...h.ctx,
    request: req,
    target: { protocol, address: '127.0.0.2', port: 5080 },
    user: { onResponse: (r) => got.push(r) },
  });
  tx.onTerminated(() => terminated++);
  tx.start();
  return { ...h, tx, got, req, terminatedCount: () => terminated };
}

describe('InviteClientTransaction (RFC 3261 §17.1.1, RFC 6026 §7.2)', () => {
  it('Calling: Timer A retransmits at T1 doubling without cap; Timer B at 64*T1 gives the TU a 408 and terminates', async () => {
    const t = start();
    assert.equal(t.tx.state, 'Calling');
    assert.deepEqual(t.tx.runningTimers.sort(), ['timerA', 'timerB']);
    t.clock.advance(31_999);
    assert.deepEqual(sendTimes(t, 'INVITE'), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.equal(t.got.length, 0);
    t.clock.advance(1);
    assert.equal(t.tx.state, 'Terminated');
    assert.equal(t.got.length, 1);
    assert.equal(t.got[0].status, 408);
    assert.equal(localFailureOf(t.got[0]), 'timeout');
    assert.equal(t.terminatedCount(), 1);
    assert.equal(t.clock.pending, 0);
    await flush();
  });

  it('reliable transport: Timer A is not started, Timer B still fires', () => {
    const t = start('tcp');
    assert.deepEqual(t.tx.runningTimers, ['timerB']);
    t.clock.advance(32_000);
    assert.deepEqual(sendTimes(t, 'INVITE'), [0]);
    assert.equal(t.got[0].status, 408);
    assert.equal(t.tx.state, 'Terminated');
  });

  it('Calling -> Proceeding on 1xx: retransmissions stop, Timer B is cancelled, every 1xx reaches the TU', () => {
    const t = start();
    t.clock.advance(600); // one retransmission
    t.tx.receiveResponse(response(t.req, 100));
    assert.equal(t.tx.state, 'Proceeding');
    assert.deepEqual(t.tx.runningTimers, []);
    assert.equal(t.tx.provisionalReceived, true);
    t.tx.receiveResponse(response(t.req, 180, 'to-1'));
    assert.equal(t.tx.state, 'Proceeding');
    t.clock.advance(100_000);
    assert.deepEqual(sendTimes(t, 'INVITE'), [0, 500]);
    assert.deepEqual(t.got.map((r) => r.status), [100, 180]);
  });

  it('Calling -> Completed on 300-699: ACK built per §17.1.1.3, response to TU, retransmission re-ACKed and absorbed, Timer D', () => {
    const req = request({ extra: ['Route: <sip:proxy.example;lr>', 'Authorization: Digest username="a"'] });
    const t = start('udp', req);
    const branch = topVia(t.req).params.get('branch');
    const final = response(t.req, 486, 'callee-tag');
    t.tx.receiveResponse(final);
    assert.equal(t.tx.state, 'Completed');
    assert.deepEqual(t.got.map((r) => r.status), [486]);
    const acks = t.transport.sentOf('ACK') as SipRequest[];
    assert.equal(acks.length, 1);
    const ack = acks[0];
    assert.equal(ack.uri, t.req.uri);
    assert.equal(ack.headers.getAll('Via').length, 1);
    assert.equal(topVia(ack).params.get('branch'), branch);
    assert.equal(toOf(ack).params.get('tag'), 'callee-tag');
    assert.deepEqual(cseqOf(ack), { seq: 1, method: 'ACK' });
    assert.deepEqual(ack.headers.getAll('Route'), ['<sip:proxy.example;lr>']);
    assert.equal(ack.headers.get('Call-ID'), 'call-1@test');
    assert.deepEqual(t.tx.runningTimers, ['timerD']);
    t.tx.receiveResponse(response(t.req, 486, 'callee-tag'));
    assert.equal(t.transport.sentOf('ACK').length, 2);
    assert.equal(t.got.length, 1);
    t.clock.advance(31_999);
    assert.equal(t.tx.state, 'Completed');
    t.clock.advance(1);
    assert.equal(t.tx.state, 'Terminated');
  });

  it('Proceeding -> Completed on a final failure', () => {
    const t = start();
    t.tx.receiveResponse(response(t.req, 180, 'x'));
    t.tx.receiveResponse(response(t.req, 603, 'x'));
    assert.equal(t.tx.state, 'Completed');
    assert.equal(t.transport.sentOf('ACK').length, 1);
  });

  it('reliable transport: Completed is left at once (Timer D = 0)', () => {
    const t = start('tls');
    t.tx.receiveResponse(response(t.req, 404, 'x'));
    assert.equal(t.tx.state, 'Terminated');
    assert.equal(t.transport.sentOf('ACK').length, 1);
    assert.equal(t.got[0].status, 404);
  });

  it('Calling -> Accepted on 2xx; 2xx retransmissions go to the TU; no ACK from the transaction; Timer M ends it', () => {
    const t = start();
    t.tx.receiveResponse(response(t.req, 200, 'a'));
    assert.equal(t.tx.state, 'Accepted');
    assert.deepEqual(t.tx.runningTimers, ['timerM']);
    t.tx.receiveResponse(response(t.req, 200, 'a'));
    t.tx.receiveResponse(response(t.req, 200, 'b')); // another fork
    t.tx.receiveResponse(response(t.req, 180, 'c')); // ignored in Accepted
    t.tx.receiveResponse(response(t.req, 500, 'c')); // ignored in Accepted
    assert.deepEqual(t.got.map((r) => `${r.status}/${toOf(r).params.get('tag')}`), ['200/a', '200/a', '200/b']);
    assert.equal(t.transport.sentOf('ACK').length, 0);
    t.clock.advance(31_999);
    assert.equal(t.tx.state, 'Accepted');
    t.clock.advance(1);
    assert.equal(t.tx.state, 'Terminated');
  });

  it('Proceeding -> Accepted on 2xx; Timer M is 64*T1 on reliable transports too', () => {
    const t = start('tcp');
    t.tx.receiveResponse(response(t.req, 183, 'a'));
    t.tx.receiveResponse(response(t.req, 200, 'a'));
    assert.equal(t.tx.state, 'Accepted');
    t.clock.advance(32_000);
    assert.equal(t.tx.state, 'Terminated');
  });

  it('transport error in Calling (first send or a retransmission): synthesized 503 to the TU, Terminated', async () => {
    const refused = start('tcp'); // nobody listens on 127.0.0.2:5080 over TCP: the fake refuses
    await flush();
    assert.equal(refused.tx.state, 'Terminated');
    assert.deepEqual(refused.got.map((r) => r.status), [503]);
    assert.equal(localFailureOf(refused.got[0]), 'transport');
    const h = start('udp');
    await flush();
    assert.equal(h.tx.state, 'Calling');
    h.transport.failSend = () => 'unreachable';
    h.clock.advance(500); // the retransmission fails
    await flush();
    assert.equal(h.tx.state, 'Terminated');
    assert.deepEqual(h.got.map((r) => r.status), [503]);
    assert.equal(h.clock.pending, 0);
  });

  it('transport error on the ACK in Completed: Terminated without a second report', async () => {
    const t = start();
    t.transport.failSend = (m) => (m.kind === 'request' && m.method === 'ACK' ? 'closed' : undefined);
    t.tx.receiveResponse(response(t.req, 480, 'x'));
    await flush();
    assert.equal(t.tx.state, 'Terminated');
    assert.deepEqual(t.got.map((r) => r.status), [480]);
  });

  it('a switch to TCP by the transport (large request, §18.1.1) stops Timer A', async () => {
    const h = start('udp');
    const original = h.transport.send.bind(h.transport);
    h.transport.send = async (m, target) => {
      await original(m, target);
      return { protocol: 'tcp', address: target.address, port: target.port };
    };
    const tx = new InviteClientTransaction({
      ...h.ctx,
      request: request({ branch: 'z9hG4bK-big' }),
      target: { protocol: 'udp', address: '127.0.0.2', port: 5080 },
      user: { onResponse: () => {} },
    });
    tx.start();
    await flush();
    assert.equal(tx.reliable, true);
    assert.equal(tx.target.protocol, 'tcp');
    assert.deepEqual(tx.runningTimers, ['timerB']);
    assert.equal(h.tx.reliable, false);
  });

  it('refuses illegal transitions, start twice, and non-INVITE requests', () => {
    const t = start();
    assert.throws(() => t.tx.transition('Calling'), /illegal transition Calling -> Calling/);
    t.tx.receiveResponse(response(t.req, 200, 'a'));
    assert.throws(() => t.tx.transition('Completed'), /illegal transition Accepted -> Completed/);
    assert.throws(() => t.tx.transition('Proceeding'), /illegal/);
    assert.throws(() => t.tx.start(), /already started/);
    const h = harness();
    assert.throws(
      () => new InviteClientTransaction({ ...h.ctx, request: request({ method: 'BYE' }), target: { protocol: 'udp', address: '127.0.0.2', port: 5080 }, user: { onResponse: () => {} } }),
      /not an INVITE/,
    );
    t.clock.advance(32_000);
    assert.throws(() => t.tx.transition('Accepted'), /Terminated -> Accepted/);
  });

  it('abort() (§9.1, no final 64*T1 after CANCEL) terminates silently from Proceeding', () => {
    const t = start();
    t.tx.receiveResponse(response(t.req, 180, 'a'));
    t.tx.abort();
    assert.equal(t.tx.state, 'Terminated');
    assert.deepEqual(t.got.map((r) => r.status), [180]);
    t.tx.receiveResponse(response(t.req, 487, 'a'));
    assert.equal(t.got.length, 1);
  });
});
