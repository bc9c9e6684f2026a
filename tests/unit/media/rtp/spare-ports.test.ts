/**
 * SparePortPair (port-allocator.ts): a call takes a pair bound ahead of it
 * instead of binding sockets on its set-up path; the next pair is bound
 * SPARE_REFILL_MS later, or on the next turn of the timers once the call that
 * took the last pair is set up (settled()); a request that does not fit gets
 * its own pair; close() releases the spare. Real sockets on 127.0.0.1, timers on a fake clock.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { SPARE_REFILL_MS, SparePortPair, type AllocatedPorts } from '../../../../electron/media/rtp/port-allocator.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';

const request = { address: '127.0.0.1', range: { min: 20000, max: 20999 }, withRtcp: true };

/** Lets the refill's bind (promise callbacks) run. */
const settle = () => new Promise((r) => setImmediate(r));

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await settle();
  assert.ok(ok(), what);
}

function closePair(p: AllocatedPorts): void {
  p.rtp.close();
  p.rtcp?.close();
}

/** Whether something can bind this port now (it is free). */
function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind({ address: '127.0.0.1', port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

describe('SparePortPair', () => {
  it('binds nothing before the first call, then keeps one pair ready that the next call takes', async () => {
    const clock = new FakeClock();
    const spare = new SparePortPair(clock);
    try {
      assert.equal(spare.port, undefined);
      assert.equal(clock.pending, 0, 'an idle phone binds nothing');
      const first = await spare.allocate(request);
      assert.equal(spare.port, undefined, 'the first call binds its own pair');
      clock.advance(SPARE_REFILL_MS - 1);
      await settle();
      assert.equal(spare.port, undefined, 'not on the set-up path of the call that took one');
      clock.advance(1);
      await until('a spare pair bound SPARE_REFILL_MS later', () => spare.port !== undefined);
      const second = await spare.allocate(request);
      assert.equal(spare.port, undefined, 'taken');
      assert.notEqual(second.port, first.port);
      assert.equal(second.port % 2, 0, 'RTP on an even port');
      assert.equal(second.rtp.address().port, second.port, 'bound');
      assert.equal(second.rtcp!.address().port, second.port + 1, 'RTCP on the next one');
      assert.ok(second.port >= 20000 && second.port <= 20998);
      closePair(first);
      closePair(second);
    } finally {
      spare.close();
    }
  });

  it('binds the next pair on the next turn of the timers once the call that took the last one is set up (settled)', async () => {
    const clock = new FakeClock();
    const spare = new SparePortPair(clock);
    try {
      spare.settled();
      assert.equal(clock.pending, 0, 'nothing due: settled() arms nothing');
      const first = await spare.allocate(request);
      await settle();
      assert.equal(spare.port, undefined, 'not bound in the turn of the call that took one');
      spare.settled();
      await settle();
      assert.equal(spare.port, undefined, 'nor in the turn that said it was set up (a 0 ms timer)');
      clock.advance(0);
      await until('the next pair bound right after', () => spare.port !== undefined);
      spare.settled();
      assert.equal(clock.pending, 0, 'a spare ready: nothing to hurry');
      const second = await spare.allocate(request);
      assert.notEqual(second.port, first.port);
      clock.advance(SPARE_REFILL_MS);
      await until('without settled(), SPARE_REFILL_MS later as before', () => spare.port !== undefined);
      closePair(first);
      closePair(second);
    } finally {
      spare.close();
    }
  });

  it('gives a request for another range its own pair (the spare goes); after close() it binds directly and arms nothing', async () => {
    const clock = new FakeClock();
    const spare = new SparePortPair(clock);
    const first = await spare.allocate(request);
    clock.advance(SPARE_REFILL_MS);
    await until('spare bound', () => spare.port !== undefined);
    const other = await spare.allocate({ ...request, range: { min: 21000, max: 21999 } });
    assert.ok(other.port >= 21000 && other.port <= 21998, `a pair in the other range: ${other.port}`);
    clock.advance(SPARE_REFILL_MS);
    await until('refilled', () => spare.port !== undefined);
    const spared = spare.port;
    const again = await spare.allocate({ ...request, range: { min: 21000, max: 21999 } });
    assert.equal(again.port, spared, 'the spare, bound for the new range');
    clock.advance(SPARE_REFILL_MS);
    await until('refilled again', () => spare.port !== undefined);
    spare.close();
    assert.equal(spare.port, undefined);
    assert.equal(clock.pending, 0, 'no refill after close');
    await spare.allocate(request).then(closePair); // still works: binds directly
    assert.equal(clock.pending, 0, 'and arms nothing');
    for (const p of [first, other, again]) closePair(p);
  });

  it('close() releases the spare pair\'s ports', async () => {
    const clock = new FakeClock();
    const spare = new SparePortPair(clock);
    const first = await spare.allocate(request);
    closePair(first);
    clock.advance(SPARE_REFILL_MS);
    await until('spare bound', () => spare.port !== undefined);
    const port = spare.port!;
    assert.equal(await free(port), false, 'the spare holds its RTP port');
    assert.equal(await free(port + 1), false, 'and its RTCP port');
    spare.close();
    await settle();
    assert.equal(await free(port), true, 'its RTP port is free after close()');
    assert.equal(await free(port + 1), true, 'and its RTCP port');
  });
});
