import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse, formatUri, parseUri, SipRequest } from '../../../../electron/sip/message/index.ts';
import { defaultRetryPolicy, parseRetryAfter, refreshDelayMs, retryDelayMs } from '../../../../electron/sip/ua/refresh-policy.ts';
import { RedirectTargets } from '../../../../electron/sip/ua/redirect-targets.ts';
import { toTraceEntry } from '../../../../electron/sip/ua/sip-trace.ts';
import { formatDtmfRelay, parseDtmfRelay } from '../../../../electron/sip/ua/dtmf-info.ts';
import { formatSipfrag, parseSipfragStatus } from '../../../../electron/sip/ua/sipfrag.ts';
import { readBindings } from '../../../../electron/sip/ua/bindings.ts';
import { UaAccount, parseAddress } from '../../../../electron/sip/ua/account.ts';
import { systemClock } from '../../../../electron/common/clock.ts';
import { nullLogger } from '../../../../electron/common/logger.ts';

function response302(...contacts: string[]) {
  const r = new SipRequest('INVITE', 'sip:a@b');
  for (const [n, v] of [['Via', 'SIP/2.0/UDP h;branch=z9hG4bK1'], ['From', '<sip:x@y>;tag=1'], ['To', '<sip:a@b>'], ['Call-ID', 'c'], ['CSeq', '1 INVITE']]) r.headers.append(n!, v!);
  const res = createResponse(r, 302);
  for (const c of contacts) res.headers.append('Contact', c);
  return res;
}

describe('refresh policy', () => {
  it('refreshes at half-time up to 80 s, then 40 s before expiry', () => {
    assert.equal(refreshDelayMs(10), 5_000);
    assert.equal(refreshDelayMs(60), 30_000);
    assert.equal(refreshDelayMs(80), 40_000);
    assert.equal(refreshDelayMs(120), 80_000);
    assert.equal(refreshDelayMs(3600), 3_560_000);
  });
  it('backs off 30 s * 2^n, 50–100 % of it, capped at 30 min; Retry-After wins', () => {
    assert.equal(retryDelayMs(1, undefined, defaultRetryPolicy, () => 0), 30_000);
    assert.equal(retryDelayMs(1, undefined, defaultRetryPolicy, () => 1), 60_000);
    assert.equal(retryDelayMs(3, undefined, defaultRetryPolicy, () => 1), 240_000);
    assert.equal(retryDelayMs(20, undefined, defaultRetryPolicy, () => 1), 1_800_000);
    assert.equal(retryDelayMs(5, 17, defaultRetryPolicy, () => 1), 17_000);
    // Clamped to 10 s … 1 h whatever the server says (timer-bounds.ts).
    assert.equal(retryDelayMs(5, 7, defaultRetryPolicy, () => 1), 10_000);
    assert.equal(retryDelayMs(5, 0, defaultRetryPolicy, () => 1), 10_000);
    assert.equal(retryDelayMs(5, 4_294_967_295, defaultRetryPolicy, () => 1), 3_600_000);
    assert.equal(retryDelayMs(1, undefined, { baseMs: 0, maxMs: 0 }, () => 0), 5_000, 'never below the floor');
    assert.equal(parseRetryAfter('120 (lunch);duration=3600'), 120);
    assert.equal(parseRetryAfter('soon'), undefined);
  });
});

describe('redirect targets', () => {
  it('orders by q (no q = 1.0), skips what was tried, and stops at the limit', () => {
    const t = new RedirectTargets(parseUri('sip:start@h'), 2);
    const { added, loops } = t.add(response302('<sip:low@h>;q=0.1', '<sip:plain@h>', '<sip:mid@h>;q=0.5', '<sip:start@h>', '<tel:+1555>'));
    assert.deepEqual(added.map(formatUri), ['sip:plain@h', 'sip:mid@h', 'sip:low@h']);
    assert.deepEqual(loops.map(formatUri), ['sip:start@h']);
    assert.equal(formatUri(t.next()!), 'sip:plain@h');
    assert.deepEqual(t.add(response302('<sip:mid@h>')).loops.map(formatUri), ['sip:mid@h']);
    assert.equal(formatUri(t.next()!), 'sip:mid@h');
    assert.equal(t.next(), undefined, 'limit of 2 redirects reached');
    assert.equal(t.limitReached, true);
  });
});

