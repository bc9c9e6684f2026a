/**
 * Cuts the CPU profile `setup-time.bench.ts --cpu-prof DIR` leaves (the
 * engine's, 50 µs samples) by the stages of each call, using the moments
 * its probe noted beside it (marks-<pid>.json, dgram-probe.ts): for every
 * measured call, the samples between two moments, as a call tree with the
 * milliseconds per call spent in each function and under it (idle samples
 * left out). The profiler samples wall time: a thread that was not running
 * is charged to where it resumed (a send that woke another process, a
 * getrusage), so read the stages' CPU column of the bench beside it.
 *
 *   node tests/bench/harness/profile-stages.ts DIR [--pid PID] [--stage N | --from MARK --to MARK] [--min 0.01] [--skip 5] [--under TEXT]
 *
 * Stages (--stage, default 0): 0 dial → INVITE to the socket, 1 INVITE →
 * 200 read, 2 200 read → ACK, 3 ACK → first RTP, 4 first RTP → 'active',
 * 5 the whole dial → 'active'. `--from`/`--to`: any two moments by name
 * (e.g. "'dialing' event", "100 INVITE read (JS)"). `--skip`: calls left
 * out at the start (the first ones compile the path). `--pid`: which
 * process's profile (a run with CLI callers leaves one per process; default
 * the first with its moments). `--under`: only
 * the samples below a function whose name contains TEXT, rooted there.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceMoment } from './setup-trace.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface TreeNode {
  ms: number;
  kids: Map<string, TreeNode>;
}

const STAGES: [string, string][] = [
  ['call.dial command in', 'INVITE to the socket'],
  ['INVITE to the socket', '200 INVITE read (JS)'],
  ['200 INVITE read (JS)', 'ACK to the socket'],
  ['ACK to the socket', 'first RTP to the socket'],
  ['first RTP to the socket', "'active' event"],
  ['call.dial command in', "'active' event"],
];

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

function main(): void {
  const dir = process.argv[2];
  if (dir === undefined || dir.startsWith('--')) throw new Error('usage: profile-stages.ts DIR [--stage N | --from MARK --to MARK] [--min MS] [--skip N] [--under TEXT]');
  // A profile and the moments of the same process (CPU.<date>.<time>.<pid>.….cpuprofile beside marks-<pid>.json): --pid, else the first pair.
  const files = readdirSync(dir);
  const pidOf = (f: string) => /^CPU\.\d+\.\d+\.(\d+)\./.exec(f)?.[1];
  const wanted = arg('--pid');
  const profileFile = files.find((f) => f.endsWith('.cpuprofile') && (wanted === undefined ? files.includes(`marks-${pidOf(f)}.json`) : pidOf(f) === wanted));
  const marksFile = profileFile === undefined ? undefined : `marks-${pidOf(profileFile)}.json`;
  if (!profileFile || !marksFile || !files.includes(marksFile)) throw new Error(`${dir} holds no CPU profile with its marks-<pid>.json${wanted ? ` for pid ${wanted}` : ''}`);
  const profile = JSON.parse(readFileSync(join(dir, profileFile), 'utf8')) as CpuProfile;
  const marks = JSON.parse(readFileSync(join(dir, marksFile), 'utf8')) as TraceMoment[];
  const stage = STAGES[Number(arg('--stage') ?? 0)] ?? STAGES[0]!;
  const from = arg('--from') ?? stage[0];
  const to = arg('--to') ?? stage[1];
  const min = Number(arg('--min') ?? 0.01);
  const skip = Number(arg('--skip') ?? 5);
  const under = arg('--under');

  // Each call's first moment of each name, the calls cut at every dial command.
  const calls: Map<string, number>[] = [];
  for (const m of marks) {
    if (m.what === 'call.dial command in') calls.push(new Map());
    const call = calls[calls.length - 1];
    if (call && !call.has(m.what)) call.set(m.what, m.at);
  }
  const windows = calls
    .slice(skip)
    .map((c) => [c.get(from), c.get(to)] as const)
    .filter((w): w is readonly [number, number] => w[0] !== undefined && w[1] !== undefined && w[1] > w[0]);
  if (windows.length === 0) throw new Error(`no call has both "${from}" and "${to}"`);

  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(electron|node_modules|tests)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;

  const root: TreeNode = { ms: 0, kids: new Map() };
  // Sample times on the monotonic clock (ms), as the moments are.
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    const at = t / 1000;
    if (!windows.some(([a, b]) => at >= a && at < b)) return;
    const node = nodes.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return;
    const ms = (profile.timeDeltas[i + 1] ?? 50) / 1000;
    const path: string[] = [];
    for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) path.unshift(label(nodes.get(p)!));
    const start = under === undefined ? 0 : path.findIndex((l) => l.includes(under));
    if (start < 0) return;
    let n = root;
    n.ms += ms;
    for (const l of path.slice(start)) {
      let kid = n.kids.get(l);
      if (!kid) n.kids.set(l, (kid = { ms: 0, kids: new Map() }));
      kid.ms += ms;
      n = kid;
    }
  });

  const perCall = (ms: number) => (ms / windows.length).toFixed(3);
  const lines = [`${from} → ${to}: ${perCall(root.ms)} ms per call (${windows.length} calls; ms per call in and under each function)`];
  const walk = (n: TreeNode, depth: number) => {
    for (const [name, kid] of [...n.kids].sort((a, b) => b[1].ms - a[1].ms)) {
      if (kid.ms / windows.length < min) continue;
      lines.push(`${' '.repeat(depth)}${perCall(kid.ms)} ${name}`);
      walk(kid, depth + 1);
    }
  };
  walk(root, 0);
  console.log(lines.join('\n'));
}

main();
