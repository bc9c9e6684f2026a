/**
 * One DNS message exchange with one server, over UDP (RFC 1035 §4.2.1) or
 * TCP with the two-byte length prefix (RFC 1035 §4.2.2, RFC 7766). Each
 * exchange has its own socket, so every UDP query leaves from a fresh random
 * port (RFC 5452 §9.2), and only an answer from the server we asked, with our
 * ID and our question, is accepted; anything else is ignored so that a stray
 * or forged datagram cannot end the wait early (RFC 5452 §4.3).
 */
import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import { decode } from 'dns-packet';
import type { DecodedPacket } from 'dns-packet';
import type { Clock, TimerHandle } from '../../common/clock.ts';
import { DnsError } from './dns-error.ts';
import { normalizeDnsName } from './dns-records.ts';
import type { DnsRecordType } from './dns-records.ts';

export interface DnsServerAddress {
  /** IP literal; IPv6 without brackets. */
  address: string;
  port: number;
}

export interface DnsExchange {
  server: DnsServerAddress;
  /** The encoded query. */
  query: Buffer;
  id: number;
  name: string;
  type: DnsRecordType;
  timeoutMs: number;
  clock: Clock;
}

/** A decoded response; dns-packet sets `rcode` but its types omit it. */
export type DnsResponse = DecodedPacket & { rcode?: string };

/** The largest TCP answer we accept (the protocol maximum is 65535). */
const maxTcpMessage = 65535;

function matches(ex: DnsExchange, packet: DnsResponse): boolean {
  if (packet.id !== ex.id || !packet.flag_qr) return false;
  const q = packet.questions?.[0];
  // RFC 5452 §9.1: compare the question too; a server may change the case (0x20 encoding).
  return q !== undefined && q.type === ex.type && normalizeDnsName(q.name) === normalizeDnsName(ex.name);
}

function tryDecode(buf: Buffer): DnsResponse | undefined {
  try {
    return decode(buf) as DnsResponse;
  } catch {
    return undefined;
  }
}

/** Sends the query once over UDP and waits at most `timeoutMs` for the matching answer. */
export function udpExchange(ex: DnsExchange): Promise<DnsResponse> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(ex.server.address) ? 'udp6' : 'udp4');
    let timer: TimerHandle | undefined;
    let done = false;
    const finish = (err: DnsError | undefined, packet?: DnsResponse) => {
      if (done) return;
      done = true;
      ex.clock.clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(packet as DnsResponse);
    };
    socket.on('message', (msg) => {
      const packet = tryDecode(msg);
      if (packet && matches(ex, packet)) finish(undefined, packet);
    });
    socket.on('error', (e) => finish(new DnsError('network', ex.name, ex.type, (e as NodeJS.ErrnoException).code ?? e.message)));
    timer = ex.clock.setTimeout(() => finish(new DnsError('timeout', ex.name, ex.type, `${ex.server.address}:${ex.server.port} over UDP`)), ex.timeoutMs);
    // A connected socket only receives datagrams from the server and reports ICMP unreachable as an error.
    socket.connect(ex.server.port, ex.server.address, () => {
      if (done) return;
      socket.send(ex.query, (e) => {
        if (e) finish(new DnsError('network', ex.name, ex.type, (e as NodeJS.ErrnoException).code ?? e.message));
      });
    });
  });
}

/** Sends the query once over TCP and waits at most `timeoutMs` (connect included) for the answer. */
export function tcpExchange(ex: DnsExchange): Promise<DnsResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: ex.server.address, port: ex.server.port });
    let timer: TimerHandle | undefined;
    let done = false;
    let buffered = Buffer.alloc(0);
    const finish = (err: DnsError | undefined, packet?: DnsResponse) => {
      if (done) return;
      done = true;
      ex.clock.clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(packet as DnsResponse);
    };
    timer = ex.clock.setTimeout(() => finish(new DnsError('timeout', ex.name, ex.type, `${ex.server.address}:${ex.server.port} over TCP`)), ex.timeoutMs);
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(ex.query.length);
      socket.write(Buffer.concat([length, ex.query]));
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      // RFC 7766 §6.2.1: a server may send several messages on one connection; take ours.
      while (buffered.length >= 2) {
        const size = buffered.readUInt16BE(0);
        if (size > maxTcpMessage) return finish(new DnsError('bad-response', ex.name, ex.type, 'oversized TCP message'));
        if (buffered.length < 2 + size) return;
        const packet = tryDecode(buffered.subarray(2, 2 + size));
        buffered = buffered.subarray(2 + size);
        if (packet && matches(ex, packet)) return finish(undefined, packet);
      }
    });
    socket.on('error', (e) => finish(new DnsError('network', ex.name, ex.type, (e as NodeJS.ErrnoException).code ?? e.message)));
    socket.on('close', () => finish(new DnsError('network', ex.name, ex.type, 'TCP connection closed before the answer')));
  });
}
