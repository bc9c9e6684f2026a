import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { FakeNetwork, flush } from '../../../helpers/fake-transport.ts';
import { cseqOf, topVia } from '../../../../electron/sip/message/index.ts';
import type { SipRequest, SipResponse } from '../../../../electron/sip/message/index.ts';
import { localFailureOf } from '../../../../electron/sip/transaction/synthesized-response.ts';
import { TransactionLayer } from '../../../../electron/sip/transaction/transaction-layer.ts';
import type { ServerTransaction } from '../../../../electron/sip/transaction/transaction-layer.ts';
import type { SendTarget } from '../../../../electron/sip/transport/transport.ts';
import { request, response } from './build.ts';

const T1: SendTarget = { protocol: 'udp', address: '127.0.0.11', port: 5060 };
const T2: SendTarget = { protocol: 'tcp', address: '127.0.0.12', port: 5060, serverName: 'two.example' };
const T3: SendTarget = { protocol: 'udp', address: '127.0.0.13', port: 5060 };

/** A client layer and servers at T1..T3 answering with `answers[i]` (undefined: the address is silent / absent). */
function setup(answers: Record<string, ((req: SipRequest, tx: ServerTransaction) => void) | 'absent'>) {
  const clock = new FakeClock();
  const network = new FakeNetwork({ clock });
  const client = new TransactionLayer({ transport: network.endpoint('127.0.0.1', 5070), clock, autoTrying: false });
  for (const t of [T1, T2, T3]) {
    const answer = answers[t.address];
    if (answer === 'absent') continue;
    new TransactionLayer({
      transport: network.endpoint(t.address, t.port),
      clock,
      autoTrying: false,
      user: { onRequest: (req, tx) => answer?.(req, tx), onAck: () => {}, onStrayResponse: () => {} },
    });
  }
  const got: SipResponse[] = [];
  const retries: string[] = [];
  const user = {
    onResponse: (r: SipResponse) => got.push(r),
    onRetry: (r: SipResponse, failed: SendTarget, next: SendTarget) => retries.push(`${r.status} ${failed.address} -> ${next.address}`),
  };
  return { clock, network, client, got, retries, user };
}

function arrivals(network: FakeNetwork, method: string): { to: string; branch: string | null | undefined; seq: number; time: number }[] {
  return network.packets
    .filter((p) => p.message.kind === 'request' && p.message.method === method && !p.dropped)
    .map((p) => ({ to: p.to.address, branch: topVia(p.message).params.get('branch'), seq: cseqOf(p.message).seq, time: p.time }));
}

