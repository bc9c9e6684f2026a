/**
 * What a registrar's Via says about a NAT between us (RFC 3581): over UDP the
 * received/rport pair is our public address; over a connection only a
 * `received` address other than our sent-by host shows a NAT (Kamailio adds
 * `received` whenever rport is asked for, naming our own address).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../../../electron/sip/message/index.ts';
import type { SipResponse } from '../../../../electron/sip/message/index.ts';
import { viaConnectionAddress, viaPublicAddress } from '../../../../electron/sip/ua/public-address.ts';

function answer(via: string): SipResponse {
  return parseMessage(
    ['SIP/2.0 200 OK', `Via: ${via}`, 'From: <sip:bob@sipa.test>;tag=a', 'To: <sip:bob@sipa.test>;tag=b', 'Call-ID: c1', 'CSeq: 2 REGISTER', 'Content-Length: 0', '', ''].join('\r\n'),
  ) as SipResponse;
}

test('UDP: received and rport give the public address; rport alone keeps the sent-by host', () => {
  assert.deepEqual(viaPublicAddress(answer('SIP/2.0/UDP 10.1.0.2:5060;branch=z9hG4bK1;rport=40000;received=198.51.100.101')), { host: '198.51.100.101', port: 40000 });
  assert.deepEqual(viaPublicAddress(answer('SIP/2.0/UDP 10.1.0.2:5060;branch=z9hG4bK1;rport=5060')), { host: '10.1.0.2', port: 5060 });
  assert.equal(viaPublicAddress(answer('SIP/2.0/UDP 10.1.0.2:5060;branch=z9hG4bK1')), undefined);
});

test('TCP: a received address other than ours is a NAT (the connection’s public end)', () => {
  assert.deepEqual(viaConnectionAddress(answer('SIP/2.0/TCP 10.1.0.2:5060;branch=z9hG4bK1;rport=40001;alias;received=198.51.100.101'), 'tcp'), { host: '198.51.100.101', port: 40001, protocol: 'tcp' });
});

test('TCP: received naming our own address (the ephemeral port aside) is no NAT', () => {
  assert.equal(viaConnectionAddress(answer('SIP/2.0/TCP 127.0.0.1:32997;branch=z9hG4bK1;rport=44273;alias;received=127.0.0.1'), 'tcp'), undefined);
  assert.equal(viaConnectionAddress(answer('SIP/2.0/TLS [::1]:5061;branch=z9hG4bK1;rport=50000;received=::1'), 'tls'), undefined);
  assert.equal(viaConnectionAddress(answer('SIP/2.0/TCP 127.0.0.1:32997;branch=z9hG4bK1;rport=44273'), 'tcp'), undefined);
});
