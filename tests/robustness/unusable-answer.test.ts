/**
 * `parley call` against a UAS (sipp) whose 200 OK carries no usable SDP
 * answer: the engine ACKs and hangs up at once (RFC 3261 §13.2.1), and the
 * run must say the call failed, with the reason, and exit 7 — not "answered",
 * exit 0.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSipp, type SippRun } from '../interop/harness/sipp.ts';
import { makeTempDir } from '../interop/harness/managed-process.ts';
import { ParleyProcess } from '../unit/cli/parley-process.ts';
import { ExitCode } from '../../electron/cli/exit-codes.ts';

const scenarios = fileURLToPath(new URL('./scenarios/', import.meta.url));
const tmp = makeTempDir('unusable');
const runs: SippRun[] = [];
after(async () => {
  await Promise.all(runs.map((r) => r.stop()));
  tmp.remove();
});

const pts = Array.from({ length: 10_000 }, (_, i) => 96 + (i % 32)).join(' ');
const cases: { name: string; scenario: string; mediaLine?: string; reason: RegExp }[] = [
  { name: 'no SDP in the 200', scenario: 'uas-answer-no-sdp', reason: /no SDP answer/ },
  { name: 'the stream refused (m=audio 0)', scenario: 'uas-answer-bad-sdp', mediaLine: 'm=audio 0 RTP/AVP 0', reason: /unusable SDP answer/ },
  { name: 'garbage', scenario: 'uas-answer-bad-sdp', mediaLine: 'm=garbage ~~~', reason: /unusable SDP answer/ },
  { name: '10,000 payload types', scenario: 'uas-answer-bad-sdp', mediaLine: `m=audio 6000 RTP/AVP ${pts}`, reason: /unusable SDP answer/ },
];

describe('parley call with an unusable SDP answer', () => {
  for (const c of cases) {
    test(`${c.name}: failed, with the reason, exit 7`, { timeout: 60_000 }, async () => {
      const uas = await startSipp({ scenario: join(scenarios, `${c.scenario}.xml`), ...(c.mediaLine ? { keys: { media_line: c.mediaLine } } : {}), timeoutMs: 30_000 });
      runs.push(uas);
      const p = new ParleyProcess(['call', `sip:service@127.0.0.1:${uas.localPort}`, '--bind', '127.0.0.1:0', '--duration', '5', '--json'], { env: { XDG_CONFIG_HOME: join(tmp.path, 'xdg'), PARLEY_PASSWORD: '' } });
      const exit = await p.waitForExit(30_000);
      const ended = p.events.filter((e) => e.event === 'call' && e.data.state === 'ended').at(-1);
      process.stdout.write(`# ${c.name}: exit ${exit.code}, ended with ${ended?.data.code} ${ended?.data.failure ?? ''}\n`);
      assert.equal(exit.code, ExitCode.rejected, p.stdout + p.stderr);
      assert.match(p.stderr, /call to sip:service@127\.0\.0\.1:\d+ failed: /);
      assert.match(p.stderr, c.reason);
      assert.equal(ended?.data.code, 488);
      const result = await uas.result;
      assert.equal(result.stats?.successful, 1, 'the UAS got the ACK and our BYE');
    });
  }
});
