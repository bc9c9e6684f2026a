import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { SipParseError, checkMessage, parseMessage, type ParseLimits, type SipMessage } from '../../../../electron/sip/message/index.ts';

const dir = fileURLToPath(new URL('../../../fixtures/sip/torture/', import.meta.url));

/** The raw bytes of a torture fixture (tests/fixtures/sip/torture/<name>.sip). */
export function fixture(name: string): Buffer {
  return readFileSync(dir + name + '.sip');
}

/** Asserts fn throws a SipParseError with this status (and a reason mentioning `about` when given). */
export function assertRejects(fn: () => unknown, status: number, about?: RegExp): SipParseError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof SipParseError, `expected SipParseError, got ${String(caught)}`);
  assert.equal(caught.status, status, caught.reason);
  if (about) assert.match(caught.reason, about);
  return caught;
}

/** What a transport does with received bytes before delivering them: parseMessage, then checkMessage. */
export function receive(data: Buffer | string, limits?: Partial<ParseLimits>): SipMessage {
  const m = parseMessage(data, limits);
  checkMessage(m);
  return m;
}