describe('trace, DTMF, sipfrag, bindings, accounts', () => {
  it('the trace redacts credentials and keeps CRLF line ends', () => {
    const text = 'REGISTER sip:a SIP/2.0\r\nAuthorization: Digest username="j", response="abc"\r\nProxy-Authorization: Digest x="y"\r\nCSeq: 2 REGISTER\r\n\r\n';
    const e = toTraceEntry({ direction: 'out', protocol: 'udp', local: { protocol: 'udp', address: '127.0.0.1', port: 1 }, remote: { protocol: 'udp', address: '127.0.0.1', port: 2 }, text, time: 5 });
    assert.equal(e.text, 'REGISTER sip:a SIP/2.0\r\nAuthorization: Digest <redacted>\r\nProxy-Authorization: Digest <redacted>\r\nCSeq: 2 REGISTER\r\n\r\n');
    assert.equal(e.summary, 'REGISTER sip:a SIP/2.0');
    // A message without credentials (most of a call's) is the text as it crossed the wire, the same string.
    const plain = 'SIP/2.0 180 Ringing\r\nCall-ID: c1\r\nContent-Length: 0\r\n\r\n';
    const p = toTraceEntry({ direction: 'out', protocol: 'udp', local: { protocol: 'udp', address: '127.0.0.1', port: 1 }, remote: { protocol: 'udp', address: '127.0.0.1', port: 2 }, text: plain, time: 5 });
    assert.equal(p.text, plain);
    const q = toTraceEntry({ direction: 'out', protocol: 'udp', local: { protocol: 'udp', address: '127.0.0.1', port: 1 }, remote: { protocol: 'udp', address: '127.0.0.1', port: 2 }, text: 'MESSAGE sip:a SIP/2.0\r\nX-Login: password=hunter2\r\n\r\n', time: 5 });
    assert.equal(q.text, 'MESSAGE sip:a SIP/2.0\r\nX-Login: password=<redacted>\r\n\r\n');
  });
  it('dtmf-relay and sipfrag round trips', () => {
    assert.deepEqual(parseDtmfRelay(formatDtmfRelay({ digit: '#', durationMs: 100 })), { digit: '#', durationMs: 100 });
    assert.deepEqual(parseDtmfRelay('Signal= 11\nDuration= 250'), { digit: '#', durationMs: 250 });
    assert.equal(parseDtmfRelay('Signal=Z'), undefined);
    assert.deepEqual(parseSipfragStatus(formatSipfrag(180, 'Ringing')), { status: 180, reason: 'Ringing' });
    assert.equal(parseSipfragStatus('junk'), undefined);
  });
  it('bindings: ours by URI (or +sip.instance), the rest listed', () => {
    const r = response302('<sip:me@10.0.0.1:5070;transport=tcp>;expires=50', '<sip:me@10.9.9.9:5060>;expires=20;+sip.instance="<urn:uuid:other>"');
    r.headers.set('Expires', '99');
    const b = readBindings(r, parseUri('sip:me@10.0.0.1:5070;transport=tcp'));
    assert.equal(b.granted, 50);
    assert.deepEqual(b.others, [{ uri: 'sip:me@10.9.9.9:5060', expires: 20, instance: 'urn:uuid:other' }]);
    const byInstance = readBindings(r, parseUri('sip:nomatch@x'), 'urn:uuid:other');
    assert.equal(byInstance.granted, 20);
  });
  it('accounts parse typed addresses and keep no password in their config', () => {
    assert.equal(formatUri(parseAddress('bob', 'sipA.test')), 'sip:bob@sipA.test');
    assert.equal(formatUri(parseAddress('bob@x.test')), 'sip:bob@x.test');
    const a = new UaAccount({ id: 'a', aor: 'johndoe@sipA.test', password: 'pw', outboundProxy: 'sip:proxy.test', transport: 'tcp' }, { clock: systemClock, logger: nullLogger });
    assert.equal(formatUri(a.outboundProxy!), 'sip:proxy.test;lr;transport=tcp');
    assert.equal(formatUri(a.registrar), 'sip:sipA.test');
    assert.equal(JSON.stringify(a.config).includes('pw"'), false);
    assert.throws(() => new UaAccount({ id: 'x', aor: 'sip:sipA.test' }, { clock: systemClock, logger: nullLogger }), /user part/);
  });
});
