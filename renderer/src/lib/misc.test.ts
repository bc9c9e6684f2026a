import { describe, expect, it } from 'vitest';
import { account, call, contact, registration } from '../test-support/fixtures.ts';
import { callAnnouncement, callStateLabel } from './announce.ts';
import { linkRequest } from './link-open.ts';
import { displayAddress, findContact, partyName, userPart } from './party.ts';
import { qualityOf } from './quality.ts';
import { accountLabel, registrationView } from './registration.ts';
import { describeOutcome } from './sip-words.ts';
import { effectiveTheme } from './theme.ts';

describe('sip words', () => {
  it('puts the code after the engine words; keeps no table of its own (the reason phrase without words)', () => {
    expect(describeOutcome(486, 'busy', 'Busy Here')).toBe('Busy (486)');
    expect(describeOutcome(486, undefined, 'Busy Here')).toBe('Busy Here (486)');
    expect(describeOutcome(486)).toBe('SIP 486');
    expect(describeOutcome(403, 'wrong user name or password')).toBe('Wrong user name or password (403)');
    expect(describeOutcome(undefined, undefined, 'Timeout')).toBe('Timeout');
    expect(describeOutcome(undefined)).toBeUndefined();
  });
});

describe('party names', () => {
  it('shows addresses without scheme and parameters', () => {
    expect(displayAddress('sip:alice@example.com;transport=tcp')).toBe('alice@example.com');
    expect(displayAddress('"Alice" <sip:alice@example.com>')).toBe('alice@example.com');
    expect(displayAddress('tel:+15550100')).toBe('+15550100');
    expect(displayAddress('sips:bob@example.com')).toBe('sips:bob@example.com');
    expect(userPart('sips:bob@example.com')).toBe('bob');
  });
  it('resolves an address or a number to the contact', () => {
    const alice = contact();
    expect(findContact('sip:alice@EXAMPLE.com', [alice])?.id).toBe('c-1');
    expect(findContact('sip:04845678901@gw.example.com', [alice])?.id).toBe('c-1');
    expect(findContact('sip:+554845678901@sipa.example.com', [alice])?.id).toBe('c-1');
    expect(findContact('sip:carol@example.com', [alice])).toBeUndefined();
    expect(findContact('sip:1234@example.com', [alice])).toBeUndefined();
  });
  it('prefers the engine contact name, then ours, then the display name', () => {
    expect(partyName({ uri: 'sip:x@y', contactName: 'Engine Name', displayName: 'Shown' }, [])).toBe('Engine Name');
    expect(partyName({ uri: 'sip:alice@example.com', displayName: 'Al' }, [contact()])).toBe('Alice Martin');
    expect(partyName({ uri: 'sip:zed@example.com', displayName: 'Zed' }, [])).toBe('Zed');
    expect(partyName({ uri: 'sip:zed@example.com' }, [])).toBe('zed@example.com');
  });
});

describe('announcements', () => {
  it('says state changes once', () => {
    expect(callAnnouncement(undefined, call({ state: 'dialing' }), 'Alice')).toBe('Calling Alice');
    expect(callAnnouncement('dialing', call({ state: 'ringing' }), 'Alice')).toBe('Alice is ringing');
    expect(callAnnouncement('ringing', call({ state: 'active' }), 'Alice')).toBe('Connected to Alice');
    expect(callAnnouncement('active', call({ state: 'active' }), 'Alice')).toBeUndefined();
    expect(callAnnouncement('held', call({ state: 'active' }), 'Alice')).toBe('Call with Alice resumed');
    expect(callAnnouncement(undefined, call({ state: 'incoming', direction: 'in' }), 'Bob')).toBe('Incoming call from Bob');
  });
  it('says why a call ended, in words with the code', () => {
    expect(callAnnouncement('ringing', call({ state: 'ended', code: 486, words: 'busy' }), 'Alice')).toBe('Call with Alice ended: Busy (486)');
    expect(callAnnouncement('active', call({ state: 'ended', code: 200 }), 'Alice')).toBe('Call with Alice ended');
  });
  it('labels muted calls', () => {
    expect(callStateLabel(call({ muted: true }))).toBe('Connected · muted');
  });
});

