/**
 * `parley users` and `parley serve` as processes (bin/parley.js, stopped by
 * PID): users with aliases are stored, `parley serve --json` serves them on
 * a free loopback port, a `parley listen` phone registers as johndoe and a
 * `parley call` phone (bob) calls johndoe's alias through the server; each
 * hears the other's tone. The server is stopped and started again: the
 * location table kept johndoe's binding, and a second call still reaches him.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { activeFraction, dominantFrequency } from '../../helpers/audio-analysis.ts';
import { ParleyProcess, runParley } from '../../unit/cli/parley-process.ts';
import { freePort } from '../harness/free-port.ts';
import { makeTempDir } from '../harness/managed-process.ts';
import { readWavPcm16 } from '../harness/wav.ts';

const DOMAIN = 'office.test';

/** The tone in a recording and the share of the talk time (less 100 ms of set-up, as tests/interop/cli.test.ts) it fills. */
function heard(path: string, talkS: number): { hz: number; presence: number; seconds: number } {
  const wav = readWavPcm16(path);
  const rest = wav.samples.subarray(Math.round(0.1 * wav.sampleRate));
  const seconds = rest.length / wav.sampleRate;
  return { hz: dominantFrequency(rest, wav.sampleRate), presence: (activeFraction(rest, wav.sampleRate) * seconds) / Math.max(0.001, talkS - 0.1), seconds };
}

describe('parley serve and parley users from the command line', () => {
  let tmp: { path: string; remove: () => void };
  let port: number;
  const procs: ParleyProcess[] = [];
  const env = () => ({ XDG_CONFIG_HOME: join(tmp.path, 'xdg'), PARLEY_PASSWORD: '' });
  const serverDir = () => join(tmp.path, 'server');
  const serve = () => {
    const p = new ParleyProcess(['serve', '--domain', DOMAIN, '--bind', `127.0.0.1:${port}`, '--data-dir', serverDir(), '--json'], { env: env() });
    procs.push(p);
    return p;
  };
  const phone = (args: string[]) => {
    const p = new ParleyProcess(args, { env: env() });
    procs.push(p);
    return p;
  };

  before(async () => {
    tmp = makeTempDir('server-cli');
    port = await freePort(['udp4', 'tcp4']);
  });
  after(async () => {
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
    tmp.remove();
  });

  test('users add, list, remove', { timeout: 30_000 }, async () => {
    const add = await runParley(['users', 'add', 'johndoe', '--alias', '+554845678901', '--alias', '45678901', '--domain', DOMAIN, '--password', 'secret', '--data-dir', serverDir()], { env: env() });
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /added johndoe@office\.test \(also \+554845678901@office\.test, 45678901@office\.test\)/);
    for (const u of ['bob', 'carol']) assert.equal((await runParley(['users', 'add', u, '--password', `${u}pw`, '--data-dir', serverDir()], { env: env() })).code, 0);
    assert.equal((await runParley(['users', 'remove', 'carol', '--data-dir', serverDir()], { env: env() })).code, 0);
    const list = await runParley(['users', 'list', '--json', '--data-dir', serverDir()], { env: env() });
    const users = list.events.find((e) => e.event === 'users')?.data as Array<{ username: string; aliases: string[]; realm: string }>;
    assert.deepEqual(users.map((u) => u.username), ['bob', 'johndoe']);
    assert.deepEqual(users.find((u) => u.username === 'johndoe')?.aliases, ['+554845678901', '45678901']);
    assert.ok(users.every((u) => u.realm === DOMAIN));
    assert.equal(list.stdout.includes('secret'), false, 'no password printed');
    const clash = await runParley(['users', 'add', 'bob', '--alias', '45678901', '--password', 'x', '--data-dir', serverDir()], { env: env() });
    assert.notEqual(clash.code, 0, 'an alias of johndoe cannot be given to bob');
  });

  test('a phone registers to parley serve, another calls its alias through it; the server restarts with the binding kept', { timeout: 90_000 }, async () => {
    let server = serve();
    await server.waitForEvent((e) => e.event === 'serving', 15_000, 'serving');
    const proxy = `127.0.0.1:${port}`;
    const johndoe = phone(['listen', '--aor', `sip:johndoe@${DOMAIN}`, '--alias', `sip:+554845678901@${DOMAIN}`, '--password', 'secret', '--proxy', proxy,
      '--bind', '127.0.0.1:0', '--codecs', 'PCMU', '--auto-answer', '--tone', '440', '--record', join(tmp.path, 'johndoe.wav'), '--json']);
    await server.waitForEvent((e) => e.event === 'bindings' && e.data.aor === `sip:johndoe@${DOMAIN}` && e.data.bindings.length === 1, 15_000, 'johndoe bound');
    await johndoe.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered', 10_000, 'johndoe registered');

    const call = async (record: string) => {
      const r = await runParley(['call', `sip:+554845678901@${DOMAIN}`, '--aor', `sip:bob@${DOMAIN}`, '--password', 'bobpw', '--proxy', proxy, '--bind', '127.0.0.1:0',
        '--codecs', 'PCMU', '--tone', '600', '--record', record, '--duration', '2', '--json'], { env: env(), timeoutMs: 30_000 });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const talkS = r.events.find((e) => e.event === 'quality')?.data.durationS as number;
      const bobHeard = heard(record, talkS);
      process.stdout.write(`# bob heard ${JSON.stringify(bobHeard)} in ${talkS} s of talk; ${JSON.stringify(r.events.find((e) => e.event === "quality")?.data)}\n`);
      assert.ok(Math.abs(bobHeard.hz - 440) < 10 && bobHeard.presence >= 0.95, `bob heard ${JSON.stringify(bobHeard)} in ${talkS} s`);
      return talkS;
    };
    await call(join(tmp.path, 'bob-1.wav'));
    const incoming = await johndoe.waitForEvent((e) => e.event === 'call.incoming', 5000, 'the incoming call');
    assert.equal(incoming.data.calledAlias, `sip:+554845678901@${DOMAIN}`);
    const q = await johndoe.waitForEvent((e) => e.event === 'quality', 5000, 'johndoe\'s call figures');
    const johnHeard = heard(join(tmp.path, 'johndoe.wav'), q.data.durationS as number);
    process.stdout.write(`# johndoe heard ${JSON.stringify(johnHeard)} in ${q.data.durationS} s of talk\n`);
    assert.ok(Math.abs(johnHeard.hz - 600) < 10 && johnHeard.presence >= 0.95, `johndoe heard ${JSON.stringify(johnHeard)}`);

    const stopped = await server.stop();
    assert.equal(stopped.code, 0);
    const stats = server.events.find((e) => e.event === 'stats')?.data as { registrations: number; forwarded: number };
    assert.ok(stats.registrations >= 1 && stats.forwarded >= 2, JSON.stringify(stats));

    server = serve();
    const serving = await server.waitForEvent((e) => e.event === 'serving', 15_000, 'serving again');
    assert.equal(serving.data.bindings, 1, 'the location table survived the restart');
    await call(join(tmp.path, 'bob-2.wav'));
    await johndoe.stop();
    await server.stop();
  });
});
