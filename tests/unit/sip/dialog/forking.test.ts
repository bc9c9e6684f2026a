import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flush } from '../../../helpers/fake-transport.ts';
import type { FakeTransport } from '../../../helpers/fake-transport.ts';
import { createResponse, formatNameAddr, toOf, topVia } from '../../../../electron/sip/message/index.ts';
import type { SipRequest } from '../../../../electron/sip/message/index.ts';
import type { IncomingMessage } from '../../../../electron/sip/transport/transport.ts';
import { inviteLog, inviteRequest, world } from './two-uas.ts';
import type { World } from './two-uas.ts';

/** A forking proxy played by hand: it answers alice's INVITE with responses from two branches (To tags b1, b2). */
function forkingProxy(w: World) {
  const proxy = w.network.endpoint('127.0.0.5', 5060);
  const b1 = w.network.endpoint('127.0.0.6', 5060);
  const b2 = w.network.endpoint('127.0.0.7', 5060);
  let invite: IncomingMessage | undefined;
  proxy.onMessage((m) => {
    if (m.message.kind === 'request' && m.message.method === 'INVITE') invite = m;
  });
  const respond = (status: number, tag: string, contactHost: string) => {
    if (!invite || invite.message.kind !== 'request') throw new Error('no INVITE yet');
    const r = createResponse(invite.message, status);
    const to = toOf(r);
    r.headers.set('To', formatNameAddr({ ...to, params: new Map(to.params).set('tag', tag) }));
    r.headers.append('Contact', `<sip:${tag}@${contactHost}:5060>`);
    void proxy.sendResponse(r, invite);
  };
  const acksAt = (t: FakeTransport) => t.received.filter((m) => m.message.kind === 'request' && m.message.method === 'ACK').map((m) => m.message as SipRequest);
  return { proxy, b1, b2, respond, acksAt };
}

describe('forking (RFC 3261 §12.1.2, §13.2.2.4)', () => {
  it('two early dialogs by To tag; one answered and ACKed (again per 2xx retransmission); the other ends at Timer M', async () => {
    const w = world();
    const { alice } = w;
    const p = forkingProxy(w);
    const log = inviteLog();
    const out = alice.manager.invite(inviteRequest(alice, w.bob), log, [{ protocol: 'udp', address: '127.0.0.5', port: 5060 }]);
    await flush();
    p.respond(180, 'b1', '127.0.0.6');
    p.respond(180, 'b2', '127.0.0.7');
    p.respond(183, 'b1', '127.0.0.6');
    await flush();
    assert.equal(out.dialogs.length, 2);
    assert.deepEqual(out.dialogs.map((d) => `${d.id.remoteTag}:${d.state}`), ['b1:Early', 'b2:Early']);
    assert.equal(log.provisional[2].dialog, out.dialogs[0], 'a later 1xx with the same tag belongs to the same early dialog');
    assert.equal(alice.manager.dialogs.length, 2);

    p.respond(200, 'b2', '127.0.0.7');
    await flush();
    assert.equal(log.accepted.length, 1);
    const [d1, d2] = out.dialogs;
    assert.equal(d2.state, 'Confirmed');
    assert.equal(d1.state, 'Early');
    assert.equal(p.acksAt(p.b2).length, 1, 'the ACK goes to the Contact of the 2xx');
    p.respond(200, 'b2', '127.0.0.7'); // retransmission
    await flush();
    assert.equal(log.accepted.length, 1, 'the TU hears of each dialog once');
    const acks = p.acksAt(p.b2);
    assert.equal(acks.length, 2);
    assert.equal(topVia(acks[0]).params.get('branch'), topVia(acks[1]).params.get('branch'), 'the same ACK is resent');

    w.clock.advance(32_000); // Timer M
    assert.equal(d1.state, 'Terminated');
    assert.deepEqual(alice.ended.map((e) => `${e.dialog.id.remoteTag}:${e.reason}`), ['b1:not-answered']);
    assert.equal(d2.state, 'Confirmed');

    p.respond(200, 'b2', '127.0.0.7'); // after the transaction ended: a stray 2xx, still ACKed
    await flush();
    assert.equal(p.acksAt(p.b2).length, 3);
    assert.equal(p.acksAt(p.b1).length, 0);
  });

  it('two 2xx from two branches: two confirmed dialogs, each ACKed; the TU may BYE the one it does not want', async () => {
    const w = world();
    const { alice } = w;
    const p = forkingProxy(w);
    const log = inviteLog();
    alice.manager.invite(inviteRequest(alice, w.bob), log, [{ protocol: 'udp', address: '127.0.0.5', port: 5060 }]);
    await flush();
    p.respond(200, 'b1', '127.0.0.6');
    p.respond(200, 'b2', '127.0.0.7');
    await flush();
    assert.deepEqual(log.accepted.map((a) => `${a.dialog.id.remoteTag}:${a.dialog.state}`), ['b1:Confirmed', 'b2:Confirmed']);
    assert.equal(p.acksAt(p.b1).length, 1);
    assert.equal(p.acksAt(p.b2).length, 1);
    void alice.manager.bye(log.accepted[1].dialog);
    await flush();
    assert.equal(p.b2.received.filter((m) => m.message.kind === 'request' && m.message.method === 'BYE').length, 1);
    assert.deepEqual(alice.manager.dialogs.map((d) => d.id.remoteTag), ['b1']);
  });

  it('a non-2xx final response ends every early dialog of the INVITE', async () => {
    const w = world();
    const { alice } = w;
    const p = forkingProxy(w);
    const log = inviteLog();
    alice.manager.invite(inviteRequest(alice, w.bob), log, [{ protocol: 'udp', address: '127.0.0.5', port: 5060 }]);
    await flush();
    p.respond(180, 'b1', '127.0.0.6');
    p.respond(180, 'b2', '127.0.0.7');
    p.respond(486, 'b2', '127.0.0.7');
    await flush();
    assert.deepEqual(log.rejected.map((r) => r.status), [486]);
    assert.deepEqual(alice.ended.map((e) => `${e.dialog.id.remoteTag}:${e.reason}`), ['b1:rejected', 'b2:rejected']);
    assert.equal(alice.manager.dialogs.length, 0);
  });
});
