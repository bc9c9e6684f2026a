import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { canonicalAddress, defaultPort, endpointKey, familyOf, isWildcard, normalizeAddress, sameAddress, onLink } from '../../../../electron/sip/transport/address.ts';

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

it('onLink: an address in one of our interfaces\' prefixes, of its own family', () => {
  const iface = (address: string, cidr: string | null, family: 'IPv4' | 'IPv6'): NetworkInterfaceInfo =>
    family === 'IPv4' ? { address, netmask: '', family, mac: '00:00:00:00:00:00', internal: false, cidr } : { address, netmask: '', family, mac: '00:00:00:00:00:00', internal: false, cidr, scopeid: 0 };
  const ours = () => ({
    lo: [iface('127.0.0.1', '127.0.0.1/8', 'IPv4'), iface('::1', '::1/128', 'IPv6')],
    wlan0: [iface('192.168.1.20', '192.168.1.20/24', 'IPv4'), iface('2001:db8:5::20', '2001:db8:5::20/64', 'IPv6'), iface('fe80::1', 'fe80::1/64', 'IPv6')],
  });
  assert.equal(onLink('192.168.1.1', ours), true, 'the home router and the LAN PBX');
  assert.equal(onLink('192.168.2.1', ours), false, 'another subnet: a router between');
  assert.equal(onLink('127.0.0.1', ours), true, 'loopback is a link like any other');
  assert.equal(onLink('127.9.9.9', ours), true);
  assert.equal(onLink('2001:db8:5::1', ours), true);
  assert.equal(onLink('[2001:db8:5::1]', ours), true, 'bracketed');
  assert.equal(onLink('2001:db8:6::1', ours), false);
  assert.equal(onLink('::ffff:192.168.1.7', ours), true, 'an IPv4-mapped peer of a dual-stack socket');
  assert.equal(onLink('::1', ours), true);
  assert.equal(onLink('203.0.113.5', ours), false);
  assert.equal(onLink('sip.example.com', ours), false, 'a name is not an address');
  assert.equal(onLink('192.168.1.1', () => ({})), false, 'no interfaces: nothing is on-link');
  assert.equal(onLink('10.0.0.1', () => ({ eth0: [iface('10.0.0.2', null, 'IPv4')] })), false, 'no prefix known');
});
