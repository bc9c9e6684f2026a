import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../api/types.ts';
import { diagnosticsBundle } from './bundle.ts';
import { buildLadders, filterLadders, ladderText, redactTrace } from './sip-ladder.ts';

const T0 = Date.UTC(2026, 11, 6, 19, 0, 0);
const msg = (i: number, direction: 'in' | 'out', first: string, callId: string, cseq: string, extra = ''): TraceEntry => ({
  time: T0 + i * 10,
  direction,
  transport: 'udp',
  remote: '127.0.0.1:5060',
  local: '127.0.0.1:40000',
  callId,
  text: `${first}\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\n${extra}Content-Length: 0\r\n\r\n`,
});

const call = [
  msg(0, 'out', 'INVITE sip:bob@sip.test SIP/2.0', 'c1', '1 INVITE'),
  msg(1, 'in', 'SIP/2.0 407 Proxy Authentication Required', 'c1', '1 INVITE'),
  msg(2, 'out', 'ACK sip:bob@sip.test SIP/2.0', 'c1', '1 ACK'),
  msg(3, 'out', 'INVITE sip:bob@sip.test SIP/2.0', 'c1', '2 INVITE', 'Proxy-Authorization: Digest username="john", realm="sip.test", nonce="abc", response="0123456789abcdef"\r\n'),
  msg(4, 'in', 'SIP/2.0 100 Trying', 'c1', '2 INVITE'),
  msg(5, 'in', 'SIP/2.0 180 Ringing', 'c1', '2 INVITE'),
  msg(6, 'in', 'SIP/2.0 200 OK', 'c1', '2 INVITE'),
  msg(7, 'out', 'ACK sip:bob@127.0.0.1:5080 SIP/2.0', 'c1', '2 ACK'),
];
const register = [msg(8, 'out', 'REGISTER sip:sip.test SIP/2.0', 'r1', '1 REGISTER'), msg(9, 'in', 'SIP/2.0 200 OK', 'r1', '1 REGISTER')];

describe('SIP ladders (issue 15 §3)', () => {
  it('groups messages by Call-ID into calls and registrations, in order, with method and status', () => {
    const ladders = buildLadders([...call, ...register]);
    expect(ladders.map((l) => [l.callId, l.kind])).toEqual([
      ['r1', 'registration'],
      ['c1', 'call'],
    ]);
    const c1 = ladders[1]!;
    expect(c1.messages.map((m) => m.label)).toEqual(['INVITE', '407 Proxy Authentication Required', 'ACK', 'INVITE', '100 Trying', '180 Ringing', '200 OK', 'ACK']);
    expect(c1.parties).toEqual(['This phone', '127.0.0.1:5060']);
    expect(c1.title).toBe('INVITE sip:bob@sip.test');
  });

  it('filters by kind and searches the messages', () => {
    const ladders = buildLadders([...call, ...register]);
    expect(filterLadders(ladders, 'registration', '').map((l) => l.callId)).toEqual(['r1']);
    expect(filterLadders(ladders, 'all', 'ringing').map((l) => l.callId)).toEqual(['c1']);
    expect(filterLadders(ladders, 'call', 'REGISTER')).toEqual([]);
  });

  it('redacts digest answers and tokens in what it shows and exports', () => {
    expect(redactTrace('Authorization: Digest username="j", nonce="n1", response="r1"')).toBe('Authorization: Digest username="j", nonce="…", response="…"');
    expect(redactTrace('GET /api?token=0123abcd HTTP/1.1')).toBe('GET /api?token=… HTTP/1.1');
    const text = ladderText(buildLadders(call)[0]!);
    expect(text).not.toContain('0123456789abcdef');
    expect(text).toContain('UDP 127.0.0.1:40000 -> 127.0.0.1:5060');
    expect(text).toContain('SIP/2.0 180 Ringing');
  });

  it('puts settings, accounts without secrets, version and the last minutes of trace in one bundle', () => {
    const old = { ...msg(0, 'out', 'OPTIONS sip:x SIP/2.0', 'old', '1 OPTIONS'), time: T0 - 40 * 60_000 };
    const bundle = diagnosticsBundle({
      store: { settings: undefined, accounts: [], registrations: {}, calls: [], history: [], trace: [old, ...call], connection: { state: 'open', attempt: 0 } },
      minutes: 30,
      now: T0 + 1000,
      userAgent: 'TestAgent/1.0 (X11; Linux x86_64)',
      version: '9.9.9',
    });
    expect(bundle).toContain('version 9.9.9');
    expect(bundle).toContain('TestAgent/1.0 (X11; Linux x86_64)');
    expect(bundle).toContain('Call-ID: c1');
    expect(bundle).not.toContain('Call-ID: old');
    expect(bundle).not.toContain('0123456789abcdef');
    expect(bundle).toContain('(the phone did not give its log)');
  });

  it('adds the engine\'s log, redacted once more', () => {
    const bundle = diagnosticsBundle({
      store: { settings: undefined, accounts: [], registrations: {}, calls: [], history: [], trace: [], connection: { state: 'open', attempt: 0 } },
      minutes: 10,
      now: T0,
      userAgent: 'TestAgent/1.0',
      engineLog: [
        { time: T0 - 5000, level: 'warn', category: 'phone.sip.ua', message: 'registration failed', data: '{"status":401,"challenge":"Digest nonce=\\"n0nce\\""}' },
        { time: T0 - 1000, level: 'info', category: 'phone.media', message: 'RTP started' },
      ],
    });
    expect(bundle).toContain('===== engine log (last 10 min, info and above, redacted) =====');
    expect(bundle).toMatch(/WARN  \[phone\.sip\.ua\] registration failed \{"status":401/);
    expect(bundle).toContain('INFO  [phone.media] RTP started');
    expect(bundle).not.toContain('n0nce');
  });
});
