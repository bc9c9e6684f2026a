/**
 * Account flags without --aor: `parley call` and `parley listen` use the
 * built-in direct account, and --codecs, --srtp and --transport are that
 * account's for the run, as are --display-name and --privacy (the callee sees
 * them) — real processes on loopback. A run that uses a stored account
 * refuses them (exit 2, in words) instead of dropping them, and --password
 * is refused wherever no account from flags takes it.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParleyProcess, runParley, type ParleyEvent } from './parley-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'parley-direct-flags-'));
// Hermetic: no run may read or write the real ~/.config/parley.
const env = { XDG_CONFIG_HOME: join(dir, 'xdg'), PARLEY_PASSWORD: '' };
const procs: ParleyProcess[] = [];
after(async () => {
  for (const p of procs) p.kill();
  await Promise.all(procs.map((p) => p.exited));
  rmSync(dir, { recursive: true, force: true });
});

/** The first traced message in `direction` whose start line matches, with its transport. */
function traced(events: ParleyEvent[], direction: 'in' | 'out', start: RegExp): { transport: string; text: string } | undefined {
  const e = events.find((x) => x.event === 'trace' && x.data.direction === direction && start.test(x.data.text));
  return e ? { transport: e.data.transport, text: e.data.text } : undefined;
}

describe('account flags on the direct account', { concurrency: true }, () => {
  test('--codecs, --srtp, --transport, --display-name and --privacy are honoured by both the caller and the listener', { timeout: 90_000 }, async () => {
    const listener = new ParleyProcess(['listen', '--auto-answer', '--bind', '127.0.0.1:0', '--codecs', 'PCMA', '--srtp', 'optional', '--json'], { env });
    procs.push(listener);
    // A process's start takes over 15 s at load 20 on 2 cores (the other tests of this file start theirs meanwhile).
    const listening = await listener.waitForEvent((e) => e.event === 'listening', 40_000, 'listening');
    const local = String(listening.data.local);
    const caller = await runParley(
      ['call', local, '--bind', '127.0.0.1:0', '--codecs', 'pcmu,PCMA', '--srtp', 'mandatory', '--transport', 'tcp', '--duration', '0.5', '--json', '-v'],
      { env, timeoutMs: 20_000 },
    );
    assert.equal(caller.code, 0, caller.stdout + caller.stderr);
    // Our offer: PCMU then PCMA only (0 8, and telephone-event), keyed for SRTP (SAVP), over TCP.
    const offer = traced(caller.events, 'out', /^INVITE /);
    assert.ok(offer, 'the INVITE is traced');
    assert.equal(offer.transport, 'tcp');
    const media = /^m=audio \d+ (\S+) ([\d ]+)$/m.exec(offer.text);
    assert.ok(media, offer.text);
    assert.match(media[1]!, /SAVP/, 'an SRTP offer');
    assert.deepEqual(media[2]!.split(' ').slice(0, 2), ['0', '8'], 'PCMU, then PCMA');
    assert.doesNotMatch(offer.text, /^a=rtpmap:\d+ (?:opus|G722)\//im, 'nothing else offered');
    // The listener took only PCMA (its --codecs) and accepted the SRTP offer (its --srtp; off would refuse it, 488).
    const calls = caller.events.filter((e) => e.event === 'call').map((e) => e.data);
    const active = calls.findLast((c) => c.codec !== undefined);
    assert.ok(active, `a call snapshot with a codec: ${JSON.stringify(calls)}`);
    assert.equal(active.codec, 'PCMA/8000');
    assert.equal(active.srtp, true, JSON.stringify(calls.map((c) => [c.state, c.codec, c.srtp, c.security])));
    process.stdout.write(`# direct flags: caller ran ${caller.at.toFixed(0)} ms\n`);
    // --display-name and --privacy: the callee sees the name, then a withheld caller.
    const named = await runParley(['call', local, '--bind', '127.0.0.1:0', '--display-name', 'Alice Direct', '--duration', '0.3', '--json', '-v'], { env, timeoutMs: 20_000 });
    assert.equal(named.code, 0, named.stdout + named.stderr);
    const invite = traced(named.events, 'out', /^INVITE /);
    assert.ok(invite, 'the INVITE is traced');
    assert.match(invite.text, /^From: "Alice Direct" <sip:/m);
    const first = await listener.waitForEvent((e) => e.event === 'call.incoming' && e.data.remote.displayName === 'Alice Direct', 10_000, 'the call from "Alice Direct"');
    assert.notEqual(first.data.remote.withheld, true);
    const withheld = await runParley(['call', local, '--bind', '127.0.0.1:0', '--display-name', 'Alice Direct', '--privacy', 'id', '--duration', '0.3', '--json', '-v'], { env, timeoutMs: 20_000 });
    assert.equal(withheld.code, 0, withheld.stdout + withheld.stderr);
    const anonymous = traced(withheld.events, 'out', /^INVITE /);
    assert.ok(anonymous, 'the INVITE is traced');
    assert.match(anonymous.text, /^From: "Anonymous" <sip:anonymous@anonymous\.invalid>/m);
    assert.match(anonymous.text, /^Privacy: id$/m);
    assert.doesNotMatch(anonymous.text, /Alice Direct/, 'the name is withheld too');
    const second = await listener.waitForEvent((e) => e.event === 'call.incoming' && e.data.remote.withheld === true, 10_000, 'the withheld call');
    assert.doesNotMatch(JSON.stringify(second.data.remote), /Alice Direct/);
    assert.equal((await listener.stop()).code, 0, listener.stderr);
  });

  test('--password is refused where no account from flags takes it; PARLEY_PASSWORD is not', { timeout: 60_000 }, async () => {
    const direct = await runParley(['call', 'sip:bob@127.0.0.1:9', '--bind', '127.0.0.1:0', '--password', 'secret'], { env });
    assert.equal(direct.code, 2, direct.stdout + direct.stderr);
    assert.match(direct.stderr, /--password describe an account and need --aor/);
    const data = join(dir, 'data-pw');
    assert.equal((await runParley(['accounts', 'add', '--data-dir', data, '--aor', 'sip:alice@127.0.0.1'], { env })).code, 0);
    const stored = await runParley(['call', 'sip:bob@127.0.0.1:9', '--data-dir', data, '--aor', 'sip:alice@127.0.0.1', '--password', 'secret', '--bind', '127.0.0.1:0'], { env, timeoutMs: 20_000 });
    assert.equal(stored.code, 2, stored.stdout + stored.stderr);
    assert.match(stored.stderr, /--password describes an account from flags .* this run uses the stored sip:alice@127\.0\.0\.1/);
    // The same run with the password in the environment is not refused for it (the call itself fails: nobody at port 9).
    const fromEnv = await runParley(['call', 'sip:bob@127.0.0.1:9', '--data-dir', data, '--aor', 'sip:alice@127.0.0.1', '--bind', '127.0.0.1:0'], { env: { ...env, PARLEY_PASSWORD: 'secret' }, timeoutMs: 20_000 });
    assert.notEqual(fromEnv.code, 2, fromEnv.stdout + fromEnv.stderr);
    assert.doesNotMatch(fromEnv.stderr, /--password/);
  });

  test('a run that uses a stored account refuses them, in words', { timeout: 60_000 }, async () => {
    const data = join(dir, 'data');
    const add = await runParley(['accounts', 'add', '--data-dir', data, '--aor', 'sip:alice@127.0.0.1'], { env });
    assert.equal(add.code, 0, add.stderr);
    const refused = await runParley(['call', 'sip:bob@127.0.0.1:9', '--data-dir', data, '--bind', '127.0.0.1:0', '--codecs', 'PCMU', '--srtp', 'optional'], { env, timeoutMs: 20_000 });
    assert.equal(refused.code, 2, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /--codecs, --srtp describe an account from flags \(with --aor, no --data-dir\) or the built-in direct one; this run uses the stored sip:alice@127\.0\.0\.1/);
    // --aor with --data-dir selects the stored account by its address: its proxy is not replaced either.
    const selected = await runParley(['call', 'sip:bob@127.0.0.1:9', '--data-dir', data, '--aor', 'sip:alice@127.0.0.1', '--proxy', '127.0.0.1:9', '--bind', '127.0.0.1:0'], { env, timeoutMs: 20_000 });
    assert.equal(selected.code, 2, selected.stdout + selected.stderr);
    assert.match(selected.stderr, /--proxy describes an account from flags .* this run uses the stored sip:alice@127\.0\.0\.1/);
    const unknown = await runParley(['call', 'sip:bob@127.0.0.1:9', '--codecs', 'PCMU,G729'], { env });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--codecs: "G729" is not a codec Parley has; pick from opus, G722, PCMU, PCMA/);
  });
});
