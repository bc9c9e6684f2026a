import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { FakeNetwork, flush } from '../../../helpers/fake-transport.ts';
import { createLogger } from '../../../../electron/common/logger.ts';
import type { LogRecord } from '../../../../electron/common/logger.ts';
import { SipRequest, createResponse, topVia } from '../../../../electron/sip/message/index.ts';
import type { SipResponse } from '../../../../electron/sip/message/index.ts';
import { TransactionLayer } from '../../../../electron/sip/transaction/transaction-layer.ts';
import type { ServerTransaction, TransactionLayerUser } from '../../../../electron/sip/transaction/transaction-layer.ts';
import type { SendTarget, SipTransport } from '../../../../electron/sip/transport/transport.ts';
import { request, response } from './build.ts';

interface Recorder extends TransactionLayerUser {
  requests: { request: SipRequest; tx: ServerTransaction }[];
  acks: SipRequest[];
  strays: SipResponse[];
}

function recorder(onRequest?: (request: SipRequest, tx: ServerTransaction) => void): Recorder {
  const r: Recorder = {
    requests: [],
    acks: [],
    strays: [],
    onRequest(request, tx) {
      r.requests.push({ request, tx });
      onRequest?.(request, tx);
    },
    onAck(ack) {
      r.acks.push(ack);
    },
    onStrayResponse(res) {
      r.strays.push(res);
    },
  };
  return r;
}

const B: SendTarget = { protocol: 'udp', address: '127.0.0.2', port: 5080 };

function pair(answer?: (request: SipRequest, tx: ServerTransaction) => void) {
  const clock = new FakeClock();
  const network = new FakeNetwork({ clock });
  const ta = network.endpoint('127.0.0.1', 5070);
  const tb = network.endpoint('127.0.0.2', 5080);
  const logs: LogRecord[] = [];
  const logger = createLogger((rec) => logs.push(rec), 'test');
  const ua = recorder();
  const ub = recorder(answer);
  const a = new TransactionLayer({ transport: ta, clock, logger, user: ua, autoTrying: false });
  const b = new TransactionLayer({ transport: tb, clock, logger, user: ub, autoTrying: false });
  const errors = () => logs.filter((l) => l.level === 'error');
  return { clock, network, ta, tb, a, b, ua, ub, errors };
}

function collect(): { got: SipResponse[]; onResponse: (r: SipResponse) => void } {
  const got: SipResponse[] = [];
  return { got, onResponse: (r) => got.push(r) };
}

