import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StreamLiveness } from '../../../../electron/media/session/stream-liveness.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';

function setup(timeoutMs = 30_000) {
  const clock = new FakeClock();
  const fired: number[] = [];
  const w = new StreamLiveness({ clock, timeoutMs, onSilent: (ms) => fired.push(ms) });
  return { clock, fired, w };
}

describe('StreamLiveness (no RTP and no RTCP for N seconds)', () => {
  it('fires once, timeoutMs after the last packet, not before', () => {
    const { clock, fired, w } = setup();
    w.expect(true);
    for (let t = 0; t < 10_000; t += 20) {
      clock.advance(20);
      w.heard();
    }
    clock.advance(29_999);
    assert.deepEqual(fired, []);
    clock.advance(1);
    assert.deepEqual(fired, [30_000]);
    clock.advance(60_000);
    assert.equal(fired.length, 1, 'once');
    assert.equal(w.state, 'silent');
  });

  it('packets keep it quiet for as long as they come', () => {
    const { clock, fired, w } = setup(5000);
    w.expect(true);
    for (let i = 0; i < 600; i++) {
      clock.advance(1000);
      w.heard();
    }
    assert.deepEqual(fired, []);
  });

  it('does not count while the peer is not expected to send (hold), and counts afresh on resume', () => {
    const { clock, fired, w } = setup(5000);
    w.expect(true);
    clock.advance(3000);
    w.expect(false);
    clock.advance(60_000);
    assert.deepEqual(fired, [], 'a held call is not ended');
    w.expect(true);
    clock.advance(4999);
    assert.deepEqual(fired, []);
    clock.advance(1);
    assert.deepEqual(fired, [5000]);
  });

  it('stop() silences it for good', () => {
    const { clock, fired, w } = setup(1000);
    w.expect(true);
    w.stop();
    clock.advance(10_000);
    assert.deepEqual(fired, []);
    assert.equal(w.state, 'stopped');
  });
});
