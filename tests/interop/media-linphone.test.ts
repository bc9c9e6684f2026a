/**
 * Real audio between the whole Parley phone and linphonec, both registered to
 * Kamailio (the calls and measures are in harness/linphone-calls.ts).
 */
import { startKamailio } from './harness/kamailio.ts';
import { describeLinphoneCalls, LINPHONE_CALL_DOMAIN, LINPHONE_CALL_USERS } from './harness/linphone-calls.ts';
import { sleep } from './harness/managed-process.ts';

describeLinphoneCalls('Parley ↔ linphonec audio through Kamailio (PCMU)', async () => {
  const kam = await startKamailio({ domain: LINPHONE_CALL_DOMAIN, aliases: [], ipv6: false, users: [...LINPHONE_CALL_USERS] });
  return {
    port: kam.udpPort,
    pid: kam.pid,
    async waitRegistered(user, lin) {
      const deadline = Date.now() + 8000;
      for (;;) {
        const locs = await kam.locations();
        if (locs.some((l) => l.aor.startsWith(user))) return;
        if (Date.now() > deadline) throw new Error(`linphonec did not register: ${JSON.stringify(locs)}\n${lin.output().slice(-2000)}`);
        await sleep(100);
      }
    },
    stop: () => kam.stop(),
  };
});
