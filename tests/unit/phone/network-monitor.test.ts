import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { addressSignature, NetworkMonitor } from '../../../electron/phone/network-monitor.ts';
import { nullLogger } from '../../../electron/common/logger.ts';
import { IdleTimers } from '../../../electron/common/idle-timers.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const v4 = (address: string, internal = false): NetworkInterfaceInfo =>
  ({ address, netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: `${address}/24` }) as NetworkInterfaceInfo;

function setup(busy = true) {
  const clock = new FakeClock();
  const idleTimers = new IdleTimers(clock);
  const state = { busy };
  let ifaces: NodeJS.Dict<NetworkInterfaceInfo[]> = { lo: [v4('127.0.0.1', true)], wlan0: [v4('192.168.1.20')] };
  const reasons: string[] = [];
  // The wall clock follows the fake monotonic one, plus whatever a suspend adds.
  let slept = 0;
  let reads = 0;
  const interfaces = () => {
    reads++;
    return ifaces;
  };
  const m = new NetworkMonitor({ clock, idleTimers, logger: nullLogger, interfaces, onChange: (r) => reasons.push(r), wallNow: () => 1_700_000_000_000 + clock.now() + slept, busy: () => state.busy, random: () => 0 });
  return { clock, idleTimers, m, reasons, state, reads: () => reads, set: (next: NodeJS.Dict<NetworkInterfaceInfo[]>) => (ifaces = next), sleep: (ms: number) => (slept += ms) };
}

describe('NetworkMonitor', () => {
  it('busy (a call up): reports a new address within one poll (2 s), once', () => {
    const { clock, m, reasons, set } = setup();
    m.start();
    clock.advance(10_000);
    assert.deepEqual(reasons, []);
    set({ lo: [v4('127.0.0.1', true)], wlan0: [v4('10.0.0.7')] });
    clock.advance(2000);
    assert.deepEqual(reasons, ['interfaces']);
    clock.advance(20_000);
    assert.deepEqual(reasons, ['interfaces'], 'nothing more while it stays');
  });

  it('idle: reads the addresses every 20–25 s (random() = 0: 20 s), and a new address within that', () => {
    const { clock, m, reasons, reads, set } = setup(false);
    m.start();
    const first = reads();
    clock.advance(60_000);
    assert.equal(reads() - first, 3, 'one reading per 20 s, not one per 2 s');
    set({ lo: [v4('127.0.0.1', true)], wlan0: [v4('10.0.0.7')] });
    clock.advance(19_999);
    assert.deepEqual(reasons, []);
    clock.advance(1);
    assert.deepEqual(reasons, ['interfaces']);
  });

  it('idle: the check goes with another idle timer that wakes the process after 2 s (one wake-up)', () => {
    const { clock, idleTimers, m, reasons, reads, set } = setup(false);
    m.start();
    const first = reads();
    set({ eth0: [v4('10.9.9.9')] });
    let keepAlive = 0;
    idleTimers.schedule(() => keepAlive++, 5000, 7000);
    clock.advance(6999);
    assert.equal(reads(), first);
    clock.advance(1);
    assert.equal(keepAlive, 1);
    assert.equal(reads(), first + 1, 'read in the same wake-up');
    assert.deepEqual(reasons, ['interfaces']);
  });

  it('a call starting (busyChanged) brings the next check within 2 s; its end lets it go back to the idle pace', () => {
    const { clock, m, reasons, state, reads, set } = setup(false);
    m.start();
    clock.advance(5000);
    state.busy = true;
    m.busyChanged();
    set({ eth0: [v4('10.9.9.9')] });
    clock.advance(2000);
    assert.deepEqual(reasons, ['interfaces']);
    state.busy = false;
    m.busyChanged();
    const before = reads();
    clock.advance(19_999);
    assert.equal(reads(), before);
    clock.advance(1);
    assert.equal(reads(), before + 1);
  });

  it('ignores loopback, link-local IPv6 and the order of interfaces', () => {
    assert.equal(addressSignature({ b: [v4('10.0.0.2')], a: [v4('10.0.0.1')], lo: [v4('127.0.0.1', true)] }), addressSignature({ a: [v4('10.0.0.1')], b: [v4('10.0.0.2')] }));
    const ll = { ...v4('fe80::1'), family: 'IPv6' } as NetworkInterfaceInfo;
    assert.equal(addressSignature({ a: [v4('10.0.0.1'), ll] }), 'a/10.0.0.1');
  });

  it('a suspend (the wall clock ran on, the monotonic one did not) is a wake-up', () => {
    const { clock, m, reasons, sleep } = setup();
    m.start();
    clock.advance(1000);
    sleep(600_000);
    clock.advance(1000);
    assert.deepEqual(reasons, ['resume']);
    clock.advance(10_000);
    assert.deepEqual(reasons, ['resume'], 'once');
  });

  it('a few seconds of load are no sleep', () => {
    const { clock, m, reasons, sleep } = setup();
    m.start();
    sleep(3000);
    clock.advance(2000);
    assert.deepEqual(reasons, []);
  });

  it('stop() ends the polling', () => {
    const { clock, m, reasons, set } = setup();
    m.start();
    m.stop();
    set({ eth0: [v4('10.9.9.9')] });
    clock.advance(60_000);
    assert.deepEqual(reasons, []);
  });
});
