/**
 * The built-in "direct" account (issue "The phone" §4, out of the box): with
 * no server at all a new user can call `sip:user@host[:port]` and be called
 * the same way. It is not stored; its AOR is `sip:<os user>@<our address>`,
 * it has no registrar, and it answers any call that reaches our listening
 * socket and no configured account claims (RFC 3261 §8.2.2.1 lets a UAS
 * accept a Request-URI it does not know; a peer-to-peer call has no proxy to
 * rewrite it to our AOR).
 */
import { networkInterfaces, userInfo } from 'node:os';
import { ACCOUNT_DEFAULTS, type Account, type AccountSettings } from './account.ts';

export const DIRECT_ACCOUNT_ID = 'direct';

/** The OS user name reduced to RFC 3261 §25.1 user characters ('parley' if nothing is left). */
export function osUserName(): string {
  let name = '';
  try {
    name = userInfo().username;
  } catch {
    // Some containers have no passwd entry for the uid.
  }
  const clean = name.toLowerCase().replace(/[^a-z0-9\-_.!~*'()]/g, '');
  return clean === '' ? 'parley' : clean.slice(0, 64);
}

/**
 * The address others reach us at when we listen on a wildcard: the first
 * external IPv4 of the machine, else loopback. A specific bind host is used
 * as it is.
 */
export function reachableHost(bindHost: string): string {
  if (bindHost !== '0.0.0.0' && bindHost !== '::') return bindHost;
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (!i.internal && i.family === 'IPv4') return i.address;
    }
  }
  return bindHost === '::' ? '::1' : '127.0.0.1';
}

export function hostForUri(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Every address of this machine (for "is this AOR ourselves?"), lower-case, without brackets. */
export function localAddresses(): Set<string> {
  const out = new Set<string>(['127.0.0.1', '::1', 'localhost']);
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) out.add(i.address.toLowerCase());
  }
  return out;
}

/**
 * What a host may set on the direct account for one run (`parley call
 * --codecs PCMU` with no --aor): the media and caller-ID choices an account
 * carries. Its address, registrar and credentials stay the built-in ones.
 */
export type DirectAccountSettings = Partial<Pick<AccountSettings, 'codecs' | 'srtp' | 'privacy' | 'transport' | 'displayName' | 'tlsCaFile' | 'tlsPin'>>;

export function directAccount(host: string, port: number, user: string = osUserName(), settings: DirectAccountSettings = {}): Account {
  const hostPort = port === 5060 ? hostForUri(host) : `${hostForUri(host)}:${port}`;
  return {
    ...ACCOUNT_DEFAULTS,
    id: DIRECT_ACCOUNT_ID,
    displayName: 'Direct (no server)',
    aor: `sip:${user}@${hostPort}`,
    aliases: [],
    identityRules: [],
    ...settings,
    codecs: [...(settings.codecs ?? ACCOUNT_DEFAULTS.codecs)],
  };
}
