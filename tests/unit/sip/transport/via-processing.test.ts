import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseVia, topVia } from '../../../../electron/sip/message/index.ts';
import {
  addReceivedAndRport, reliableResponseTarget, stampRequestVia, unreliableResponseTarget,
} from '../../../../electron/sip/transport/index.ts';
import { request } from './helpers.ts';

describe('stampRequestVia (RFC 3261 §18.1.1, RFC 3581 §3)', () => {
  it('writes transport and sent-by, adds an empty rport and keeps branch and other Vias', () => {
    const req = request('INVITE', { via: 'SIP/2.0/UDP placeholder.invalid;branch=z9hG4bKs1', extra: ['Via: SIP/2.0/TCP proxy.invalid;branch=z9hG4bKlow'] });
    stampRequestVia(req, 'tls', '::1', 5071);
    const via = topVia(req);
    assert.equal(via.transport, 'TLS');
    assert.equal(via.host, '::1');
    assert.equal(via.port, 5071);
    assert.equal(via.params.get('branch'), 'z9hG4bKs1');
    assert.equal(via.params.get('rport'), null);
    const all = req.headers.getAll('via');
    assert.equal(all.length, 2);
    assert.match(all[0], /\[::1\]:5071/);
    assert.match(all[1], /z9hG4bKlow/);
    stampRequestVia(req, 'udp', '127.0.0.1', 5060); // a re-stamp stays single
    assert.equal(req.headers.getAll('via').length, 2);
    assert.equal(topVia(req).transport, 'UDP');
  });
});

describe('addReceivedAndRport (RFC 3261 §18.2.1, RFC 3581 §4)', () => {
  const cases: Array<[string, string, number, { received?: string; rport?: string | null }]> = [
    ['SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1', '127.0.0.1', 4000, { received: '127.0.0.1' }],
    ['SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1', '127.0.0.1', 4000, {}],
    ['SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1;rport', '127.0.0.1', 4000, { received: '127.0.0.1', rport: '4000' }],
    // A client never fills rport or received itself (RFC 3581 §3): preset values are replaced by the packet's.
    ['SIP/2.0/UDP 127.0.0.1;rport=7;branch=z9hG4bK1', '127.0.0.1', 4000, { received: '127.0.0.1', rport: '4000' }],
    ['SIP/2.0/UDP 127.0.0.1:5060;received=127.0.0.9;rport=7;branch=z9hG4bK1', '127.0.0.1', 4000, { received: '127.0.0.1', rport: '4000' }],
    ['SIP/2.0/UDP 127.0.0.1:5060;received=192.0.2.9;branch=z9hG4bK1', '127.0.0.1', 4000, {}],
    ['SIP/2.0/UDP host.invalid;branch=z9hG4bK1', '127.0.0.1', 4000, { received: '127.0.0.1' }],
    ['SIP/2.0/UDP [0:0:0:0:0:0:0:1]:5060;branch=z9hG4bK1', '::1', 4000, {}],
    ['SIP/2.0/UDP [::1]:5060;branch=z9hG4bK1', '::ffff:127.0.0.1', 4000, { received: '127.0.0.1' }],
    ['SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1', '::ffff:127.0.0.1', 4000, {}],
  ];
  for (const [via, addr, port, want] of cases) {
    it(`${via} from ${addr}:${port}`, () => {
      const req = request('OPTIONS', { via });
      addReceivedAndRport(req, addr, port);
      const v = topVia(req);
      assert.equal(v.params.get('received'), want.received);
      if ('rport' in want) assert.equal(v.params.get('rport'), want.rport);
      else assert.equal(v.params.get('rport'), undefined);
    });
  }
});

describe('response targets (RFC 3261 §18.2.2, RFC 3581 §4)', () => {
  it('unreliable: maddr, then received:rport, then received:port, then sent-by', () => {
    assert.deepEqual(unreliableResponseTarget(parseVia('SIP/2.0/UDP 192.0.2.1:5062;maddr=127.0.0.9;received=127.0.0.2;rport=9')), { address: '127.0.0.9', port: 5062 });
    assert.deepEqual(unreliableResponseTarget(parseVia('SIP/2.0/UDP 192.0.2.1:5062;received=127.0.0.2;rport=9')), { address: '127.0.0.2', port: 9 });
    assert.deepEqual(unreliableResponseTarget(parseVia('SIP/2.0/UDP 192.0.2.1:5062;received=127.0.0.2')), { address: '127.0.0.2', port: 5062 });
    assert.deepEqual(unreliableResponseTarget(parseVia('SIP/2.0/UDP 192.0.2.1;received=::1')), { address: '::1', port: 5060 });
    assert.deepEqual(unreliableResponseTarget(parseVia('SIP/2.0/UDP [::1]:5070')), { address: '::1', port: 5070 });
    assert.equal(unreliableResponseTarget(parseVia('SIP/2.0/UDP host.invalid')), undefined);
  });
  it('reliable: received (or sent-by) at the sent-by port or the default port; rport is ignored', () => {
    assert.deepEqual(reliableResponseTarget(parseVia('SIP/2.0/TCP 192.0.2.1:5072;received=127.0.0.2;rport=9')), { address: '127.0.0.2', port: 5072 });
    assert.deepEqual(reliableResponseTarget(parseVia('SIP/2.0/TLS 127.0.0.3;rport=9')), { address: '127.0.0.3', port: 5061 });
    assert.deepEqual(reliableResponseTarget(parseVia('SIP/2.0/TCP 127.0.0.3')), { address: '127.0.0.3', port: 5060 });
    assert.equal(reliableResponseTarget(parseVia('SIP/2.0/TCP host.invalid')), undefined);
  });
});
