/**
 * The server's receive path under load: work in progress (responses, ACKs,
 * in-dialog requests) is handed up at once, new requests wait their turn in a
 * bounded queue handled a time slice per turn of the event loop.
 *
 * The first test is the 500 calls/s hang on a fake clock: the proxy has
 * forwarded an INVITE; one read of the socket brings ten new INVITEs and then
 * the callee's 100 Trying; handling a new INVITE costs 60 ms of a busy core.
 * Handled in arrival order, the 100 came after 600 ms of work, Timer A had
 * fired at 500 ms and the INVITE went to the callee a second time, after it
 * had answered (SIPp's UAS drops such a call).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GuardedTransport } from '../../../electron/server/guarded-transport.ts';
import { emptyStats } from '../../../electron/server/server-stats.ts';
import { SourceGuard } from '../../../electron/server/source-guard.ts';
import { TransactionLayer } from '../../../electron/sip/transaction/index.ts';
import type { SipMessage } from '../../../electron/sip/message/index.ts';
import { TransportError, type Endpoint, type SipTransport, type UnreachableEvent } from '../../../electron/sip/transport/index.ts';
import { harness, request, response } from '../sip/transaction/build.ts';

const CALLER: Endpoint = { protocol: 'udp', address: '127.0.0.1', port: 5070 };
const CALLEE: Endpoint = { protocol: 'udp', address: '127.0.0.3', port: 5090 };
const US: Endpoint = { protocol: 'udp', address: '127.0.0.1', port: 5070 };

function setup(options: { maxQueued?: number } = {}) {
  const h = harness();
  const stats = emptyStats();
  const deferred: Array<() => void> = [];
  const guarded = new GuardedTransport(h.transport, new SourceGuard({ clock: h.clock, ratePerSecond: 0 }), stats, {
    clock: h.clock, defer: (fn) => deferred.push(fn), sliceMs: 4, ...options,
  });
  /** Runs the deferred slices as the event loop would (bounded). */
  const runLoop = () => {
    for (let i = 0; i < 1000 && deferred.length > 0; i++) (deferred.shift() as () => void)();
    assert.equal(deferred.length, 0, 'the queue drained');
  };
  return { ...h, stats, guarded, runLoop };
}

