/**
 * `parley listen --auto-answer` under overlapping calls from sipp (`-l 5
 * -r 10`): every call is answered, none is put on hold (the phone's call
 * policy: auto-answer never holds another call), and none fails. Each call
 * holds for a second before sipp's BYE, so five are up at once.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runSipp } from './harness/sipp.ts';
import { makeTempDir } from './harness/managed-process.ts';
import { ParleyProcess } from '../unit/cli/parley-process.ts';

const CALLS = 30;

describe('parley listen --auto-answer under sipp -l 5 -r 10', () => {
  const tmp = makeTempDir('cli-load');
  const procs: ParleyProcess[] = [];
  after(async () => {
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
    tmp.remove();
  });

  test(`${CALLS} overlapping calls, zero failed, no re-INVITE`, { timeout: 90_000 }, async () => {
    const listener = new ParleyProcess(['listen', '--auto-answer', '--bind', '127.0.0.1:0', '--json'], { env: { XDG_CONFIG_HOME: join(tmp.path, 'xdg'), PARLEY_PASSWORD: '' } });
    procs.push(listener);
    const listening = await listener.waitForEvent((e) => e.event === 'listening', 15_000, 'listening');
    const local = String(listening.data.local ?? '');
    const port = /:(\d+)$/.exec(local)?.[1];
    assert.ok(port, `a direct address to call: ${local}`);
    const r = await runSipp({
      scenario: 'uac-invite-bye',
      remote: `127.0.0.1:${port}`,
      calls: CALLS,
      rate: 10,
      pauseMs: 1000,
      extraArgs: ['-l', '5'],
      timeoutMs: 60_000,
    });
    process.stdout.write(`# sipp: ${r.stats?.successful ?? '?'} successful, ${r.stats?.failed ?? '?'} failed in ${(r.durationMs / 1000).toFixed(1)} s\n`);
    assert.equal(r.exitCode, 0, r.errors || r.output.slice(-1500));
    assert.equal(r.stats?.failed, 0, r.errors);
    assert.equal(r.stats?.successful, CALLS);
    assert.doesNotMatch(r.messages, /^INVITE sip:sipp@/m, 'the phone sent no re-INVITE (nothing was held)');
    // sipp is done when the last BYE is answered; the listener prints that call's 'ended' once its media has
    // stopped, a moment later, and this process reads the line later still: wait for it (bounded) before counting.
    const endedCount = () => listener.events.filter((e) => e.event === 'call' && e.data.state === 'ended').length;
    await listener.waitForEvent(() => endedCount() >= CALLS, 10_000, `${CALLS} 'ended' call events`).catch(() => undefined);
    assert.equal(endedCount(), CALLS, 'the listener reports every call ended');
    const stopped = await listener.stop();
    assert.equal(stopped.code, 0, listener.stderr);
  });
});
