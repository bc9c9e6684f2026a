import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse, formatUri, parseMessage, parseUri } from '../../../../electron/sip/message/index.ts';
import type { SipRequest } from '../../../../electron/sip/message/index.ts';
import { RedirectTargets } from '../../../../electron/sip/ua/redirect-targets.ts';

function redirect(...contacts: string[]) {
  const req = parseMessage(Buffer.from(
    'INVITE sips:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKx\r\nFrom: <sips:a@example.com>;tag=1\r\nTo: <sips:bob@example.com>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
  )) as SipRequest;
  const res = createResponse(req, 302, 'Moved Temporarily');
  for (const c of contacts) res.headers.append('Contact', c);
  return res;
}

test('RFC 5630: a sips: call is never redirected onto sip: or a non-TLS transport', () => {
  const set = new RedirectTargets(parseUri('sips:bob@example.com'));
  const { added, downgrades } = set.add(redirect('<sip:bob@10.0.0.1>', '<sips:bob@10.0.0.2;transport=udp>', '<sips:bob@10.0.0.3>'));
  assert.deepEqual(added.map(formatUri), ['sips:bob@10.0.0.3']);
  assert.deepEqual(downgrades.map(formatUri), ['sip:bob@10.0.0.1', 'sips:bob@10.0.0.2;transport=udp']);
  assert.equal(formatUri(set.next()!), 'sips:bob@10.0.0.3');
  assert.equal(set.next(), undefined);
});

test('a sip: call may be redirected to sips: (an upgrade) and to sip:', () => {
  const set = new RedirectTargets(parseUri('sip:bob@example.com'));
  const { added, downgrades } = set.add(redirect('<sips:bob@10.0.0.3>', '<sip:bob@10.0.0.1>'));
  assert.equal(added.length, 2);
  assert.equal(downgrades.length, 0);
});
