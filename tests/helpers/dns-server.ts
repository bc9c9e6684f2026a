/**
 * A small authoritative DNS server for tests: UDP and TCP on the same
 * loopback port, serving a zone given as a plain object. It can truncate
 * (TC=1) answers over UDP, drop queries (to test timeouts) and answer SERVFAIL,
 * and it records every query it sees so tests can count lookups.
 *
 *   const dns = await startDnsServer({ 'example.test': { A: ['192.0.2.1'] } });
 *   new WireDnsResolver({ servers: [dns.endpoint] });
 *   ...
 *   await dns.close();
 */
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { AUTHORITATIVE_ANSWER, decode, encode } from 'dns-packet';
import type { Answer, NaptrData, Packet, SrvData } from 'dns-packet';

export interface ZoneEntry {
  A?: string[];
  AAAA?: string[];
  NAPTR?: NaptrData[];
  SRV?: SrvData[];
  /** An alias: other types are answered with the CNAME and then the target's records. */
  CNAME?: string;
  /** Seconds; default 300. */
  ttl?: number;
  /** Answer RCODE 2. */
  servfail?: boolean;
  /** Never answer. */
  drop?: boolean;
  /** Always set TC over UDP (with no records), whatever the size. */
  truncate?: boolean;
}

export type Zone = Record<string, ZoneEntry>;

export interface SeenQuery {
  name: string;
  type: string;
  transport: 'udp' | 'tcp';
}

export interface DnsServerOptions {
  /** UDP answers longer than this are sent truncated; default 512 (RFC 1035, no EDNS honoured). */
  udpMaxBytes?: number;
}

const rcode = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 };

function key(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

export class TestDnsServer {
  readonly address = '127.0.0.1';
  port = 0;
  /** Replace or edit freely; looked up on every query. */
  zone: Zone;
  /** Drop every query while true. */
  dropAll = false;
  /** Answer SERVFAIL to every query while true. */
  servfailAll = false;
  readonly queries: SeenQuery[] = [];
  readonly #udpMaxBytes: number;
  #udp: UdpSocket | undefined;
  #tcp: Server | undefined;
  readonly #connections = new Set<Socket>();

  constructor(zone: Zone, options: DnsServerOptions = {}) {
    this.zone = zone;
    this.#udpMaxBytes = options.udpMaxBytes ?? 512;
  }

  get endpoint(): { address: string; port: number } {
    return { address: this.address, port: this.port };
  }

  /** Queries seen for one name (and type), e.g. to check caching. */
  count(name: string, type?: string): number {
    return this.queries.filter((q) => key(q.name) === key(name) && (type === undefined || q.type === type)).length;
  }

  async start(): Promise<void> {
    // UDP and TCP must share the port number: bind TCP on port 0, then UDP on that port, retrying on a clash.
    for (let attempt = 0; attempt < 20; attempt++) {
      const tcp = createServer((socket) => this.#serveTcp(socket));
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(0, this.address, () => resolve());
      });
      const port = (tcp.address() as { port: number }).port;
      const udp = createSocket('udp4');
      const ok = await new Promise<boolean>((resolve) => {
        udp.once('error', () => resolve(false));
        udp.bind(port, this.address, () => resolve(true));
      });
      if (ok) {
        udp.on('message', (msg, rinfo) => {
          const out = this.#answer(msg, 'udp');
          if (out) udp.send(out, rinfo.port, rinfo.address);
        });
        this.#udp = udp;
        this.#tcp = tcp;
        this.port = port;
        return;
      }
      udp.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    }
    throw new Error('could not bind UDP and TCP on one port');
  }

  async close(): Promise<void> {
    for (const c of this.#connections) c.destroy();
    await Promise.all([
      new Promise<void>((resolve) => (this.#udp ? this.#udp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (this.#tcp ? this.#tcp.close(() => resolve()) : resolve())),
    ]);
  }

  #serveTcp(socket: Socket): void {
    this.#connections.add(socket);
    socket.on('close', () => this.#connections.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const size = buffered.readUInt16BE(0);
        const out = this.#answer(buffered.subarray(2, 2 + size), 'tcp');
        buffered = buffered.subarray(2 + size);
        if (out) {
          const length = Buffer.alloc(2);
          length.writeUInt16BE(out.length);
          socket.write(Buffer.concat([length, out]));
        }
      }
    });
  }

  #answer(msg: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
    let query: Packet;
    try {
      query = decode(msg);
    } catch {
      return undefined;
    }
    const question = query.questions?.[0];
    if (!question) return undefined;
    this.queries.push({ name: question.name, type: question.type, transport });
    const entry = this.#entry(question.name);
    if (this.dropAll || entry?.drop) return undefined;

    const reply = (code: number, answers: Answer[], truncated = false): Buffer =>
      encode({
        type: 'response',
        id: query.id,
        flags: AUTHORITATIVE_ANSWER | (truncated ? 1 << 9 : 0) | ((query.flags ?? 0) & 0x0100) | code,
        questions: [question],
        answers,
      });

    if (this.servfailAll || entry?.servfail) return reply(rcode.SERVFAIL, []);
    if (!entry) return reply(rcode.NXDOMAIN, []);
    const answers = this.#records(question.name, question.type, 0);
    const full = reply(rcode.NOERROR, answers);
    if (transport === 'udp' && (entry.truncate || full.length > this.#udpMaxBytes)) return reply(rcode.NOERROR, [], true);
    return full;
  }

  #entry(name: string): ZoneEntry | undefined {
    return this.zone[key(name)] ?? Object.entries(this.zone).find(([k]) => key(k) === key(name))?.[1];
  }

  #records(name: string, type: string, depth: number): Answer[] {
    const entry = this.#entry(name);
    if (!entry || depth > 8) return [];
    const ttl = entry.ttl ?? 300;
    if (entry.CNAME && type !== 'CNAME') {
      return [{ type: 'CNAME', name, ttl, data: entry.CNAME }, ...this.#records(entry.CNAME, type, depth + 1)];
    }
    switch (type) {
      case 'A':
        return (entry.A ?? []).map((data) => ({ type: 'A', name, ttl, data }));
      case 'AAAA':
        return (entry.AAAA ?? []).map((data) => ({ type: 'AAAA', name, ttl, data }));
      case 'SRV':
        return (entry.SRV ?? []).map((data) => ({ type: 'SRV', name, ttl, data }));
      case 'NAPTR':
        return (entry.NAPTR ?? []).map((data) => ({ type: 'NAPTR', name, ttl, data }));
      default:
        return [];
    }
  }
}

export async function startDnsServer(zone: Zone, options: DnsServerOptions = {}): Promise<TestDnsServer> {
  const server = new TestDnsServer(zone, options);
  await server.start();
  return server;
}