describe('GuardedTransport: work in progress first', () => {
  test('the callee\'s 100 is seen before Timer A even when new INVITEs queued ahead of it cost more than T1', () => {
    const { clock, transport, guarded, runLoop } = setup();
    const handled: string[] = [];
    const layer = new TransactionLayer({
      transport: guarded, clock, autoTrying: false,
      user: {
        onRequest: (req) => {
          handled.push(`${req.method} ${req.headers.get('Call-ID')}`);
          clock.advance(60); // what a new INVITE costs a busy, shared core
        },
        onAck: () => {},
        onStrayResponse: () => {},
      },
    });
    const statuses: number[] = [];
    const forwarded = request({ uri: 'sip:bob@127.0.0.3:5090', branch: null, callId: 'forwarded@test' });
    layer.createClientTransaction(forwarded, CALLEE, { onResponse: (r) => statuses.push(r.status) });
    const invitesToCallee = () => transport.sentOf('INVITE').length;
    assert.equal(invitesToCallee(), 1);

    // One read of the socket: ten new calls, then the callee's answer to ours.
    for (let i = 0; i < 10; i++) transport.deliver(request({ branch: `z9hG4bK-new-${i}`, callId: `new-${i}@test`, uri: 'sip:carol@127.0.0.1' }), CALLER, US);
    transport.deliver(response(forwarded, 100), CALLEE, US);
    runLoop();

    assert.deepEqual(statuses, [100], 'the 100 reached the transaction');
    assert.equal(handled.length, 10, 'every new INVITE was handled');
    assert.ok(clock.now() >= 600, 'the new INVITEs took their 600 ms');
    assert.equal(invitesToCallee(), 1, 'no INVITE retransmission to a callee that had answered');
    layer.close();
  });

  test('responses, ACKs and in-dialog requests pass at once; new requests and CANCEL keep their order behind them', () => {
    const { transport, guarded, runLoop } = setup();
    const seen: string[] = [];
    guarded.onMessage((m) => seen.push(describeMessage(m.message)));
    const invite = request({ branch: 'z9hG4bK-a', callId: 'a@test' });
    transport.deliver(invite, CALLER, US);
    transport.deliver(request({ method: 'CANCEL', branch: 'z9hG4bK-a', callId: 'a@test' }), CALLER, US);
    transport.deliver(request({ method: 'REGISTER', branch: 'z9hG4bK-r', callId: 'r@test', uri: 'sip:127.0.0.1' }), CALLER, US);
    transport.deliver(request({ method: 'ACK', branch: 'z9hG4bK-k', callId: 'b@test', toTag: 'x' }), CALLER, US);
    transport.deliver(request({ method: 'BYE', branch: 'z9hG4bK-y', callId: 'b@test', toTag: 'x', cseq: 2 }), CALLER, US);
    transport.deliver(response(invite, 180, 'callee'), CALLEE, US);
    assert.deepEqual(seen, ['ACK b@test', 'BYE b@test', '180'], 'work in progress is handed up during the read');
    assert.equal(guarded.queued, 3);
    runLoop();
    assert.deepEqual(seen.slice(3), ['INVITE a@test', 'CANCEL a@test', 'REGISTER r@test'], 'new work in arrival order, CANCEL behind its INVITE');
    assert.equal(guarded.queued, 0);
  });

  test('the queue is bounded: beyond it new requests are dropped and counted, work in progress still passes', () => {
    const { transport, guarded, stats, runLoop } = setup({ maxQueued: 5 });
    const seen: string[] = [];
    guarded.onMessage((m) => seen.push(describeMessage(m.message)));
    for (let i = 0; i < 8; i++) transport.deliver(request({ branch: `z9hG4bK-n${i}`, callId: `n${i}@test` }), CALLER, US);
    transport.deliver(request({ method: 'BYE', branch: 'z9hG4bK-y', callId: 'b@test', toTag: 'x', cseq: 2 }), CALLER, US);
    assert.equal(stats.overloaded, 3);
    assert.equal(guarded.queued, 5);
    assert.deepEqual(seen, ['BYE b@test']);
    runLoop();
    assert.equal(seen.length, 6);
    assert.equal(stats.requests, 9);
  });

  test('ICMP unreachable reaches the transaction layer: a branch to a phone that is gone fails at once with 503, not after Timer B', async () => {
    const h = harness();
    let report: ((e: UnreachableEvent) => void) | undefined;
    // The FakeTransport with the real transport's ICMP report (TransportLayer.onUnreachable, from the UDP flow's connected socket).
    const t = h.transport;
    const inner: SipTransport = {
      send: (m, target) => t.send(m, target),
      sendResponse: (r, to) => t.sendResponse(r, to),
      onMessage: (handler) => t.onMessage(handler),
      localAddress: (protocol) => t.localAddress(protocol),
      close: () => t.close(),
      onUnreachable: (handler) => void (report = handler),
    };
    const guarded = new GuardedTransport(inner, new SourceGuard({ clock: h.clock, ratePerSecond: 0 }), emptyStats(), { clock: h.clock, defer: (fn) => fn() });
    const layer = new TransactionLayer({ transport: guarded, clock: h.clock, autoTrying: false, user: { onRequest: () => {}, onAck: () => {}, onStrayResponse: () => {} } });
    assert.ok(report, 'the layer subscribed through the guard');
    const statuses: number[] = [];
    layer.createClientTransaction(request({ uri: 'sip:bob@127.0.0.3:5090', branch: null }), CALLEE, { onResponse: (r) => statuses.push(r.status) });
    await Promise.resolve();
    report({ remote: { ...CALLEE }, error: new TransportError('refused', 'port unreachable', { endpoint: CALLEE }) });
    assert.deepEqual(statuses, [503], 'RFC 3261 §8.1.3.1: a transport error is a 503, at once');
    assert.equal(layer.clientCount, 0);
    h.clock.advance(32_000);
    assert.deepEqual(statuses, [503], 'nothing more after Timer B');
  });
});

function describeMessage(m: SipMessage): string {
  return m.kind === 'request' ? `${m.method} ${m.headers.get('Call-ID')}` : String(m.status);
}
