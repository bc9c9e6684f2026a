/** HeaderList: order, case-insensitive and compact names, comma lists (RFC 3261 §7.3). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderList, splitList } from '../../../../electron/sip/message/index.ts';

describe('HeaderList', () => {
  test('names are case-insensitive and compact forms equal long forms', () => {
    const h = new HeaderList([
      ['v', 'SIP/2.0/UDP a;branch=z9hG4bK1'],
      ['VIA', 'SIP/2.0/UDP b;branch=z9hG4bK2'],
      ['i', 'abc@host'],
      ['l', '0'],
      ['K', 'timer'],
    ]);
    assert.equal(h.get('Via'), 'SIP/2.0/UDP a;branch=z9hG4bK1');
    assert.deepEqual(h.getAll('via'), ['SIP/2.0/UDP a;branch=z9hG4bK1', 'SIP/2.0/UDP b;branch=z9hG4bK2']);
    assert.equal(h.get('Call-ID'), 'abc@host');
    assert.equal(h.get('call-id'), 'abc@host');
    assert.equal(h.get('content-length'), '0');
    assert.equal(h.get('supported'), 'timer');
    for (const [c, long] of Object.entries({ i: 'Call-ID', m: 'Contact', e: 'Content-Encoding', l: 'Content-Length', c: 'Content-Type', f: 'From', s: 'Subject', k: 'Supported', t: 'To', v: 'Via', o: 'Event', u: 'Allow-Events', r: 'Refer-To', b: 'Referred-By', x: 'Session-Expires', y: 'Identity', d: 'Request-Disposition', a: 'Accept-Contact', j: 'Reject-Contact' })) {
      const x = new HeaderList([[c, 'v']]);
      assert.ok(x.has(long), `${c} = ${long}`);
    }
  });

  test('comma lists split around quotes, escapes and angle brackets', () => {
    const h = new HeaderList([
      ['Contact', '"Doe, John" <sip:j@a.example.com;x=1,2>;q=0.5, <sip:k@b.example.com>'],
      ['Contact', '"esc \\" , still" <sip:l@c>'],
      ['Route', '<sip:p1;lr>,<sip:p2;lr>'],
    ]);
    assert.deepEqual(h.getAll('contact'), ['"Doe, John" <sip:j@a.example.com;x=1,2>;q=0.5', '<sip:k@b.example.com>', '"esc \\" , still" <sip:l@c>']);
    assert.equal(h.get('Route'), '<sip:p1;lr>');
    assert.deepEqual(h.getAll('route'), ['<sip:p1;lr>', '<sip:p2;lr>']);
    assert.deepEqual(splitList(' a ,, b ,'), ['a', 'b']);
  });

  test('auth headers, Date and unknown headers are never split', () => {
    const h = new HeaderList([
      ['WWW-Authenticate', 'Digest realm="a", nonce="b"'],
      ['Authorization', 'Digest username="u", realm="a"'],
      ['Proxy-Authenticate', 'Digest realm="p", qop="auth,auth-int"'],
      ['Proxy-Authorization', 'Digest username="u", response="r"'],
      ['Date', 'Sat, 13 Nov 2010 23:29:00 GMT'],
      ['X-Custom', 'a, b, c'],
    ]);
    assert.deepEqual(h.getAll('www-authenticate'), ['Digest realm="a", nonce="b"']);
    assert.deepEqual(h.getAll('authorization'), ['Digest username="u", realm="a"']);
    assert.deepEqual(h.getAll('proxy-authenticate'), ['Digest realm="p", qop="auth,auth-int"']);
    assert.deepEqual(h.getAll('proxy-authorization'), ['Digest username="u", response="r"']);
    assert.equal(h.get('date'), 'Sat, 13 Nov 2010 23:29:00 GMT');
    assert.equal(h.get('x-custom'), 'a, b, c');
  });

  test('set replaces every field of a name at the position of the first', () => {
    const h = new HeaderList([['X-A', '1'], ['Via', 'x'], ['X-B', '2'], ['v', 'y'], ['X-C', '3']]);
    h.set('via', ['p', 'q']);
    assert.deepEqual([...h.entries()], [['X-A', '1'], ['Via', 'p'], ['Via', 'q'], ['X-B', '2'], ['X-C', '3']]);
    h.set('X-New', 'z');
    assert.deepEqual([...h.entries()].at(-1), ['X-New', 'z']);
  });

  test('append, prepend (new top Via / Record-Route), remove, clone', () => {
    const h = new HeaderList([['Max-Forwards', '70'], ['Via', 'SIP/2.0/UDP b'], ['Record-Route', '<sip:r2;lr>']]);
    h.prepend('via', 'SIP/2.0/UDP a');
    h.prepend('Record-Route', '<sip:r1;lr>');
    h.prepend('Route', '<sip:x;lr>');
    assert.deepEqual([...h.entries()], [
      ['Route', '<sip:x;lr>'],
      ['Max-Forwards', '70'],
      ['Via', 'SIP/2.0/UDP a'],
      ['Via', 'SIP/2.0/UDP b'],
      ['Record-Route', '<sip:r1;lr>'],
      ['Record-Route', '<sip:r2;lr>'],
    ]);
    const copy = h.clone();
    h.remove('VIA');
    assert.equal(h.has('via'), false);
    assert.equal(copy.getAll('via').length, 2);
    copy.append('X-A', '1');
    assert.equal(h.has('x-a'), false);
  });

  test('unknown headers keep their spelling and order; version changes on mutation', () => {
    const h = new HeaderList([['X-Zeta', '1'], ['x-alpha', '2']]);
    assert.deepEqual([...h.entries()].map(([n]) => n), ['X-Zeta', 'x-alpha']);
    const v = h.version;
    h.append('call-id', 'c');
    assert.notEqual(h.version, v);
    assert.deepEqual([...h].at(-1), ['Call-ID', 'c']);
  });

  test('CR or LF in a value is refused (no header injection)', () => {
    const h = new HeaderList();
    assert.throws(() => h.append('Subject', 'a\r\nVia: evil'), TypeError);
    assert.throws(() => h.set('Subject', ['ok', 'b\nc']), TypeError);
  });
});
