/**
 * Watcher information (RFC 3857 the presence.winfo template package,
 * RFC 3858 the document): who subscribed to our presence and whether the
 * server let them (pending, active, waiting, terminated). Full and partial
 * documents merged by watcher id.
 */
import { cleanText } from './pidf.ts';
import { childrenOf, parseXml } from './xml-reader.ts';

export const WATCHERINFO_TYPE = 'application/watcherinfo+xml';
export const NS_WATCHERINFO = 'urn:ietf:params:xml:ns:watcherinfo';
/** A server cannot make us keep more watchers than this per account. */
export const MAX_WATCHERS = 500;

export interface WatcherEntry {
  id: string;
  uri: string;
  displayName?: string;
  status: 'pending' | 'active' | 'waiting' | 'terminated';
  event?: string;
}

export interface WatcherInfoDocument {
  version: number;
  full: boolean;
  watchers: WatcherEntry[];
}

const STATUSES = ['pending', 'active', 'waiting', 'terminated'] as const;

export function parseWatcherInfo(body: string | Buffer): WatcherInfoDocument {
  const root = parseXml(body);
  if (root.ns !== NS_WATCHERINFO || root.local !== 'watcherinfo') throw new Error('not a watcherinfo document');
  const watchers: WatcherEntry[] = [];
  for (const list of childrenOf(root, NS_WATCHERINFO, 'watcher-list')) {
    if ((list.attrs.get('package') ?? 'presence') !== 'presence') continue;
    for (const w of childrenOf(list, NS_WATCHERINFO, 'watcher')) {
      if (watchers.length >= MAX_WATCHERS) break;
      const status = STATUSES.find((s) => s === w.attrs.get('status'));
      const uri = cleanText(w.text, 512);
      const id = w.attrs.get('id');
      if (!status || uri === '' || !id) continue;
      const entry: WatcherEntry = { id: cleanText(id, 128), uri, status };
      const display = w.attrs.get('display-name');
      if (display) entry.displayName = cleanText(display, 128);
      const event = w.attrs.get('event');
      if (event) entry.event = cleanText(event, 32);
      watchers.push(entry);
    }
  }
  return { version: Number(root.attrs.get('version') ?? '0') || 0, full: root.attrs.get('state') !== 'partial', watchers };
}
