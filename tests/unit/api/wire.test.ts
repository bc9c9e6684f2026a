import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isRequestId, parseRequest, readLeadingId } from '../../../electron/api/wire.ts';

describe('wire: parseRequest', () => {
  test('a good request', () => {
    assert.deepEqual(parseRequest('{"id":1,"cmd":"call.dial","params":{"target":"bob"}}'), { ok: true, id: 1, cmd: 'call.dial', params: { target: 'bob' } });
    assert.deepEqual(parseRequest('{"id":"a-1","cmd":"calls.list"}'), { ok: true, id: 'a-1', cmd: 'calls.list', params: undefined });
  });

  test('not JSON: an id is read only when it is the first key', () => {
    assert.deepEqual(parseRequest('{"id":"x1","cmd":'), { ok: false, id: 'x1', message: 'message is not JSON' });
    assert.deepEqual(parseRequest('{"id":12,"cmd":'), { ok: false, id: 12, message: 'message is not JSON' });
    assert.deepEqual(parseRequest('{"cmd":"a","id":3'), { ok: false, message: 'message is not JSON' });
    assert.deepEqual(parseRequest(''), { ok: false, message: 'message is not JSON' });
  });

  test('not an object, or no valid id: no id to answer', () => {
    for (const text of ['[]', '1', 'null', '"s"', '{}', '{"id":null}', '{"id":1.5}', '{"id":-3}', '{"id":""}', '{"id":"tab\\there"}', `{"id":${2 ** 60}}`]) {
      const r = parseRequest(text);
      assert.equal(r.ok, false, text);
      assert.equal(!r.ok && r.id, undefined, text);
    }
  });

  test('with an id: no cmd, a non-string cmd, or an extra key', () => {
    assert.deepEqual(parseRequest('{"id":1}'), { ok: false, id: 1, message: 'request has no cmd' });
    assert.deepEqual(parseRequest('{"id":1,"cmd":7}'), { ok: false, id: 1, message: 'request has no cmd' });
    const r = parseRequest('{"id":1,"cmd":"x","__proto__":{"polluted":true}}');
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.message : '', /unknown key "__proto__"/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('isRequestId and readLeadingId', () => {
    assert.equal(isRequestId(0), true);
    assert.equal(isRequestId('x'.repeat(64)), true);
    assert.equal(isRequestId('x'.repeat(65)), false);
    assert.equal(isRequestId(Number.MAX_SAFE_INTEGER + 1), false);
    assert.equal(readLeadingId(`  {\n "id" : "abc" , "cmd":"${'x'.repeat(100_000)}`), 'abc');
    assert.equal(readLeadingId('{"id":"a\\"b","cmd":1}'), undefined);
    assert.equal(readLeadingId('{"id":1234567890123456,"cmd":1}'), undefined);
  });
});
