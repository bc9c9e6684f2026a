/**
 * ICE in SDP (RFC 8839) and the RTP socket's demultiplexing (RFC 7983): our
 * lines go into a built offer with the default candidate in c=/m=; a peer's
 * ICE is used only when it is complete and consistent.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyLocalIce, readRemoteIce } from '../../../../electron/media/sdp/ice-sdp.ts';
import { parseSdp } from '../../../../electron/media/sdp/sdp-parser.ts';
import { serializeSdp } from '../../../../electron/media/sdp/sdp-serializer.ts';
import { classifyMediaPacket } from '../../../../electron/media/rtp/packet-demux.ts';
import { encodeStun, newTransactionId, StunType } from '../../../../electron/net/stun/index.ts';

const offer = (extra: string, c = '198.51.100.7', port = 4000) => [
  'v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', `c=IN IP4 ${c}`, 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', extra, '',
].filter((l) => l !== '').join('\r\n') + '\r\n';

const ICE = 'a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl';

describe('ICE in SDP', () => {
  test('our candidates, credentials and default candidate go into the description', () => {
    const sdp = applyLocalIce(parseSdp(offer('a=sendrecv')), {
      ufrag: 'uf12', pwd: 'p'.repeat(24), defaultAddress: '198.51.100.20', defaultPort: 49200, attributes: true,
      candidates: [{ foundation: 'f1', component: 1, priority: 16777215, address: '198.51.100.20', port: 49200, type: 'relay', relatedAddress: '198.51.100.101', relatedPort: 4000 }],
    });
    const text = serializeSdp(sdp);
    assert.match(text, /c=IN IP4 198\.51\.100\.20/);
    assert.match(text, /m=audio 49200 /);
    assert.match(text, /a=candidate:f1 1 UDP 16777215 198\.51\.100\.20 49200 typ relay raddr 198\.51\.100\.101 rport 4000/);
    assert.match(text, /a=ice-ufrag:uf12\r\na=ice-pwd:p{24}/);
    assert.match(text, /a=end-of-candidates/);
    const plain = serializeSdp(applyLocalIce(parseSdp(offer('a=sendrecv')), { ufrag: 'uf12', pwd: 'p'.repeat(24), defaultAddress: '198.51.100.20', defaultPort: 49200, attributes: false, candidates: [] }));
    assert.doesNotMatch(plain, /ice-ufrag|candidate/, 'an answer to an offer without ICE carries no ICE lines');
    assert.match(plain, /c=IN IP4 198\.51\.100\.20/);
  });

  test("a peer's ICE is read when complete; an ALG-rewritten address, short credentials or an RTCP component without rtcp-mux mean plain RTP", () => {
    const good = readRemoteIce(offer(`${ICE}\r\na=candidate:1 1 UDP 2130706431 198.51.100.7 4000 typ host\r\na=rtcp-mux`));
    assert.equal(good?.ufrag, 'abcd');
    assert.equal(good?.candidates.length, 1);
    assert.equal(readRemoteIce(offer(`${ICE}\r\na=candidate:1 1 UDP 2130706431 198.51.100.8 4000 typ host`)), undefined, 'ice-mismatch');
    assert.equal(readRemoteIce(offer('a=ice-ufrag:ab\r\na=ice-pwd:short\r\na=candidate:1 1 UDP 1 198.51.100.7 4000 typ host')), undefined);
    assert.equal(readRemoteIce(offer(`${ICE}\r\na=candidate:1 1 UDP 2130706431 198.51.100.7 4000 typ host\r\na=candidate:1 2 UDP 2130706430 198.51.100.7 4001 typ host`)), undefined);
    assert.equal(readRemoteIce('garbage'), undefined);
    assert.equal(readRemoteIce(offer('a=sendrecv')), undefined);
  });

  test('RFC 7983: the first byte tells STUN, DTLS, TURN ChannelData and RTP apart', () => {
    assert.equal(classifyMediaPacket(encodeStun({ type: StunType.bindingRequest, transactionId: newTransactionId(), attributes: [] })), 'stun');
    assert.equal(classifyMediaPacket(Buffer.from([22, 254, 253, 0])), 'dtls');
    assert.equal(classifyMediaPacket(Buffer.from([0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4])), 'turn-channel');
    assert.equal(classifyMediaPacket(Buffer.from([0x80, 0, 0, 1])), 'rtp');
    assert.equal(classifyMediaPacket(Buffer.alloc(0)), 'unknown');
    assert.equal(classifyMediaPacket(Buffer.from([0xff])), 'unknown');
  });
});
