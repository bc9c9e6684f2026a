import { Buffer } from 'node:buffer';
import { HeaderList } from './header-list.ts';
import { reasonPhrase } from './reason-phrase.ts';

const EMPTY = Buffer.alloc(0);

/**
 * What the parser remembers of the received bytes, so serializeMessage can
 * send a message nobody changed without rebuilding its head (a proxy
 * forwarding, a trace, a retransmission).
 */
export interface RawHead {
  /** buf[start, end) holds the head bytes, start line through the blank line */
  buf: Buffer;
  start: number;
  end: number;
  /** buf[start, startLineEnd) is the start line with its CRLF */
  startLineEnd: number;
  method: string;
  uri: string;
  status: number;
  reason: string;
  headers: HeaderList;
  version: number;
  /** Content-Length written in the head, -1 when absent */
  contentLength: number;
  /** the body the parser set: a view of buf just past the head (compared by identity, not by reading .buffer) */
  body: Buffer;
}

/** A SIP request (RFC 3261 §7.1). `uri` is the Request-URI text as received or to be sent. */
export class SipRequest {
  readonly kind = 'request' as const;
  method: string;
  uri: string;
  headers: HeaderList;
  body: Buffer;
  /** @internal set by the parser */
  raw: RawHead | undefined = undefined;

  constructor(method: string, uri: string, headers?: HeaderList, body?: Buffer) {
    this.method = method;
    this.uri = uri;
    this.headers = headers ?? new HeaderList();
    this.body = body ?? EMPTY;
  }
}

/** A SIP response (RFC 3261 §7.2). */
export class SipResponse {
  readonly kind = 'response' as const;
  status: number;
  reason: string;
  headers: HeaderList;
  body: Buffer;
  /** @internal set by the parser */
  raw: RawHead | undefined = undefined;

  constructor(status: number, reason?: string, headers?: HeaderList, body?: Buffer) {
    this.status = status;
    this.reason = reason ?? reasonPhrase(status);
    this.headers = headers ?? new HeaderList();
    this.body = body ?? EMPTY;
  }
}

export type SipMessage = SipRequest | SipResponse;
