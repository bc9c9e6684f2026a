/**
 * The phone model's data in one handle: the database and its repositories,
 * opened together from the user data folder. The host chooses where passwords
 * go (the desktop app: safeStorage; the CLI: FileSecretStore or memory), so
 * `secrets` has no default — a forgotten choice must not silently write a file.
 */
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import { nullLogger } from '../../common/logger.ts';
import { AccountsRepository } from './accounts-repository.ts';
import { ContactsRepository } from './contacts-repository.ts';
import { HistoryRepository } from './history-repository.ts';
import { MessagesRepository } from './messages-repository.ts';
import { PresenceRepository } from './presence-repository.ts';
import type { SecretStore } from './secret-store.ts';
import { SettingsRepository } from './settings-repository.ts';
import { Store, type StoreOptions } from './store.ts';

export interface PhoneStoreOptions extends StoreOptions {
  secrets: SecretStore;
  /** Schedules the history's write-behind (history-repository.ts); the system clock by default. */
  clock?: Clock;
}

export interface PhoneStore {
  readonly store: Store;
  readonly secrets: SecretStore;
  readonly accounts: AccountsRepository;
  readonly contacts: ContactsRepository;
  readonly history: HistoryRepository;
  readonly messages: MessagesRepository;
  /** Watches, watcher decisions and our own status (presence, BLF). */
  readonly presence: PresenceRepository;
  readonly settings: SettingsRepository;
  /** Writes what waits (the history's write-behind) and closes the database. */
  close(): void;
}

/** Opens parley.db in `dataDir`; throws StoreError ('corrupt', 'too-new', 'locked', …). */
export function openPhoneStore(dataDir: string, options: PhoneStoreOptions): PhoneStore {
  const logger: Logger = options.logger ?? nullLogger;
  const store = Store.open(dataDir, options);
  const history = new HistoryRepository(store, {
    ...(options.clock ? { clock: options.clock } : {}),
    onWriteError: (e) => logger.error('call history not written', { error: String(e) }),
  });
  return {
    store,
    secrets: options.secrets,
    accounts: new AccountsRepository(store, options.secrets),
    contacts: new ContactsRepository(store),
    history,
    messages: new MessagesRepository(store),
    presence: new PresenceRepository(store),
    settings: new SettingsRepository(store, logger),
    close: () => {
      if (store.isOpen) history.flush();
      store.close();
    },
  };
}
