/**
 * What protects a call, and when SDES keys may be sent (issue "Secure calls" §3).
 *
 * SDES (RFC 4568) puts the SRTP master keys into the SDP, so they are only as
 * secret as the signalling that carries them (RFC 4568 §8.3: "MUST only be used
 * with a secure transport"). An account offers and accepts a=crypto when its
 * signalling is TLS (transport tls, or a sips: target: TLS on every hop,
 * RFC 5630), or when the user opted in (`sdesInClear`: the keys then travel in
 * clear text). Otherwise 'optional' SRTP becomes plain RTP and 'mandatory'
 * refuses to place the call, saying why.
 *
 * The call screen and the history say it in words:
 *   "Signalling: TLS to sip.example.com · Media: SRTP AES-256-GCM (SDES)" or "Not encrypted".
 */
import type { CallSecurity } from '../api/snapshots.ts';
import type { SrtpCryptoSuite, SrtpPolicy } from '../media/srtp/srtp-crypto-suite.ts';
import { SRTP_SUITE_NAMES } from '../media/srtp/srtp-crypto-suite.ts';
import type { Account } from './account.ts';
import { parseSipAddress } from './sip-address.ts';

type SecurityAccount = Pick<Account, 'transport' | 'srtp' | 'sdesInClear' | 'outboundProxy' | 'registrar' | 'aor'>;

function sipsTarget(target: string | undefined): boolean {
  return target !== undefined && /^sips:/i.test(target.trim());
}

/** May SDES keys be sent and accepted on this account's calls? */
export function sdesAllowed(account: SecurityAccount, target?: string): boolean {
  return account.transport === 'tls' || sipsTarget(target) || account.sdesInClear;
}

/** The SRTP policy the media session gets: the account's, or 'off' where keys would cross in clear. */
export function mediaSrtpPolicy(account: SecurityAccount | undefined, target?: string): SrtpPolicy {
  if (!account || account.srtp === 'off') return 'off';
  return sdesAllowed(account, target) ? account.srtp : 'off';
}

/** Why a call of this account must not be placed (SRTP mandatory, keys would cross in clear), or undefined. */
export function insecureKeysRefusal(account: SecurityAccount, target?: string): string | undefined {
  if (account.srtp !== 'mandatory' || sdesAllowed(account, target)) return undefined;
  return `SRTP is mandatory for this account, but its signalling is ${account.transport.toUpperCase()}, not TLS: the media keys would travel in clear text. ` +
    'Use transport TLS, or allow SDES keys over UDP/TCP in the account (sdesInClear)';
}

/** The words for the call screen and the history. */
export function describeSecurity(account: SecurityAccount | undefined, srtpSuite: SrtpCryptoSuite | undefined): CallSecurity {
  const transport = account?.transport ?? 'udp';
  const server = serverOf(account);
  const signalling = transport === 'tls' ? `TLS${server ? ` to ${server}` : ''}` : `${transport.toUpperCase()} (not encrypted)`;
  const media = srtpSuite ? `SRTP ${SRTP_SUITE_NAMES[srtpSuite]} (SDES${transport === 'tls' ? '' : ', keys sent in clear text'})` : 'not encrypted';
  const encrypted = srtpSuite !== undefined;
  const summary = !encrypted && transport !== 'tls' ? 'Not encrypted' : `Signalling: ${signalling} · Media: ${media}`;
  return { signalling, media, summary, mediaEncrypted: encrypted, signallingEncrypted: transport === 'tls' };
}

function serverOf(account: SecurityAccount | undefined): string | undefined {
  if (!account) return undefined;
  for (const text of [account.outboundProxy, account.registrar, account.aor]) {
    if (text === null) continue;
    const p = parseSipAddress(text);
    if (p.ok) return p.value.host;
  }
  return undefined;
}
