/**
 * A layer that keeps records of finished transactions (lingerRecords, the
 * server's): the transaction is freed at its final response, and for the
 * rest of Timers J, L, M and K its record answers retransmissions on the wire
 * exactly as the RFC 3261 / RFC 6026 machine would have — checked against a
 * layer without records on the same exchanges.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { FakeNetwork, flush } from '../../../helpers/fake-transport.ts';
import { createLogger } from '../../../../electron/common/logger.ts';
import type { LogRecord } from '../../../../electron/common/logger.ts';
import { parseMessage, serializeMessage, type SipRequest, type SipResponse } from '../../../../electron/sip/message/index.ts';
import { TransactionLayer } from '../../../../electron/sip/transaction/transaction-layer.ts';
import type { ServerTransaction } from '../../../../electron/sip/transaction/transaction-layer.ts';
import type { SendTarget } from '../../../../electron/sip/transport/transport.ts';
import { LingerRecords } from '../../../../electron/sip/transaction/linger-records.ts';
import { request, response } from './build.ts';

const A = { protocol: 'udp' as const, address: '127.0.0.1', port: 5070 };
const B: SendTarget = { protocol: 'udp', address: '127.0.0.2', port: 5080 };

function pair(records: { a: boolean; b: boolean }, answer: (request: SipRequest, tx: ServerTransaction) => void) {
  const clock = new FakeClock();
  const network = new FakeNetwork({ clock });
  const ta = network.endpoint(A.address, A.port);
  const tb = network.endpoint(B.address, B.port);
  const logs: LogRecord[] = [];
  const logger = createLogger((rec) => logs.push(rec), 'test');
  const got = { requests: [] as SipRequest[], acks: [] as SipRequest[], strays: [] as SipResponse[] };
  const user = {
    onRequest: (req: SipRequest, tx: ServerTransaction) => {
      got.requests.push(req);
      answer(req, tx);
    },
    onAck: (ack: SipRequest) => void got.acks.push(ack),
    onStrayResponse: (r: SipResponse) => void got.strays.push(r),
  };
  const a = new TransactionLayer({ transport: ta, clock, logger, user: { ...user, onRequest: () => {} }, autoTrying: false, lingerRecords: records.a });
  const b = new TransactionLayer({ transport: tb, clock, logger, user, autoTrying: false, lingerRecords: records.b });
  const errors = () => logs.filter((l) => l.level === 'error' || l.level === 'warn');
  return { clock, network, ta, tb, a, b, got, errors };
}

/** Delivers a fresh parse of `message` to `layer` as if it arrived again from `from` (a retransmission). */
function again(layer: TransactionLayer, message: SipRequest | SipResponse, from = A): void {
  const copy = parseMessage(serializeMessage(message));
  layer.receive({ message: copy, source: from, local: { ...B } });
}

/** `ok` with another status line (a provisional after the 2xx). */
function withStatus(ok: SipResponse, status: number, reason: string): SipResponse {
  const text = serializeMessage(ok).toString('latin1').replace(/^SIP\/2\.0 \d{3} [^\r]*/, `SIP/2.0 ${status} ${reason}`);
  return parseMessage(text) as SipResponse;
}