describe('TransactionLayer', () => {
  it('carries a non-INVITE request and its response; a lost response makes the retransmission re-answered, TU told once', async () => {
    const p = pair((req, tx) => tx.respond(createResponse(req, 200)));
    p.network.loseNext(1, ({ message }) => message.kind === 'response');
    const c = collect();
    p.a.sendRequest(request({ method: 'OPTIONS', branch: 'z9hG4bK-o1' }), [B], c);
    await flush();
    assert.equal(c.got.length, 0);
    p.clock.advance(500); // Timer E
    await flush();
    assert.deepEqual(c.got.map((r) => r.status), [200]);
    assert.equal(p.ub.requests.length, 1);
    assert.equal(p.network.find('OPTIONS').length, 2);
    assert.equal(p.b.serverCount, 1);
    p.clock.advance(32_000); // Timer J and K
    assert.equal(p.a.clientCount, 0);
    assert.equal(p.b.serverCount, 0);
    assert.deepEqual(p.errors(), []);
  });

  it('a lost INVITE is retransmitted by Timer A; the server transaction absorbs the copy', async () => {
    const p = pair((req, tx) => tx.respond(response(req, 180, 'b1')));
    p.network.loseNext(1, ({ message }) => message.kind === 'request');
    const c = collect();
    p.a.sendRequest(request({ branch: 'z9hG4bK-i1' }), [B], c);
    p.clock.advance(500);
    await flush();
    p.clock.advance(1000); // no more retransmissions after the 180
    await flush();
    assert.equal(p.network.find('INVITE', { includeDropped: true }).length, 2);
    assert.deepEqual(c.got.map((r) => r.status), [180]);
    assert.equal(p.ub.requests.length, 1);
  });

  it('non-2xx: the ACK matches the INVITE server transaction (Confirmed), never reaches the TU; a lost final is re-sent by Timer G', async () => {
    let ist: ServerTransaction | undefined;
    const p = pair((req, tx) => {
      ist = tx;
      tx.respond(response(req, 486, 'b1'));
    });
    p.network.loseNext(1, ({ message }) => message.kind === 'response');
    const c = collect();
    p.a.sendRequest(request({ branch: 'z9hG4bK-i2' }), [B], c);
    await flush();
    p.clock.advance(500); // Timer A and Timer G both fire at T1
    await flush();
    assert.deepEqual(c.got.map((r) => r.status), [486]);
    assert.equal(ist?.state, 'Confirmed');
    assert.equal(p.ub.acks.length, 0);
    assert.equal(p.ub.requests.length, 1);
  });

  it('2xx: the ACK (new branch) matches no transaction and goes to the TU; a 2xx after Timer M is a stray response', async () => {
    let ok: SipResponse | undefined;
    let ist: ServerTransaction | undefined;
    const p = pair((req, tx) => {
      ist = tx;
      ok = response(req, 200, 'b1');
      tx.respond(ok);
    });
    const c = collect();
    const invite = request({ branch: 'z9hG4bK-i3' });
    p.a.sendRequest(invite, [B], c);
    await flush();
    assert.deepEqual(c.got.map((r) => r.status), [200]);
    const ack = request({ method: 'ACK', branch: 'z9hG4bK-ack3', toTag: 'b1' });
    void p.a.sendAck(ack, B);
    await flush();
    assert.equal(p.ub.acks.length, 1);
    assert.equal(ist?.state, 'Accepted');
    p.clock.advance(32_000); // Timer M at A, Timer L at B
    assert.equal(p.a.clientCount, 0);
    assert.equal(p.b.serverCount, 0);
    assert.ok(ok);
    void p.b.sendStatelessResponse(ok, { message: invite, source: { protocol: 'udp', address: '127.0.0.1', port: 5070 }, local: B });
    await flush();
    assert.deepEqual(p.ua.strays.map((r) => r.status), [200]);
  });

  it('an ACK with the INVITE branch reaching an Accepted transaction is passed to the TU (RFC 6026 §7.1)', async () => {
    const p = pair((req, tx) => tx.respond(response(req, 200, 'b1')));
    const invite = request({ branch: 'z9hG4bK-i4' });
    p.a.sendRequest(invite, [B], collect());
    await flush();
    const ack = request({ method: 'ACK', branch: 'z9hG4bK-i4', toTag: 'b1' });
    void p.a.sendAck(ack, B);
    await flush();
    assert.equal(p.ub.acks.length, 1);
  });

  it('same branch from another sent-by is another server transaction (§17.2.3)', async () => {
    const p = pair();
    const c = p.network.endpoint('127.0.0.3', 5090);
    await p.ta.send(request({ method: 'OPTIONS', branch: 'z9hG4bK-same' }), B);
    await c.send(request({ method: 'OPTIONS', branch: 'z9hG4bK-same' }), B);
    await flush();
    assert.equal(p.ub.requests.length, 2);
    assert.equal(p.b.serverCount, 2);
  });

  it('CANCEL gets its own transaction and is matched to its INVITE server transaction (§9.2)', async () => {
    const p = pair();
    const invite = request({ branch: 'z9hG4bK-i5' });
    await p.ta.send(invite, B);
    const cancel = request({ method: 'CANCEL', branch: 'z9hG4bK-i5' });
    await p.ta.send(cancel, B);
    const otherCancel = request({ method: 'CANCEL', branch: 'z9hG4bK-nope' });
    await p.ta.send(otherCancel, B);
    await flush();
    assert.deepEqual(p.ub.requests.map((r) => r.request.method), ['INVITE', 'CANCEL', 'CANCEL']);
    const ist = p.ub.requests[0].tx;
    assert.equal(ist.kind, 'invite-server');
    assert.equal(p.ub.requests[1].tx.kind, 'non-invite-server');
    assert.equal(p.b.findInviteForCancel(p.ub.requests[1].request), ist);
    assert.equal(p.b.findInviteForCancel(p.ub.requests[2].request), undefined);
  });

  it('RFC 2543 fallback: retransmission, ACK with the response To tag, CANCEL, all matched without a magic cookie', async () => {
    const p = pair((req, tx) => {
      if (req.method === 'INVITE') tx.respond(response(req, 486, 'legacy-tag'));
    });
    const send = (r: SipRequest) => p.ta.send(r, B);
    await send(request({ branch: null, callId: 'old@x' }));
    await flush();
    assert.equal(p.ub.requests.length, 1);
    const ist = p.ub.requests[0].tx;
    await send(request({ branch: null, callId: 'old@x' }));
    await flush();
    assert.equal(p.ub.requests.length, 1, 'the retransmission matched');
    assert.equal(p.tb.sentOf(486).length, 2, 'and was answered with the final response again');
    await send(request({ branch: null, callId: 'old@x', method: 'CANCEL' }));
    await flush();
    assert.equal(p.b.findInviteForCancel(p.ub.requests[1].request), ist);
    await send(request({ branch: null, callId: 'old@x', method: 'ACK', toTag: 'wrong' }));
    await flush();
    assert.equal(ist.state, 'Completed');
    assert.equal(p.ub.acks.length, 1, 'an ACK with another To tag is not for this transaction');
    await send(request({ branch: null, callId: 'old@x', method: 'ACK', toTag: 'legacy-tag' }));
    await flush();
    assert.equal(ist.state, 'Confirmed');
  });

  it('RFC 2543: 10,000 cookie-less OPTIONS and their retransmissions are matched in linear time', async (t) => {
    // A transport that only counts: the time measured is the layer's, not an in-memory network's.
    const answered: SipResponse[] = [];
    const transport: SipTransport = {
      send: async (_m, t) => ({ protocol: t.protocol, address: t.address, port: t.port }),
      sendResponse: async (r) => void answered.push(r),
      onMessage: () => {},
      localAddress: () => ({ host: '127.0.0.2', port: 5080 }),
      close: async () => {},
    };
    const clock = new FakeClock();
    const user = recorder((req, tx) => tx.respond(response(req, 200, 'legacy')));
    const layer = new TransactionLayer({ transport, clock, user, autoTrying: false });
    const source = { protocol: 'udp' as const, address: '127.0.0.1', port: 5070 };
    const N = 10_000;
    // Same Request-URI, Via, From tag and CSeq for all: only the Call-ID tells them apart (what sipp sends).
    const requests = Array.from({ length: N }, (_, i) => request({ method: 'OPTIONS', branch: null, callId: `legacy-${i}@x` }));
    // Matching cost must not grow with the number of live transactions: 250 new requests with 8,000–10,000
    // live may cost at most 3x 250 with 0–2,000 live; a linear scan makes it ~9x. Each side is the quickest
    // of its eight batches of 250, so a batch slowed by another process (a shared, loaded machine) does not
    // decide it unless all eight were; the code is first warmed up on a throwaway layer, so the first batches
    // are not timed unoptimized. Under a minute in any case.
    const warm = new TransactionLayer({ transport: { ...transport, sendResponse: async () => {} }, clock: new FakeClock(), user: recorder((req, tx) => tx.respond(response(req, 200, 'legacy'))), autoTrying: false });
    for (let i = 0; i < 2_000; i++) warm.receive({ message: request({ method: 'OPTIONS', branch: null, callId: `warm-${i}@x` }), source, local: B });
    const BATCH = 250;
    const abortMs = 60_000;
    const start = performance.now();
    const batchMs: number[] = [];
    let batchStart = start;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < N; i++) {
        layer.receive({ message: requests[i]!, source, local: B });
        if ((i + 1) % BATCH === 0) {
          const now = performance.now();
          if (round === 0) batchMs.push(now - batchStart);
          batchStart = now;
          assert.ok(now - start < abortMs, `round ${round}: only ${i + 1} requests after ${abortMs} ms`);
        }
      }
    }
    const elapsed = performance.now() - start;
    const perSide = 2_000 / BATCH;
    const first = Math.min(...batchMs.slice(0, perSide));
    const last = Math.min(...batchMs.slice(-perSide));
    const growth = last / first;
    t.diagnostic(`${2 * N} cookie-less requests matched in ${elapsed.toFixed(0)} ms; quickest ${BATCH} new with 0–2,000 live ${first.toFixed(2)} ms, with 8,000–10,000 live ${last.toFixed(2)} ms`);
    assert.ok(growth < 3, `${BATCH} new requests with 8,000–10,000 live cost ${growth.toFixed(1)}x as much as with 0–2,000 live`);
    assert.equal(user.requests.length, N, 'every retransmission matched its transaction');
    assert.equal(layer.serverCount, N);
    await flush();
    assert.equal(answered.length, 2 * N, 'each retransmission answered from its transaction');
    clock.advance(32_000 + 1);
    assert.equal(layer.serverCount, 0, 'Timer J ended them all');
  });

  it('answers a CSeq method mismatch with 400 and drops requests without the mandatory headers', async () => {
    const p = pair();
    // The parser refuses this already (RFC 3261 §8.2 / §20.16); the layer checks too, for messages built in memory.
    const mismatch = request({ method: 'OPTIONS', branch: 'z9hG4bK-m' });
    mismatch.headers.set('CSeq', '1 INFO');
    p.b.receive({ message: mismatch, source: { protocol: 'udp', address: '127.0.0.1', port: 5070 }, local: B });
    await flush();
    assert.equal(p.tb.sentOf(400).length, 1);
    assert.equal(p.ub.requests.length, 0);
    const broken = new SipRequest('OPTIONS', 'sip:b@127.0.0.2');
    broken.headers.append('Via', 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-x');
    p.b.receive({ message: broken, source: { protocol: 'udp', address: '127.0.0.1', port: 5070 }, local: B });
    assert.equal(p.ub.requests.length, 0);
    assert.deepEqual(p.errors(), []);
  });

  it('without a TU, new requests get 503', async () => {
    const clock = new FakeClock();
    const network = new FakeNetwork({ clock });
    const ta = network.endpoint('127.0.0.1', 5070);
    const tb = network.endpoint('127.0.0.2', 5080);
    new TransactionLayer({ transport: tb, clock });
    await ta.send(request({ method: 'OPTIONS' }), B);
    await flush();
    assert.equal(tb.sentOf(503).length, 1);
  });

  it('client transactions: a Via with a fresh branch is added when missing; a reused branch is a bug', () => {
    const p = pair();
    const r = request({ method: 'OPTIONS' });
    r.headers.remove('Via');
    p.a.createClientTransaction(r, B, { onResponse: () => {} });
    const via = topVia(r);
    assert.match(via.params.get('branch') ?? '', /^z9hG4bK/);
    const again = request({ method: 'OPTIONS', branch: via.params.get('branch') });
    assert.throws(() => p.a.createClientTransaction(again, B, { onResponse: () => {} }), /already used/);
    const legacy = request({ method: 'OPTIONS', branch: '1234' });
    p.a.createClientTransaction(legacy, B, { onResponse: () => {} });
    assert.match(topVia(legacy).params.get('branch') ?? '', /^z9hG4bK/);
    assert.throws(() => p.a.createClientTransaction(request({ method: 'ACK' }), B, { onResponse: () => {} }), /not a transaction/);
    assert.throws(() => p.a.sendAck(request({ method: 'BYE' }), B), /not an ACK/);
  });

  it('a TU that throws is logged, not propagated into the transport', async () => {
    const p = pair(() => {
      throw new Error('TU bug');
    });
    await p.ta.send(request({ method: 'OPTIONS' }), B);
    await flush();
    assert.equal(p.errors().length, 1);
  });

  it('close() ends every transaction without sending anything', async () => {
    const p = pair();
    p.a.sendRequest(request({ branch: 'z9hG4bK-c' }), [B], collect());
    await flush();
    assert.equal(p.a.clientCount, 1);
    assert.equal(p.b.serverCount, 1);
    p.a.close();
    p.b.close();
    assert.equal(p.a.clientCount + p.b.serverCount, 0);
    const sent = p.network.packets.length;
    p.clock.advance(64_000);
    assert.equal(p.network.packets.length, sent);
    assert.equal(p.clock.pending, 0);
    assert.throws(() => p.a.createClientTransaction(request({ method: 'OPTIONS' }), B, { onResponse: () => {} }), /closed/);
  });
});

