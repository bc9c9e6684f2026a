/**
 * An account's TLS trust, applied to the transport's TlsTrust (issue "Secure
 * calls" §1): the servers it talks to over TLS — its outbound proxy, its
 * registrar, its domain (RFC 3263 looks the domain up; RFC 5922 checks the
 * certificate against that name) — trust its CA file and its pinned
 * certificate. And the other way: a certificate refusal remembered by the
 * transport, found again for the words a registration or call ends with.
 */
import { readFileSync } from 'node:fs';
import type { CertificateSnapshot } from '../api/snapshots.ts';
import type { TlsCertificateError } from '../sip/transport/tls-verify.ts';
import type { TlsTrust } from '../sip/transport/tls-trust.ts';
import type { Account } from './account.ts';
import { parseSipAddress } from './sip-address.ts';

/** The host names (or IP literals) of the servers this account reaches over TLS. */
export function tlsServerNames(account: Pick<Account, 'aor' | 'registrar' | 'outboundProxy' | 'transport'>): string[] {
  const names = new Set<string>();
  const add = (text: string | null, always: boolean) => {
    if (text === null) return;
    const p = parseSipAddress(text);
    if (!p.ok) return;
    if (!always && account.transport !== 'tls' && p.value.scheme !== 'sips' && !/;transport=tls/i.test(text)) return;
    names.add(p.value.host.replace(/^\[(.*)\]$/, '$1').toLowerCase());
  };
  add(account.outboundProxy, false);
  add(account.registrar, false);
  add(account.aor, false);
  return [...names];
}

export class AccountTrustError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountTrustError';
  }
}

/**
 * Sets the trust of every TLS server of the account; throws AccountTrustError
 * (with words) when its CA file cannot be read or holds no certificate.
 */
export function applyAccountTrust(trust: TlsTrust, account: Account, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): void {
  const settings = accountTrustSettings(account, readFile);
  for (const name of tlsServerNames(account)) trust.setServer(name, settings);
}

/**
 * The direct account has no servers: its calls go straight to each peer. Its
 * CA file and pin (`parley call --tls-pin …` without --aor) are trusted for
 * every peer it reaches over TLS; throws AccountTrustError like above.
 */
export function applyDirectTrust(trust: TlsTrust, account: Account, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): void {
  trust.setEveryServer(accountTrustSettings(account, readFile));
}

/** The account's CA file's certificates and its pin, as the transport's trust takes them. */
function accountTrustSettings(account: Account, readFile: (path: string) => string): { ca: string[]; pins: string[] } {
  let ca: string[] = [];
  if (account.tlsCaFile !== null) {
    let text: string;
    try {
      text = readFile(account.tlsCaFile);
    } catch (e) {
      throw new AccountTrustError(`cannot read the CA file ${account.tlsCaFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    ca = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (ca.length === 0) throw new AccountTrustError(`the CA file ${account.tlsCaFile} holds no PEM certificate`);
  }
  const pins = account.tlsPin !== null ? [account.tlsPin] : [];
  return { ca, pins };
}

/**
 * The certificate refusal behind a failure of this account (and, for a call,
 * of its target's host: a sips: call goes straight there), if the transport
 * remembers one.
 */
export function accountTlsFailure(
  account: Pick<Account, 'aor' | 'registrar' | 'outboundProxy' | 'transport'>,
  lookup: (serverName: string) => TlsCertificateError | undefined,
  target?: string,
): TlsCertificateError | undefined {
  const names = tlsServerNames(account);
  const t = target === undefined ? undefined : parseSipAddress(target);
  if (t?.ok) names.push(t.value.host.replace(/^\[(.*)\]$/, '$1').toLowerCase());
  for (const name of names) {
    const f = lookup(name);
    if (f) return f;
  }
  return undefined;
}

/** The refused certificate as the UI shows it ("Trust this certificate" pins its fingerprint). */
export function certificateSnapshot(e: TlsCertificateError): CertificateSnapshot | undefined {
  const c = e.certificate;
  if (!c) return undefined;
  return { problem: e.problem, subject: c.subject, issuer: c.issuer, validFrom: c.validFrom, validTo: c.validTo, fingerprint256: c.fingerprint256, names: c.names, selfSigned: c.selfSigned, serverName: e.serverName };
}
