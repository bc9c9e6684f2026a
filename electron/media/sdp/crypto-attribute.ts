/**
 * a=crypto of SDP Security Descriptions (RFC 4568 §9.1):
 *
 *   a=crypto:<tag> <crypto-suite> inline:<key||salt base64>[|<lifetime>][|<MKI>:<length>] [<session-params>]
 *
 * We use a line only when it has one of our suites, exactly one inline key
 * and no MKI (we do not put an MKI in our packets), and no session parameter
 * other than WSH (a hint we may ignore, §6.3.7). UNENCRYPTED_SRTP, KDR and
 * friends change the transform, so a line with them is skipped rather than
 * half-honoured (§6.3: "MUST NOT be used" if not understood).
 */
import type { SrtpCryptoSuite, SrtpKeyMaterial } from '../srtp/srtp-crypto-suite.ts';
import { decodeInlineKey, encodeInlineKey, isSrtpCryptoSuite } from '../srtp/srtp-crypto-suite.ts';
import { SrtpError } from '../srtp/srtp-error.ts';

export interface SdesCrypto {
  tag: number;
  suite: SrtpCryptoSuite;
  key: SrtpKeyMaterial;
}

/** The usable crypto of one a=crypto value, or undefined with a reason we could not use it. */
export function parseCryptoAttribute(value: string): { crypto?: SdesCrypto; reason?: string } {
  const fields = value.trim().split(/\s+/);
  if (fields.length < 3) return { reason: 'needs tag, suite and key parameters' };
  const [tagText, suite, keyParams, ...sessionParams] = fields as [string, string, string, ...string[]];
  if (!/^\d{1,9}$/.test(tagText)) return { reason: `tag "${tagText.slice(0, 20)}" is not 1-9 digits` };
  if (!isSrtpCryptoSuite(suite)) return { reason: `unsupported suite ${suite.slice(0, 40)}` };
  const unsupported = sessionParams.filter((p) => !p.startsWith('WSH='));
  if (unsupported.length > 0) return { reason: `unsupported session parameter ${unsupported[0]!.slice(0, 40)}` };
  const keys = keyParams.split(';');
  if (keys.length !== 1) return { reason: 'several keys need an MKI, which we do not support' };
  const m = /^inline:([^|]+)(?:\|([^|]+))?(?:\|([^|]+))?$/.exec(keys[0]!);
  if (!m) return { reason: 'key parameter is not inline:<key>' };
  const extras = [m[2], m[3]].filter((x): x is string => x !== undefined);
  for (const extra of extras) {
    if (extra.includes(':')) return { reason: 'MKI is not supported' };
    if (!/^(?:2\^\d{1,2}|\d{1,15})$/.test(extra)) return { reason: `lifetime "${extra.slice(0, 20)}" is malformed` };
  }
  try {
    return { crypto: { tag: Number(tagText), suite, key: decodeInlineKey(m[1]!, suite) } };
  } catch (err) {
    if (err instanceof SrtpError) return { reason: err.message };
    throw err;
  }
}

export function formatCryptoAttribute(crypto: SdesCrypto): string {
  return `${crypto.tag} ${crypto.suite} inline:${encodeInlineKey(crypto.key, crypto.suite)}`;
}