describe('registration view', () => {
  it('shows the server reason and offers a retry on failure', () => {
    const v = registrationView(account(), registration({ state: 'failed', code: 403, reason: 'Forbidden', words: 'wrong user name or password' }));
    // Said once and short enough for the header chip (issue 15 §1.12).
    expect(v).toEqual({ tone: 'danger', label: 'Wrong password (403)', canRetry: true });
    const engineWords = registrationView(account(), registration({ state: 'failed', code: 401, reason: 'Unauthorized', words: 'authentication failed: check the user name and password' }));
    expect(engineWords).toEqual({ tone: 'danger', label: 'Wrong password (401)', canRetry: true });
    expect(registrationView(account(), registration({ state: 'failed', code: 503, reason: 'Service Unavailable', words: 'the service is unavailable' }))).toMatchObject({ label: 'Not registered', detail: 'The service is unavailable (503)' });
  });
  it('a registration that was lost and is being retried shows "Reconnecting…", not a stale "Registered" nor a failure', () => {
    const v = registrationView(account(), registration({ state: 'failed', reconnecting: true, code: 408, reason: 'Request Timeout', words: 'no answer from the server; trying again in 4 s' }));
    expect(v).toMatchObject({ tone: 'warn', label: 'Reconnecting…', canRetry: true });
    expect(v.detail).toMatch(/trying again in 4 s/);
  });
  it('shows the engine’s words, else the reason phrase, then "no answer" (no table of its own)', () => {
    expect(registrationView(account(), registration({ state: 'failed', code: 408, reason: 'Request Timeout', words: 'no answer from the server' })).detail).toBe('No answer from the server (408)');
    expect(registrationView(account(), registration({ state: 'failed', code: 408, reason: 'Request Timeout' })).detail).toBe('Request Timeout (408)');
    expect(registrationView(account(), { accountId: 'acc-1', state: 'failed', otherBindings: [] }).detail).toBe('The server did not answer');
  });
  it('knows disabled and not yet registered accounts', () => {
    expect(registrationView(account({ enabled: false }), registration()).label).toBe('Disabled');
    expect(registrationView(account(), undefined)).toMatchObject({ tone: 'muted', label: 'Offline', canRetry: true });
    expect(registrationView(account(), registration({ state: 'registering' })).tone).toBe('warn');
  });
  it('offers no registration for the engine’s built-in direct account', () => {
    const direct = account({ id: 'direct', displayName: 'Direct (no server)', aor: 'sip:me@127.0.0.1:5070', aliases: [] });
    expect(registrationView(direct, { accountId: 'direct', state: 'unregistered', otherBindings: [] })).toEqual({ tone: 'muted', label: 'Ready', canRetry: false });
    // No OS user name, host or port, no jargon: those are in the account's details (issue 15 §1.12).
    expect(accountLabel(direct)).toBe('This computer (no account)');
    expect(accountLabel(account())).toBe('John Doe');
  });
});

describe('quality', () => {
  it('maps MOS to bars', () => {
    expect(qualityOf({ callId: 'c', packetsSent: 1, packetsReceived: 1, lossPercent: 0, jitterMs: 5, mos: 4.3 }).bars).toBe(4);
    expect(qualityOf({ callId: 'c', packetsSent: 1, packetsReceived: 1, lossPercent: 1, jitterMs: 20, mos: 3.8 }).level).toBe('good');
    expect(qualityOf({ callId: 'c', packetsSent: 1, packetsReceived: 1, lossPercent: 5, jitterMs: 40, mos: 3.2 }).level).toBe('fair');
    expect(qualityOf({ callId: 'c', packetsSent: 1, packetsReceived: 1, lossPercent: 15, jitterMs: 90, mos: 2.1 }).bars).toBe(1);
  });
  it('estimates without an engine MOS and says the figures', () => {
    const q = qualityOf({ callId: 'c', packetsSent: 1, packetsReceived: 1, lossPercent: 10, jitterMs: 60, rttMs: 120 });
    expect(q.level).toBe('poor');
    expect(q.label).toBe('Poor quality: MOS 2.1, 10.0 % loss, 60 ms jitter, 120 ms round trip');
  });
});

describe('theme', () => {
  it('follows the system only when asked to', () => {
    expect(effectiveTheme('system', true)).toBe('dark');
    expect(effectiveTheme('system', false)).toBe('light');
    expect(effectiveTheme('light', true)).toBe('light');
    expect(effectiveTheme('dark', false)).toBe('dark');
  });
});

describe('link.open (desktop shell)', () => {
  it('takes the link, normalised, and what to do with it', () => {
    expect(linkRequest({ event: 'link.open', data: { target: 'tel:+1-555-0100', action: 'fill' } })).toEqual({ target: '+15550100', action: 'fill' });
    expect(linkRequest({ event: 'link.open', data: { target: 'sip:bob@example.com?subject=x', action: 'dial' } })).toEqual({ target: 'bob@example.com', action: 'dial' });
    expect(linkRequest({ event: 'link.open', data: { target: 'sip:bob@example.com', action: 'explode' } })?.action).toBe('fill');
  });
  it('ignores other events and malformed ones', () => {
    expect(linkRequest({ event: 'call', data: {} })).toBeUndefined();
    expect(linkRequest({ event: 'link.open', data: { target: 42 } })).toBeUndefined();
    expect(linkRequest({ event: 'link.open', data: { target: '  ' } })).toBeUndefined();
    expect(linkRequest(null)).toBeUndefined();
  });
});

describe('addresses shown as the user typed them (issue 15 §1.10)', () => {
  it('decodes the user part: 12#45* is not shown as 12%2345*', () => {
    expect(displayAddress('sip:12%2345*@sip.test;user=phone')).toBe('12#45*@sip.test');
    expect(displayAddress('sip:alice@example.com')).toBe('alice@example.com');
    expect(displayAddress('sip:bad%zz@example.com')).toBe('bad%zz@example.com');
  });
});
