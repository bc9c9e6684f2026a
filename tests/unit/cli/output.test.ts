import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callLine, Output, qualityLine, safeJson } from '../../../electron/cli/output.ts';
import type { CallSnapshot, RegistrationSnapshot } from '../../../electron/api/snapshots.ts';
import type { MwiSnapshot, WatchSnapshot } from '../../../electron/api/presence-contract.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, streams: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
}

const call: CallSnapshot = {
  id: 'c1',
  accountId: 'a1',
  direction: 'out',
  state: 'ringing',
  remote: { uri: 'sip:bob@sipA.test' },
  localIdentity: 'sip:alice@sipA.test',
  startedAt: 1,
  muted: false,
  held: false,
  code: 180,
  reason: 'Ringing',
  earlyMedia: false,
  srtp: false,
};

test('--json writes one API-shaped object per line, and only that', () => {
  const c = capture();
  const o = new Output({ json: true, streams: c.streams });
  o.event({ event: 'call', data: call });
  o.event({ event: 'call.incoming', data: { ...call, direction: 'in', state: 'incoming', calledAlias: 'sip:+554845678901@sipA.test' } });
  o.note('for people only');
  o.error('authentication failed', 3);
  assert.equal(c.out.length, 3);
  for (const line of c.out) assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
  const [a, b, e] = c.out.map((l) => JSON.parse(l));
  assert.deepEqual(a, { event: 'call', data: call });
  assert.equal(b.event, 'call.incoming');
  assert.equal(b.data.calledAlias, 'sip:+554845678901@sipA.test');
  assert.deepEqual(e, { event: 'error', data: { message: 'authentication failed', exitCode: 3 } });
  assert.deepEqual(c.err, ['parley: authentication failed\n']);
});

test('password-like keys never reach a line; hasPassword does', () => {
  const text = safeJson({ aor: 'sip:a@b', password: 'hunter2', authPassword: 'x', nested: { secret: 's', token: 't' }, hasPassword: true });
  assert.doesNotMatch(text, /hunter2|"x"|"s"|"t"/);
  assert.deepEqual(JSON.parse(text), { aor: 'sip:a@b', nested: {}, hasPassword: true });
});

test('trace lines only with --verbose, redacted', () => {
  const c = capture();
  const trace = { time: 1, direction: 'out' as const, transport: 'udp' as const, remote: '127.0.0.1:5060', local: '127.0.0.1:5070', text: 'REGISTER sip:x SIP/2.0\r\nAuthorization: Digest username="a", response="abc"\r\n\r\n' };
  new Output({ json: true, streams: c.streams }).event({ event: 'trace', data: trace });
  assert.equal(c.out.length, 0);
  new Output({ json: true, verbose: true, streams: c.streams }).event({ event: 'trace', data: trace });
  assert.equal(c.out.length, 1);
  assert.doesNotMatch(c.out[0]!, /response=/);
  assert.match(c.out[0]!, /<redacted>/);
});

test('human lines name the account, the state and the server answer', () => {
  const c = capture();
  const o = new Output({ json: false, streams: c.streams });
  o.nameAccount('a1', 'sip:johndoe@sipA.test');
  const reg: RegistrationSnapshot = { accountId: 'a1', state: 'registered', code: 200, reason: 'OK', expiresAt: Date.now() + 3600_000, otherBindings: [] };
  o.event({ event: 'registration', data: reg });
  o.event({ event: 'registration', data: { ...reg, state: 'failed', code: 401, reason: 'Unauthorized', words: 'authentication failed' } });
  o.event({ event: 'media.stats', data: { callId: 'c1', packetsSent: 1, packetsReceived: 1, lossPercent: 0, jitterMs: 0 } });
  assert.match(c.out[0]!, /^registered sip:johndoe@sipA\.test \(200 OK\), expires in (3600|3599) s\n$/);
  assert.equal(c.out[1], 'registration of sip:johndoe@sipA.test failed: authentication failed (401 Unauthorized)\n');
  assert.equal(c.out.length, 2, 'media.stats is not shown to people without --verbose');
  assert.equal(callLine(call), 'ringing to sip:bob@sipA.test (180 Ringing)');
  assert.equal(callLine({ ...call, state: 'ended', code: 486, reason: 'Busy Here', words: 'busy' }), 'call to sip:bob@sipA.test ended: busy (486 Busy Here)');
  assert.equal(qualityLine({ callId: 'c1', mos: 4.41, lossPercent: 0, jitterMs: 1.23, rttMs: 0.5, durationS: 3 }), 'call quality: MOS 4.41, loss 0.0 %, jitter 1.2 ms, RTT 0.5 ms, talk time 3.0 s');
  assert.equal(qualityLine({ callId: 'c1' }), 'call quality: MOS –, loss – %, jitter – ms, RTT – ms');
});

