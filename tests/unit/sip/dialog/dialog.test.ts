import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse, formatNameAddr, formatUri, parseMessage, toOf } from '../../../../electron/sip/message/index.ts';
import type { SipRequest, SipResponse } from '../../../../electron/sip/message/index.ts';
import { Dialog } from '../../../../electron/sip/dialog/dialog.ts';
import { dialogKey, idOfIncomingRequest, idOfIncomingResponse } from '../../../../electron/sip/dialog/dialog-id.ts';

function invite(uri = 'sips:bob@b.example', extra: string[] = []): SipRequest {
  const m = parseMessage(
    [
      `INVITE ${uri} SIP/2.0`,
      'Via: SIP/2.0/TLS 192.0.2.1:5061;branch=z9hG4bK-d1',
      'Max-Forwards: 70',
      'From: "Alice" <sips:alice@a.example>;tag=ta',
      'To: "Bob" <sips:bob@b.example>',
      'Call-ID: dlg-1',
      'CSeq: 7 INVITE',
      'Contact: <sips:alice@192.0.2.1:5061>',
      'Authorization: Digest username="alice", realm="a", nonce="n", uri="sips:bob@b.example", response="x"',
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
  if (m.kind !== 'request') throw new Error('request expected');
  return m;
}

function answer(req: SipRequest, status: number, tag: string, contact = '<sips:bob@192.0.2.2:5061>'): SipResponse {
  const r = createResponse(req, status);
  const to = toOf(r);
  r.headers.set('To', formatNameAddr({ ...to, params: new Map(to.params).set('tag', tag) }));
  r.headers.append('Contact', contact);
  for (const rr of req.headers.getAll('Record-Route')) r.headers.append('Record-Route', rr);
  return r;
}

describe('Dialog (RFC 3261 §12)', () => {
  it('UAC from a 180: Early, ids from From/To tags, local seq from the INVITE, remote target from Contact', () => {
    const req = invite();
    const d = Dialog.fromUacResponse(req, answer(req, 180, 'tb'), true);
    assert.equal(d.state, 'Early');
    assert.deepEqual(d.id, { callId: 'dlg-1', localTag: 'ta', remoteTag: 'tb' });
    assert.equal(d.localSeq, 7);
    assert.equal(d.remoteSeq, undefined);
    assert.equal(formatUri(d.remoteTarget), 'sips:bob@192.0.2.2:5061');
    assert.equal(formatUri(d.localUri), 'sips:alice@a.example');
    assert.equal(formatUri(d.remoteUri), 'sips:bob@b.example');
    assert.equal(d.localParty.displayName, 'Alice');
    assert.equal(d.localParty.params.has('tag'), false);
    assert.equal(d.secure, true, 'sips Request-URI sent over TLS');
    assert.equal(Dialog.fromUacResponse(req, answer(req, 180, 'tb'), false).secure, false);
    assert.equal(Dialog.fromUacResponse(invite('sip:bob@b.example'), answer(req, 180, 'tb'), true).secure, false);
  });

  it('UAC: 2xx confirms the early dialog, recomputes the route set and takes the new Contact (§13.2.2.4)', () => {
    const req = invite();
    const d = Dialog.fromUacResponse(req, answer(req, 183, 'tb'), true);
    assert.equal(d.routeSet.length, 0);
    const ok = answer(req, 200, 'tb', '<sips:bob@192.0.2.3:5061>');
    ok.headers.append('Record-Route', '<sips:p1.example;lr>');
    ok.headers.append('Record-Route', '<sips:p2.example;lr>');
    d.confirmWith(ok);
    assert.equal(d.state, 'Confirmed');
    assert.deepEqual(d.routeSet.map((r) => formatUri(r.uri)), ['sips:p2.example;lr', 'sips:p1.example;lr']);
    assert.equal(formatUri(d.remoteTarget), 'sips:bob@192.0.2.3:5061');
  });

  it('UAS from the request and its 2xx: ids, remote seq, route set in order, secure over TLS', () => {
    const req = invite('sips:bob@b.example', ['Record-Route: <sips:p1.example;lr>, <sips:p2.example;lr>']);
    const d = Dialog.fromUasResponse(req, answer(req, 200, 'tb'), true);
    assert.equal(d.state, 'Confirmed');
    assert.deepEqual(d.id, { callId: 'dlg-1', localTag: 'tb', remoteTag: 'ta' });
    assert.equal(d.remoteSeq, 7);
    assert.equal(d.localSeq, undefined);
    assert.equal(formatUri(d.remoteTarget), 'sips:alice@192.0.2.1:5061');
    assert.deepEqual(d.routeSet.map((r) => formatUri(r.uri)), ['sips:p1.example;lr', 'sips:p2.example;lr']);
    assert.equal(d.secure, true);
    assert.throws(() => d.confirmWith(answer(req, 200, 'tb')), /UAC only/);
  });

  it('remote CSeq rule (§12.2.2): lower is refused, equal or higher accepted and recorded; ACK/CANCEL exempt', () => {
    const req = invite();
    const d = Dialog.fromUasResponse(req, answer(req, 200, 'tb'), false);
    const inDialog = (method: string, seq: number) => {
      const r = invite();
      r.method = method;
      r.headers.set('CSeq', `${seq} ${method}`);
      return r;
    };
    assert.equal(d.acceptRemoteSeq(inDialog('INFO', 6)), false);
    assert.equal(d.remoteSeq, 7);
    assert.equal(d.acceptRemoteSeq(inDialog('INFO', 9)), true);
    assert.equal(d.remoteSeq, 9);
    assert.equal(d.acceptRemoteSeq(inDialog('ACK', 7)), true);
    assert.equal(d.remoteSeq, 9);
  });

  it('ACK for a 2xx: CSeq number of the INVITE, method ACK, the INVITE credentials (§13.2.2.4)', () => {
    const req = invite();
    const d = Dialog.fromUacResponse(req, answer(req, 200, 'tb'), true);
    d.nextLocalSeq(); // a request in between does not change the ACK's number
    const ack = d.createAck(req, { body: Buffer.from('sdp'), contentType: 'application/sdp' });
    assert.equal(ack.headers.get('CSeq'), '7 ACK');
    assert.equal(ack.headers.getAll('Authorization').length, 1);
    assert.equal(ack.headers.get('Content-Type'), 'application/sdp');
    assert.equal(ack.body.toString(), 'sdp');
    assert.equal(ack.headers.has('Via'), false, 'the transaction layer adds a Via with a fresh branch');
  });

  it('dialog ids from messages: To tag of a received request is local; From tag of a response is local', () => {
    const req = invite();
    assert.equal(idOfIncomingRequest(req), undefined, 'no To tag: out of dialog');
    const inDialog = invite();
    inDialog.headers.set('To', '<sips:bob@b.example>;tag=tb');
    assert.deepEqual(idOfIncomingRequest(inDialog), { callId: 'dlg-1', localTag: 'tb', remoteTag: 'ta' });
    assert.deepEqual(idOfIncomingResponse(answer(req, 200, 'tb')), { callId: 'dlg-1', localTag: 'ta', remoteTag: 'tb' });
    assert.notEqual(dialogKey({ callId: 'a', localTag: 'b', remoteTag: 'c' }), dialogKey({ callId: 'a', localTag: 'c', remoteTag: 'b' }));
    const legacy = invite();
    legacy.headers.set('From', '<sips:alice@a.example>');
    legacy.headers.set('To', '<sips:bob@b.example>;tag=tb');
    assert.deepEqual(idOfIncomingRequest(legacy), { callId: 'dlg-1', localTag: 'tb', remoteTag: '' }, 'RFC 2543 peer without a From tag');
  });

  it('state machine: Early -> Confirmed -> Terminated only', () => {
    const req = invite();
    const d = Dialog.fromUacResponse(req, answer(req, 180, 'tb'), false);
    assert.throws(() => d.transition('Early'), /Early -> Early/);
    d.transition('Confirmed');
    assert.throws(() => d.transition('Early'), /Confirmed -> Early/);
    d.terminate();
    d.terminate(); // idempotent
    assert.equal(d.state, 'Terminated');
  });
});
