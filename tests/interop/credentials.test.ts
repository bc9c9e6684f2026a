/**
 * Credentials stay with their realm and out of every output (issue "Secure
 * calls" §4), checked on the real `parley` command:
 *  - a registration and a call through Kamailio with -v and --json: the
 *    password is then searched in stdout, stderr, every file of the data dir
 *    and the process list (/proc/PID/cmdline) sampled while it ran;
 *  - a phone that challenges a call with a realm that is not the account's
 *    (a raw SIP peer on loopback): no digest answer is sent, and the call
 *    ends saying "asked for the password of another realm (…)".
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startKamailio, type KamailioHandle } from './harness/kamailio.ts';
import { makeTempDir, sleep } from './harness/managed-process.ts';
import { RawSipSocket, buildResponse } from './harness/raw-sip.ts';
import { ParleyProcess } from '../unit/cli/parley-process.ts';

const PASSWORD = 'Pw-7f3c91d2-never-shown';

function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 6) return;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p, depth + 1);
      else if (st.isFile() && st.size < 64 * 1024 * 1024) out.push(p);
    }
  };
  walk(dir, 0);
  return out;
}

/**
 * Samples /proc/PID/cmdline every 50 ms while the process runs (bounded by its life),
 * once it has printed its first line: Node's own start-up, before our first line of
 * JavaScript runs, is beyond any program's reach (hence PARLEY_PASSWORD is advised).
 */
function sampleCmdline(p: ParleyProcess): string[] {
  const seen: string[] = [];
  const timer = setInterval(() => {
    if (p.stderr.length === 0 && p.stdout.length === 0) return;
    try {
      seen.push(readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {
      // exited
    }
  }, 50);
  void p.exited.then(() => clearInterval(timer));
  return seen;
}

describe('credentials: bound to their realm, never shown', () => {
  let kam: KamailioHandle;
  let tmp: { path: string; remove: () => void };
  const procs: ParleyProcess[] = [];
  const parley = (args: string[]) => {
    const p = new ParleyProcess(args, { env: { XDG_CONFIG_HOME: join(tmp.path, 'xdg'), PARLEY_PASSWORD: '' } });
    procs.push(p);
    return p;
  };

  before(async () => {
    tmp = makeTempDir('credentials');
    kam = await startKamailio({ users: [{ username: 'johndoe', password: PASSWORD }, { username: 'bob', password: 'bobpw' }], ipv6: false, authenticateCalls: true });
  });
  after(async () => {
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
    await kam?.stop();
    tmp?.remove();
  });

  test('the password is in no output, no file of the data dir and not in the process list', { timeout: 60_000 }, async () => {
    // A stored account (database + secrets file) for the registration, an ephemeral one for the call.
    const dataDir = join(tmp.path, 'data');
    const add = parley(['accounts', 'add', '--data-dir', dataDir, '--aor', `sip:johndoe@${kam.domain}`, '--password', PASSWORD, '--proxy', `127.0.0.1:${kam.udpPort}`, '--json', '-v']);
    assert.equal((await add.waitForExit(15_000)).code, 0, add.stderr);
    const account = ['--aor', `sip:johndoe@${kam.domain}`, '--password', PASSWORD, '--proxy', `127.0.0.1:${kam.udpPort}`, '--bind', '127.0.0.1:0'];
    const reg = parley(['register', '--data-dir', dataDir, '--aor', `sip:johndoe@${kam.domain}`, '--bind', '127.0.0.1:0', '--json', '-v', '--duration', '1']);
    const regTitles = sampleCmdline(reg);
    await reg.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered', 15_000, 'registered');
    assert.equal((await reg.waitForExit(15_000)).code, 0, reg.stderr);

    // A call the proxy challenges (407): the INVITE carries a digest answer; bob is not there (480/404).
    const call = parley(['call', `sip:bob@${kam.domain}`, ...account, '-v', '--duration', '1']);
    const callTitles = sampleCmdline(call);
    await call.waitForExit(30_000);

    const outputs = [add.stdout, add.stderr, reg.stdout, reg.stderr, call.stdout, call.stderr];
    assert.ok(reg.stderr.length > 200, 'verbose logs were written (so the search below means something)');
    assert.match(call.stderr, /answering digest challenge.*"kind":"proxy"/, 'the call went through a digest challenge');
    outputs.forEach((text, i) => assert.ok(!text.includes(PASSWORD), `output ${i} shows the password`));
    // The one place a password may be kept is the secrets file, readable by the user alone.
    const secrets = join(dataDir, 'secrets.json');
    assert.equal(statSync(secrets).mode & 0o077, 0, 'secrets.json is private to the user');
    const files = filesUnder(tmp.path).filter((f) => f !== secrets);
    assert.ok(files.some((f) => f.endsWith('.db')), `the database was searched too: ${files.join(', ')}`);
    for (const f of files) assert.ok(!readFileSync(f).includes(Buffer.from(PASSWORD)), `${f} holds the password`);
    const titles = [...regTitles, ...callTitles];
    assert.ok(titles.length >= 2, 'the process list was sampled while parley ran');
    for (const t of titles) assert.ok(!t.includes(PASSWORD), `the process list shows the password: ${t}`);
    log(`searched ${outputs.reduce((n, o) => n + o.length, 0)} characters of output, ${files.length} files, ${titles.length} process-list samples`);
  });

  test('a 401 from a foreign realm is not answered: the call fails with the reason', { timeout: 30_000 }, async () => {
    const peer = await RawSipSocket.open(4);
    try {
      const call = parley(['call', `sip:bob@${peer.hostPort}`, '--aor', 'sip:johndoe@127.0.0.1', '--password', PASSWORD, '--bind', '127.0.0.1:0', '--duration', '2']);
      const invites: string[] = [];
      const deadline = Date.now() + 10_000;
      // Answer every INVITE with a 401 of realm "collector.example"; ACK the rest away.
      while (call.running && Date.now() < deadline) {
        const m = await peer.receive((x) => x.method !== undefined, 500);
        if (!m || m.method !== 'INVITE') continue;
        invites.push(m.text);
        const via = m.headers.get('via') ?? '';
        const rport = /rport=(\d+)/.exec(via)?.[1] ?? /:(\d+)/.exec(via.split(';')[0] ?? '')?.[1];
        const challenge = buildResponse(m, 401, 'Unauthorized', { toTag: 'c1', headers: ['WWW-Authenticate: Digest realm="collector.example", nonce="abc123", qop="auth", algorithm=MD5'] });
        await peer.send(challenge, Number(rport));
      }
      const exit = await call.waitForExit(15_000);
      await sleep(200);
      assert.equal(invites.length >= 1, true, `the peer got the INVITE\n${call.stderr}`);
      const distinct = new Set(invites.map((t) => /^CSeq:\s*(.*)$/im.exec(t)?.[1]));
      assert.equal(distinct.size, 1, 'no second INVITE (with credentials) was sent');
      assert.ok(invites.every((t) => !/^Authorization:/im.test(t)), 'no Authorization header reached the foreign realm');
      assert.notEqual(exit.code, 0);
      assert.match(call.stderr + call.stdout, /asked for the password of another realm \(collector\.example\)/);
      log(`foreign realm: exit ${exit.code}, "${(call.stderr.trim().split('\n').at(-1) ?? '').slice(0, 160)}"`);
    } finally {
      await peer.close();
    }
  });
});
