/**
 * The ladder export for Wireshark (renderer/src/lib/sip-pcap.ts): the text
 * goes through the real text2pcap into pcapng and tshark dissects every
 * message as SIP with the right addresses, ports, direction and time; the
 * IPv4 header checksum is right (tshark checks it) and credentials stay
 * redacted.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TraceEntry } from '../../../electron/api/snapshots.ts';
import { buildLadders } from '../../../renderer/src/lib/sip-ladder.ts';
import { ladderPcapText } from '../../../renderer/src/lib/sip-pcap.ts';
import { makeTempDir } from '../../interop/harness/managed-process.ts';

const have = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

function sip(first: string, cseq: string, extra: string[] = []): string {
  return [first, 'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1', 'From: <sip:alice@sip.example>;tag=a', 'To: <sip:bob@sip.example>', 'Call-ID: ladder-1@host', `CSeq: ${cseq}`, ...extra, 'Content-Length: 0', '', ''].join('\r\n');
}

const T0 = Date.UTC(2026, 11, 6, 21, 0, 0, 123) + 0.456;
const trace: TraceEntry[] = [
  { time: T0, direction: 'out', transport: 'udp', local: '192.0.2.10:5060', remote: '198.51.100.7:5060', text: sip('INVITE sip:bob@sip.example SIP/2.0', '1 INVITE') },
  { time: T0 + 12, direction: 'in', transport: 'udp', local: '192.0.2.10:5060', remote: '198.51.100.7:5060', text: sip('SIP/2.0 407 Proxy Authentication Required', '1 INVITE', ['Proxy-Authenticate: Digest realm="sip.example", nonce="abc123secret"']) },
  { time: T0 + 30, direction: 'out', transport: 'tls', local: '[2001:db8::10]:40001', remote: '[2001:db8::7]:5061', text: sip('INVITE sip:bob@sip.example SIP/2.0', '2 INVITE', ['Proxy-Authorization: Digest username="alice", response="deadbeef"']) },
];

test('text2pcap turns the export into pcapng that tshark reads as SIP, addresses, ports and times intact', { skip: !have('text2pcap') || !have('tshark') }, () => {
  const [ladder] = buildLadders(trace);
  const text = ladderPcapText(ladder!);
  assert.match(text, /^# A capture for Wireshark: TZ=UTC text2pcap -D/m);
  assert.doesNotMatch(text, /deadbeef|abc123secret/, 'redacted before export');
  const tmp = makeTempDir('sip-pcap');
  try {
    const txt = join(tmp.path, 'ladder.txt');
    const pcap = join(tmp.path, 'ladder.pcapng');
    writeFileSync(txt, text);
    execFileSync('text2pcap', ['-q', '-D', '-t', '%Y-%m-%dT%H:%M:%S.%f', '-l', '101', txt, pcap], { stdio: 'pipe', env: { ...process.env, TZ: 'UTC' } });
    const fields = ['frame.time_epoch', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'udp.srcport', 'udp.dstport', 'sip.Method', 'sip.Status-Code', 'ip.checksum.status', 'udp.checksum.status', 'frame.p2p_dir'];
    const out = execFileSync('tshark', ['-r', pcap, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-T', 'fields', ...fields.flatMap((f) => ['-e', f]), '-E', 'separator=|'], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    const rows = out.trim().split('\n').map((l) => l.split('|'));
    assert.equal(rows.length, 3, out);
    const [a, b, c] = rows as string[][];
    assert.deepEqual(a!.slice(1, 9), ['192.0.2.10', '198.51.100.7', '', '', '5060', '5060', 'INVITE', '']);
    assert.deepEqual(b!.slice(1, 9), ['198.51.100.7', '192.0.2.10', '', '', '5060', '5060', '', '407']);
    assert.deepEqual(c!.slice(1, 9), ['', '', '2001:db8::10', '2001:db8::7', '40001', '5061', 'INVITE', '']);
    assert.equal(a![9], '1', 'IPv4 header checksum good (tshark: 0 bad, 1 good, 2 unverified)');
    assert.equal(c![10], '1', 'IPv6 UDP checksum good');
    assert.ok(Math.abs(Number(a![0]) - T0 / 1000) < 1e-6, `time ${a![0]} vs ${T0 / 1000}`);
    assert.ok(Math.abs(Number(b![0]) - (T0 + 12) / 1000) < 1e-6);
    assert.deepEqual(rows.map((r) => r[11]), ['0', '1', '0'], 'direction: out, in, out (pcapng flags)');
  } finally {
    tmp.remove();
  }
});
