/**
 * The answer to a request the parser rejected (RFC 3261 §16.3 / §21.4.1: 400,
 * §21.5.6: 505 Version Not Supported, §21.5.8: 513 Message Too Large). Only
 * possible when the parser got far enough to know where the answer goes (Via,
 * From, To, Call-ID, CSeq): SipParseError.request. Never for an ACK, which is
 * not answered (RFC 3261 §17).
 */
import { createResponse, SipParseError } from '../message/index.ts';
import type { SipResponse } from '../message/index.ts';
import type { Endpoint } from './transport.ts';
import { addReceivedAndRport } from './via-processing.ts';

export function responseToMalformed(err: unknown, source: Endpoint): SipResponse | undefined {
  if (!(err instanceof SipParseError) || !err.request) return undefined;
  const request = err.request;
  if (request.method.toUpperCase() === 'ACK') return undefined;
  try {
    addReceivedAndRport(request, source.address, source.port);
    return createResponse(request, err.status, err.reason);
  } catch {
    return undefined;
  }
}

/** A short description of a parse failure for the log (never the whole message). */
export function describeParseError(err: unknown): Record<string, unknown> {
  if (err instanceof SipParseError) return { status: err.status, reason: err.reason };
  return { error: err instanceof Error ? err.message : String(err) };
}
