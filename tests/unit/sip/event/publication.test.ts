import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventAgent } from '../../../../electron/sip/event/event-agent.ts';
import type { PublicationView } from '../../../../electron/sip/event/publication.ts';
import { createResponse } from '../../../../electron/sip/message/index.ts';
import type { SipRequest } from '../../../../electron/sip/message/index.ts';
import { phone } from '../ua/two-phones.ts';
import { world } from '../ua/ua-world.ts';

const DOC = (s: string) => ({ contentType: 'application/pidf+xml', body: `<presence>${s}</presence>` });

function setup() {
  const w = world();
  const alice = phone(w, 'alice', '10.0.0.2', 5070);
  const server = w.server('10.0.0.9', 5060);
  const etags = new Set<string>();
  let n = 0;
  const state = { lose: false, minExpires: 0 };
  server.handle = (request: SipRequest, tx) => {
    if (state.minExpires > 0 && Number(request.headers.get('Expires')) < state.minExpires && request.headers.get('Expires') !== '0') {
      const r = createResponse(request, 423, 'Interval Too Brief');
      r.headers.set('Min-Expires', String(state.minExpires));
      tx.respond(r);
      return;
    }
    const match = request.headers.get('SIP-If-Match');
    if (match && (state.lose || !etags.has(match))) {
      state.lose = false;
      tx.respond(createResponse(request, 412, 'Conditional Request Failed'));
      return;
    }
    if (!match && request.body.length === 0) {
      tx.respond(createResponse(request, 400, 'Bad Request'));
      return;
    }
    const ok = createResponse(request, 200, 'OK');
    const etag = `e${++n}`;
    etags.add(etag);
    ok.headers.set('SIP-ETag', etag);
    ok.headers.set('Expires', request.headers.get('Expires') ?? '3600');
    tx.respond(ok);
  };
  return { w, alice, server, state };
}

describe('RFC 3903 publication', () => {
  it('publishes, refreshes with SIP-If-Match and no body, modifies with the body, removes with Expires: 0', async () => {
    const { w, alice, server } = setup();
    await alice.ua.removeAccount('alice');
    alice.ua.addAccount({ id: 'alice', aor: 'sip:alice@sipA.test', registerExpires: 0, outboundProxy: 'sip:10.0.0.9:5060' });
    const events = new EventAgent(alice.ua);
    const views: PublicationView[] = [];
    const p = events.publication('alice', { event: 'presence', expires: 120 }, (v) => views.push(v));
    p.publish(DOC('open'));
    await w.settle();
    const pubs = () => server.of('PUBLISH');
    assert.equal(pubs().length, 1);
    assert.equal(pubs()[0]!.headers.get('Event'), 'presence');
    assert.equal(pubs()[0]!.uri, 'sip:alice@sipA.test');
    assert.equal(views.at(-1)?.state, 'published');
    assert.equal(p.etag, 'e1');
    // Refresh at 120 - 40 = 80 s: If-Match e1, no body.
    await w.run(81_000, 1_000);
    assert.equal(pubs().length, 2);
    assert.equal(pubs()[1]!.headers.get('SIP-If-Match'), 'e1');
    assert.equal(pubs()[1]!.body.length, 0);
    assert.equal(p.etag, 'e2');
    p.publish(DOC('closed'));
    await w.settle();
    assert.equal(pubs()[2]!.headers.get('SIP-If-Match'), 'e2');
    assert.match(pubs()[2]!.body.toString(), /closed/);
    await Promise.all([events.removePublication(p), w.settle()]);
    assert.equal(pubs()[3]!.headers.get('Expires'), '0');
    assert.equal(pubs()[3]!.headers.get('SIP-If-Match'), 'e3');
    assert.equal(views.at(-1)?.state, 'off');
  });

  it('412 starts over with the whole document; 423 asks again with Min-Expires', async () => {
    const { w, alice, server, state } = setup();
    await alice.ua.removeAccount('alice');
    alice.ua.addAccount({ id: 'alice', aor: 'sip:alice@sipA.test', registerExpires: 0, outboundProxy: 'sip:10.0.0.9:5060' });
    const events = new EventAgent(alice.ua);
    state.minExpires = 600;
    const views: PublicationView[] = [];
    const p = events.publication('alice', { event: 'presence', expires: 120 }, (v) => views.push(v));
    p.publish(DOC('open'));
    await w.settle();
    const pubs = server.of('PUBLISH');
    assert.deepEqual(pubs.map((r) => r.headers.get('Expires')), ['120', '600']);
    assert.equal(views.at(-1)?.state, 'published');
    state.lose = true;
    p.publish(DOC('busy'));
    await w.settle();
    const after = server.of('PUBLISH').slice(2);
    assert.equal(after[0]!.headers.get('SIP-If-Match'), 'e1');
    assert.equal(after[1]!.headers.get('SIP-If-Match'), undefined, 'after 412: a fresh publication');
    assert.match(after[1]!.body.toString(), /busy/);
    assert.equal(views.at(-1)?.state, 'published');
  });

  it('a server that does not take PUBLISH (405) is reported in words and not retried', async () => {
    const w = world();
    const alice = phone(w, 'alice', '10.0.0.2', 5070);
    await alice.ua.removeAccount('alice');
    alice.ua.addAccount({ id: 'alice', aor: 'sip:alice@sipA.test', registerExpires: 0, outboundProxy: 'sip:10.0.0.9:5060' });
    const server = w.server('10.0.0.9', 5060);
    server.handle = (r, tx) => tx.respond(createResponse(r, 405, 'Method Not Allowed'));
    const events = new EventAgent(alice.ua);
    const views: PublicationView[] = [];
    events.publication('alice', { event: 'presence', expires: 3600 }, (v) => views.push(v)).publish(DOC('open'));
    await w.settle();
    assert.deepEqual(views.at(-1), { state: 'failed', code: 405, reason: 'the server does not take presence publications' });
    await w.run(3_600_000, 60_000);
    assert.equal(server.of('PUBLISH').length, 1);
  });
});
