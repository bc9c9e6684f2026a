/**
 * The SIP message layer (RFC 3261 §7, §19, §20, §25): parse, serialize,
 * URIs, headers. Everything other layers use is exported here, among it
 * checkMessage (the header checks a transport runs on a received message
 * before delivering it), StreamParser's onError hook (a malformed message
 * whose framing is intact is reported there and skipped instead of failing
 * the connection), formatHost, formatCSeq, contactExpires / contactQ,
 * header-name helpers and the %-escape functions.
 */
export { SipParseError } from './sip-parse-error.ts';
export { defaultParseLimits, type ParseLimits } from './parse-limits.ts';
export { clampNetworkSeconds, timerSafeMs, networkTimerBounds, MAX_TIMER_MS, type NetworkTimer, type TimerBound } from './timer-bounds.ts';
export { reasonPhrase } from './reason-phrase.ts';
export { parseUri, formatUri, formatHost, type SipUri } from './uri.ts';
export { uriEquals } from './uri-equals.ts';
export { parseNameAddr, formatNameAddr, type NameAddr } from './name-addr.ts';
export { parseVia, formatVia, copyVia, type Via } from './via.ts';
export { parseCSeq, formatCSeq, type CSeq } from './cseq.ts';
export { parseContacts, contactExpires, contactQ, type ContactList } from './contact.ts';
export { parseAuthHeader, formatAuthHeader, type AuthHeader } from './auth-header.ts';
export { parseTokenList } from './token-list.ts';
export { HeaderList, type HeaderField } from './header-list.ts';
export { EMPTY_HEADERS, EMPTY_PARAMS } from './frozen-empty.ts';
export { headerKey, canonicalName, isListHeader } from './header-names.ts';
export { splitList } from './header-split.ts';
export { SipRequest, SipResponse, type SipMessage } from './sip-message.ts';
export { topVia, callId, cseqOf, fromOf, toOf, contactsOf } from './accessors.ts';
export { parseMessage } from './parse-message.ts';
export { checkMessage } from './check-message.ts';
export { serializeMessage } from './serialize-message.ts';
export { StreamParser, type StreamItem } from './stream-parser.ts';
export { createResponse } from './create-response.ts';
export { newBranch, newTag, newCallId } from './ids.ts';
export { unescapeUri, escapeUri } from './escape.ts';
