/**
 * STUN codec against the RFC 5769 test vectors, round trips, hostile input,
 * and the Binding client's RFC 8489 §6.2.1 retransmission schedule on a fake clock.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  StunAttr, StunBindingClient, StunErrorResponse, StunParseError, StunTimeoutError, StunType, attribute, decodeStun, encodeStun, fingerprintValid,
  integrityValid, isStun, mappedAddress, xorAddressAttribute,
} from '../../../electron/net/stun/index.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 5769 §2.1: sample request (short-term credentials, password "VOkJxbRl1RmTxUk/WvJxBt").
const request = hex(`
  0001 0058 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 0010 5354554e 20746573 7420636c 69656e74
  0024 0004 6e0001ff
  8029 0008 932ff9b1 51263b36
  0006 0009 6576746a 3a683676 59202020
  0008 0014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
  8028 0004 e57a3bcf`);
// RFC 5769 §2.2: sample IPv4 response, mapped address 192.0.2.1:32853.
const response4 = hex(`
  0101 003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 000b 74657374 20766563 746f7220
  0020 0008 0001a147 e112a643
  0008 0014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  8028 0004 c07d4c96`);
const password = 'VOkJxbRl1RmTxUk/WvJxBt';

describe('STUN messages (RFC 8489)', () => {
  it('reads the RFC 5769 sample request: attributes, integrity and fingerprint', () => {
    assert.ok(isStun(request));
    const m = decodeStun(request);
    assert.equal(m.type, StunType.bindingRequest);
    assert.equal(attribute(m, StunAttr.username)?.toString(), 'evtj:h6vY');
    assert.equal(attribute(m, StunAttr.priority)?.readUInt32BE(0), 0x6e0001ff);
    assert.ok(fingerprintValid(request));
    assert.ok(integrityValid(request, password));
    assert.ok(!integrityValid(request, 'wrong'));
  });

  it('reads the RFC 5769 IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853', () => {
    const m = decodeStun(response4);
    assert.equal(m.type, StunType.bindingSuccess);
    assert.deepEqual(mappedAddress(m), { family: 4, address: '192.0.2.1', port: 32853 });
    assert.ok(fingerprintValid(response4));
    assert.ok(integrityValid(response4, password));
  });

  it('writes what it reads: XOR addresses (v4 and v6), integrity, fingerprint', () => {
    const tid = Buffer.alloc(12, 7);
    for (const addr of [
      { family: 4 as const, address: '198.51.100.101', port: 5060 },
      { family: 6 as const, address: '2001:db8::1:0:0:1', port: 40000 },
    ]) {
      const bytes = encodeStun({ type: StunType.bindingSuccess, transactionId: tid, attributes: [xorAddressAttribute(addr, tid)] }, { integrityKey: 'k' });
      assert.ok(isStun(bytes));
      assert.ok(fingerprintValid(bytes));
      assert.ok(integrityValid(bytes, 'k'));
      assert.deepEqual(mappedAddress(decodeStun(bytes)), addr);
      const broken = Buffer.from(bytes);
      broken[broken.length - 1] ^= 1;
      assert.ok(!fingerprintValid(broken));
    }
  });

  it('tells SIP from STUN on a shared port, and never throws anything but StunParseError', () => {
    assert.ok(!isStun(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\n\r\n')));
    assert.ok(!isStun(Buffer.from('\r\n\r\n')));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const b = Buffer.from(bytes);
        if (b.length >= 8) b.writeUInt32BE(0x2112a442, 4);
        if (b.length >= 4) b.writeUInt16BE(Math.max(0, b.length - 20) & ~3, 2);
        if (b.length >= 1) b[0] = b[0]! & 0x3f;
        try {
          decodeStun(b);
        } catch (err) {
          assert.ok(err instanceof StunParseError, String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('STUN Binding client (RFC 8489 §6.2.1)', () => {
  it('retransmits at 0, 500, 1500, 3500… ms and gives up 16 RTO after the 7th request', async () => {
    const clock = new FakeClock();
    const client = new StunBindingClient(clock);
    const sentAt: number[] = [];
    const result = client.request({ send: () => void sentAt.push(clock.now()) });
    const seen: { failure?: unknown } = {};
    result.catch((e: unknown) => (seen.failure = e));
    clock.advance(31_500 + 8_000 - 1);
    await Promise.resolve();
    assert.deepEqual(sentAt, [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.equal(seen.failure, undefined, 'still waiting for the last answer');
    clock.advance(1);
    await Promise.resolve();
    const failure: unknown = Reflect.get(seen, 'failure');
    assert.ok(failure instanceof StunTimeoutError);
    assert.equal(client.pending, 0);
  });

  it('resolves with the mapped address of the matching answer; ignores strangers; maps error answers', async () => {
    const clock = new FakeClock();
    const client = new StunBindingClient(clock);
    let sent: Buffer | undefined;
    const p = client.request({ send: (d) => void (sent = d), rtoMs: 100 });
    const req = decodeStun(sent!);
    const other = encodeStun({ type: StunType.bindingSuccess, transactionId: Buffer.alloc(12), attributes: [] });
    assert.equal(client.receive(other), false);
    clock.advance(40);
    const addr = { family: 4 as const, address: '203.0.113.9', port: 61000 };
    assert.equal(client.receive(encodeStun({ type: StunType.bindingSuccess, transactionId: req.transactionId, attributes: [xorAddressAttribute(addr, req.transactionId)] })), true);
    const r = await p;
    assert.deepEqual(r.mapped, addr);
    assert.equal(r.rttMs, 40);

    const q = client.request({ send: (d) => void (sent = d) });
    const tid = decodeStun(sent!).transactionId;
    const err = Buffer.from([0, 0, 4, 20, ...Buffer.from('Unauthorized')]);
    client.receive(encodeStun({ type: StunType.bindingError, transactionId: tid, attributes: [{ type: StunAttr.errorCode, value: err }] }));
    await assert.rejects(q, (e: unknown) => e instanceof StunErrorResponse && e.code === 420);
  });
});
