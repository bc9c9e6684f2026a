import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseCli, UsageError } from '../../../electron/cli/args.ts';
import { defaultDataDir } from '../../../electron/cli/data-dir.ts';
import { accountFromFlags, accountDescribingFlags, accountSettingsFromFlags, asSipUri, choosePhoneLocation } from '../../../electron/cli/ephemeral-account.ts';
import { FileSecretStore } from '../../../electron/phone/store/file-secret-store.ts';
import { MemorySecretStore } from '../../../electron/phone/store/secret-store.ts';

test('the default data dir follows XDG_CONFIG_HOME, else ~/.config/parley', () => {
  assert.equal(defaultDataDir({ XDG_CONFIG_HOME: '/x/cfg' }, 'linux', '/home/u'), '/x/cfg/parley');
  assert.equal(defaultDataDir({ XDG_CONFIG_HOME: 'relative' }, 'linux', '/home/u'), '/home/u/.config/parley');
  assert.equal(defaultDataDir({}, 'darwin', '/Users/u'), '/Users/u/.config/parley');
  assert.equal(defaultDataDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u'), join('C:\\Users\\u\\AppData\\Roaming', 'parley'));
});

test('an account from flags becomes accounts.add input; the password comes from the environment', () => {
  const opts = parseCli(['register', '--aor', 'johndoe@sipA.test', '--alias', '+554845678901@sipA.test', '--user', 'jd', '--proxy', '127.0.0.1:5060', '--transport', 'tcp', '--codecs', 'PCMU,PCMA', '--srtp', 'optional'], { PARLEY_PASSWORD: 'pw' });
  assert.deepEqual(accountFromFlags(opts), {
    aor: 'sip:johndoe@sipA.test',
    aliases: ['sip:+554845678901@sipA.test'],
    authUser: 'jd',
    password: 'pw',
    outboundProxy: 'sip:127.0.0.1:5060',
    transport: 'tcp',
    codecs: ['PCMU', 'PCMA'],
    srtp: 'optional',
  });
  assert.equal(asSipUri('sips:a@b'), 'sips:a@b');
  assert.equal(accountFromFlags(parseCli(['listen'])), undefined);
  // Without --aor the same flags are the direct account's for the run (PhoneSession passes them to the engine).
  assert.deepEqual(accountSettingsFromFlags(parseCli(['call', 'sip:x@y', '--codecs', 'PCMA', '--srtp', 'mandatory', '--transport', 'tcp', '--privacy', 'id'])), {
    flags: ['--transport', '--codecs', '--srtp', '--privacy'],
    settings: { transport: 'tcp', codecs: ['PCMA'], srtp: 'mandatory', privacy: 'id' },
  });
  assert.deepEqual(accountSettingsFromFlags(parseCli(['listen'])), { flags: [], settings: {} });
  assert.throws(() => accountFromFlags(parseCli(['listen', '--user', 'x', '--proxy', 'p'])), (e: unknown) => e instanceof UsageError && /--user, --proxy describe an account and need --aor/.test(e.message));
  // --password on the command line is for an account from flags: the direct account registers nowhere, a stored one has
  // its own; PARLEY_PASSWORD (maybe set for every run) is not refused.
  assert.throws(() => accountFromFlags(parseCli(['call', 'sip:x@y', '--password', 'pw'])), (e: unknown) => e instanceof UsageError && /--password describe an account and need --aor/.test(e.message));
  assert.equal(accountFromFlags(parseCli(['call', 'sip:x@y'], { PARLEY_PASSWORD: 'pw' })), undefined);
  assert.deepEqual(accountDescribingFlags(parseCli(['call', 'sip:x@y', '--aor', 'sip:a@b', '--password', 'pw'])), ['--password']);
  assert.deepEqual(accountDescribingFlags(parseCli(['call', 'sip:x@y', '--aor', 'sip:a@b'], { PARLEY_PASSWORD: 'pw' })), []);
  assert.equal(accountFromFlags(parseCli(['call', 'sip:x@y', '--aor', 'sip:a@b', '--password', 'pw']))?.password, 'pw');
});

test('flags accounts live in a temporary dir with secrets in memory; --data-dir and stored accounts in files', () => {
  const eph = choosePhoneLocation(parseCli(['call', 'sip:x@y', '--aor', 'sip:a@b']), { XDG_CONFIG_HOME: '/nonexistent-xdg' });
  try {
    assert.equal(eph.ephemeral, true);
    assert.ok(eph.secrets instanceof MemorySecretStore);
    assert.ok(existsSync(eph.dataDir));
  } finally {
    eph.cleanup();
  }
  assert.equal(existsSync(eph.dataDir), false, 'the temporary dir is removed');
  const dir = choosePhoneLocation(parseCli(['call', 'sip:x@y', '--aor', 'sip:a@b', '--data-dir', '/tmp/pd']), {});
  assert.equal(dir.dataDir, '/tmp/pd');
  assert.ok(dir.secrets instanceof FileSecretStore);
  const stored = choosePhoneLocation(parseCli(['listen']), { XDG_CONFIG_HOME: '/cfg' });
  assert.equal(stored.dataDir, '/cfg/parley');
  assert.equal(stored.ephemeral, false);
  assert.equal(choosePhoneLocation(parseCli(['accounts', 'add', '--aor', 'sip:a@b']), { XDG_CONFIG_HOME: '/cfg' }).dataDir, '/cfg/parley');
});
