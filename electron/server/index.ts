/** Parley's SIP servers: registrar, proxy and redirect server of one domain (RFC 3261 §10, §16; RFC 3263 for other domains). */
export { SipServer } from './sip-server.ts';
export type { ServerBindingEvent, ServerListen, SipServerOptions } from './sip-server.ts';
export { ServerStore, ServerStoreError, hashSecrets } from './server-store.ts';
export type { StoredBinding, SubscriberRecord } from './server-store.ts';
export type { Binding, BindingChange } from './location-table.ts';
export type { ServerStats } from './server-stats.ts';
export { formatBinding } from './registrar.ts';
export type { WatchedCall } from './call-watch.ts';
