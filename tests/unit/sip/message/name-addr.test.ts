/** name-addr / addr-spec (RFC 3261 §20.10, §25.1) and Contact lists. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  contactExpires,
  contactQ,
  formatNameAddr,
  parseContacts,
  parseNameAddr,
} from '../../../../electron/sip/message/index.ts';
import { assertRejects } from './fixtures.ts';

describe('parseNameAddr', () => {
  test('quoted display name with escapes, URI parameters and header parameters', () => {
    const na = parseNameAddr('"Alice \\"Al\\" \\\\ Liddell" <sip:alice@atlanta.example.com;transport=tcp>;tag=1928301774;x="a;b"');
    assert.equal(na.displayName, 'Alice "Al" \\ Liddell');
    assert.equal(na.uri.user, 'alice');
    assert.equal(na.uri.params.get('transport'), 'tcp');
    assert.deepEqual([...na.params], [['tag', '1928301774'], ['x', '"a;b"']]);
    assert.equal(formatNameAddr(na), '"Alice \\"Al\\" \\\\ Liddell" <sip:alice@atlanta.example.com;transport=tcp>;tag=1928301774;x="a;b"');
  });

  test('token display name, no display name, and addr-spec form', () => {
    assert.equal(parseNameAddr('Bob Smith <sip:bob@example.com>').displayName, 'Bob Smith');
    assert.equal(parseNameAddr('<sip:bob@example.com>').displayName, undefined);
    const spec = parseNameAddr('sip:bob@example.com;tag=abc');
    assert.equal(spec.displayName, undefined);
    assert.equal(spec.uri.params.size, 0);
    assert.equal(spec.params.get('tag'), 'abc');
    assert.equal(formatNameAddr(spec), '<sip:bob@example.com>;tag=abc');
  });

  test('LWS around ; and = (RFC 4475 wsinv) and IPv6 hosts', () => {
    const na = parseNameAddr('  <sip:a@[2001:db8::1]:5062> ;  tag  =  x1 ; lr ');
    assert.equal(na.uri.host, '2001:db8::1');
    assert.equal(na.uri.port, 5062);
    assert.equal(na.params.get('tag'), 'x1');
    assert.equal(na.params.get('lr'), null);
  });

  test('tel URI in a name-addr', () => {
    const na = parseNameAddr('"Office" <tel:+1-201-555-0123>');
    assert.equal(na.uri.scheme, 'tel');
    assert.equal(na.uri.user, '+1-201-555-0123');
  });

  test('malformed values are rejected with 400', () => {
    for (const bad of ['"unterminated <sip:a@b>', 'Bell, Alexander <sip:a@b>', '<sip:a@b', '<>', 'sip:a@b;;tag=1', '<sip:a@b>;tag=', 'sip:a@b?x=y', '<sip:a@b> junk']) {
      assertRejects(() => parseNameAddr(bad), 400);
    }
    assertRejects(() => parseNameAddr('<mailto:a@b>'), 416);
  });
});

describe('parseContacts', () => {
  test('the * wildcard', () => {
    assert.equal(parseContacts(['*']), '*');
    assertRejects(() => parseContacts(['*', '<sip:a@b>']), 400);
  });

  test('several contacts with expires and q', () => {
    const list = parseContacts(['<sip:a@192.0.2.1>;expires=3600;q=0.7', '"B" <sip:b@192.0.2.2>;q=1']);
    assert.notEqual(list, '*');
    const [a, b] = list as Exclude<typeof list, '*'>;
    assert.equal(contactExpires(a!), 3600);
    assert.equal(contactQ(a!), 0.7);
    assert.equal(contactExpires(b!), undefined);
    assert.equal(contactQ(b!), 1);
    assert.equal(contactExpires(parseNameAddr('<sip:x@y>;expires=280297596632815')), 0xffffffff);
    assert.equal(contactQ(parseNameAddr('<sip:x@y>;q=1.5')), undefined);
  });
});
