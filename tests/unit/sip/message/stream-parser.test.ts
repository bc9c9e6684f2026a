/** StreamParser: Content-Length framing on streams (RFC 3261 §18.3) and RFC 5626 keep-alives. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SipParseError,
  StreamParser,
  callId,
  serializeMessage,
  type SipMessage,
  type StreamItem,
} from '../../../../electron/sip/message/index.ts';
import { assertRejects, fixture } from './fixtures.ts';

const msg = (id: string, body = '') =>
  [
    'MESSAGE sip:b@example.com SIP/2.0',
    'Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK' + id,
    'Max-Forwards: 70',
    'From: <sip:a@example.com>;tag=f',
    'To: <sip:b@example.com>',
    `Call-ID: ${id}`,
    'CSeq: 1 MESSAGE',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');

const ids = (items: StreamItem[]) =>
  items.map((i) => (i.kind === 'request' || i.kind === 'response' ? callId(i as SipMessage) : i.kind));

describe('StreamParser', () => {
  test('several messages and keep-alives in one chunk', () => {
    const p = new StreamParser();
    const items = p.push(Buffer.from('\r\n\r\n' + msg('a', 'hello') + '\r\n' + msg('b') + msg('c', 'x')));
    assert.deepEqual(ids(items), ['keepalive-ping', 'a', 'keepalive-pong', 'b', 'c']);
    assert.equal((items[1] as SipMessage).body.toString(), 'hello');
    assert.equal(p.buffered, 0);
  });

  test('one message split over many reads, byte by byte', () => {
    const p = new StreamParser();
    const wire = Buffer.from(msg('split', 'body ü bytes'));
    const items: StreamItem[] = [];
    for (let i = 0; i < wire.length; i++) {
      const got = p.push(wire.subarray(i, i + 1));
      if (i < wire.length - 1) assert.equal(got.length, 0);
      items.push(...got);
    }
    assert.deepEqual(ids(items), ['split']);
    assert.equal((items[0] as SipMessage).body.toString(), 'body ü bytes');
    assert.deepEqual(serializeMessage(items[0] as SipMessage), wire);
  });

  test('split at every position of a two-message stream gives the same messages', () => {
    const wire = Buffer.from(msg('one', 'abc') + '\r\n\r\n' + msg('two', 'defg'));
    const pingAt = Buffer.byteLength(msg('one', 'abc'));
    for (let cut = 1; cut < wire.length; cut++) {
      const p = new StreamParser();
      const items = [...p.push(wire.subarray(0, cut)), ...p.push(wire.subarray(cut))];
      // A CRLF alone at the end of a read is a pong (it must be reported at once), so a
      // ping cut in its middle reads as two pongs: the one ambiguity RFC 5626 leaves.
      const expected = cut === pingAt + 2 ? ['one', 'keepalive-pong', 'keepalive-pong', 'two'] : ['one', 'keepalive-ping', 'two'];
      assert.deepEqual(ids(items), expected, `cut at ${cut}`);
    }
  });

  test('binary body (RFC 4475 mpart01) framed over chunks', () => {
    const wire = fixture('mpart01');
    const p = new StreamParser();
    const items = [...p.push(wire.subarray(0, 700)), ...p.push(wire.subarray(700, 900)), ...p.push(wire.subarray(900))];
    assert.equal(items.length, 1);
    assert.equal((items[0] as SipMessage).body.length, 553);
  });

  test('missing Content-Length on a stream means no body', () => {
    const p = new StreamParser();
    const noCl = msg('n').replace('Content-Length: 0\r\n', '');
    const items = p.push(Buffer.from(noCl + msg('m')));
    assert.deepEqual(ids(items), ['n', 'm']);
  });

  test('messages do not share memory with the pushed chunk', () => {
    const p = new StreamParser();
    const wire = Buffer.from(msg('own', 'data'));
    const first = p.push(wire.subarray(0, 50));
    assert.equal(first.length, 0);
    const tail = Buffer.from(wire.subarray(50));
    const [m] = p.push(tail);
    tail.fill(0x41);
    wire.fill(0x41);
    assert.equal((m as SipMessage).body.toString(), 'data');
    assert.equal(callId(m as SipMessage), 'own');
  });

  test('a head that never ends is refused past the limit (513) and the parser stays failed', () => {
    const p = new StreamParser({ maxMessageBytes: 1000 });
    p.push(Buffer.from('INVITE sip:a@b SIP/2.0\r\n'));
    const e = assertRejects(() => p.push(Buffer.from('X-Pad: ' + 'a'.repeat(2000))), 513);
    assert.ok(e instanceof SipParseError);
    assertRejects(() => p.push(Buffer.from(msg('after'))), 513);
  });

  test('a body larger than the limit is 413; a bad Content-Length is fatal', () => {
    const big = new StreamParser({ maxMessageBytes: 500 });
    assertRejects(() => big.push(Buffer.from(msg('big').replace('Content-Length: 0', 'Content-Length: 100000'))), 413);
    const neg = new StreamParser();
    assertRejects(() => neg.push(Buffer.from(msg('neg').replace('Content-Length: 0', 'Content-Length: -5'))), 400, /Content-Length/);
    assertRejects(() => neg.push(Buffer.from(msg('x'))), 400);
  });

  test('a malformed message with sound framing is reported to onError and skipped', () => {
    const errors: SipParseError[] = [];
    const p = new StreamParser(undefined, (e) => errors.push(e));
    const bad = msg('bad', 'zz').replace('CSeq: 1 MESSAGE', 'CSeq: 1 INVITE');
    const items = p.push(Buffer.from(msg('ok1') + bad + msg('ok2')));
    assert.deepEqual(ids(items), ['ok1', 'ok2']);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.status, 400);
    assert.equal(errors[0]?.request?.headers.get('call-id'), 'bad');
    // Without onError the error is thrown.
    assertRejects(() => new StreamParser().push(Buffer.from(bad)), 400, /CSeq/);
  });

  test('a peer sending only malformed messages is given up after 16 in a row (a framing error: the connection closes)', () => {
    const errors: SipParseError[] = [];
    const p = new StreamParser(undefined, (e) => errors.push(e));
    const bad = (i: number) => msg(`bad${i}`).replace('CSeq: 1 MESSAGE', 'CSeq: 1 INVITE');
    // Interleaved with good ones, malformed messages are skipped for ever.
    for (let i = 0; i < 40; i++) assert.equal(p.push(Buffer.from(bad(i) + msg(`ok${i}`))).length, 1);
    assert.equal(errors.length, 40);
    const q = new StreamParser(undefined, () => {});
    const flood = Buffer.from(Array.from({ length: 2_000 }, (_, i) => bad(i)).join(''));
    assertRejects(() => q.push(flood), 400, /malformed messages in a row/);
  });

  test('a rejected message whose body has not fully arrived is skipped as it comes', () => {
    const errors: SipParseError[] = [];
    const p = new StreamParser(undefined, (e) => errors.push(e));
    const bad = Buffer.from(msg('bad', 'x'.repeat(100)).replace('CSeq: 1 MESSAGE', 'CSeq: 1 INVITE'));
    const headEnd = bad.indexOf('\r\n\r\n') + 4;
    assert.equal(p.push(bad.subarray(0, headEnd + 10)).length, 0);
    assert.equal(errors.length, 1);
    const items = p.push(Buffer.concat([bad.subarray(headEnd + 10), Buffer.from(msg('next'))]));
    assert.deepEqual(ids(items), ['next']);
  });

  test('a peer trickling a large message costs linear time', () => {
    const body = 'b'.repeat(60_000);
    const wire = Buffer.from(msg('slow', body));
    const p = new StreamParser();
    const start = performance.now();
    let got: StreamItem[] = [];
    for (let i = 0; i < wire.length; i += 7) got = got.concat(p.push(wire.subarray(i, i + 7)));
    const ms = performance.now() - start;
    assert.equal(got.length, 1);
    assert.equal((got[0] as SipMessage).body.length, 60_000);
    assert.ok(ms < 2000, `took ${ms} ms`);
  });
});
