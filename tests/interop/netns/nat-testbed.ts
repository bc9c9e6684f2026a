/**
 * The NAT test bed: a WAN segment and home routers built from network
 * namespaces, for the tests of calls behind NAT.
 *
 *            WAN 198.51.100.0/24 (bridge br0 in nat-XXXXXX-wan, .1)
 *   .10 Kamailio   .20 coturn   .30 public baresip   (a namespace each: one
 *        │          address per host, so replies leave from the address called)
 *        │                                   │
 *   .101 wan ┌──────────┐            .102 wan ┌──────────┐
 *            │ router 1 │ masquerade          │ router 2 │ masquerade [fully-random]
 *  10.1.0.1  └──────────┘            10.2.0.1 └──────────┘
 *        │ lan                                │ lan
 *   10.1.0.2 LAN 1 (Parley)              10.2.0.2 LAN 2 (a second phone)
 *
 * The public hosts route everything else to the switch (.1), which forwards
 * nothing: a packet to a private address is dropped there without an error,
 * as on the Internet.
 * Each router forgets an idle UDP mapping after `udpTimeoutS` (conntrack's
 * per-namespace nf_conntrack_udp_timeout and _stream), drops new connections
 * from the WAN — forwarded or to itself — (a home router's stateful firewall:
 * a dropped packet leaves no conntrack entry, so an early packet from a peer
 * cannot take the public port our own later packets would be mapped to),
 * and with `symmetric`
 * maps each destination to another public port (endpoint-dependent mapping,
 * RFC 4787 §4.1) — what defeats server-reflexive candidates.
 * Names are nat-<6 hex>-<role>; `teardown()` deletes every namespace (also
 * at process exit, should a test die before its `after`).
 */
import { makeTempDir } from '../harness/managed-process.ts';
import type { Placement } from '../harness/placement.ts';
import { NsBridge } from './ns-bridge.ts';
import { Netns, runId, vethPair } from './netns.ts';

export const WAN_PREFIX = '198.51.100';
export const WAN_HOSTS = { kamailio: `${WAN_PREFIX}.10`, coturn: `${WAN_PREFIX}.20`, baresip: `${WAN_PREFIX}.30` } as const;

export interface RouterSpec {
  /** Seconds an idle UDP mapping survives (default 30, a forgetful home router). */
  udpTimeoutS?: number;
  /** Endpoint-dependent mapping: a new public port per destination. */
  symmetric?: boolean;
  /** Drop all UDP towards the WAN (only TCP/TLS get through). */
  blockUdp?: boolean;
  /**
   * A TCP segment of a connection the router does not know (after a reboot or
   * a conntrack flush) is not taken up again (nf_conntrack_tcp_loose 0), so a
   * flush cuts every TCP flow through it, as a rebooted home router does.
   */
  strictTcp?: boolean;
}

export interface Site {
  index: number;
  router: Netns;
  lan: Netns;
  /** The router's public address on the WAN. */
  publicAddress: string;
  /** The LAN host's address (10.<index>.0.2). */
  hostAddress: string;
  /** Runs a program on the LAN host. */
  placement: Placement;
  /** Runs a program on the LAN host listening on another of its addresses (127.0.0.1: a control port that survives a roam). */
  placementAt(address: string): Placement;
  /** Forgets every NAT mapping at once (a router reboot, or a flushed conntrack table). */
  flushMappings(): void;
  /** The router's current conntrack entries (for tests that check a mapping is gone). */
  mappings(): string;
}

export interface NatTestbed {
  prefix: string;
  /** The WAN segment's switch (and a plain host at .1). */
  wan: Netns;
  /** The public hosts, by role. */
  hosts: Record<keyof typeof WAN_HOSTS, Netns>;
  /** Runs a program on the WAN segment, listening on `address`. */
  wanPlacement(address: string): Placement;
  sites: Site[];
  /**
   * Moves `site`'s LAN host behind `to`'s router, as a laptop going from
   * Wi-Fi to a wired network: a new link to that router (10.<100+to>.<site>.2/24)
   * becomes the default route, then the old link is deleted — the host's
   * address and its public address both change. Returns the new LAN address.
   */
  roam(site: Site, to: Site): string;
  teardown(): Promise<void>;
}

const live = new Set<Netns>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const ns of live) ns.delete();
  });
}

