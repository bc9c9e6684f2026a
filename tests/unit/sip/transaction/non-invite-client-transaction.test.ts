import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flush } from '../../../helpers/fake-transport.ts';
import type { SipRequest, SipResponse } from '../../../../electron/sip/message/index.ts';
import { NonInviteClientTransaction } from '../../../../electron/sip/transaction/non-invite-client-transaction.ts';
import { localFailureOf } from '../../../../electron/sip/transaction/synthesized-response.ts';
import type { TransportProtocol } from '../../../../electron/sip/transport/transport.ts';
import { harness, request, response, sendTimes } from './build.ts';

function start(protocol: TransportProtocol = 'udp', req: SipRequest = request({ method: 'OPTIONS' })) {
  const h = harness();
  const got: SipResponse[] = [];
  const tx = new NonInviteClientTransaction({
    ...h.ctx,
    request: req,
    target: { protocol, address: '127.0.0.2', port: 5080 },
    user: { onResponse: (r) => got.push(r) },
  });
  tx.start();
  return { ...h, tx, got, req };
}

describe('NonInviteClientTransaction (RFC 3261 §17.1.2)', () => {
  it('Trying: Timer E doubles from T1 capped at T2; Timer F at 64*T1 reports 408 and terminates', () => {
    const t = start();
    assert.equal(t.tx.state, 'Trying');
    assert.deepEqual(t.tx.runningTimers.sort(), ['timerE', 'timerF']);
    t.clock.advance(31_999);
    // 500, 1000, 2000, 4000, 4000, ...
    assert.deepEqual(sendTimes(t, 'OPTIONS'), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    t.clock.advance(1);
    assert.equal(t.tx.state, 'Terminated');
    assert.equal(t.got[0].status, 408);
    assert.equal(localFailureOf(t.got[0]), 'timeout');
    assert.equal(t.clock.pending, 0);
  });

  it('Trying -> Proceeding on 1xx: Timer E continues at T2, Timer F still runs and reports 408', () => {
    const t = start();
    t.clock.advance(600); // sends at 0, 500; next E at 1500
    t.tx.receiveResponse(response(t.req, 100));
    assert.equal(t.tx.state, 'Proceeding');
    t.tx.receiveResponse(response(t.req, 100));
    assert.deepEqual(t.got.map((r) => r.status), [100, 100]);
    t.clock.advance(10_000 - 600);
    // The E already armed (1000 ms) fires at 1500, then every T2.
    assert.deepEqual(sendTimes(t, 'OPTIONS'), [0, 500, 1500, 5500, 9500]);
    t.clock.advance(22_000);
    assert.equal(t.tx.state, 'Terminated');
    assert.deepEqual(t.got.map((r) => r.status), [100, 100, 408]);
  });

  it('Trying -> Completed on a final response: TU told once, retransmissions absorbed, Timer K = T4', () => {
    const t = start();
    t.tx.receiveResponse(response(t.req, 200, 'x'));
    assert.equal(t.tx.state, 'Completed');
    assert.deepEqual(t.tx.runningTimers, ['timerK']);
    t.tx.receiveResponse(response(t.req, 200, 'x'));
    assert.equal(t.got.length, 1);
    t.clock.advance(4_999);
    assert.equal(t.tx.state, 'Completed');
    assert.deepEqual(sendTimes(t, 'OPTIONS'), [0]);
    t.clock.advance(1);
    assert.equal(t.tx.state, 'Terminated');
  });

  it('Proceeding -> Completed on a final response', () => {
    const t = start();
    t.tx.receiveResponse(response(t.req, 100));
    t.tx.receiveResponse(response(t.req, 404, 'x'));
    assert.equal(t.tx.state, 'Completed');
    assert.deepEqual(t.got.map((r) => r.status), [100, 404]);
  });

  it('reliable transport: no Timer E, Timer F still fires, Timer K = 0', () => {
    const t = start('tcp');
    assert.deepEqual(t.tx.runningTimers, ['timerF'], 'no Timer E over TCP');
    const h = harness();
    h.network.endpoint('127.0.0.2', 5080); // someone listens: TCP send succeeds
    const got: SipResponse[] = [];
    const req = request({ method: 'MESSAGE' });
    const tx = new NonInviteClientTransaction({ ...h.ctx, request: req, target: { protocol: 'tcp', address: '127.0.0.2', port: 5080 }, user: { onResponse: (r) => got.push(r) } });
    tx.start();
    tx.receiveResponse(response(req, 202, 'x'));
    assert.equal(tx.state, 'Terminated');
    assert.equal(got[0].status, 202);
    const tx2 = new NonInviteClientTransaction({ ...h.ctx, request: request({ method: 'MESSAGE', branch: 'z9hG4bK-2' }), target: { protocol: 'tcp', address: '127.0.0.2', port: 5080 }, user: { onResponse: (r) => got.push(r) } });
    tx2.start();
    h.clock.advance(32_000);
    assert.equal(tx2.state, 'Terminated');
    assert.equal(got[1].status, 408);
    assert.deepEqual(sendTimes(h, 'MESSAGE'), [0, 0]);
  });

  it('transport error in Trying or Proceeding: synthesized 503, Terminated', async () => {
    const t = start('tcp');
    await flush();
    assert.equal(t.tx.state, 'Terminated');
    assert.deepEqual(t.got.map((r) => r.status), [503]);
    assert.equal(localFailureOf(t.got[0]), 'transport');
    const u = start();
    u.tx.receiveResponse(response(u.req, 100));
    u.transport.failSend = () => 'unreachable';
    u.clock.advance(500);
    await flush();
    assert.equal(u.tx.state, 'Terminated');
    assert.deepEqual(u.got.map((r) => r.status), [100, 503]);
  });

  it('refuses illegal transitions and INVITE/ACK requests', () => {
    const t = start();
    assert.throws(() => t.tx.transition('Trying'), /illegal transition Trying -> Trying/);
    t.tx.receiveResponse(response(t.req, 200));
    assert.throws(() => t.tx.transition('Proceeding'), /Completed -> Proceeding/);
    const h = harness();
    for (const method of ['INVITE', 'ACK']) {
      assert.throws(
        () => new NonInviteClientTransaction({ ...h.ctx, request: request({ method }), target: { protocol: 'udp', address: '127.0.0.2', port: 5080 }, user: { onResponse: () => {} } }),
        /does not use this machine/,
      );
    }
  });
});
