import { parseNameAddr, type NameAddr } from './name-addr.ts';
import { SipParseError } from './sip-parse-error.ts';

/**
 * Contact values (RFC 3261 §20.10): either the single wildcard "*" (only in a
 * REGISTER that removes all bindings, §10.2.2) or a list of name-addrs with
 * expires / q parameters. `values` is what HeaderList.getAll('Contact') gives.
 */
export type ContactList = '*' | NameAddr[];

export function parseContacts(values: string[]): ContactList {
  if (values.length === 1 && values[0]?.trim() === '*') return '*';
  const out: NameAddr[] = [];
  for (const v of values) {
    if (v.trim() === '*') throw new SipParseError(400, 'malformed Contact (* mixed with addresses)');
    out.push(parseNameAddr(v, 'Contact'));
  }
  return out;
}

/** The expires parameter of one contact as a number of seconds, if present and valid (capped at 2^32-1, RFC 3261 §20.19). */
export function contactExpires(c: NameAddr): number | undefined {
  const v = c.params.get('expires');
  if (v === undefined || v === null || !/^[0-9]{1,20}$/.test(v)) return undefined;
  return Math.min(Number(v), 0xffffffff);
}

/** The q parameter (0..1), if present and valid (RFC 3261 §20.10 qvalue). */
export function contactQ(c: NameAddr): number | undefined {
  const v = c.params.get('q');
  if (v === undefined || v === null || !/^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/.test(v)) return undefined;
  return Number(v);
}