export async function buildNatTestbed(routers: readonly RouterSpec[] = [{}]): Promise<NatTestbed> {
  hookExit();
  const prefix = `nat-${runId()}`;
  const made: Netns[] = [];
  const create = (role: string) => {
    const ns = Netns.create(prefix, role);
    made.push(ns);
    live.add(ns);
    return ns;
  };
  const tmp = makeTempDir('natbed');
  const bridges: NsBridge[] = [];
  let torn = false;
  try {
    const wan = create('wan');
    wan.ip('link', 'add', 'br0', 'type', 'bridge');
    wan.ip('link', 'set', 'br0', 'up');
    wan.ip('addr', 'add', `${WAN_PREFIX}.1/24`, 'dev', 'br0');
    const hosts = {} as Record<keyof typeof WAN_HOSTS, Netns>;
    for (const [role, address] of Object.entries(WAN_HOSTS) as Array<[keyof typeof WAN_HOSTS, string]>) {
      const host = create(role);
      vethPair({ ns: host, name: 'eth0', cidr: `${address}/24` }, { ns: wan, name: `h-${role}` });
      wan.ip('link', 'set', `h-${role}`, 'master', 'br0');
      // A server on the Internet has a default route; the switch forwards nothing, so a packet a server sends to a
      // private address (a peer's host candidate relayed by coturn) is dropped on the way, silently, as the Internet
      // does. Without the route the send fails at once (ENETUNREACH), and coturn ends an allocation whose relay
      // socket gets such an error: the peer's relay would die in the first second of ICE checks.
      host.ip('route', 'add', 'default', 'via', `${WAN_PREFIX}.1`);
      hosts[role] = host;
    }
    const byAddress = new Map<string, Netns>(Object.entries(WAN_HOSTS).map(([role, a]) => [a, hosts[role as keyof typeof WAN_HOSTS]]));

    const built: Array<Omit<Site, 'placement' | 'placementAt'>> = [];
    for (let i = 0; i < routers.length; i++) {
      const spec = routers[i]!;
      const n = i + 1;
      const router = create(`r${n}`);
      const lan = create(`lan${n}`);
      const publicAddress = `${WAN_PREFIX}.${100 + n}`;
      const hostAddress = `10.${n}.0.2`;
      vethPair({ ns: router, name: 'wan', cidr: `${publicAddress}/24` }, { ns: wan, name: `r${n}` });
      wan.ip('link', 'set', `r${n}`, 'master', 'br0');
      vethPair({ ns: router, name: 'lan', cidr: `10.${n}.0.1/24` }, { ns: lan, name: 'eth0', cidr: `${hostAddress}/24` });
      lan.ip('route', 'add', 'default', 'via', `10.${n}.0.1`);
      router.ip('route', 'add', 'default', 'via', `${WAN_PREFIX}.1`);
      router.sysctl('net.ipv4.ip_forward', 1);
      router.nft(routerRules(spec));
      // Conntrack's sysctls exist in a namespace once its NAT table is loaded (above).
      const timeout = spec.udpTimeoutS ?? 30;
      router.sysctl('net.netfilter.nf_conntrack_udp_timeout', timeout);
      router.sysctl('net.netfilter.nf_conntrack_udp_timeout_stream', timeout);
      if (spec.strictTcp) router.sysctl('net.netfilter.nf_conntrack_tcp_loose', 0);
      // Packet and byte counts per mapping (mappings() shows them): what a phone's keep-alives cost, measured.
      router.sysctl('net.netfilter.nf_conntrack_acct', 1);
      built.push({
        index: n,
        router,
        lan,
        publicAddress,
        hostAddress,
        flushMappings: () => flushConntrack(router),
        mappings: () => router.exec('cat', ['/proc/net/nf_conntrack']),
      });
    }
    // One bridge in the switch's namespace reaches every public host's control ports over the WAN segment (Kamailio's
    // RPC needs it at once); a LAN's bridge starts when something first connects there (many tests run only Parley
    // on a LAN, which speaks on stdout). Each bridge is a Node process: their start-up is most of a bed's build time,
    // and four beds built side by side on a loaded machine took over 20 s with every bridge started up front.
    const wanBridge = await NsBridge.start(wan, tmp.path);
    bridges.push(wanBridge);
    const lazyBridge = (ns: Netns): (() => Promise<NsBridge>) => {
      let starting: Promise<NsBridge> | undefined;
      return () => {
        starting ??= NsBridge.start(ns, tmp.path).then((b) => {
          if (torn) void b.stop();
          else bridges.push(b);
          return b;
        });
        return starting;
      };
    };
    const sites: Site[] = built.map((s) => {
      const bridge = lazyBridge(s.lan);
      return { ...s, placement: nsPlacement(s.lan, bridge, s.hostAddress), placementAt: (address) => nsPlacement(s.lan, bridge, address) };
    });
    return {
      prefix,
      wan,
      hosts,
      wanPlacement: (address) => nsPlacement(byAddress.get(address) ?? wan, async () => wanBridge, address),
      sites,
      roam(site, to) {
        const net = `10.${100 + to.index}.${site.index}`;
        vethPair({ ns: site.lan, name: 'eth1', cidr: `${net}.2/24` }, { ns: to.router, name: `roam${site.index}`, cidr: `${net}.1/24` });
        site.lan.ip('route', 'replace', 'default', 'via', `${net}.1`);
        site.lan.ip('link', 'del', 'eth0');
        return `${net}.2`;
      },
      async teardown() {
        if (torn) return;
        torn = true;
        await Promise.all(bridges.map((b) => b.stop()));
        for (const ns of made) {
          ns.delete();
          live.delete(ns);
        }
        tmp.remove();
      },
    };
  } catch (err) {
    await Promise.all(bridges.map((b) => b.stop()));
    for (const ns of made) {
      ns.delete();
      live.delete(ns);
    }
    tmp.remove();
    throw err;
  }
}

function nsPlacement(ns: Netns, bridge: () => Promise<NsBridge>, address: string): Placement {
  return {
    address,
    local: false,
    wrap: (command, args) => ns.wrap(command, args),
    connect: async (port) => (await bridge()).connect(address, port),
  };
}

function routerRules(spec: RouterSpec): string {
  const masq = spec.symmetric ? 'masquerade fully-random' : 'masquerade';
  return `
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" ${masq}
  }
}
table ip filter {
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "wan" ct state new drop
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "wan" ct state new drop
    ${spec.blockUdp ? 'oifname "wan" meta l4proto udp drop' : ''}
  }
}
`;
}

/** Empties the router's connection-tracking table (`conntrack -F`, Debian package conntrack): every mapping is gone at once. */
function flushConntrack(router: Netns): void {
  router.exec('conntrack', ['-F']);
}
