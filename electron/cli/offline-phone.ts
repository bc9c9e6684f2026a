/**
 * The phone without its network side, for `parley accounts`: the store, the
 * account rules (one owner per address, the direct account untouchable) and
 * the API's PhoneApi, but no SIP listener and no registrations. Starting the
 * whole engine to list accounts would bind port 5060 and REGISTER every
 * stored account as a side effect. The commands keep the one contract: they
 * still go through the dispatcher; calls and registrations answer
 * 'unavailable'.
 */
import { ForwardingService } from '../phone/call-forwarding.ts';
import { createEventBus, type EventBus } from '../api/event-bus.ts';
import { ApiError } from '../api/errors.ts';
import type { PhoneApi } from '../api/phone-api.ts';
import { AccountService } from '../phone/account-service.ts';
import { ContactDirectory } from '../phone/contact-directory.ts';
import { createPhoneApi } from '../phone/phone-api.ts';
import { presencePlaceholder } from '../phone/presence-placeholder.ts';
import { PhoneSystemService } from '../phone/phone-system.ts';
import { systemClock } from '../common/clock.ts';
import { Recordings } from '../phone/recordings.ts';
import { nullLogger } from '../common/logger.ts';
import { openPhoneStore } from '../phone/store/phone-store.ts';
import type { SecretStore } from '../phone/store/secret-store.ts';
import type { Logger } from '../common/logger.ts';

export interface OfflinePhone {
  api: PhoneApi;
  events: EventBus;
  close(): Promise<void>;
}

const offline = async (): Promise<never> => {
  throw new ApiError('unavailable', 'this command works on stored data only; calls and registrations need parley register, call, listen or web');
};

export function openOfflinePhone(opts: { dataDir: string; secrets: SecretStore; logger?: Logger }): OfflinePhone {
  const store = openPhoneStore(opts.dataDir, { secrets: opts.secrets, ...(opts.logger ? { logger: opts.logger } : {}) });
  const events = createEventBus();
  const accounts = new AccountService(store, events);
  const contacts = new ContactDirectory(store);
  const api = createPhoneApi({
    store,
    events,
    accounts,
    contacts,
    audioDevices: () => [],
    presence: presencePlaceholder(),
    // The rules are stored settings: `parley forward` sets them offline; a running phone applies them.
    forwarding: new ForwardingService({ store, accounts, events }).api,
    recordings: new Recordings({ store, dataDir: opts.dataDir, logger: opts.logger ?? nullLogger }),
    // `parley users` manages the phone system's users offline; hosting one needs `parley serve`, web or the app.
    phoneSystem: new PhoneSystemService({ host: undefined, accounts, events, clock: systemClock }),
    telephony: {
      register: offline,
      unregister: offline,
      registrations: () => [],
      calls: {
        'call.dial': offline,
        'call.answer': offline,
        'call.decline': offline,
        'call.hangup': offline,
        'call.hold': offline,
        'call.resume': offline,
        'call.mute': offline,
        'call.dtmf': offline,
        'call.transfer': offline,
        'call.record': offline,
        'call.pickup': offline,
        'call.merge': offline,
        'call.split': offline,
        'call.earlyMedia': offline,
        list: () => [],
      },
      messages: {
        'messages.send': offline,
        'messages.list': offline,
        'messages.conversations': offline,
        'messages.read': offline,
        'messages.remove': offline,
        'messages.allow': offline,
        'messages.block': offline,
        'messages.composing': offline,
      },
      diagnostics: offline,
      networkChanged: offline,
    },
  });
  return { api, events, close: async () => store.close() };
}
