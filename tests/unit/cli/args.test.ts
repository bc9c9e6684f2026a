import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CODEC_NAMES, parseCli, parseHostPort, UsageError } from '../../../electron/cli/args.ts';
import { createDefaultCodecRegistry } from '../../../electron/media/codecs/codec-registry.ts';
import { exitCodeForStatus, ExitCode } from '../../../electron/cli/exit-codes.ts';

test('an account from flags, with repeatable aliases and the password from the environment', () => {
  const o = parseCli(
    ['register', '--aor', 'sip:johndoe@sipA.test', '--alias', 'sip:+554845678901@sipA.test', '--alias', 'sip:45678901@sipA.test', '--transport', 'TCP', '--bind', '127.0.0.1:5070', '--json'],
    { PARLEY_PASSWORD: 's3cret' },
  );
  assert.equal(o.command, 'register');
  assert.deepEqual(o.aliases, ['sip:+554845678901@sipA.test', 'sip:45678901@sipA.test']);
  assert.equal(o.password, 's3cret');
  assert.equal(o.transport, 'tcp');
  assert.deepEqual(o.bind, { host: '127.0.0.1', port: 5070 });
  assert.equal(o.json, true);
});

test('--password wins over PARLEY_PASSWORD', () => {
  assert.equal(parseCli(['register', '--password', 'a'], { PARLEY_PASSWORD: 'b' }).password, 'a');
});

test('bad usage says what is wrong', () => {
  assert.throws(() => parseCli(['dance']), (e: unknown) => e instanceof UsageError && /unknown command "dance"/.test(e.message));
  assert.throws(() => parseCli(['call']), /exactly one target/);
  assert.throws(() => parseCli(['call', 'a', '--transport', 'sctp']), /udp, tcp or tls/);
  assert.throws(() => parseCli(['listen', '--duration=-3']), /--duration wants a number/);
  assert.throws(() => parseCli(['listen', '--tone', '440', '--play', 'x.wav']), /pick one/);
  assert.throws(() => parseCli(['listen', '--bogus']), UsageError);
  assert.throws(() => parseCli(['web', '--port', '70000']), /not a port/);
});

test('no command means help', () => {
  assert.equal(parseCli([]).command, 'help');
  assert.equal(parseCli(['call', 'x', '-h']).command, 'help');
});

test('host:port forms', () => {
  assert.deepEqual(parseHostPort('bind', '[::1]:5060'), { host: '::1', port: 5060 });
  assert.deepEqual(parseHostPort('bind', 'localhost'), { host: 'localhost', port: 0 });
  assert.throws(() => parseHostPort('bind', 'a b:1'), UsageError);
});

test('exit codes separate auth failure, no answer, busy and network errors', () => {
  assert.equal(exitCodeForStatus(200), ExitCode.ok);
  assert.equal(exitCodeForStatus(401), ExitCode.authFailed);
  assert.equal(exitCodeForStatus(408), ExitCode.noAnswer);
  assert.equal(exitCodeForStatus(486), ExitCode.busyOrDeclined);
  assert.equal(exitCodeForStatus(603), ExitCode.busyOrDeclined);
  assert.equal(exitCodeForStatus(503), ExitCode.network);
  assert.equal(exitCodeForStatus(404), ExitCode.rejected);
});

test('--rtp-ports MIN-MAX: unprivileged, room for one pair; anything else is a usage error that shows the form', () => {
  assert.deepEqual(parseCli(['listen', '--rtp-ports', '16384-16483']).rtpPorts, { min: 16384, max: 16483 });
  assert.equal(parseCli(['listen']).rtpPorts, undefined);
  for (const bad of ['16384', '80-100', '20000-20000', '30000-20000', '1024-70000', 'a-b', '16384-']) {
    assert.throws(() => parseCli(['listen', '--rtp-ports', bad]), /--rtp-ports wants MIN-MAX/, bad);
  }
});

test('--codecs takes the codecs the media engine has, in any case, each once; anything else is refused', () => {
  assert.deepEqual([...CODEC_NAMES], createDefaultCodecRegistry().list().map((c) => c.name), 'the CLI knows the registry\'s codecs');
  assert.deepEqual(parseCli(['call', 'x', '--codecs', ' pcmu, Opus ,g722']).codecs, ['PCMU', 'opus', 'G722']);
  assert.equal(parseCli(['call', 'x']).codecs, undefined);
  assert.equal(parseCli(['call', 'x']).transport, undefined, 'no --transport: the account default, not a given flag');
  for (const [value, words] of [['G729', /"G729" is not a codec Parley has; pick from opus, G722, PCMU, PCMA/], ['PCMU,pcmu', /lists PCMU twice/], [',', /at least one of/]] as const) {
    assert.throws(() => parseCli(['call', 'x', '--codecs', value]), (e: unknown) => e instanceof UsageError && words.test(e.message), value);
  }
});
