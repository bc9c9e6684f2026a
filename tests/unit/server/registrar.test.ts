/**
 * The registrar over real UDP on loopback (RFC 3261 §10.3): digest with
 * SHA-256 and MD5, replayed credentials refused (sip/auth's DigestNonces), Min-Expires/423, several
 * bindings with q listed in the 200, aliases reaching one AOR, `*` removal,
 * out-of-order CSeq, RFC 5626 instance/reg-id kept, the location table
 * surviving a restart, wrong passwords blocking the source, malformed
 * requests answered 400 and counted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomToken } from '../../interop/harness/raw-sip.ts';
import { DOMAIN, answerChallenge, register, registerRequest, startKit, type Kit } from './server-kit.ts';

describe('registrar', () => {
  let kit: Kit;
  before(async () => {
    kit = await startKit();
  });
  after(async () => {
    await kit?.close();
  });

  test('challenges with SHA-256 first and MD5, and accepts either', async () => {
    const first = await kit.client.transact(registerRequest(kit, {}), kit.port);
    assert.equal(first?.status, 401);
    const challenges = first!.headers.getAll('www-authenticate');
    assert.equal(challenges.length, 2);
    assert.match(challenges[0]!, /algorithm=SHA-256/);
    assert.match(challenges[1]!, /algorithm=MD5/);
    assert.match(challenges[0]!, /realm="sipa\.test"/);
    assert.match(challenges[0]!, /qop="auth"/);
    for (const algorithm of ['SHA-256', 'MD5'] as const) {
      const { response } = await register(kit, { contacts: [`<sip:johndoe@${kit.client.hostPort}>`] }, undefined, algorithm);
      assert.equal(response.status, 200, algorithm);
    }
  });

  test('REGISTERs keep no transaction; a retransmission gets the same challenge, and the same 200 without counting twice', async () => {
    const before = kit.server.serverTransactions;
    const callId = randomToken();
    const request = registerRequest(kit, { callId });
    const first = await kit.client.transact(request, kit.port);
    const again = await kit.client.transact(request, kit.port);
    const other = await kit.client.transact(registerRequest(kit, {}), kit.port);
    assert.equal(first?.status, 401);
    assert.equal(again?.status, 401);
    assert.equal(first!.headers.get('www-authenticate'), again!.headers.get('www-authenticate'), 'the retransmission gets the same nonce');
    assert.notEqual(first!.headers.get('www-authenticate'), other!.headers.get('www-authenticate'), 'another REGISTER gets a new one');
    assert.equal(kit.server.serverTransactions, before, 'no server transaction for a challenge (RFC 3261 §8.2.7)');
    const challenge = first!.headers.getAll('www-authenticate').find((v) => v.includes('algorithm=SHA-256')) as string;
    const authorization = answerChallenge(challenge, { username: 'johndoe', password: 'secret' }, 'REGISTER', `sip:${DOMAIN}`);
    const authenticated = registerRequest(kit, { callId, cseq: 2, headers: [`Authorization: ${authorization}`] });
    const registrations = kit.server.stats.registrations;
    const ok = await kit.client.transact(authenticated, kit.port);
    const okAgain = await kit.client.transact(authenticated, kit.port);
    assert.equal(ok?.status, 200);
    assert.equal(okAgain?.status, 200, 'the retransmission is not taken for a replayed nonce count');
    assert.equal(okAgain!.headers.get('to'), ok!.headers.get('to'), 'the same 200 (same To tag)');
    assert.equal(kit.server.stats.registrations, registrations + 1, 'handled once');
    assert.equal(kit.server.serverTransactions, before, 'no server transaction for the authenticated REGISTER either');
  });

  test('several bindings with q, listed in the 200 best first; an alias reaches the same AOR', async () => {
    const callId = randomToken();
    const { response } = await register(kit, {
      to: `<sip:+554845678901@${DOMAIN}>`,
      callId,
      contacts: ['<sip:johndoe@127.0.0.1:7001>;q=0.5', '<sip:johndoe@127.0.0.1:7002>;q=0.9'],
      expires: 600,
    });
    assert.equal(response.status, 200);
    const listed = response.headers.getAll('contact');
    const mine = listed.filter((c) => /:700[12]>/.test(c));
    assert.equal(mine.length, 2, listed.join(' | '));
    assert.match(mine[0]!, /7002>;expires=(599|600);q=0\.9/);
    assert.match(mine[1]!, /7001>;expires=(599|600);q=0\.5/);
    const bindings = kit.server.location.lookup(`sip:johndoe@${DOMAIN}`);
    assert.ok(bindings.some((b) => b.contact.endsWith(':7002')));
    assert.ok(response.headers.get('to')!.includes('tag='), 'the 200 has a To tag');
  });

  test('Expires below Min-Expires gets 423 with Min-Expires', async () => {
    const { response } = await register(kit, { expires: 10 });
    assert.equal(response.status, 423);
    assert.equal(response.headers.get('min-expires'), '60');
  });

  test('a replayed Authorization (same nonce and count) is refused with a fresh challenge', async () => {
    const callId = randomToken();
    const { response, authorization } = await register(kit, { callId, cseq: 1 });
    assert.equal(response.status, 200);
    const replay = await kit.client.transact(registerRequest(kit, { callId, cseq: 10, headers: [`Authorization: ${authorization}`] }), kit.port);
    assert.equal(replay?.status, 401);
    const used = /nonce="([^"]+)"/.exec(authorization)![1]!;
    assert.ok(replay!.headers.getAll('www-authenticate').every((c) => !c.includes(used)), 'a new nonce, not the replayed one');
  });

  test('+sip.instance and reg-id are kept and the 200 says Require: outbound', async () => {
    const instance = '"<urn:uuid:00000000-0000-1000-8000-000a95a0e128>"';
    const { response } = await register(kit, { user: 'alice', contacts: [`<sip:alice@127.0.0.1:7100;transport=udp>;+sip.instance=${instance};reg-id=1`] }, { username: 'alice', password: 'wonder' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('require'), 'outbound');
    assert.match(response.headers.get('contact')!, /\+sip\.instance="<urn:uuid:00000000-0000-1000-8000-000a95a0e128>";reg-id=1/);
    // The same instance and reg-id from another port replace the flow (RFC 5626 §6).
    const again = await register(kit, { user: 'alice', contacts: [`<sip:alice@127.0.0.1:7101>;+sip.instance=${instance};reg-id=1`] }, { username: 'alice', password: 'wonder' });
    assert.equal(again.response.status, 200);
    const bindings = kit.server.location.lookup(`sip:alice@${DOMAIN}`);
    assert.equal(bindings.length, 1);
    assert.ok(bindings[0]!.contact.endsWith(':7101'));
  });

  test('an out-of-order REGISTER (same Call-ID, lower CSeq) gets 500 and changes nothing', async () => {
    const callId = randomToken();
    const ok = await register(kit, { callId, cseq: 20, contacts: ['<sip:johndoe@127.0.0.1:7200>'] });
    assert.equal(ok.response.status, 200);
    const late = await register(kit, { callId, cseq: 5, contacts: ['<sip:johndoe@127.0.0.1:7200>'], expires: 0 });
    assert.equal(late.response.status, 500);
    assert.ok(kit.server.location.lookup(`sip:johndoe@${DOMAIN}`).some((b) => b.contact.endsWith(':7200')));
  });

  test('someone else\'s AOR: 403; an unknown user: 404', async () => {
    const other = await register(kit, { to: `<sip:johndoe@${DOMAIN}>` }, { username: 'alice', password: 'wonder' });
    assert.equal(other.response.status, 403);
    const unknown = await register(kit, { to: `<sip:nobody@${DOMAIN}>` }, { username: 'alice', password: 'wonder' });
    assert.equal(unknown.response.status, 404);
  });

  test('the location table survives a restart; then Contact: * removes every binding', async () => {
    const before = kit.server.location.lookup(`sip:johndoe@${DOMAIN}`).map((b) => b.contact).sort();
    assert.ok(before.length >= 2);
    await kit.restart();
    const after = kit.server.location.lookup(`sip:johndoe@${DOMAIN}`).map((b) => b.contact).sort();
    assert.deepEqual(after, before);
    const { response } = await register(kit, { contacts: ['*'], expires: 0 });
    assert.equal(response.status, 200);
    assert.equal(response.headers.getAll('contact').length, 0);
    assert.equal(kit.server.location.lookup(`sip:johndoe@${DOMAIN}`).length, 0);
  });

  test('a malformed request is answered 400 and counted', async () => {
    const before = kit.server.stats.malformed;
    const text = registerRequest(kit, {}).replace(/^CSeq: .*$/m, 'CSeq: x REGISTER');
    const r = await kit.client.transact(text, kit.port);
    assert.equal(r?.status, 400);
    assert.equal(kit.server.stats.malformed, before + 1);
  });

  test('wrong passwords: after five, the source gets no answer for a while', async () => {
    let answered = 0;
    for (let i = 0; i < 5; i++) {
      const { response } = await register(kit, {}, { username: 'johndoe', password: `guess${i}` });
      if (response.status === 401) answered++;
    }
    assert.equal(answered, 5);
    const silent = await kit.client.transact(registerRequest(kit, {}), kit.port, 800);
    assert.equal(silent, undefined, 'the blocked source gets nothing');
    assert.ok(kit.server.stats.blocked >= 1);
    assert.equal(kit.server.stats.authFailures >= 5, true);
  });
});
