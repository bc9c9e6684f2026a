import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flush } from '../../../helpers/fake-transport.ts';
import { formatNameAddr, formatUri, parseNameAddr, parseUri } from '../../../../electron/sip/message/index.ts';
import type { SipRequest } from '../../../../electron/sip/message/index.ts';
import { Dialog } from '../../../../electron/sip/dialog/dialog.ts';
import { nextHopUri, literalTargets } from '../../../../electron/sip/dialog/next-hop.ts';
import { routeRequest } from '../../../../electron/sip/dialog/route-set.ts';
import { inviteLog, inviteRequest, world } from './two-uas.ts';
import { DialogTerminatedError } from '../../../../electron/sip/dialog/dialog-errors.ts';

function dialogWith(routes: string[], remoteTarget = 'sip:bob@192.0.2.9:5062'): Dialog {
  return new Dialog({
    role: 'uac',
    state: 'Confirmed',
    id: { callId: 'c', localTag: 'l', remoteTag: 'r' },
    localParty: parseNameAddr('<sip:alice@a.example>'),
    remoteParty: parseNameAddr('<sip:bob@b.example>'),
    remoteTarget: parseUri(remoteTarget),
    routeSet: routes.map((r) => parseNameAddr(r)),
    localSeq: 10,
    remoteSeq: undefined,
    secure: false,
    localContact: parseNameAddr('<sip:alice@192.0.2.1:5070>'),
  });
}

describe('route sets and request addressing (RFC 3261 §12.1, §12.2.1.1)', () => {
  it('Record-Route: the UAS keeps the order, the UAC reverses it; requests from each side carry their own order', async () => {
    const w = world();
    const { alice, bob } = w;
    // As two proxies would have inserted them on the way to bob: p1 nearest bob, p2 nearest alice.
    const rr: [string, string][] = [
      ['Record-Route', '<sip:127.0.0.21:5060;lr>'],
      ['Record-Route', '<sip:127.0.0.22:5060;lr>'],
    ];
    const log = inviteLog();
    bob.onInvite = (inv) => inv.accept();
    alice.manager.invite(inviteRequest(alice, bob, { extra: rr }), log, [{ protocol: 'udp', address: '127.0.0.2', port: 5080 }]);
    await flush();
    const bobDialog = bob.manager.dialogs[0];
    const aliceDialog = log.accepted[0].dialog;
    assert.deepEqual(bobDialog.routeSet.map((r) => formatUri(r.uri)), ['sip:127.0.0.21:5060;lr', 'sip:127.0.0.22:5060;lr']);
    assert.deepEqual(aliceDialog.routeSet.map((r) => formatUri(r.uri)), ['sip:127.0.0.22:5060;lr', 'sip:127.0.0.21:5060;lr']);
    // The 2xx copied the Record-Route values (§12.1.1).
    const ok = w.network.find(200)[0].message;
    assert.equal(ok.headers.getAll('Record-Route').length, 2);
    // Alice's ACK: Request-URI = remote target, Route = her route set; it goes to the first route (§8.1.2).
    const ackPacket = w.network.find('ACK', { includeDropped: true })[0];
    const ack = ackPacket.message as SipRequest;
    assert.equal(ack.uri, 'sip:bob@127.0.0.2:5080');
    assert.deepEqual(ack.headers.getAll('Route'), ['<sip:127.0.0.22:5060;lr>', '<sip:127.0.0.21:5060;lr>']);
    assert.equal(ackPacket.to.address, '127.0.0.22');
    const bye = bobDialog.createRequest('BYE');
    assert.equal(bye.uri, 'sip:alice@127.0.0.1:5070');
    assert.deepEqual(bye.headers.getAll('Route'), ['<sip:127.0.0.21:5060;lr>', '<sip:127.0.0.22:5060;lr>']);
    assert.equal(formatUri(nextHopUri(bye)), 'sip:127.0.0.21:5060;lr');
  });

  it('loose routing: Request-URI is the remote target, Route is the whole route set', () => {
    const d = dialogWith(['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
    const r = d.createRequest('INFO');
    assert.equal(r.uri, 'sip:bob@192.0.2.9:5062');
    assert.deepEqual(r.headers.getAll('Route'), ['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
  });

  it('strict routing (§12.2.1.1): first route becomes the Request-URI, the remote target goes last in Route', () => {
    const d = dialogWith(['<sip:strict.example;method=INVITE;maddr=192.0.2.50>', '<sip:p2.example;lr>']);
    const r = d.createRequest('BYE');
    assert.equal(r.uri, 'sip:strict.example;maddr=192.0.2.50', 'parameters not allowed in a Request-URI are stripped');
    assert.deepEqual(r.headers.getAll('Route'), ['<sip:p2.example;lr>', '<sip:bob@192.0.2.9:5062>']);
    assert.equal(formatUri(nextHopUri(r)), 'sip:p2.example;lr');
    const { requestUri, routes } = routeRequest(parseUri('sip:t@192.0.2.9'), [parseNameAddr('<sip:only.example>')]);
    assert.equal(formatUri(requestUri), 'sip:only.example');
    assert.deepEqual(routes.map((x) => formatNameAddr(x)), ['<sip:t@192.0.2.9>']);
  });

  it('no route set: Request-URI is the remote target, no Route; the next hop is the Request-URI', () => {
    const d = dialogWith([]);
    const r = d.createRequest('UPDATE');
    assert.equal(r.headers.has('Route'), false);
    assert.equal(r.headers.get('Contact'), '<sip:alice@192.0.2.1:5070>', 'target refresh requests carry Contact');
    assert.equal(d.createRequest('BYE').headers.has('Contact'), false);
    assert.deepEqual(literalTargets(nextHopUri(r)), [{ protocol: 'udp', address: '192.0.2.9', port: 5062 }]);
  });

  it('literal targets: transport parameter and sips pick the protocol and default port', () => {
    assert.deepEqual(literalTargets(parseUri('sip:10.0.0.1;transport=tcp')), [{ protocol: 'tcp', address: '10.0.0.1', port: 5060 }]);
    assert.deepEqual(literalTargets(parseUri('sips:10.0.0.1')), [{ protocol: 'tls', address: '10.0.0.1', port: 5061 }]);
    assert.deepEqual(literalTargets(parseUri('sip:[::1]:5999')), [{ protocol: 'udp', address: '::1', port: 5999 }]);
    assert.throws(() => literalTargets(parseUri('sip:proxy.example')), /not an IP literal/);
  });

  it('From/To carry the tags, CSeq increments, ACK and CANCEL need the INVITE number', () => {
    const d = dialogWith([]);
    const a = d.createRequest('INFO');
    const b = d.createRequest('INFO');
    assert.equal(a.headers.get('CSeq'), '11 INFO');
    assert.equal(b.headers.get('CSeq'), '12 INFO');
    assert.equal(a.headers.get('From'), '<sip:alice@a.example>;tag=l');
    assert.equal(a.headers.get('To'), '<sip:bob@b.example>;tag=r');
    assert.equal(a.headers.get('Call-ID'), 'c');
    assert.throws(() => d.createRequest('ACK'), /needs the CSeq number/);
    d.terminate();
    assert.throws(() => d.createRequest('BYE'), DialogTerminatedError);
    assert.throws(() => d.transition('Confirmed'), /Terminated -> Confirmed/);
  });
});
