/**
 * Binding the UDP sockets of one RTP stream inside a configured port range.
 * RFC 3550 §11: RTP on an even port, RTCP on the next (odd) one. We start at
 * a random even port of the range (so two calls, or two processes, rarely
 * race for the same pair) and walk up, wrapping, until a pair binds.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import type { LookupOneOptions } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import type { RandomUint32 } from './random.ts';
import { cryptoRandomUint32 } from './random.ts';

export interface PortRange {
  min: number;
  max: number;
}

/** Outside Linux's ephemeral range (32768–60999), like most softphones' defaults. */
export const DEFAULT_RTP_PORT_RANGE: Readonly<PortRange> = { min: 16384, max: 32767 };

export interface AllocatedPorts {
  rtp: Socket;
  rtcp?: Socket;
  port: number;
}

export class PortAllocationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortAllocationError';
  }
}

/**
 * dgram resolves every destination before each send, even an IP literal
 * (dns.lookup answers it on the next tick: a closure and a tick per media
 * packet). Media only ever goes to literal addresses (rtp-session.ts refuses
 * host names), so they are answered at once; anything else still goes to
 * dns.lookup.
 */
function literalLookup(hostname: string, options: LookupOneOptions, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dnsLookup(hostname, options, callback);
}

export function bindUdpSocket(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', reuseAddr: false, lookup: literalLookup });
    const onError = (err: Error) => {
      socket.close();
      reject(err);
    };
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function closeQuietly(socket: Socket | undefined): void {
  try {
    socket?.close();
  } catch {
    // already closed
  }
}

export async function allocatePortPair(options: {
  address: string;
  range?: PortRange;
  withRtcp: boolean;
  random?: RandomUint32;
  maxAttempts?: number;
}): Promise<AllocatedPorts> {
  const range = options.range ?? DEFAULT_RTP_PORT_RANGE;
  const first = range.min + (range.min % 2);
  const last = options.withRtcp ? range.max - 1 : range.max;
  if (!Number.isInteger(range.min) || !Number.isInteger(range.max) || first > last || range.min < 1024 || range.max > 65535) {
    throw new PortAllocationError(`port range ${range.min}-${range.max} has no usable even port`);
  }
  const slots = Math.floor((last - first) / 2) + 1;
  const start = (options.random ?? cryptoRandomUint32)() % slots;
  const attempts = Math.min(slots, options.maxAttempts ?? 64);
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const port = first + 2 * ((start + i) % slots);
    let rtp: Socket | undefined;
    try {
      rtp = await bindUdpSocket(options.address, port);
      const rtcp = options.withRtcp ? await bindUdpSocket(options.address, port + 1) : undefined;
      return { rtp, rtcp, port };
    } catch (err) {
      closeQuietly(rtp);
      lastError = err;
    }
  }
  throw new PortAllocationError(
    `no free RTP port pair in ${range.min}-${range.max} on ${options.address} after ${attempts} attempts: ${(lastError as Error)?.message}`,
  );
}
