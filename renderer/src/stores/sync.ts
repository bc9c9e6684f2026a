/**
 * Keeps a PhoneState in step with the phone: events as they come, and a full
 * reload (app.snapshot, contacts, history) whenever the connection opens,
 * since events missed while disconnected are not replayed.
 */
import type { ApiClient } from '../api/client.ts';
import type { PhoneState } from './phone-state.svelte.ts';

export interface SyncOptions {
  historyLimit?: number;
  onError?: (message: string) => void;
}

export async function reloadAll(store: PhoneState, client: ApiClient, options: SyncOptions = {}): Promise<boolean> {
  // Each is loaded the moment its reply comes, not when all have come: an event that arrives between one
  // reply and the last (the account registering meanwhile, a call ending into the history) is newer than
  // that reply and must stay applied; and the screen fills in as soon as it can (the contacts' call buttons).
  const [snapshot] = await Promise.all([
    client.call('app.snapshot').then((r) => {
      if (r.ok) store.loadSnapshot(r.result);
      return r;
    }),
    client.call('contacts.list', {}).then((r) => r.ok && store.setContacts(r.result)),
    client.call('history.list', { limit: options.historyLimit ?? 300 }).then((r) => r.ok && store.setHistory(r.result)),
    client.call('messages.conversations', {}).then((r) => r.ok && store.messages.setConversations(r.result)),
  ]);
  if (!snapshot.ok) options.onError?.(`Could not load the phone's state: ${snapshot.message}`);
  // Presence, lines and voicemail: a phone without the event engine answers 'unavailable'; the UI then shows none.
  const [own, watches, watchers, mwi, forwarding] = await Promise.all([
    client.call('presence.get', {}),
    client.call('watch.list', {}),
    client.call('watchers.list', {}),
    client.call('mwi.list', {}),
    client.call('forwarding.get', {}),
  ]);
  if (forwarding.ok) store.forwarding = forwarding.result;
  if (own.ok) store.presence.setOwn(own.result);
  if (watches.ok) store.presence.setWatches(watches.result);
  if (watchers.ok) store.presence.setWatchers(watchers.result);
  if (mwi.ok) store.presence.setMwi(mwi.result);
  return snapshot.ok;
}

/** Starts syncing; returns the stop function. */
export function syncStore(store: PhoneState, client: ApiClient, options: SyncOptions = {}): () => void {
  const offEvents = client.onEvent((event) => store.apply(event));
  const offStatus = client.onStatus((status) => {
    store.connection = status;
    if (status.state === 'open') void reloadAll(store, client, options);
  });
  store.connection = client.status;
  if (client.status.state === 'open') void reloadAll(store, client, options);
  return () => {
    offEvents();
    offStatus();
  };
}
