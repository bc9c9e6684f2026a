/** RFC 3891: the Replaces header parsed and formatted, and the receiving UA's rules (§3). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseUri, formatUri, SipRequest } from '../../../../electron/sip/message/index.ts';
import { formatReplaces, judgeReplaces, parseReplaces, replacesOf, withReplaces } from '../../../../electron/sip/ua/replaces.ts';

describe('Replaces (RFC 3891)', () => {
  test('parses the §6.1 examples, tags in any order, early-only', () => {
    assert.deepEqual(parseReplaces('98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff'), { callId: '98732@sip.example.com', toTag: 'ff87ff', fromTag: 'r33th4x0r', earlyOnly: false });
    assert.deepEqual(parseReplaces(' 12345600@atlanta.example.com ; to-tag=12345 ; from-tag=54321 ; early-only'), { callId: '12345600@atlanta.example.com', toTag: '12345', fromTag: '54321', earlyOnly: true });
    const t = { callId: 'a@b', toTag: 'x', fromTag: 'y', earlyOnly: true };
    assert.deepEqual(parseReplaces(formatReplaces(t)), t);
  });

  test('refuses what is not one Replaces: missing tags, empty Call-ID, bad tokens, two headers, huge values', () => {
    for (const bad of ['abc@x;to-tag=1', 'abc@x;from-tag=1', ';to-tag=1;from-tag=2', 'a b;to-tag=1;from-tag=2', 'abc;to-tag=a b;from-tag=2', 'abc;to-tag=;from-tag=2', `${'x'.repeat(600)};to-tag=1;from-tag=2`]) {
      assert.throws(() => parseReplaces(bad), /Bad Request/, bad);
    }
    const r = new SipRequest('INVITE', 'sip:bob@b.test');
    assert.equal(replacesOf(r), undefined);
    r.headers.append('Replaces', 'abc;to-tag=1;from-tag=2');
    assert.deepEqual(replacesOf(r), { callId: 'abc', toTag: '1', fromTag: '2', earlyOnly: false });
    r.headers.append('Replaces', 'def;to-tag=1;from-tag=2');
    assert.deepEqual(replacesOf(r), { status: 400, reason: 'Bad Request - more than one Replaces' });
    const broken = new SipRequest('INVITE', 'sip:bob@b.test');
    broken.headers.append('Replaces', 'abc;to-tag=1');
    assert.equal((replacesOf(broken) as { status: number }).status, 400);
  });

  test('§3: 481 unknown, 603 ended, 481 an early dialog ringing here, 486 early-only on a connected call; else accepted', () => {
    const t = { callId: 'c', toTag: 'a', fromTag: 'b', earlyOnly: false };
    const early = { ...t, earlyOnly: true };
    assert.deepEqual(judgeReplaces(t, { kind: 'none' }), { accept: false, status: 481, reason: 'Call/Transaction Does Not Exist' });
    assert.deepEqual(judgeReplaces(t, { kind: 'ended' }), { accept: false, status: 603, reason: 'Decline' });
    assert.deepEqual(judgeReplaces(t, { kind: 'early', initiatedHere: false }), { accept: false, status: 481, reason: 'Call/Transaction Does Not Exist' });
    assert.deepEqual(judgeReplaces(early, { kind: 'early', initiatedHere: true }), { accept: true });
    assert.deepEqual(judgeReplaces(early, { kind: 'confirmed' }), { accept: false, status: 486, reason: 'Busy Here' });
    assert.deepEqual(judgeReplaces(t, { kind: 'confirmed' }), { accept: true });
  });

  test('the Refer-To of an attended transfer carries Replaces escaped as a URI header, and parses back', () => {
    const uri = withReplaces(parseUri('sip:carol@192.0.2.3:5070;transport=tcp'), { callId: 'id@h', toTag: 't1', fromTag: 'f;2', earlyOnly: false });
    const text = formatUri(uri);
    assert.match(text, /^sip:carol@192\.0\.2\.3:5070;transport=tcp\?Replaces=id%40h%3Bto-tag%3Dt1%3Bfrom-tag%3Df%3B2$/);
    assert.equal(parseUri(text).headers.get('Replaces'), 'id@h;to-tag=t1;from-tag=f;2');
  });
});
