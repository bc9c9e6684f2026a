import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeDigestResponse, computeHa1, computeUserhash, formatNonceCount } from '../../../../electron/sip/auth/digest-response.ts';
import { algorithmStrength, digestHash, parseAlgorithm, supportedAlgorithms } from '../../../../electron/sip/auth/digest-algorithm.ts';

// RFC 7616 §3.9.1 inputs (HTTP example, password "Circle of Life").
const rfc7616 = {
  username: 'Mufasa',
  realm: 'http-auth@example.org',
  password: 'Circle of Life',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  nc: '00000001',
  qop: 'auth' as const,
};

test('RFC 2617 §3.5 example: Mufasa, MD5, qop=auth', () => {
  const response = computeDigestResponse({
    algorithm: 'MD5',
    username: 'Mufasa',
    realm: 'testrealm@host.com',
    password: 'Circle Of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    qop: 'auth',
    nc: '00000001',
    cnonce: '0a4f113b',
  });
  assert.equal(response, '6629fae49393a05397450978507c4ef1');
});

test('RFC 7616 §3.9.1 example: MD5 response', () => {
  assert.equal(computeDigestResponse({ ...rfc7616, algorithm: 'MD5' }), '8ca523f5e9506fed4657c9700eebdbec');
});

test('RFC 7616 §3.9.1 example: SHA-256 response', () => {
  assert.equal(
    computeDigestResponse({ ...rfc7616, algorithm: 'SHA-256' }),
    '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
  );
});

// Expected values below were computed with Python's hashlib (an independent implementation).
test('SHA-512-256 with the RFC 7616 §3.9.1 inputs', () => {
  assert.equal(
    computeDigestResponse({ ...rfc7616, algorithm: 'SHA-512-256' }),
    '430d05014cecc49cab6fbe03176d41a1da86cbfe24a16580e22aaad928d960d0',
  );
});

test('-sess algorithms fold nonce and cnonce into A1', () => {
  assert.equal(computeDigestResponse({ ...rfc7616, algorithm: 'MD5-sess' }), 'e783283f46242139c486a698fec7211d');
  assert.equal(
    computeDigestResponse({ ...rfc7616, algorithm: 'SHA-256-sess' }),
    '2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7',
  );
  assert.equal(
    computeDigestResponse({ ...rfc7616, algorithm: 'SHA-512-256-sess' }),
    '3f2a34f923c38b0fb26dce2fdfc2ce326c23cecf86fbb1444f3e51fbbc2cb92e',
  );
  assert.throws(() => computeHa1({ ...rfc7616, algorithm: 'MD5-sess', cnonce: undefined }));
});

test('qop=auth-int hashes the body into A2', () => {
  const input = { ...rfc7616, method: 'INVITE', uri: 'sip:bob@biloxi.example.com', qop: 'auth-int' as const, nc: '00000002', body: 'v=0\r\n' };
  assert.equal(computeDigestResponse({ ...input, algorithm: 'MD5' }), '50eb90e408b0dcd49c5877f9e9c21612');
  assert.equal(
    computeDigestResponse({ ...input, algorithm: 'SHA-256', body: Buffer.from('v=0\r\n') }),
    '0914e947140df4651dba99c43c9275a9e030437013572a794b2ed16bd94f61c7',
  );
  // A different body gives a different response: the body is really covered.
  assert.notEqual(computeDigestResponse({ ...input, algorithm: 'MD5', body: 'v=1\r\n' }), '50eb90e408b0dcd49c5877f9e9c21612');
});

test('RFC 2069 form (no qop) ignores nc and cnonce', () => {
  const input = { ...rfc7616, qop: undefined };
  assert.equal(computeDigestResponse({ ...input, algorithm: 'MD5' }), '7b2cc3b30e75b4777ea31027084363fd');
  assert.equal(computeDigestResponse({ ...input, algorithm: 'MD5', nc: undefined, cnonce: undefined }), '7b2cc3b30e75b4777ea31027084363fd');
});

test('a stored H(A1) gives the same response as the password', () => {
  const ha1 = digestHash('SHA-256', 'Mufasa:http-auth@example.org:Circle of Life');
  assert.equal(
    computeDigestResponse({ ...rfc7616, password: undefined, ha1, algorithm: 'SHA-256' }),
    '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
  );
});

test('userhash is H(username:realm)', () => {
  assert.equal(computeUserhash('MD5', 'Mufasa', 'http-auth@example.org'), '4238f3a16167373febb9bc4d43db9cc4');
  assert.equal(
    computeUserhash('SHA-512-256', 'Mufasa', 'http-auth@example.org'),
    'e2dfabd1a96ddf867710b653b6e6857d1f147086de7d7ef79dcd249859872570',
  );
});

test('nonce-count is 8 hex digits', () => {
  assert.equal(formatNonceCount(1), '00000001');
  assert.equal(formatNonceCount(255), '000000ff');
  assert.equal(formatNonceCount(0xffffffff), 'ffffffff');
  assert.throws(() => formatNonceCount(0), RangeError);
  assert.throws(() => formatNonceCount(0x100000000), RangeError);
});

test('algorithm names: case-insensitive, absent = MD5, strength order', () => {
  assert.equal(parseAlgorithm(undefined), 'MD5');
  assert.equal(parseAlgorithm('sha-256'), 'SHA-256');
  assert.equal(parseAlgorithm('Sha-512-256-Sess'), 'SHA-512-256-sess');
  assert.equal(parseAlgorithm('SHA-1'), undefined);
  assert.deepEqual(supportedAlgorithms, ['SHA-512-256', 'SHA-512-256-sess', 'SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess']);
  assert.ok(algorithmStrength('SHA-512-256') > algorithmStrength('SHA-256'));
  assert.ok(algorithmStrength('SHA-256') > algorithmStrength('MD5'));
});
