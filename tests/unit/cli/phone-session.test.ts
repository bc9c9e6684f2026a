import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli, UsageError } from '../../../electron/cli/args.ts';
import { Output } from '../../../electron/cli/output.ts';
import { PhoneSession, registersByItself, withTimeout } from '../../../electron/cli/phone-session.ts';
import type { AccountSnapshot } from '../../../electron/api/snapshots.ts';
import { FakeRegistrar } from '../phone/engine/fake-registrar.ts';

const base: AccountSnapshot = {
  id: 'a1', displayName: '', aor: 'sip:alice@sipA.test', aliases: [], authUser: 'alice', hasPassword: true, transport: 'udp',
  codecs: ['PCMU'], srtp: 'off', dtmf: 'rfc4733', autoAnswer: false, enabled: true, identityRules: [], registerExpires: 3600, usePreferredIdentity: false, privacy: 'none',
};

test('which accounts the engine registers by itself', () => {
  const local = new Set(['127.0.0.1', '::1', 'localhost']);
  assert.equal(registersByItself(base, local), true);
  assert.equal(registersByItself({ ...base, aor: 'sip:alice@127.0.0.1:5070' }, local), false, 'an AOR on this machine is reached directly');
  assert.equal(registersByItself({ ...base, aor: 'sip:alice@[::1]' }, local), false);
  assert.equal(registersByItself({ ...base, aor: 'sip:alice@127.0.0.1', registrar: 'sip:127.0.0.1:5060' }, local), true, 'an explicit registrar always registers');
  assert.equal(registersByItself({ ...base, enabled: false }, local), false);
  assert.equal(registersByItself({ ...base, id: 'direct' }, local), false);
});

test('withTimeout settles with the fallback when work is slow or fails', async () => {
  assert.equal(await withTimeout(new Promise(() => {}), 10, 'late'), 'late');
  assert.equal(await withTimeout(Promise.reject(new Error('x')), 1000, 'failed'), 'failed');
  assert.equal(await withTimeout(Promise.resolve('ok'), 1000, 'late'), 'ok');
});

test('a flags account in a temporary phone: chosen, reached through the dispatcher, gone after close', { timeout: 20_000 }, async () => {
  const lines: string[] = [];
  const output = new Output({ json: true, streams: { out: (t) => void lines.push(t), err: () => {} } });
  const opts = parseCli(['listen', '--aor', 'sip:alice@127.0.0.1', '--alias', 'sip:+15550001@127.0.0.1', '--password', 'pw', '--bind', '127.0.0.1:0']);
  const session = await PhoneSession.open(opts, output);
  try {
    assert.equal(session.location.ephemeral, true);
    assert.equal(session.accounts.length, 1);
    assert.equal(session.accounts[0]!.aor, 'sip:alice@127.0.0.1');
    assert.deepEqual(session.accounts[0]!.aliases, ['sip:+15550001@127.0.0.1']);
    assert.equal(session.accounts[0]!.hasPassword, true);
    assert.deepEqual(session.registrable, [], 'an AOR on this machine has no registrar');
    await assert.rejects(session.register(session.accounts[0]!), (e: unknown) => e instanceof UsageError && /has no registrar/.test(e.message));
    await assert.rejects(session.call('call.hangup', { callId: 'nope' }), /call\.hangup: /);
    assert.ok(lines.some((l) => JSON.parse(l).event === 'accounts'), 'engine events reach the output');
    assert.ok(lines.every((l) => !l.includes('"pw"')), 'the password is never printed');
  } finally {
    await session.close();
  }
  const { existsSync } = await import('node:fs');
  assert.equal(existsSync(session.location.dataDir), false, 'the temporary data dir is removed');
});

test('a wait given up leaves no timer behind: an idle `listen` does not wake for a wait it no longer needs', { timeout: 20_000 }, async () => {
  const output = new Output({ json: true, streams: { out: () => {}, err: () => {} } });
  const session = await PhoneSession.open(parseCli(['listen', '--aor', 'sip:alice@127.0.0.1', '--password', 'pw', '--bind', '127.0.0.1:0']), output);
  try {
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timeouts();
    const done = new AbortController();
    const wait = session.waitFor('registration', () => true, 60_000, done.signal);
    assert.equal(timeouts(), before + 1, 'the wait holds one timer');
    done.abort();
    assert.equal(await wait, undefined, 'an abandoned wait settles at once, with nothing');
    assert.equal(timeouts(), before, 'and its timer is gone');
    const aborted = new AbortController();
    aborted.abort();
    assert.equal(await session.waitFor('registration', () => true, 60_000, aborted.signal), undefined, 'a wait given an aborted signal does not start');
    assert.equal(timeouts(), before);
  } finally {
    await session.close();
  }
});

test('registering a flags account: its outcome printed once, and no TLS certificate made for it (no app snapshot asked)', { timeout: 20_000 }, async () => {
  const registrar = await FakeRegistrar.start({ alice: 'pw' });
  const lines: string[] = [];
  const output = new Output({ json: true, streams: { out: (t) => void lines.push(t), err: () => {} } });
  const opts = parseCli(['register', '--aor', 'sip:alice@sipA.test', '--password', 'pw', '--proxy', `127.0.0.1:${registrar.port}`, '--bind', '127.0.0.1:0']);
  const session = await PhoneSession.open(opts, output);
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  try {
    const [r] = await session.registerAll();
    assert.equal(r!.state, 'registered');
    const registered = lines.map((l) => JSON.parse(l)).filter((e) => e.event === 'registration' && e.data.state === 'registered');
    assert.equal(registered.length, 1, 'one registered line');
    // The TLS listener's certificate is made when a snapshot (or a TLS client) asks for it; the run needs neither.
    assert.equal(existsSync(join(session.location.dataDir, 'tls')), false);
  } finally {
    await session.close();
    await registrar.close();
  }
});
