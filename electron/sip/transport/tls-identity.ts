/**
 * Is this certificate the SIP domain's? RFC 5922 §7.1–§7.2.
 *
 * The identities a certificate carries (§7.1): every subjectAltName URI with
 * the scheme `sip` and no user part (its host), and every dNSName; the
 * subject's CommonName only when there is no subjectAltName at all. The SIP
 * domain we looked up by RFC 3263 (the AOR's domain, or the proxy's host
 * name) must equal one of them, compared whole and without regard to case
 * (§7.2): no suffix match, and a '*' is no wildcard for SIP. When the target
 * was an IP literal (no domain to look up), an iPAddress entry must equal it.
 */
import { isIP } from 'node:net';

export interface CertificateNames {
  /** Node's `subjectaltname` text: "DNS:a, URI:sip:b, IP Address:127.0.0.1". */
  subjectaltname?: string;
  /** subject.CN */
  commonName?: string;
}

export interface SipIdentities {
  domains: string[];
  ips: string[];
}

/** The SIP domain identities of a certificate (§7.1), lower-cased. */
export function sipIdentities(cert: CertificateNames): SipIdentities {
  const domains: string[] = [];
  const ips: string[] = [];
  const san = cert.subjectaltname?.trim() ?? '';
  if (san === '') {
    if (cert.commonName) domains.push(cert.commonName.toLowerCase());
    return { domains, ips };
  }
  for (const entry of splitSan(san)) {
    const colon = entry.indexOf(':');
    if (colon < 0) continue;
    const type = entry.slice(0, colon).trim();
    const value = entry.slice(colon + 1).trim();
    if (type === 'DNS') domains.push(value.toLowerCase());
    else if (type === 'URI') {
      const host = sipUriDomain(value);
      if (host) domains.push(host);
    } else if (type === 'IP Address') ips.push(canonicalIp(value));
  }
  return { domains, ips };
}

/** Undefined when `expected` is among the identities; else the words for the mismatch. */
export function checkSipIdentity(expected: string, cert: CertificateNames): string | undefined {
  const wanted = expected.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  const ids = sipIdentities(cert);
  if (isIP(wanted) !== 0) {
    if (ids.ips.includes(canonicalIp(wanted))) return undefined;
  } else if (ids.domains.some((d) => d.replace(/\.$/, '') === wanted)) {
    return undefined;
  }
  const names = [...ids.domains, ...ids.ips];
  const shown = names.length === 0 ? 'no name at all' : names.slice(0, 4).join(', ') + (names.length > 4 ? ` and ${names.length - 4} more` : '');
  return `the server's certificate is for ${shown}, not ${wanted}`;
}

/** sip:host[:port][;params] without a user part → host (§7.1); anything else → undefined. */
function sipUriDomain(uri: string): string | undefined {
  const m = /^sip:([^@;?]+)$/i.exec(uri.replace(/[;?].*$/, ''));
  if (!m) return undefined;
  const hostPort = m[1]!;
  const host = hostPort.startsWith('[') ? hostPort.slice(1, hostPort.indexOf(']')) : hostPort.replace(/:\d+$/, '');
  return host.toLowerCase();
}

/** Node quotes SAN values that contain ", " or quotes (JSON string syntax); split on the separators outside quotes. */
function splitSan(san: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < san.length) {
    const colon = san.indexOf(':', i);
    if (colon < 0) break;
    const type = san.slice(i, colon).trim();
    let j = colon + 1;
    let value: string;
    if (san[j] === '"') {
      let end = j + 1;
      while (end < san.length && san[end] !== '"') end += san[end] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(san.slice(j, end + 1)) as string;
      } catch {
        value = san.slice(j + 1, end);
      }
      j = end + 1;
    } else {
      const comma = san.indexOf(', ', j);
      const end = comma < 0 ? san.length : comma;
      value = san.slice(j, end);
      j = end;
    }
    out.push(`${type}:${value}`);
    const next = san.indexOf(', ', j);
    if (next < 0) break;
    i = next + 2;
  }
  return out;
}

function canonicalIp(ip: string): string {
  const v = isIP(ip);
  if (v !== 6) return ip;
  // Node prints IPv6 SANs fully expanded ("0:0:0:0:0:0:0:1"); normalize both sides through URL.
  return new URL(`http://[${ip}]/`).hostname.replace(/^\[|\]$/g, '');
}
