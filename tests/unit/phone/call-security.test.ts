import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSecurity, insecureKeysRefusal, mediaSrtpPolicy, sdesAllowed } from '../../../electron/phone/call-security.ts';

const base = { aor: 'sip:alice@sip.example.com', registrar: null, outboundProxy: null, sdesInClear: false } as const;

test('SDES keys only over TLS (or a sips: target), unless the account opted in', () => {
  assert.equal(sdesAllowed({ ...base, transport: 'tls', srtp: 'optional' }), true);
  assert.equal(sdesAllowed({ ...base, transport: 'udp', srtp: 'optional' }), false);
  assert.equal(sdesAllowed({ ...base, transport: 'udp', srtp: 'optional' }, 'sips:bob@example.com'), true);
  assert.equal(sdesAllowed({ ...base, transport: 'tcp', srtp: 'optional', sdesInClear: true }), true);
  assert.equal(mediaSrtpPolicy({ ...base, transport: 'udp', srtp: 'optional' }), 'off', 'optional SRTP over UDP becomes plain RTP');
  assert.equal(mediaSrtpPolicy({ ...base, transport: 'tls', srtp: 'mandatory' }), 'mandatory');
  assert.equal(mediaSrtpPolicy(undefined), 'off');
});

test('mandatory SRTP without TLS refuses the call in words, naming the way out', () => {
  const why = insecureKeysRefusal({ ...base, transport: 'udp', srtp: 'mandatory' }, 'sip:bob@example.com');
  assert.match(why ?? '', /the media keys would travel in clear text/);
  assert.match(why ?? '', /Use transport TLS, or allow SDES keys over UDP\/TCP/);
  assert.equal(insecureKeysRefusal({ ...base, transport: 'tls', srtp: 'mandatory' }), undefined);
  assert.equal(insecureKeysRefusal({ ...base, transport: 'udp', srtp: 'mandatory', sdesInClear: true }), undefined);
});

test('the call screen words', () => {
  const tls = describeSecurity({ ...base, transport: 'tls', srtp: 'mandatory', outboundProxy: 'sip:proxy.example.com;lr' }, 'AEAD_AES_256_GCM');
  assert.equal(tls.summary, 'Signalling: TLS to proxy.example.com · Media: SRTP AES-256-GCM (SDES)');
  assert.equal(describeSecurity({ ...base, transport: 'udp', srtp: 'off' }, undefined).summary, 'Not encrypted');
  const clear = describeSecurity({ ...base, transport: 'udp', srtp: 'optional', sdesInClear: true }, 'AES_CM_128_HMAC_SHA1_80');
  assert.equal(clear.summary, 'Signalling: UDP (not encrypted) · Media: SRTP AES-128-CM (SDES, keys sent in clear text)');
  assert.equal(describeSecurity({ ...base, transport: 'tls', srtp: 'optional' }, undefined).summary, 'Signalling: TLS to sip.example.com · Media: not encrypted');
});
