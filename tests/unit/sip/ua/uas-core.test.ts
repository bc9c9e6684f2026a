import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, gzipSync } from 'node:zlib';
import { SipRequest, parseTokenList } from '../../../../electron/sip/message/index.ts';
import type { SipResponse } from '../../../../electron/sip/message/index.ts';
import type { ReceivedMessage } from '../../../../electron/sip/ua/received-message.ts';
import { defaultAccountMatcher } from '../../../../electron/sip/ua/account-matcher.ts';
import { UaAccount } from '../../../../electron/sip/ua/account.ts';
import { parseUri } from '../../../../electron/sip/message/index.ts';
import { systemClock } from '../../../../electron/common/clock.ts';
import { nullLogger } from '../../../../electron/common/logger.ts';
import { OFFER, world } from './ua-world.ts';
import type { FakeServer, World } from './ua-world.ts';
import { phone } from './two-phones.ts';

/** Sends a raw request from a FakeServer acting as a client; resolves with the final response. */
function ask(w: World, from: FakeServer, method: string, uri: string, extra: [string, string][] = [], body?: string | Buffer, to = uri): Promise<SipResponse> {
  const r = new SipRequest(method, uri);
  r.headers.append('Max-Forwards', '70');
  r.headers.append('From', '<sip:probe@10.0.0.9>;tag=p1');
  r.headers.append('To', `<${to}>`);
  r.headers.append('Call-ID', `c-${Math.random()}`);
  r.headers.append('CSeq', `1 ${method}`);
  for (const [n, v] of extra) r.headers.append(n, v);
  if (body !== undefined) r.body = Buffer.from(body);
  const done = new Promise<SipResponse>((resolve) =>
    from.layer.sendRequest(r, [{ protocol: 'udp', address: '10.0.0.3', port: 5080 }], { onResponse: (res) => res.status >= 200 && resolve(res) }),
  );
  void w.settle();
  return done;
}

function setup() {
  const w = world();
  const bob = phone(w, 'bob', '10.0.0.3', 5080, { aliases: ['sip:+554845678901@sipA.test', 'sip:45678901@sipA.test'] });
  const probe = w.server('10.0.0.9', 5060);
  return { w, bob, probe };
}

