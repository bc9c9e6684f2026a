/**
 * The NAT test bed itself: a LAN host's datagrams reach the WAN from the
 * router's public address (masquerade), a WAN host cannot open a flow
 * inwards, and an idle mapping is forgotten after the router's UDP timeout.
 * Skipped (with the reason) where namespaces cannot be made (not root).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ManagedProcess, sleep } from '../harness/managed-process.ts';
import { buildNatTestbed, WAN_HOSTS } from './nat-testbed.ts';
import type { NatTestbed } from './nat-testbed.ts';
import { listNetns, netnsAvailable } from './netns.ts';

const probe = fileURLToPath(new URL('./udp-probe.ts', import.meta.url));
const can = netnsAvailable();

describe('NAT test bed', { skip: can.ok ? false : `network namespaces unavailable: ${can.ok ? '' : can.why}` }, () => {
  let bed: NatTestbed;
  let echo: ManagedProcess;

  before(async () => {
    bed = await buildNatTestbed([{ udpTimeoutS: 3 }, { udpTimeoutS: 3, symmetric: true }]);
    const w = bed.hosts.kamailio.wrap(process.execPath, [probe, 'echo', WAN_HOSTS.kamailio, '7000']);
    echo = new ManagedProcess(w.command, w.args);
    assert.ok(await echo.waitForOutput(/ready/, 5000), echo.output);
  });
  after(async () => {
    await echo?.stop(1000);
    const prefix = bed?.prefix;
    await bed?.teardown();
    if (prefix) assert.deepEqual(listNetns().filter((n) => n.startsWith(prefix)), [], 'every namespace of the run is gone');
  });

  const ask = (site: number, localPort: number, address: string = WAN_HOSTS.kamailio, port = 7000) =>
    bed.sites[site]!.lan.exec(process.execPath, [probe, 'ask', address, String(port), String(localPort)]).trim();

  test('a LAN host is seen from the WAN at its router address, with its port kept; the mapping lapses after the UDP timeout', { timeout: 30_000 }, async () => {
    const site = bed.sites[0]!;
    assert.equal(ask(0, 40000), `${site.publicAddress}:40000`);
    assert.match(site.mappings(), /src=10\.1\.0\.2 dst=198\.51\.100\.10 sport=40000 dport=7000/);
    await sleep(4500);
    assert.doesNotMatch(site.mappings(), /sport=40000 dport=7000/, 'the router forgot the idle mapping');
  });

  test('a symmetric router maps each destination to another public port', { timeout: 30_000 }, async () => {
    const seen = new Set<string>();
    const w = bed.hosts.baresip.wrap(process.execPath, [probe, 'echo', WAN_HOSTS.baresip, '7000']);
    const echo2 = new ManagedProcess(w.command, w.args);
    try {
      assert.ok(await echo2.waitForOutput(/ready/, 5000));
      seen.add(ask(1, 40001, WAN_HOSTS.kamailio));
      seen.add(ask(1, 40001, WAN_HOSTS.baresip));
    } finally {
      await echo2.stop(1000);
    }
    const ports = [...seen].map((s) => s.split(':')[1]);
    assert.equal(new Set(ports).size, 2, `two public ports for two destinations: ${[...seen].join(', ')}`);
  });

  test('nothing from the WAN reaches a LAN host through a port it did not open', { timeout: 30_000 }, async () => {
    const w = bed.sites[0]!.lan.wrap(process.execPath, [probe, 'echo', '0.0.0.0', '7001']);
    const inside = new ManagedProcess(w.command, w.args);
    try {
      assert.ok(await inside.waitForOutput(/ready/, 5000));
      // The LAN host listens on 7001, but the router has no mapping for it: the datagram dies at the router.
      assert.throws(() => bed.wan.exec(process.execPath, [probe, 'ask', bed.sites[0]!.publicAddress, '7001']), /Command failed/);
    } finally {
      await inside.stop(1000);
    }
  });
});
