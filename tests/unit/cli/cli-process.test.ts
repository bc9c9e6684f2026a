/**
 * The `parley` command as a user runs it: child processes of bin/parley.js,
 * stopped by PID, every wait bounded. Calls and registrations against real
 * servers are in tests/interop/cli.test.ts.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ParleyProcess, REPO_ROOT, runParley } from './parley-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'parley-cli-proc-'));
// Hermetic: no run may read or write the real ~/.config/parley.
const env = { XDG_CONFIG_HOME: join(dir, 'xdg'), PARLEY_PASSWORD: '' };
after(() => rmSync(dir, { recursive: true, force: true }));

describe('usage', () => {
  test('--help lists every command and the exit codes', async () => {
    const r = await runParley(['--help'], { env });
    assert.equal(r.code, 0);
    for (const c of ['register', 'call <target>', 'listen', 'echo', 'accounts add|list|remove', 'forward [always|busy|no-answer TARGET | off]', 'web', 'help']) assert.ok(r.stdout.includes(`  ${c}`), `mentions ${c}`);
    assert.match(r.stdout, /3 authentication failed/);
    const per = await runParley(['call', 'sip:x@y', '--help'], { env });
    assert.equal(per.code, 0);
    assert.match(per.stdout, /^parley call <target>/);
    assert.equal((await runParley([], { env })).code, 0, 'no command: help');
  });

  test('usage errors exit 2 with a line that says what is wrong and where to look', async () => {
    const cases: [string[], RegExp][] = [
      [['dance'], /unknown command "dance"; try: register, call/],
      [['call'], /exactly one target/],
      [['listen', '--tone', 'loud'], /--tone wants a number/],
      [['register', '--transport', 'sctp'], /udp, tcp or tls/],
      [['register', '--bogus'], /Unknown option '--bogus'/],
      [['register'], /no account to register: give one with --aor/],
      [['listen', '--user', 'bob'], /--user describe an account and need --aor/],
      [['accounts'], /wants add, list or remove/],
      [['accounts', 'add'], /needs --aor/],
      [['call', 'sip:b@127.0.0.1', '--play', join(dir, 'missing.wav')], /cannot play .*missing\.wav/],
      [['call', 'sip:b@127.0.0.1', '--record', join(dir, 'no', 'such', 'dir', 'a.wav')], /cannot record to/],
      [['echo', '--tone', '440'], /--tone and --play do not apply/],
    ];
    for (const [args, message] of cases) {
      const r = await runParley(args, { env });
      assert.equal(r.code, 2, `${args.join(' ')} → exit 2 (got ${r.code}: ${r.stderr})`);
      assert.match(r.stderr, message, args.join(' '));
      assert.match(r.stderr, /^parley: /);
      assert.match(r.stderr, /Try "parley help/);
    }
  });

  test('--json usage failures still end with an exit line on stdout', async () => {
    const r = await runParley(['register', '--json'], { env });
    assert.equal(r.code, 2);
    assert.deepEqual(r.events.map((e) => e.event), ['error', 'exit']);
    assert.equal(r.events[1]!.data.code, 2);
  });
});

describe('accounts in a data dir', () => {
  const data = join(dir, 'data');
  test('add, list, remove; the password goes to a 0600 file and is never printed', async () => {
    const add = await runParley(['accounts', 'add', '--data-dir', data, '--aor', 'sip:johndoe@sipA.test', '--alias', 'sip:+554845678901@sipA.test', '--proxy', '127.0.0.1:5060', '--display-name', 'John'], { env: { ...env, PARLEY_PASSWORD: 'hunter2-secret' } });
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /added sip:johndoe@sipA\.test as account \S+ in /);
    const secrets = join(data, 'secrets.json');
    assert.equal(statSync(secrets).mode & 0o777, 0o600);
    assert.match(readFileSync(secrets, 'utf8'), /hunter2-secret/);
    const list = await runParley(['accounts', 'list', '--data-dir', data, '--json'], { env });
    assert.equal(list.code, 0);
    const accounts = list.events.find((e) => e.event === 'accounts')!.data;
    assert.equal(accounts.length, 1);
    assert.equal(accounts[0].aor, 'sip:johndoe@sipA.test');
    assert.deepEqual(accounts[0].aliases, ['sip:+554845678901@sipA.test']);
    assert.equal(accounts[0].hasPassword, true);
    assert.equal(accounts[0].outboundProxy, 'sip:127.0.0.1:5060');
    const human = await runParley(['accounts', 'list', '--data-dir', data], { env });
    assert.match(human.stdout, /"John" sip:johndoe@sipA\.test/);
    assert.match(human.stdout, /password: stored/);
    for (const out of [add.stdout, add.stderr, list.stdout, human.stdout]) assert.doesNotMatch(out, /hunter2/);

    const unknown = await runParley(['accounts', 'remove', 'sip:nobody@x', '--data-dir', data], { env });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no account "sip:nobody@x".*there are: \S+ \(sip:johndoe@sipA\.test\)/);
    const rm = await runParley(['accounts', 'remove', 'johndoe@sipA.test', '--data-dir', data], { env });
    assert.equal(rm.code, 0, rm.stderr);
    assert.doesNotMatch(readFileSync(secrets, 'utf8'), /hunter2/, 'the password is removed with the account');
    const empty = await runParley(['accounts', 'list', '--data-dir', data], { env });
    assert.match(empty.stdout, /no accounts in/);
  });

  test('--password on the command line draws a warning (PARLEY_PASSWORD does not); the data dir is 0700 and its files 0600', async () => {
    const own = join(dir, 'modes');
    const r = await runParley(['accounts', 'add', '--data-dir', own, '--aor', 'sip:carol@sipA.test', '--password', 'pw-on-the-line'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: --password on the command line can be read by other users.*PARLEY_PASSWORD/);
    assert.doesNotMatch(r.stderr + r.stdout, /pw-on-the-line/);
    const quiet = await runParley(['accounts', 'list', '--data-dir', own], { env: { ...env, PARLEY_PASSWORD: 'pw' } });
    assert.doesNotMatch(quiet.stderr, /warning/);
    if (process.platform !== 'win32') {
      assert.equal(statSync(own).mode & 0o777, 0o700);
      for (const f of ['parley.db', 'secrets.json']) assert.equal(statSync(join(own, f)).mode & 0o777, 0o600, f);
    }
  });

  test('without --data-dir accounts live under $XDG_CONFIG_HOME/parley', async () => {
    const r = await runParley(['accounts', 'add', '--aor', 'sip:bob@sipA.test'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(env.XDG_CONFIG_HOME, 'parley', 'parley.db')));
    const picked = await runParley(['register', '--account', 'sip:nobody@sipA.test'], { env });
    assert.equal(picked.code, 2);
    assert.match(picked.stderr, /no account "sip:nobody@sipA\.test" .*there are: sip:bob@sipA\.test/);
  });
});

describe('parley forward', () => {
  test('sets, shows and turns off the forwarding rules in a data dir; refuses our own address and a bad delay', async () => {
    const data = join(dir, 'forward');
    assert.equal((await runParley(['accounts', 'add', '--data-dir', data, '--aor', 'sip:bob@sipA.test'], { env })).code, 0);
    const busy = await runParley(['forward', 'busy', '200', '--by', 'bridge', '--data-dir', data], { env });
    assert.equal(busy.code, 0, busy.stderr);
    assert.match(busy.stdout, /all accounts: busy → 200 \(by a new call\)/);
    const own = await runParley(['forward', 'no-answer', 'bob@sipA.test', '--account', 'bob@sipA.test', '--after', '15', '--data-dir', data], { env });
    assert.equal(own.code, 2);
    assert.match(own.stderr, /own addresses/);
    const acc = await runParley(['forward', 'no-answer', 'sip:vm@sipA.test', '--after', '15', '--account', 'bob@sipA.test', '--data-dir', data, '--json'], { env });
    const snap = acc.events.find((e) => e.event === 'forwarding')!.data;
    assert.equal(snap.active, true);
    assert.deepEqual(snap.accounts[0].rule, { always: null, busy: '200', noAnswer: 'sip:vm@sipA.test', noAnswerAfterS: 15, method: 'bridge' });
    assert.match((await runParley(['forward', 'no-answer', '300', '--after', '3', '--data-dir', data], { env })).stderr, /--after wants whole seconds from 5 to 120/);
    await runParley(['forward', 'off', '--account', 'bob@sipA.test', '--data-dir', data], { env });
    const off = await runParley(['forward', 'off', '--data-dir', data], { env });
    assert.match(off.stdout, /^all accounts: off$/m);
    assert.match((await runParley(['help', 'forward'], { env })).stdout, /--by redirect \(default\) answers the caller with 302/);
  });
});

describe('parley web', () => {
  test('serves the UI and the API on loopback, prints the URL with its token, stops on SIGINT', { timeout: 180_000 }, async () => {
    const web = new ParleyProcess(['web', '--no-open', '--json', '--data-dir', join(dir, 'web'), '--bind', '127.0.0.1:0'], { env });
    try {
      const started = await web.waitForEvent((e) => e.event === 'web', 170_000, 'the web event');
      const { url, apiUrl } = started.data as { url: string; apiUrl: string };
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}$/);
      const token = url.split('#token=')[1]!;
      assert.equal(apiUrl, `${url.split('/#')[0]!.replace('http:', 'ws:')}/api?token=${token}`);
      if (existsSync(join(REPO_ROOT, 'out', 'renderer', 'index.html'))) {
        const res = await fetch(url.split('#')[0]!, { signal: AbortSignal.timeout(3000) });
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
        assert.match(await res.text(), /<html/i);
      }
      // The API answers over the WebSocket with the same contract as every host.
      const ws = new WebSocket(apiUrl);
      const messages: any[] = [];
      // The URL is printed before the engine has started (the page loads meanwhile): the first reply waits for it.
      const reply = new Promise<any>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no reply')), 60_000);
        ws.on('message', (d) => {
          const m = JSON.parse(String(d));
          messages.push(m);
          if (m.id === 1) {
            clearTimeout(timer);
            resolve(m);
          }
        });
        ws.on('open', () => ws.send(JSON.stringify({ id: 1, cmd: 'settings.get' })));
        ws.on('error', reject);
      });
      const r = await reply;
      assert.equal(r.ok, true);
      assert.equal(typeof r.result.theme, 'string');
      assert.equal(messages[0].event, 'hello');
      ws.close();
      const badToken = await fetch(`${url.split('/#')[0]}/api?token=${'0'.repeat(64)}`, { headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' }, signal: AbortSignal.timeout(3000) }).catch((e: Error) => e);
      assert.ok(badToken instanceof Error || badToken.status === 401, 'a wrong token gets no WebSocket');
      const t0 = performance.now();
      web.signal('SIGINT');
      const exit = await web.waitForExit(8000);
      assert.equal(exit.code, 0);
      assert.ok(performance.now() - t0 < 5000, `stopped in ${(performance.now() - t0).toFixed(0)} ms`);
      assert.equal(web.events.at(-1)?.event, 'exit');
    } finally {
      web.kill();
    }
  });
});
