/**
 * The phone system of Settings ("Host a phone system on this computer") for
 * the mock phone: in-memory users, registered phones and calls that change
 * with the commands and are pushed as `phoneSystem` events, so the pane can
 * be driven end to end and laid out with realistic (long) content.
 */
import { ApiError } from '../../electron/api/errors.ts';
import type { EventBus } from '../../electron/api/event-bus.ts';
import type { PhoneSystemApi } from '../../electron/api/phone-api.ts';
import type { PhoneSystemSnapshot } from '../../electron/api/contract.ts';

export function mockPhoneSystemSnapshot(now: number): PhoneSystemSnapshot {
  return {
    settings: { enabled: true, domain: 'office.example', exposure: 'loopback', port: 5070, redirect: false },
    state: 'running',
    listening: ['udp 127.0.0.1:5070', 'tcp 127.0.0.1:5070'],
    users: [
      { username: 'johndoe', displayName: 'John Doe', aliases: ['+554845678901', '45678901'], address: 'sip:johndoe@office.example', registered: 2, thisComputer: false },
      { username: 'alice', aliases: [], address: 'sip:alice@office.example', registered: 1, thisComputer: true },
      { username: 'reception-desk-with-a-long-name', aliases: ['+4930123456789012'], address: 'sip:reception-desk-with-a-long-name@office.example', registered: 0, thisComputer: false },
    ],
    bindings: [
      { username: 'johndoe', contact: 'sip:johndoe@192.0.2.17:5060;transport=udp;rinstance=7f3a9b2c1d0e', source: 'udp 192.0.2.17:5060', userAgent: 'baresip v1.0.0 (x86_64/linux)', expiresAt: now + 3_400_000 },
      { username: 'johndoe', contact: 'sip:johndoe@192.0.2.23:51234;transport=tcp', source: 'tcp 192.0.2.23:51234', userAgent: 'Linphone-Desktop/5.2.0 (belle-sip/5.2.0)', expiresAt: now + 1_200_000 },
      { username: 'alice', contact: 'sip:alice@127.0.0.1:5060', source: 'udp 127.0.0.1:5060', userAgent: 'Parley/0.1.0', expiresAt: now + 3_500_000 },
    ],
    calls: [{ id: 'a84b4c76e66710', from: 'sip:alice@office.example', to: 'sip:+554845678901@office.example', state: 'talking', since: now - 95_000 }],
    stats: { registrations: 14, forwarded: 31, redirects: 0, authFailures: 1, malformed: 0 },
  };
}

export function mockPhoneSystem(events: EventBus, now: number): { api: PhoneSystemApi; state: { snapshot: PhoneSystemSnapshot } } {
  const state = { snapshot: mockPhoneSystemSnapshot(now) };
  const put = (snapshot: PhoneSystemSnapshot): PhoneSystemSnapshot => {
    state.snapshot = snapshot;
    events.emit('phoneSystem', snapshot);
    return snapshot;
  };
  const api: PhoneSystemApi = {
    async 'phoneSystem.get'() {
      return state.snapshot;
    },
    async 'phoneSystem.update'(p) {
      const s = state.snapshot;
      const settings = { ...s.settings, ...p };
      if (p.domain !== undefined && p.domain !== s.settings.domain && s.users.length > 0) throw new ApiError('conflict', `the users' passwords belong to ${s.settings.domain}: remove the users first to change the domain`);
      const host = settings.exposure === 'network' ? '0.0.0.0' : '127.0.0.1';
      return put({
        ...s, settings, state: settings.enabled ? 'running' : 'off',
        listening: settings.enabled ? [`udp ${host}:${settings.port}`, `tcp ${host}:${settings.port}`] : [],
        ...(settings.enabled ? {} : { bindings: [], calls: [] }),
      });
    },
    async 'phoneSystem.users.add'(p) {
      const s = state.snapshot;
      if (s.users.some((u) => u.username === p.username)) throw new ApiError('conflict', `${p.username} is already a user`);
      const user = { username: p.username, aliases: p.aliases ?? [], address: `sip:${p.username}@${s.settings.domain}`, registered: 0, thisComputer: p.thisComputer ?? false, ...(p.displayName ? { displayName: p.displayName } : {}) };
      return put({ ...s, users: [...s.users, user] });
    },
    async 'phoneSystem.users.update'(p) {
      const s = state.snapshot;
      if (!s.users.some((u) => u.username === p.username)) throw new ApiError('not-found', `no user ${p.username}`);
      return put({ ...s, users: s.users.map((u) => (u.username === p.username ? { ...u, ...(p.aliases ? { aliases: p.aliases } : {}) } : u)) });
    },
    async 'phoneSystem.users.remove'(p) {
      const s = state.snapshot;
      if (!s.users.some((u) => u.username === p.username)) throw new ApiError('not-found', `no user ${p.username}`);
      return put({ ...s, users: s.users.filter((u) => u.username !== p.username), bindings: s.bindings.filter((b) => b.username !== p.username) });
    },
  };
  return { api, state };
}