test('names and reasons from the network cannot drive the terminal: controls and bidi overrides are shown escaped', () => {
  const c = capture();
  const o = new Output({ json: false, streams: c.streams });
  // Set the window title, clear the screen, a red spoofed name, BEL, an 8-bit CSI, and a right-to-left override.
  const hostile = '\u001b]0;pwned\u0007\u001b[2J\u001b[31mBank\u009b0m\u202egnp.exe';
  o.event({ event: 'call.incoming', data: { ...call, direction: 'in', state: 'incoming', remote: { uri: 'sip:x@evil.test', displayName: hostile }, calledAlias: 'sip:alice@sipA.test' } });
  o.event({ event: 'call', data: { ...call, state: 'ended', code: 480, reason: `Gone\u001b[8m${hostile}`, words: 'not reachable now' } });
  o.note(`from ${hostile}`);
  o.error(`refused: ${hostile}`, 7);
  const printed = [...c.out, ...c.err].join('');
  assert.doesNotMatch(printed, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, JSON.stringify(printed));
  assert.match(c.out[0]!, /\\x1B\]0;pwned\\x07\\x1B\[2J\\x1B\[31mBank\\u\{9B\}0m\\u\{202E\}gnp\.exe/, 'shown, not swallowed');
  assert.equal(c.out.filter((l) => l.endsWith('\n')).length, c.out.length, 'our own line breaks stay');

  const j = capture();
  new Output({ json: true, streams: j.streams }).event({ event: 'call', data: { ...call, remote: { uri: 'sip:x@evil.test', displayName: hostile } } });
  assert.doesNotMatch(j.out[0]!, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/, 'JSON escapes them too');
  assert.equal(JSON.parse(j.out[0]!).data.remote.displayName, hostile, 'and still carries the same value');
});

test('a voicemail or watched-line event that changes only what the line does not show (the subscription expiry) prints no second line; --json keeps every event', () => {
  const mwi: MwiSnapshot = { accountId: 'a1', waiting: true, newMessages: 2, oldMessages: 5, urgentNew: 0, urgentOld: 1, voicemail: 'sip:voicemail@sipA.test', subscription: { state: 'active', expiresAt: 1_000 } };
  const watch: WatchSnapshot = { id: 'w1', accountId: 'a1', target: 'sip:bob@sipA.test', actions: ['call'], line: { subscription: { state: 'active', expiresAt: 1_000 }, state: 'idle', dialogs: [] } };
  const c = capture();
  const o = new Output({ json: false, streams: c.streams });
  o.nameAccount('a1', 'sip:erin@sipA.test');
  o.event({ event: 'mwi', data: mwi });
  o.event({ event: 'mwi', data: { ...mwi, subscription: { state: 'active', expiresAt: 4_600 } } });
  o.event({ event: 'mwi', data: { ...mwi, newMessages: 3 } });
  o.event({ event: 'mwi', data: { ...mwi, accountId: 'a2' } });
  o.event({ event: 'watch', data: watch });
  o.event({ event: 'watch', data: { ...watch, line: { ...watch.line!, subscription: { state: 'active', expiresAt: 4_600 } } } });
  o.event({ event: 'watch.removed', data: { id: 'w1' } });
  o.event({ event: 'watch', data: watch });
  assert.deepEqual(c.out, [
    'voicemail for sip:erin@sipA.test: 2 new, 5 old (urgent 0/1); voicemail: sip:voicemail@sipA.test\n',
    'voicemail for sip:erin@sipA.test: 3 new, 5 old (urgent 0/1); voicemail: sip:voicemail@sipA.test\n',
    'voicemail for account a2: 2 new, 5 old (urgent 0/1); voicemail: sip:voicemail@sipA.test\n',
    'sip:bob@sipA.test: line idle\n',
    'sip:bob@sipA.test: line idle\n',
  ]);
  const j = capture();
  const oj = new Output({ json: true, streams: j.streams });
  oj.event({ event: 'mwi', data: mwi });
  oj.event({ event: 'mwi', data: { ...mwi, subscription: { state: 'active', expiresAt: 4_600 } } });
  assert.equal(j.out.length, 2);
});
