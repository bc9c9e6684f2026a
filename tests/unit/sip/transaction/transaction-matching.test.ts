import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientKeyOfResponse, isRfc3261Branch, legacyMatches, serverKey } from '../../../../electron/sip/transaction/transaction-matching.ts';
import { request, response } from './build.ts';

describe('transaction matching (RFC 3261 §17.1.3, §17.2.3, §9.2)', () => {
  it('server key: branch + sent-by + method, ACK counted as INVITE, CANCEL separate', () => {
    const invite = request();
    assert.equal(serverKey(invite), serverKey(request({ method: 'ACK', cseqMethod: 'ACK' })));
    assert.notEqual(serverKey(invite), serverKey(request({ method: 'CANCEL' })));
    assert.equal(serverKey(request({ method: 'CANCEL' }), 'INVITE'), serverKey(invite));
    assert.notEqual(serverKey(invite), serverKey(request({ viaHost: '127.0.0.9' })), 'another sent-by is another transaction');
    assert.notEqual(serverKey(invite), serverKey(request({ viaPort: 5071 })));
    assert.notEqual(serverKey(invite), serverKey(request({ branch: 'z9hG4bK-other' })));
    assert.equal(serverKey(request({ viaHost: 'PC.Example.com' })), serverKey(request({ viaHost: 'pc.example.com' })));
  });

  it('sent-by without a port equals the default port of the transport', () => {
    const a = request({ extra: [] });
    a.headers.set('Via', 'SIP/2.0/UDP host.example;branch=z9hG4bK-p');
    const b = request();
    b.headers.set('Via', 'SIP/2.0/UDP host.example:5060;branch=z9hG4bK-p');
    assert.equal(serverKey(a), serverKey(b));
    const c = request();
    c.headers.set('Via', 'SIP/2.0/TLS host.example;branch=z9hG4bK-p');
    const d = request();
    d.headers.set('Via', 'SIP/2.0/TLS host.example:5061;branch=z9hG4bK-p');
    assert.equal(serverKey(c), serverKey(d));
  });

  it('no magic cookie: no key (RFC 2543 fallback)', () => {
    assert.equal(serverKey(request({ branch: null })), undefined);
    assert.equal(serverKey(request({ branch: '1234' })), undefined);
    assert.equal(isRfc3261Branch('z9hG4bK'), false);
    assert.equal(isRfc3261Branch('z9hG4bKabc'), true);
  });

  it('client key of a response: branch + CSeq method', () => {
    const invite = request();
    const cancel = request({ method: 'CANCEL' });
    assert.notEqual(clientKeyOfResponse(response(invite, 200)), clientKeyOfResponse(response(cancel, 200)));
    assert.equal(clientKeyOfResponse(response(invite, 180)), clientKeyOfResponse(response(invite, 486)));
  });

  it('RFC 2543: an INVITE retransmission matches on Request-URI, tags, Call-ID, CSeq and top Via', () => {
    const original = request({ branch: null });
    assert.equal(legacyMatches(original, undefined, request({ branch: null })), true);
    assert.equal(legacyMatches(original, undefined, request({ branch: null, callId: 'other' })), false);
    assert.equal(legacyMatches(original, undefined, request({ branch: null, fromTag: 'x' })), false);
    assert.equal(legacyMatches(original, undefined, request({ branch: null, cseq: 2 })), false);
    assert.equal(legacyMatches(original, undefined, request({ branch: null, uri: 'sip:carol@127.0.0.2' })), false);
    assert.equal(legacyMatches(original, undefined, request({ branch: null, viaPort: 5999 })), false);
    assert.equal(legacyMatches(original, undefined, request({ branch: null, toTag: 'x' })), false);
    assert.equal(legacyMatches(original, undefined, request({ branch: null, method: 'BYE' })), false);
  });

  it('RFC 2543: the ACK matches with the To tag of the response sent and the CSeq number only', () => {
    const original = request({ branch: null });
    const ack = request({ branch: null, method: 'ACK', toTag: 'srv' });
    assert.equal(legacyMatches(original, 'srv', ack), true);
    assert.equal(legacyMatches(original, 'other', ack), false);
    assert.equal(legacyMatches(original, 'srv', request({ branch: null, method: 'ACK', toTag: 'srv', cseq: 2 })), false);
  });

  it('RFC 2543: a CANCEL matches its INVITE when treated as INVITE (§9.2)', () => {
    const original = request({ branch: null });
    const cancel = request({ branch: null, method: 'CANCEL' });
    assert.equal(legacyMatches(original, undefined, cancel), false);
    assert.equal(legacyMatches(original, undefined, cancel, 'INVITE'), true);
  });

  it('RFC 2543: a Request-URI spelled differently but equal by §19.1.4 matches', () => {
    const original = request({ branch: null, uri: 'sip:bob@EXAMPLE.com' });
    assert.equal(legacyMatches(original, undefined, request({ branch: null, uri: 'sip:bob@example.com' })), true);
  });
});
