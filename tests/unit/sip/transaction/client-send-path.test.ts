import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientSendPath } from '../../../../electron/sip/transaction/client-send-path.ts';

describe('ClientSendPath (RFC 3261 §18.1.1)', () => {
  it('starts reliable exactly when the target is not UDP', () => {
    assert.equal(new ClientSendPath({ protocol: 'udp', address: '127.0.0.2', port: 5060 }).reliable, false);
    assert.equal(new ClientSendPath({ protocol: 'tcp', address: '127.0.0.2', port: 5060 }).reliable, true);
  });

  it('a UDP send that left over TCP switches the path once and keeps the stream', () => {
    const path = new ClientSendPath({ protocol: 'udp', address: '127.0.0.2', port: 5060, serverName: 'x' });
    assert.equal(path.follow({ protocol: 'udp', address: '127.0.0.2', port: 5060 }), false);
    assert.equal(path.target.protocol, 'udp');
    const used = { protocol: 'tcp' as const, address: '127.0.0.2', port: 5060, connectionId: 'c1' };
    assert.equal(path.follow(used), true);
    assert.equal(path.reliable, true);
    assert.deepEqual(path.target, { protocol: 'tcp', address: '127.0.0.2', port: 5060, serverName: 'x', connectionId: 'c1' });
    assert.equal(path.follow(used), false, 'already reliable: nothing more to stop');
  });

  it('a stream send keeps the earlier connection id when the transport reports none', () => {
    const path = new ClientSendPath({ protocol: 'tcp', address: '127.0.0.2', port: 5060, connectionId: 'c0' });
    assert.equal(path.follow({ protocol: 'tcp', address: '127.0.0.2', port: 5060 }), false);
    assert.equal(path.target.connectionId, 'c0');
    path.follow({ protocol: 'tcp', address: '127.0.0.2', port: 5060, connectionId: 'c2' });
    assert.equal(path.target.connectionId, 'c2');
  });
});
