/** The engine's log for the diagnostics bundle: info and above, bounded, by time, and nothing secret kept. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogRing } from '../../../electron/phone/log-ring.ts';
import { createLogger, type LogRecord } from '../../../electron/common/logger.ts';

test('tee keeps info and above of every child, the host still gets everything; bounded; by minutes', () => {
  let now = 1_000_000;
  const ring = new LogRing({ now: () => now, max: 3 });
  const host: LogRecord[] = [];
  const log = ring.tee(createLogger((r) => host.push(r), 'parley', 'debug')).child('phone');
  log.debug('chatty');
  log.child('sip').info('registered', { account: 'a1' });
  now += 10 * 60_000;
  log.warn('no RTP', { seconds: 4 });
  log.error('boom');
  log.info('fourth');
  assert.equal(host.length, 5, 'the host logger sees every record, debug included');
  assert.deepEqual(ring.list().map((e) => `${e.level} ${e.category} ${e.message}`), ['warn parley.phone no RTP', 'error parley.phone boom', 'info parley.phone fourth']);
  assert.equal(ring.list(5).length, 3);
  now += 6 * 60_000;
  assert.equal(ring.list(5).length, 0, 'older than 5 minutes');
});

test('passwords, digest values and Authorization headers never reach the ring', () => {
  const ring = new LogRing({ now: () => 0 });
  const log = ring.tee(createLogger(() => {}));
  log.info('account saved', { password: 'hunter2', nested: { secretKey: 'k1' }, ha1: 'abcdef' });
  log.warn('sent', { text: 'REGISTER sip:x SIP/2.0\r\nAuthorization: Digest username="u", nonce="n1", response="r1"\r\n' });
  log.info('password=hunter3 in the words');
  const all = JSON.stringify(ring.list());
  for (const secret of ['hunter2', 'hunter3', 'k1', 'abcdef', '"n1', 'r1\\']) assert.equal(all.includes(secret), false, `${secret} leaked: ${all}`);
  assert.match(all, /<redacted>/);
});

test('a record that names nothing secret is kept as written; one that does is still redacted, however deep', () => {
  const ring = new LogRing({ now: () => 0 });
  const log = ring.tee(createLogger(() => {}));
  log.info('call ended', { callId: 'c1', status: 200, detail: 'BYE from the peer' });
  log.info('nested', { outer: { inner: [{ authToken: 't0p' }] } });
  log.info('digest', { line: 'Digest response="abc", realm="x"' });
  const [plain, nested, digest] = ring.list();
  assert.equal(plain!.data, '{"callId":"c1","status":200,"detail":"BYE from the peer"}');
  assert.equal(nested!.data?.includes('t0p'), false, nested!.data);
  assert.equal(digest!.data?.includes('abc'), false, digest!.data);
});
