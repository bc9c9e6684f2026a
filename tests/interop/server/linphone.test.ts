/**
 * linphonec 5.1 (liblinphone, Debian 12) registered to Parley's SIP server
 * with digest, calling the Parley phone engine through it and called by it:
 * both hear the other's tone (PCMU), with the same calls and measures as
 * media-linphone.test.ts runs through Kamailio (harness/linphone-calls.ts).
 */
import { describeLinphoneCalls, LINPHONE_CALL_DOMAIN, LINPHONE_CALL_USERS } from '../harness/linphone-calls.ts';
import { sleep } from '../harness/managed-process.ts';
import { startServerPeer } from './server-peer.ts';

describeLinphoneCalls('Parley ↔ linphonec through parley serve (PCMU)', async () => {
  const server = await startServerPeer({ domain: LINPHONE_CALL_DOMAIN, users: [...LINPHONE_CALL_USERS] });
  return {
    port: server.port,
    async waitRegistered(user, lin) {
      const deadline = Date.now() + 8000;
      while (server.server.location.lookup(`sip:${user}@${LINPHONE_CALL_DOMAIN}`).length === 0) {
        if (Date.now() > deadline) throw new Error(`linphonec did not register\n${lin.output().slice(-2000)}`);
        await sleep(100);
      }
    },
    stop: () => server.close(),
  };
});
