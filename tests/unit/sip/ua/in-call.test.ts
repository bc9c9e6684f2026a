import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TransferProgress } from '../../../../electron/sip/ua/call-events.ts';
import type { ReceivedRefer } from '../../../../electron/sip/ua/received-refer.ts';
import { twoPhones } from './two-phones.ts';
import type { TwoPhones } from './two-phones.ts';
import { CallStateError } from '../../../../electron/sip/ua/ua-errors.ts';

async function connected(): Promise<TwoPhones & { call: ReturnType<TwoPhones['alice']['ua']['call']> }> {
  const t = twoPhones();
  const call = t.alice.ua.call(t.bob.uri, { accountId: 'alice' });
  await t.w.settle();
  await t.bob.incoming[0]!.accept();
  await t.w.settle();
  assert.equal(call.state, 'active');
  return { ...t, call };
}

describe('in a call', () => {
  it('hold and resume by re-INVITE with the hook\'s new offers', async () => {
    const { w, alice, bob, call } = await connected();
    const holds: boolean[] = [];
    call.on('hold', (h) => holds.push(h.held));
    const reoffers: boolean[] = [];
    bob.incoming[0]!.on('reoffer', (r) => reoffers.push(r.answered));
    const held = call.hold();
    await w.settle();
    assert.equal((await held).status, 200);
    assert.equal(call.held, true);
    assert.deepEqual(alice.media.offers, [{ hold: false }, { hold: true }]);
    assert.match(bob.media.offersAnswered[1]!, /a=sendonly/);
    const resumed = call.resume();
    await w.settle();
    assert.equal((await resumed).status, 200);
    assert.equal(call.held, false);
    assert.deepEqual(holds, [true, false]);
    assert.deepEqual(reoffers, [true, true]);
    assert.equal(alice.media.answersSet.length, 3);
    assert.equal(call.state, 'active');
  });

  it('a re-INVITE the peer\'s engine refuses gets 488; the call goes on and our hook is told', async () => {
    const { w, alice, bob, call } = await connected();
    bob.media.refuse = true;
    const result = call.hold();
    await w.settle();
    assert.equal((await result).status, 488);
    assert.equal(call.held, false);
    assert.equal(alice.media.rejectedOffers, 1);
    assert.equal(call.state, 'active');
    assert.equal(bob.incoming[0]!.state, 'active');
  });

  it('DTMF by SIP INFO, digit by digit', async () => {
    const { w, bob, call } = await connected();
    const got: string[] = [];
    bob.incoming[0]!.on('dtmf', (d) => got.push(`${d.digit}/${d.durationMs}`));
    const sent = call.sendDtmf('1#9', 120);
    await w.settle(20);
    assert.equal((await sent).status, 200);
    assert.deepEqual(got, ['1/120', '#/120', '9/120']);
    const info = w.network.find('INFO')[0]!.message;
    assert.equal(info.headers.get('Content-Type'), 'application/dtmf-relay');
    assert.equal(info.body.toString(), 'Signal=1\r\nDuration=120\r\n');
    await assert.rejects(call.sendDtmf('x'), /not DTMF digits/);
  });

  it('blind transfer: REFER, 202, NOTIFY sipfrag progress to 200', async () => {
    const { w, bob, call } = await connected();
    const refers: ReceivedRefer[] = [];
    bob.incoming[0]!.on('refer', (r) => refers.push(r));
    const progress: TransferProgress[] = [];
    call.on('transfer', (p) => progress.push(p));
    const answer = call.transfer('sip:carol@sipA.test');
    await w.settle();
    assert.equal(refers.length, 1);
    assert.equal(refers[0]!.referTo, 'sip:carol@sipA.test');
    assert.equal(refers[0]!.referredBy, 'sip:alice@sipA.test');
    void refers[0]!.accept();
    await w.settle();
    assert.equal((await answer).status, 202);
    void refers[0]!.notify(180, 'Ringing');
    await w.settle();
    void refers[0]!.notify(200, 'OK');
    await w.settle();
    const phases = progress.map((p) => `${p.phase} ${p.outcome?.status ?? ''}`);
    // RFC 3515 §2.4.4: the first NOTIFY may be handled before the REFER's 202 is; both count.
    assert.deepEqual([...phases.slice(0, 2)].sort(), ['accepted 202', 'progress 100']);
    assert.deepEqual(phases.slice(2), ['progress 180', 'succeeded 200']);
    const notifies = w.network.find('NOTIFY').map((p) => p.message);
    assert.equal(notifies.length, 3);
    assert.match(notifies[0]!.headers.get('Event')!, /^refer;id=\d+$/);
    assert.equal(notifies[2]!.headers.get('Subscription-State'), 'terminated;reason=noresource');
    assert.equal(notifies[2]!.body.toString(), 'SIP/2.0 200 OK\r\n');
    assert.equal(w.network.find(200).filter((p) => p.message.headers.get('CSeq')?.endsWith('NOTIFY')).length, 3);
  });

  it('a REFER nobody handles is declined (603); the transferor hears "failed"', async () => {
    const { w, call } = await connected();
    const progress: TransferProgress[] = [];
    call.on('transfer', (p) => progress.push(p));
    const answer = call.transfer('carol');
    await w.settle();
    assert.equal((await answer).status, 603);
    assert.deepEqual(progress.map((p) => p.phase), ['failed']);
  });

  it('MESSAGE inside the dialog, and a NOTIFY for no subscription is 481', async () => {
    const { w, bob, call } = await connected();
    const texts: string[] = [];
    bob.incoming[0]!.on('message', (m) => texts.push(`${m.contentType}:${m.body}`));
    const r = call.sendMessage('hello in-dialog');
    await w.settle();
    assert.equal((await r).status, 200);
    assert.deepEqual(texts, ['text/plain:hello in-dialog']);
  });

  it('hold on a call that is not active is refused', async () => {
    const t = twoPhones();
    const call = t.alice.ua.call(t.bob.uri, { accountId: 'alice' });
    await t.w.settle();
    await assert.rejects(call.hold(), CallStateError);
  });
});