describe('TargetFailover (RFC 3263 §4.3)', () => {
  it('timeout -> next target, server 503 -> next target, each with a new branch and the same CSeq', async () => {
    const s = setup({
      '127.0.0.11': () => {}, // silent: Timer B
      '127.0.0.12': (req, tx) => tx.respond(response(req, 503, 'x')),
      '127.0.0.13': (req, tx) => tx.respond(response(req, 200, 'ok')),
    });
    const f = s.client.sendRequest(request({ branch: 'z9hG4bK-f1' }), [T1, T2, T3], s.user);
    await flush();
    s.clock.advance(32_000);
    await flush();
    await flush();
    assert.deepEqual(s.got.map((r) => r.status), [200]);
    assert.deepEqual(s.retries, ['408 127.0.0.11 -> 127.0.0.12', '503 127.0.0.12 -> 127.0.0.13']);
    const seen = arrivals(s.network, 'INVITE');
    const firstAt = (a: string) => seen.find((x) => x.to === a);
    assert.equal(firstAt('127.0.0.12')?.time, 32_000);
    const branches = new Set([firstAt('127.0.0.11')?.branch, firstAt('127.0.0.12')?.branch, firstAt('127.0.0.13')?.branch]);
    assert.equal(branches.size, 3);
    assert.deepEqual(new Set(seen.map((x) => x.seq)), new Set([1]));
    assert.equal(f.attempt, 3);
    assert.equal(f.target, T3);
    // The 503 from target 2 was ACKed by its INVITE client transaction.
    assert.equal(arrivals(s.network, 'ACK').filter((a) => a.to === '127.0.0.12').length, 1);
  });

  it('transport failure (connection refused) moves on at once', async () => {
    const s = setup({
      '127.0.0.11': (req, tx) => tx.respond(response(req, 200, 'ok')),
      '127.0.0.12': 'absent',
      '127.0.0.13': (req, tx) => tx.respond(response(req, 200, 'ok')),
    });
    s.client.sendRequest(request({ method: 'OPTIONS', branch: 'z9hG4bK-f2' }), [T2, T3], s.user);
    await flush();
    assert.deepEqual(s.retries, ['503 127.0.0.12 -> 127.0.0.13']);
    assert.deepEqual(s.got.map((r) => r.status), [200]);
    assert.equal(s.clock.now(), 0);
  });

  it('no failover once a provisional came, nor for a server 408, nor after the last target', async () => {
    const after1xx = setup({
      '127.0.0.11': (req, tx) => {
        tx.respond(response(req, 100));
        tx.respond(response(req, 503, 'x'));
      },
      '127.0.0.12': 'absent',
      '127.0.0.13': () => assert.fail('must not be tried'),
    });
    after1xx.client.sendRequest(request({ method: 'OPTIONS', branch: 'z9hG4bK-f3' }), [T1, T3], after1xx.user);
    await flush();
    assert.deepEqual(after1xx.got.map((r) => r.status), [100, 503]);
    assert.deepEqual(after1xx.retries, []);

    const server408 = setup({
      '127.0.0.11': (req, tx) => tx.respond(response(req, 408, 'x')),
      '127.0.0.12': 'absent',
      '127.0.0.13': () => assert.fail('must not be tried'),
    });
    server408.client.sendRequest(request({ method: 'OPTIONS', branch: 'z9hG4bK-f4' }), [T1, T3], server408.user);
    await flush();
    assert.deepEqual(server408.got.map((r) => r.status), [408]);
    assert.equal(localFailureOf(server408.got[0]), undefined);

    const last = setup({ '127.0.0.11': () => {}, '127.0.0.12': 'absent', '127.0.0.13': () => {} });
    last.client.sendRequest(request({ method: 'OPTIONS', branch: 'z9hG4bK-f5' }), [T1, T3], last.user);
    last.clock.advance(32_000);
    await flush();
    last.clock.advance(32_000);
    await flush();
    assert.deepEqual(last.got.map((r) => r.status), [408]);
    assert.equal(localFailureOf(last.got[0]), 'timeout');
    assert.equal(last.retries.length, 1);
  });

  it('stopFailover() (e.g. a cancelled INVITE) reports the failure instead of trying the next target', async () => {
    const s = setup({ '127.0.0.11': () => {}, '127.0.0.12': 'absent', '127.0.0.13': () => assert.fail('must not be tried') });
    const f = s.client.sendRequest(request({ method: 'OPTIONS', branch: 'z9hG4bK-f6' }), [T1, T3], s.user);
    f.stopFailover();
    s.clock.advance(32_000);
    await flush();
    assert.deepEqual(s.got.map((r) => r.status), [408]);
  });

  it('the TLS server name travels with the target', async () => {
    const s = setup({ '127.0.0.11': 'absent', '127.0.0.12': (req, tx) => tx.respond(response(req, 200, 'x')), '127.0.0.13': 'absent' });
    const f = s.client.sendRequest(request({ method: 'OPTIONS', branch: 'z9hG4bK-f7' }), [T2], s.user);
    assert.equal(f.transaction.target.serverName, 'two.example');
    assert.throws(() => s.client.sendRequest(request({ method: 'OPTIONS' }), [], s.user), /no targets/);
  });
});
