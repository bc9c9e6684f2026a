/**
 * Free loopback ports for peers that need a port number up front (Kamailio's
 * listen=, baresip's sip_listen, sipp -p): bind port 0, note the port, close.
 * A port can be taken again between our close and the peer's bind, so the
 * starters retry on EADDRINUSE; here we only make sure every socket kind we
 * ask for (UDP/TCP, IPv4/IPv6) is free on the same number.
 */
import dgram from 'node:dgram';
import net from 'node:net';

export type PortKind = 'udp4' | 'tcp4' | 'udp6' | 'tcp6';

function hostOf(kind: PortKind): string {
  return kind.endsWith('6') ? '::1' : '127.0.0.1';
}

function bindUdp(kind: 'udp4' | 'udp6', port: number): Promise<{ port: number; close: () => Promise<void> } | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket({ type: kind, ipv6Only: kind === 'udp6' });
    s.once('error', () => {
      s.close();
      resolve(undefined);
    });
    s.bind(port, hostOf(kind), () => {
      resolve({ port: s.address().port, close: () => new Promise<void>((r) => s.close(() => r())) });
    });
  });
}

function bindTcp(kind: 'tcp4' | 'tcp6', port: number): Promise<{ port: number; close: () => Promise<void> } | undefined> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(undefined));
    s.listen({ port, host: hostOf(kind), exclusive: true, ipv6Only: kind === 'tcp6' }, () => {
      const addr = s.address();
      if (!addr || typeof addr === 'string') return resolve(undefined);
      resolve({ port: addr.port, close: () => new Promise<void>((r) => s.close(() => r())) });
    });
  });
}

function bind(kind: PortKind, port: number) {
  return kind === 'udp4' || kind === 'udp6' ? bindUdp(kind, port) : bindTcp(kind, port);
}

/**
 * A port number free for every kind listed (default UDP+TCP on 127.0.0.1), avoiding `exclude`.
 * Ports are held until all kinds are bound, then released together.
 */
export async function freePort(kinds: readonly PortKind[] = ['udp4', 'tcp4'], exclude: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const first = await bind(kinds[0]!, 0);
    if (!first) continue;
    const held = [first];
    let ok = !exclude.has(first.port);
    for (const kind of kinds.slice(1)) {
      if (!ok) break;
      const s = await bind(kind, first.port);
      if (s) held.push(s);
      else ok = false;
    }
    await Promise.all(held.map((h) => h.close()));
    if (ok) return first.port;
  }
  throw new Error(`no free port for ${kinds.join('+')} after 100 attempts`);
}

/** Whether `port` can be bound right now for `kind`. */
export async function portFree(kind: PortKind, port: number): Promise<boolean> {
  const s = await bind(kind, port);
  if (!s) return false;
  await s.close();
  return true;
}

/** Several distinct free ports. */
export async function freePorts(count: number, kinds: readonly PortKind[] = ['udp4', 'tcp4']): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < count) out.add(await freePort(kinds, out));
  return [...out];
}

/** Whether IPv6 loopback is usable here (containers sometimes disable it). */
export async function ipv6LoopbackAvailable(): Promise<boolean> {
  const s = await bindUdp('udp6', 0);
  if (!s) return false;
  await s.close();
  return true;
}

/** True when something is bound (UDP) or listening (TCP) on `port` (Linux /proc/net; used to wait for a peer's bind). */
export async function portBound(port: number, protocol: 'udp' | 'tcp' = 'udp', family: 4 | 6 = 4): Promise<boolean> {
  const { readFile } = await import('node:fs/promises');
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  try {
    const table = await readFile(`/proc/net/${protocol}${family === 6 ? '6' : ''}`, 'utf8');
    return table.split('\n').some((line) => {
      const cols = line.trim().split(/\s+/);
      // TCP: only sockets in LISTEN (state 0A) count.
      return cols[1]?.endsWith(`:${hex}`) === true && (protocol === 'udp' || cols[3] === '0A');
    });
  } catch {
    // No /proc: probe by binding; failure to bind means someone holds it.
    return !(await portFree(`${protocol}${family}` as PortKind, port));
  }
}
