import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalAddress, defaultPort, endpointKey, familyOf, isWildcard, normalizeAddress, sameAddress } from '../../../../electron/sip/transport/address.ts';

describe('transport address helpers', () => {
  it('normalizes IPv4-mapped and bracketed addresses', () => {
    assert.equal(normalizeAddress('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(normalizeAddress('[::1]'), '::1');
    assert.equal(normalizeAddress('10.0.0.1'), '10.0.0.1');
  });
  it('compares IP literals by value, never a name with an IP', () => {
    assert.equal(sameAddress('::1', '0:0:0:0:0:0:0:1'), true);
    assert.equal(sameAddress('2001:db8::1', '2001:DB8:0::0:1'), true);
    assert.equal(sameAddress('::ffff:10.1.2.3', '10.1.2.3'), true);
    assert.equal(sameAddress('127.0.0.1', '127.0.0.2'), false);
    assert.equal(sameAddress('localhost', '127.0.0.1'), false);
    assert.equal(sameAddress('::1', '127.0.0.1'), false);
  });
  it('knows families, wildcards, default ports and keys', () => {
    assert.equal(familyOf('::1'), 6);
    assert.equal(familyOf('1.2.3.4'), 4);
    assert.equal(familyOf('example.invalid'), undefined);
    assert.equal(isWildcard('0.0.0.0'), true);
    assert.equal(isWildcard('::'), true);
    assert.equal(isWildcard('0:0::0'), true);
    assert.equal(isWildcard('::1'), false);
    assert.equal(defaultPort('tls'), 5061);
    assert.equal(defaultPort('UDP'), 5060);
    assert.equal(canonicalAddress('::1'), '0:0:0:0:0:0:0:1');
    assert.equal(endpointKey({ protocol: 'tcp', address: '::1', port: 5 }), endpointKey({ protocol: 'tcp', address: '0::1', port: 5 }));
  });
});
