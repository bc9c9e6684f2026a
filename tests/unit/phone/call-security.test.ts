import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSecurity, mediaKeyExchange, mediaSrtpPolicy, sdesAllowed } from '../../../electron/phone/call-security.ts';

const base = { aor: 'sip:alice@sip.example.com', registrar: null, outboundProxy: null, sdesInClear: false } as const;

test('SDES keys only over TLS (or a sips: target), unless the account opted in', () => {
  assert.equal(sdesAllowed({ ...base, transport: 'tls', srtp: 'optional' }), true);
  assert.equal(sdesAllowed({ ...base, transport: 'udp', srtp: 'optional' }), false);
  assert.equal(sdesAllowed({ ...base, transport: 'udp', srtp: 'optional' }, 'sips:bob@example.com'), true);
  assert.equal(sdesAllowed({ ...base, transport: 'tcp', srtp: 'optional', sdesInClear: true }), true);
  assert.equal(mediaSrtpPolicy({ ...base, transport: 'tls', srtp: 'mandatory' }), 'mandatory');
  assert.equal(mediaSrtpPolicy(undefined), 'off');
});

test('over UDP/TCP the SRTP policy stands and its keys come from DTLS-SRTP, never from SDES in clear text', () => {
  // Before DTLS-SRTP, optional SRTP over UDP became plain RTP and mandatory refused the call.
  assert.equal(mediaSrtpPolicy({ ...base, transport: 'udp', srtp: 'optional' }), 'optional');
  assert.equal(mediaSrtpPolicy({ ...base, transport: 'udp', srtp: 'mandatory' }), 'mandatory');
  assert.deepEqual(mediaKeyExchange({ ...base, transport: 'udp', srtp: 'mandatory' }), ['dtls']);
  assert.deepEqual(mediaKeyExchange({ ...base, transport: 'tcp', srtp: 'optional' }, 'sip:bob@example.com'), ['dtls']);
  assert.deepEqual(mediaKeyExchange({ ...base, transport: 'tls', srtp: 'mandatory' }), ['sdes', 'dtls']);
  assert.deepEqual(mediaKeyExchange({ ...base, transport: 'udp', srtp: 'optional', sdesInClear: true }), ['sdes', 'dtls']);
});

test('the call screen words', () => {
  const tls = describeSecurity({ ...base, transport: 'tls', srtp: 'mandatory', outboundProxy: 'sip:proxy.example.com;lr' }, { suite: 'AEAD_AES_256_GCM', keyExchange: 'sdes' });
  assert.equal(tls.summary, 'Signalling: TLS to proxy.example.com · Media: SRTP AES-256-GCM (SDES)');
  assert.equal(describeSecurity({ ...base, transport: 'udp', srtp: 'off' }, undefined).summary, 'Not encrypted');
  const clear = describeSecurity({ ...base, transport: 'udp', srtp: 'optional', sdesInClear: true }, { suite: 'AES_CM_128_HMAC_SHA1_80', keyExchange: 'sdes' });
  assert.equal(clear.summary, 'Signalling: UDP (not encrypted) · Media: SRTP AES-128-CM (SDES, keys sent in clear text)');
  const dtls = describeSecurity({ ...base, transport: 'udp', srtp: 'mandatory' }, { suite: 'AEAD_AES_128_GCM', keyExchange: 'dtls' });
  assert.equal(dtls.summary, 'Signalling: UDP (not encrypted) · Media: SRTP AES-128-GCM (DTLS-SRTP)');
  assert.equal(dtls.mediaEncrypted, true);
  assert.equal(describeSecurity({ ...base, transport: 'tls', srtp: 'optional' }, undefined).summary, 'Signalling: TLS to sip.example.com · Media: not encrypted');
  const versioned = describeSecurity({ ...base, transport: 'tls', srtp: 'mandatory' }, { suite: 'AES_256_CM_HMAC_SHA1_80', keyExchange: 'sdes' }, { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' });
  assert.equal(versioned.summary, 'Signalling: TLS 1.3 to sip.example.com · Media: SRTP AES-256-CM (SDES)');
  assert.equal(versioned.tlsCipher, 'TLS_AES_256_GCM_SHA384');
  assert.equal(versioned.tlsVersion, 'TLSv1.3');
  // A UDP account never claims a TLS connection, whatever the transport reports.
  assert.equal(describeSecurity({ ...base, transport: 'udp', srtp: 'off' }, undefined, { version: 'TLSv1.3', cipher: 'x' }).tlsVersion, undefined);
});
