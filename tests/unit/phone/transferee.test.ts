/**
 * The transferee (RFC 3515, RFC 5589 §6): once the new call is answered it reports 200 in a NOTIFY and leaves
 * the old call when that NOTIFY is answered — or after FINAL_NOTIFY_WAIT_MS when the transferor never answers
 * it, rather than after the NOTIFY transaction's 32 s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { nullLogger } from '../../../electron/common/logger.ts';
import type { PhoneCall } from '../../../electron/phone/phone-call.ts';
import { FINAL_NOTIFY_WAIT_MS, followRefer } from '../../../electron/phone/transferee.ts';
import type { ReceivedRefer } from '../../../electron/sip/ua/index.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

function fakeCall(uri: string) {
  const sip = Object.assign(new EventEmitter(), { hangups: 0, hangup: async () => void sip.hangups++ });
  const call = { id: uri, remote: { uri }, sip, ended: false, answeredAt: undefined as number | undefined };
  return { call, sip, asCall: call as unknown as PhoneCall };
}

function fakeRefer(answer: 'never' | 'at once') {
  const notified: number[] = [];
  const refer = {
    referTo: 'sip:carol@example.test',
    accept: async () => undefined,
    reject: () => undefined,
    notify: (status: number) => {
      notified.push(status);
      return answer === 'never' ? new Promise<void>(() => undefined) : Promise.resolve();
    },
  };
  return { notified, asRefer: refer as unknown as ReceivedRefer };
}

/** A transfer in progress: the old call, the new one to the target, the REFER answered as `answer` says. */
function transfer(answer: 'never' | 'at once') {
  const clock = new FakeClock();
  const old = fakeCall('sip:bob@example.test');
  const next = fakeCall('sip:carol@example.test');
  const refer = fakeRefer(answer);
  followRefer(old.asCall, refer.asRefer, () => next.asCall, nullLogger, clock);
  return { clock, old, next, refer };
}

async function turn(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

test('the old call is left as soon as the transferor answers the final NOTIFY', async () => {
  const { clock, old, next, refer } = transfer('at once');
  next.sip.emit('state', { state: 'ringing' });
  next.sip.emit('state', { state: 'active' });
  await turn();
  assert.deepEqual(refer.notified, [180, 200]);
  assert.equal(old.sip.hangups, 1);
  clock.advance(FINAL_NOTIFY_WAIT_MS);
  next.sip.emit('state', { state: 'active' }); // resumed after a hold: nothing is reported or ended again
  await turn();
  assert.deepEqual(refer.notified, [180, 200]);
  assert.equal(old.sip.hangups, 1);
});

test('a transferor that never answers the final NOTIFY does not keep the old call up beyond the bound', async () => {
  const { clock, old, next } = transfer('never');
  next.sip.emit('state', { state: 'active' });
  await turn();
  clock.advance(FINAL_NOTIFY_WAIT_MS - 1);
  await turn();
  assert.equal(old.sip.hangups, 0, 'still waiting for the NOTIFY’s answer');
  clock.advance(1);
  await turn();
  assert.equal(old.sip.hangups, 1, 'left after the bound');
});

test('an old call the transferor already ended is not hung up again', async () => {
  const { clock, old, next } = transfer('never');
  next.sip.emit('state', { state: 'active' });
  old.call.ended = true;
  clock.advance(FINAL_NOTIFY_WAIT_MS);
  await turn();
  assert.equal(old.sip.hangups, 0);
});
