/**
 * The session extensions between two UAs (and scripted peers) on the fake
 * clock: reliable provisionals and PRACK (RFC 3262), UPDATE before and after
 * the answer (RFC 3311), session timers (RFC 4028), forked early media.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SipRequest, createResponse, cseqOf, parseTokenList } from '../../../../electron/sip/message/index.ts';
import type { SipMessage, SipResponse } from '../../../../electron/sip/message/index.ts';
import { CallStateError } from '../../../../electron/sip/ua/ua-errors.ts';
import { ANSWER, OFFER, world } from './ua-world.ts';
import { phone, twoPhones } from './two-phones.ts';
import type { TwoPhones } from './two-phones.ts';

const isRequest = (m: SipMessage, method: string): m is SipRequest => m.kind === 'request' && m.method === method;
const isStatus = (m: SipMessage, status: number): m is SipResponse => m.kind === 'response' && m.status === status;
const tags = (m: SipMessage, name: string) => parseTokenList(m.headers.getAll(name)).map((t) => t.toLowerCase());

async function earlyMedia(): Promise<TwoPhones & { call: ReturnType<TwoPhones['alice']['ua']['call']> }> {
  const t = twoPhones();
  const call = t.alice.ua.call(t.bob.uri, { accountId: 'alice' });
  await t.w.settle();
  t.bob.incoming[0]!.startEarlyMedia();
  await t.w.settle();
  return { ...t, call };
}

describe('100rel and PRACK (RFC 3262)', () => {
  it('the INVITE says Supported: 100rel, timer; a 183 with SDP goes reliably and is PRACKed with its RAck', async () => {
    const { w, call } = await earlyMedia();
    const invite = w.network.find('INVITE')[0]!.message;
    assert.ok(tags(invite, 'Supported').includes('100rel') && tags(invite, 'Supported').includes('timer'), 'Supported: 100rel, timer');
    assert.ok(tags(invite, 'Allow').includes('update') && tags(invite, 'Allow').includes('prack'));
    const p183 = w.network.packets.find((p) => isStatus(p.message, 183))!.message as SipResponse;
    assert.deepEqual(tags(p183, 'Require'), ['100rel']);
    const rseq = Number(p183.headers.get('RSeq'));
    assert.ok(rseq >= 1);
    const prack = w.network.find('PRACK');
    assert.equal(prack.length, 1);
    assert.equal(prack[0]!.message.headers.get('RAck'), `${rseq} ${cseqOf(invite).seq} INVITE`);
    assert.equal(cseqOf(prack[0]!.message).seq, cseqOf(invite).seq + 1, 'PRACK takes the next CSeq of the early dialog');
    assert.ok(w.network.packets.some((p) => isStatus(p.message, 200) && cseqOf(p.message).method === 'PRACK'));
    assert.equal(call.state, 'early');
    // PRACKed: no retransmission of the 183 afterwards.
    const before = w.network.packets.filter((p) => isStatus(p.message, 183)).length;
    await w.run(8000);
    assert.equal(w.network.packets.filter((p) => isStatus(p.message, 183)).length, before);
  });

  it('a lost PRACK: the 183 is retransmitted (T1, 2*T1 …), the retransmission is not PRACKed twice, the PRACK\'s own retransmission ends it', async () => {
    const t = twoPhones();
    const call = t.alice.ua.call(t.bob.uri, { accountId: 'alice' });
    await t.w.settle();
    t.w.network.loseNext(1, (p) => isRequest(p.message, 'PRACK'));
    t.bob.incoming[0]!.startEarlyMedia();
    await t.w.settle();
    await t.w.run(3000, 100);
    const sent183 = t.w.network.packets.filter((p) => isStatus(p.message, 183));
    assert.ok(sent183.length >= 2, `the 183 went again (${sent183.length})`);
    const branches = t.w.network.find('PRACK', { includeDropped: true }).map((p) => /branch=([^;]+)/.exec(p.message.headers.get('Via') ?? '')?.[1]);
    assert.equal(new Set(branches).size, 1, 'one PRACK transaction (its own retransmission)');
    const after = sent183.length;
    await t.w.run(10_000);
    assert.equal(t.w.network.packets.filter((p) => isStatus(p.message, 183)).length, after, 'the PRACK stopped the retransmissions');
    assert.equal(call.state, 'early');
  });

  it('Require: 100rel makes the 180 reliable too, and the 2xx waits for the PRACK of a 183 with SDP', async () => {
    const t = twoPhones();
    const call = t.alice.ua.call(t.bob.uri, { accountId: 'alice', headers: [['Require', '100rel']] });
    await t.w.settle();
    const bob = t.bob.incoming[0]!;
    t.w.network.drop = (p) => isRequest(p.message, 'PRACK');
    bob.ring();
    bob.startEarlyMedia();
    await t.w.settle();
    const p180 = t.w.network.packets.find((p) => isStatus(p.message, 180))!.message;
    assert.deepEqual(tags(p180, 'Require'), ['100rel']);
    assert.equal(t.w.network.packets.filter((p) => isStatus(p.message, 183)).length, 0, 'the 183 waits for the 180\'s PRACK (one outstanding at a time)');
    t.w.network.drop = () => false;
    await t.w.run(2000, 100);
    assert.ok(t.w.network.packets.some((p) => isStatus(p.message, 183)));
    const accepted = bob.accept();
    await t.w.settle();
    await accepted;
    assert.equal(call.state, 'active');
    const ok = t.w.network.packets.find((p) => isStatus(p.message, 200) && cseqOf(p.message).method === 'INVITE')!.message;
    assert.equal(ok.body.length, 0, 'the answer went in the reliable 183; the 2xx carries none');
    const rseqs = t.w.network.packets.filter((p) => p.message.kind === 'response' && p.message.headers.has('RSeq')).map((p) => Number(p.message.headers.get('RSeq')));
    assert.deepEqual([...new Set(rseqs)], [rseqs[0]!, rseqs[0]! + 1], 'RSeq goes up by one');
  });

  it('no PRACK ever: after 64*T1 the INVITE is rejected 500 and the call ends', async () => {
    const t = twoPhones();
    const call = t.alice.ua.call(t.bob.uri, { accountId: 'alice' });
    await t.w.settle();
    t.w.network.drop = (p) => isRequest(p.message, 'PRACK');
    t.bob.incoming[0]!.startEarlyMedia();
    const accepted = t.bob.incoming[0]!.accept();
    await t.w.run(40_000);
    await accepted;
    assert.equal(t.bob.incoming[0]!.end?.cause, 'timeout');
    assert.equal(t.bob.incoming[0]!.end?.outcome?.status, 500);
    assert.equal(call.end?.outcome?.status, 500);
    assert.ok(!t.w.network.packets.some((p) => isStatus(p.message, 200) && cseqOf(p.message).method === 'INVITE'), 'no 2xx before the PRACK');
  });

  it('a PRACK naming no response of ours is 481', async () => {
    const { w, alice, call } = await earlyMedia();
    // A second PRACK with a wrong RSeq, in the same early dialog.
    const sent = alice.ua.dialogs.request(alice.ua.dialogs.dialogs.find((d) => d.id.callId === call.id)!, 'PRACK', { headers: [['RAck', '99 1 INVITE']] });
    await w.settle();
    assert.equal((await sent).status, 481);
  });
});

describe('UPDATE (RFC 3311)', () => {
  it('before the answer, both ways: the caller and the callee change the early session; the 2xx then carries no SDP', async () => {
    const { w, alice, bob, call } = await earlyMedia();
    const callee = bob.incoming[0]!;
    const fromCaller = call.update(true);
    await w.settle();
    assert.equal((await fromCaller).status, 200);
    assert.match(bob.media.offersAnswered.at(-1)!, /a=sendonly/);
    const fromCallee = callee.update(false);
    await w.settle();
    assert.equal((await fromCallee).status, 200);
    assert.equal(alice.media.offersAnswered.length, 1, 'the caller answered the callee\'s UPDATE offer');
    await callee.accept();
    await w.settle();
    assert.equal(call.state, 'active');
    assert.equal(callee.state, 'active');
    // 183's answer, then the answer to the caller's UPDATE; the 2xx (no SDP) changes nothing.
    assert.equal(alice.media.answersSet.length, 2);
  });

  it('after the answer: an UPDATE holds the call, and an UPDATE while our own offer is out gets 491 and is retried after the back-off', async () => {
    const { w, alice, bob, call } = await earlyMedia();
    await bob.incoming[0]!.accept();
    await w.settle();
    const a = call.update(true);
    const b = bob.incoming[0]!.update(true);
    await w.run(6000, 100);
    assert.equal((await a).status, 200);
    assert.equal((await b).status, 200);
    assert.ok(w.network.packets.some((p) => isStatus(p.message, 491) && cseqOf(p.message).method === 'UPDATE'), 'glare answered 491');
    assert.equal(call.state, 'active');
    void alice;
  });

  it('no UPDATE with an offer before our INVITE\'s offer is answered reliably', async () => {
    const t = twoPhones();
    const call = t.alice.ua.call(t.bob.uri, { accountId: 'alice' });
    await t.w.settle();
    t.bob.incoming[0]!.ring();
    await t.w.settle();
    await assert.rejects(call.update(true), CallStateError);
    await assert.rejects(t.bob.incoming[0]!.update(true), CallStateError);
  });
});

describe('session timers (RFC 4028)', () => {
  async function connected(): Promise<TwoPhones & { call: ReturnType<TwoPhones['alice']['ua']['call']> }> {
    const t = twoPhones();
    const call = t.alice.ua.call(t.bob.uri, { accountId: 'alice' });
    await t.w.settle();
    await t.bob.incoming[0]!.accept();
    await t.w.settle();
    assert.equal(call.state, 'active');
    return { ...t, call };
  }

  it('Session-Expires 1800 asked and granted, the caller refreshes by UPDATE at half the interval', async () => {
    const { w, bob, call } = await connected();
    const invite = w.network.find('INVITE')[0]!.message;
    assert.equal(invite.headers.get('Session-Expires'), '1800');
    assert.equal(invite.headers.get('Min-SE'), '90');
    const ok = w.network.packets.find((p) => isStatus(p.message, 200) && cseqOf(p.message).method === 'INVITE')!.message;
    assert.equal(ok.headers.get('Session-Expires'), '1800;refresher=uac');
    assert.deepEqual(tags(ok, 'Require'), ['timer']);
    assert.deepEqual(call.sessionInterval, { seconds: 1800, local: true });
    assert.deepEqual(bob.incoming[0]!.sessionInterval, { seconds: 1800, local: false });
    await w.run(899_000, 10_000);
    assert.equal(w.network.find('UPDATE').length, 0);
    await w.run(2000, 500);
    const updates = w.network.find('UPDATE');
    assert.equal(updates.length, 1);
    assert.equal(updates[0]!.message.body.length, 0, 'a refresh without a new offer');
    assert.equal(updates[0]!.message.headers.get('Session-Expires'), '1800;refresher=uac');
    // Refreshed: nobody hangs up at the old deadline.
    await w.run(1000_000, 10_000);
    assert.equal(call.state, 'active');
    assert.equal(bob.incoming[0]!.state, 'active');
    assert.ok(w.network.find('UPDATE').length >= 2);
  });

  it('a refresh that gets no answer ends the call with the reason in words', async () => {
    const { w, bob, call } = await connected();
    await w.run(890_000, 10_000);
    w.network.drop = (p) => p.to.port === 5080; // bob vanished
    await w.run(80_000, 1000);
    assert.equal(call.state, 'ended');
    assert.equal(call.end?.cause, 'session-expired');
    assert.match(call.end?.detail ?? '', /session refresh failed: .*408/);
    // RFC 4028 §10: the BYE goes out although the 408 ended the dialog (RFC 3261 §12.2.1.2), after the refresh in CSeq.
    const byes = w.network.find('BYE', { includeDropped: true });
    assert.ok(byes.length >= 1, 'BYE sent after the failed refresh');
    const update = w.network.find('UPDATE', { includeDropped: true }).at(-1)!.message;
    const seq = (m: { headers: { get(n: string): string | undefined } }) => Number(/^\d+/.exec(m.headers.get('CSeq') ?? '')?.[0]);
    assert.equal(seq(byes[0]!.message), seq(update) + 1);
    assert.equal(byes[0]!.message.headers.get('Call-ID'), update.headers.get('Call-ID'));
    void bob;
  });

  it('the side that does not refresh hangs up when no refresh came by the deadline (interval - 32 s)', async () => {
    const { w, bob, call } = await connected();
    // The refresher vanished: its refreshes and the BYE it sends when they fail (RFC 4028 §10) are lost.
    w.network.drop = (p) => isRequest(p.message, 'UPDATE') || isRequest(p.message, 'INVITE') || (isRequest(p.message, 'BYE') && p.to.port === 5080);
    await w.run(1_767_000, 10_000);
    assert.equal(bob.incoming[0]!.state, 'active');
    await w.run(3000, 500);
    assert.notEqual(bob.incoming[0]!.state, 'active');
    assert.equal(bob.incoming[0]!.end?.cause, 'session-expired');
    assert.equal(bob.incoming[0]!.end?.detail, 'the other side stopped refreshing the session');
    void call;
  });

  it('422: the INVITE goes again with the Min-SE it asked for; an interval below ours is refused 422', async () => {
    const w = world();
    const alice = phone(w, 'alice', '10.0.0.2', 5070);
    const picky = w.server('10.0.0.9', 5060);
    picky.handle = (r, tx) => {
      if (r.method !== 'INVITE') return tx.respond(createResponse(r, 200, 'OK'));
      if (r.headers.get('Session-Expires') !== '3600') {
        const res = createResponse(r, 422, 'Session Interval Too Small');
        res.headers.set('Min-SE', '3600');
        return tx.respond(res);
      }
      tx.respond(createResponse(r, 486, 'Busy Here'));
    };
    const call = alice.ua.call('sip:bob@10.0.0.9:5060', { accountId: 'alice' });
    await w.settle(20);
    const invites = w.network.find('INVITE').map((p) => p.message);
    assert.deepEqual(invites.map((m) => m.headers.get('Session-Expires')), ['1800', '3600']);
    assert.equal(invites[1]!.headers.get('Min-SE'), '3600');
    assert.equal(cseqOf(invites[1]!).seq, cseqOf(invites[0]!).seq + 1);
    assert.equal(call.end?.outcome?.status, 486);

    const bob = phone(w, 'bob', '10.0.0.3', 5080);
    const probe = w.server('10.0.0.4', 5060);
    const r = new SipRequest('INVITE', 'sip:bob@10.0.0.3:5080');
    for (const [n, v] of [['Max-Forwards', '70'], ['From', '<sip:caller@sipA.test>;tag=x'], ['To', '<sip:bob@sipA.test>'], ['Call-ID', 'short-se'], ['CSeq', '1 INVITE'],
      ['Contact', '<sip:caller@10.0.0.4>'], ['Supported', 'timer'], ['Session-Expires', '60'], ['Content-Type', 'application/sdp']] as const) r.headers.append(n, v);
    r.body = Buffer.from(OFFER);
    const answers: SipResponse[] = [];
    probe.layer.sendRequest(r, [{ protocol: 'udp', address: '10.0.0.3', port: 5080 }], { onResponse: (res) => answers.push(res) });
    await w.settle(20);
    assert.equal(bob.incoming.length, 0, 'refused before ringing');
    const final = answers.find((a) => a.status >= 200)!;
    assert.equal(final.status, 422);
    assert.equal(final.headers.get('Min-SE'), '90');
  });
});

describe('forked early media', () => {
  it('each early dialog brings its answer; the latest plays, and the dialog that answers wins', async () => {
    const w = world();
    const alice = phone(w, 'alice', '10.0.0.2', 5070);
    const fork = w.server('10.0.0.9', 5060);
    const answerA = ANSWER;
    const answerB = ANSWER.replace('m=audio 5000', 'm=audio 6000');
    const withTag = (r: SipRequest, status: number, tag: string, body?: string) => {
      const res = createResponse(r, status, status === 183 ? 'Session Progress' : 'OK');
      res.headers.set('To', `${r.headers.get('To')};tag=${tag}`);
      res.headers.set('Contact', `<sip:${tag}@10.0.0.9:5060>`);
      if (body) {
        res.body = Buffer.from(body);
        res.headers.set('Content-Type', 'application/sdp');
      }
      return res;
    };
    let inviteTx: { respond(r: SipResponse): void } | undefined;
    let invite: SipRequest | undefined;
    fork.handle = (r, tx) => {
      if (r.method === 'INVITE') {
        invite = r;
        inviteTx = tx;
        tx.respond(withTag(r, 183, 'a', answerA));
        tx.respond(withTag(r, 183, 'b', answerB));
        return;
      }
      tx.respond(createResponse(r, 200, 'OK'));
    };
    const call = alice.ua.call('sip:bob@10.0.0.9:5060', { accountId: 'alice' });
    await w.settle(20);
    assert.equal(call.state, 'early');
    assert.deepEqual(alice.media.answersSet, [answerA, answerB], 'the second fork\'s early media replaced the first');
    inviteTx!.respond(withTag(invite!, 200, 'a', answerA));
    await w.settle(20);
    assert.equal(call.state, 'active');
    assert.deepEqual(alice.media.answersSet, [answerA, answerB, answerA], 'the fork that answered is what we hear');
    assert.equal(w.network.find('ACK').length, 1);
  });
});
