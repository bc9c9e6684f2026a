/**
 * Who is calling beyond From (sip/ua/caller-identity.ts): P-Asserted-Identity
 * and Remote-Party-ID believed only from the account's own server (the
 * address its registration reached), Privacy and anonymous From, and
 * Diversion / History-Info in words.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SipRequest } from '../../../../electron/sip/message/index.ts';
import { callerIdentity, describeForwarding } from '../../../../electron/sip/ua/caller-identity.ts';
import type { IncomingCall } from '../../../../electron/sip/ua/incoming-call.ts';
import { OFFER, fixedMedia, registrar, world } from './ua-world.ts';

function invite(headers: [string, string][]): SipRequest {
  const r = new SipRequest('INVITE', 'sip:bob@10.0.0.3:5080');
  for (const [n, v] of [['From', '"Claimed" <sip:claimed@evil.test>;tag=1'], ['To', '<sip:bob@sipA.test>'], ['Call-ID', 'x'], ['CSeq', '1 INVITE'], ...headers] as [string, string][]) r.headers.append(n, v);
  return r;
}

describe('caller identity headers', () => {
  it('PAI is believed only from a trusted source; sip before tel; RPID (party=calling) when there is no PAI', () => {
    const pai = invite([['P-Asserted-Identity', '<tel:+15551234>, "Alice Real" <sip:alice@sipA.test>']]);
    assert.deepEqual(callerIdentity(pai, true).asserted, { uri: 'sip:alice@sipA.test', displayName: 'Alice Real' });
    assert.equal(callerIdentity(pai, false).asserted, undefined, 'anyone can write the header');
    const rpid = invite([['Remote-Party-ID', '"Called" <sip:x@y>;party=called, "Bob" <sip:+15550000@sipA.test;user=phone>;party=calling;screen=yes']]);
    assert.deepEqual(callerIdentity(rpid, true).asserted, { uri: 'sip:+15550000@sipA.test;user=phone', displayName: 'Bob' });
  });

  it('withheld: Privacy id/user/header, RPID privacy=full, an anonymous From; not for Privacy: none', () => {
    assert.equal(callerIdentity(invite([['Privacy', 'id']]), false).withheld, true);
    assert.equal(callerIdentity(invite([['Privacy', 'header;user']]), false).withheld, true);
    assert.equal(callerIdentity(invite([['Privacy', 'none']]), false).withheld, false);
    assert.equal(callerIdentity(invite([['Remote-Party-ID', '<sip:a@b>;party=calling;privacy=full']]), true).withheld, true);
    const anon = invite([]);
    anon.headers.set('From', '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=9');
    assert.equal(callerIdentity(anon, false).withheld, true);
    assert.equal(callerIdentity(invite([]), false).withheld, false);
  });

  it('Diversion (topmost, reason in words) and History-Info (Reason escaped in the URI, or RFC 4458 cause)', () => {
    const div = callerIdentity(invite([['Diversion', '<sip:100@sip.test>;reason=user-busy;counter=1, <sip:200@sip.test>;reason=no-answer']]), false).forwardedBy!;
    assert.deepEqual(div, { uri: 'sip:100@sip.test', reason: 'user-busy', words: 'busy' });
    assert.equal(describeForwarding(div), 'forwarded by 100@sip.test, busy');
    const hi = callerIdentity(invite([['History-Info', '<sip:100@sip.test?Reason=SIP%3Bcause%3D408%3Btext%3D%22Timeout%22>;index=1, <sip:bob@10.0.0.3:5080>;index=1.1;mp=1']]), false).forwardedBy!;
    assert.equal(describeForwarding(hi), 'forwarded by 100@sip.test, no answer');
    const cause = callerIdentity(invite([['History-Info', '<sip:100@sip.test>;index=1, <sip:bob@10.0.0.3:5080;cause=302>;index=1.1']]), false).forwardedBy!;
    assert.equal(describeForwarding(cause), 'forwarded by 100@sip.test, always');
    assert.equal(callerIdentity(invite([['History-Info', '<sip:bob@10.0.0.3>;index=1']]), false).forwardedBy, undefined, 'one entry: not forwarded');
    assert.equal(callerIdentity(invite([['Diversion', '<<<garbage']]), false).forwardedBy, undefined, 'garbage is skipped');
  });
});

describe('trust: the account\'s server only', () => {
  it('an INVITE from the address our REGISTER reached has its PAI believed; the same from elsewhere does not', async () => {
    const w = world();
    const server = w.server('10.0.0.1', 5060);
    registrar(server, { users: { bob: 'pw' } });
    const media = fixedMedia();
    const ua = w.ua('10.0.0.3', 5080, { media: media.factory });
    ua.addAccount({ id: 'b', aor: 'sip:bob@sipA.test', password: 'pw', outboundProxy: 'sip:10.0.0.1:5060', registerExpires: 60 });
    const calls: IncomingCall[] = [];
    ua.on('incomingCall', (c) => calls.push(c));
    ua.register('b');
    await w.settle(20);
    assert.equal(ua.registration('b').state, 'registered');
    const stranger = w.server('10.0.0.66', 5060);
    for (const [from, id] of [[server, 'via-proxy'], [stranger, 'direct']] as const) {
      const r = invite([['P-Asserted-Identity', '"Alice" <sip:alice@sipA.test>'], ['Contact', '<sip:x@10.0.0.9>'], ['Content-Type', 'application/sdp']]);
      r.headers.set('Call-ID', id);
      r.headers.set('Max-Forwards', '70');
      r.body = Buffer.from(OFFER);
      from.layer.sendRequest(r, [{ protocol: 'udp', address: '10.0.0.3', port: 5080 }], { onResponse: () => {} });
      await w.settle(20);
    }
    assert.equal(calls.length, 2);
    assert.equal(calls[0]!.caller.uri, 'sip:alice@sipA.test');
    assert.equal(calls[0]!.caller.displayName, 'Alice');
    assert.equal(calls[1]!.caller.uri, 'sip:claimed@evil.test', 'an untrusted PAI is ignored: From stands');
  });
  it('the forward chain: every forwarding party, most recent first, and the hops (Diversion counters, History-Info entries)', () => {
    const div = callerIdentity(invite([['Diversion', '<sip:100@sip.test>;reason=user-busy;counter=2, <sip:200@sip.test>;reason=no-answer']]), false).forwardChain;
    assert.deepEqual(div, { parties: ['sip:100@sip.test', 'sip:200@sip.test'], hops: 3 });
    const hi = callerIdentity(invite([['History-Info', '<sip:100@sip.test>;index=1, <sip:200@sip.test>;index=1.1, <sip:bob@10.0.0.3>;index=1.1.1']]), false).forwardChain;
    assert.deepEqual(hi, { parties: ['sip:200@sip.test', 'sip:100@sip.test'], hops: 2 });
    assert.deepEqual(callerIdentity(invite([]), false).forwardChain, { parties: [], hops: 0 });
  });
});
