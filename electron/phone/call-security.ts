/**
 * What protects a call, and when SDES keys may be sent (issue "Secure calls" §3).
 *
 * SDES (RFC 4568) puts the SRTP master keys into the SDP, so they are only as
 * secret as the signalling that carries them (RFC 4568 §8.3: "MUST only be used
 * with a secure transport"). An account offers and accepts a=crypto when its
 * signalling is TLS (transport tls, or a sips: target: TLS on every hop,
 * RFC 5630), or when the user opted in (`sdesInClear`: the keys then travel in
 * clear text). DTLS-SRTP (RFC 5763) puts only certificate fingerprints in the
 * SDP and agrees the keys by a handshake on the media port, so it is offered
 * on any signalling where SDES is not allowed: SRTP 'optional' and
 * 'mandatory' work over UDP and TCP too, without the keys ever being visible.
 *
 * The call screen and the history say it in words:
 *   "Signalling: TLS to sip.example.com · Media: SRTP AES-256-GCM (SDES)",
 *   "… Media: SRTP AES-128-GCM (DTLS-SRTP)" or "Not encrypted".
 */
import type { CallSecurity } from '../api/snapshots.ts';
import type { KeyExchange } from '../media/sdp/local-media.ts';
import type { NegotiatedSrtp } from '../media/sdp/negotiated-media.ts';
import type { SrtpPolicy } from '../media/srtp/srtp-crypto-suite.ts';
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

/** The SRTP policy the media session gets: the account's (DTLS-SRTP keys it where SDES may not). */
export function mediaSrtpPolicy(account: SecurityAccount | undefined): SrtpPolicy {
  return account?.srtp ?? 'off';
}

/** How the call's SRTP keys may be agreed: SDES where it is safe (or allowed), DTLS-SRTP always. */
export function mediaKeyExchange(account: SecurityAccount | undefined, target?: string): KeyExchange[] {
  return account && sdesAllowed(account, target) ? ['sdes', 'dtls'] : ['dtls'];
}

/** The TLS connection the call's signalling rides on, as the transport reports it. */
export interface SignallingTls {
  /** 'TLSv1.3' as node says it. */
  version: string;
  cipher: string;
}

/** The words for the call screen and the history. */
export function describeSecurity(account: SecurityAccount | undefined, srtp: Pick<NegotiatedSrtp, 'suite' | 'keyExchange'> | undefined, tls?: SignallingTls): CallSecurity {
  const transport = account?.transport ?? 'udp';
  // Named only for TLS: every snapshot of every call comes here, and parsing the account's addresses is not free.
  const server = transport === 'tls' ? serverOf(account) : undefined;
  const version = tls ? ` ${tls.version.replace(/^TLSv/, '')}` : '';
  const signalling = transport === 'tls' ? `TLS${version}${server ? ` to ${server}` : ''}` : `${transport.toUpperCase()} (not encrypted)`;
  const how = srtp?.keyExchange === 'dtls' ? 'DTLS-SRTP' : `SDES${transport === 'tls' ? '' : ', keys sent in clear text'}`;
  const media = srtp ? `SRTP ${SRTP_SUITE_NAMES[srtp.suite]} (${how})` : 'not encrypted';
  const encrypted = srtp !== undefined;
  const summary = !encrypted && transport !== 'tls' ? 'Not encrypted' : `Signalling: ${signalling} · Media: ${media}`;
  const out: CallSecurity = { signalling, media, summary, mediaEncrypted: encrypted, signallingEncrypted: transport === 'tls' };
  if (tls && transport === 'tls') {
    out.tlsVersion = tls.version;
    out.tlsCipher = tls.cipher;
  }
  return out;
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
