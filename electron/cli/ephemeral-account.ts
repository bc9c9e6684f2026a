/**
 * Where a `parley` run keeps its phone, and the account a command line
 * describes with no config file at all:
 *
 *   --aor … (flags account)   a fresh temporary data dir, passwords in memory;
 *                             both gone at exit. Nothing is written to the
 *                             user's profile by a one-off `parley call`.
 *   --data-dir DIR            that folder: its database and its 0600
 *                             secrets.json (FileSecretStore).
 *   otherwise                 the default folder (~/.config/parley,
 *                             $XDG_CONFIG_HOME honoured): the accounts
 *                             `parley accounts add` stored.
 *
 * A flags account given with --data-dir selects the stored account with that
 * AOR, so a script can say which of several it means.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AccountInput } from '../api/commands.ts';
import type { DirectAccountSettings } from '../phone/direct-account.ts';
import { FileSecretStore } from '../phone/store/file-secret-store.ts';
import { MemorySecretStore, type SecretStore } from '../phone/store/secret-store.ts';
import { UsageError, type CliOptions } from './args.ts';
import { defaultDataDir } from './data-dir.ts';

export interface PhoneLocation {
  dataDir: string;
  secrets: SecretStore;
  /** A temporary folder removed by cleanup(). */
  ephemeral: boolean;
  cleanup(): void;
}

/** True when the flags describe an account of their own (no config file needed). */
export function hasFlagsAccount(opts: CliOptions): boolean {
  return opts.aor !== undefined;
}

export function choosePhoneLocation(opts: CliOptions, env: NodeJS.ProcessEnv = process.env): PhoneLocation {
  if (opts.dataDir !== undefined || !hasFlagsAccount(opts) || opts.command === 'accounts') {
    const dataDir = opts.dataDir ?? defaultDataDir(env);
    return { dataDir, secrets: new FileSecretStore(dataDir), ephemeral: false, cleanup: () => {} };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
  return {
    dataDir,
    secrets: new MemorySecretStore(),
    ephemeral: true,
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** "127.0.0.1:5060" → "sip:127.0.0.1:5060"; a sip:/sips: URI stays as it is. */
export function asSipUri(text: string): string {
  return /^sips?:/i.test(text) ? text : `sip:${text}`;
}

/**
 * The account settings the flags give (--codecs, --srtp, --privacy,
 * --transport, --display-name, --tls-ca, --tls-pin), with the flags' names.
 * With --aor they are the new account's; without, the built-in direct
 * account's for this run (PhoneSession refuses them when the run uses a
 * stored account instead: that one keeps its own, and a flag is never
 * silently dropped).
 */
export function accountSettingsFromFlags(opts: CliOptions): { flags: string[]; settings: DirectAccountSettings } {
  const settings: DirectAccountSettings = {};
  const flags: string[] = [];
  const set = <K extends keyof DirectAccountSettings>(flag: string, key: K, value: DirectAccountSettings[K] | undefined) => {
    if (value === undefined) return;
    settings[key] = value;
    flags.push(flag);
  };
  set('--display-name', 'displayName', opts.displayName);
  set('--transport', 'transport', opts.transport);
  set('--codecs', 'codecs', opts.codecs);
  set('--srtp', 'srtp', opts.srtp);
  set('--privacy', 'privacy', opts.privacy);
  set('--tls-ca', 'tlsCaFile', opts.tlsCa !== undefined ? resolve(opts.tlsCa) : undefined);
  set('--tls-pin', 'tlsPin', opts.tlsPin);
  return { flags, settings };
}

/**
 * The flags that describe the account itself, which a run using a stored
 * account cannot apply (it keeps its own): the settings above, and with
 * --aor (which then only selects the stored account) its addresses,
 * credentials' user and password (--password, not PARLEY_PASSWORD), proxy
 * and STUN/TURN servers too. Without --aor
 * --stun/--turn are the phone's, not an account's.
 */
export function accountDescribingFlags(opts: CliOptions): string[] {
  const own: string[] = [];
  if (opts.aor !== undefined) {
    if (opts.aliases.length > 0) own.push('--alias');
    if (opts.user !== undefined) own.push('--user');
    if (opts.passwordFlag === true) own.push('--password');
    if (opts.proxy !== undefined) own.push('--proxy');
    if (opts.stun !== undefined) own.push('--stun');
    if (opts.turn !== undefined) own.push('--turn');
  }
  return [...own, ...accountSettingsFromFlags(opts).flags];
}

/** The account the flags describe, as `accounts.add` takes it; undefined without --aor. */
export function accountFromFlags(opts: CliOptions): AccountInput | undefined {
  if (opts.aor === undefined) {
    // --password too: the direct account registers nowhere and a stored one has its own (PARLEY_PASSWORD, which may be
    // set for every run, is not refused).
    const stray = [opts.user !== undefined && '--user', opts.aliases.length > 0 && '--alias', opts.proxy !== undefined && '--proxy', opts.passwordFlag === true && '--password'].filter(Boolean);
    if (stray.length > 0 && opts.command !== 'accounts') throw new UsageError(`${stray.join(', ')} describe an account and need --aor (e.g. --aor sip:alice@example.com)`);
    return undefined;
  }
  const input: AccountInput = { aor: asSipUri(opts.aor), transport: 'udp', ...accountSettingsFromFlags(opts).settings };
  if (opts.aliases.length > 0) input.aliases = opts.aliases.map(asSipUri);
  if (opts.user !== undefined) input.authUser = opts.user;
  if (opts.password !== undefined) input.password = opts.password;
  if (opts.proxy !== undefined) input.outboundProxy = asSipUri(opts.proxy);
  // The account's own STUN/TURN servers (stored with it by `parley accounts add`); the TURN password is kept as a secret.
  if (opts.stun !== undefined) input.stunServer = serverText(opts.stun);
  if (opts.turn !== undefined) {
    input.turnServer = `${opts.turn.username}@${serverText(opts.turn)}`;
    input.turnPassword = opts.turn.password;
  }
  return input;
}

function serverText(s: { host: string; port: number }): string {
  return `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
}