describe('TransactionLayer with records of finished transactions (lingerRecords)', () => {
  for (const withRecords of [false, true]) {
    const label = withRecords ? 'records' : 'whole transactions';
    it(`non-INVITE (${label}): a retransmitted request after the 200 gets the same 200 again for 64·T1, the TU sees it once`, async () => {
      const p = pair({ a: false, b: withRecords }, (req, tx) => tx.respond(response(req, 200)));
      const bye = request({ method: 'BYE', branch: 'z9hG4bK-bye1', toTag: 'b1' });
      again(p.b, bye);
      await flush();
      assert.equal(p.got.requests.length, 1);
      assert.equal(p.b.serverCount, withRecords ? 0 : 1, 'the transaction is freed at once with records');
      assert.equal(p.b.recordCount, withRecords ? 1 : 0);
      const first = p.tb.sentOf(200);
      assert.equal(first.length, 1);
      p.clock.advance(20_000);
      again(p.b, bye);
      await flush();
      const sent = p.tb.sentOf(200);
      assert.equal(sent.length, 2, 'the retransmission was answered');
      assert.equal(serializeMessage(sent[1]!).toString(), serializeMessage(sent[0]!).toString(), 'with the very same response');
      assert.equal(p.network.packets.at(-1)?.to.port, A.port, 'sent where the request came from');
      assert.equal(p.got.requests.length, 1, 'the TU was not asked again');
      p.clock.advance(12_500); // past Timer J (and a record's sweep)
      assert.equal(p.b.serverCount + p.b.recordCount, 0, 'nothing left after Timer J');
      again(p.b, bye);
      await flush();
      assert.equal(p.got.requests.length, 2, 'after Timer J the same branch is a new request');
      assert.deepEqual(p.errors(), []);
    });

    it(`INVITE answered 2xx (${label}): a retransmitted INVITE is absorbed, an ACK on its branch goes to the TU, a CANCEL finds it answered`, async () => {
      const p = pair({ a: false, b: withRecords }, (req, tx) => tx.respond(response(req, 200, 'b1')));
      const invite = request({ branch: 'z9hG4bK-inv1' });
      again(p.b, invite);
      await flush();
      assert.equal(p.tb.sentOf(200).length, 1);
      assert.equal(p.b.serverCount, withRecords ? 0 : 1);
      again(p.b, invite);
      await flush();
      assert.equal(p.tb.sentOf(200).length, 1, 'absorbed: the TU retransmits 2xx itself (RFC 6026 §7.1)');
      assert.equal(p.got.requests.length, 1);
      again(p.b, request({ method: 'ACK', branch: 'z9hG4bK-inv1', toTag: 'b1', cseqMethod: 'ACK' }));
      await flush();
      assert.equal(p.got.acks.length, 1, 'the ACK reached the TU');
      const cancel = request({ method: 'CANCEL', branch: 'z9hG4bK-inv1' });
      assert.equal(p.b.findInviteForCancel(cancel) !== undefined || p.b.inviteAccepted(cancel), true, 'the CANCEL finds its answered INVITE');
      p.clock.advance(32_500);
      assert.equal(p.b.serverCount + p.b.recordCount, 0, 'nothing left after Timer L');
      assert.equal(p.b.inviteAccepted(cancel), false);
      assert.deepEqual(p.errors(), []);
    });
  }

  it('INVITE client: with a TU handler for later 2xx the transaction ends at its 2xx and the record forwards retransmitted 2xx until Timer M', async () => {
    const p = pair({ a: true, b: false }, (req, tx) => tx.respond(response(req, 200, 'b1')));
    const first: number[] = [];
    const later: number[] = [];
    p.a.sendRequest(request({ branch: 'z9hG4bK-ict1' }), [B], {
      onResponse: (r) => void first.push(r.status),
      laterSuccess: () => (r) => void later.push(r.status),
    });
    await flush();
    assert.deepEqual(first, [200]);
    assert.equal(p.a.clientCount, 0, 'the client transaction is freed at its 2xx');
    const ok = p.network.find(200)[0]!.message as SipResponse;
    again(p.a, ok, { protocol: 'udp', address: B.address, port: B.port });
    again(p.a, withStatus(ok, 180, 'Ringing'), { protocol: 'udp', address: B.address, port: B.port });
    assert.deepEqual(later, [200], 'the retransmitted 2xx went to the handler, anything else was absorbed');
    assert.deepEqual(first, [200]);
    p.clock.advance(32_500);
    again(p.a, ok, { protocol: 'udp', address: B.address, port: B.port });
    assert.deepEqual(later, [200]);
    assert.equal(p.got.strays.length, 1, 'after Timer M it is a stray response, as without records');
  });

  it('INVITE client: a TU without such a handler (a phone) keeps the transaction in Accepted until Timer M', async () => {
    const p = pair({ a: true, b: false }, (req, tx) => tx.respond(response(req, 200, 'b1')));
    const got: number[] = [];
    const failover = p.a.sendRequest(request({ branch: 'z9hG4bK-ict2' }), [B], { onResponse: (r) => void got.push(r.status) });
    await flush();
    assert.equal(failover.transaction.state, 'Accepted');
    const ok = p.network.find(200)[0]!.message as SipResponse;
    again(p.a, ok, { protocol: 'udp', address: B.address, port: B.port });
    assert.deepEqual(got, [200, 200], 'RFC 6026 §7.2: every 2xx to the TU');
    p.clock.advance(32_000);
    assert.equal(p.a.clientCount, 0);
  });

  it('non-INVITE client: freed at its final response; retransmitted finals are absorbed for Timer K, not stray', async () => {
    const p = pair({ a: true, b: false }, (req, tx) => tx.respond(response(req, 200)));
    const got: number[] = [];
    p.a.sendRequest(request({ method: 'OPTIONS', branch: 'z9hG4bK-nict1' }), [B], { onResponse: (r) => void got.push(r.status) });
    await flush();
    assert.deepEqual(got, [200]);
    assert.equal(p.a.clientCount, 0);
    const ok = p.network.find(200)[0]!.message as SipResponse;
    again(p.a, ok, { protocol: 'udp', address: B.address, port: B.port });
    assert.equal(p.got.strays.length, 0, 'absorbed');
    p.clock.advance(5_500);
    assert.equal(p.a.recordCount, 0, 'gone after Timer K');
    again(p.a, ok, { protocol: 'udp', address: B.address, port: B.port });
    assert.equal(p.got.strays.length, 1);
  });

  it('records are bounded (beyond the limit a transaction lingers whole), expire in order, and close() forgets them', async () => {
    const clock = new FakeClock();
    const records = new LingerRecords(clock, 2);
    assert.equal(records.keep('k1', { kind: 'absorb' }, 5_000), true);
    clock.advance(1_000);
    assert.equal(records.keep('k2', { kind: 'accepted' }, 32_000), true);
    assert.equal(records.keep('k3', { kind: 'absorb' }, 5_000), false, 'full: refused');
    assert.equal(records.keep('k2', { kind: 'absorb' }, 5_000), false, 'a key already kept is refused');
    clock.advance(4_000);
    assert.equal(records.get('k1'), undefined, 'past its time a record is never used, swept or not');
    clock.advance(300);
    assert.equal(records.size, 1, 'swept at most 250 ms late');
    assert.equal(records.get('k2')?.kind, 'accepted');
    assert.equal(records.keep('k3', { kind: 'absorb' }, 5_000), true, 'room again');
    records.clear();
    assert.equal(records.size, 0);
    clock.advance(60_000);
    const p = pair({ a: false, b: true }, (req, tx) => tx.respond(response(req, 200)));
    for (let i = 0; i < 50; i++) again(p.b, request({ method: 'OPTIONS', branch: `z9hG4bK-many${i}`, callId: `c${i}` }));
    await flush();
    assert.equal(p.b.recordCount, 50);
    assert.equal(p.b.serverCount, 0);
    p.b.close();
    assert.equal(p.b.recordCount, 0);
  });
});
