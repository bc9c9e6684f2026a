import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callAdvice, registrationAdvice } from '../../../electron/cli/failure-advice.ts';
import { ExitCode } from '../../../electron/cli/exit-codes.ts';

test('a refused password says so, quotes the server, and says what to try', () => {
  const a = registrationAdvice('sip:johndoe@sipA.test', { code: 401, reason: 'Unauthorized', words: 'authentication failed: check the user name and password' });
  assert.equal(a.exitCode, ExitCode.authFailed);
  assert.equal(a.message, 'registration of sip:johndoe@sipA.test failed: authentication failed (401 "Unauthorized"): check --user and --password (or PARLEY_PASSWORD)');
  assert.equal(registrationAdvice('sip:a@b', { code: 403, reason: 'Forbidden' }).exitCode, ExitCode.authFailed);
  assert.match(registrationAdvice('sip:a@b', { code: 403, reason: 'Forbidden' }).message, /refused the credentials \(403 "Forbidden"\)/);
});

test('network trouble and unknown users point at the right flag', () => {
  const net = registrationAdvice('sip:a@b', { code: 503, reason: 'Service Unavailable' });
  assert.equal(net.exitCode, ExitCode.network);
  assert.match(net.message, /check --proxy, --transport and the network/);
  const silent = registrationAdvice('sip:a@b', {});
  assert.equal(silent.exitCode, ExitCode.network);
  assert.match(silent.message, /no answer from the server/);
  const timeout = registrationAdvice('sip:a@b', { code: 408, reason: 'Request Timeout', words: 'no answer (the request timed out); trying again in 46 s' });
  assert.equal(timeout.exitCode, ExitCode.network, 'a registrar that does not answer is a network problem');
  assert.equal(timeout.message, 'registration of sip:a@b failed: no answer (the request timed out) (408 "Request Timeout"): check --proxy and that the server is running and reachable');
  assert.match(registrationAdvice('sip:a@b', { code: 404, reason: 'Not Found' }).message, /check --aor/);
});

test('call outcomes map to the documented exit codes', () => {
  const remote = { uri: 'sip:bob@sipA.test' };
  assert.equal(callAdvice({ remote, code: 486, reason: 'Busy Here' }).exitCode, ExitCode.busyOrDeclined);
  assert.equal(callAdvice({ remote, code: 603 }).exitCode, ExitCode.busyOrDeclined);
  assert.equal(callAdvice({ remote, code: 480 }).exitCode, ExitCode.noAnswer);
  assert.equal(callAdvice({ remote, code: 487 }).exitCode, ExitCode.noAnswer);
  assert.equal(callAdvice({ remote, code: 407 }).exitCode, ExitCode.authFailed);
  assert.equal(callAdvice({ remote, code: 503 }).exitCode, ExitCode.network);
  assert.equal(callAdvice({ remote, code: 404, reason: 'Not Found' }).exitCode, ExitCode.rejected);
  assert.equal(callAdvice({ remote, code: 488 }).exitCode, ExitCode.rejected);
  assert.match(callAdvice({ remote, code: 488 }).message, /try other --codecs/);
  assert.equal(callAdvice({ remote, code: 486, reason: 'Busy Here', words: 'busy' }).message, 'call to sip:bob@sipA.test failed: busy (486 "Busy Here"): the line is busy; try later');
});

test('a challenge from another realm says the password was not sent, not "check the password"', () => {
  const remote = { uri: 'sip:bob@192.0.2.7' };
  const words = 'authentication failed: check the user name and password (asked for the password of another realm (collector.example); this account answers only "sipa.test")';
  const call = callAdvice({ remote, code: 401, reason: 'Unauthorized', words });
  assert.equal(call.exitCode, ExitCode.authFailed);
  assert.match(call.message, /^call to sip:bob@192\.0\.2\.7 failed: the other side asked for the password of another realm \(collector\.example\) \(401 "Unauthorized"\): the password was not sent/);
  assert.doesNotMatch(call.message, /check --user and --password/);
  const reg = registrationAdvice('sip:a@sipa.test', { code: 407, reason: 'Proxy Authentication Required', words: `failed (${words.slice(words.indexOf('asked'))}` });
  assert.match(reg.message, /the server asked for the password of another realm \(collector\.example\)/);
});