describe('UAS core: requests outside calls', () => {
  it('OPTIONS: 200 with Allow, Accept, Supported; for an unknown user 404', async () => {
    const { w, probe } = setup();
    const ok = await ask(w, probe, 'OPTIONS', 'sip:bob@10.0.0.3:5080');
    assert.equal(ok.status, 200);
    const allow = parseTokenList(ok.headers.getAll('Allow'));
    for (const m of ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'MESSAGE', 'INFO', 'REFER', 'NOTIFY']) assert.ok(allow.includes(m), m);
    assert.match(ok.headers.get('Accept')!, /application\/sdp/);
    assert.ok(ok.headers.has('Supported'));
    const probeUa = await ask(w, probe, 'OPTIONS', 'sip:10.0.0.3:5080');
    assert.equal(probeUa.status, 200, 'a keep-alive probe of the UA itself');
    assert.equal((await ask(w, probe, 'OPTIONS', 'sip:nobody@10.0.0.3:5080')).status, 404);
    // RFC 3261 §8.2.2.1: a UA is not reached at http: or tel: (it used to answer 200).
    assert.equal((await ask(w, probe, 'OPTIONS', 'http://10.0.0.3:5080/', [], undefined, 'sip:bob@10.0.0.3')).status, 416);
    assert.equal((await ask(w, probe, 'OPTIONS', 'tel:+554845678901')).status, 416);
    assert.equal((await ask(w, probe, 'MESSAGE', 'tel:+554845678901', [['Content-Type', 'text/plain']], 'hi')).status, 416);
  });

  it('MESSAGE: 200 and an event naming the alias it was sent to; 404 for no account; 415 for an unknown body', async () => {
    const { w, bob, probe } = setup();
    const got: ReceivedMessage[] = [];
    bob.ua.on('message', (m) => got.push(m));
    const r = await ask(w, probe, 'MESSAGE', 'sip:45678901@sipA.test', [['Content-Type', 'text/plain;charset=utf-8']], 'olá');
    assert.equal(r.status, 200);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.accountId, 'bob');
    assert.equal(got[0]!.alias, 'sip:45678901@sipA.test');
    assert.equal(got[0]!.body, 'olá');
    assert.equal(got[0]!.contentType, 'text/plain;charset=utf-8', 'with its parameters: the charset says how to read the body');
    assert.equal(got[0]!.from.uri, 'sip:probe@10.0.0.9');
    assert.equal((await ask(w, probe, 'MESSAGE', 'sip:carol@sipA.test', [['Content-Type', 'text/plain']], 'x')).status, 404);
    const bad = await ask(w, probe, 'MESSAGE', 'sip:bob@sipA.test', [['Content-Type', 'application/x-foo']], 'x');
    assert.equal(bad.status, 415);
    assert.match(bad.headers.get('Accept')!, /text\/plain/);
  });

  it('MESSAGE with Content-Encoding (RFC 3261 §8.2.3): deflate and gzip undone; a small body that inflates past 4 KB → 413; an unknown encoding → 415 with Accept-Encoding', async () => {
    const { w, bob, probe } = setup();
    const got: ReceivedMessage[] = [];
    bob.ua.on('message', (m) => got.push(m));
    const text = 'compressed — olá';
    assert.equal((await ask(w, probe, 'MESSAGE', 'sip:bob@sipA.test', [['Content-Type', 'text/plain'], ['Content-Encoding', 'deflate']], deflateSync(text))).status, 200);
    assert.equal((await ask(w, probe, 'MESSAGE', 'sip:bob@sipA.test', [['Content-Type', 'text/plain'], ['Content-Encoding', 'gzip']], gzipSync(text))).status, 200);
    assert.deepEqual(got.map((m) => m.body), [text, text]);
    const bomb = deflateSync(Buffer.alloc(1_000_000, 0x61));
    assert.ok(bomb.length < 2000);
    assert.equal((await ask(w, probe, 'MESSAGE', 'sip:bob@sipA.test', [['Content-Type', 'text/plain'], ['Content-Encoding', 'deflate']], bomb)).status, 413);
    assert.equal((await ask(w, probe, 'MESSAGE', 'sip:bob@sipA.test', [['Content-Type', 'text/plain'], ['Content-Encoding', 'deflate']], 'not deflated')).status, 400);
    const unknown = await ask(w, probe, 'MESSAGE', 'sip:bob@sipA.test', [['Content-Type', 'text/plain'], ['Content-Encoding', 'br']], 'x');
    assert.equal(unknown.status, 415);
    assert.deepEqual(parseTokenList(unknown.headers.getAll('Accept-Encoding')), ['identity', 'deflate', 'gzip']);
    assert.equal(got.length, 2);
  });

  it('sendMessage / sendOptions between two UAs', async () => {
    const w = world();
    const alice = phone(w, 'alice', '10.0.0.2', 5070);
    const bob = phone(w, 'bob', '10.0.0.3', 5080);
    const got: string[] = [];
    bob.ua.on('message', (m) => got.push(m.body));
    const sent = alice.ua.sendMessage('alice', 'sip:bob@10.0.0.3:5080', 'hi bob');
    await w.settle();
    assert.equal((await sent).outcome.status, 200);
    assert.deepEqual(got, ['hi bob']);
    const opt = alice.ua.sendOptions('alice', 'sip:bob@10.0.0.3:5080');
    await w.settle();
    const res = await opt;
    assert.equal(res.outcome.status, 200);
    assert.ok(res.headers.Allow?.some((v) => v.includes('INVITE')));
  });

  it('405 with Allow for a method we know but do not take, 501 for an unknown one, 481 for a dialog-only one, 489 for a SUBSCRIBE without event packages', async () => {
    const { w, probe } = setup();
    const r405 = await ask(w, probe, 'PUBLISH', 'sip:bob@10.0.0.3:5080', [['Event', 'presence']]);
    assert.equal(r405.status, 405);
    assert.equal((await ask(w, probe, 'SUBSCRIBE', 'sip:bob@10.0.0.3:5080', [['Event', 'presence']])).status, 489);
    assert.ok(parseTokenList(r405.headers.getAll('Allow')).includes('INVITE'));
    const r501 = await ask(w, probe, 'FROBNICATE', 'sip:bob@10.0.0.3:5080');
    assert.equal(r501.status, 501);
    assert.ok(r501.headers.has('Allow'));
    assert.equal((await ask(w, probe, 'REGISTER', 'sip:10.0.0.3:5080')).status, 405);
    assert.equal((await ask(w, probe, 'INFO', 'sip:bob@10.0.0.3:5080')).status, 481);
  });

  it('420 with Unsupported for a Require we lack, on INVITE and on OPTIONS', async () => {
    const { w, bob, probe } = setup();
    const refused: number[] = [];
    bob.ua.on('callRefused', (r) => refused.push(r.outcome.status));
    // 100rel and timer are ours (RFC 3262, RFC 4028): only the tags we lack are named.
    const inv = await ask(w, probe, 'INVITE', 'sip:bob@10.0.0.3:5080', [['Require', '100rel, precondition, timer, foo'], ['Contact', '<sip:probe@10.0.0.9>'], ['Content-Type', 'application/sdp']], OFFER);
    assert.equal(inv.status, 420);
    assert.deepEqual(parseTokenList(inv.headers.getAll('Unsupported')), ['precondition', 'foo']);
    assert.deepEqual(refused, [420]);
    assert.equal(bob.incoming.length, 0);
    const opt = await ask(w, probe, 'OPTIONS', 'sip:bob@10.0.0.3:5080', [['Require', 'foo']]);
    assert.equal(opt.status, 420);
    assert.equal(opt.headers.get('Unsupported'), 'foo');
  });

  it('an INVITE to an alias: the account is found and the called alias exposed (To kept by the proxy, Request-URI = our contact)', async () => {
    const { w, bob, probe } = setup();
    const done = ask(w, probe, 'INVITE', 'sip:bob@10.0.0.3:5080', [['Contact', '<sip:probe@10.0.0.9>'], ['Content-Type', 'application/sdp']], OFFER);
    // ask() put To = Request-URI; rewrite it as a proxy would have left it: the dialled alias.
    void done;
    await w.settle();
    assert.equal(bob.incoming.length, 1);
    assert.equal(bob.incoming[0]!.calledAlias, 'sip:bob@sipA.test');
    bob.incoming[0]!.decline(486);
    await w.settle();
    const r = new SipRequest('INVITE', 'sip:bob@10.0.0.3:5080');
    for (const [n, v] of [['Max-Forwards', '70'], ['From', '<sip:caller@sipA.test>;tag=x'], ['To', '<sip:+554845678901@sipA.test>'], ['Call-ID', 'alias-call'], ['CSeq', '1 INVITE'], ['Contact', '<sip:caller@10.0.0.9>'], ['Content-Type', 'application/sdp']] as const) r.headers.append(n, v);
    r.body = Buffer.from(OFFER);
    probe.layer.sendRequest(r, [{ protocol: 'udp', address: '10.0.0.3', port: 5080 }], { onResponse: () => {} });
    await w.settle();
    assert.equal(bob.incoming.length, 2);
    assert.equal(bob.incoming[1]!.calledAlias, 'sip:+554845678901@sipA.test');
    assert.equal(bob.incoming[1]!.localIdentity, 'sip:+554845678901@sipA.test');
    assert.equal(bob.incoming[1]!.account.id, 'bob');
  });

  it('the default matcher: Request-URI address, then To, then user parts; an injected matcher wins; fallback account takes the rest', async () => {
    const deps = { clock: systemClock, logger: nullLogger };
    const a = new UaAccount({ id: 'a', aor: 'sip:johndoe@sipA.test', aliases: ['+554845678901', 'sip:45678901@sipA.test'] }, deps);
    const b = new UaAccount({ id: 'b', aor: 'sip:bob@sipB.test' }, deps);
    const match = defaultAccountMatcher(() => [a, b]);
    const m = (ruri: string, to: string) => match(parseUri(ruri), parseUri(to));
    assert.deepEqual(m('sip:johndoe@192.0.2.1:5060', 'sip:+554845678901@sipA.test'), { accountId: 'a', alias: 'sip:+554845678901@sipA.test' });
    assert.deepEqual(m('sip:bob@sipB.test', 'sip:someone@else.test'), { accountId: 'b', alias: 'sip:bob@sipB.test' });
    assert.deepEqual(m('sip:45678901@10.0.0.1', 'sip:45678901@10.0.0.1'), { accountId: 'a', alias: 'sip:45678901@sipA.test' });
    assert.equal(m('sip:carol@sipA.test', 'sip:carol@sipA.test'), undefined);

    const w = world();
    const ua = w.ua('10.0.0.3', 5080, { fallbackAccountId: 'direct', matchAccount: (ruri) => (ruri.user === 'vip' ? { accountId: 'x', alias: 'sip:vip@x' } : undefined) });
    ua.addAccount({ id: 'x', aor: 'sip:xavier@sipA.test', registerExpires: 0 });
    ua.addAccount({ id: 'direct', aor: 'sip:me@10.0.0.3', registerExpires: 0 });
    const got: ReceivedMessage[] = [];
    ua.on('message', (msg) => got.push(msg));
    const probe = w.server('10.0.0.9', 5060);
    assert.equal((await ask(w, probe, 'MESSAGE', 'sip:vip@10.0.0.3:5080', [['Content-Type', 'text/plain']], '1')).status, 200);
    assert.equal((await ask(w, probe, 'MESSAGE', 'sip:anyone@10.0.0.3:5080', [['Content-Type', 'text/plain']], '2')).status, 200);
    assert.deepEqual(got.map((g) => `${g.accountId} ${g.alias}`), ['x sip:vip@x', 'direct sip:me@10.0.0.3']);
  });
});
