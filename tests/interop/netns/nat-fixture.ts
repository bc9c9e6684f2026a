/**
 * What every call test on the NAT test bed sets up the same way: the bed
 * (nat-testbed.ts), the project's Kamailio on the WAN (STUN answered on its
 * SIP port), a temporary directory, Parley processes placed on a LAN, and
 * their teardown in order (Parleys by PID, peers, servers, namespaces).
 * Also the checks the tests share: that a phone behind a NAT is registered
 * with its router's address only, and the tones heard both ways.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKamailio, type KamailioHandle } from '../harness/kamailio.ts';
import type { BaresipHandle } from '../harness/baresip.ts';
import type { Placement } from '../harness/placement.ts';
import { makeTempDir, sleep } from '../harness/managed-process.ts';
import { ParleyProcess } from '../../unit/cli/parley-process.ts';
import { buildNatTestbed, WAN_HOSTS } from './nat-testbed.ts';
import type { NatTestbed, RouterSpec, Site } from './nat-testbed.ts';
import { describeHeard, type Heard } from './heard.ts';

export function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

export interface NatFixture {
  bed: NatTestbed;
  kam: KamailioHandle;
  tmp: { path: string; remove: () => void };
  /** baresip peers to stop at teardown (push yours). */
  peers: BaresipHandle[];
  /** Servers to stop at teardown, after the peers (push yours: coturn). */
  servers: Array<{ stop(): Promise<unknown> }>;
  /** A Parley CLI process on `site`'s LAN host, or on a WAN host (a placement), with its own config directory; killed at teardown. */
  parley(where: Site | Placement, args: string[], env?: Record<string, string>): ParleyProcess;
  /** Kills Kamailio (SIGTERM to its group: every binding it kept in memory is gone); resolves once it is down. */
  stopKamailio(): Promise<void>;
  /** Starts Kamailio again on the same address and port; resolves when it answers (performance.now() of that). */
  startKamailio(): Promise<number>;
  /** Polls Kamailio until `user` has exactly one Contact and it names `publicAddress`; returns it and how long it took (ms). */
  publicContact(user: string, publicAddress: string, timeoutMs?: number): Promise<{ contact: string; ms: number }>;
  /** Polls Kamailio until `user` has exactly one Contact and it matches `pattern`. */
  registered(user: string, pattern: RegExp, timeoutMs?: number): Promise<{ contact: string; ms: number }>;
  teardown(): Promise<void>;
}

export async function startNatFixture(opts: { tag: string; routers: readonly RouterSpec[]; users: ReadonlyArray<[string, string]> }): Promise<NatFixture> {
  const tmp = makeTempDir(opts.tag);
  const bed = await buildNatTestbed(opts.routers);
  const procs: ParleyProcess[] = [];
  const peers: BaresipHandle[] = [];
  const servers: Array<{ stop(): Promise<unknown> }> = [];
  const kamOptions = {
    placement: bed.wanPlacement(WAN_HOSTS.kamailio),
    stun: true,
    users: opts.users.map(([username, password]) => ({ username, password })),
  };
  let kam: KamailioHandle;
  try {
    kam = await startKamailio(kamOptions);
  } catch (err) {
    await bed.teardown();
    tmp.remove();
    throw err;
  }
  const registered = async (user: string, pattern: RegExp, timeoutMs = 10_000): Promise<{ contact: string; ms: number }> => {
    const t0 = performance.now();
    const deadline = t0 + timeoutMs;
    let contacts = '';
    while (performance.now() < deadline) {
      const loc = (await kam.locations().catch(() => [])).find((l) => l.aor.startsWith(user));
      contacts = loc?.contacts.map((c) => c.contact).join(', ') ?? '';
      if (loc && loc.contacts.length === 1 && pattern.test(contacts)) return { contact: contacts, ms: performance.now() - t0 };
      await sleep(100);
    }
    assert.fail(`${user} registered as ${pattern} only within ${timeoutMs} ms; Kamailio has: ${contacts || 'nothing'}`);
  };
  return {
    bed,
    get kam() {
      return kam;
    },
    tmp,
    peers,
    servers,
    parley(where, args, env = {}) {
      const placement = 'placement' in where ? where.placement : where;
      const p = new ParleyProcess(args, {
        env: { XDG_CONFIG_HOME: join(tmp.path, `xdg-${placement.address}-${procs.length}`), PARLEY_PASSWORD: '', ...env },
        wrap: placement.wrap,
      });
      procs.push(p);
      return p;
    },
    stopKamailio: () => kam.stop(),
    async startKamailio() {
      kam = await startKamailio({ ...kamOptions, port: kam.udpPort });
      return performance.now();
    },
    publicContact: (user, publicAddress, timeoutMs = 10_000) => registered(user, new RegExp(`@${publicAddress.replaceAll('.', '\\.')}:`), timeoutMs),
    registered,
    async teardown() {
      for (const p of procs) p.kill();
      await Promise.all(procs.map((p) => p.exited));
      for (const b of peers) await b.stop();
      for (const s of servers) await s.stop();
      await kam.stop();
      await bed.teardown();
      tmp.remove();
    },
  };
}

/** Each side heard the other's tone, from soon after the answer and for most of the call (`say`: where the figures go; cases run side by side give their own). */
export function assertHeardBothWays(r: { byPeer: Heard; byParley: Heard }, tones: { parleyHz: number; peerHz: number }, within: { onsetS: number; active: number }, say: (text: string) => void = log): void {
  say(describeHeard('the peer', r.byPeer));
  say(describeHeard('Parley', r.byParley));
  assert.ok(Math.abs(r.byPeer.hz - tones.parleyHz) <= 10, `the peer heard ${r.byPeer.hz} Hz`);
  assert.ok(Math.abs(r.byParley.hz - tones.peerHz) <= 10, `Parley heard ${r.byParley.hz} Hz`);
  assert.ok(r.byPeer.onsetS < within.onsetS && r.byParley.onsetS < within.onsetS, `sound within ${within.onsetS} s, both ways`);
  assert.ok(r.byPeer.active >= within.active, `the peer heard sound ${(r.byPeer.active * 100).toFixed(1)} % of the call`);
  assert.ok(r.byParley.active >= within.active, `Parley heard sound ${(r.byParley.active * 100).toFixed(1)} % of the call`);
}

/** The ICE pair a Parley's call snapshots named, in order (each change once; `since`: ms after it started). */
export function icePairs(p: ParleyProcess, since = 0): string[] {
  const seen: string[] = [];
  for (const e of p.events) {
    if (e.at < since || e.event !== 'call' || !e.data.icePair) continue;
    const { local, remote } = e.data.icePair as { local: { type: string; address: string; port: number }; remote: { type: string; address: string; port: number } };
    const text = `${local.type} ${local.address}:${local.port} → ${remote.type} ${remote.address}:${remote.port}`;
    if (seen.at(-1) !== text) seen.push(text);
  }
  return seen;
}

/** How many times a Parley (run with -v) logged an ICE restart. */
export function iceRestarts(p: ParleyProcess): number {
  return p.stderr.split('\n').filter((l) => l.includes('ICE restart')).length;
}
