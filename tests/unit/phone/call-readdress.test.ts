/**
 * A call follows our moved address (call-readdress.ts) once per move: when
 * the registration settles twice close together, the second follow waits
 * for the first instead of restarting ICE under its re-INVITE.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nullLogger } from '../../../electron/common/logger.ts';
import { followAddress } from '../../../electron/phone/call-readdress.ts';
import type { PhoneCall } from '../../../electron/phone/phone-call.ts';

/** A connected call whose dialog names `dialogHost`; the account's Contact now names `contactHost`. */
function fakeCall() {
  const state = { dialogHost: '10.1.0.2', contactHost: '10.102.1.2', sessionMoves: 0, reinvites: 0, busy: 0, mostAtOnce: 0 };
  const session = {
    advertisedAddress: '198.51.100.101',
    async readdress(address: string) {
      session.advertisedAddress = address;
      state.sessionMoves++;
      state.busy++;
      state.mostAtOnce = Math.max(state.mostAtOnce, state.busy);
      await new Promise((resolve) => setTimeout(resolve, 20)); // the ICE restart gathering
      state.busy--;
    },
  };
  const sip = {
    movedContact: () => (state.contactHost !== state.dialogHost ? { uri: { host: state.contactHost, port: 5060 } } : undefined),
    async readdress() {
      state.dialogHost = state.contactHost;
      state.reinvites++;
      await new Promise((resolve) => setTimeout(resolve, 20)); // the re-INVITE's answer
      return { status: 200 };
    },
  };
  const call = { id: 'call-1', established: true, ended: false, session, sip } as unknown as PhoneCall;
  return { call, state };
}

describe('a call follows our moved address', () => {
  test('the registration settling twice in a row: one ICE restart, one re-INVITE', async () => {
    const { call, state } = fakeCall();
    const results = await Promise.all([followAddress(call, '198.51.100.102', nullLogger), followAddress(call, '198.51.100.102', nullLogger)]);
    assert.deepEqual(results, [true, false], 'the second found the call already moved');
    assert.equal(state.sessionMoves, 1);
    assert.equal(state.reinvites, 1);
    assert.equal(state.mostAtOnce, 1);
  });

  test('a later move is followed again', async () => {
    const { call, state } = fakeCall();
    assert.equal(await followAddress(call, '198.51.100.102', nullLogger), true);
    state.contactHost = '10.103.1.2';
    assert.equal(await followAddress(call, '198.51.100.103', nullLogger), true);
    assert.equal(state.reinvites, 2);
    assert.equal(call.session.advertisedAddress, '198.51.100.103');
  });
});
