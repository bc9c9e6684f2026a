import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toTransportError, TransportError } from '../../../../electron/sip/transport/index.ts';

function sysError(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`boom ${code}`), { code }, extra);
}

describe('toTransportError', () => {
  const cases: Array<[string, string]> = [
    ['ECONNREFUSED', 'refused'],
    ['ETIMEDOUT', 'timeout'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['ECONNRESET', 'closed'],
    ['EPIPE', 'closed'],
    ['EMSGSIZE', 'too-large'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['CERT_HAS_EXPIRED', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls'],
  ];
  for (const [sys, code] of cases) {
    it(`${sys} -> ${code}`, () => {
      const e = toTransportError(sysError(sys), { protocol: 'tcp', address: '::1', port: 5060 });
      assert.ok(e instanceof TransportError);
      assert.equal(e.code, code);
      assert.equal(e.systemCode, sys);
      assert.match(e.message, /\[::1\]:5060/);
      assert.equal((e.cause as Error).message, `boom ${sys}`);
    });
  }
  it('passes a TransportError through and maps OpenSSL library errors to tls', () => {
    const t = new TransportError('no-listener', 'x');
    assert.equal(toTransportError(t), t);
    assert.equal(toTransportError(Object.assign(new Error('alert'), { library: 'SSL routines' })).code, 'tls');
    assert.equal(toTransportError('weird').code, 'unreachable');
  });
});
