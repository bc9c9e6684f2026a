import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cheapestRunMs } from '../../../helpers/cost-bound.ts';
import { parseSdp } from '../../../../electron/media/sdp/sdp-parser.ts';
import { serializeSdp } from '../../../../electron/media/sdp/sdp-serializer.ts';
import { SdpError } from '../../../../electron/media/sdp/sdp-error.ts';
import { hasRtcpMux, mediaDirection, packetTime, rtcpAttribute, rtpFormats } from '../../../../electron/media/sdp/sdp-attributes.ts';

const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';

// In the style of Asterisk 20's offer.
const ASTERISK = crlf([
  'v=0',
  'o=- 1467183186 1467183186 IN IP4 192.0.2.10',
  's=Asterisk',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 12058 RTP/AVP 0 8 9 111 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 useinbandfec=1',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=maxptime:150',
  'a=sendrecv',
]);

function assertSdpError(fn: () => unknown, code: string, pattern?: RegExp): SdpError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SdpError, `expected SdpError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (pattern) assert.match(caught.message, pattern);
  return caught;
}

describe('SDP parser', () => {
  it('reads a typical offer', () => {
    const sdp = parseSdp(ASTERISK);
    assert.equal(sdp.origin.sessionVersion, '1467183186');
    assert.equal(sdp.connection?.address, '192.0.2.10');
    assert.equal(sdp.media.length, 1);
    const m = sdp.media[0]!;
    assert.deepEqual([m.type, m.port, m.protocol, m.formats], ['audio', 12058, 'RTP/AVP', ['0', '8', '9', '111', '101']]);
    const formats = rtpFormats(m);
    assert.deepEqual(
      formats.map((f) => `${f.payloadType} ${f.name}/${f.clockRate}/${f.channels}`),
      ['0 PCMU/8000/1', '8 PCMA/8000/1', '9 G722/8000/1', '111 opus/48000/2', '101 telephone-event/8000/1'],
    );
    assert.deepEqual(formats[3]!.parameters, { useinbandfec: '1' });
    assert.equal(formats[4]!.fmtp, '0-16');
    assert.equal(packetTime(m), 20);
    assert.equal(mediaDirection(m, sdp), 'sendrecv');
  });

  it('serializes back to the same text, keeping rtpmap/fmtp interleaved', () => {
    assert.equal(serializeSdp(parseSdp(ASTERISK)), ASTERISK);
  });

  it('knows static payload types without rtpmap (RFC 3551)', () => {
    const sdp = parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 0 8 9 18 97']));
    assert.deepEqual(rtpFormats(sdp.media[0]!).map((f) => f.name), ['PCMU', 'PCMA', 'G722', 'G729']); // 97 has no rtpmap: skipped
  });

  it('accepts LF-only line ends, blank lines, and defaults a missing s= and t=', () => {
    const sdp = parseSdp('v=0\no=- 1 2 IN IP4 10.0.0.1\n\nc=IN IP4 10.0.0.1\nm=audio 5000 RTP/AVP 0\n');
    assert.equal(sdp.sessionName, '-');
    assert.deepEqual(sdp.timings, [{ start: '0', stop: '0', repeats: [] }]);
  });

  it('reads media-level c=, a=rtcp with address, rtcp-mux, direction and IPv6', () => {
    const sdp = parseSdp(crlf(['v=0', 'o=- 1 1 IN IP6 ::1', 's=-', 't=0 0', 'm=audio 5000 RTP/AVP 0', 'c=IN IP6 2001:db8::5', 'a=rtcp:5003 IN IP6 2001:db8::6', 'a=rtcp-mux', 'a=recvonly']));
    const m = sdp.media[0]!;
    assert.equal(m.connection?.address, '2001:db8::5');
    assert.deepEqual(rtcpAttribute(m), { port: 5003, addressType: 'IP6', address: '2001:db8::6' });
    assert.equal(hasRtcpMux(m), true);
    assert.equal(mediaDirection(m, sdp), 'recvonly');
  });

  it('takes the session-level direction when the media has none', () => {
    const sdp = parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 'c=IN IP4 1.2.3.4', 't=0 0', 'a=sendonly', 'm=audio 5000 RTP/AVP 0']));
    assert.equal(mediaDirection(sdp.media[0]!, sdp), 'sendonly');
  });

  it('keeps unknown attributes and skips unknown line letters', () => {
    const sdp = parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 'c=IN IP4 1.2.3.4', 't=0 0', 'x=whatever', 'a=group:BUNDLE 0', 'm=audio 5000 RTP/AVP 0', 'a=x-custom:a:b:c', 'a=ice-lite']));
    assert.deepEqual(sdp.attributes, [{ name: 'group', value: 'BUNDLE 0' }]);
    assert.deepEqual(sdp.media[0]!.attributes, [{ name: 'x-custom', value: 'a:b:c' }, { name: 'ice-lite' }]);
  });
});

describe('SDP parser against hostile and broken input', () => {
  const base = ['v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 'c=IN IP4 1.2.3.4', 't=0 0'];

  it('not a string, empty, or not SDP at all', () => {
    assertSdpError(() => parseSdp(undefined as unknown as string), 'invalid-input');
    assertSdpError(() => parseSdp(42 as unknown as string), 'invalid-input');
    assertSdpError(() => parseSdp(''), 'missing');
    assertSdpError(() => parseSdp('\r\n\r\n'), 'missing');
    assertSdpError(() => parseSdp('<html><body>hello</body></html>'), 'syntax');
    assertSdpError(() => parseSdp('o=- 1 1 IN IP4 1.2.3.4\r\n'), 'missing', /start with v=/);
    assertSdpError(() => parseSdp('v=1\r\n'), 'syntax');
    assertSdpError(() => parseSdp('v=0\r\n'), 'missing', /o=/);
    assertSdpError(() => parseSdp('v=0\r\ns=-\r\n'), 'missing', /o= must follow/);
  });

  it('malformed o=, c=, b=, t=', () => {
    assertSdpError(() => parseSdp(crlf(['v=0', 'o=- 1 IN IP4 1.2.3.4'])), 'syntax', /six fields/);
    assertSdpError(() => parseSdp(crlf(['v=0', 'o=- 1 abc IN IP4 1.2.3.4'])), 'syntax', /not numeric/);
    assertSdpError(() => parseSdp(crlf([...base, 'c=IN IP5 1.2.3.4'])), 'syntax');
    assertSdpError(() => parseSdp(crlf([...base, 'c=ATM NSAP 1'])), 'syntax');
    assertSdpError(() => parseSdp(crlf([...base, 'c=IN IP4 1.2.3.4;rm -rf'])), 'syntax');
    assertSdpError(() => parseSdp(crlf([...base, 'b=AS'])), 'syntax');
    assertSdpError(() => parseSdp(crlf([...base, 'b=AS:lots'])), 'syntax');
    assertSdpError(() => parseSdp(crlf([...base, 't=now later'])), 'syntax');
  });

  it('bad ports', () => {
    for (const port of ['70000', '-1', 'abc', '5000.5', '', '99999999999999999999', '0x10']) {
      assertSdpError(() => parseSdp(crlf([...base, `m=audio ${port} RTP/AVP 0`])), 'syntax');
    }
    assertSdpError(() => parseSdp(crlf([...base, 'm=audio 5000/0 RTP/AVP 0'])), 'syntax');
  });

  it('non-numeric or out-of-range RTP payload types', () => {
    assertSdpError(() => parseSdp(crlf([...base, 'm=audio 5000 RTP/AVP foo'])), 'syntax', /payload type/);
    assertSdpError(() => parseSdp(crlf([...base, 'm=audio 5000 RTP/AVP 0 128'])), 'syntax', /payload type/);
    assertSdpError(() => parseSdp(crlf([...base, 'm=audio 5000 RTP/SAVP -1'])), 'syntax');
    assertSdpError(() => parseSdp(crlf([...base, 'm=audio 5000 RTP/AVP'])), 'syntax'); // no format at all
    // non-RTP transports may use tokens (RFC 4566 §5.14)
    assert.equal(parseSdp(crlf([...base, 'm=application 5000 UDP/BFCP *'])).media[0]!.formats[0], '*');
  });

  it('malformed rtpmap and fmtp', () => {
    assertSdpError(() => parseSdp(crlf([...base, 'm=audio 5000 RTP/AVP 96', 'a=rtpmap:96 opus'])), 'syntax', /rtpmap/);
    assertSdpError(() => parseSdp(crlf([...base, 'm=audio 5000 RTP/AVP 96', 'a=rtpmap:300 opus/48000'])), 'syntax');
    assertSdpError(() => parseSdp(crlf([...base, 'm=audio 5000 RTP/AVP 96', 'a=rtpmap:96 opus/0'])), 'syntax');
    assertSdpError(() => parseSdp(crlf([...base, 'm=audio 5000 RTP/AVP 96', 'a=rtpmap:96 opus/48000/99'])), 'syntax');
    assertSdpError(() => parseSdp(crlf([...base, 'm=audio 5000 RTP/AVP 96', 'a=fmtp:x useinbandfec=1'])), 'syntax', /fmtp/);
  });

  it('missing c= for an active stream, but not for a rejected one', () => {
    const noC = ['v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 't=0 0'];
    assertSdpError(() => parseSdp(crlf([...noC, 'm=audio 5000 RTP/AVP 0'])), 'missing', /c=/);
    assert.equal(parseSdp(crlf([...noC, 'm=audio 0 RTP/AVP 0'])).media[0]!.port, 0);
    assert.equal(parseSdp(crlf([...noC, 'm=audio 5000 RTP/AVP 0', 'c=IN IP4 1.2.3.4'])).media[0]!.port, 5000);
  });

  it('control characters and lines that are not <letter>=<value>', () => {
    assertSdpError(() => parseSdp(crlf([...base, 'a=tool:x\u0000y'])), 'syntax');
    assertSdpError(() => parseSdp(crlf([...base, 'A=uppercase'])), 'syntax');
    assertSdpError(() => parseSdp(crlf([...base, 'a'])), 'syntax');
    assertSdpError(() => parseSdp(crlf([...base, 'm=audio 5000 RTP/AVP 0', 'a=bad name'])), 'syntax');
    assertSdpError(() => parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 'r=7d 1h 0 25h'])), 'syntax', /r= without t=/);
  });

  it('limits: huge line counts, long lines, too many bytes, 10 000 m-lines, attribute floods', () => {
    const many = crlf([...base, ...Array.from({ length: 5000 }, (_, i) => `a=x${i}`)]);
    assertSdpError(() => parseSdp(many, { maxBytes: 1_000_000 }), 'limit', /lines/);
    assertSdpError(() => parseSdp(crlf([...base, 'a=tool:' + 'x'.repeat(5000)])), 'limit', /exceeds/);
    assertSdpError(() => parseSdp('v=0\r\n' + 'a=x\r\n'.repeat(20_000)), 'limit', /characters/);
    const mLines = crlf([...base, ...Array.from({ length: 10_000 }, (_, i) => `m=audio ${1000 + i} RTP/AVP 0`)]);
    const ms = cheapestRunMs(() => assertSdpError(() => parseSdp(mLines, { maxBytes: 10_000_000, maxLines: 20_000 }), 'limit', /m= lines/), 200);
    assert.ok(ms < 200, `fails fast (took ${ms} ms)`);
    const attrs = crlf([...base, 'm=audio 5000 RTP/AVP 0', ...Array.from({ length: 300 }, () => 'a=sendrecv')]);
    assertSdpError(() => parseSdp(attrs), 'limit', /attributes/);
    const formats = crlf([...base, `m=audio 5000 RTP/AVP ${Array.from({ length: 200 }, () => '0').join(' ')}`]);
    assertSdpError(() => parseSdp(formats), 'limit', /formats/);
  });

  it('a huge SDP of default size limits is rejected before splitting', () => {
    const huge = 'v=0\r\n' + 'x'.repeat(50_000_000);
    const ms = cheapestRunMs(() => assertSdpError(() => parseSdp(huge), 'limit'), 100);
    assert.ok(ms < 100, `rejected in ${ms} ms`);
  });

  it('random strings never throw anything but SdpError (fast-check)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        try {
          parseSdp(text);
        } catch (err) {
          assert.ok(err instanceof SdpError, `unexpected ${String(err)}`);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('random line soups built from SDP fragments never throw anything but SdpError (fast-check)', () => {
    const line = fc.oneof(
      fc.constantFrom('v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 'c=IN IP4 1.2.3.4', 't=0 0', 'm=audio 5000 RTP/AVP 0 96', 'a=rtpmap:96 opus/48000/2', 'a=fmtp:96 a=b', 'a=rtcp-mux', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x', 'm=video 0 RTP/AVP 31', 'r=1 2 3', 'b=AS:64'),
      fc.string({ maxLength: 30 }).map((s) => `a=${s}`),
      fc.string({ maxLength: 30 }).map((s) => `m=${s}`),
      fc.string({ maxLength: 30 }).map((s) => `c=${s}`),
      fc.string({ maxLength: 30 }).map((s) => `o=${s}`),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), (lines) => {
        try {
          const sdp = parseSdp(['v=0', 'o=- 1 1 IN IP4 1.2.3.4', ...lines].join('\r\n'));
          parseSdp(serializeSdp(sdp)); // what we parsed, we can write and read again
        } catch (err) {
          assert.ok(err instanceof SdpError, `unexpected ${String(err)}`);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
