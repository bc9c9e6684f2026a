/**
 * A ladder as text that Wireshark's text2pcap turns into a pcapng capture
 * (then tshark/Wireshark dissect it as SIP): each message one packet, a raw
 * IPv4 (or IPv6) header with the real addresses and a UDP header with the
 * real ports in front of the (redacted) message, as a hex dump preceded by
 * its direction and time:
 *
 *   O 2026-12-06T21:00:00.123456
 *   000000 45 00 01 f4 …
 *
 *   text2pcap -D -t "%Y-%m-%dT%H:%M:%S.%f" -l 101 ladder.txt ladder.pcapng
 *
 * (-l 101: LINKTYPE_RAW, an IP packet without link layer; -D: I/O gives the
 * pcapng direction flag; %f: the fraction of a second, Wireshark 4.0 — its
 * 3.x text2pcap wants "%S." instead, and -n for pcapng.) Messages that went over TCP or TLS are written as
 * UDP datagrams too — their bytes as the phone sent or received them, before
 * TLS — and the comment lines say which transport carried each one.
 */
import type { Ladder } from './sip-ladder.ts';

const utf8 = new TextEncoder();

interface HostPort {
  host: string;
  port: number;
  v6: boolean;
}

function parseHostPort(text: string): HostPort | undefined {
  const m = /^\[([0-9a-f:.]+)\]:(\d+)$/i.exec(text) ?? /^([0-9.]+):(\d+)$/.exec(text);
  if (!m) return undefined;
  return { host: m[1]!, port: Number(m[2]), v6: text.startsWith('[') };
}

function ipv4Bytes(host: string): number[] {
  const parts = host.split('.').map(Number);
  return parts.length === 4 && parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 255) ? parts : [0, 0, 0, 0];
}

function ipv6Bytes(host: string): number[] {
  const [head = '', tail = ''] = host.includes('::') ? host.split('::') : [host, ''];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t].slice(0, 8);
  return groups.flatMap((g) => {
    const n = parseInt(g || '0', 16) & 0xffff;
    return [n >> 8, n & 0xff];
  });
}

/** RFC 791 header checksum: ones' complement of the ones' complement sum of the 16-bit words. */
function checksum(bytes: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

/** One SIP message as an IP packet: IPv4 or IPv6, UDP (checksum 0 on IPv4, "not computed", RFC 768), the payload. */
export function sipPacket(from: HostPort, to: HostPort, payload: Uint8Array): number[] {
  const udpLength = 8 + payload.length;
  const udp = [from.port >> 8, from.port & 0xff, to.port >> 8, to.port & 0xff, udpLength >> 8, udpLength & 0xff, 0, 0];
  let ip: number[];
  if (from.v6 || to.v6) {
    ip = [0x60, 0, 0, 0, udpLength >> 8, udpLength & 0xff, 17, 64, ...ipv6Bytes(from.v6 ? from.host : '::'), ...ipv6Bytes(to.v6 ? to.host : '::')];
    // IPv6 makes the UDP checksum mandatory (RFC 8200 §8.1): over the pseudo-header, the UDP header and the payload.
    const pseudo = [...ip.slice(8, 40), 0, 0, udpLength >> 8, udpLength & 0xff, 0, 0, 0, 17, ...udp, ...payload];
    const sum = checksum(pseudo) || 0xffff;
    udp[6] = sum >> 8;
    udp[7] = sum & 0xff;
  } else {
    const total = 20 + udpLength;
    ip = [0x45, 0, total >> 8, total & 0xff, 0, 0, 0x40, 0, 64, 17, 0, 0, ...ipv4Bytes(from.host), ...ipv4Bytes(to.host)];
    const sum = checksum(ip);
    ip[10] = sum >> 8;
    ip[11] = sum & 0xff;
  }
  return [...ip, ...udp, ...payload];
}

function hexDump(bytes: readonly number[]): string[] {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = bytes.slice(off, off + 16).map((b) => b.toString(16).padStart(2, '0')).join(' ');
    lines.push(`${off.toString(16).padStart(6, '0')} ${row}`);
  }
  return lines;
}

/** text2pcap's -t "%Y-%m-%dT%H:%M:%S.%f" with microseconds, in UTC (what the capture's timestamps become). */
function stamp(time: number): string {
  const iso = new Date(time).toISOString();
  const micros = Math.round((time - Math.floor(time)) * 1000);
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}${String(micros).padStart(3, '0')}`;
}

export const TEXT2PCAP_COMMAND = 'TZ=UTC text2pcap -D -t "%Y-%m-%dT%H:%M:%S.%f" -l 101 LADDER.txt LADDER.pcapng';

/** The ladder as text2pcap input (see above); times are UTC. */
export function ladderPcapText(ladder: Ladder): string {
  const lines = [
    `# Parley SIP ladder, Call-ID ${ladder.callId}: ${ladder.messages.length} messages (credentials redacted), times in UTC.`,
    `# A capture for Wireshark: ${TEXT2PCAP_COMMAND}`,
    '',
  ];
  for (const m of ladder.messages) {
    const local = parseHostPort(m.local) ?? { host: '0.0.0.0', port: 0, v6: false };
    const remote = parseHostPort(m.remote) ?? { host: '0.0.0.0', port: 0, v6: false };
    const [from, to] = m.direction === 'out' ? [local, remote] : [remote, local];
    lines.push(`# ${m.transport.toUpperCase()} ${m.direction === 'out' ? `${m.local} -> ${m.remote}` : `${m.remote} -> ${m.local}`} ${m.label}`);
    lines.push(`${m.direction === 'out' ? 'O' : 'I'} ${stamp(m.time)}`);
    lines.push(...hexDump(sipPacket(from, to, utf8.encode(m.text))), '');
  }
  return lines.join('\n');
}
