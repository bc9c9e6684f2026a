import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SdpNegotiator, printable } from '../../../../electron/media/session/sdp-negotiator.ts';
import type { SdpNegotiatorOptions } from '../../../../electron/media/session/sdp-negotiator.ts';

const base: SdpNegotiatorOptions = {
  address: '127.0.0.1',
  codecs: [
    { name: 'PCMU', clockRate: 8000, payloadType: 0 },
    { name: 'opus', clockRate: 48000, channels: 2, payloadType: 96, fmtp: 'minptime=10;useinbandfec=1' },
  ],
  telephoneEvents: [
    { payloadType: 101, clockRate: 8000 },
    { payloadType: 100, clockRate: 48000 },
  ],
  srtpPolicy: 'off',
  rtcpMux: true,
};
const version = (sdp: string) => /^o=\S+ \S+ (\d+)/m.exec(sdp)![1]!;

describe('SdpNegotiator', () => {
  it('walks idle → have-local-offer → stable and refuses an answer out of turn', () => {
    const a = new SdpNegotiator(base);
    const b = new SdpNegotiator({ ...base, codecs: [base.codecs[0]!] });
    assert.throws(() => a.setAnswer('v=0'), { name: 'MediaSessionError', code: 'bad-state' });
    const offer = a.createOffer({ port: 4000, direction: 'sendrecv' });
    assert.equal(a.state, 'have-local-offer');
    assert.throws(() => a.createOffer({ port: 4000, direction: 'sendrecv' }), { code: 'bad-state' });
    const glare = a.answerOffer(offer, { port: 4000, direction: 'sendrecv' });
    assert.ok('reject' in glare && /still waiting/.test(glare.reason));
    const r = b.answerOffer(offer, { port: 5000, direction: 'sendrecv' });
    if ('reject' in r) assert.fail(r.reason);
    assert.equal(b.state, 'stable');
    assert.equal(r.negotiated.codec.name, 'PCMU');
    assert.equal(r.negotiated.telephoneEvent?.clockRate, 8000);
    const n = a.setAnswer(r.answer);
    assert.equal(a.state, 'stable');
    assert.deepEqual([n.remotePort, n.codec.payloadType, n.rtcpMux, n.direction], [5000, 0, true, 'sendrecv']);
    a.close();
    assert.throws(() => a.createOffer({ port: 4000, direction: 'sendrecv' }), { code: 'closed' });
    assert.deepEqual(a.answerOffer(offer, { port: 1, direction: 'sendrecv' }), { reject: 488, reason: 'the call has ended' });
  });

  it('keeps the o= version for an identical description and raises it by one on a change (RFC 3264 §8)', () => {
    const a = new SdpNegotiator(base);
    const o1 = a.createOffer({ port: 4000, direction: 'sendrecv' });
    a.rollback();
    assert.equal(a.state, 'idle');
    const o2 = a.createOffer({ port: 4000, direction: 'sendrecv' });
    assert.equal(version(o2), version(o1));
    a.rollback();
    const o3 = a.createOffer({ port: 4000, direction: 'sendonly' });
    assert.equal(BigInt(version(o3)), BigInt(version(o1)) + 1n);
    assert.equal(/^o=\S+ (\S+)/m.exec(o3)![1], /^o=\S+ (\S+)/m.exec(o1)![1], 'session id stays');
  });

  it('an unusable answer leaves the offer pending for the caller to roll back', () => {
    const a = new SdpNegotiator(base);
    a.createOffer({ port: 4000, direction: 'sendrecv' });
    assert.throws(() => a.setAnswer('garbage'), { code: 'not-acceptable', statusCode: 488 });
    a.rollback();
    assert.equal(a.state, 'idle');
  });

  it('printable() strips control characters and bounds the length', () => {
    assert.equal(printable('a\r\nb\u0000c'), 'a??b?c');
    assert.equal(printable('x'.repeat(500)).length, 300);
  });
});
