/**
 * A DNS lookup that could not be answered (as opposed to an answer saying the
 * name or the records do not exist, which is an empty result). A catchable
 * condition: the SIP layer above maps it, like a transport failure, to a 503
 * (RFC 3261 §8.1.3.1) or tries the next server it knows.
 */
import type { DnsRecordType } from './dns-records.ts';

export type DnsErrorCode =
  | 'timeout' // no answer from any server within the bounded attempts
  | 'servfail' // RCODE 2 (RFC 1035 §4.1.1)
  | 'refused' // RCODE 5
  | 'formerr' // RCODE 1: the server could not parse our query
  | 'notimp' // RCODE 4
  | 'bad-response' // an answer we could not decode or that does not match the query
  | 'network' // socket error (ICMP unreachable, connection refused or reset)
  | 'other';

export class DnsError extends Error {
  readonly code: DnsErrorCode;
  readonly queryName: string;
  readonly queryType: DnsRecordType;

  constructor(code: DnsErrorCode, queryName: string, queryType: DnsRecordType, detail?: string) {
    super(`DNS ${queryType} ${queryName}: ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'DnsError';
    this.code = code;
    this.queryName = queryName;
    this.queryType = queryType;
  }
}
