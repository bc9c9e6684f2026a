/**
 * The proxy's error paths and call flows against SIPp 3.6 on loopback:
 * 404 (no such user), 480 (a user with no phone registered), 483
 * (Max-Forwards: 0), 407 then a retry with credentials reaching a SIPp callee
 * through the Record-Route, and a CANCEL before the answer reaching the
 * ringing callee (200 to the CANCEL, 487 back to the caller).
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { runSipp, startSipp } from '../harness/sipp.ts';
import { startServerPeer, type ServerPeer } from './server-peer.ts';

const DOMAIN = 'sipa.test';
const scenario = (name: string) => fileURLToPath(new URL(`./scenarios/${name}.xml`, import.meta.url));

describe('parley serve against SIPp', () => {
  let proxy: ServerPeer;

  before(async () => {
    proxy = await startServerPeer({
      domain: DOMAIN,
      // SIPp 3.6 answers the first challenge and only knows MD5: MD5 first here (SHA-256 still offered).
      digestAlgorithms: ['MD5', 'SHA-256'],
      users: [{ username: 'alice', password: 'wonder' }, { username: 'bob', password: 'builder' }, { username: 'carol', password: 'x' }],
    });
  });

  after(async () => {
    await proxy?.close();
  });

  /** Puts a phone at 127.0.0.1:port in bob's bindings, as a REGISTER would. */
  function bindBob(port: number): void {
    const contact = `sip:bob@127.0.0.1:${port}`;
    proxy.server.location.replace(`sip:bob@${DOMAIN}`, [{
      aor: `sip:bob@${DOMAIN}`, key: contact, contact, q: 1, expiresAt: proxy.server.location.now + 60_000,
      callId: 'test', cseq: 1, source: { protocol: 'udp', address: '127.0.0.1', port },
    }]);
  }

  for (const [status, service, mf] of [[404, 'nobody', '70'], [480, 'carol', '70'], [483, 'bob', '0']] as const) {
    test(`${status} for ${service} (Max-Forwards ${mf})`, { timeout: 30_000 }, async () => {
      const r = await runSipp({ scenario: scenario('uac-refused'), remote: `127.0.0.1:${proxy.port}`, service, domain: DOMAIN, keys: { mf }, timeoutMs: 10_000 });
      assert.equal(r.exitCode, 0, `${r.output}\n${r.errors}`);
      assert.match(r.messages, new RegExp(`SIP/2.0 ${status} `), r.messages);
    });
  }

  test('407, then the INVITE with credentials reaches the callee; ACK and BYE follow the Record-Route', { timeout: 30_000 }, async () => {
    const uas = await startSipp({ scenario: 'uas-answer', timeoutMs: 20_000 });
    bindBob(uas.localPort);
    const uac = await runSipp({
      scenario: scenario('uac-auth-call'), remote: `127.0.0.1:${proxy.port}`, service: 'bob', domain: DOMAIN,
      keys: { user: 'alice', realm: DOMAIN }, authUser: 'alice', authPassword: 'wonder', timeoutMs: 15_000,
    });
    const callee = await uas.result;
    assert.equal(uac.exitCode, 0, `${uac.output}\n${uac.errors}\n${uac.messages}`);
    assert.equal(callee.exitCode, 0, `${callee.output}\n${callee.errors}`);
    assert.match(uac.messages, /SIP\/2.0 407 /);
    assert.match(callee.messages, /^Record-Route: <sip:127\.0\.0\.1:\d+;transport=udp;lr>/m);
    assert.match(callee.messages, /^BYE /m);
  });

  test('CANCEL before the answer: the ringing callee gets CANCEL and answers 487, the caller gets 200 and 487', { timeout: 30_000 }, async () => {
    const uas = await startSipp({ scenario: 'uas-cancelled-proxied', timeoutMs: 20_000 });
    bindBob(uas.localPort);
    const uac = await runSipp({ scenario: 'uac-cancel', remote: `127.0.0.1:${proxy.port}`, service: 'bob', domain: DOMAIN, timeoutMs: 15_000 });
    const callee = await uas.result;
    assert.equal(uac.exitCode, 0, `${uac.output}\n${uac.errors}\n${uac.messages}`);
    assert.equal(callee.exitCode, 0, `${callee.output}\n${callee.errors}`);
    assert.match(callee.messages, /^CANCEL /m);
    assert.match(uac.messages, /SIP\/2.0 487 /);
  });
});
