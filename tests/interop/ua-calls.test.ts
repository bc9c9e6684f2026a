/**
 * Parley's calls against real peers on loopback: Kamailio as registrar,
 * record-routing proxy and redirect server, sipp as the other phone.
 * Out through the proxy to a sipp UAS (answer + BYE, CANCEL, busy), in from
 * a sipp UAC (answer, CANCEL, 486/603), a 302 from Kamailio's redirect
 * listener followed, an alias dialled and recognized, OPTIONS both ways,
 * and a 407 from the proxy answered. Every process is stopped by PID in after().
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKamailio } from './harness/kamailio.ts';
import type { KamailioHandle } from './harness/kamailio.ts';
import { groupAlive } from './harness/managed-process.ts';
import { runSipp, startSipp } from './harness/sipp.ts';
import type { IncomingCall } from '../../electron/sip/ua/incoming-call.ts';
import { log, startParley, until } from './parley-peer.ts';
import { startDnsServer } from '../helpers/dns-server.ts';
import { WireDnsResolver } from '../../electron/sip/dns/wire-dns-resolver.ts';
import type { ParleyPeer } from './parley-peer.ts';

const users = [
  { username: 'johndoe', password: 'secret' },
  { username: 'bob', password: 'bobpw' },
];

describe('calls through Kamailio with sipp', () => {
  let kam: KamailioHandle;
  let john: ParleyPeer;
  let onCall: (c: IncomingCall) => void = () => {};

  before(async () => {
    kam = await startKamailio({ users });
    john = await startParley();
    john.ua.addAccount({
      id: 'john', aor: `sip:johndoe@${kam.domain}`, aliases: [`sip:+554845678901@${kam.domain}`, `sip:45678901@${kam.domain}`],
      password: 'secret', outboundProxy: `sip:127.0.0.1:${kam.udpPort}`, registerExpires: 300,
    });
    john.ua.on('incomingCall', (c) => onCall(c));
    john.ua.register('john');
    await until(() => john.ua.registration('john').state === 'registered', 5000, 'johndoe registered');
  });

  after(async () => {
    await john?.ua.unregister('john').catch(() => undefined);
    await john?.close();
    const pid = kam?.pid;
    await kam?.stop();
    if (pid) assert.equal(groupAlive(pid), false);
  });

  test('out through the proxy to a sipp UAS: answered, then our BYE along the record-route', { timeout: 30_000 }, async () => {
    const uas = await startSipp({ scenario: 'uas-answer', timeoutMs: 15_000 });
    try {
      const t0 = performance.now();
      const call = john.ua.call(`sip:service@127.0.0.1:${uas.localPort}`, { accountId: 'john' });
      const states: string[] = [];
      call.on('state', (s) => states.push(s.state));
      await until(() => call.state === 'active', 5000, 'answered');
      log(`INVITE→200 through Kamailio to sipp in ${(performance.now() - t0).toFixed(1)} ms`);
      assert.deepEqual(states, ['ringing', 'connecting', 'active']);
      const invite = john.sent(/^INVITE /)[0]!;
      assert.equal(invite.remote.port, kam.udpPort, 'sent to the outbound proxy');
      assert.match(invite.text, new RegExp(`\\r\\nRoute: <sip:127\\.0\\.0\\.1:${kam.udpPort};lr>\\r\\n`));
      await call.hangup();
      assert.equal(call.end?.cause, 'local-hangup');
      assert.equal(call.end?.outcome?.status, 200);
      const bye = john.sent(/^BYE /).at(-1)!;
      assert.equal(bye.remote.port, kam.udpPort, 'the BYE follows the Record-Route through Kamailio');
      const r = await uas.result;
      assert.equal(r.exitCode, 0, r.errors || r.output.slice(-1500));
    } finally {
      await uas.stop();
    }
  });

  test('in from a sipp UAC through Kamailio: rung, answered, ended by the caller\'s BYE', { timeout: 30_000 }, async () => {
    const calls: IncomingCall[] = [];
    onCall = (c) => {
      calls.push(c);
      c.ring();
      // Answer a moment after ringing: Kamailio's workers may relay a 180 and a 200 sent back to back
      // out of order, and tm drops a provisional that comes after the final answer.
      setTimeout(() => void c.accept(), 50);
    };
    const r = await runSipp({ scenario: 'uac-invite-bye', remote: `127.0.0.1:${kam.udpPort}`, service: 'johndoe', domain: kam.domain, pauseMs: 300, timeoutMs: 15_000 });
    assert.equal(r.exitCode, 0, r.errors || r.output.slice(-1500));
    assert.equal(calls.length, 1);
    await until(() => calls[0]!.isEnded, 3000, 'the call to end');
    assert.equal(calls[0]!.end?.cause, 'remote-hangup');
    assert.equal(calls[0]!.calledAlias, `sip:johndoe@${kam.domain}`);
    assert.match(r.messages, /SIP\/2\.0 180 Ringing/);
    assert.match(r.messages, /Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, INFO, REFER, NOTIFY/);
  });

  test('CANCEL out: our call to a ringing sipp UAS is cancelled (487)', { timeout: 30_000 }, async () => {
    const uas = await startSipp({ scenario: 'uas-cancelled-proxied', timeoutMs: 15_000 });
    try {
      const call = john.ua.call(`sip:service@127.0.0.1:${uas.localPort}`, { accountId: 'john' });
      await until(() => call.state === 'ringing', 5000, 'ringing');
      call.cancel();
      await until(() => call.isEnded, 5000, 'cancelled');
      assert.equal(call.end?.cause, 'cancelled');
      assert.equal(call.end?.outcome?.status, 487);
      const r = await uas.result;
      assert.equal(r.exitCode, 0, r.errors || r.output.slice(-1500));
    } finally {
      await uas.stop();
    }
  });

  test('CANCEL in: a sipp UAC cancels while we ring', { timeout: 30_000 }, async () => {
    const calls: IncomingCall[] = [];
    onCall = (c) => {
      calls.push(c);
      c.ring();
    };
    const r = await runSipp({ scenario: 'uac-cancel', remote: `127.0.0.1:${kam.udpPort}`, service: 'johndoe', domain: kam.domain, timeoutMs: 15_000 });
    assert.equal(r.exitCode, 0, r.errors || r.output.slice(-1500));
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.end?.cause, 'cancelled');
    assert.equal(calls[0]!.end?.by, 'remote');
  });

  test('busy out: a sipp UAS answers 486, we end with "busy"', { timeout: 30_000 }, async () => {
    const uas = await startSipp({ scenario: 'uas-busy', timeoutMs: 15_000 });
    try {
      const call = john.ua.call(`sip:service@127.0.0.1:${uas.localPort}`, { accountId: 'john' });
      await until(() => call.isEnded, 5000, 'ended');
      assert.equal(call.end?.cause, 'rejected');
      assert.equal(call.end?.outcome?.description, 'busy (486 "Busy Here")');
      const r = await uas.result;
      assert.equal(r.exitCode, 0, r.errors || r.output.slice(-1500));
    } finally {
      await uas.stop();
    }
  });

  for (const status of [486, 603]) {
    test(`declined in with ${status}: the sipp caller gets ${status}`, { timeout: 30_000 }, async () => {
      onCall = (c) => c.decline(status);
      const r = await runSipp({ scenario: 'uac-rejected', remote: `127.0.0.1:${kam.udpPort}`, service: 'johndoe', domain: kam.domain, timeoutMs: 15_000 });
      assert.equal(r.exitCode, 0, r.errors || r.output.slice(-1500));
      assert.match(r.messages, new RegExp(`SIP/2\\.0 ${status} ${status === 486 ? 'Busy Here' : 'Decline'}`));
    });
  }

  test('a 302 from Kamailio\'s redirect listener (found by DNS SRV) is followed to the registered phone', { timeout: 30_000 }, async () => {
    // sipA.test's SIP service is the redirect listener: RFC 3263 finds it through a loopback DNS server.
    const dns = await startDnsServer({
      'sipA.test': { A: ['127.0.0.1'] },
      '_sip._udp.sipA.test': { SRV: [{ priority: 10, weight: 1, port: kam.redirectPort, target: 'redirect.sipA.test' }] },
      'redirect.sipA.test': { A: ['127.0.0.1'] },
    });
    const caller = await startParley({ options: { dnsResolver: new WireDnsResolver({ servers: [dns.endpoint] }) } });
    try {
      caller.ua.addAccount({ id: 'c', aor: `sip:bob@${kam.domain}`, registerExpires: 0 });
      const calls: IncomingCall[] = [];
      onCall = (c) => {
        calls.push(c);
        void c.accept();
      };
      const call = caller.ua.call(`sip:45678901@${kam.domain}`, { accountId: 'c' });
      const redirected: string[] = [];
      call.on('redirected', (r) => redirected.push(`${r.outcome.status} ${r.target}`));
      await until(() => call.state === 'active', 5000, 'answered after the redirect');
      assert.deepEqual(redirected, [`302 sip:johndoe@127.0.0.1:${kam.udpPort}`]);
      assert.equal(calls[0]!.calledAlias, `sip:45678901@${kam.domain}`, 'the alias dialled, from To');
      await call.hangup();
      await until(() => calls[0]!.isEnded, 3000, 'callee ended');
      assert.equal(calls[0]!.end?.cause, 'remote-hangup');
      assert.ok(dns.count('_sip._udp.sipA.test', 'SRV') >= 1, 'the SRV record was asked for');
      assert.equal(caller.sent(/^INVITE /)[0]!.remote.port, kam.redirectPort);
    } finally {
      await caller.close();
      await dns.close();
    }
  });

  test('calling an alias: bob dials +554845678901 and johndoe\'s phone learns which alias was called', { timeout: 30_000 }, async () => {
    const bob = await startParley();
    try {
      bob.ua.addAccount({ id: 'bob', aor: `sip:bob@${kam.domain}`, password: 'bobpw', outboundProxy: `sip:127.0.0.1:${kam.udpPort}`, registerExpires: 300 });
      bob.ua.register('bob');
      await until(() => bob.ua.registration('bob').state === 'registered', 5000, 'bob registered');
      const calls: IncomingCall[] = [];
      onCall = (c) => {
        calls.push(c);
        void c.accept();
      };
      const call = bob.ua.call('+554845678901', { accountId: 'bob' });
      await until(() => call.state === 'active', 5000, 'answered');
      const inc = calls[0]!;
      assert.equal(inc.calledAlias, `sip:+554845678901@${kam.domain}`);
      assert.equal(inc.account.id, 'john');
      assert.equal(inc.remote.uri, `sip:bob@${kam.domain}`);
      assert.match(inc.request.uri, /^sip:johndoe@127\.0\.0\.1:\d+$/, 'the proxy rewrote the Request-URI to our contact');
      await inc.hangup();
      await until(() => call.isEnded, 3000, 'caller ended');
      assert.equal(call.end?.cause, 'remote-hangup');
      await bob.ua.unregister('bob');
    } finally {
      await bob.close();
    }
  });

  test('OPTIONS: to Kamailio itself, and through it to our phone (Allow/Accept/Supported)', { timeout: 30_000 }, async () => {
    const ping = await john.ua.sendOptions('john', `sip:127.0.0.1:${kam.udpPort}`);
    assert.equal(ping.outcome.status, 200);
    assert.equal(ping.outcome.reason, 'Keepalive');
    const other = await startParley();
    try {
      other.ua.addAccount({ id: 'o', aor: `sip:bob@${kam.domain}`, outboundProxy: `sip:127.0.0.1:${kam.udpPort}`, registerExpires: 0 });
      const res = await other.ua.sendOptions('o', `sip:45678901@${kam.domain}`);
      assert.equal(res.outcome.status, 200);
      assert.ok(res.headers.Allow?.join(',').includes('REFER'));
      assert.match(res.headers.Accept?.join(',') ?? '', /application\/sdp/);
      assert.equal((await other.ua.sendOptions('o', `sip:nobody@${kam.domain}`)).outcome.words, 'no such user');
    } finally {
      await other.close();
    }
  });
});

describe('a proxy that authenticates calls (407)', () => {
  let kam: KamailioHandle;
  let john: ParleyPeer;
  before(async () => {
    kam = await startKamailio({ users, authenticateCalls: true, ipv6: false });
    john = await startParley();
  });
  after(async () => {
    await john?.close();
    await kam?.stop();
  });

  test('our INVITE is challenged with 407 and answered; a wrong password ends the call with 407 in words', { timeout: 30_000 }, async () => {
    const uas = await startSipp({ scenario: 'uas-answer', timeoutMs: 15_000 });
    try {
      john.ua.addAccount({ id: 'ok', aor: `sip:johndoe@${kam.domain}`, password: 'secret', outboundProxy: `sip:127.0.0.1:${kam.udpPort}`, registerExpires: 0 });
      const call = john.ua.call(`sip:service@127.0.0.1:${uas.localPort}`, { accountId: 'ok' });
      await until(() => call.state === 'active', 5000, 'answered');
      const invites = john.sent(/^INVITE /);
      assert.equal(invites.length, 2);
      assert.match(invites[1]!.text, /\r\nProxy-Authorization: Digest <redacted>\r\n/);
      await call.hangup();
      assert.equal((await uas.result).exitCode, 0);
    } finally {
      await uas.stop();
    }
    john.ua.addAccount({ id: 'bad', aor: `sip:johndoe@${kam.domain}`, password: 'wrong', outboundProxy: `sip:127.0.0.1:${kam.udpPort}`, registerExpires: 0 });
    const bad = john.ua.call('sip:service@127.0.0.1:9', { accountId: 'bad' });
    await until(() => bad.isEnded, 5000, 'refused');
    assert.equal(bad.end?.outcome?.status, 407);
    assert.equal(bad.end?.outcome?.words, 'authentication failed at the proxy: check the user name and password');
  });
});
